package gpt2j.cli;

/**
 * A token's bytes as readable text, as llama-tokenize shows them: valid UTF-8 as characters, control characters
 * escaped ({@code \n}, {@code \t}, {@code \x1b}), quotes and backslashes escaped, and bytes that are not a whole UTF-8
 * character on their own (a token may hold half of one) as {@code <0xF0>}.
 */
final class TokenDisplay {

    private TokenDisplay() {}

    static String of(byte[] b) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < b.length) {
            int lead = b[i] & 0xFF;
            int length = lead < 0x80
                    ? 1
                    : lead >= 0xC2 && lead < 0xE0
                            ? 2
                            : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xF0 && lead < 0xF5 ? 4 : 0;
            int cp = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
            boolean valid = length > 0 && i + length <= b.length;
            for (int k = 1; valid && k < length; k++) {
                int c = b[i + k] & 0xFF;
                valid = (c & 0xC0) == 0x80;
                cp = cp << 6 | c & 0x3F;
            }
            // Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8 either.
            valid = valid
                    && !(length == 3 && (cp < 0x800 || cp >= 0xD800 && cp <= 0xDFFF))
                    && !(length == 4 && (cp < 0x10000 || cp > 0x10FFFF));
            if (!valid) {
                sb.append(String.format("<0x%02X>", lead));
                i++;
                continue;
            }
            switch (cp) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                default -> {
                    if (cp < 0x20 || cp == 0x7F) {
                        sb.append(String.format("\\x%02x", cp));
                    } else {
                        sb.appendCodePoint(cp);
                    }
                }
            }
            i += length;
        }
        return sb.toString();
    }
}
