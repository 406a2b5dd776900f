package gpt2j.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, in Hugging Face's order: repetition penalty, temperature, top-k, top-p, min-p,
 * then a draw from the tokens left, with probabilities renormalized over them. Temperature 0 takes the argmax of the
 * penalized logits (ties go to the lowest id), as HF and llama.cpp still apply the penalty when decoding greedily.
 * Candidates are ordered by logit, ties by lower id, so the same seed gives the same tokens. Not thread-safe.
 */
public final class Sampler {

    // Trial floors for the top-p prefilter: most distributions put the nucleus far above 1e-2 of the top token.
    private static final double[] NUCLEUS_FLOORS = {1e-2, 1e-4, 1e-6};

    private final SamplerConfig config;
    private final int vocabSize;
    private final boolean[] seen;
    private final int[] seenIds;
    private int seenCount;
    private final float[] penalized;
    private final long[] keys; // one per candidate: logit descending, then id ascending, see key()
    private final double[] weights; // by token id: exp((logit - max) / T)
    private SplittableRandom random;

    public Sampler(SamplerConfig config, int vocabSize) {
        this.config = config;
        this.vocabSize = vocabSize;
        this.seen = new boolean[vocabSize];
        this.seenIds = new int[vocabSize];
        this.penalized = new float[vocabSize];
        this.keys = new long[vocabSize];
        this.weights = new double[vocabSize];
        this.random = new SplittableRandom(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    /** Records a token (prompt or generated) for the repetition penalty. */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new EngineException("token id " + token + " is outside the vocabulary (0.." + (vocabSize - 1) + ")");
        }
        if (!seen[token]) {
            seen[token] = true;
            seenIds[seenCount++] = token;
        }
    }

    /** Forgets the tokens seen and restarts the random stream from the seed. */
    public void reset() {
        for (int i = 0; i < seenCount; i++) seen[seenIds[i]] = false;
        seenCount = 0;
        random = new SplittableRandom(config.seed());
    }

    /** Chooses a token from {@code logits[0 .. vocabSize)}; the array is not modified. */
    public int sample(float[] logits) {
        // Without a penalty the logits are read in place: a server samples every sequence of a decode step this way.
        float[] l = logits;
        float penalty = config.repetitionPenalty();
        if (penalty != 1f) {
            l = penalized;
            System.arraycopy(logits, 0, l, 0, vocabSize);
            for (int i = 0; i < seenCount; i++) {
                int id = seenIds[i];
                l[id] = l[id] > 0 ? l[id] / penalty : l[id] * penalty;
            }
        }
        int best = 0;
        float top = l[0];
        for (int i = 1; i < vocabSize; i++) {
            float v = l[i];
            if (v > top) {
                top = v;
                best = i;
            }
        }
        if (config.isGreedy()) return best;

        int n = 0;
        int k = config.topK();
        if (k > 0 && k < vocabSize) {
            for (int i = 0; i < vocabSize; i++) keys[i] = key(l[i], i);
            select(keys, 0, vocabSize - 1, k);
            n = k;
        } else {
            for (int i = 0; i < vocabSize; i++) keys[n++] = key(l[i], i);
        }
        // w[id] = exp((l - max) / T) for the candidates: unnormalized probabilities, 1 for the most likely token.
        // Top-p compares against the mass of the top-k set; min-p below does not change it.
        double invT = 1.0 / config.temperature();
        float max = l[best];
        double total = 0;
        for (int i = 0; i < n; i++) {
            int id = (int) keys[i];
            total += weights[id] = Math.exp((l[id] - max) * invT);
        }
        double target = config.topP() * total;

        // Drop what can never be drawn before sorting: tokens under the min-p floor (p_i >= minP * p_max, and
        // w_max = 1), and for top-p tokens under a floor whose survivors already hold the target mass (the nucleus is
        // the shortest prefix reaching it, so it lies inside any prefix that does).
        double floor = config.minP();
        if (config.topP() < 1f) {
            for (double f : NUCLEUS_FLOORS) {
                if (f <= floor) break;
                double mass = 0;
                for (int i = 0; i < n; i++) {
                    double w = weights[(int) keys[i]];
                    if (w >= f) mass += w;
                }
                if (mass >= target) {
                    floor = f;
                    break;
                }
            }
        }
        if (floor > 0) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (weights[(int) keys[i]] >= floor) keys[m++] = keys[i];
            }
            n = m;
        }
        if (config.topP() < 1f) {
            Arrays.sort(keys, 0, n);
            double cumulative = 0;
            int m = 0;
            while (m < n) {
                cumulative += weights[(int) keys[m++]];
                if (cumulative >= target) break;
            }
            n = m;
        }
        double kept = 0;
        for (int i = 0; i < n; i++) kept += weights[(int) keys[i]];
        double u = random.nextDouble() * kept;
        for (int i = 0; i < n - 1; i++) {
            u -= weights[(int) keys[i]];
            if (u < 0) return (int) keys[i];
        }
        return (int) keys[n - 1];
    }

    /**
     * A long whose ascending order is descending logit, then ascending id: the high half is the float's bits mapped to
     * an order-preserving int and complemented, the low half the id.
     */
    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }

    /** Rearranges a[lo..hi] so that its {@code k} smallest values come first (Hoare's quickselect). */
    private static void select(long[] a, int lo, int hi, int k) {
        int target = lo + k - 1;
        while (lo < hi) {
            long pivot = median(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return;
        }
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
