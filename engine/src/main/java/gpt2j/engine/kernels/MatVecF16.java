package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;

import java.lang.foreign.MemorySegment;

/** F16 output-major mat-vec: w is (rows, cols) of IEEE half floats; out[r] = w[r] . x. */
final class MatVecF16 {

    private MatVecF16() {
    }

    static void apply(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        scalar(w, cols, x, xOff, out, outOff, rowStart, rowEnd);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Short.BYTES;
            float acc = 0f;
            for (int c = 0; c < cols; c++) {
                acc += Float.float16ToFloat(w.get(LE_SHORT, row + (long) c * Short.BYTES)) * x[xOff + c];
            }
            out[outOff + r] = acc;
        }
    }
}
