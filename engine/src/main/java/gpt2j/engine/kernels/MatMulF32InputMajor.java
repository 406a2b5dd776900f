package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Batched F32 input-major (Hugging Face's Conv1D layout, w is (cols, rows), read in place): xT (see
 * {@link MatMul#transpose}) -> out (n, rows). Rows lie along the vector lanes here. A slab of columns of every strip of
 * {@link #STRIP} rows is first copied out of w into a contiguous panel, each column's rows read as one run; then tiles
 * of a strip's row vectors times six tokens broadcast six adjacent inputs of xT into 24 FMAs per step (at 512 bits).
 * One thread, 64 tokens, weights from memory, against strips copied 256 bytes a column and no slabs (docs/KERNELS.md):
 * 2304 x 768 54-55 -> 70-71 GFLOP/s, 768 x 3072 40-48 -> 67.
 */
final class MatMulF32InputMajor {

    /** Rows per strip: four vectors where there are 32 vector registers, two where there are 16. */
    static final int STRIP = MatMulF32.VECTORS * F.length();

    private static final int TOKENS = 6;

    private MatMulF32InputMajor() {}

    /** Floats of panel a slab may fill: 1 MB, so that a slab's copy is still in L2 or L3 when its tiles read it. */
    private static final int PANEL = 1 << 18;

    /** Columns per slab at least, however many rows a thread takes. */
    private static final int MIN_SLAB = 16;

    /** Floats of scratch panel {@link #apply} needs for a row range of that many rows. */
    static int panelFloats(int rangeRows) {
        return Math.max(PANEL, rangeRows * MIN_SLAB) + MatMul.SHIFT_ROOM;
    }

    /** panel: scratch for at least {@link #panelFloats}(rowEnd - rowStart) floats. */
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
        int strips = (rowEnd - rowStart) / STRIP;
        if (strips > 0) {
            // A slab of columns at a time, every strip's part of it copied first, then the tiles over it with their
            // partial sums parked in out. The copy reads each column's rows of the range as one run: a strip's own
            // 256 bytes per column, a page apart, came from memory at the latency of a page walk each (a third of
            // the pass's kernel time on a Hugging Face file).
            int slab = Math.clamp(PANEL / (strips * STRIP), MIN_SLAB, MatMulF32.SLAB);
            // The slab from the panel's first cache line on: each tile loads its four row vectors from it.
            int shift = CacheLines.shift(panel);
            for (int k0 = 0; k0 < cols; k0 += slab) {
                int k1 = Math.min(cols, k0 + slab), width = (k1 - k0) * STRIP;
                copySlab(w, rows, k0, k1, rowStart, strips, panel, shift);
                for (int s = 0, p0 = shift, r = rowStart; s < strips; s++, p0 += width, r += STRIP) {
                    for (int t = 0; t < n; t += TOKENS) {
                        if (MatMulF32.VECTORS == 4) tile4x6(panel, p0, k0, k1, xT, stride, t, n, out, rows, r);
                        else tile2x6(panel, p0, k0, k1, xT, stride, t, n, out, rows, r);
                    }
                }
            }
        }
        int r = rowStart + strips * STRIP;
        if (r < rowEnd) {
            for (int t = 0; t < n; t++) column(w, rows, cols, xT, stride, t, out, r, rowEnd);
        }
    }

    /**
     * panel[shift + s * (k1 - k0) * STRIP + (c - k0) * STRIP + i] = w[c][r0 + s * STRIP + i] for columns [k0, k1) and
     * strips s < strips: each strip's slab contiguous, in the order its tiles read it.
     */
    private static void copySlab(
            MemorySegment w, int rows, int k0, int k1, int r0, int strips, float[] panel, int shift) {
        int step = F.length(), width = (k1 - k0) * STRIP;
        long lineBytes = (long) rows * Float.BYTES;
        long o = ((long) k0 * rows + r0) * Float.BYTES;
        for (int c = k0, p = shift; c < k1; c++, o += lineBytes, p += STRIP) {
            long at = o;
            for (int s = 0, q = p; s < strips; s++, q += width) {
                for (int i = 0; i < STRIP; i += step, at += (long) step * Float.BYTES) {
                    FloatVector.fromMemorySegment(F, w, at, LITTLE_ENDIAN).intoArray(panel, q + i);
                }
            }
        }
    }

    /*
     * A tile takes tokens t..t+5; past the last token (n) its lanes repeat token n - 1, whose chain they then compute
     * and store again with the same bits, so the last few tokens need no slower tile of their own. Each output's chain
     * runs over the columns in order, continued from out after the first slab, as one FMA chain over all of them would.
     */

    /** The strip's four row vectors times tokens t..t+5, columns [k0, k1) of the slab at p[p0 ..]. */
    private static void tile4x6(
            float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, int n, float[] out, int rows, int r) {
        int step = F.length();
        int last = n - 1 - t;
        int t1 = Math.min(1, last), t2 = Math.min(2, last), t3 = Math.min(3, last);
        int t4 = Math.min(4, last), t5 = Math.min(5, last);
        int o0 = t * rows + r, o1 = o0 + t1 * rows, o2 = o0 + t2 * rows;
        int o3 = o0 + t3 * rows, o4 = o0 + t4 * rows, o5 = o0 + t5 * rows;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0;
        FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0, d4 = a0, d5 = a0;
        if (k0 > 0) {
            a0 = FloatVector.fromArray(F, out, o0);
            b0 = FloatVector.fromArray(F, out, o0 + step);
            c0 = FloatVector.fromArray(F, out, o0 + 2 * step);
            d0 = FloatVector.fromArray(F, out, o0 + 3 * step);
            a1 = FloatVector.fromArray(F, out, o1);
            b1 = FloatVector.fromArray(F, out, o1 + step);
            c1 = FloatVector.fromArray(F, out, o1 + 2 * step);
            d1 = FloatVector.fromArray(F, out, o1 + 3 * step);
            a2 = FloatVector.fromArray(F, out, o2);
            b2 = FloatVector.fromArray(F, out, o2 + step);
            c2 = FloatVector.fromArray(F, out, o2 + 2 * step);
            d2 = FloatVector.fromArray(F, out, o2 + 3 * step);
            a3 = FloatVector.fromArray(F, out, o3);
            b3 = FloatVector.fromArray(F, out, o3 + step);
            c3 = FloatVector.fromArray(F, out, o3 + 2 * step);
            d3 = FloatVector.fromArray(F, out, o3 + 3 * step);
            a4 = FloatVector.fromArray(F, out, o4);
            b4 = FloatVector.fromArray(F, out, o4 + step);
            c4 = FloatVector.fromArray(F, out, o4 + 2 * step);
            d4 = FloatVector.fromArray(F, out, o4 + 3 * step);
            a5 = FloatVector.fromArray(F, out, o5);
            b5 = FloatVector.fromArray(F, out, o5 + step);
            c5 = FloatVector.fromArray(F, out, o5 + 2 * step);
            d5 = FloatVector.fromArray(F, out, o5 + 3 * step);
        }
        for (int c = k0, xo = k0 * stride + t, q = p0; c < k1; c++, xo += stride, q += STRIP) {
            FloatVector wa = FloatVector.fromArray(F, p, q), wb = FloatVector.fromArray(F, p, q + step);
            FloatVector wc = FloatVector.fromArray(F, p, q + 2 * step), wd = FloatVector.fromArray(F, p, q + 3 * step);
            FloatVector v = FloatVector.broadcast(F, xT[xo]);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            c0 = wc.fma(v, c0);
            d0 = wd.fma(v, d0);
            v = FloatVector.broadcast(F, xT[xo + t1]);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            c1 = wc.fma(v, c1);
            d1 = wd.fma(v, d1);
            v = FloatVector.broadcast(F, xT[xo + t2]);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            c2 = wc.fma(v, c2);
            d2 = wd.fma(v, d2);
            v = FloatVector.broadcast(F, xT[xo + t3]);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            c3 = wc.fma(v, c3);
            d3 = wd.fma(v, d3);
            v = FloatVector.broadcast(F, xT[xo + t4]);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            c4 = wc.fma(v, c4);
            d4 = wd.fma(v, d4);
            v = FloatVector.broadcast(F, xT[xo + t5]);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
            c5 = wc.fma(v, c5);
            d5 = wd.fma(v, d5);
        }
        a0.intoArray(out, o0);
        b0.intoArray(out, o0 + step);
        c0.intoArray(out, o0 + 2 * step);
        d0.intoArray(out, o0 + 3 * step);
        a1.intoArray(out, o1);
        b1.intoArray(out, o1 + step);
        c1.intoArray(out, o1 + 2 * step);
        d1.intoArray(out, o1 + 3 * step);
        a2.intoArray(out, o2);
        b2.intoArray(out, o2 + step);
        c2.intoArray(out, o2 + 2 * step);
        d2.intoArray(out, o2 + 3 * step);
        a3.intoArray(out, o3);
        b3.intoArray(out, o3 + step);
        c3.intoArray(out, o3 + 2 * step);
        d3.intoArray(out, o3 + 3 * step);
        a4.intoArray(out, o4);
        b4.intoArray(out, o4 + step);
        c4.intoArray(out, o4 + 2 * step);
        d4.intoArray(out, o4 + 3 * step);
        a5.intoArray(out, o5);
        b5.intoArray(out, o5 + step);
        c5.intoArray(out, o5 + 2 * step);
        d5.intoArray(out, o5 + 3 * step);
    }

    /** The strip's two row vectors times tokens t..t+5: the 256-bit tile, 12 accumulators for 16 registers. */
    private static void tile2x6(
            float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, int n, float[] out, int rows, int r) {
        int step = F.length();
        int last = n - 1 - t;
        int t1 = Math.min(1, last), t2 = Math.min(2, last), t3 = Math.min(3, last);
        int t4 = Math.min(4, last), t5 = Math.min(5, last);
        int o0 = t * rows + r, o1 = o0 + t1 * rows, o2 = o0 + t2 * rows;
        int o3 = o0 + t3 * rows, o4 = o0 + t4 * rows, o5 = o0 + t5 * rows;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        if (k0 > 0) {
            a0 = FloatVector.fromArray(F, out, o0);
            b0 = FloatVector.fromArray(F, out, o0 + step);
            a1 = FloatVector.fromArray(F, out, o1);
            b1 = FloatVector.fromArray(F, out, o1 + step);
            a2 = FloatVector.fromArray(F, out, o2);
            b2 = FloatVector.fromArray(F, out, o2 + step);
            a3 = FloatVector.fromArray(F, out, o3);
            b3 = FloatVector.fromArray(F, out, o3 + step);
            a4 = FloatVector.fromArray(F, out, o4);
            b4 = FloatVector.fromArray(F, out, o4 + step);
            a5 = FloatVector.fromArray(F, out, o5);
            b5 = FloatVector.fromArray(F, out, o5 + step);
        }
        for (int c = k0, xo = k0 * stride + t, q = p0; c < k1; c++, xo += stride, q += STRIP) {
            FloatVector wa = FloatVector.fromArray(F, p, q), wb = FloatVector.fromArray(F, p, q + step);
            FloatVector v = FloatVector.broadcast(F, xT[xo]);
            a0 = wa.fma(v, a0);
            b0 = wb.fma(v, b0);
            v = FloatVector.broadcast(F, xT[xo + t1]);
            a1 = wa.fma(v, a1);
            b1 = wb.fma(v, b1);
            v = FloatVector.broadcast(F, xT[xo + t2]);
            a2 = wa.fma(v, a2);
            b2 = wb.fma(v, b2);
            v = FloatVector.broadcast(F, xT[xo + t3]);
            a3 = wa.fma(v, a3);
            b3 = wb.fma(v, b3);
            v = FloatVector.broadcast(F, xT[xo + t4]);
            a4 = wa.fma(v, a4);
            b4 = wb.fma(v, b4);
            v = FloatVector.broadcast(F, xT[xo + t5]);
            a5 = wa.fma(v, a5);
            b5 = wb.fma(v, b5);
        }
        a0.intoArray(out, o0);
        b0.intoArray(out, o0 + step);
        a1.intoArray(out, o1);
        b1.intoArray(out, o1 + step);
        a2.intoArray(out, o2);
        b2.intoArray(out, o2 + step);
        a3.intoArray(out, o3);
        b3.intoArray(out, o3 + step);
        a4.intoArray(out, o4);
        b4.intoArray(out, o4 + step);
        a5.intoArray(out, o5);
        b5.intoArray(out, o5 + step);
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
