package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_FLOAT;

import java.lang.foreign.MemorySegment;

/** F32 output-major mat-vec: w is (rows, cols) row-major; out[r] = w[r] . x. */
final class MatVecF32 {

    private MatVecF32() {
    }

    static void apply(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        scalar(w, cols, x, xOff, out, outOff, rowStart, rowEnd);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Float.BYTES;
            float acc = 0f;
            for (int c = 0; c < cols; c++) acc += w.get(LE_FLOAT, row + (long) c * Float.BYTES) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }
}
