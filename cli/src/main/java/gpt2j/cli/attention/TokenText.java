package gpt2j.cli.attention;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Token strings made visible on one line: a space, a newline or a control character would vanish from a label. */
public final class TokenText {

    private TokenText() {}

    /**
     * Each token's text from its bytes. A byte-level token that is not whole UTF-8 (GPT-2 splits an emoji or an
     * accented letter across tokens) is shown as its bytes, {@code <0xF0><0x9F>}, unless it and up to three following
     * tokens form whole characters: then every token of that run shows the text with its part, {@code 😀(1/2)}.
     */
    public static List<String> readable(List<byte[]> tokens) {
        int n = tokens.size();
        List<String> out = new ArrayList<>(n);
        int i = 0;
        while (i < n) {
            byte[] b = tokens.get(i);
            if (wholeUtf8(b)) {
                out.add(new String(b, StandardCharsets.UTF_8));
                i++;
                continue;
            }
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            run.writeBytes(b);
            int end = -1;
            for (int j = i + 1; j < Math.min(n, i + 4) && end < 0; j++) {
                run.writeBytes(tokens.get(j));
                if (wholeUtf8(run.toByteArray())) end = j;
            }
            if (end < 0) {
                out.add(bytesShown(b));
                i++;
            } else {
                String text = new String(run.toByteArray(), StandardCharsets.UTF_8);
                for (int k = i; k <= end; k++) out.add(text + "(" + (k - i + 1) + "/" + (end - i + 1) + ")");
                i = end + 1;
            }
        }
        return out;
    }

    /** Whole characters as text, every byte that is not part of one as {@code <0xNN>}. */
    static String bytesShown(byte[] b) {
        StringBuilder sb = new StringBuilder();
        int p = 0;
        while (p < b.length) {
            int len = sequenceLength(b, p);
            if (len > 0) {
                sb.append(new String(b, p, len, StandardCharsets.UTF_8));
                p += len;
            } else {
                sb.append(String.format("<0x%02X>", b[p] & 0xff));
                p++;
            }
        }
        return sb.toString();
    }

    static boolean wholeUtf8(byte[] b) {
        int p = 0;
        while (p < b.length) {
            int len = sequenceLength(b, p);
            if (len == 0) return false;
            p += len;
        }
        return true;
    }

    /** The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or > U+10FFFF), or 0. */
    private static int sequenceLength(byte[] b, int p) {
        int c = b[p] & 0xff;
        if (c < 0x80) return 1;
        int len, lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else {
            return 0;
        }
        if (p + len > b.length) return 0;
        for (int i = 1; i < len; i++) {
            int x = b[p + i] & 0xff;
            if (x < (i == 1 ? lo : 0x80) || x > (i == 1 ? hi : 0xbf)) return 0;
        }
        return len;
    }

    public static String visible(String token) {
        StringBuilder sb = new StringBuilder(token.length());
        token.codePoints().forEach(c -> {
            switch (c) {
                case ' ' -> sb.append('\u2423'); // ␣
                case '\n' -> sb.append('\u21b5'); // ↵
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append('\u21e5'); // ⇥
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
