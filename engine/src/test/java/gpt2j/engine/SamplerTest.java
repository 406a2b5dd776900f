package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Sampling distributions against probabilities worked out by hand from the definitions. Frequencies over N draws must
 * be within 5 standard deviations of the expected probability (a correct sampler fails about once in 3.5 million).
 */
class SamplerTest {

    static final int N = 20_000;

    static float[] logitsOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probabilities[i]);
        return l;
    }

    static SamplerConfig config(float temperature, int topK, float topP, float minP, float penalty) {
        return new SamplerConfig(temperature, topK, topP, minP, penalty, 1234L);
    }

    /** Draws N samples and checks every token's frequency against {@code expected}. */
    static void assertDistribution(Sampler sampler, float[] logits, double... expected) {
        int[] counts = new int[logits.length];
        for (int i = 0; i < N; i++) counts[sampler.sample(logits)]++;
        for (int t = 0; t < expected.length; t++) {
            double p = expected[t];
            double frequency = (double) counts[t] / N;
            if (p == 0) {
                assertEquals(0, counts[t], "token " + t + " must never be drawn");
            } else {
                double tolerance = 5 * Math.sqrt(p * (1 - p) / N);
                assertEquals(p, frequency, tolerance, "frequency of token " + t);
            }
        }
    }

    @Test
    void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
        Sampler s = new Sampler(SamplerConfig.greedy(), 5);
        assertEquals(3, s.sample(new float[] {0, 1, 2, 5, 4}));
        assertEquals(1, s.sample(new float[] {0, 5, 2, 5, 5}));
        assertEquals(0, s.sample(new float[] {-3, -3, -3, -3, -3}));
    }

    @Test
    void samplingLeavesTheLogitsAsTheyWere() {
        // Without a penalty the sampler reads the caller's array in place (a server's logits); it must never write it.
        for (SamplerConfig c : new SamplerConfig[] {
            SamplerConfig.greedy(),
            config(0f, 0, 1f, 0f, 1.5f),
            config(0.8f, 3, 0.9f, 0.05f, 1f),
            config(1f, 0, 1f, 0f, 2f)
        }) {
            Sampler s = new Sampler(c, 6);
            s.accept(1);
            float[] logits = {0.5f, 3f, -2f, 3f, 1f, -0.5f};
            float[] before = logits.clone();
            for (int i = 0; i < 20; i++) s.sample(logits);
            assertArrayEquals(before, logits, c.toString());
        }
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        Sampler s = new Sampler(config(0f, 0, 1f, 0f, 1.2f), 3);
        s.accept(0);
        assertEquals(1, s.sample(new float[] {2.0f, 1.9f, 0f}), "2.0/1.2 = 1.67 < 1.9");
        Sampler negative = new Sampler(config(0f, 0, 1f, 0f, 2f), 3);
        negative.accept(0);
        assertEquals(1, negative.sample(new float[] {-1.0f, -1.1f, -5f}), "-1.0*2 = -2 < -1.1");
        negative.reset();
        assertEquals(0, negative.sample(new float[] {-1.0f, -1.1f, -5f}), "reset forgets seen tokens");
    }

    @Test
    void sampledRepetitionPenalty() {
        // [2, 2] with token 0 penalized by 2 -> [1, 2]: p0 = e / (e + e^2) = 1 / (1 + e)
        Sampler s = new Sampler(config(1f, 0, 1f, 0f, 2f), 2);
        s.accept(0);
        double p0 = 1 / (1 + Math.E);
        assertDistribution(s, new float[] {2f, 2f}, p0, 1 - p0);
    }

    @Test
    void plainSamplingFollowsTheSoftmax() {
        assertDistribution(
                new Sampler(config(1f, 0, 1f, 0f, 1f), 4), logitsOf(0.5, 0.3, 0.15, 0.05), 0.5, 0.3, 0.15, 0.05);
    }

    @Test
    void temperatureScalesLogits() {
        // logits [0, ln 2] at T = 2: weights [1, 2^(1/2)]
        double p1 = Math.sqrt(2) / (1 + Math.sqrt(2));
        assertDistribution(
                new Sampler(config(2f, 0, 1f, 0f, 1f), 2), new float[] {0f, (float) Math.log(2)}, 1 - p1, p1);
    }

    @Test
    void topKKeepsOnlyTheKLargest() {
        float[] logits = {1f, 3f, 2f, 0.5f, 2.9f};
        double z = Math.exp(3) + Math.exp(2.9);
        assertDistribution(
                new Sampler(config(1f, 2, 1f, 0f, 1f), 5), logits, 0, Math.exp(3) / z, 0, 0, Math.exp(2.9) / z);
        // A tie at the k-th place goes to the lower id.
        assertDistribution(
                new Sampler(config(1f, 2, 1f, 0f, 1f), 4),
                new float[] {1f, 3f, 2f, 2f},
                0,
                Math.exp(3) / (Math.exp(3) + Math.exp(2)),
                Math.exp(2) / (Math.exp(3) + Math.exp(2)),
                0);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        // cumulative 0.5, 0.8, 0.95, 1.0
        assertDistribution(new Sampler(config(1f, 0, 0.79f, 0f, 1f), 4), logits, 0.5 / 0.8, 0.3 / 0.8, 0, 0);
        assertDistribution(
                new Sampler(config(1f, 0, 0.81f, 0f, 1f), 4), logits, 0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0);
        assertDistribution(new Sampler(config(1f, 0, 0.4f, 0f, 1f), 4), logits, 1, 0, 0, 0);
    }

    @Test
    void topPNucleusReachingFarIntoALongFlatTail() {
        // Token 0 has weight 1, tokens 1..999 weight 1e-3 each: total 1.999, target 0.9 * 1.999 = 1.7991, so the
        // nucleus is token 0 and the 800 lowest ids of the tail (1 + 0.8 >= 1.7991 > 1 + 0.799).
        float[] logits = new float[1000];
        java.util.Arrays.fill(logits, (float) Math.log(1e-3));
        logits[0] = 0f;
        Sampler s = new Sampler(config(1f, 0, 0.9f, 0f, 1f), 1000);
        int zero = 0;
        for (int i = 0; i < N; i++) {
            int t = s.sample(logits);
            assertTrue(t <= 800, "token " + t + " is outside the nucleus");
            if (t == 0) zero++;
        }
        double p = 1 / 1.8;
        assertEquals(p, (double) zero / N, 5 * Math.sqrt(p * (1 - p) / N));
    }

    @Test
    void topPIsAppliedToTheTopKDistribution() {
        // Top-2 renormalizes [0.4, 0.3] to [0.57, 0.43]; then top-p 0.5 keeps token 0 alone.
        // (Top-p 0.5 on the full distribution would have kept tokens 0 and 1.)
        assertDistribution(new Sampler(config(1f, 2, 0.5f, 0f, 1f), 4), logitsOf(0.4, 0.3, 0.2, 0.1), 1, 0, 0, 0);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        // threshold 0.2 * 0.5 = 0.1
        assertDistribution(new Sampler(config(1f, 0, 1f, 0.2f, 1f), 4), logits, 0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0);
        // threshold 0.35 * 0.5 = 0.175
        assertDistribution(new Sampler(config(1f, 0, 1f, 0.35f, 1f), 4), logits, 0.5 / 0.8, 0.3 / 0.8, 0, 0);
    }

    @Test
    void sameSeedSameTokensAndResetRestartsTheStream() {
        float[] logits = logitsOf(0.25, 0.25, 0.25, 0.25);
        Sampler a = new Sampler(config(1f, 0, 1f, 0f, 1f), 4);
        Sampler b = new Sampler(config(1f, 0, 1f, 0f, 1f), 4);
        int[] first = new int[50], second = new int[50], again = new int[50];
        for (int i = 0; i < 50; i++) {
            first[i] = a.sample(logits);
            second[i] = b.sample(logits);
        }
        a.reset();
        for (int i = 0; i < 50; i++) again[i] = a.sample(logits);
        assertArrayEquals(first, second);
        assertArrayEquals(first, again);
        Sampler other = new Sampler(new SamplerConfig(1f, 0, 1f, 0f, 1f, 99L), 4);
        int[] different = new int[50];
        for (int i = 0; i < 50; i++) different[i] = other.sample(logits);
        assertTrue(!java.util.Arrays.equals(first, different), "another seed gives other tokens");
    }

    @Test
    void largeVocabularyWithAllFilters() {
        // 50257 logits, top-40: only the 40 largest may ever appear.
        int v = 50257;
        float[] logits = new float[v];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < v; i++) logits[i] = (float) r.nextGaussian();
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Float.compare(logits[y], logits[x]));
        java.util.Set<Integer> top40 =
                new java.util.HashSet<>(java.util.Arrays.asList(order).subList(0, 40));
        Sampler s = new Sampler(new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.1f, 3L), v);
        for (int i = 0; i < 500; i++) assertTrue(top40.contains(s.sample(logits)));
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThrows(EngineException.class, () -> config(-1f, 0, 1f, 0f, 1f));
        assertThrows(EngineException.class, () -> config(Float.NaN, 0, 1f, 0f, 1f));
        assertThrows(EngineException.class, () -> config(1f, -1, 1f, 0f, 1f));
        assertThrows(EngineException.class, () -> config(1f, 0, 0f, 0f, 1f));
        assertThrows(EngineException.class, () -> config(1f, 0, 1.5f, 0f, 1f));
        assertThrows(EngineException.class, () -> config(1f, 0, 1f, 1f, 1f));
        assertThrows(EngineException.class, () -> config(1f, 0, 1f, 0f, 0f));
        assertThrows(EngineException.class, () -> new Sampler(SamplerConfig.greedy(), 4).accept(4));
    }
}
