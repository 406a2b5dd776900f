package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 mat-vec: each row of w is cols/32 blocks of 18 bytes, {fp16 d, uint8 qs[16]}; the low nibble of qs[j] is
 * element j and the high nibble element j+16, value = (nibble - 8) * d (ggml block_q4_0).
 */
final class MatVecQ4_0 {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    private MatVecQ4_0() {
    }

    static void apply(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        scalar(w, cols, x, xOff, out, outOff, rowStart, rowEnd);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                int xb = xOff + b * BLOCK;
                float sum = 0f;
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 2 + j);
                    sum += ((q & 0xF) - 8) * x[xb + j] + (((q >> 4) & 0xF) - 8) * x[xb + j + BLOCK / 2];
                }
                acc += sum * d;
            }
            out[outOff + r] = acc;
        }
    }
}
