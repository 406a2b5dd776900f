package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * The batched kernel every weight type ends in: a panel of float weight rows (row-major, {@code cols} per row) times
 * the transposed inputs xT ({@code cols} lines of {@link MatMul#padded} token slots, see {@link MatMul#transpose}).
 * Tokens lie along the vector lanes: eight rows times two token vectors are sixteen accumulators, and each column
 * step loads two input vectors and broadcasts eight weights into sixteen FMAs. No horizontal sums, no column tail.
 */
final class MatMulF32 {

    static final int ROWS = 8;

    private MatMulF32() {
    }

    /** out[t * rows + r] for panel rows r - r0, r in [r0, r1), tokens t < n; tmp holds 2 * ROWS vectors. */
    static void apply(float[] panel, int cols, float[] xT, int n, float[] out, int rows, int r0, int r1, float[] tmp) {
        int step = F.length();
        int stride = MatMul.padded(n);
        int r = r0;
        for (; r + ROWS <= r1; r += ROWS) {
            int t = 0;
            for (; t + 2 * step <= stride; t += 2 * step) rows8x2(panel, (r - r0) * cols, cols, xT, stride, t, n, out, rows, r, tmp);
            if (t < stride) rows8x1(panel, (r - r0) * cols, cols, xT, stride, t, n, out, rows, r, tmp);
        }
        for (; r < r1; r++) {
            for (int t = 0; t < stride; t += step) row(panel, (r - r0) * cols, cols, xT, stride, t, n, out, rows, r, tmp);
        }
    }

    private static void rows8x2(float[] p, int p0, int cols, float[] xT, int stride, int t, int n, float[] out,
                                int rows, int r, float[] tmp) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), b0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), b2 = FloatVector.zero(F), a3 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), b4 = FloatVector.zero(F), a5 = FloatVector.zero(F), b5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F), b6 = FloatVector.zero(F), a7 = FloatVector.zero(F), b7 = FloatVector.zero(F);
        int p1 = p0 + cols, p2 = p1 + cols, p3 = p2 + cols, p4 = p3 + cols, p5 = p4 + cols, p6 = p5 + cols, p7 = p6 + cols;
        for (int c = 0, xo = t; c < cols; c++, xo += stride) {
            FloatVector u = FloatVector.fromArray(F, xT, xo);
            FloatVector v = FloatVector.fromArray(F, xT, xo + step);
            FloatVector w = FloatVector.broadcast(F, p[p0 + c]);
            a0 = u.fma(w, a0);
            b0 = v.fma(w, b0);
            w = FloatVector.broadcast(F, p[p1 + c]);
            a1 = u.fma(w, a1);
            b1 = v.fma(w, b1);
            w = FloatVector.broadcast(F, p[p2 + c]);
            a2 = u.fma(w, a2);
            b2 = v.fma(w, b2);
            w = FloatVector.broadcast(F, p[p3 + c]);
            a3 = u.fma(w, a3);
            b3 = v.fma(w, b3);
            w = FloatVector.broadcast(F, p[p4 + c]);
            a4 = u.fma(w, a4);
            b4 = v.fma(w, b4);
            w = FloatVector.broadcast(F, p[p5 + c]);
            a5 = u.fma(w, a5);
            b5 = v.fma(w, b5);
            w = FloatVector.broadcast(F, p[p6 + c]);
            a6 = u.fma(w, a6);
            b6 = v.fma(w, b6);
            w = FloatVector.broadcast(F, p[p7 + c]);
            a7 = u.fma(w, a7);
            b7 = v.fma(w, b7);
        }
        int step2 = ROWS * step;
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, step);
        a2.intoArray(tmp, 2 * step);
        a3.intoArray(tmp, 3 * step);
        a4.intoArray(tmp, 4 * step);
        a5.intoArray(tmp, 5 * step);
        a6.intoArray(tmp, 6 * step);
        a7.intoArray(tmp, 7 * step);
        b0.intoArray(tmp, step2);
        b1.intoArray(tmp, step2 + step);
        b2.intoArray(tmp, step2 + 2 * step);
        b3.intoArray(tmp, step2 + 3 * step);
        b4.intoArray(tmp, step2 + 4 * step);
        b5.intoArray(tmp, step2 + 5 * step);
        b6.intoArray(tmp, step2 + 6 * step);
        b7.intoArray(tmp, step2 + 7 * step);
        store8(tmp, 0, out, rows, r, t, n);
        store8(tmp, step2, out, rows, r, t + step, n);
    }

    /** The last token vector when the padded count is odd in vectors. */
    private static void rows8x1(float[] p, int p0, int cols, float[] xT, int stride, int t, int n, float[] out,
                                int rows, int r, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        int p1 = p0 + cols, p2 = p1 + cols, p3 = p2 + cols, p4 = p3 + cols, p5 = p4 + cols, p6 = p5 + cols, p7 = p6 + cols;
        for (int c = 0, xo = t; c < cols; c++, xo += stride) {
            FloatVector u = FloatVector.fromArray(F, xT, xo);
            a0 = u.fma(FloatVector.broadcast(F, p[p0 + c]), a0);
            a1 = u.fma(FloatVector.broadcast(F, p[p1 + c]), a1);
            a2 = u.fma(FloatVector.broadcast(F, p[p2 + c]), a2);
            a3 = u.fma(FloatVector.broadcast(F, p[p3 + c]), a3);
            a4 = u.fma(FloatVector.broadcast(F, p[p4 + c]), a4);
            a5 = u.fma(FloatVector.broadcast(F, p[p5 + c]), a5);
            a6 = u.fma(FloatVector.broadcast(F, p[p6 + c]), a6);
            a7 = u.fma(FloatVector.broadcast(F, p[p7 + c]), a7);
        }
        int step = F.length();
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, step);
        a2.intoArray(tmp, 2 * step);
        a3.intoArray(tmp, 3 * step);
        a4.intoArray(tmp, 4 * step);
        a5.intoArray(tmp, 5 * step);
        a6.intoArray(tmp, 6 * step);
        a7.intoArray(tmp, 7 * step);
        store8(tmp, 0, out, rows, r, t, n);
    }

    /** One row, one token vector: the rows left over after groups of eight. */
    private static void row(float[] p, int p0, int cols, float[] xT, int stride, int t, int n, float[] out,
                            int rows, int r, float[] tmp) {
        FloatVector a = FloatVector.zero(F);
        for (int c = 0, xo = t; c < cols; c++, xo += stride) {
            a = FloatVector.fromArray(F, xT, xo).fma(FloatVector.broadcast(F, p[p0 + c]), a);
        }
        store(a, out, rows, r, t, n, tmp);
    }

    /** Lanes of tokens t.. of row r into out, skipping the padding slots past n. */
    private static void store(FloatVector a, float[] out, int rows, int r, int t, int n, float[] tmp) {
        a.intoArray(tmp, 0);
        for (int k = 0, end = Math.min(F.length(), n - t); k < end; k++) out[(t + k) * rows + r] = tmp[k];
    }

    /**
     * Eight rows' token vectors (row i at tmp[base + i * F.length()]) into out token by token: rows r..r+7 of one
     * token are adjacent in out, so each token touches one cache line, not eight (the head's rows are 200 KB apart).
     */
    private static void store8(float[] tmp, int base, float[] out, int rows, int r, int t, int n) {
        int step = F.length();
        for (int k = 0, end = Math.min(step, n - t); k < end; k++) {
            int o = (t + k) * rows + r, i = base + k;
            out[o] = tmp[i];
            out[o + 1] = tmp[i + step];
            out[o + 2] = tmp[i + 2 * step];
            out[o + 3] = tmp[i + 3 * step];
            out[o + 4] = tmp[i + 4 * step];
            out[o + 5] = tmp[i + 5 * step];
            out[o + 6] = tmp[i + 6 * step];
            out[o + 7] = tmp[i + 7 * step];
        }
    }
}
