package gpt2j.engine;

import java.util.Arrays;

/**
 * Keeps every head's attention weights for one sequence: {@code weights()[layer][head][query][key]}, where keys after
 * the query are exactly 0 (the causal mask); optionally the raw scores q·k with each layer's scale, and the model's
 * top next tokens at every position. Memory is layers * heads * tokens^2 floats (twice that with scores), so it
 * suits prompts of up to a few hundred tokens. Safe for the forward pass's concurrent calls: each (layer, head, query)
 * row is written by one call only.
 */
public final class AttentionCapture implements AttentionProbe {

    private final float[][][][] weights;
    private final float[][][][] scores;
    private final float[] scales;
    private TopTokens[] next = new TopTokens[0];

    public AttentionCapture(int layers, int heads, int tokens) {
        this(layers, heads, tokens, false);
    }

    /** With {@code withScores}, the raw scores are kept too ({@link #scores()}). */
    public AttentionCapture(int layers, int heads, int tokens, boolean withScores) {
        weights = new float[layers][heads][tokens][tokens];
        scores = withScores ? new float[layers][heads][tokens][tokens] : null;
        scales = new float[layers];
        Arrays.fill(scales, Float.NaN);
    }

    /** Runs {@code tokens} through the model from position 0 and returns their attention. */
    public static AttentionCapture capture(Gpt2Model model, int[] tokens, Parallel parallel) {
        return capture(model, tokens, parallel, false, 0);
    }

    /**
     * Runs {@code tokens} through the model from position 0 and returns their attention; with {@code withScores} the
     * raw scores too, and with {@code topK > 0} the {@code topK} most probable next tokens after every position.
     */
    public static AttentionCapture capture(
            Gpt2Model model, int[] tokens, Parallel parallel, boolean withScores, int topK) {
        int context = model.config().contextLength();
        if (tokens.length == 0) throw new EngineException("no tokens to capture attention for");
        if (tokens.length > context) {
            throw new EngineException(tokens.length + " tokens do not fit in the model's context of " + context);
        }
        AttentionCapture capture = new AttentionCapture(
                model.config().layerCount(), model.config().headCount(), tokens.length, withScores);
        Forward forward = new Forward(model, parallel, tokens.length);
        forward.setProbe(capture);
        if (topK > 0) {
            int vocab = model.config().vocabSize();
            TopTokens[] next = new TopTokens[tokens.length];
            forward.prompt(
                    tokens,
                    0,
                    tokens.length,
                    (position, logits, offset) -> next[position] = TopTokens.of(logits, offset, vocab, topK));
            capture.next = next;
        } else {
            forward.feed(tokens, 0, tokens.length);
        }
        return capture;
    }

    @Override
    public void onAttention(int layer, int head, int position, float[] w, int offset) {
        System.arraycopy(w, offset, weights[layer][head][position], 0, position + 1);
    }

    @Override
    public boolean wantsScores() {
        return scores != null;
    }

    @Override
    public void onScores(int layer, int head, int position, float[] s, int offset, float scale) {
        System.arraycopy(s, offset, scores[layer][head][position], 0, position + 1);
        scales[layer] = scale;
    }

    /** [layer][head][query][key]; the arrays themselves, not a copy. */
    public float[][][][] weights() {
        return weights;
    }

    /**
     * The raw scores q·k [layer][head][query][key] before scaling (keys after the query are 0: never computed), or
     * null when the capture was made without them; the arrays themselves.
     */
    public float[][][][] scores() {
        return scores;
    }

    /** The factor each layer multiplies q·k by before the softmax (NaN where no scores were captured); a copy. */
    public float[] scales() {
        return scales.clone();
    }

    /** The most probable next tokens after each position (empty when none were asked for). */
    public TopTokens[] next() {
        return next.clone();
    }
}
