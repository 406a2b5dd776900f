package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
