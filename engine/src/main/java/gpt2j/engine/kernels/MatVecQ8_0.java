package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 mat-vec: each row of w is cols/32 blocks of 34 bytes, {fp16 d, int8 q[32]}, value = q * d (ggml block_q8_0).
 */
final class MatVecQ8_0 {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    private MatVecQ8_0() {
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
                for (int j = 0; j < BLOCK; j++) sum += w.get(JAVA_BYTE, block + 2 + j) * x[xb + j];
                acc += sum * d;
            }
            out[outOff + r] = acc;
        }
    }
}
