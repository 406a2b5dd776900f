package gpt2j.weights;

import java.util.List;

/**
 * The canonical GPT-2 tensor set, whatever file it came from: names resolved, Conv1D layout recorded,
 * the head tied to the token embeddings when the checkpoint has none, attention-mask buffers dropped.
 * Vectors (norms, biases) are always F32; embeddings and matrices keep their stored type.
 */
public record Gpt2Weights(
        Gpt2Config config,
        Tensor tokenEmbedding, // wte: {vocab, n_embd}
        Tensor positionEmbedding, // wpe: {n_ctx, n_embd}
        List<Layer> layers,
        Tensor finalNormWeight, // ln_f: {n_embd}
        Tensor finalNormBias,
        WeightMatrix head) { // lm_head: vocab x n_embd, output-major; wraps the wte tensor itself when tied

    public record Layer(
            Tensor attnNormWeight,
            Tensor attnNormBias, // ln_1: {n_embd}
            WeightMatrix qkv,
            Tensor qkvBias, // attn.c_attn: 3*n_embd x n_embd, outputs q then k then v
            WeightMatrix attnOut,
            Tensor attnOutBias, // attn.c_proj: n_embd x n_embd
            Tensor mlpNormWeight,
            Tensor mlpNormBias, // ln_2: {n_embd}
            WeightMatrix mlpUp,
            Tensor mlpUpBias, // mlp.c_fc: 4*n_embd x n_embd
            WeightMatrix mlpDown,
            Tensor mlpDownBias) { // mlp.c_proj: n_embd x 4*n_embd
    }
}
