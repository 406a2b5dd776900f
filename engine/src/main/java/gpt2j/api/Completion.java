package gpt2j.api;

/**
 * What {@link Model#complete} produced.
 *
 * @param promptTokens    the prompt as processed (an empty prompt is replaced by the end-of-text token)
 * @param tokens          generated ids, without the end-of-text token that stopped generation; with a stop string,
 *                        every token generated (the stop string's tokens included)
 * @param text            the generated text, cut before the first stop string; null for a model without a tokenizer
 * @param stopReason      why generation ended
 * @param seed            the seed the sampler used
 * @param promptNanos     time to process the prompt, up to the first logits
 * @param generationNanos time from the first logits to the end (sampling, forward passes, the listener's work)
 */
public record Completion(
        int[] promptTokens,
        int[] tokens,
        String text,
        StopReason stopReason,
        long seed,
        long promptNanos,
        long generationNanos) {

    /** Why a completion ended. */
    public enum StopReason {
        /** The model chose the end-of-text token. */
        END_OF_TEXT,
        /** The text reached a stop string. */
        STOP_STRING,
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
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
    }

    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : tokens.length * 1e9 / generationNanos;
    }
}
