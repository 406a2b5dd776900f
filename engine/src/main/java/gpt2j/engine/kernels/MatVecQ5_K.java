package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q5_K mat-vec: each row is cols/256 blocks of 176 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}
 * (ggml block_q5_K): {@link MatVecQ4_K}'s layout plus a fifth bit per value, bit 2g (low nibbles) or 2g+1 (high
 * nibbles) of qh[l] for the g-th 32 bytes of qs. value = d * sc * q - dmin * m. cols must be a multiple of 256.
 * The vector kernels are {@link MatVecInt8}'s on the bytes {@link #unpack} makes at load, plus the minimums' part;
 * the scalar twin reads the file's blocks in place.
 */
final class MatVecQ5_K {

    static final int BLOCK = GgmlType.Q5_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_K.bytesPerBlock;

    private MatVecQ5_K() {}

    /**
     * The kernel reads {@link KernelMatrix}'s repack: {@link MatVecInt8}'s quants and scales, and mins[8 * (r *
     * cols/256 + b) + j], sub-block j's dmin * m, whose part of each row's dot product is taken here.
     */
    static void apply(
            byte[] quants,
            float[] scales,
            float[] mins,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        MatVecInt8.apply(quants, scales, cols, x, xOff, out, outOff, rowStart, rowEnd);
        float[] xs = MatVecQ4_K.subBlockSums(x, xOff, cols);
        for (int r = rowStart; r < rowEnd; r++)
            out[outOff + r] -= MatVecQ4_K.minsDot(mins, r * (cols / 32), xs, cols / 32);
    }

    /** Row-major 5-bit quants, one byte each, of the first blocks blocks of w ({@link MatVecInt8}'s input). */
    static byte[] unpack(MemorySegment w, long blocks) {
        byte[] q = new byte[(int) blocks * BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = (long) b * BLOCK_BYTES;
            for (int g = 0; g < 4; g++) {
                int o = b * BLOCK + 64 * g;
                for (int l = 0; l < 32; l++) {
                    int qs = w.get(JAVA_BYTE, block + 48 + 32 * g + l) & 0xFF;
                    int h = w.get(JAVA_BYTE, block + 16 + l) & 0xFF;
                    q[o + l] = (byte) ((qs & 0xF) + ((h >> 2 * g & 1) << 4));
                    q[o + l + 32] = (byte) ((qs >> 4) + ((h >> 2 * g + 1 & 1) << 4));
                }
            }
        }
        return q;
    }

    /** The scalar twin of {@link #apply}, straight from dequantize_row_q5_K. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 2));
                for (int g = 0; g < 4; g++) {
                    float d1 = d * BlockFormats.scaleK4(w, block + 4, 2 * g),
                            m1 = dmin * BlockFormats.minK4(w, block + 4, 2 * g);
                    float d2 = d * BlockFormats.scaleK4(w, block + 4, 2 * g + 1);
                    float m2 = dmin * BlockFormats.minK4(w, block + 4, 2 * g + 1);
                    int xb = xOff + b * BLOCK + 64 * g;
                    for (int l = 0; l < 32; l++) {
                        int q = w.get(JAVA_BYTE, block + 48 + 32 * g + l) & 0xFF;
                        int h = w.get(JAVA_BYTE, block + 16 + l) & 0xFF;
                        int lo = (q & 0xF) + ((h >> 2 * g & 1) << 4), hi = (q >> 4) + ((h >> 2 * g + 1 & 1) << 4);
                        acc += (d1 * lo - m1) * x[xb + l] + (d2 * hi - m2) * x[xb + 32 + l];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
