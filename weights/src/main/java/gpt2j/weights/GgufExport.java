package gpt2j.weights;

import static gpt2j.weights.GgufTensorNames.*;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Writes GPT-2 weights as a GGUF file llama.cpp loads: the metadata keys and tensor names of llama.cpp's GPT-2
 * converter, matrices output-major, and {@code output.weight} always present (older llama.cpp GPT-2 loaders require
 * it; a tied head is written as a copy of token_embd). The 2-D weights and token_embd/output are quantized, each
 * to the type llama-quantize would choose ({@link QuantPreset}); position_embd, norms and biases stay F32.
 */
public final class GgufExport {

    private GgufExport() {}

    /** As {@link #write(Gpt2Weights, TokenizerData, GgmlType, Path, Collection, GgufWriter.Progress)}, for a loaded checkpoint. */
    public static void write(
            LoadedCheckpoint source, TokenizerData tokenizer, GgmlType type, Path out, GgufWriter.Progress progress) {
        write(source.weights(), tokenizer, type, out, source.files(), true, progress);
    }

    /**
     * As above; with {@code writeTiedHead} false a head tied to token_embd is left out, as the GGUF format allows:
     * the file is smaller (gpt2j's embedded model), but llama.cpp's GPT-2 loader will not open it.
     */
    public static void write(
            LoadedCheckpoint source,
            TokenizerData tokenizer,
            GgmlType type,
            Path out,
            boolean writeTiedHead,
            GgufWriter.Progress progress) {
        write(source.weights(), tokenizer, type, out, source.files(), writeTiedHead, progress);
    }

    public static void write(
            Gpt2Weights w, TokenizerData tokenizer, GgmlType type, Path out, GgufWriter.Progress progress) {
        write(w, tokenizer, type, out, List.of(), true, progress);
    }

    /**
     * Writes {@code w} with every matrix stored as {@code type} (one type everywhere, as llama-quantize's --pure) to
     * {@code out}, atomically; refuses when {@code out} is one of {@code sourceFiles}. The tokenizer is required:
     * llama.cpp needs the vocabulary.
     */
    public static void write(
            Gpt2Weights w,
            TokenizerData tokenizer,
            GgmlType type,
            Path out,
            Collection<Path> sourceFiles,
            boolean writeTiedHead,
            GgufWriter.Progress progress) {
        write(w, tokenizer, QuantPreset.of(type), true, out, sourceFiles, writeTiedHead, progress);
    }

    /** As below, for a loaded checkpoint (its files are never overwritten). */
    public static void write(
            LoadedCheckpoint source,
            TokenizerData tokenizer,
            QuantPreset preset,
            boolean pure,
            Path out,
            boolean writeTiedHead,
            GgufWriter.Progress progress) {
        write(source.weights(), tokenizer, preset, pure, out, source.files(), writeTiedHead, progress);
    }

    /**
     * Writes {@code w} as llama-quantize writes it for {@code preset}: each 2-D tensor's type chosen by
     * {@link QuantPreset#typeOf} ({@code pure}: the preset's type everywhere), general.file_type the preset's.
     * Every tensor's type is checked before anything is written.
     */
    public static void write(
            Gpt2Weights w,
            TokenizerData tokenizer,
            QuantPreset preset,
            boolean pure,
            Path out,
            Collection<Path> sourceFiles,
            boolean writeTiedHead,
            GgufWriter.Progress progress) {
        Gpt2Config c = w.config();
        if (tokenizer == null) throw new WeightsException(out + ": writing GGUF needs the tokenizer vocabulary");
        if (tokenizer.tokens().size() != c.vocabSize()) {
            throw new WeightsException(out + ": the tokenizer has "
                    + tokenizer.tokens().size() + " tokens but the model has " + c.vocabSize());
        }
        boolean hasOutput = writeTiedHead || w.head().tensor() != w.tokenEmbedding();
        int layers = c.layerCount();
        BiFunction<String, WeightMatrix, GgmlType> typeOf = (name, m) -> {
            int layer = name.startsWith("blk.") ? Integer.parseInt(name.substring(4, name.indexOf('.', 4))) : -1;
            try {
                return preset.typeOf(name, layer, layers, m.cols(), hasOutput, pure);
            } catch (WeightsException e) {
                throw new WeightsException(out + ": " + e.getMessage());
            }
        };
        String a = GgufCheckpoint.ARCH;
        GgufWriter g = new GgufWriter()
                .putString("general.architecture", a)
                .putString("general.name", "GPT-2")
                .putU32("general.file_type", preset.fileType)
                .putU32("general.quantization_version", 2)
                .putU32("general.alignment", GgufFile.DEFAULT_ALIGNMENT)
                .putU32(a + ".context_length", c.contextLength())
                .putU32(a + ".embedding_length", c.embeddingSize())
                .putU32(a + ".feed_forward_length", c.innerSize())
                .putU32(a + ".block_count", c.layerCount())
                .putU32(a + ".attention.head_count", c.headCount())
                .putF32(a + ".attention.layer_norm_epsilon", c.layerNormEpsilon());
        gpt2jKeys(c).forEach((k, v) -> {
            if (v instanceof Boolean b) g.putBool(k, b);
            else g.putString(k, (String) v);
        });
        putTokenizer(g, tokenizer);

        matrix(g, TOKEN_EMBD, new WeightMatrix(w.tokenEmbedding(), c.vocabSize(), c.embeddingSize(), false), typeOf);
        vector(g, POSITION_EMBD, w.positionEmbedding());
        for (int i = 0; i < c.layerCount(); i++) {
            Gpt2Weights.Layer l = w.layers().get(i);
            vector(g, blk(i, ATTN_NORM_WEIGHT), l.attnNormWeight());
            vector(g, blk(i, ATTN_NORM_BIAS), l.attnNormBias());
            matrix(g, blk(i, ATTN_QKV_WEIGHT), l.qkv(), typeOf);
            vector(g, blk(i, ATTN_QKV_BIAS), l.qkvBias());
            matrix(g, blk(i, ATTN_OUTPUT_WEIGHT), l.attnOut(), typeOf);
            vector(g, blk(i, ATTN_OUTPUT_BIAS), l.attnOutBias());
            vector(g, blk(i, FFN_NORM_WEIGHT), l.mlpNormWeight());
            vector(g, blk(i, FFN_NORM_BIAS), l.mlpNormBias());
            matrix(g, blk(i, FFN_UP_WEIGHT), l.mlpUp(), typeOf);
            vector(g, blk(i, FFN_UP_BIAS), l.mlpUpBias());
            matrix(g, blk(i, FFN_DOWN_WEIGHT), l.mlpDown(), typeOf);
            vector(g, blk(i, FFN_DOWN_BIAS), l.mlpDownBias());
        }
        vector(g, OUTPUT_NORM_WEIGHT, w.finalNormWeight());
        vector(g, OUTPUT_NORM_BIAS, w.finalNormBias());
        if (hasOutput) {
            matrix(g, OUTPUT, w.head(), typeOf);
        }
        g.write(out, sourceFiles, progress);
    }

    /**
     * The metadata gpt2j writes under its own keys because llama.cpp's GPT-2 has none: the attention scaling flags and
     * the activation, each only when it differs from GPT-2's (key -> Boolean or String). llama.cpp ignores these
     * keys, so a file that has any gives other logits there than in gpt2j.
     */
    public static Map<String, Object> gpt2jKeys(Gpt2Config c) {
        Map<String, Object> keys = new LinkedHashMap<>();
        if (!c.scaleAttnWeights()) keys.put(GgufCheckpoint.SCALE_WEIGHTS, false);
        if (c.scaleAttnByInverseLayerIdx()) keys.put(GgufCheckpoint.SCALE_BY_INVERSE_LAYER_IDX, true);
        if (c.activation() != Activation.GELU_TANH)
            keys.put(GgufCheckpoint.ACTIVATION, c.activation().configName());
        return keys;
    }

    /**
     * What llama.cpp's converter writes for a GPT-2 vocabulary: token types NORMAL (1), and CONTROL (3) for added
     * special tokens such as {@code <|endoftext|>}, which is also bos, eos and unk.
     */
    private static void putTokenizer(GgufWriter g, TokenizerData t) {
        int[] types = new int[t.tokens().size()];
        int special = -1;
        for (int i = 0; i < types.length; i++) {
            String s = t.tokens().get(i);
            boolean control = s.startsWith("<|") && s.endsWith("|>") && s.length() > 4;
            types[i] = control ? 3 : 1;
            if (s.equals("<|endoftext|>")) special = i;
        }
        g.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2")
                .putStrings("tokenizer.ggml.tokens", t.tokens())
                .putI32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", t.merges());
        if (special >= 0) {
            g.putU32("tokenizer.ggml.bos_token_id", special)
                    .putU32("tokenizer.ggml.eos_token_id", special)
                    .putU32("tokenizer.ggml.unknown_token_id", special);
        }
    }

    private static void matrix(
            GgufWriter g, String name, WeightMatrix m, BiFunction<String, WeightMatrix, GgmlType> typeOf) {
        matrix(g, name, m, typeOf.apply(name, m));
    }

    private static void matrix(GgufWriter g, String name, WeightMatrix m, GgmlType type) {
        g.addTensor(
                name,
                type,
                new long[] {m.rows(), m.cols()},
                arena -> Conversions.toOutputMajor(m, type, arena).tensor().data());
    }

    private static void vector(GgufWriter g, String name, Tensor t) {
        g.addTensor(
                name,
                GgmlType.F32,
                t.shape(),
                arena -> Conversions.toF32(t, arena).data());
    }
}
