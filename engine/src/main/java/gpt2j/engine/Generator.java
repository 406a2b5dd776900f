package gpt2j.engine;

import java.util.Arrays;

/**
 * The generation loop: prefill the prompt, then sample, report and feed back one token at a time.
 * The prompt plus the generated tokens always fit in the context (Hugging Face's max_length rule): a prompt longer
 * than the context is an error, and generation stops early with {@link GenerationResult.StopReason#CONTEXT_FULL} when
 * maxTokens would not fit. An empty prompt is replaced by the end-of-text token, as GPT-2 was trained to start
 * documents after it. The end-of-text token stops generation and is neither reported to the listener nor returned.
 */
public final class Generator {

    private final Forward forward;

    public Generator(Forward forward) {
        this.forward = forward;
    }

    /** Throws when a prompt of {@code length} tokens cannot fit the context; callers may check before printing. */
    public void checkPrompt(int length) {
        int context = forward.contextLength();
        if (length > context) {
            throw new EngineException("the prompt has " + length + " tokens but the context holds only " + context);
        }
    }

    public GenerationResult generate(int[] prompt, int maxTokens, Sampler sampler, int endOfTextId,
                                     TokenListener listener) {
        if (maxTokens < 0) throw new EngineException("the number of tokens to generate must not be negative, got " + maxTokens);
        int[] input = prompt.length == 0 ? new int[] {endOfTextId} : prompt;
        checkPrompt(input.length);
        int context = forward.contextLength();
        int limit = Math.min(maxTokens, context - input.length);
        GenerationResult.StopReason atLimit = limit < maxTokens
                ? GenerationResult.StopReason.CONTEXT_FULL : GenerationResult.StopReason.MAX_TOKENS;

        sampler.reset();
        for (int t : input) sampler.accept(t);
        forward.reset();
        long start = System.nanoTime();
        float[] logits = forward.prompt(input);
        long prefilled = System.nanoTime();

        int[] tokens = new int[limit];
        int count = 0;
        GenerationResult.StopReason reason = atLimit;
        while (count < limit) {
            int id = sampler.sample(logits);
            if (id == endOfTextId) {
                reason = GenerationResult.StopReason.END_OF_TEXT;
                break;
            }
            tokens[count++] = id;
            sampler.accept(id);
            if (!listener.onToken(id)) {
                reason = GenerationResult.StopReason.LISTENER;
                break;
            }
            if (count < limit) logits = forward.next(id);
        }
        long end = System.nanoTime();
        return new GenerationResult(Arrays.copyOf(tokens, count), reason, input.length, prefilled - start, end - prefilled);
    }
}
