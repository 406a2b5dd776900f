package gpt2j.engine;

/**
 * Receives each head's attention weights (after the causal mask and softmax) as the forward pass computes them.
 * The forward pass holds a null probe when nobody listens, so capture costs nothing when it is off.
 */
@FunctionalInterface
public interface AttentionProbe {
    /**
     * Weights of query {@code position} over keys 0..position, in {@code weights[offset .. offset+position]}.
     * The array is scratch space reused after the call returns: copy what you keep.
     */
    void onAttention(int layer, int head, int position, float[] weights, int offset);

    /** True for a probe that also wants the raw scores ({@link #onScores}); asked once, when the probe is set. */
    default boolean wantsScores() {
        return false;
    }

    /**
     * The raw dot products q·k_t of query {@code position} with keys t = 0..position, in
     * {@code scores[offset .. offset+position]}, before the forward pass multiplies them by {@code scale} (the scale
     * this layer really uses) and takes the softmax; keys after the query are never scored (the causal mask).
     * Called just before {@link #onAttention} for the same row, only when {@link #wantsScores} is true. Scratch, too.
     */
    default void onScores(int layer, int head, int position, float[] scores, int offset, float scale) {}
}
