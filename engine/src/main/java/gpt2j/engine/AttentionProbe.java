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
}
