package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_FLOAT;

import java.lang.foreign.MemorySegment;

/**
 * F32 input-major mat-vec (Hugging Face Conv1D layout): w is (cols, rows) row-major, so out[r] = sum_c x[c] * w[c][r].
 * Reads each weight once, walking the rows of w in order.
 */
final class MatVecF32InputMajor {

    private MatVecF32InputMajor() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                      int rowStart, int rowEnd) {
        scalar(w, rows, cols, x, xOff, out, outOff, rowStart, rowEnd);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                       int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) out[outOff + r] = 0f;
        for (int c = 0; c < cols; c++) {
            float xc = x[xOff + c];
            long line = (long) c * rows * Float.BYTES;
            for (int r = rowStart; r < rowEnd; r++) out[outOff + r] += xc * w.get(LE_FLOAT, line + (long) r * Float.BYTES);
        }
    }
}
