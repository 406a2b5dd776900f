package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenTextTest {

    @Test
    void whitespaceAndControlCharactersBecomeVisible() {
        assertEquals("\u2423cat", TokenText.visible(" cat"));
        assertEquals("\u21b5\u21b5", TokenText.visible("\n\n"));
        assertEquals("\u21e5\\r\\u0007", TokenText.visible("\t\r\u0007"));
        assertEquals("\u2205", TokenText.visible(""));
        assertEquals("\ufffd", TokenText.visible("\ufffd"), "a partial UTF-8 token keeps its replacement character");
        assertEquals("caf\u00e9\ud83d\ude00", TokenText.visible("caf\u00e9\ud83d\ude00"));
    }

    @Test
    void shortenCutsOnCodePoints() {
        assertEquals("abc", TokenText.shorten("abc", 3));
        assertEquals("ab\u2026", TokenText.shorten("abcd", 3));
        assertEquals("\ud83d\ude00\ud83d\ude00\u2026", TokenText.shorten("\ud83d\ude00".repeat(5), 3));
    }

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = (byte) bytes[i];
        return out;
    }

    @Test
    void byteTokensShowTheirCharacterWhenARunFormsOneAndTheirBytesOtherwise() {
        // U+1F600 is F0 9F 98 80; U+00E9 is C3 A9.
        assertEquals(
                List.of(
                        "caf",
                        "\ud83d\ude00(1/2)",
                        "\ud83d\ude00(2/2)",
                        " <0xE2>",
                        "<0xFF>x",
                        " \u00e9(1/2)",
                        " \u00e9(2/2)"),
                TokenText.readable(List.of(
                        b('c', 'a', 'f'),
                        b(0xF0, 0x9F),
                        b(0x98, 0x80),
                        b(' ', 0xE2),
                        b(0xFF, 'x'),
                        b(' ', 0xC3),
                        b(0xA9))));
        // A lone continuation byte, an overlong C0 80 and a surrogate ED A0 80 are bytes, never characters.
        assertEquals(
                List.of("<0x80>", "<0xC0><0x80>", "<0xED><0xA0><0x80>"),
                TokenText.readable(List.of(b(0x80), b(0xC0, 0x80), b(0xED, 0xA0, 0x80))));
    }

    @Test
    void gpt2SplitsAnEmojiAndTheLabelsStillShowIt() {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
        int[] ids = tokenizer.encode("I \ud83d\ude00 it");
        List<byte[]> bytes = new ArrayList<>();
        for (int id : ids) bytes.add(tokenizer.tokenBytes(id));
        List<String> labels = TokenText.readable(bytes);
        assertEquals(ids.length, labels.size());
        long parts = labels.stream().filter(l -> l.contains("\ud83d\ude00(")).count();
        assertTrue(parts >= 2, "the emoji is split into byte tokens: " + labels);
        assertTrue(labels.stream().noneMatch(l -> l.contains("\ufffd")), labels.toString());
    }
}
