package gpt2j.cli;

import java.util.Arrays;

/** Parses token ids written as a JSON array ({@code [15496, 11]}) or separated by whitespace or commas. */
final class TokenIds {

    private TokenIds() {}

    static int[] parse(String text) {
        String s = text.strip();
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw new UserException("token ids: unterminated JSON array");
            }
            s = s.substring(1, s.length() - 1);
        }
        return Arrays.stream(s.split("[\\s,]+"))
                .filter(w -> !w.isEmpty())
                .mapToInt(TokenIds::parseOne)
                .toArray();
    }

    /** Returns ids after checking each is in [0, vocabSize). */
    static int[] checkRange(int[] ids, int vocabSize) {
        for (int id : ids) {
            if (id >= vocabSize) {
                throw new UserException("token id " + id + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
            }
        }
        return ids;
    }

    private static int parseOne(String word) {
        try {
            int id = Integer.parseInt(word);
            if (id < 0) {
                throw new UserException("token ids must not be negative: " + word);
            }
            return id;
        } catch (NumberFormatException e) {
            throw new UserException("not a token id: '" + abbreviate(word) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
