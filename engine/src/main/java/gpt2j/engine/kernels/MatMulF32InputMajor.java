package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;

/**
 * Batched F32 input-major (Conv1D layout, w is (cols, rows)): xT (see {@link MatMul#transpose}) -> out (n, rows).
 * A strip of two output vectors for four tokens lives in eight accumulators while c walks down w, so each weight
 * vector loaded feeds four FMAs.
 */
final class MatMulF32InputMajor {

    private static final int TOKENS = 4;

    private MatMulF32InputMajor() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] xT, int n, float[] out, int rowStart, int rowEnd) {
        int strip = 2 * F.length();
        int stride = MatMul.padded(n);
        int t = 0;
        for (; t + TOKENS <= n; t += TOKENS) {
            int r = rowStart;
            for (; r + strip <= rowEnd; r += strip) tokens4(w, rows, cols, xT, stride, t, out, r);
            if (r < rowEnd) {
                for (int k = t; k < t + TOKENS; k++) column(w, rows, cols, xT, stride, k, out, r, rowEnd);
            }
        }
        for (; t < n; t++) column(w, rows, cols, xT, stride, t, out, rowStart, rowEnd);
    }

    /** Rows [r, r + 2 * F.length()) of tokens t..t+3. */
    private static void tokens4(MemorySegment w, int rows, int cols, float[] xT, int stride, int t, float[] out, int r) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        long o = (long) r * Float.BYTES;
        for (int c = 0, xo = t; c < cols; c++, o += lineBytes, xo += stride) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN);
            FloatVector wb = FloatVector.fromMemorySegment(F, w, o + 4L * step, LITTLE_ENDIAN);
            FloatVector v0 = FloatVector.broadcast(F, xT[xo]), v1 = FloatVector.broadcast(F, xT[xo + 1]);
            FloatVector v2 = FloatVector.broadcast(F, xT[xo + 2]), v3 = FloatVector.broadcast(F, xT[xo + 3]);
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

    /** Rows [r0, r1) of token t alone: the strip leftovers and the tokens after the last group of four. */
    private static void column(MemorySegment w, int rows, int cols, float[] xT, int stride, int t, float[] out, int r0, int r1) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        int o = t * rows;
        int r = r0;
        for (; r + step <= r1; r += step) {
            FloatVector acc = FloatVector.zero(F);
            long wo = (long) r * Float.BYTES;
            for (int c = 0, xo = t; c < cols; c++, wo += lineBytes, xo += stride) {
                acc = FloatVector.fromMemorySegment(F, w, wo, LITTLE_ENDIAN).fma(FloatVector.broadcast(F, xT[xo]), acc);
            }
            acc.intoArray(out, o + r);
        }
        for (; r < r1; r++) {
            float s = 0f;
            for (int c = 0; c < cols; c++) s += w.get(Simd.LE_FLOAT, ((long) c * rows + r) * Float.BYTES) * xT[c * stride + t];
            out[o + r] = s;
        }
    }
}
