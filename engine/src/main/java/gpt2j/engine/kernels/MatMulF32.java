package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static gpt2j.engine.kernels.Simd.MEMORY;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The batched kernel every weight type ends in: a panel of float weight rows ({@link #PITCH} apart, see
 * {@link MatMul#panel}) times the transposed inputs xT ({@code cols} lines of {@link MatMul#padded} token slots, see
 * {@link MatMul#transpose}).
 * Tokens lie along the vector lanes: a tile is six rows times up to four token vectors, 24 accumulators, and each
 * column step loads four input vectors and broadcasts six weights into 24 FMAs. No horizontal sums, no column tail.
 * Measured against the tiles it replaced, one thread on an L2-resident panel, 64 tokens: 8 rows x 2 vectors ran
 * 124-178 GFLOP/s, 4 x 4 156-215 and 6 x 4 165-223 (of a 237 GFLOP/s FMA peak); unrolling the column loop twice
 * made 8 x 2 slower (101). At 256 bits, with 16 vector registers, tiles stop at two vectors so 6 x 2 = 12
 * accumulators still fit; they take the same column slabs and partial sums, where each ran over all the columns on
 * its own before (an AVX2-only prompt pass 1.15-1.21x faster, docs/KERNELS.md).
 */
final class MatMulF32 {

    /** Rows per tile. */
    static final int ROWS = 6;
    /** Token vectors per tile: four where the register file has 32 vectors (AVX-512), two where it has 16. */
    static final int VECTORS = F.length() >= 16 ? 4 : 2;

    private MatMulF32() {}

    /** Columns per pass over xT: a 768-column slab of 64 transposed tokens (196 KB) stays in L2 for all the tiles. */
    static final int SLAB = 768;

    /**
     * Floats from one panel row to the next ({@link MatMul#panel}), the same for every matrix: with the rows a constant
     * apart, C2 gives each of a tile's six broadcasts its row as an addressing displacement, where with the row width
     * in a register it ran out of registers and reloaded the panel's base from the stack before every broadcast (the
     * tile 1.28x on the Intel, docs/KERNELS.md). Nine slabs: every GPT-2 size's rows fit; wider ones come in pieces.
     */
    static final int PITCH = 9 * SLAB;

    /** Floats of tmp that {@link #apply} needs for n tokens: every tile of a panel keeps its partial sums. */
    static int lanes(int n) {
        int groups = Math.max(1, MatMul.padded(n) / (VECTORS * F.length()));
        return MatMul.ROW_BLOCK / ROWS * groups * ROWS * VECTORS * F.length();
    }

    /**
     * Whether {@link #apply} covers n tokens of a panel of that many rows with whole six-row, four-vector tiles alone,
     * so that it can read F32 weights where they lie instead of from the panel.
     */
    static boolean wholeTiles(int n, int panelRows) {
        return VECTORS == 4 && MatMul.padded(n) % (VECTORS * F.length()) == 0 && panelRows % ROWS == 0;
    }

    /**
     * out[t * rows + r] for panel rows r - r0, r in [r0, r1) (at most {@link MatMul#ROW_BLOCK}), tokens t < n, xT's
     * tokens from xT[shift] on; tmp holds {@link #lanes}(n) floats. The rows are the panel's, or where
     * {@link #wholeTiles} allows, F32 rows at the checked native address {@code mapped} (0: none).
     */
    static void apply(
            float[] panel,
            long mapped,
            int cols,
            float[] xT,
            int shift,
            int n,
            float[] out,
            int rows,
            int r0,
            int r1,
            float[] tmp) {
        int step = F.length();
        int stride = MatMul.padded(n);
        int r = r0;
        int tile = ROWS * VECTORS * step, width = VECTORS * step;
        int full = stride / width * width; // token slots the whole tiles cover
        int tiles = (r1 - r0) / ROWS;
        if (full > 0 && tiles > 0) {
            // Whole tiles, the panel's columns a slab at a time: with all of xT per tile, mlp down's 3072 columns of
            // 64 tokens (786 KB) and its panel spilled out of L2 for every tile.
            Arrays.fill(tmp, 0, tiles * (full / width) * tile, 0f);
            for (int k0 = 0; k0 < cols; k0 += SLAB) {
                int k1 = Math.min(cols, k0 + SLAB);
                for (int i = 0, o = 0; i < tiles; i++) {
                    for (int t = 0; t < full; t += width, o += tile) {
                        if (mapped != 0) {
                            long p0 = mapped + (long) i * ROWS * cols * Float.BYTES;
                            rows6x4Mapped(p0, cols, k0, k1, xT, stride, shift + t, tmp, o);
                        } else if (VECTORS == 4) {
                            rows6x4(panel, at(i * ROWS, k0), k0, k1, xT, stride, shift + t, tmp, o);
                        } else {
                            rows6x2(panel, at(i * ROWS, k0), k0, k1, xT, stride, shift + t, tmp, o);
                        }
                    }
                }
            }
            for (int i = 0, o = 0; i < tiles; i++) {
                for (int t = 0; t < full; t += width, o += tile)
                    store6(tmp, o, VECTORS, out, rows, r0 + i * ROWS, t, n);
            }
        }
        for (; r + ROWS <= r1; r += ROWS) {
            int t = full;
            for (; t + 2 * step <= stride; t += 2 * step) {
                Arrays.fill(tmp, 0, 2 * ROWS * step, 0f);
                for (int k0 = 0; k0 < cols; k0 += PITCH) {
                    rows6x2(panel, at(r - r0, k0), k0, Math.min(cols, k0 + PITCH), xT, stride, shift + t, tmp, 0);
                }
                store6(tmp, 0, 2, out, rows, r, t, n);
            }
            if (t < stride) {
                Arrays.fill(tmp, 0, ROWS * step, 0f);
                for (int k0 = 0; k0 < cols; k0 += PITCH) {
                    rows6x1(panel, at(r - r0, k0), k0, Math.min(cols, k0 + PITCH), xT, stride, shift + t, tmp);
                }
                store6(tmp, 0, 1, out, rows, r, t, n);
            }
        }
        for (; r < r1; r++) {
            for (int t = 0; t < stride; t += step) {
                Arrays.fill(tmp, 0, step, 0f);
                for (int k0 = 0; k0 < cols; k0 += PITCH) {
                    row(panel, at(r - r0, k0), k0, Math.min(cols, k0 + PITCH), xT, stride, shift + t, tmp);
                }
                for (int k = 0, end = Math.min(step, n - t); k < end; k++) out[(t + k) * rows + r] = tmp[k];
            }
        }
    }

    /**
     * Where panel row i's columns of the piece holding column k0 lie (see {@link MatMul#panel}): its column c, for c in
     * that piece, at panel[at + c]. Whole tiles take a slab of it at a time, for the inputs' sake; the tail tiles, a
     * piece (the whole row at GPT-2's widths).
     */
    private static int at(int i, int k0) {
        int piece = k0 / PITCH;
        return (piece * MatMul.ROW_BLOCK + i) * PITCH - piece * PITCH;
    }

    /**
     * Six rows, four token vectors from slot t, columns [k0, k1): adds to the partial sums at tmp[o..], where row i's
     * vector v is at o + (4 * i + v) * F.length().
     */
    private static void rows6x4(float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, float[] tmp, int o) {
        int step = F.length();
        FloatVector a0 = FloatVector.fromArray(F, tmp, o), a1 = FloatVector.fromArray(F, tmp, o + step);
        FloatVector a2 = FloatVector.fromArray(F, tmp, o + 2 * step), a3 = FloatVector.fromArray(F, tmp, o + 3 * step);
        FloatVector b0 = FloatVector.fromArray(F, tmp, o + 4 * step), b1 = FloatVector.fromArray(F, tmp, o + 5 * step);
        FloatVector b2 = FloatVector.fromArray(F, tmp, o + 6 * step), b3 = FloatVector.fromArray(F, tmp, o + 7 * step);
        FloatVector c0 = FloatVector.fromArray(F, tmp, o + 8 * step), c1 = FloatVector.fromArray(F, tmp, o + 9 * step);
        FloatVector c2 = FloatVector.fromArray(F, tmp, o + 10 * step),
                c3 = FloatVector.fromArray(F, tmp, o + 11 * step);
        FloatVector d0 = FloatVector.fromArray(F, tmp, o + 12 * step),
                d1 = FloatVector.fromArray(F, tmp, o + 13 * step);
        FloatVector d2 = FloatVector.fromArray(F, tmp, o + 14 * step),
                d3 = FloatVector.fromArray(F, tmp, o + 15 * step);
        FloatVector e0 = FloatVector.fromArray(F, tmp, o + 16 * step),
                e1 = FloatVector.fromArray(F, tmp, o + 17 * step);
        FloatVector e2 = FloatVector.fromArray(F, tmp, o + 18 * step),
                e3 = FloatVector.fromArray(F, tmp, o + 19 * step);
        FloatVector f0 = FloatVector.fromArray(F, tmp, o + 20 * step),
                f1 = FloatVector.fromArray(F, tmp, o + 21 * step);
        FloatVector f2 = FloatVector.fromArray(F, tmp, o + 22 * step),
                f3 = FloatVector.fromArray(F, tmp, o + 23 * step);
        int p1 = p0 + PITCH, p2 = p0 + 2 * PITCH, p3 = p0 + 3 * PITCH, p4 = p0 + 4 * PITCH, p5 = p0 + 5 * PITCH;
        for (int c = k0, xo = t + k0 * stride; c < k1; c++, xo += stride) {
            FloatVector u0 = FloatVector.fromArray(F, xT, xo);
            FloatVector u1 = FloatVector.fromArray(F, xT, xo + step);
            FloatVector u2 = FloatVector.fromArray(F, xT, xo + 2 * step);
            FloatVector u3 = FloatVector.fromArray(F, xT, xo + 3 * step);
            FloatVector w = FloatVector.broadcast(F, p[p0 + c]);
            a0 = u0.fma(w, a0);
            a1 = u1.fma(w, a1);
            a2 = u2.fma(w, a2);
            a3 = u3.fma(w, a3);
            w = FloatVector.broadcast(F, p[p1 + c]);
            b0 = u0.fma(w, b0);
            b1 = u1.fma(w, b1);
            b2 = u2.fma(w, b2);
            b3 = u3.fma(w, b3);
            w = FloatVector.broadcast(F, p[p2 + c]);
            c0 = u0.fma(w, c0);
            c1 = u1.fma(w, c1);
            c2 = u2.fma(w, c2);
            c3 = u3.fma(w, c3);
            w = FloatVector.broadcast(F, p[p3 + c]);
            d0 = u0.fma(w, d0);
            d1 = u1.fma(w, d1);
            d2 = u2.fma(w, d2);
            d3 = u3.fma(w, d3);
            w = FloatVector.broadcast(F, p[p4 + c]);
            e0 = u0.fma(w, e0);
            e1 = u1.fma(w, e1);
            e2 = u2.fma(w, e2);
            e3 = u3.fma(w, e3);
            w = FloatVector.broadcast(F, p[p5 + c]);
            f0 = u0.fma(w, f0);
            f1 = u1.fma(w, f1);
            f2 = u2.fma(w, f2);
            f3 = u3.fma(w, f3);
        }
        a0.intoArray(tmp, o);
        a1.intoArray(tmp, o + step);
        a2.intoArray(tmp, o + 2 * step);
        a3.intoArray(tmp, o + 3 * step);
        b0.intoArray(tmp, o + 4 * step);
        b1.intoArray(tmp, o + 5 * step);
        b2.intoArray(tmp, o + 6 * step);
        b3.intoArray(tmp, o + 7 * step);
        c0.intoArray(tmp, o + 8 * step);
        c1.intoArray(tmp, o + 9 * step);
        c2.intoArray(tmp, o + 10 * step);
        c3.intoArray(tmp, o + 11 * step);
        d0.intoArray(tmp, o + 12 * step);
        d1.intoArray(tmp, o + 13 * step);
        d2.intoArray(tmp, o + 14 * step);
        d3.intoArray(tmp, o + 15 * step);
        e0.intoArray(tmp, o + 16 * step);
        e1.intoArray(tmp, o + 17 * step);
        e2.intoArray(tmp, o + 18 * step);
        e3.intoArray(tmp, o + 19 * step);
        f0.intoArray(tmp, o + 20 * step);
        f1.intoArray(tmp, o + 21 * step);
        f2.intoArray(tmp, o + 22 * step);
        f3.intoArray(tmp, o + 23 * step);
    }

    /**
     * {@link #rows6x4} on F32 rows at native address p0, read through {@link Simd#MEMORY}: F32 weights multiplied where
     * they are mapped, not first copied into a panel (the 124M F32 GGUF's prompt 1.12x on one thread, docs/KERNELS.md).
     */
    private static void rows6x4Mapped(
            long p0, int cols, int k0, int k1, float[] xT, int stride, int t, float[] tmp, int o) {
        int step = F.length();
        FloatVector a0 = FloatVector.fromArray(F, tmp, o), a1 = FloatVector.fromArray(F, tmp, o + step);
        FloatVector a2 = FloatVector.fromArray(F, tmp, o + 2 * step), a3 = FloatVector.fromArray(F, tmp, o + 3 * step);
        FloatVector b0 = FloatVector.fromArray(F, tmp, o + 4 * step), b1 = FloatVector.fromArray(F, tmp, o + 5 * step);
        FloatVector b2 = FloatVector.fromArray(F, tmp, o + 6 * step), b3 = FloatVector.fromArray(F, tmp, o + 7 * step);
        FloatVector c0 = FloatVector.fromArray(F, tmp, o + 8 * step), c1 = FloatVector.fromArray(F, tmp, o + 9 * step);
        FloatVector c2 = FloatVector.fromArray(F, tmp, o + 10 * step),
                c3 = FloatVector.fromArray(F, tmp, o + 11 * step);
        FloatVector d0 = FloatVector.fromArray(F, tmp, o + 12 * step),
                d1 = FloatVector.fromArray(F, tmp, o + 13 * step);
        FloatVector d2 = FloatVector.fromArray(F, tmp, o + 14 * step),
                d3 = FloatVector.fromArray(F, tmp, o + 15 * step);
        FloatVector e0 = FloatVector.fromArray(F, tmp, o + 16 * step),
                e1 = FloatVector.fromArray(F, tmp, o + 17 * step);
        FloatVector e2 = FloatVector.fromArray(F, tmp, o + 18 * step),
                e3 = FloatVector.fromArray(F, tmp, o + 19 * step);
        FloatVector f0 = FloatVector.fromArray(F, tmp, o + 20 * step),
                f1 = FloatVector.fromArray(F, tmp, o + 21 * step);
        FloatVector f2 = FloatVector.fromArray(F, tmp, o + 22 * step),
                f3 = FloatVector.fromArray(F, tmp, o + 23 * step);
        long rowBytes = (long) cols * Float.BYTES;
        long p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes, p4 = p3 + rowBytes, p5 = p4 + rowBytes;
        for (int c = k0, xo = t + k0 * stride; c < k1; c++, xo += stride) {
            FloatVector u0 = FloatVector.fromArray(F, xT, xo);
            FloatVector u1 = FloatVector.fromArray(F, xT, xo + step);
            FloatVector u2 = FloatVector.fromArray(F, xT, xo + 2 * step);
            FloatVector u3 = FloatVector.fromArray(F, xT, xo + 3 * step);
            FloatVector w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p0 + (long) c * Float.BYTES));
            a0 = u0.fma(w, a0);
            a1 = u1.fma(w, a1);
            a2 = u2.fma(w, a2);
            a3 = u3.fma(w, a3);
            w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p1 + (long) c * Float.BYTES));
            b0 = u0.fma(w, b0);
            b1 = u1.fma(w, b1);
            b2 = u2.fma(w, b2);
            b3 = u3.fma(w, b3);
            w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p2 + (long) c * Float.BYTES));
            c0 = u0.fma(w, c0);
            c1 = u1.fma(w, c1);
            c2 = u2.fma(w, c2);
            c3 = u3.fma(w, c3);
            w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p3 + (long) c * Float.BYTES));
            d0 = u0.fma(w, d0);
            d1 = u1.fma(w, d1);
            d2 = u2.fma(w, d2);
            d3 = u3.fma(w, d3);
            w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p4 + (long) c * Float.BYTES));
            e0 = u0.fma(w, e0);
            e1 = u1.fma(w, e1);
            e2 = u2.fma(w, e2);
            e3 = u3.fma(w, e3);
            w = FloatVector.broadcast(F, MEMORY.get(LE_FLOAT, p5 + (long) c * Float.BYTES));
            f0 = u0.fma(w, f0);
            f1 = u1.fma(w, f1);
            f2 = u2.fma(w, f2);
            f3 = u3.fma(w, f3);
        }
        a0.intoArray(tmp, o);
        a1.intoArray(tmp, o + step);
        a2.intoArray(tmp, o + 2 * step);
        a3.intoArray(tmp, o + 3 * step);
        b0.intoArray(tmp, o + 4 * step);
        b1.intoArray(tmp, o + 5 * step);
        b2.intoArray(tmp, o + 6 * step);
        b3.intoArray(tmp, o + 7 * step);
        c0.intoArray(tmp, o + 8 * step);
        c1.intoArray(tmp, o + 9 * step);
        c2.intoArray(tmp, o + 10 * step);
        c3.intoArray(tmp, o + 11 * step);
        d0.intoArray(tmp, o + 12 * step);
        d1.intoArray(tmp, o + 13 * step);
        d2.intoArray(tmp, o + 14 * step);
        d3.intoArray(tmp, o + 15 * step);
        e0.intoArray(tmp, o + 16 * step);
        e1.intoArray(tmp, o + 17 * step);
        e2.intoArray(tmp, o + 18 * step);
        e3.intoArray(tmp, o + 19 * step);
        f0.intoArray(tmp, o + 20 * step);
        f1.intoArray(tmp, o + 21 * step);
        f2.intoArray(tmp, o + 22 * step);
        f3.intoArray(tmp, o + 23 * step);
    }

    /**
     * Six rows, two token vectors from slot t, columns [k0, k1): adds to the partial sums at tmp[o..], where row i's
     * vector v is at o + (2 * i + v) * F.length().
     */
    private static void rows6x2(float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, float[] tmp, int o) {
        int step = F.length();
        FloatVector a0 = FloatVector.fromArray(F, tmp, o), a1 = FloatVector.fromArray(F, tmp, o + step);
        FloatVector b0 = FloatVector.fromArray(F, tmp, o + 2 * step), b1 = FloatVector.fromArray(F, tmp, o + 3 * step);
        FloatVector c0 = FloatVector.fromArray(F, tmp, o + 4 * step), c1 = FloatVector.fromArray(F, tmp, o + 5 * step);
        FloatVector d0 = FloatVector.fromArray(F, tmp, o + 6 * step), d1 = FloatVector.fromArray(F, tmp, o + 7 * step);
        FloatVector e0 = FloatVector.fromArray(F, tmp, o + 8 * step), e1 = FloatVector.fromArray(F, tmp, o + 9 * step);
        FloatVector f0 = FloatVector.fromArray(F, tmp, o + 10 * step),
                f1 = FloatVector.fromArray(F, tmp, o + 11 * step);
        int p1 = p0 + PITCH, p2 = p0 + 2 * PITCH, p3 = p0 + 3 * PITCH, p4 = p0 + 4 * PITCH, p5 = p0 + 5 * PITCH;
        for (int c = k0, xo = t + k0 * stride; c < k1; c++, xo += stride) {
            FloatVector u0 = FloatVector.fromArray(F, xT, xo);
            FloatVector u1 = FloatVector.fromArray(F, xT, xo + step);
            FloatVector w = FloatVector.broadcast(F, p[p0 + c]);
            a0 = u0.fma(w, a0);
            a1 = u1.fma(w, a1);
            w = FloatVector.broadcast(F, p[p1 + c]);
            b0 = u0.fma(w, b0);
            b1 = u1.fma(w, b1);
            w = FloatVector.broadcast(F, p[p2 + c]);
            c0 = u0.fma(w, c0);
            c1 = u1.fma(w, c1);
            w = FloatVector.broadcast(F, p[p3 + c]);
            d0 = u0.fma(w, d0);
            d1 = u1.fma(w, d1);
            w = FloatVector.broadcast(F, p[p4 + c]);
            e0 = u0.fma(w, e0);
            e1 = u1.fma(w, e1);
            w = FloatVector.broadcast(F, p[p5 + c]);
            f0 = u0.fma(w, f0);
            f1 = u1.fma(w, f1);
        }
        a0.intoArray(tmp, o);
        a1.intoArray(tmp, o + step);
        b0.intoArray(tmp, o + 2 * step);
        b1.intoArray(tmp, o + 3 * step);
        c0.intoArray(tmp, o + 4 * step);
        c1.intoArray(tmp, o + 5 * step);
        d0.intoArray(tmp, o + 6 * step);
        d1.intoArray(tmp, o + 7 * step);
        e0.intoArray(tmp, o + 8 * step);
        e1.intoArray(tmp, o + 9 * step);
        f0.intoArray(tmp, o + 10 * step);
        f1.intoArray(tmp, o + 11 * step);
    }

    /** Six rows, one token vector from slot t, columns [k0, k1): adds to tmp, row i's vector at i * F.length(). */
    private static void rows6x1(float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, float[] tmp) {
        int step = F.length();
        FloatVector a = FloatVector.fromArray(F, tmp, 0), b = FloatVector.fromArray(F, tmp, step);
        FloatVector c = FloatVector.fromArray(F, tmp, 2 * step), d = FloatVector.fromArray(F, tmp, 3 * step);
        FloatVector e = FloatVector.fromArray(F, tmp, 4 * step), f = FloatVector.fromArray(F, tmp, 5 * step);
        int p1 = p0 + PITCH, p2 = p0 + 2 * PITCH, p3 = p0 + 3 * PITCH, p4 = p0 + 4 * PITCH, p5 = p0 + 5 * PITCH;
        for (int k = k0, xo = t + k0 * stride; k < k1; k++, xo += stride) {
            FloatVector u = FloatVector.fromArray(F, xT, xo);
            a = u.fma(FloatVector.broadcast(F, p[p0 + k]), a);
            b = u.fma(FloatVector.broadcast(F, p[p1 + k]), b);
            c = u.fma(FloatVector.broadcast(F, p[p2 + k]), c);
            d = u.fma(FloatVector.broadcast(F, p[p3 + k]), d);
            e = u.fma(FloatVector.broadcast(F, p[p4 + k]), e);
            f = u.fma(FloatVector.broadcast(F, p[p5 + k]), f);
        }
        a.intoArray(tmp, 0);
        b.intoArray(tmp, step);
        c.intoArray(tmp, 2 * step);
        d.intoArray(tmp, 3 * step);
        e.intoArray(tmp, 4 * step);
        f.intoArray(tmp, 5 * step);
    }

    /**
     * A six-row tile of {@code vectors} token vectors from slot t, at tmp[from..], into out (row 0's vectors are
     * adjacent in tmp, so token k is its lane k), token by token, skipping the padding slots past n: rows r..r+5 of one
     * token are adjacent in out, so each token touches one cache line, not six (the head's rows are 200 KB apart).
     */
    private static void store6(float[] tmp, int from, int vectors, float[] out, int rows, int r, int t, int n) {
        int rowStride = vectors * F.length();
        for (int k = from, end = from + Math.min(rowStride, n - t); k < end; k++) {
            int o = (t + k - from) * rows + r;
            out[o] = tmp[k];
            out[o + 1] = tmp[k + rowStride];
            out[o + 2] = tmp[k + 2 * rowStride];
            out[o + 3] = tmp[k + 3 * rowStride];
            out[o + 4] = tmp[k + 4 * rowStride];
            out[o + 5] = tmp[k + 5 * rowStride];
        }
    }

    /** One row, one token vector from slot t, columns [k0, k1): adds to tmp[0 .. F.length()). */
    private static void row(float[] p, int p0, int k0, int k1, float[] xT, int stride, int t, float[] tmp) {
        FloatVector a = FloatVector.fromArray(F, tmp, 0);
        for (int c = k0, xo = t + k0 * stride; c < k1; c++, xo += stride) {
            a = FloatVector.fromArray(F, xT, xo).fma(FloatVector.broadcast(F, p[p0 + c]), a);
        }
        a.intoArray(tmp, 0);
    }
}
