package gpt2j.api;

/** Follows a long {@link Model#score}: a progress bar, a running perplexity. */
@FunctionalInterface
public interface ScoreListener {
    /**
     * Called after each chunk of tokens is scored (at most a few dozen tokens), on the thread that called
     * {@link Model#score}, with {@code scored} rising to {@code total}; the last call's perplexity is the result's.
     *
     * @param scored     tokens scored so far
     * @param total      tokens the whole text scores
     * @param perplexity the perplexity of the tokens scored so far
     */
    void onProgress(int scored, int total, double perplexity);
}
