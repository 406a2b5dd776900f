package gpt2j.engine;

import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Per-head attention statistics, each beside what a head attending uniformly (weight 1/(q+1) on every key) would
 * score on the same prompt, and a label for heads with a recognizable job. A label needs its share above its
 * threshold and at least {@value #MARGIN} above the uniform baseline; the prompt labels (all but induction) also need
 * a prompt of at least {@value #MIN_TOKENS} tokens, since on a short prompt every key is "previous" or "first" to a
 * large share of the queries (on 2 tokens, uniform attention puts 1/2 on each). Labels are tried in this order, the
 * first that applies wins: induction score above {@value #INDUCTION_THRESHOLD}, measured on a repeated random sequence
 * (random tokens repeated once are uninformative except through copying, so a clear share on the "next token last
 * time" is the induction signature), previous-token share above {@value #PREVIOUS_TOKEN_THRESHOLD} (most of the
 * weight on one key), first-token share above {@value #FIRST_TOKEN_THRESHOLD} (an attention sink), same-token share
 * above {@value #SAME_TOKEN_THRESHOLD}; otherwise "other".
 */
public final class HeadStats {

    public static final double INDUCTION_THRESHOLD = 0.3;
    public static final double PREVIOUS_TOKEN_THRESHOLD = 0.5;
    public static final double FIRST_TOKEN_THRESHOLD = 0.7;
    public static final double SAME_TOKEN_THRESHOLD = 0.5;
    /** Length of the random sequence that is repeated for the induction score (fewer if the context is shorter). */
    public static final int INDUCTION_LENGTH = 50;

    public static final long INDUCTION_SEED = 42;
    /** How far above the uniform baseline a share must be for a label. */
    public static final double MARGIN = 0.25;
    /** The shortest prompt whose previous/first/self shares can earn a label. */
    public static final int MIN_TOKENS = 16;

    private HeadStats() {}

    /**
     * Statistics of {@code attention} ([layer][head][query][key], e.g. from {@link AttentionCapture}), with induction
     * scores measured by running the model on a repeated random sequence.
     */
    public static List<HeadStat> compute(Gpt2Model model, float[][][][] attention, Parallel parallel) {
        int n = Math.min(
                INDUCTION_LENGTH,
                Math.min(model.config().contextLength() / 2, model.config().vocabSize() - 1));
        if (n < 1) throw new EngineException("the model's context is too short to measure induction");
        int[] repeated = repeatedTokens(n, model.config().vocabSize(), INDUCTION_SEED);
        float[][][][] induction =
                AttentionCapture.capture(model, repeated, parallel).weights();
        return compute(attention, induction, n);
    }

    /**
     * Statistics from captured attention: {@code attention} for the shares and entropy, {@code repeated} captured on a
     * sequence whose second half (from position {@code n}) repeats its first {@code n} tokens.
     */
    public static List<HeadStat> compute(float[][][][] attention, float[][][][] repeated, int n) {
        List<HeadStat> stats = new ArrayList<>();
        for (int l = 0; l < attention.length; l++) {
            for (int h = 0; h < attention[l].length; h++) {
                float[][] a = attention[l][h];
                double entropy = 0, previous = 0, first = 0, same = 0;
                int rows = a.length - 1;
                for (int q = 1; q < a.length; q++) {
                    entropy += entropy(a[q], q + 1);
                    previous += a[q][q - 1];
                    first += a[q][0];
                    same += a[q][q];
                }
                if (rows > 0) {
                    entropy /= rows;
                    previous /= rows;
                    first /= rows;
                    same /= rows;
                }
                double induction = inductionScore(repeated[l][h], n);
                double uniformShare = uniformShare(a.length), uniformInduction = uniformInduction(n);
                stats.add(new HeadStat(
                        l,
                        h,
                        entropy,
                        previous,
                        first,
                        same,
                        induction,
                        label(a.length, previous, first, same, induction, uniformShare, uniformInduction),
                        uniformEntropy(a.length),
                        uniformShare,
                        uniformInduction));
            }
        }
        return stats;
    }

    /** Mean weight from each query i in [n, 2n) on key i - n + 1, the token after the query token's first occurrence. */
    static double inductionScore(float[][] a, int n) {
        double sum = 0;
        for (int i = n; i < 2 * n; i++) sum += a[i][i - n + 1];
        return sum / n;
    }

    /** {@code n} distinct random ids below vocabSize - 1 (GPT-2's last id is end-of-text), then the same ids again. */
    public static int[] repeatedTokens(int n, int vocabSize, long seed) {
        if (n > vocabSize - 1)
            throw new EngineException("cannot draw " + n + " distinct tokens from " + (vocabSize - 1));
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] used = new boolean[vocabSize];
        int[] tokens = new int[2 * n];
        for (int i = 0; i < n; i++) {
            int t;
            do t = random.nextInt(vocabSize - 1);
            while (used[t]);
            used[t] = true;
            tokens[i] = t;
            tokens[i + n] = t;
        }
        return tokens;
    }

    private static double entropy(float[] row, int len) {
        double h = 0;
        for (int k = 0; k < len; k++) {
            if (row[k] > 0) h -= row[k] * Math.log(row[k]);
        }
        return h;
    }

    /** Mean entropy (nats) of uniform attention over query rows 1..tokens-1: the mean of ln(q+1). */
    public static double uniformEntropy(int tokens) {
        double sum = 0;
        for (int q = 1; q < tokens; q++) sum += Math.log(q + 1);
        return tokens > 1 ? sum / (tokens - 1) : 0;
    }

    /** Mean weight uniform attention puts on any one named key (previous, first or self): the mean of 1/(q+1). */
    public static double uniformShare(int tokens) {
        double sum = 0;
        for (int q = 1; q < tokens; q++) sum += 1.0 / (q + 1);
        return tokens > 1 ? sum / (tokens - 1) : 0;
    }

    /** The induction score of uniform attention on the probe of 2n tokens: the mean of 1/(i+1) over i in [n, 2n). */
    public static double uniformInduction(int n) {
        double sum = 0;
        for (int i = n; i < 2 * n; i++) sum += 1.0 / (i + 1);
        return sum / n;
    }

    private static HeadLabel label(
            int tokens,
            double previous,
            double first,
            double same,
            double induction,
            double uniformShare,
            double uniformInduction) {
        if (induction > INDUCTION_THRESHOLD && induction >= uniformInduction + MARGIN) return HeadLabel.INDUCTION;
        if (tokens < MIN_TOKENS) return HeadLabel.OTHER;
        double bar = uniformShare + MARGIN;
        if (previous > PREVIOUS_TOKEN_THRESHOLD && previous >= bar) return HeadLabel.PREVIOUS_TOKEN;
        if (first > FIRST_TOKEN_THRESHOLD && first >= bar) return HeadLabel.FIRST_TOKEN;
        if (same > SAME_TOKEN_THRESHOLD && same >= bar) return HeadLabel.SELF;
        return HeadLabel.OTHER;
    }
}
