package gpt2j.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Per-head attention statistics and a label for heads with a recognizable job. Labels are tried in this order, the
 * first that applies wins: induction score above {@value #INDUCTION_THRESHOLD} (random tokens repeated once are
 * uninformative except through copying, so a clear share on the "next token last time" is the induction signature),
 * previous-token share above {@value #PREVIOUS_TOKEN_THRESHOLD} (most of the weight on one key), first-token share
 * above {@value #FIRST_TOKEN_THRESHOLD} (an attention sink), same-token share above {@value #SAME_TOKEN_THRESHOLD};
 * otherwise "other".
 */
public final class HeadStats {

    public static final double INDUCTION_THRESHOLD = 0.3;
    public static final double PREVIOUS_TOKEN_THRESHOLD = 0.5;
    public static final double FIRST_TOKEN_THRESHOLD = 0.7;
    public static final double SAME_TOKEN_THRESHOLD = 0.5;
    /** Length of the random sequence that is repeated for the induction score (fewer if the context is shorter). */
    public static final int INDUCTION_LENGTH = 50;
    public static final long INDUCTION_SEED = 42;

    private HeadStats() {
    }

    /**
     * Statistics of {@code attention} ([layer][head][query][key], e.g. from {@link AttentionCapture}), with induction
     * scores measured by running the model on a repeated random sequence.
     */
    public static List<HeadStat> compute(Gpt2Model model, float[][][][] attention, Parallel parallel) {
        int n = Math.min(INDUCTION_LENGTH, Math.min(model.config().contextLength() / 2, model.config().vocabSize() - 1));
        if (n < 1) throw new EngineException("the model's context is too short to measure induction");
        int[] repeated = repeatedTokens(n, model.config().vocabSize(), INDUCTION_SEED);
        float[][][][] induction = AttentionCapture.capture(model, repeated, parallel).weights();
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
                stats.add(new HeadStat(l, h, entropy, previous, first, same, induction,
                        label(previous, first, same, induction)));
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
        if (n > vocabSize - 1) throw new EngineException("cannot draw " + n + " distinct tokens from " + (vocabSize - 1));
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] used = new boolean[vocabSize];
        int[] tokens = new int[2 * n];
        for (int i = 0; i < n; i++) {
            int t;
            do t = random.nextInt(vocabSize - 1); while (used[t]);
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

    private static String label(double previous, double first, double same, double induction) {
        if (induction > INDUCTION_THRESHOLD) return "induction";
        if (previous > PREVIOUS_TOKEN_THRESHOLD) return "previous-token";
        if (first > FIRST_TOKEN_THRESHOLD) return "first-token";
        if (same > SAME_TOKEN_THRESHOLD) return "self";
        return "other";
    }
}
