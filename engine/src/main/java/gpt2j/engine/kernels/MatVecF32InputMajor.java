package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * F32 input-major mat-vec (Hugging Face Conv1D layout): w is (cols, rows) row-major, so out[r] = sum_c x[c] * w[c][r].
 * A strip of output rows lives in registers while c walks down the matrix, so each weight is read once and out is
 * written once.
 */
final class MatVecF32InputMajor {

    private MatVecF32InputMajor() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                      int rowStart, int rowEnd) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        int r = rowStart;
        for (; r + 4 * step <= rowEnd; r += 4 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            long o = (long) r * Float.BYTES;
            for (int c = 0; c < cols; c++, o += lineBytes) {
                FloatVector xc = FloatVector.broadcast(F, x[xOff + c]);
                a0 = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(xc, a0);
                a1 = FloatVector.fromMemorySegment(F, w, o + 4L * step, LITTLE_ENDIAN).fma(xc, a1);
                a2 = FloatVector.fromMemorySegment(F, w, o + 8L * step, LITTLE_ENDIAN).fma(xc, a2);
                a3 = FloatVector.fromMemorySegment(F, w, o + 12L * step, LITTLE_ENDIAN).fma(xc, a3);
            }
            a0.intoArray(out, outOff + r);
            a1.intoArray(out, outOff + r + step);
            a2.intoArray(out, outOff + r + 2 * step);
            a3.intoArray(out, outOff + r + 3 * step);
        }
        for (; r + step <= rowEnd; r += step) {
            FloatVector a = FloatVector.zero(F);
            long o = (long) r * Float.BYTES;
            for (int c = 0; c < cols; c++, o += lineBytes) {
                a = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(FloatVector.broadcast(F, x[xOff + c]), a);
            }
            a.intoArray(out, outOff + r);
        }
        if (r < rowEnd) scalar(w, rows, cols, x, xOff, out, outOff, r, rowEnd);
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
