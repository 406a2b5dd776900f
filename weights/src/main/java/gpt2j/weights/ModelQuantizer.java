package gpt2j.weights;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a model's weights to one storage type in memory (the {@code --type} option), following llama.cpp's rule
 * for which tensors to quantize (llama-quant.cpp): 2-D weights only, never norms, never {@code position_embd}.
 * For GPT-2 that is token_embd, attn_qkv, attn_output, ffn_up, ffn_down and output. Unlike llama-quantize (and
 * {@code gpt2j quantize}, see {@link QuantPreset}) every one of them takes the target type, the head included.
 * Position embeddings, norms and biases stay F32.
 */
public final class ModelQuantizer {

    private ModelQuantizer() {}

    /**
     * The weights with every matrix and the token embeddings stored output-major as {@code type} (F32, F16, Q8_0 or
     * Q4_0). New data lives in {@code arena}; unchanged tensors are shared with {@code w}, so its source must stay open.
     * A tied head stays tied: it reuses the converted token embeddings.
     */
    public static Gpt2Weights quantize(Gpt2Weights w, GgmlType type, Arena arena) {
        if (type == GgmlType.BF16)
            throw new WeightsException("gpt2j cannot store weights as BF16; use F32, F16, Q8_0 or Q4_0");
        int vocab = w.config().vocabSize(), embd = w.config().embeddingSize();
        WeightMatrix wte = new WeightMatrix(w.tokenEmbedding(), vocab, embd, false);
        Tensor tokenEmbedding = convert(wte, type, arena).tensor();
        WeightMatrix head = w.head().tensor() == w.tokenEmbedding()
                ? new WeightMatrix(tokenEmbedding, vocab, embd, false)
                : convert(w.head(), type, arena);
        List<Gpt2Weights.Layer> layers = new ArrayList<>();
        for (Gpt2Weights.Layer l : w.layers()) {
            layers.add(new Gpt2Weights.Layer(
                    l.attnNormWeight(),
                    l.attnNormBias(),
                    convert(l.qkv(), type, arena),
                    l.qkvBias(),
                    convert(l.attnOut(), type, arena),
                    l.attnOutBias(),
                    l.mlpNormWeight(),
                    l.mlpNormBias(),
                    convert(l.mlpUp(), type, arena),
                    l.mlpUpBias(),
                    convert(l.mlpDown(), type, arena),
                    l.mlpDownBias()));
        }
        return new Gpt2Weights(
                w.config(),
                tokenEmbedding,
                w.positionEmbedding(),
                List.copyOf(layers),
                w.finalNormWeight(),
                w.finalNormBias(),
                head);
    }

    /** F32 input-major matrices are already what the engine wants for F32; anything else becomes output-major. */
    private static WeightMatrix convert(WeightMatrix m, GgmlType type, Arena arena) {
        if (m.type() == type) return m;
        return Conversions.toOutputMajor(m, type, arena);
    }
}
