package gpt2j.cli.attention;

/**
 * One query's way from scores to weights in one head, the textbook steps: the raw dot products q·k with every key,
 * times the layer's scale, the causal mask (keys after the query become -inf), and the softmax. The scores and the
 * scale come from the engine (what it really computed and used); the weights are the engine's too, not recomputed.
 */
public record AttentionSteps(int layer, int head, int query, double scale, double[] scores, double[] scaled,
                             double[] masked, double[] weights) {

    /** The steps of {@code query} in layer/head, from data captured with scores. */
    public static AttentionSteps of(AttentionData data, int layer, int head, int query) {
        if (!data.hasScores()) throw new IllegalArgumentException("the capture has no scores");
        int t = data.length();
        double scale = data.scales()[layer];
        double[] scores = new double[t], scaled = new double[t], masked = new double[t], weights = new double[t];
        for (int k = 0; k < t; k++) {
            scores[k] = data.scores()[layer][head][query][k];
            scaled[k] = scores[k] * scale;
            masked[k] = k <= query ? scaled[k] : Double.NEGATIVE_INFINITY;
            weights[k] = data.weights()[layer][head][query][k];
        }
        return new AttentionSteps(layer, head, query, scale, scores, scaled, masked, weights);
    }

    /** The length of the query and key vectors that a 1/sqrt(d) scale implies (e.g. 64 for 0.125), or 0 if none. */
    public static int impliedHeadSize(double scale) {
        double d = 1 / (scale * scale);
        long r = Math.round(d);
        return r > 0 && Math.abs(d - r) < 1e-3 * r ? (int) r : 0;
    }
}
