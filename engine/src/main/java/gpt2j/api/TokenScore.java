package gpt2j.api;

import java.util.List;

/**
 * How likely the model found one token of a scored text.
 *
 * @param index   the token's position in the text
 * @param id      the token id
 * @param logProb its log-probability given the tokens before it (in its window)
 * @param top     the most likely tokens at this position, most likely first (ties to the lower id); empty unless asked
 */
public record TokenScore(int index, int id, double logProb, List<TokenLogProb> top) {}
