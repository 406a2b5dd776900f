package gpt2j.engine;

/**
 * @param tokens     tokens scored
 * @param nll        mean negative log-likelihood per scored token, in nats
 * @param perplexity exp(nll)
 */
public record PerplexityResult(int tokens, double nll, double perplexity) {}
