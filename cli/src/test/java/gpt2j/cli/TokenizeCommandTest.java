package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tokenize/detokenize commands against jtokkit's r50k_base, which is GPT-2's encoding. */
class TokenizeCommandTest {

    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Hello, world!",
                "  leading spaces\n\ntwo newlines\t tab",
                "naïve café Ünïcödé",
                "emoji 🙂👍🏽 and 中文字符",
                "I'm sure they'll've done it's 1234567 times",
                "<|endoftext|> is plain text here"
            })
    void idsMatchJtokkit(String text) {
        int[] expected = R50K.encodeOrdinary(text).toArray();
        Cli fromArgument = Cli.run("tokenize", "--json", text);
        assertEquals(0, fromArgument.code(), fromArgument.err());
        assertArrayEquals(expected, Fixtures.ints(Fixtures.parse(fromArgument.out())));

        Cli fromStdin = Cli.runWithInput(text.getBytes(StandardCharsets.UTF_8), "tokenize");
        assertEquals(0, fromStdin.code(), fromStdin.err());
        assertArrayEquals(
                expected, fromStdin.out().lines().mapToInt(Integer::parseInt).toArray());

        Cli back = Cli.run("detokenize", Fixtures.idList(expected));
        assertEquals(0, back.code(), back.err());
        assertEquals(text, back.out());
    }

    @Test
    void stdinIsTakenByteForByte() {
        byte[] input = "line one\r\nline two\n\n".getBytes(StandardCharsets.UTF_8);
        Cli r = Cli.runWithInput(input, "tokenize", "--json");
        int[] ids = Fixtures.ints(Fixtures.parse(r.out()));
        assertArrayEquals(R50K.encodeOrdinary("line one\r\nline two\n\n").toArray(), ids);
        Cli back = Cli.runWithInput(r.out().getBytes(StandardCharsets.UTF_8), "detokenize");
        assertArrayEquals(input, back.out().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void specialsOnlyWhenAsked() {
        assertEquals(
                "[50256]",
                Cli.run("tokenize", "--json", "--specials", "<|endoftext|>")
                        .out()
                        .strip());
        assertEquals(
                "[27,91,437,1659,5239,91,29]",
                Cli.run("tokenize", "--json", "<|endoftext|>").out().strip());
    }

    @Test
    void detokenizeAcceptsJsonAndWhitespace() {
        assertEquals("Hello, world", Cli.run("detokenize", "[15496, 11, 995]").out());
        assertEquals(
                "Hello, world",
                Cli.runWithInput("15496\n11 995\n".getBytes(), "detokenize").out());
        assertEquals("", Cli.runWithInput(new byte[0], "detokenize").out());
    }
}
