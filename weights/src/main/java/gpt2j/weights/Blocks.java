package gpt2j.weights;

/** Little-endian stores into a block being assembled, and the rounding helper ggml's block quantizers share. */
final class Blocks {

    private Blocks() {}

    /** Stores {@code v} as fp16, rounded to nearest even as {@code GGML_FP32_TO_FP16} does; returns the stored value. */
    static float putF16(byte[] y, int off, float v) {
        short h = Float.floatToFloat16(v);
        y[off] = (byte) h;
        y[off + 1] = (byte) (h >> 8);
        return Float.float16ToFloat(h);
    }

    static void putI16(byte[] y, int off, int v) {
        y[off] = (byte) v;
        y[off + 1] = (byte) (v >> 8);
    }

    static void putI32(byte[] y, int off, int v) {
        y[off] = (byte) v;
        y[off + 1] = (byte) (v >> 8);
        y[off + 2] = (byte) (v >> 16);
        y[off + 3] = (byte) (v >> 24);
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5 * 2^23 so the float unit rounds to an integer (halves to even) and reads it
     * from the mantissa bits. Kept bit for bit, not as Math.rint, because its result for |v| beyond 2^22 (which the
     * search loops can produce before clamping) is what ggml stores.
     */
    static int nearestInt(float v) {
        int i = Float.floatToRawIntBits(v + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }
}
