package gpt2j.engine;

/**
 * Keeps every head's attention weights for one sequence: {@code weights()[layer][head][query][key]}, where keys after
 * the query are exactly 0 (the causal mask). Memory is layers * heads * tokens^2 floats, so it suits short prompts.
 * Safe for the forward pass's concurrent calls: each (layer, head, query) row is written by one call only.
 */
public final class AttentionCapture implements AttentionProbe {

    private final float[][][][] weights;

    public AttentionCapture(int layers, int heads, int tokens) {
        weights = new float[layers][heads][tokens][tokens];
    }

    /** Runs {@code tokens} through the model from position 0 and returns their attention. */
    public static AttentionCapture capture(Gpt2Model model, int[] tokens, Parallel parallel) {
        int context = model.config().contextLength();
        if (tokens.length == 0) throw new EngineException("no tokens to capture attention for");
        if (tokens.length > context) {
            throw new EngineException(tokens.length + " tokens do not fit in the model's context of " + context);
        }
        AttentionCapture capture = new AttentionCapture(model.config().layerCount(), model.config().headCount(),
                tokens.length);
        Forward forward = new Forward(model, parallel, tokens.length);
        forward.setProbe(capture);
        forward.feed(tokens, 0, tokens.length);
        return capture;
    }

    @Override
    public void onAttention(int layer, int head, int position, float[] w, int offset) {
        System.arraycopy(w, offset, weights[layer][head][position], 0, position + 1);
    }

    /** [layer][head][query][key]; the arrays themselves, not a copy. */
    public float[][][][] weights() {
        return weights;
    }
}
