package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Head statistics on hand-made attention patterns whose values follow from the definitions. */
class HeadStatsTest {

    static final int T = HeadStats.MIN_TOKENS;

    /** One layer, five heads: previous-token, first-token, uniform, self, and (in the repeated run) induction. */
    static float[][][][] patterns(int t, int n) {
        float[][][][] a = new float[1][5][t][t];
        for (int q = 0; q < t; q++) {
            a[0][0][q][Math.max(0, q - 1)] = 1;
            a[0][1][q][0] = 1;
            for (int k = 0; k <= q; k++) a[0][2][q][k] = 1f / (q + 1);
            a[0][3][q][q] = 1;
            if (n > 0 && q >= n) a[0][4][q][q - n + 1] = 1; // the token after the earlier occurrence
            else a[0][4][q][q] = 1;
        }
        return a;
    }

    @Test
    void statisticsFollowTheDefinitions() {
        int n = 4;
        List<HeadStat> stats = HeadStats.compute(patterns(T, 0), patterns(2 * n, n), n);
        assertEquals(5, stats.size());
        HeadStat previous = stats.get(0),
                first = stats.get(1),
                uniform = stats.get(2),
                self = stats.get(3),
                induction = stats.get(4);

        assertEquals(1.0, previous.previousToken(), 1e-9);
        assertEquals(0.0, previous.entropy(), 1e-9);
        assertEquals(1.0 / (T - 1), previous.firstToken(), 1e-9); // only query 1's previous token is the first token
        assertEquals(HeadLabel.PREVIOUS_TOKEN, previous.label());

        assertEquals(1.0, first.firstToken(), 1e-9);
        assertEquals(HeadLabel.FIRST_TOKEN, first.label());

        double entropy = 0, share = 0;
        for (int q = 1; q < T; q++) {
            entropy += Math.log(q + 1);
            share += 1.0 / (q + 1);
        }
        assertEquals(entropy / (T - 1), uniform.entropy(), 1e-6);
        assertEquals(share / (T - 1), uniform.previousToken(), 1e-6);
        assertEquals(share / (T - 1), uniform.sameToken(), 1e-6);
        assertEquals(HeadLabel.OTHER, uniform.label());

        assertEquals(1.0, self.sameToken(), 1e-9);
        assertEquals(HeadLabel.SELF, self.label());

        assertEquals(1.0, induction.induction(), 1e-9);
        assertEquals(HeadLabel.INDUCTION, induction.label());
        // The previous-token head's induction score: queries n..2n-1 look at q-1, which is q-n+1 only when n = 2.
        assertEquals(0.0, previous.induction(), 1e-9);
        assertEquals(0, induction.layer());
        assertEquals(4, induction.head());

        // Baselines: uniform attention's own statistics equal them, which is why it earns no label.
        assertEquals(uniform.entropy(), uniform.uniformEntropy(), 1e-6);
        assertEquals(uniform.previousToken(), previous.uniformShare(), 1e-6);
        assertEquals(uniform.firstToken(), first.uniformShare(), 1e-6);
        double inductionBaseline = 0;
        for (int i = n; i < 2 * n; i++) inductionBaseline += 1.0 / (i + 1);
        assertEquals(inductionBaseline / n, induction.uniformInduction(), 1e-12);
    }

    /** Harmonic numbers: uniform attention's mean weight on one key over rows 1..T-1 is (H_T - 1) / (T - 1). */
    @Test
    void uniformBaselinesHaveClosedForms() {
        double harmonic = 0, logFactorial = 0;
        for (int k = 1; k <= 32; k++) {
            harmonic += 1.0 / k;
            logFactorial += Math.log(k);
        }
        assertEquals((harmonic - 1) / 31, HeadStats.uniformShare(32), 1e-12);
        assertEquals(logFactorial / 31, HeadStats.uniformEntropy(32), 1e-12);
        assertEquals(0.0, HeadStats.uniformShare(1), 0.0);
    }

    /** On a prompt shorter than MIN_TOKENS no head gets a prompt label, however peaked; induction still can. */
    @Test
    void shortPromptsEarnNoPromptLabels() {
        int n = 4;
        List<HeadStat> stats = HeadStats.compute(patterns(HeadStats.MIN_TOKENS - 1, 0), patterns(2 * n, n), n);
        assertEquals(1.0, stats.get(0).previousToken(), 1e-9);
        assertEquals(
                List.of(HeadLabel.OTHER, HeadLabel.OTHER, HeadLabel.OTHER, HeadLabel.OTHER, HeadLabel.INDUCTION),
                stats.stream().map(HeadStat::label).toList());
        // Two tokens: a uniform head scores 1/2 on previous, first and self alike, above every share threshold.
        List<HeadStat> two = HeadStats.compute(patterns(2, 0), patterns(2 * n, n), n);
        assertEquals(0.5, two.get(2).previousToken(), 1e-6);
        assertEquals(0.5, two.get(2).uniformShare(), 1e-12);
        assertEquals(HeadLabel.OTHER, two.get(0).label());
    }

    @Test
    void repeatedTokensAreDistinctAndRepeatedOnce() {
        int[] t = HeadStats.repeatedTokens(30, 67, 1);
        assertEquals(60, t.length);
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            assertEquals(t[i], t[i + 30]);
            assertTrue(t[i] >= 0 && t[i] < 66);
            distinct.add(t[i]);
        }
        assertEquals(30, distinct.size());
    }

    @Test
    void computeOnAModelGivesOneStatPerHead() {
        try (Parallel p = new Parallel(2)) {
            Gpt2Model model = new Gpt2Model(TinyGpt2.random(ForwardTest.CONFIG, 3, false));
            int[] tokens = ForwardTest.tokens(12, 8);
            List<HeadStat> stats = HeadStats.compute(
                    model, AttentionCapture.capture(model, tokens, p).weights(), p);
            assertEquals(2 * 4, stats.size());
            for (HeadStat s : stats) {
                assertTrue(s.induction() >= 0 && s.induction() <= 1);
                assertTrue(s.entropy() >= 0 && s.entropy() <= Math.log(12));
            }
        }
    }
}
