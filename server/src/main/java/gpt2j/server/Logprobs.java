package gpt2j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gpt2j.tokenizer.Gpt2Tokenizer;

/**
 * OpenAI's legacy completions {@code logprobs} object, built token by token: {@code tokens}, {@code token_logprobs},
 * {@code top_logprobs} (the {@code n} most likely tokens at each position) and {@code text_offset}. Log-probabilities
 * are the model's own (a log-softmax of the raw logits in double precision), before temperature, penalties or bias.
 */
final class Logprobs {

    private final Gpt2Tokenizer tokenizer;
    private final int top;
    final ArrayNode tokens = JsonNodeFactory.instance.arrayNode();
    final ArrayNode tokenLogprobs = JsonNodeFactory.instance.arrayNode();
    final ArrayNode topLogprobs = JsonNodeFactory.instance.arrayNode();
    final ArrayNode textOffset = JsonNodeFactory.instance.arrayNode();
    private final int[] topIds;

    Logprobs(Gpt2Tokenizer tokenizer, int top) {
        this.tokenizer = tokenizer;
        this.top = top;
        this.topIds = new int[Math.max(top, 1)];
    }

    /** A token with no prediction before it (the first of an echoed prompt). */
    void addUnscored(int id, int offset) {
        tokens.add(tokenizer.tokenText(id));
        tokenLogprobs.addNull();
        topLogprobs.addNull();
        textOffset.add(offset);
    }

    /** Token {@code id} chosen where the model gave {@code logits[from .. from + vocab)}. */
    void add(int id, int offset, float[] logits, int from, int vocab) {
        double lse = logSumExp(logits, from, vocab);
        tokens.add(tokenizer.tokenText(id));
        tokenLogprobs.add(logits[from + id] - lse);
        ObjectNode alternatives = JsonNodeFactory.instance.objectNode();
        int k = topK(logits, from, vocab, topIds, top);
        for (int i = 0; i < k; i++) {
            // Two ids can share a text (byte tokens that decode alone to U+FFFD): keep the likelier one, as OpenAI does.
            String text = tokenizer.tokenText(topIds[i]);
            if (!alternatives.has(text)) alternatives.put(text, logits[from + topIds[i]] - lse);
        }
        topLogprobs.add(alternatives);
        textOffset.add(offset);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("tokens", tokens);
        o.set("token_logprobs", tokenLogprobs);
        o.set("top_logprobs", topLogprobs);
        o.set("text_offset", textOffset);
        return o;
    }

    static double logSumExp(float[] x, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) max = Math.max(max, x[i]);
        double sum = 0;
        for (int i = from; i < from + n; i++) sum += Math.exp((double) x[i] - max);
        return max + Math.log(sum);
    }

    /** The k largest of x[from .. from + n) into ids, largest first (ties to the lower id); returns how many. */
    static int topK(float[] x, int from, int n, int[] ids, int k) {
        if (k == 0) return 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            float v = x[from + i];
            if (count == k && !(v > x[from + ids[count - 1]])) continue;
            int j = count == k ? k - 1 : count++;
            while (j > 0 && v > x[from + ids[j - 1]]) {
                ids[j] = ids[j - 1];
                j--;
            }
            ids[j] = i;
        }
        return count;
    }
}
