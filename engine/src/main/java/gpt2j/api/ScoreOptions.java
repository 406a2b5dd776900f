package gpt2j.api;

/**
 * How {@link Model#score} scores a text: Hugging Face's sliding windows of {@code context} tokens that advance by
 * {@code stride}, and how many alternatives to report per token. Immutable; make one with {@link #builder()}.
 *
 * @param context     window length in tokens; 0 = the model's context
 * @param stride      window step; 0 = the window length (non-overlapping windows)
 * @param topLogProbs most likely tokens to report at each position (0 to 100)
 */
public record ScoreOptions(int context, int stride, int topLogProbs) {

    public ScoreOptions {
        if (context < 0 || context == 1)
            throw new IllegalArgumentException("context must be 0 (the model's) or at least 2, got " + context);
        if (stride < 0) throw new IllegalArgumentException("stride must be 0 (the window) or positive, got " + stride);
        if (context > 0 && stride > context) {
            throw new IllegalArgumentException("stride " + stride + " is longer than the window " + context);
        }
        if (topLogProbs < 0 || topLogProbs > 100) {
            throw new IllegalArgumentException("top log-probabilities must be between 0 and 100, got " + topLogProbs);
        }
    }

    /** The model's context, non-overlapping windows, no alternatives. */
    public static ScoreOptions defaults() {
        return new ScoreOptions(0, 0, 0);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ScoreOptions}; every setter returns the builder. Not thread-safe. */
    public static final class Builder {
        private int context;
        private int stride;
        private int topLogProbs;

        private Builder() {}

        public Builder context(int context) {
            this.context = context;
            return this;
        }

        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        public Builder topLogProbs(int topLogProbs) {
            this.topLogProbs = topLogProbs;
            return this;
        }

        public ScoreOptions build() {
            return new ScoreOptions(context, stride, topLogProbs);
        }
    }
}
