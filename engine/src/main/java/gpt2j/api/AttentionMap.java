package gpt2j.api;

import java.util.List;

/**
 * Every head's attention weights for a prompt, after the causal mask and softmax, from {@link Model#attention}.
 *
 * @param tokens  the prompt's tokens
 * @param weights {@code [layer][head][query][key]}; keys after the query are exactly 0. The arrays themselves, not a copy.
 * @param scores  the raw dot products q·k in the same layout, before each layer's scale and the softmax (keys after the
 *                query are 0: never computed); null unless asked for
 * @param scales  the factor each layer multiplies q·k by before the softmax; null unless scores were asked for
 * @param next    the most probable next tokens after each position, most probable first; empty unless asked for
 */
public record AttentionMap(
        int[] tokens, float[][][][] weights, float[][][][] scores, float[] scales, List<List<NextToken>> next) {

    /** One candidate for the token after a position, with its probability under the model. */
    public record NextToken(int id, double probability) {}

    public int layers() {
        return weights.length;
    }

    public int heads() {
        return weights.length == 0 ? 0 : weights[0].length;
    }
}
