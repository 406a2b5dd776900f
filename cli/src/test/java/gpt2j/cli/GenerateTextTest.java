package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text output of generate on the "f16" fixture given a byte-level vocabulary (see {@link TestVocabulary}). */
class GenerateTextTest {

    @TempDir
    static Path tmp;

    static String model;
    static int[] prompt;
    static int[] greedy; // [118, 118, 78, 78, 270, 234, 284, 270, 284, 60, 67, 101]: "vvNNob", 0xEA, "ccobcc<Ce"

    @BeforeAll
    static void setUp() throws IOException {
        model = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("f16")).toString();
        JsonNode f = Fixtures.manifest("f16");
        prompt = Fixtures.ints(f.get("tokens"));
        greedy = Fixtures.ints(f.get("greedy").get("new_tokens"));
    }

    @Test
    void streamsThePromptThenTheContinuation() {
        Cli r = generate("--prompt-ids", Fixtures.idList(prompt));
        assertEquals(0, r.code(), r.err());
        // A lone 0xEA (a 3-byte lead followed by 'c') can only be U+FFFD; it must not swallow the 'c's after it.
        assertEquals(text(prompt) + "vvNNob\uFFFDccobcc<Ce\n", r.out());
        assertEquals("vvNNob\uFFFDccobcc<Ce", text(greedy));
    }

    @Test
    void noEchoPrintsOnlyTheContinuation() {
        Cli r = generate("--prompt-ids", Fixtures.idList(prompt), "--no-echo");
        assertEquals("vvNNob\uFFFDccobcc<Ce\n", r.out());
    }

    @Test
    void stopStringCutsTheTextAndEndsGeneration() {
        Cli r = generate("--prompt-ids", Fixtures.idList(prompt), "--no-echo", "--stop", "cc<", "--stop", "zzz");
        assertEquals(0, r.code(), r.err());
        assertEquals("vvNNob\uFFFDccob\n", r.out());

        Cli json = generate("--prompt-ids", Fixtures.idList(prompt), "--stop", "cc<", "--json");
        JsonNode o = Fixtures.parse(json.out());
        assertEquals("vvNNob\uFFFDccob", o.get("text").asText());
        assertEquals("stop_string", o.get("stop_reason").asText());
        assertArrayEquals(Arrays.copyOf(greedy, 10), Fixtures.ints(o.get("tokens"))); // up to the "<" that completed it
    }

    @Test
    void textPromptIsEncodedWithTheModelsTokenizer() {
        Cli r = generate(1, "-p", "abzb", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("[256,281]", Fixtures.parse(r.out()).get("prompt_tokens").toString());
    }

    @Test
    void emptyPromptStartsFromEndOfText() {
        Cli r = generate(2, "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("[299]", Fixtures.parse(r.out()).get("prompt_tokens").toString());
    }

    private static Cli generate(String... args) {
        return generate(greedy.length, args);
    }

    private static Cli generate(int n, String... args) {
        String[] common = {"generate", "-m", model, "-n", String.valueOf(n), "--temperature", "0", "-t", "1"};
        String[] all = Arrays.copyOf(common, common.length + args.length);
        System.arraycopy(args, 0, all, common.length, args.length);
        return Cli.run(all);
    }

    private static String text(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) bytes.writeBytes(TestVocabulary.bytes(id));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
