package gpt2j.weights;

/** Element types as ggml numbers them; owns the block layout (values per block, bytes per block). */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18), // fp16 scale + 16 bytes of nibbles: low nibble of byte j is element j, high nibble element j+16
    Q4_1(3, 32, 20), // fp16 scale d, fp16 minimum m + 16 bytes of nibbles
    Q5_0(6, 32, 22), // fp16 scale + 4 bytes of fifth bits + 16 bytes of nibbles
    Q5_1(7, 32, 24), // fp16 scale d, fp16 minimum m + 4 bytes of fifth bits + 16 bytes of nibbles
    Q8_0(8, 32, 34), // fp16 scale + 32 int8
    Q2_K(10, 256, 84), // 16 scale/min bytes + 64 bytes of 2-bit quants + fp16 d, dmin
    Q3_K(11, 256, 110), // 32 bytes high-bit mask + 64 bytes of 2-bit quants + 12 bytes of 6-bit scales + fp16 d
    Q4_K(12, 256, 144), // fp16 d, dmin + 12 bytes of 6-bit scales/mins + 128 bytes of nibbles
    Q5_K(13, 256, 176), // fp16 d, dmin + 12 bytes of 6-bit scales/mins + 32 bytes high bits + 128 bytes of nibbles
    Q6_K(14, 256, 210), // 128 bytes low nibbles + 64 bytes high 2 bits + 16 int8 scales + fp16 d
    IQ4_NL(20, 32, 18), // fp16 scale + 16 bytes of nibbles indexing a fixed non-linear table
    IQ4_XS(23, 256, 136), // fp16 d + 2 bytes high scale bits + 4 bytes low scale bits + 128 bytes of nibbles
    BF16(30, 1, 2);

    public final int id;
    public final int blockSize;
    public final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** Bytes taken by {@code n} values; n must be a multiple of the block size. */
    public long byteSize(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(name() + " needs a multiple of " + blockSize + " values, got " + n);
        }
        return Math.multiplyExact(
                n / blockSize, (long) bytesPerBlock); // overflow is ArithmeticException, never negative
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    // ggml.h's names for the ids gpt2j does not read, so that an error can name them.
    private static final String[] GGML_NAMES = {
        "F32",
        "F16",
        "Q4_0",
        "Q4_1",
        "Q4_2",
        "Q4_3",
        "Q5_0",
        "Q5_1",
        "Q8_0",
        "Q8_1",
        "Q2_K",
        "Q3_K",
        "Q4_K",
        "Q5_K",
        "Q6_K",
        "Q8_K",
        "IQ2_XXS",
        "IQ2_XS",
        "IQ3_XXS",
        "IQ1_S",
        "IQ4_NL",
        "IQ3_S",
        "IQ2_S",
        "IQ4_XS",
        "I8",
        "I16",
        "I32",
        "I64",
        "F64",
        "IQ1_M",
        "BF16",
        "Q4_0_4_4",
        "Q4_0_4_8",
        "Q4_0_8_8",
        "TQ1_0",
        "TQ2_0",
        "IQ4_NL_4_4",
        "IQ4_NL_4_8",
        "IQ4_NL_8_8",
        "MXFP4"
    };

    /** ggml's name for a type id, with the id: "IQ2_XXS (16)", or "unknown (99)". */
    public static String describe(long id) {
        return (id >= 0 && id < GGML_NAMES.length ? GGML_NAMES[(int) id] : "unknown") + " (" + id + ")";
    }

    /** The names of the types gpt2j reads, for error messages. */
    public static String readable() {
        return String.join(
                ", ", java.util.Arrays.stream(values()).map(Enum::name).toList());
    }

    /** The type with ggml id {@code id}, or null when we do not support it. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
