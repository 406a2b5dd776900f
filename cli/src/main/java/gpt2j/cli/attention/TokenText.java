package gpt2j.cli.attention;

/** Token strings made visible on one line: a space, a newline or a control character would vanish from a label. */
public final class TokenText {

    private TokenText() {
    }

    public static String visible(String token) {
        StringBuilder sb = new StringBuilder(token.length());
        token.codePoints().forEach(c -> {
            switch (c) {
                case ' ' -> sb.append('\u2423');   // ␣
                case '\n' -> sb.append('\u21b5');  // ↵
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append('\u21e5');  // ⇥
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                        sb.append(String.format("\\u%04x", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.isEmpty() ? "\u2205" : sb.toString(); // ∅: a token that decodes to nothing still needs a label
    }

    /** At most {@code max} code points, with an ellipsis when cut. */
    public static String shorten(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "\u2026";
    }

    /** Width in terminal columns, counting code points (GPT-2 tokens of wide scripts are rare in labels). */
    public static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
