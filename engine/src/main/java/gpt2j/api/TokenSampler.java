package gpt2j.api;

import gpt2j.engine.Sampler;
import gpt2j.engine.SamplerConfig;

/**
 * Chooses tokens from logits with a {@link CompletionOptions}' filters and seed, for callers that drive a
 * {@link Session} themselves. It remembers the tokens it was told about (for the repeat penalty) and its random
 * stream, so one sampler serves one sequence. Not thread-safe.
 *
 * <pre>{@code
 * TokenSampler sampler = model.sampler(options);
 * session.append(prompt);
 * sampler.accept(prompt);
 * int next = session.sample(sampler);
 * }</pre>
 */
public final class TokenSampler {

    private final Sampler sampler;

    TokenSampler(CompletionOptions o, int vocab) {
        this.sampler = new Sampler(
                new SamplerConfig(o.temperature(), o.topK(), o.topP(), o.minP(), o.repeatPenalty(), o.seed()), vocab);
    }

    /** Records tokens (prompt or generated) for the repeat penalty. */
    public void accept(int... ids) {
        for (int id : ids) sampler.accept(id);
    }

    /** Chooses a token from {@code logits[0 .. vocab)}; the array is not modified. */
    public int sample(float[] logits) {
        return sampler.sample(logits);
    }

    /** Forgets the tokens seen and restarts the random stream from the seed. */
    public void reset() {
        sampler.reset();
    }
}
