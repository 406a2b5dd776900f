package gpt2j.api;

/**
 * How {@link Model#open(java.nio.file.Path, ModelOptions)} opens a model: compute threads and an optional storage type
 * to convert the weights to on load. Immutable; make one with {@link #builder()}.
 *
 * <pre>{@code
 * ModelOptions options = ModelOptions.builder().threads(4).weightType("q8_0").build();
 * }</pre>
 *
 * @param threads    compute threads of the model's pool (the calling thread is one of them)
 * @param weightType storage type to convert the matrices to on load ("f32", "f16", "q8_0", "q4_0", as llama.cpp spells
 *                   them), or null to keep the stored types
 */
public record ModelOptions(int threads, String weightType) {

    public ModelOptions {
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("threads must be between 1 and 4096, got " + threads);
        }
    }

    /** One thread per available processor, stored types kept. */
    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder().threads(threads).weightType(weightType);
    }

    /** Builds {@link ModelOptions}; every setter returns the builder. Not thread-safe. */
    public static final class Builder {
        private int threads = Runtime.getRuntime().availableProcessors();
        private String weightType;

        private Builder() {}

        /** Compute threads (default: the available processors). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Converts the weights on load to this type ("f32", "f16", "q8_0", "q4_0"); null (the default) keeps them. */
        public Builder weightType(String weightType) {
            this.weightType = weightType;
            return this;
        }

        public ModelOptions build() {
            return new ModelOptions(threads, weightType);
        }
    }
}
