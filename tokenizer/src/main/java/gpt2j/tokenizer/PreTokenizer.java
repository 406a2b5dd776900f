package gpt2j.tokenizer;

/**
 * GPT-2's pre-tokenizer, hand-written: the pieces are exactly the matches of
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * under java.util.regex with UNICODE_CHARACTER_CLASS (what jtokkit runs). There, \p{L} is general category
 * L*, \p{N} is N* (not just Character.isDigit) and \s is the Unicode White_Space property (Zs, Zl, Zp,
 * U+0009..U+000D, U+0085; not Character.isWhitespace, which differs on U+001C..U+001F and no-break spaces).
 * Matching is by code point; a lone surrogate is "other". Linear time: no backtracking beyond one char.
 */
final class PreTokenizer {
    static final byte LETTER = 0;
    static final byte NUMBER = 1;
    static final byte SPACE = 2;
    static final byte OTHER = 3;

    /**
     * Class + 1 of every BMP char met so far, 0 for one not yet classified; surrogates are OTHER here and paired by
     * the caller. Filled as chars are met: classifying all 65,536 up front cost every cold start ~20 ms of
     * interpreted Character.getType calls, for the few dozen chars a prompt holds. Racing writers store equal values.
     */
    private static final byte[] BMP = new byte[0x10000];

    private static byte bmp(char c) {
        byte v = BMP[c];
        if (v == 0) BMP[c] = v = (byte) (classifySlow(c) + 1);
        return (byte) (v - 1);
    }

    private PreTokenizer() {}

    static byte classifySlow(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SPACE;
            default -> (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? SPACE : OTHER;
        };
    }

    /** Class of the code point starting at i (a valid surrogate pair counts as one code point). */
    private static byte classAt(String s, int i, int to) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
            return classifySlow(Character.toCodePoint(c, s.charAt(i + 1)));
        }
        return bmp(c);
    }

    /** End of the run of chars of class cls starting at i (exclusive). */
    private static int runEnd(String s, int i, int to, byte cls) {
        while (i < to) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (classifySlow(Character.toCodePoint(c, s.charAt(i + 1))) != cls) {
                    return i;
                }
                i += 2;
            } else {
                if (bmp(c) != cls) {
                    return i;
                }
                i++;
            }
        }
        return i;
    }

    /** End (exclusive) of the piece that starts at i, within s[.., to); to acts as the end of the text. */
    static int pieceEnd(String s, int i, int to) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < to) {
            char d = s.charAt(i + 1);
            if (d == 's' || d == 't' || d == 'm' || d == 'd') {
                return i + 2;
            }
            if (i + 2 < to) {
                char e = s.charAt(i + 2);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
                    return i + 3;
                }
            }
        }
        if (c == ' ' && i + 1 < to) {
            byte next = classAt(s, i + 1, to);
            if (next != SPACE) {
                return runEnd(s, i + 1, to, next);
            }
        }
        byte cls = classAt(s, i, to);
        int end = runEnd(s, i, to, cls);
        if (cls != SPACE || end == to) {
            return end;
        }
        // \s+(?!\S): a whitespace run before a non-space gives back its last char (no whitespace is
        // supplementary, so that is one char) for the next piece, unless the run is that single char (\s+).
        return end - i >= 2 ? end - 1 : end;
    }
}
