package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Batched F32 output-major: x (n, cols) -> out (n, rows). Two rows times {@link MatMul#TOKENS} input vectors at a
 * time; rows go in blocks of {@link MatMul#ROW_BLOCK} so a block stays in cache while every token group passes over
 * it. The quantized and F16 batched kernels dequantize a row block into a panel and run {@link #groups} on it.
 */
final class MatMulF32 {

    private MatMulF32() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int n4 = n - n % MatMul.TOKENS;
        for (int rb = rowStart; rb < rowEnd; rb += MatMul.ROW_BLOCK) {
            int re = Math.min(rowEnd, rb + MatMul.ROW_BLOCK);
            groups(w, 0, rows, cols, x, n4, out, rb, re);
            for (int t = n4; t < n; t++) MatVecF32.apply(w, cols, x, t * cols, out, t * rows, rb, re);
        }
    }

    /**
     * Rows [r0, r1) of tokens [0, n4), n4 a multiple of {@link MatMul#TOKENS}. Weight row r is at byte
     * {@code (r - wRow0) * cols * 4} of w, so a dequantized panel of rows can stand in for the whole matrix.
     */
    static void groups(MemorySegment w, int wRow0, int rows, int cols, float[] x, int n4, float[] out, int r0, int r1) {
        for (int t = 0; t < n4; t += MatMul.TOKENS) {
            int r = r0;
            for (; r + 2 <= r1; r += 2) rows2(w, wRow0, rows, cols, x, t, out, r);
            if (r < r1) row(w, wRow0, rows, cols, x, t, out, r);
        }
    }

    /**
     * Rows r, r+1 of tokens t..t+3: eight accumulators, so each iteration's two weight and four input loads feed
     * eight FMAs (one row at a time, five loads fed four). Four rows (sixteen accumulators) made C2 spill them.
     */
    private static void rows2(MemorySegment w, int wRow0, int rows, int cols, float[] x, int t, float[] out, int r) {
        int step = F.length();
        int bound = F.loopBound(cols);
        long rowBytes = (long) cols * Float.BYTES;
        long w0 = (long) (r - wRow0) * rowBytes;
        int x0 = t * cols;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        int c = 0;
        for (; c < bound; c += step) {
            long o = w0 + (long) c * Float.BYTES;
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(F, x, x0 + cols + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x0 + 2 * cols + c);
            FloatVector v3 = FloatVector.fromArray(F, x, x0 + 3 * cols + c);
            FloatVector wa = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN);
            FloatVector wb = FloatVector.fromMemorySegment(F, w, o + rowBytes, LITTLE_ENDIAN);
            a00 = wa.fma(v0, a00);
            a01 = wa.fma(v1, a01);
            a02 = wa.fma(v2, a02);
            a03 = wa.fma(v3, a03);
            a10 = wb.fma(v0, a10);
            a11 = wb.fma(v1, a11);
            a12 = wb.fma(v2, a12);
            a13 = wb.fma(v3, a13);
        }
        int o = t * rows + r;
        store(w, w0, cols, c, x, x0, a00, a01, a02, a03, out, o, rows);
        store(w, w0 + rowBytes, cols, c, x, x0, a10, a11, a12, a13, out, o + 1, rows);
    }

    /** One weight row's four token sums: the vector parts reduced, plus the scalar tail from column c on. */
    private static void store(MemorySegment w, long row, int cols, int c, float[] x, int x0, FloatVector a0,
                              FloatVector a1, FloatVector a2, FloatVector a3, float[] out, int o, int rows) {
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            float wc = w.get(LE_FLOAT, row + (long) c * Float.BYTES);
            s0 += wc * x[x0 + c];
            s1 += wc * x[x0 + cols + c];
            s2 += wc * x[x0 + 2 * cols + c];
            s3 += wc * x[x0 + 3 * cols + c];
        }
        out[o] = s0;
        out[o + rows] = s1;
        out[o + 2 * rows] = s2;
        out[o + 3 * rows] = s3;
    }

    /** Row r of tokens t..t+3. */
    private static void row(MemorySegment w, int wRow0, int rows, int cols, float[] x, int t, float[] out, int r) {
        int step = F.length();
        int bound = F.loopBound(cols);
        int x0 = t * cols;
        long row = (long) (r - wRow0) * cols * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int c = 0;
        for (; c < bound; c += step) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, row + (long) c * Float.BYTES, LITTLE_ENDIAN);
            a0 = wv.fma(FloatVector.fromArray(F, x, x0 + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, x0 + cols + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, x0 + 2 * cols + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, x0 + 3 * cols + c), a3);
        }
        store(w, row, cols, c, x, x0, a0, a1, a2, a3, out, t * rows + r, rows);
    }
}
