package gpt2j.api;

/**
 * A token and its log-probability (natural log) under the model.
 *
 * @param id      the token id
 * @param logProb log softmax of the logits at the token, computed in double
 */
public record TokenLogProb(int id, double logProb) {}
