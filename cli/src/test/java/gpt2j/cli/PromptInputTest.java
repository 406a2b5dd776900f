package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -p/-f/stdin prompts, @-names, -n -1 and -c, in-process on the embedded model; ids checked against jtokkit. */
class PromptInputTest {

    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private static final String MODEL = Path.of("model", "default.gguf").toString(); // the embedded model, context 256

    @TempDir
    Path dir;

    private static int[] r50k(String text) {
        return R50K.encodeOrdinary(text).toArray();
    }

    private static JsonNode json(Cli r) {
        assertEquals(0, r.code(), r.err());
        return Fixtures.parse(r.out());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fileIsReadByteForByteByEveryPromptCommand() throws IOException {
        String prompt = "line one\r\n\tline two 🙂\n\n";
        Path file = dir.resolve("@prompt.txt");
        Files.writeString(file, prompt);
        assertArrayEquals(r50k(prompt), Fixtures.ints(json(Cli.run("tokenize", "-f", file.toString(), "--json"))));
        JsonNode g = json(Cli.run("generate", "-m", MODEL, "--file", file.toString(), "-n", "1", "--json"));
        assertArrayEquals(r50k(prompt), Fixtures.ints(g.get("prompt_tokens")));
        JsonNode a = json(Cli.run("attention", "-m", MODEL, "-f", file.toString(), "--json", "-t", "1"));
        assertEquals(r50k(prompt).length, a.get("tokens").size());
        JsonNode p = json(Cli.run("perplexity", "-m", MODEL, "-f", file.toString(), "--json", "-t", "1"));
        assertEquals(r50k(prompt).length - 1, p.get("tokens").asInt());
    }

    @Test
    void dashMeansStdinForPromptAndFile() {
        String text = "And God said, Let there be light";
        assertArrayEquals(
                r50k(text), Fixtures.ints(json(Cli.runWithInput(utf8(text), "tokenize", "-p", "-", "--json"))));
        JsonNode g = json(Cli.runWithInput(utf8(text), "generate", "-m", MODEL, "-p", "-", "-n", "1", "--json"));
        assertArrayEquals(r50k(text), Fixtures.ints(g.get("prompt_tokens")));
        JsonNode p = json(Cli.runWithInput(utf8(text), "perplexity", "-m", MODEL, "-f", "-", "--json", "-t", "1"));
        assertEquals(r50k(text).length - 1, p.get("tokens").asInt());
        JsonNode piped = json(Cli.runWithInput(utf8(text), "perplexity", "-m", MODEL, "--json", "-t", "1"));
        assertEquals(r50k(text).length - 1, piped.get("tokens").asInt());
        JsonNode attention = json(Cli.runWithInput(utf8(text), "attention", "-m", MODEL, "--json", "-t", "1"));
        assertEquals(r50k(text).length, attention.get("tokens").size());
    }

    @Test
    void atNamesAreText() throws IOException {
        Files.writeString(
                Path.of("jack"), "All work and no play"); // in the working directory, where picocli would look
        try {
            JsonNode g = json(Cli.run("generate", "-m", MODEL, "-p", "@jack", "-n", "1", "--json"));
            assertArrayEquals(r50k("@jack"), Fixtures.ints(g.get("prompt_tokens")));
            assertArrayEquals(r50k("@jack"), Fixtures.ints(json(Cli.run("tokenize", "@jack", "--json"))));
        } finally {
            Files.delete(Path.of("jack"));
        }
    }

    @Test
    void withoutPipedStdinGenerateStartsEmptyAndAttentionAsks() {
        JsonNode g = json(Cli.run("generate", "-m", MODEL, "-n", "1", "--json"));
        assertEquals("[50256]", g.get("prompt_tokens").toString());
        Cli a = Cli.run("attention", "-m", MODEL, "--json");
        assertEquals(2, a.code());
        assertEquals(
                "gpt2j: give a prompt: --prompt TEXT, --file FILE, --prompt-ids IDS, or pipe it into stdin",
                a.failureLine());
    }

    @Test
    void ctxSizeLimitsTheContext() {
        String prompt = "And it came to pass";
        JsonNode small =
                json(Cli.run("generate", "-m", MODEL, "-p", prompt, "-n", "-1", "-c", "40", "--temp", "0", "--json"));
        assertEquals("context_full", small.get("stop_reason").asText());
        assertEquals(40, r50k(prompt).length + small.get("tokens").size());
        assertEquals(
                "gpt2j: --ctx-size 257 is longer than the model's context 256",
                Cli.run("generate", "-m", MODEL, "-p", prompt, "-c", "257").oneLineFailure());
    }

    @Test
    void conflictsAndBadCountsAreUsageErrors() {
        assertEquals(2, Cli.run("generate", "-m", MODEL, "-p", "a", "-f", "b").code());
        assertEquals(
                2,
                Cli.run("generate", "-m", MODEL, "-p", "a", "--prompt-ids", "1").code());
        assertEquals(2, Cli.run("tokenize", "-p", "a", "b").code());
        Cli n = Cli.run("generate", "-m", MODEL, "-p", "a", "-n", "-2");
        assertEquals(2, n.code());
        assertTrue(n.failureLine().contains("-1"), n.err());
    }

    @Test
    void moreThreadsThanCoresIsWarnedAbout() {
        int cores = Runtime.getRuntime().availableProcessors();
        Cli r = Cli.run("generate", "-m", MODEL, "-p", "a", "-n", "1", "-t", String.valueOf(cores + 1));
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.err().startsWith("gpt2j: warning: " + (cores + 1) + " threads on " + cores + " available core"),
                r.err());
        assertTrue(Cli.run("generate", "-m", MODEL, "-p", "a", "-n", "1", "-t", "1")
                .err()
                .lines()
                .noneMatch(l -> l.contains("warning")));
    }
}
