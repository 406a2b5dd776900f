package gpt2j.engine;

/**
 * The most probable next tokens at one position, most probable first, with their softmax probabilities over the
 * whole vocabulary (computed in double).
 */
public record TopTokens(int[] ids, double[] probabilities) {

    public TopTokens {
        if (ids.length != probabilities.length) throw new IllegalArgumentException("ids and probabilities differ");
        ids = ids.clone();
        probabilities = probabilities.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    /** The {@code k} (at most vocab) largest of {@code logits[offset .. offset+vocab)}, ties to the lower id. */
    public static TopTokens of(float[] logits, int offset, int vocab, int k) {
        k = Math.min(k, vocab);
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]);
        double sum = 0;
        for (int v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v] - max);
        int[] ids = new int[k];
        double[] p = new double[k];
        int n = 0;
        // Insertion into a sorted list of k: k is small (a handful), the vocabulary large.
        for (int v = 0; v < vocab; v++) {
            float l = logits[offset + v];
            if (n == k && l <= logits[offset + ids[k - 1]]) continue;
            int i = n < k ? n++ : k - 1;
            while (i > 0 && logits[offset + ids[i - 1]] < l) {
                ids[i] = ids[i - 1];
                i--;
            }
            ids[i] = v;
        }
        for (int i = 0; i < k; i++) p[i] = Math.exp(logits[offset + ids[i]] - max) / sum;
        return new TopTokens(ids, p);
    }
}
