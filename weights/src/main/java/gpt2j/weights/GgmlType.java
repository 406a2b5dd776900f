package gpt2j.weights;

/** Element types as ggml numbers them; owns the block layout (values per block, bytes per block). */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18), // fp16 scale + 16 bytes of nibbles: low nibble of byte j is element j, high nibble element j+16
    Q8_0(8, 32, 34), // fp16 scale + 32 int8
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
        return n / blockSize * bytesPerBlock;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** The type with ggml id {@code id}, or null when we do not support it. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
