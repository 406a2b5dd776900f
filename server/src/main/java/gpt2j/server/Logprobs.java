package gpt2j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gpt2j.api.Model;
import gpt2j.api.TokenLogProb;
import gpt2j.api.TokenScore;

/**
 * OpenAI's legacy completions {@code logprobs} object, built token by token: {@code tokens}, {@code token_logprobs},
 * {@code top_logprobs} (the most likely tokens at each position) and {@code text_offset}. Log-probabilities are the
 * model's own (a log-softmax of the raw logits in double precision), before temperature, penalties or bias.
 */
final class Logprobs {

    private final Model model;
    final ArrayNode tokens = JsonNodeFactory.instance.arrayNode();
    final ArrayNode tokenLogprobs = JsonNodeFactory.instance.arrayNode();
    final ArrayNode topLogprobs = JsonNodeFactory.instance.arrayNode();
    final ArrayNode textOffset = JsonNodeFactory.instance.arrayNode();

    Logprobs(Model model) {
        this.model = model;
    }

    /** A token with no prediction before it (the first of an echoed prompt). */
    void addUnscored(int id, int offset) {
        tokens.add(model.tokenText(id));
        tokenLogprobs.addNull();
        topLogprobs.addNull();
        textOffset.add(offset);
    }

    void add(TokenScore score, int offset) {
        tokens.add(model.tokenText(score.id()));
        tokenLogprobs.add(score.logProb());
        ObjectNode alternatives = JsonNodeFactory.instance.objectNode();
        for (TokenLogProb t : score.top()) {
            // Two ids can share a text (byte tokens that decode alone to U+FFFD): keep the likelier one, as OpenAI
            // does.
            String text = model.tokenText(t.id());
            if (!alternatives.has(text)) alternatives.put(text, t.logProb());
        }
        topLogprobs.add(alternatives);
        textOffset.add(offset);
    }

    /** Appends another piece's tokens (a completion's logprobs arrive token by token). */
    void append(Logprobs more) {
        tokens.addAll(more.tokens);
        tokenLogprobs.addAll(more.tokenLogprobs);
        topLogprobs.addAll(more.topLogprobs);
        textOffset.addAll(more.textOffset);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("tokens", tokens);
        o.set("token_logprobs", tokenLogprobs);
        o.set("top_logprobs", topLogprobs);
        o.set("text_offset", textOffset);
        return o;
    }
}
