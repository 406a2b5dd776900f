package gpt2j.weights;

import static gpt2j.weights.GgufTensorNames.*;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a GPT-2 GGUF file as llama.cpp lays it out (src/models/gpt2.cpp, convert_hf_to_gguf.py's GPT2Model):
 * {@code token_embd}, {@code position_embd}, {@code blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down}}
 * with {@code .weight}/{@code .bias}, {@code output_norm}, and an optional {@code output} (else tied to token_embd).
 * Matrices are already output-major. Norms, biases and position embeddings that are not F32 are converted to F32
 * once, into memory the checkpoint owns; BF16 matrices likewise (the engine has no BF16 kernels).
 */
final class GgufCheckpoint {

    static final String ARCH = "gpt2";

    // gpt2j's own keys for the GPT2Config fields that llama.cpp's GPT-2 has none for (absent: GPT-2's value).
    static final String SCALE_WEIGHTS = "gpt2j.attention.scale_weights";
    static final String SCALE_BY_INVERSE_LAYER_IDX = "gpt2j.attention.scale_by_inverse_layer_idx";
    static final String ACTIVATION = "gpt2j.activation_function";

    private GgufCheckpoint() {}

    static LoadedCheckpoint load(Path path) {
        return load(GgufFile.open(path), Arena.ofShared());
    }

    /** The checkpoint in {@code f}; converted tensors go into {@code arena}. A failure closes both. */
    static LoadedCheckpoint load(GgufFile f, Arena arena) {
        Path path = f.path();
        try {
            String arch = f.string("general.architecture");
            if (!ARCH.equals(arch)) {
                throw new WeightsException(path + ": general.architecture is " + (arch == null ? "missing" : arch)
                        + ", gpt2j only runs gpt2");
            }
            Tensor wte = f.tensor(TOKEN_EMBD);
            if (wte == null) throw new WeightsException(path + ": missing tensor token_embd.weight");
            if (wte.rank() != 2)
                throw new WeightsException(path + ": token_embd.weight has shape " + Arrays.toString(wte.shape())
                        + ", expected [n_vocab, n_embd]");
            Gpt2Config config = config(f, wte);
            TokenizerData tokenizer = tokenizer(f, config.vocabSize());
            Gpt2Weights weights = new Builder(f, config, arena).build();
            Map<GgmlType, Integer> types = new EnumMap<>(GgmlType.class);
            for (GgufFile.TensorInfo t : f.tensorInfos().values()) types.merge(t.type(), 1, Integer::sum);
            return new LoadedCheckpoint(
                    weights, tokenizer, "gguf", List.of(path), f.fileBytes(), types, List.of(f, arena));
        } catch (RuntimeException e) {
            arena.close();
            f.close();
            throw e;
        }
    }

    private static Gpt2Config config(GgufFile f, Tensor wte) {
        int embd = positive(f, ARCH + ".embedding_length");
        Double eps = f.number(ARCH + ".attention.layer_norm_epsilon");
        if (wte.dim(0) > Integer.MAX_VALUE) throw new WeightsException(f.path() + ": token_embd.weight is too large");
        Gpt2Config.Builder b = Gpt2Config.builder()
                .vocabSize((int) wte.dim(0))
                .contextLength(positive(f, ARCH + ".context_length"))
                .embeddingSize(embd)
                .layerCount(positive(f, ARCH + ".block_count"))
                .headCount(positive(f, ARCH + ".attention.head_count"));
        if (eps != null) b.layerNormEpsilon(eps.floatValue());
        if (f.integer(ARCH + ".feed_forward_length") != null) b.innerSize(positive(f, ARCH + ".feed_forward_length"));
        Boolean scale = f.bool(SCALE_WEIGHTS), inverse = f.bool(SCALE_BY_INVERSE_LAYER_IDX);
        if (scale != null) b.scaleAttnWeights(scale);
        if (inverse != null) b.scaleAttnByInverseLayerIdx(inverse);
        String act = f.string(ACTIVATION);
        if (act != null) {
            Activation a = Activation.forName(act);
            if (a == null) {
                throw new WeightsException(f.path() + ": " + ACTIVATION + " is " + act
                        + ", which gpt2j does not compute (" + Activation.names() + ")");
            }
            b.activation(a);
        }
        return b.build();
    }

    private static int positive(GgufFile f, String key) {
        Long v = f.integer(key);
        if (v == null) throw new WeightsException(f.path() + ": missing metadata " + key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new WeightsException(f.path() + ": metadata " + key + " is " + v);
        return (int) (long) v;
    }

    private static TokenizerData tokenizer(GgufFile f, int vocab) {
        List<String> tokens = f.strings("tokenizer.ggml.tokens");
        if (tokens == null) return null;
        String model = f.string("tokenizer.ggml.model");
        if (model != null && !model.equals("gpt2")) {
            throw new WeightsException(
                    f.path() + ": tokenizer.ggml.model is " + model + ", gpt2j reads gpt2 (byte-level BPE)");
        }
        if (tokens.size() != vocab) {
            throw new WeightsException(f.path() + ": tokenizer.ggml.tokens has " + tokens.size()
                    + " entries but token_embd.weight has " + vocab + " rows");
        }
        List<String> merges = f.strings("tokenizer.ggml.merges");
        if (merges == null) throw new WeightsException(f.path() + ": missing metadata tokenizer.ggml.merges");
        return new TokenizerData(tokens, merges);
    }

    private record Builder(GgufFile f, Gpt2Config c, Arena arena) {

        Gpt2Weights build() {
            int e = c.embeddingSize(), ff = c.innerSize();
            Tensor wte = tensor(TOKEN_EMBD, c.vocabSize(), e);
            if (wte.type() == GgmlType.BF16) wte = Conversions.toF32(wte, arena);
            Tensor wpe = Conversions.toF32(tensor(POSITION_EMBD, c.contextLength(), e), arena);
            List<Gpt2Weights.Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.layerCount(); i++) {
                layers.add(new Gpt2Weights.Layer(
                        vector(blk(i, ATTN_NORM_WEIGHT), e), vector(blk(i, ATTN_NORM_BIAS), e),
                        matrix(blk(i, ATTN_QKV_WEIGHT), 3 * e, e), vector(blk(i, ATTN_QKV_BIAS), 3 * e),
                        matrix(blk(i, ATTN_OUTPUT_WEIGHT), e, e), vector(blk(i, ATTN_OUTPUT_BIAS), e),
                        vector(blk(i, FFN_NORM_WEIGHT), e), vector(blk(i, FFN_NORM_BIAS), e),
                        matrix(blk(i, FFN_UP_WEIGHT), ff, e), vector(blk(i, FFN_UP_BIAS), ff),
                        matrix(blk(i, FFN_DOWN_WEIGHT), e, ff), vector(blk(i, FFN_DOWN_BIAS), e)));
            }
            WeightMatrix head = f.tensorInfos().containsKey(OUTPUT)
                    ? matrix(OUTPUT, c.vocabSize(), e)
                    : new WeightMatrix(wte, c.vocabSize(), e, false);
            return new Gpt2Weights(
                    c, wte, wpe, List.copyOf(layers), vector(OUTPUT_NORM_WEIGHT, e), vector(OUTPUT_NORM_BIAS, e), head);
        }

        WeightMatrix matrix(String name, int rows, int cols) {
            Tensor t = tensor(name, rows, cols);
            if (t.type() == GgmlType.BF16) t = Conversions.toF32(t, arena);
            return new WeightMatrix(t, rows, cols, false);
        }

        Tensor vector(String name, int n) {
            return Conversions.toF32(tensor(name, n), arena);
        }

        Tensor tensor(String name, long... shape) {
            Tensor t = f.tensor(name);
            if (t == null) {
                throw new WeightsException(
                        f.path() + ": missing tensor " + name + " (expected " + Arrays.toString(shape) + ")");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                String ff = name.contains("ffn_up") || name.contains("ffn_down")
                        ? " (" + ARCH + ".feed_forward_length " + c.innerSize() + ")"
                        : "";
                throw new WeightsException(f.path() + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                        + " but the metadata implies " + Arrays.toString(shape) + ff);
            }
            return t;
        }
    }
}
