package gpt2j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Long inputs without spaces are one piece, so merging must stay near-linear. Counts merge work rather than
 * timing it: heap pushes and pops (each O(log n)) for 100k chars must be about 10x those for 10k, where a
 * scan-per-merge would do about 100x. Wall-clock ratios on the shared build machine were useless: cache
 * effects alone moved 10k -> 100k between 10x and 100x. The pre-tokenizer and UTF-8 passes are single scans.
 */
class LinearTimeTest {
    private static final Gpt2Tokenizer T = Gpt2Tokenizer.gpt2();

    private static long heapSteps(String s) {
        EncodeScratch scratch = new EncodeScratch();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        scratch.ensurePiece(bytes.length);
        int[] byteIds = RoundTripTest.byteTokenIds(T);
        for (int i = 0; i < bytes.length; i++) {
            scratch.ids[i] = byteIds[bytes[i] & 0xFF];
        }
        BytePairMerge.merge(T.pairRanks(), scratch, bytes.length);
        return scratch.heapSteps;
    }

    private static void assertNearLinear(String what, IntFunction<String> make) {
        double steps = (double) heapSteps(make.apply(100_000)) / heapSteps(make.apply(10_000));
        assertTrue(steps > 5 && steps < 15, what + ": 100k chars took " + steps + "x the merge steps of 10k");
    }

    private static String letters(int n) {
        SplittableRandom r = new SplittableRandom(n);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    @Test
    void randomLettersWithoutSpaces() {
        assertNearLinear("random letters", LinearTimeTest::letters);
    }

    /**
     * The same seen from outside, without the merge's own counter: this thread's CPU time to encode 160k characters
     * against 10k, best of three. Near-linear merging makes that ~16x, a scan per merge ~256x; the bound is loose
     * because CPU time still moves with caches and clock speed on a shared machine.
     */
    @Test
    void cpuTimeOfTheWholeEncodeGrowsNearLinearly() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String small = letters(10_000), large = letters(160_000);
        for (int i = 0; i < 3; i++) {
            T.encode(small);
            T.encode(large); // and the JIT has compiled the merge
        }
        double ratio = (double) bestCpuNanos(threads, large) / bestCpuNanos(threads, small);
        assertTrue(ratio < 64, "16x the characters took " + ratio + "x the CPU time");
    }

    private static long bestCpuNanos(ThreadMXBean threads, String s) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = threads.getCurrentThreadCpuTime();
            int n = T.encode(s).length;
            long took = threads.getCurrentThreadCpuTime() - start;
            assertTrue(n > 0);
            best = Math.min(best, took);
        }
        return Math.max(1, best);
    }

    @Test
    void repeatedLetterDigitsPunctuationAndCjk() {
        assertNearLinear("repeated letter", "a"::repeat);
        assertNearLinear("digits", "7"::repeat);
        assertNearLinear("punctuation", n -> "!?".repeat(n / 2));
        assertNearLinear("CJK", n -> "漢字".repeat(n / 2));
    }
}
