package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadingTest {
    private static final Encoding JTOKKIT =
            Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private static void assertEncodesLikeJtokkit(Gpt2Tokenizer t) {
        for (String s : new Corpus(8L).strings(1_000)) {
            assertArrayEquals(
                    JTOKKIT.encodeOrdinary(s).toArray(), t.encode(s), () -> JtokkitDifferentialTest.escape(s));
        }
        assertEquals(50257, t.vocabSize());
        assertEquals(50256, t.endOfTextId());
        assertArrayEquals(new int[] {40, 50256, 64}, t.encodeWithSpecials("I<|endoftext|>a"));
    }

    @Test
    void bundledVocabularyShape() {
        Gpt2Tokenizer t = Gpt2Tokenizer.gpt2();
        assertEquals(50257, t.tokenStrings().size());
        assertEquals("!", t.tokenStrings().get(0));
        assertEquals("Ġthe", t.tokenStrings().get(262));
        assertEquals("<|endoftext|>", t.tokenStrings().get(50256));
        assertEquals(50000, t.mergeStrings().size());
        assertEquals("Ġ t", t.mergeStrings().get(0));
        assertEquals(t, Gpt2Tokenizer.gpt2(), "loaded once");
    }

    @Test
    void fromTokensRoundTripsTheGgufLists() {
        Gpt2Tokenizer g = Gpt2Tokenizer.gpt2();
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(g.tokenStrings(), g.mergeStrings());
        assertEncodesLikeJtokkit(t);
        assertEquals(g.tokenStrings(), t.tokenStrings());
        assertEquals(g.mergeStrings(), t.mergeStrings());
    }

    private static void assertOneLine(TokenizerException e, String fragment) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        if (!e.getMessage().contains(fragment)) {
            throw new AssertionError("message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    private static List<String> byteTokens() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(ByteLevel.byteString(b));
        }
        return tokens;
    }

    @Test
    void badMergesAndMissingBytesAreRejected() {
        List<String> tokens = byteTokens();
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens, List.of("a b"))),
                "token 'ab' is not in the vocabulary");
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens, List.of("ab"))),
                "not two tokens");
        assertOneLine(
                assertThrows(
                        TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens.subList(0, 200), List.of())),
                "no token for byte");
    }

    /**
     * A vocabulary where "abc" is a token that merging "abc" does not reach (b+c ranks before a+b):
     * encoder.py gives [a, bc]; a whole-piece lookup (tiktoken's shortcut) would wrongly give [abc].
     */
    @Test
    void mergesByRankEvenWhenThePieceIsAToken() {
        List<String> tokens = byteTokens();
        tokens.addAll(List.of("bc", "ab", "abc", "aa", "aaaa"));
        int a = 'a'; // byteTokens() gives byte b the id b
        int b = 'b';
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(tokens, List.of("b c", "a b", "ab c", "a a", "aa aa"));
        assertArrayEquals(new int[] {a, 256}, t.encode("abc"));
        // Whether a token's bytes merge to itself is learned when it is first met: met again, the same answers.
        assertArrayEquals(new int[] {a, 256}, t.encode("abc"));
        for (int i = 0; i < 2; i++) assertArrayEquals(new int[] {257}, t.encode("ab"));
        assertArrayEquals(new int[] {257, b}, t.encode("abb"));
        // Equal ranks mean the same pair: leftmost first, as encoder.py merges every occurrence left to right.
        assertArrayEquals(new int[] {259, a}, t.encode("aaa"));
        assertArrayEquals(new int[] {260}, t.encode("aaaa"));
        assertArrayEquals(new int[] {260, 259, a}, t.encode("aaaaaaa"));
        assertEquals(-1, t.endOfTextId());
        assertArrayEquals(t.encode("<|endoftext|>"), t.encodeWithSpecials("<|endoftext|>"));
        // The same through the long-piece path (over 128 bytes).
        String longA = "a".repeat(4 * 100 + 3);
        int[] expected = new int[102];
        java.util.Arrays.fill(expected, 260);
        expected[100] = 259;
        expected[101] = a;
        assertArrayEquals(expected, t.encode(longA));
        assertArrayEquals(new int[] {a, 256, a, 256}, t.encode("abcabc"));
    }

    /**
     * Tokens are found by their strings: an added token whose UTF-8 ("好", E5 A5 BD) equals a byte-level token's bytes
     * ("å¥½") is another token, and a merge naming the byte-level one must not take the added one that comes first.
     */
    @Test
    void mergesNameTokensByStringEvenWhenTheirBytesCollide() {
        List<String> tokens = byteTokens();
        tokens.addAll(List.of("好", "å¥", "å¥½"));
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(tokens, List.of("å ¥", "å¥ ½"));
        assertArrayEquals(new int[] {258}, t.encode("好"));
        assertArrayEquals(new int[] {258}, t.encode("好"), "and again, once its whole-piece state is known");
        assertArrayEquals(new int[] {'x', 258}, t.encode("x好"));
        // A merge whose halves are not byte-level strings is looked up by its string alone.
        tokens.add("好好");
        Gpt2Tokenizer u = Gpt2Tokenizer.fromTokens(tokens, List.of("å ¥", "å¥ ½", "好 好"));
        assertEquals(List.of("å ¥", "å¥ ½", "好 好"), u.mergeStrings());
        assertOneLine(
                assertThrows(TokenizerException.class, () -> Gpt2Tokenizer.fromTokens(tokens, List.of("好 x"))),
                "token '好x' is not in the vocabulary");
    }

    @Test
    void specialsEncodeAsTheirIds() {
        List<String> tokens = byteTokens();
        tokens.addAll(List.of("<|endoftext|>", "<pad>"));
        Gpt2Tokenizer t = Gpt2Tokenizer.fromTokens(tokens, List.of(), java.util.Map.of("<pad>", 257));
        assertEquals(256, t.endOfTextId());
        assertArrayEquals(new int[] {'x', 257, 256, 'y'}, t.encodeWithSpecials("x<pad><|endoftext|>y"));
        assertArrayEquals(new int[] {'<', 'p', 'a', 'd', '>'}, t.encode("<pad>"));
        assertOneLine(
                assertThrows(
                        TokenizerException.class,
                        () -> Gpt2Tokenizer.fromTokens(tokens, List.of(), java.util.Map.of("<pad>", 3))),
                "is not token 3");
    }
}
