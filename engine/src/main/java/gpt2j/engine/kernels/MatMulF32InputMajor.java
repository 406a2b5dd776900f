package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * Batched F32 input-major (Conv1D layout, w is (cols, rows)): x (n, cols) -> out (n, rows). A strip of two output
 * vectors for {@link MatMul#TOKENS} tokens lives in eight accumulators while c walks down w, so each weight vector
 * loaded feeds four FMAs.
 */
final class MatMulF32InputMajor {

    private MatMulF32InputMajor() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int strip = 2 * F.length();
        int t = 0;
        for (; t + MatMul.TOKENS <= n; t += MatMul.TOKENS) {
            int r = rowStart;
            for (; r + strip <= rowEnd; r += strip) tokens4(w, rows, cols, x, t, out, r);
            for (int k = t; k < t + MatMul.TOKENS && r < rowEnd; k++) {
                MatVecF32InputMajor.apply(w, rows, cols, x, k * cols, out, k * rows, r, rowEnd);
            }
        }
        for (; t < n; t++) MatVecF32InputMajor.apply(w, rows, cols, x, t * cols, out, t * rows, rowStart, rowEnd);
    }

    /** Rows [r, r + 2 * F.length()) of tokens t..t+3. */
    private static void tokens4(MemorySegment w, int rows, int cols, float[] x, int t, float[] out, int r) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        long o = (long) r * Float.BYTES;
        for (int c = 0; c < cols; c++, o += lineBytes) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN);
            FloatVector wb = FloatVector.fromMemorySegment(F, w, o + 4L * step, LITTLE_ENDIAN);
            FloatVector v0 = FloatVector.broadcast(F, x[x0 + c]), v1 = FloatVector.broadcast(F, x[x1 + c]);
            FloatVector v2 = FloatVector.broadcast(F, x[x2 + c]), v3 = FloatVector.broadcast(F, x[x3 + c]);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
        }
        int out0 = t * rows + r;
        a0.intoArray(out, out0);
        b0.intoArray(out, out0 + step);
        a1.intoArray(out, out0 + rows);
        b1.intoArray(out, out0 + rows + step);
        a2.intoArray(out, out0 + 2 * rows);
        b2.intoArray(out, out0 + 2 * rows + step);
        a3.intoArray(out, out0 + 3 * rows);
        b3.intoArray(out, out0 + 3 * rows + step);
    }
}
