package gpt2j.tokenizer;

/**
 * GPT-2's byte-to-unicode table (encoder.py {@code bytes_to_unicode}): printable Latin-1 bytes stand for
 * themselves, the other 68 bytes map to U+0100.. in byte order, so every token is a printable string.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Inverse table indexed by char; -1 where a char is not one of the 256. */
    private static final short[] CHAR_TO_BYTE = new short[256 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    static String byteString(int b) {
        return String.valueOf(BYTE_TO_CHAR[b & 0xFF]);
    }

    /** vocab.json form of raw bytes. */
    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** The byte that char c stands for, or -1 when c is not one of the 256. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /**
     * Raw bytes of a token string, or null when some char is outside the table (an added token such as a
     * Hugging Face special, whose bytes are then its UTF-8).
     */
    static byte[] decodeOrNull(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
