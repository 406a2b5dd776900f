package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenDisplayTest {

    private static String show(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return TokenDisplay.of(b);
    }

    @Test
    void wholeCharactersAreText() {
        assertEquals(" naïve 🙂", TokenDisplay.of(" naïve 🙂".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void partialCharactersAreBytes() {
        assertEquals("<0xF0><0x9F><0x91>", show(0xF0, 0x9F, 0x91)); // the first three bytes of U+1F44D
        assertEquals("<0x8D>", show(0x8D));
        assertEquals("a<0xE2>b", show('a', 0xE2, 'b'));
        assertEquals("<0xC0><0x80>", show(0xC0, 0x80)); // overlong NUL
        assertEquals("<0xED><0xA0><0x80>", show(0xED, 0xA0, 0x80)); // a surrogate
        assertEquals("<0xF4><0x90><0x80><0x80>", show(0xF4, 0x90, 0x80, 0x80)); // past U+10FFFF
    }

    @Test
    void controlsAndQuotesAreEscaped() {
        assertEquals("\\n\\t\\r\\x1b\\x7f\\'\\\\", show('\n', '\t', '\r', 0x1B, 0x7F, '\'', '\\'));
    }
}
