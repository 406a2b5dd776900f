package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Batched F32 input-major (Hugging Face's Conv1D layout, w is (cols, rows), read in place): xT (see
 * {@link MatMul#transpose}) -> out (n, rows). Rows lie along the vector lanes here. A strip of {@link #STRIP} rows
 * is first copied out of w into a contiguous panel (in w, consecutive columns of a strip are a line apart, so walking
 * them directly crossed a page per step); then tiles of the strip's row vectors times six tokens broadcast six
 * adjacent inputs of xT into 24 FMAs per step (at 512 bits) and store whole vectors of out. One thread, 64 tokens,
 * 768 x 2304 and 3072 x 768: 71-96 GFLOP/s walking w, 135-150 from the panel.
 */
final class MatMulF32InputMajor {

    /** Rows per strip: four vectors where there are 32 vector registers, two where there are 16. */
    static final int STRIP = MatMulF32.VECTORS * F.length();

    private static final int TOKENS = 6;

    private MatMulF32InputMajor() {}

    /** panel: scratch for at least STRIP * cols floats. */
    static void apply(
            MemorySegment w,
            int rows,
            int cols,
            float[] xT,
            int n,
            float[] out,
            int rowStart,
            int rowEnd,
            float[] panel) {
        int stride = MatMul.padded(n);
        int r = rowStart;
        for (; r + STRIP <= rowEnd; r += STRIP) {
            copyStrip(w, rows, cols, r, panel);
            int t = 0;
            for (; t + TOKENS <= n; t += TOKENS) {
                if (MatMulF32.VECTORS == 4) tile4x6(panel, cols, xT, stride, t, out, rows, r);
                else tile2x6(panel, cols, xT, stride, t, out, rows, r);
            }
            for (; t < n; t++) token(panel, cols, xT, stride, t, out, rows, r);
        }
        if (r < rowEnd) {
            for (int t = 0; t < n; t++) column(w, rows, cols, xT, stride, t, out, r, rowEnd);
        }
    }

    /** panel[c * STRIP + i] = w[c][r + i]. */
    private static void copyStrip(MemorySegment w, int rows, int cols, int r, float[] panel) {
        int step = F.length();
        long lineBytes = (long) rows * Float.BYTES;
        long o = (long) r * Float.BYTES;
        for (int c = 0, p = 0; c < cols; c++, o += lineBytes, p += STRIP) {
            for (int i = 0; i < STRIP; i += step) {
                FloatVector.fromMemorySegment(F, w, o + (long) i * Float.BYTES, LITTLE_ENDIAN)
                        .intoArray(panel, p + i);
            }
        }
    }

    /** The strip's four row vectors times tokens t..t+5. */
    private static void tile4x6(float[] p, int cols, float[] xT, int stride, int t, float[] out, int rows, int r) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0, d5 = a0;
        for (int c = 0, xo = t, q = 0; c < cols; c++, xo += stride, q += STRIP) {
            FloatVector wa = FloatVector.fromArray(F, p, q), wb = FloatVector.fromArray(F, p, q + step);
            FloatVector wc = FloatVector.fromArray(F, p, q + 2 * step), wd = FloatVector.fromArray(F, p, q + 3 * step);
            FloatVector v = FloatVector.broadcast(F, xT[xo]);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            c0 = wc.fma(v, c0);
            d0 = wd.fma(v, d0);
            v = FloatVector.broadcast(F, xT[xo + 1]);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            c1 = wc.fma(v, c1);
            d1 = wd.fma(v, d1);
            v = FloatVector.broadcast(F, xT[xo + 2]);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            c2 = wc.fma(v, c2);
            d2 = wd.fma(v, d2);
            v = FloatVector.broadcast(F, xT[xo + 3]);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            c3 = wc.fma(v, c3);
            d3 = wd.fma(v, d3);
            v = FloatVector.broadcast(F, xT[xo + 4]);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            c4 = wc.fma(v, c4);
            d4 = wd.fma(v, d4);
            v = FloatVector.broadcast(F, xT[xo + 5]);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
            c5 = wc.fma(v, c5);
            d5 = wd.fma(v, d5);
        }
        int o = t * rows + r;
        a0.intoArray(out, o);
        b0.intoArray(out, o + step);
        c0.intoArray(out, o + 2 * step);
        d0.intoArray(out, o + 3 * step);
        o += rows;
        a1.intoArray(out, o);
        b1.intoArray(out, o + step);
        c1.intoArray(out, o + 2 * step);
        d1.intoArray(out, o + 3 * step);
        o += rows;
        a2.intoArray(out, o);
        b2.intoArray(out, o + step);
        c2.intoArray(out, o + 2 * step);
        d2.intoArray(out, o + 3 * step);
        o += rows;
        a3.intoArray(out, o);
        b3.intoArray(out, o + step);
        c3.intoArray(out, o + 2 * step);
        d3.intoArray(out, o + 3 * step);
        o += rows;
        a4.intoArray(out, o);
        b4.intoArray(out, o + step);
        c4.intoArray(out, o + 2 * step);
        d4.intoArray(out, o + 3 * step);
        o += rows;
        a5.intoArray(out, o);
        b5.intoArray(out, o + step);
        c5.intoArray(out, o + 2 * step);
        d5.intoArray(out, o + 3 * step);
    }

    /** The strip's two row vectors times tokens t..t+5: the 256-bit tile, 12 accumulators for 16 registers. */
    private static void tile2x6(float[] p, int cols, float[] xT, int stride, int t, float[] out, int rows, int r) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        for (int c = 0, xo = t, q = 0; c < cols; c++, xo += stride, q += STRIP) {
            FloatVector wa = FloatVector.fromArray(F, p, q), wb = FloatVector.fromArray(F, p, q + step);
            FloatVector v = FloatVector.broadcast(F, xT[xo]);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            v = FloatVector.broadcast(F, xT[xo + 1]);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            v = FloatVector.broadcast(F, xT[xo + 2]);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            v = FloatVector.broadcast(F, xT[xo + 3]);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            v = FloatVector.broadcast(F, xT[xo + 4]);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            v = FloatVector.broadcast(F, xT[xo + 5]);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
        }
        int o = t * rows + r;
        a0.intoArray(out, o);
        b0.intoArray(out, o + step);
        a1.intoArray(out, o + rows);
        b1.intoArray(out, o + rows + step);
        a2.intoArray(out, o + 2 * rows);
        b2.intoArray(out, o + 2 * rows + step);
        a3.intoArray(out, o + 3 * rows);
        b3.intoArray(out, o + 3 * rows + step);
        a4.intoArray(out, o + 4 * rows);
        b4.intoArray(out, o + 4 * rows + step);
        a5.intoArray(out, o + 5 * rows);
        b5.intoArray(out, o + 5 * rows + step);
    }

    /** The strip's rows for token t alone (the tokens after the last group of six), one row vector at a time. */
    private static void token(float[] p, int cols, float[] xT, int stride, int t, float[] out, int rows, int r) {
        int step = F.length();
        for (int i = 0; i < STRIP; i += step) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0, xo = t, q = i; c < cols; c++, xo += stride, q += STRIP) {
                acc = FloatVector.fromArray(F, p, q).fma(FloatVector.broadcast(F, xT[xo]), acc);
            }
            acc.intoArray(out, t * rows + r + i);
        }
    }

    /** Rows [r0, r1) of token t straight from w: the rows after the last whole strip. */
    private static void column(
            MemorySegment w, int rows, int cols, float[] xT, int stride, int t, float[] out, int r0, int r1) {
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
            for (int c = 0; c < cols; c++)
                s += w.get(Simd.LE_FLOAT, ((long) c * rows + r) * Float.BYTES) * xT[c * stride + t];
            out[o + r] = s;
        }
    }
}
