package gpt2j.api;

import java.util.List;

/**
 * What {@link Model#score} measured.
 *
 * @param tokens     the text's tokens
 * @param scored     one entry per scored token, in text order: every token but the first (it has no context), and with
 *                   windows as long as the stride also each window's first token
 * @param nll        mean negative log-likelihood per scored token, in nats
 * @param perplexity exp(nll)
 */
public record Scores(int[] tokens, List<TokenScore> scored, double nll, double perplexity) {}
