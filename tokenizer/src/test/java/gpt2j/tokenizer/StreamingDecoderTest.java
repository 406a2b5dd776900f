package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private static final Gpt2Tokenizer T = Gpt2Tokenizer.gpt2();

    /** Every chunk extends a prefix of the text, so no chunk ever ends in a broken character. */
    @Test
    void tokenByTokenReproducesTextAndNeverBreaksACharacter() {
        for (String s : new Corpus(2025L).strings(5_000)) {
            StreamingDecoder d = T.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : T.encode(s)) {
                sb.append(d.push(id));
                assertTrue(
                        s.startsWith(sb.toString()),
                        () -> "not a prefix for " + JtokkitDifferentialTest.escape(s) + ": "
                                + JtokkitDifferentialTest.escape(sb.toString()));
            }
            assertEquals("", d.flush());
            assertEquals(s, sb.toString());
        }
    }

    @Test
    void heldBackUntilTheCharacterCompletes() {
        // U+1F937 (🤷) has no token of its own: GPT-2 splits its four bytes over several tokens.
        StreamingDecoder d = T.newStreamingDecoder();
        int[] ids = T.encode("🤷");
        assertTrue(ids.length > 1, "test needs a character split over tokens");
        for (int i = 0; i < ids.length - 1; i++) {
            assertEquals("", d.push(ids[i]));
        }
        assertEquals("🤷", d.push(ids[ids.length - 1]));
    }

    @Test
    void arbitraryIdsConcatenateToDecode() {
        SplittableRandom r = new SplittableRandom(31);
        int[] byteIds = RoundTripTest.byteTokenIds(T);
        for (int k = 0; k < 5_000; k++) {
            // Mostly single bytes (to build and break multi-byte characters), some whole tokens, some unknown ids.
            int[] ids = new int[r.nextInt(16)];
            for (int i = 0; i < ids.length; i++) {
                int kind = r.nextInt(10);
                ids[i] = kind < 6
                        ? byteIds[r.nextBoolean() ? 0x80 + r.nextInt(0x80) : r.nextInt(256)]
                        : kind < 9 ? r.nextInt(50257) : r.nextInt(-5, 60000);
            }
            StreamingDecoder d = T.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(d.push(id));
            }
            sb.append(d.flush());
            assertEquals(T.decode(ids), sb.toString());
        }
    }

    @Test
    void invalidBytesStreamLikePythonReplace() {
        int[] byteIds = RoundTripTest.byteTokenIds(T);
        for (String[] c : RoundTripTest.PYTHON_REPLACE) {
            StreamingDecoder d = T.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : RoundTripTest.idsOfBytes(byteIds, c[0])) {
                sb.append(d.push(id));
            }
            sb.append(d.flush());
            assertEquals(c[1], sb.toString(), c[0]);
        }
    }

    @Test
    void flushEmitsAnUnfinishedCharacterAsReplacement() {
        int[] byteIds = RoundTripTest.byteTokenIds(T);
        StreamingDecoder d = T.newStreamingDecoder();
        assertEquals("a", d.push(byteIds['a']));
        assertEquals("", d.push(byteIds[0xE2]));
        assertEquals("", d.push(byteIds[0x82]));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
        assertEquals("", d.push(-1));
        assertEquals(
                "€",
                new String(
                        new byte[] {(byte) 0xE2, (byte) 0x82, (byte) 0xAC}, java.nio.charset.StandardCharsets.UTF_8));
        d.push(byteIds[0xE2]);
        d.push(byteIds[0x82]);
        assertEquals("€", d.push(byteIds[0xAC]));
    }
}
