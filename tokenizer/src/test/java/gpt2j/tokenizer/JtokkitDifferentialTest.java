package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our encoder against jtokkit's r50k_base (GPT-2's encoding, tiktoken semantics) on a generated corpus. */
class JtokkitDifferentialTest {
    private static final Encoding JTOKKIT =
            Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private static final Gpt2Tokenizer TOKENIZER = Gpt2Tokenizer.gpt2();

    private static int[] jtokkit(String s) {
        return JTOKKIT.encodeOrdinary(s).toArray();
    }

    private static void assertSame(String s, int[] expected) {
        int[] actual = TOKENIZER.encode(s);
        if (!java.util.Arrays.equals(expected, actual)) {
            throw new AssertionError("encode differs for " + escape(s) + "\n jtokkit: "
                    + java.util.Arrays.toString(expected) + "\n ours:    " + java.util.Arrays.toString(actual));
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints()
                .limit(200)
                .forEach(cp ->
                        sb.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%X}", cp)));
        return sb.append(s.length() > 200 ? "...\"" : "\"").toString();
    }

    @Test
    void corpusOfTenThousandStringsEncodesLikeJtokkit() {
        List<String> corpus = new Corpus(20240531L).strings(12_000);
        int tokens = 0;
        for (String s : corpus) {
            int[] expected = jtokkit(s);
            assertSame(s, expected);
            tokens += expected.length;
        }
        assertTrue(tokens > 100_000, "corpus too small: " + tokens + " tokens");
    }

    @Test
    void longRunsEncodeLikeJtokkit() {
        for (String s : new Corpus(7L).longStrings()) {
            assertSame(s, jtokkit(s));
        }
    }

    @Test
    void everyScriptEncodesLikeJtokkit() {
        Corpus corpus = new Corpus(11L);
        for (Character.UnicodeScript script : Corpus.scriptList()) {
            for (int k = 0; k < 5; k++) {
                String s = corpus.script(script);
                assertSame(s, jtokkit(s));
            }
        }
    }

    @Test
    void endOfTextIsPlainTextInEncode() {
        String s = "a<|endoftext|>b <|endoftext|>";
        assertSame(s, jtokkit(s));
    }

    /**
     * jtokkit turns a lone surrogate into '?' (Java's String.getBytes); tiktoken, and we, encode it as U+FFFD.
     * The pre-tokenizer sees both as "other", so our ids equal jtokkit's for the U+FFFD-substituted string.
     */
    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() {
        Corpus corpus = new Corpus(3L);
        for (int k = 0; k < 500; k++) {
            String s = corpus.withLoneSurrogates();
            assertSame(s, jtokkit(Corpus.replaceLoneSurrogates(s)));
        }
        assertArrayEquals(jtokkit("a\uFFFDb"), TOKENIZER.encode("a\uD800b"));
        assertArrayEquals(jtokkit("\uFFFD\uFFFD"), TOKENIZER.encode("\uDC00\uD800"));
        assertArrayEquals(new int[] {64, 30, 65}, jtokkit("a\uD800b"), "jtokkit's behaviour, documented above");
    }

    @Test
    void decodeMatchesJtokkit() {
        List<String> corpus = new Corpus(99L).strings(2_000);
        for (String s : corpus) {
            int[] ids = jtokkit(s);
            assertEquals(JTOKKIT.decode(list(ids)), TOKENIZER.decode(ids));
        }
        // Arbitrary id sequences: the same bytes. (The text can differ where bytes are ill-formed: jtokkit uses
        // Java's decoder, we replace like Python; Utf8Test checks that against Python.)
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int k = 0; k < 2_000; k++) {
            int[] ids = r.ints(1 + r.nextInt(12), 0, 50257).toArray();
            assertArrayEquals(JTOKKIT.decodeBytes(list(ids)), TOKENIZER.decodeBytes(ids));
        }
    }

    private static IntArrayList list(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return list;
    }

    @Test
    void specialTokenIdMatchesJtokkit() {
        assertEquals("<|endoftext|>", JTOKKIT.decode(list(new int[] {50256})));
        assertEquals(50256, TOKENIZER.endOfTextId());
        int[] x = jtokkit("x");
        int[] expected = java.util.Arrays.copyOf(x, x.length + 1);
        expected[x.length] = 50256;
        assertArrayEquals(expected, TOKENIZER.encodeWithSpecials("x<|endoftext|>"));
    }
}
