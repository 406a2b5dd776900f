package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written pre-tokenizer against java.util.regex running GPT-2's pattern (jtokkit's configuration). */
class PreTokenizerTest {
    private static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    @Test
    void characterClassesMatchRegexForEveryCodePoint() {
        Matcher letter =
                Pattern.compile("\\p{L}", Pattern.UNICODE_CHARACTER_CLASS).matcher("");
        Matcher number =
                Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS).matcher("");
        Matcher space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS).matcher("");
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String s = Character.toString(cp);
            byte expected = letter.reset(s).matches()
                    ? PreTokenizer.LETTER
                    : number.reset(s).matches()
                            ? PreTokenizer.NUMBER
                            : space.reset(s).matches() ? PreTokenizer.SPACE : PreTokenizer.OTHER;
            if (PreTokenizer.classifySlow(cp) != expected) {
                throw new AssertionError(String.format(
                        "U+%04X: expected class %d, got %d", cp, expected, PreTokenizer.classifySlow(cp)));
            }
        }
    }

    private static List<String> ours(String s) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            int end = PreTokenizer.pieceEnd(s, i, s.length());
            pieces.add(s.substring(i, end));
            i = end;
        }
        return pieces;
    }

    private static List<String> regex(String s) {
        List<String> pieces = new ArrayList<>();
        Matcher m = GPT2.matcher(s);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }

    private static void check(String s) {
        assertEquals(regex(s), ours(s), () -> JtokkitDifferentialTest.escape(s));
    }

    @Test
    void piecesMatchRegexOnCorpus() {
        Corpus corpus = new Corpus(42L);
        corpus.strings(5_000).forEach(PreTokenizerTest::check);
        corpus.longStrings().forEach(PreTokenizerTest::check);
        for (int k = 0; k < 300; k++) {
            check(corpus.withLoneSurrogates());
        }
    }

    @Test
    void edgeCases() {
        for (String s : new String[] {
            "",
            " ",
            "  ",
            "a",
            " a",
            "  a",
            "\n\na",
            "\n a",
            "a \n",
            "a  ",
            "'",
            "''s",
            "'s'S",
            "I'LL",
            "it's",
            "'re'",
            "!'s",
            "x'",
            " 'll",
            "\t\t",
            " \u00A0x",
            "\u00A0 x",
            "\u0085\u0085",
            "\u001C x",
            "1 2  3",
            " 😀",
            "😀😀 a",
            "\uD83D",
            " \uD83D",
            "\uDE00\uD83D",
            "a\uD83Db",
            "\r\n\r\n",
            "Ⅻ½²",
            " ½",
            "  \u3000あ"
        }) {
            check(s);
        }
    }
}
