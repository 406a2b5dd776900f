package gpt2j.weights;

/**
 * GPT-2's tensor names in a GGUF file, as llama.cpp's converter writes them: one spelling for the reader, the writer
 * and the quantizer's per-tensor rules.
 */
public final class GgufTensorNames {

    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String POSITION_EMBD = "position_embd.weight";
    public static final String OUTPUT_NORM_WEIGHT = "output_norm.weight";
    public static final String OUTPUT_NORM_BIAS = "output_norm.bias";
    /** The output head; absent when it is tied to {@link #TOKEN_EMBD}. */
    public static final String OUTPUT = "output.weight";

    // Per block, after "blk.N.".
    public static final String ATTN_NORM_WEIGHT = "attn_norm.weight";
    public static final String ATTN_NORM_BIAS = "attn_norm.bias";
    public static final String ATTN_QKV_WEIGHT = "attn_qkv.weight";
    public static final String ATTN_QKV_BIAS = "attn_qkv.bias";
    public static final String ATTN_OUTPUT_WEIGHT = "attn_output.weight";
    public static final String ATTN_OUTPUT_BIAS = "attn_output.bias";
    public static final String FFN_NORM_WEIGHT = "ffn_norm.weight";
    public static final String FFN_NORM_BIAS = "ffn_norm.bias";
    public static final String FFN_UP_WEIGHT = "ffn_up.weight";
    public static final String FFN_UP_BIAS = "ffn_up.bias";
    public static final String FFN_DOWN_WEIGHT = "ffn_down.weight";
    public static final String FFN_DOWN_BIAS = "ffn_down.bias";

    private GgufTensorNames() {}

    /** Block {@code i}'s tensor {@code name}: {@code blk.i.name}. */
    public static String blk(int i, String name) {
        return "blk." + i + "." + name;
    }
}
