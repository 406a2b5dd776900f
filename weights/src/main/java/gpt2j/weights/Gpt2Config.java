package gpt2j.weights;

/** The hyper-parameters of a GPT-2 model (config.json's n_vocab/n_positions/n_embd/n_layer/n_head/layer_norm_epsilon). */
public record Gpt2Config(int vocabSize, int contextLength, int embeddingSize, int layerCount, int headCount,
                         float layerNormEpsilon) {

    public Gpt2Config {
        if (vocabSize <= 0 || contextLength <= 0 || embeddingSize <= 0 || layerCount <= 0 || headCount <= 0) {
            throw new WeightsException("config: sizes must be positive (vocab_size=" + vocabSize + ", n_positions="
                    + contextLength + ", n_embd=" + embeddingSize + ", n_layer=" + layerCount + ", n_head=" + headCount + ")");
        }
        if (embeddingSize % headCount != 0) {
            throw new WeightsException("config: n_embd " + embeddingSize + " is not divisible by n_head " + headCount);
        }
        if (!(layerNormEpsilon > 0)) {
            throw new WeightsException("config: layer_norm_epsilon must be positive, got " + layerNormEpsilon);
        }
    }

    public int headSize() {
        return embeddingSize / headCount;
    }

    /** Parameters counted once (the tied head counted with the embeddings). */
    public long parameterCount() {
        long e = embeddingSize;
        long perLayer = 2 * e + (e * 3 * e + 3 * e) + (e * e + e) + 2 * e + (e * 4 * e + 4 * e) + (4 * e * e + e);
        return (long) vocabSize * e + (long) contextLength * e + layerCount * perLayer + 2 * e;
    }
}
