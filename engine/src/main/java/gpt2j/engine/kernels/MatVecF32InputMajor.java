package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * F32 input-major mat-vec (Hugging Face Conv1D layout): w is (cols, rows) row-major, so out[r] = sum_c x[c] * w[c][r].
 * A strip of output rows lives in registers while c walks down the matrix, so each weight is read once and out is
 * written once. Strips are 16 vectors wide where the registers allow: each step down w crosses a line (on a mapped
 * file, a 4 KB page), so wider strips cross fewer (measurements: docs/KERNELS.md).
 */
final class MatVecF32InputMajor {

    private MatVecF32InputMajor() {}

    static void apply(
            MemorySegment w,
            int rows,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        int r = rowStart;
        // Only where 16 accumulators leave registers spare (32 at AVX-512).
        for (; MatMulF32.VECTORS == 4 && r + 16 * step <= rowEnd; r += 16 * step) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
            long o = (long) r * Float.BYTES, vb = (long) step * Float.BYTES;
            for (int c = 0; c < cols; c++, o += lineBytes) {
                FloatVector xc = FloatVector.broadcast(F, x[xOff + c]);
                a0 = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(xc, a0);
                a1 = FloatVector.fromMemorySegment(F, w, o + vb, LITTLE_ENDIAN).fma(xc, a1);
                a2 = FloatVector.fromMemorySegment(F, w, o + 2 * vb, LITTLE_ENDIAN)
                        .fma(xc, a2);
                a3 = FloatVector.fromMemorySegment(F, w, o + 3 * vb, LITTLE_ENDIAN)
                        .fma(xc, a3);
                a4 = FloatVector.fromMemorySegment(F, w, o + 4 * vb, LITTLE_ENDIAN)
                        .fma(xc, a4);
                a5 = FloatVector.fromMemorySegment(F, w, o + 5 * vb, LITTLE_ENDIAN)
                        .fma(xc, a5);
                a6 = FloatVector.fromMemorySegment(F, w, o + 6 * vb, LITTLE_ENDIAN)
                        .fma(xc, a6);
                a7 = FloatVector.fromMemorySegment(F, w, o + 7 * vb, LITTLE_ENDIAN)
                        .fma(xc, a7);
                a8 = FloatVector.fromMemorySegment(F, w, o + 8 * vb, LITTLE_ENDIAN)
                        .fma(xc, a8);
                a9 = FloatVector.fromMemorySegment(F, w, o + 9 * vb, LITTLE_ENDIAN)
                        .fma(xc, a9);
                a10 = FloatVector.fromMemorySegment(F, w, o + 10 * vb, LITTLE_ENDIAN)
                        .fma(xc, a10);
                a11 = FloatVector.fromMemorySegment(F, w, o + 11 * vb, LITTLE_ENDIAN)
                        .fma(xc, a11);
                a12 = FloatVector.fromMemorySegment(F, w, o + 12 * vb, LITTLE_ENDIAN)
                        .fma(xc, a12);
                a13 = FloatVector.fromMemorySegment(F, w, o + 13 * vb, LITTLE_ENDIAN)
                        .fma(xc, a13);
                a14 = FloatVector.fromMemorySegment(F, w, o + 14 * vb, LITTLE_ENDIAN)
                        .fma(xc, a14);
                a15 = FloatVector.fromMemorySegment(F, w, o + 15 * vb, LITTLE_ENDIAN)
                        .fma(xc, a15);
            }
            int q = outOff + r;
            a0.intoArray(out, q);
            a1.intoArray(out, q + step);
            a2.intoArray(out, q + 2 * step);
            a3.intoArray(out, q + 3 * step);
            a4.intoArray(out, q + 4 * step);
            a5.intoArray(out, q + 5 * step);
            a6.intoArray(out, q + 6 * step);
            a7.intoArray(out, q + 7 * step);
            a8.intoArray(out, q + 8 * step);
            a9.intoArray(out, q + 9 * step);
            a10.intoArray(out, q + 10 * step);
            a11.intoArray(out, q + 11 * step);
            a12.intoArray(out, q + 12 * step);
            a13.intoArray(out, q + 13 * step);
            a14.intoArray(out, q + 14 * step);
            a15.intoArray(out, q + 15 * step);
        }
        for (; r + 4 * step <= rowEnd; r += 4 * step) {
            FloatVector a0 = FloatVector.zero(F),
                    a1 = FloatVector.zero(F),
                    a2 = FloatVector.zero(F),
                    a3 = FloatVector.zero(F);
            long o = (long) r * Float.BYTES;
            for (int c = 0; c < cols; c++, o += lineBytes) {
                FloatVector xc = FloatVector.broadcast(F, x[xOff + c]);
                a0 = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(xc, a0);
                a1 = FloatVector.fromMemorySegment(F, w, o + 4L * step, LITTLE_ENDIAN)
                        .fma(xc, a1);
                a2 = FloatVector.fromMemorySegment(F, w, o + 8L * step, LITTLE_ENDIAN)
                        .fma(xc, a2);
                a3 = FloatVector.fromMemorySegment(F, w, o + 12L * step, LITTLE_ENDIAN)
                        .fma(xc, a3);
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

    /**
     * The scalar twin of {@link #apply}, also its tail: each row one FMA chain over the columns from zero, as the
     * vector strips compute it, so that a row's bits do not depend on where a thread's range ends.
     */
    static void scalar(
            MemorySegment w,
            int rows,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) out[outOff + r] = 0f;
        for (int c = 0; c < cols; c++) {
            float xc = x[xOff + c];
            long line = (long) c * rows * Float.BYTES;
            for (int r = rowStart; r < rowEnd; r++)
                out[outOff + r] = Math.fma(xc, w.get(LE_FLOAT, line + (long) r * Float.BYTES), out[outOff + r]);
        }
    }
}
