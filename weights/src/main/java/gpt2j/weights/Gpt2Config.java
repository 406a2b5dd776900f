package gpt2j.weights;

/**
 * The hyper-parameters of a GPT-2 model, including every Hugging Face {@code GPT2Config} field that changes the math:
 * {@code n_inner} (the MLP width, {@link #innerSize}), {@code activation_function}, {@code layer_norm_epsilon},
 * {@code scale_attn_weights} (scores divided by sqrt(head size)) and {@code scale_attn_by_inverse_layer_idx} (the
 * scores of layer l divided by l + 1 as well). Build one with {@link #builder()}; unset fields are GPT-2's defaults.
 */
public record Gpt2Config(
        int vocabSize,
        int contextLength,
        int embeddingSize,
        int layerCount,
        int headCount,
        float layerNormEpsilon,
        int innerSize,
        Activation activation,
        boolean scaleAttnWeights,
        boolean scaleAttnByInverseLayerIdx) {

    public Gpt2Config {
        if (vocabSize <= 0 || contextLength <= 0 || embeddingSize <= 0 || layerCount <= 0 || headCount <= 0) {
            throw new WeightsException(
                    "config: sizes must be positive (vocab_size=" + vocabSize + ", n_positions=" + contextLength
                            + ", n_embd=" + embeddingSize + ", n_layer=" + layerCount + ", n_head=" + headCount + ")");
        }
        if (embeddingSize % headCount != 0) {
            throw new WeightsException("config: n_embd " + embeddingSize + " is not divisible by n_head " + headCount);
        }
        if (!(layerNormEpsilon > 0) || Float.isInfinite(layerNormEpsilon)) {
            throw new WeightsException("config: layer_norm_epsilon must be positive, got " + layerNormEpsilon);
        }
        if (innerSize <= 0) throw new WeightsException("config: n_inner must be positive, got " + innerSize);
        if (activation == null) throw new WeightsException("config: no activation_function");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .vocabSize(vocabSize)
                .contextLength(contextLength)
                .embeddingSize(embeddingSize)
                .layerCount(layerCount)
                .headCount(headCount)
                .layerNormEpsilon(layerNormEpsilon)
                .innerSize(innerSize)
                .activation(activation)
                .scaleAttnWeights(scaleAttnWeights)
                .scaleAttnByInverseLayerIdx(scaleAttnByInverseLayerIdx);
    }

    public int headSize() {
        return embeddingSize / headCount;
    }

    /**
     * What layer {@code layer}'s attention scores are multiplied by before the softmax, as modeling_gpt2.py computes
     * it: 1/sqrt(head size) when scale_attn_weights, times 1/(layer + 1) when scale_attn_by_inverse_layer_idx.
     */
    public float attentionScale(int layer) {
        double s = scaleAttnWeights ? 1.0 / Math.sqrt(headSize()) : 1.0;
        if (scaleAttnByInverseLayerIdx) s /= layer + 1;
        return (float) s;
    }

    /** True when the model is GPT-2's own math: tanh GELU and the 1/sqrt(head size) attention scale, nothing more. */
    public boolean standardAttentionAndActivation() {
        return activation == Activation.GELU_TANH && scaleAttnWeights && !scaleAttnByInverseLayerIdx;
    }

    /** Parameters counted once (the tied head counted with the embeddings). */
    public long parameterCount() {
        long e = embeddingSize, f = innerSize;
        long perLayer = 2 * e + (e * 3 * e + 3 * e) + (e * e + e) + 2 * e + (e * f + f) + (f * e + e);
        return (long) vocabSize * e + (long) contextLength * e + layerCount * perLayer + 2 * e;
    }

    /**
     * Sets the fields one by one. The sizes are required; the rest default as Hugging Face's GPT2Config does:
     * layer_norm_epsilon 1e-5, n_inner 4 * n_embd, gelu_new, scale_attn_weights true, scale_attn_by_inverse_layer_idx
     * false.
     */
    public static final class Builder {
        private int vocabSize, contextLength, embeddingSize, layerCount, headCount, innerSize;
        private float layerNormEpsilon = 1e-5f;
        private Activation activation = Activation.GELU_TANH;
        private boolean scaleAttnWeights = true, scaleAttnByInverseLayerIdx;

        private Builder() {}

        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        public Builder contextLength(int v) {
            contextLength = v;
            return this;
        }

        public Builder embeddingSize(int v) {
            embeddingSize = v;
            return this;
        }

        public Builder layerCount(int v) {
            layerCount = v;
            return this;
        }

        public Builder headCount(int v) {
            headCount = v;
            return this;
        }

        public Builder layerNormEpsilon(float v) {
            layerNormEpsilon = v;
            return this;
        }

        /** The MLP width; 0 (the default) means 4 * n_embd, as n_inner null does. */
        public Builder innerSize(int v) {
            innerSize = v;
            return this;
        }

        public Builder activation(Activation v) {
            activation = v;
            return this;
        }

        public Builder scaleAttnWeights(boolean v) {
            scaleAttnWeights = v;
            return this;
        }

        public Builder scaleAttnByInverseLayerIdx(boolean v) {
            scaleAttnByInverseLayerIdx = v;
            return this;
        }

        public Gpt2Config build() {
            return new Gpt2Config(
                    vocabSize,
                    contextLength,
                    embeddingSize,
                    layerCount,
                    headCount,
                    layerNormEpsilon,
                    innerSize == 0 ? 4 * embeddingSize : innerSize,
                    activation,
                    scaleAttnWeights,
                    scaleAttnByInverseLayerIdx);
        }
    }
}
