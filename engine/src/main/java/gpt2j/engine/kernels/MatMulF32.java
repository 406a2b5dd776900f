package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Batched F32 output-major: x (n, cols) -> out (n, rows). Each weight vector is loaded once per
 * {@link MatMul#TOKENS} input vectors; rows go in blocks of {@link MatMul#ROW_BLOCK}.
 */
final class MatMulF32 {

    private MatMulF32() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        for (int rb = rowStart; rb < rowEnd; rb += MatMul.ROW_BLOCK) {
            int re = Math.min(rowEnd, rb + MatMul.ROW_BLOCK);
            int t = 0;
            for (; t + MatMul.TOKENS <= n; t += MatMul.TOKENS) tokens4(w, rows, cols, x, t, out, rb, re);
            for (; t < n; t++) MatVecF32.apply(w, cols, x, t * cols, out, t * rows, rb, re);
        }
    }

    /** Rows [r0, r1) of tokens t..t+3. */
    private static void tokens4(MemorySegment w, int rows, int cols, float[] x, int t, float[] out, int r0, int r1) {
        int step = F.length();
        int bound = F.loopBound(cols);
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        for (int r = r0; r < r1; r++) {
            long row = (long) r * cols * Float.BYTES;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int c = 0;
            for (; c < bound; c += step) {
                FloatVector wv = FloatVector.fromMemorySegment(F, w, row + (long) c * Float.BYTES, LITTLE_ENDIAN);
                a0 = wv.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                a1 = wv.fma(FloatVector.fromArray(F, x, x1 + c), a1);
                a2 = wv.fma(FloatVector.fromArray(F, x, x2 + c), a2);
                a3 = wv.fma(FloatVector.fromArray(F, x, x3 + c), a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) {
                float wc = w.get(LE_FLOAT, row + (long) c * Float.BYTES);
                s0 += wc * x[x0 + c];
                s1 += wc * x[x1 + c];
                s2 += wc * x[x2 + c];
                s3 += wc * x[x3 + c];
            }
            int o = t * rows + r;
            out[o] = s0;
            out[o + rows] = s1;
            out[o + 2 * rows] = s2;
            out[o + 3 * rows] = s3;
        }
    }
}
