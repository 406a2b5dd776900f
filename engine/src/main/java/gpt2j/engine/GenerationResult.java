package gpt2j.engine;

/**
 * What {@link Generator#generate} produced.
 *
 * @param tokens          generated ids, without the prompt and without the end-of-text token that stopped generation
 * @param stopReason      why generation ended
 * @param promptTokens    prompt tokens processed (1 for an empty prompt, which is replaced by end-of-text)
 * @param promptNanos     time to process the prompt (prefill), up to the first logits
 * @param generationNanos time from the first logits to the end: sampling, one forward pass per generated token but the
 *                        last, and the listener's work
 */
public record GenerationResult(int[] tokens, StopReason stopReason, int promptTokens, long promptNanos,
                               long generationNanos) {

    public enum StopReason {
        /** The model chose the end-of-text token. */
        END_OF_TEXT,
        /** The listener returned false. */
        LISTENER,
        /** maxTokens were generated. */
        MAX_TOKENS,
        /** Prompt plus generated tokens filled the context before maxTokens. */
        CONTEXT_FULL
    }

    public double promptMillis() {
        return promptNanos / 1e6;
    }

    public double generationMillis() {
        return generationNanos / 1e6;
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : tokens.length * 1e9 / generationNanos;
    }
}
