package gpt2j.api;

import java.util.List;

/**
 * How {@link Model#complete} continues a prompt: the sampling filters, the seed, how many tokens at most and where to
 * stop. Immutable; make one with {@link #builder()} ({@link #greedy()} for argmax decoding). Each filter has a value
 * that turns it off: temperature 0 = greedy (argmax, ties to the lowest id), topK 0, topP 1, minP 0, repeatPenalty 1.
 * Filters apply in Hugging Face's order: repeat penalty, temperature, top-k, top-p, min-p.
 *
 * <pre>{@code
 * CompletionOptions options = CompletionOptions.builder()
 *         .temperature(0.7f).topK(40).topP(0.95f).seed(42).maxTokens(32).stop("\n\n")
 *         .build();
 * }</pre>
 *
 * @param temperature   logits are divided by it before the softmax; 0 picks the argmax
 * @param topK          keep the k most likely tokens; 0 = off
 * @param topP          keep the smallest set of most likely tokens whose probability reaches p; 1 = off
 * @param minP          drop tokens whose probability is below minP times the most likely token's; 0 = off
 * @param repeatPenalty CTRL's penalty on every token already seen (prompt included), as Hugging Face applies it:
 *                      positive logits are divided by it, negative ones multiplied; 1 = off
 * @param seed          seeds the random draw: the same model, prompt, options and seed give the same tokens
 * @param maxTokens     tokens to generate at most; fewer when the context fills up
 * @param stop          strings that end the completion; neither the stop string nor anything after it is in the text
 */
public record CompletionOptions(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        long seed,
        int maxTokens,
        List<String> stop) {

    public CompletionOptions {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 or a positive number, got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be 0 (off) or positive, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repeatPenalty > 0) || Float.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException("repeat penalty must be a positive number, got " + repeatPenalty);
        }
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must not be negative, got " + maxTokens);
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Argmax decoding with no filters, 64 tokens at most. */
    public static CompletionOptions greedy() {
        return builder().temperature(0f).topK(0).topP(1f).minP(0f).build();
    }

    /**
     * A builder with llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat penalty 1 (off),
     * seed 0, 64 tokens, no stop strings.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder()
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .minP(minP)
                .repeatPenalty(repeatPenalty)
                .seed(seed)
                .maxTokens(maxTokens);
        b.stop.addAll(stop);
        return b;
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** Builds {@link CompletionOptions}; every setter returns the builder. Not thread-safe. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1f;
        private long seed;
        private int maxTokens = 64;
        private final java.util.ArrayList<String> stop = new java.util.ArrayList<>();

        private Builder() {}

        public Builder temperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        public Builder topP(float topP) {
            this.topP = topP;
            return this;
        }

        public Builder minP(float minP) {
            this.minP = minP;
            return this;
        }

        public Builder repeatPenalty(float repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        /** Adds stop strings (repeatable). */
        public Builder stop(String... strings) {
            stop.addAll(List.of(strings));
            return this;
        }

        /** Replaces the stop strings. */
        public Builder stop(List<String> strings) {
            stop.clear();
            stop.addAll(strings);
            return this;
        }

        public CompletionOptions build() {
            return new CompletionOptions(temperature, topK, topP, minP, repeatPenalty, seed, maxTokens, stop);
        }
    }
}
