package gpt2j.engine;

/**
 * How the next token is chosen from the logits. Each filter has a value that turns it off:
 * temperature 0 = greedy (argmax, ties to the lowest id), topK 0, topP 1, minP 0, repetitionPenalty 1.
 *
 * @param temperature       logits are divided by it before the softmax; 0 picks the argmax
 * @param topK              keep the k most likely tokens (ties broken toward the lower id)
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p
 * @param minP              drop tokens whose probability is below minP times the most likely token's
 * @param repetitionPenalty CTRL's penalty as Hugging Face applies it to every token already seen (prompt included):
 *                          positive logits are divided by it, negative ones multiplied
 * @param seed              seeds the random draw, so a run can be repeated exactly
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repetitionPenalty, long seed) {

    public SamplerConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new EngineException("temperature must be 0 or a positive number, got " + temperature);
        }
        if (topK < 0) throw new EngineException("top-k must be 0 (off) or positive, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new EngineException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new EngineException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new EngineException("repetition penalty must be a positive number, got " + repetitionPenalty);
        }
    }

    /** Argmax decoding with no filters. */
    public static SamplerConfig greedy() {
        return new SamplerConfig(0f, 0, 1f, 0f, 1f, 0L);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
