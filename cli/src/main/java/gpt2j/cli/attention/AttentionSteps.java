package gpt2j.cli.attention;

/**
 * One query's way from scores to weights in one head, the textbook steps: the raw dot products q·k with every key,
 * times the layer's scale, the causal mask (keys after the query become -inf), and the softmax. The scores and the
 * scale come from the engine (what it really computed and used); the weights are the engine's too, not recomputed.
 */
public record AttentionSteps(
        int layer,
        int head,
        int query,
        double scale,
        double[] scores,
        double[] scaled,
        double[] masked,
        double[] weights) {

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

    /**
     * The scale in words: "1/√d" when it is GPT-2's usual 1/sqrt(head width), else how it compares (a model with
     * scale_attn_by_inverse_layer_idx divides by the layer number too; one without scale_attn_weights uses 1).
     */
    public static String explainScale(double scale, int headSize) {
        if (headSize <= 0) return "the scale this layer uses";
        double usual = 1 / Math.sqrt(headSize);
        if (Math.abs(scale - usual) < 1e-6 * usual) return "1/\u221a" + headSize + ", the scale this layer uses";
        return String.format(
                java.util.Locale.ROOT,
                "this layer's own scale: 1/\u221a%d would be %.6g, so %.4g times that",
                headSize,
                usual,
                scale / usual);
    }
}
