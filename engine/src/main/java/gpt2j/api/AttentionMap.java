package gpt2j.api;

/**
 * Every head's attention weights for a prompt, after the causal mask and softmax.
 *
 * @param tokens  the prompt's tokens
 * @param weights {@code [layer][head][query][key]}; keys after the query are exactly 0. The arrays themselves, not a copy.
 */
public record AttentionMap(int[] tokens, float[][][][] weights) {

    public int layers() {
        return weights.length;
    }

    public int heads() {
        return weights.length == 0 ? 0 : weights[0].length;
    }
}
