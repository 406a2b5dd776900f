package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.MatVecQ4_0.B128;
import static gpt2j.engine.kernels.MatVecQ4_0.BLOCK;
import static gpt2j.engine.kernels.MatVecQ4_0.BLOCK_BYTES;
import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Batched Q4_0: x (n, cols) -> out (n, rows). Each block's nibbles are unpacked, widened and scaled once and then
 * dotted with {@link MatMul#TOKENS} input vectors; rows go in blocks of {@link MatMul#ROW_BLOCK} to stay in L1.
 */
final class MatMulQ4_0 {

    private MatMulQ4_0() {
    }

    static void apply(MemorySegment w, int rows, int cols, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        for (int rb = rowStart; rb < rowEnd; rb += MatMul.ROW_BLOCK) {
            int re = Math.min(rowEnd, rb + MatMul.ROW_BLOCK);
            int t = 0;
            for (; t + MatMul.TOKENS <= n; t += MatMul.TOKENS) tokens4(w, rows, cols, x, t, out, rb, re);
            for (; t < n; t++) MatVecQ4_0.apply(w, cols, x, t * cols, out, t * rows, rb, re);
        }
    }

    /** Rows [r0, r1) of tokens t..t+3. */
    private static void tokens4(MemorySegment w, int rows, int cols, float[] x, int t, float[] out, int r0, int r1) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        for (int r = r0; r < r1; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int b = 0, xb = 0; b < blocks; b++, block += BLOCK_BYTES, xb += BLOCK) {
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 2, LITTLE_ENDIAN);
                ByteVector lo = qs.and((byte) 0xF).sub((byte) 8);
                ByteVector hi = qs.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
                for (int p = 0; p < parts; p++) {
                    int c = xb + p * step;
                    FloatVector wl = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d);
                    a0 = wl.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                    a1 = wl.fma(FloatVector.fromArray(F, x, x1 + c), a1);
                    a2 = wl.fma(FloatVector.fromArray(F, x, x2 + c), a2);
                    a3 = wl.fma(FloatVector.fromArray(F, x, x3 + c), a3);
                    c += BLOCK / 2;
                    FloatVector wh = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d);
                    a0 = wh.fma(FloatVector.fromArray(F, x, x0 + c), a0);
                    a1 = wh.fma(FloatVector.fromArray(F, x, x1 + c), a1);
                    a2 = wh.fma(FloatVector.fromArray(F, x, x2 + c), a2);
                    a3 = wh.fma(FloatVector.fromArray(F, x, x3 + c), a3);
                }
            }
            int o = t * rows + r;
            out[o] = a0.reduceLanes(VectorOperators.ADD);
            out[o + rows] = a1.reduceLanes(VectorOperators.ADD);
            out[o + 2 * rows] = a2.reduceLanes(VectorOperators.ADD);
            out[o + 3 * rows] = a3.reduceLanes(VectorOperators.ADD);
        }
    }
}
