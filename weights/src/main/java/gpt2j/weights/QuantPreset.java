package gpt2j.weights;

/**
 * llama-quantize's presets (its file types), with the type each GPT-2 tensor gets under them: llama-quant.cpp's
 * {@code llama_tensor_get_type} without an importance matrix, for the tensors a GPT-2 file has. Most matrices take
 * the preset's type; the head (and token_embd when there is no separate head) takes Q6_K; _M and _L presets give
 * attn_qkv, attn_output and some layers' ffn_down more bits; a row that is not a multiple of the chosen type's block
 * falls back to a 32-value type (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, Q2_K/Q3_K/IQ4_XS to IQ4_NL).
 */
public enum QuantPreset {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q8_0(7, GgmlType.Q8_0),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    IQ4_NL(25, GgmlType.IQ4_NL),
    IQ4_XS(30, GgmlType.IQ4_XS);

    /** llama.cpp's llama_ftype, written as general.file_type. */
    public final int fileType;
    /** The type of every tensor no rule changes. */
    public final GgmlType type;

    QuantPreset(int fileType, GgmlType type) {
        this.fileType = fileType;
        this.type = type;
    }

    /** The preset whose type is {@code t} (the _S one for a K-quant), for writing one type everywhere. */
    public static QuantPreset of(GgmlType t) {
        for (QuantPreset p : values()) {
            if (p.type == t) return p;
        }
        throw new WeightsException("gpt2j cannot write " + t + "; it writes " + java.util.Arrays.toString(values()));
    }

    /**
     * The type llama-quantize gives the 2-D tensor {@code name} (a GGUF name: token_embd.weight, output.weight,
     * blk.N.attn_qkv.weight, ...) of a model with {@code layers} layers, whose rows hold {@code rowLength} values;
     * {@code layer} is N for a block tensor. {@code hasOutput}: the file has its own output.weight (otherwise
     * token_embd is the head and is treated as one). With {@code pure}, the preset's type everywhere, as --pure.
     * Throws when a row fits no type, as llama-quantize refuses.
     */
    public GgmlType typeOf(String name, int layer, int layers, long rowLength, boolean hasOutput, boolean pure) {
        GgmlType t = type;
        if (pure || !t.isQuantized()) return checked(name, t, rowLength);
        if (name.equals(GgufTensorNames.OUTPUT) || !hasOutput && name.equals(GgufTensorNames.TOKEN_EMBD)) {
            if (rowLength % t.blockSize != 0) t = GgmlType.Q8_0;
            else if (t != GgmlType.Q8_0) t = GgmlType.Q6_K;
        } else if (name.endsWith(".attn_qkv.weight")) {
            t = switch (this) {
                case Q3_K_M, Q3_K_L -> GgmlType.Q4_K;
                case Q4_K_M -> GgmlType.Q5_K;
                case Q5_K_M -> GgmlType.Q6_K;
                default -> t;
            };
        } else if (name.endsWith(".attn_output.weight")) {
            t = switch (this) {
                case Q2_K -> GgmlType.Q3_K;
                case Q3_K_M -> GgmlType.Q4_K;
                case Q3_K_L -> GgmlType.Q5_K;
                default -> t;
            };
        } else if (name.endsWith(".ffn_down.weight")) {
            // llama-quantize counts ffn_down tensors in the order it visits them, which is layer order
            t = switch (this) {
                case Q2_K -> GgmlType.Q3_K;
                case Q3_K_M -> layer < layers / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
                case Q3_K_L -> GgmlType.Q5_K;
                case Q4_K_M, Q5_K_M -> moreBits(layer, layers) ? GgmlType.Q6_K : t;
                case Q4_K_S, IQ4_NL, IQ4_XS -> layer < layers / 8 ? GgmlType.Q5_K : t;
                default -> t;
            };
        }
        if (rowLength % t.blockSize != 0) {
            GgmlType fallback = switch (t) {
                case Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> checked(name, t, rowLength);
            };
            t = rowLength % fallback.blockSize == 0 ? fallback : GgmlType.F16;
        }
        return t;
    }

    /** llama-quant.cpp's use_more_bits: the first and last eighth of the layers and every third one between. */
    static boolean moreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static GgmlType checked(String name, GgmlType t, long rowLength) {
        if (rowLength % t.blockSize != 0) {
            throw new WeightsException("cannot store " + name + " as " + t + ": its rows of " + rowLength
                    + " values are not a multiple of " + t.blockSize);
        }
        return t;
    }
}
