package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    private static final Gpt2Tokenizer T = Gpt2Tokenizer.gpt2();

    @Test
    void decodeOfEncodeIsIdentityForValidStrings() {
        Corpus corpus = new Corpus(1234L);
        for (String s : corpus.strings(10_000)) {
            assertEquals(s, T.decode(T.encode(s)), () -> JtokkitDifferentialTest.escape(s));
            assertEquals(s, T.decode(T.encodeWithSpecials(s)), () -> JtokkitDifferentialTest.escape(s));
        }
        for (String s : corpus.longStrings()) {
            assertEquals(s, T.decode(T.encode(s)));
        }
    }

    @Test
    void loneSurrogatesComeBackAsReplacementCharacter() {
        Corpus corpus = new Corpus(77L);
        for (int k = 0; k < 1_000; k++) {
            String s = corpus.withLoneSurrogates();
            assertEquals(Corpus.replaceLoneSurrogates(s), T.decode(T.encode(s)));
        }
    }

    @Test
    void decodeNeverThrowsAndSkipsUnknownIds() {
        SplittableRandom r = new SplittableRandom(9);
        for (int k = 0; k < 5_000; k++) {
            int[] ids = r.ints(r.nextInt(20), -3, 50260).toArray();
            T.decode(ids);
            T.decodeBytes(ids);
        }
        assertEquals("Hello world", T.decode(new int[] {15496, -1, Integer.MIN_VALUE, 50257, Integer.MAX_VALUE, 995}));
        assertEquals("", T.decode(new int[0]));
    }

    @Test
    void singleTokenAccessorsValidate() {
        assertArrayEquals(" the".getBytes(java.nio.charset.StandardCharsets.UTF_8), T.tokenBytes(262));
        assertEquals(" the", T.tokenText(262));
        assertEquals("<|endoftext|>", T.tokenText(50256));
        var e = assertThrows(IllegalArgumentException.class, () -> T.tokenBytes(50257));
        assertEquals("token id 50257 is outside the vocabulary [0, 50257)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> T.tokenText(-1));
        // Token 447 is the lone byte 0xE2, the start of a three-byte character: shown as U+FFFD.
        assertEquals("\uFFFD", T.tokenText(447));
        T.tokenBytes(0)[0] = 'x';
        assertEquals("!", T.tokenText(0), "tokenBytes must return a copy");
    }

    /** Byte-token ids found by scanning the vocabulary, independent of the byte-to-unicode table. */
    static int[] byteTokenIds(Gpt2Tokenizer t) {
        int[] ids = new int[256];
        java.util.Arrays.fill(ids, -1);
        for (int id = 0; id < t.vocabSize(); id++) {
            byte[] b = t.tokenBytes(id);
            if (b.length == 1) {
                ids[b[0] & 0xFF] = id;
            }
        }
        return ids;
    }

    /** Expected strings from Python 3: bytes.fromhex(h).decode("utf-8", errors="replace"). */
    static final String[][] PYTHON_REPLACE = {
        {"e282", "\uFFFD"},
        {"e28261", "\uFFFDa"},
        {"f09f98", "\uFFFD"},
        {"f09f9880", "\uD83D\uDE00"},
        {"eda080", "\uFFFD\uFFFD\uFFFD"},
        {"c0af", "\uFFFD\uFFFD"},
        {"f4908080", "\uFFFD\uFFFD\uFFFD\uFFFD"},
        {"e080af", "\uFFFD\uFFFD\uFFFD"},
        {"fffe", "\uFFFD\uFFFD"},
        {"61808062", "a\uFFFD\uFFFDb"},
        {"f09fe282ac", "\uFFFD\u20AC"},
        {"c3", "\uFFFD"},
        {"e180e2f09192f1bf41", "\uFFFD\uFFFD\uFFFD\uFFFDA"},
    };

    static int[] idsOfBytes(int[] byteIds, String hex) {
        int[] ids = new int[hex.length() / 2];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = byteIds[Integer.parseInt(hex, 2 * i, 2 * i + 2, 16)];
        }
        return ids;
    }

    @Test
    void invalidUtf8DecodesLikePythonReplace() {
        int[] byteIds = byteTokenIds(T);
        assertTrue(java.util.Arrays.stream(byteIds).allMatch(id -> id >= 0));
        for (String[] c : PYTHON_REPLACE) {
            assertEquals(c[1], T.decode(idsOfBytes(byteIds, c[0])), c[0]);
        }
    }

    @Test
    void encodeIsThreadSafe() throws Exception {
        var strings = new Corpus(5L).strings(2_000);
        int[][] expected = strings.stream().map(T::encode).toArray(int[][]::new);
        Thread[] threads = new Thread[4];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            int offset = t;
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < strings.size(); i++) {
                        int k = (i + offset * 500) % strings.size();
                        assertArrayEquals(expected[k], T.encode(strings.get(k)));
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }
}
