package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;

import gpt2j.weights.GgmlType;
import gpt2j.weights.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import jdk.incubator.vector.FloatVector;

/**
 * Y = X W^T for a batch of input vectors (the prompt pass). The caller transposes X once per matrix
 * ({@link #transpose}) so that tokens lie along vector lanes; each call computes output rows [rowStart, rowEnd) of
 * every token into out (n, rows) row-major, and threading is the caller's. Row-major weights of every type are
 * turned into a per-thread float panel {@link #ROW_BLOCK} rows at a time (a dequantization, or for F32 a copy), which
 * {@link MatMulF32} multiplies while it sits in L1/L2; F32 rows that whole tiles cover are multiplied where they lie.
 */
public final class MatMul {

    /**
     * Output rows per panel, decoded once and then reused by every token: four tiles of {@link MatMulF32#ROWS}.
     * Callers that split rows across threads should cut at multiples of {@link #rowGrain}, or the rows left over at
     * each cut take the slow one-row path.
     */
    public static final int ROW_BLOCK = 4 * MatMulF32.ROWS;

    /** Where callers should cut w's rows between threads for a batch: whole panels, or whole input-major strips. */
    public static int rowGrain(KernelMatrix m) {
        return m.weight().inputMajor() ? MatMulF32InputMajor.STRIP : ROW_BLOCK;
    }

    private MatMul() {}

    /** Token slots per line of a transposed batch: n rounded up to whole vectors. */
    public static int padded(int n) {
        int step = F.length();
        return (n + step - 1) / step * step;
    }

    /** Floats an xT array needs beyond its tokens, so that any {@link #shift} fits. */
    public static final int SHIFT_ROOM = CacheLines.FLOATS - 1;

    /**
     * Where in xT to start the tokens for m so that each token vector starts a cache line: the row-major tiles' 64-byte
     * reads of a heap array otherwise span two lines each (docs/KERNELS.md). 0 for input-major weights, whose tiles
     * broadcast single inputs. Asked anew for every matrix, since the collector may move the array between two.
     */
    public static int shift(KernelMatrix m, float[] xT) {
        return m.weight().inputMajor() ? 0 : CacheLines.shift(xT);
    }

    /** Starts what {@link #shift} needs to know (a native lookup, ~75 ms on its own thread) before the first prompt. */
    public static void prepare() {
        CacheLines.prepare();
    }

    /**
     * xT[shift + c * padded(n) + t] = x[t * cols + c] for columns [c0, c1) (threads share one transposition by
     * columns), the padding slots zero. xT needs cols * padded(n) floats past shift (see {@link #shift}). One gather per
     * vector of tokens, since a scalar loop showed in prompt passes (docs/KERNELS.md).
     */
    public static void transpose(float[] x, int n, int cols, float[] xT, int shift, int c0, int c1) {
        int step = F.length();
        int stride = padded(n);
        int[] index = SCRATCH.get().index;
        for (int k = 0; k < step; k++) index[k] = k * cols;
        for (int t = 0; t < stride; t += step) {
            if (t + step <= n) {
                for (int c = c0, o = shift + c0 * stride + t; c < c1; c++, o += stride) {
                    FloatVector.fromArray(F, x, t * cols + c, index, 0).intoArray(xT, o);
                }
            } else { // the last, partial group: a masked gather still range-checks its idle lanes
                for (int c = c0, o = shift + c0 * stride + t; c < c1; c++, o += stride) {
                    for (int k = 0; k < step; k++) xT[o + k] = t + k < n ? x[(t + k) * cols + c] : 0f;
                }
            }
        }
    }

    /**
     * xT holds n vectors of w.cols() floats transposed by {@link #transpose} from xT[shift] on; out holds n vectors of
     * w.rows() floats (vector i at i*rows). Computes rows [rowStart, rowEnd) of every output vector.
     */
    public static void apply(KernelMatrix m, float[] xT, int shift, int n, float[] out, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int rows = w.rows();
        int cols = w.cols();
        if (w.inputMajor()) {
            if (shift != 0) throw new IllegalArgumentException("input-major tiles read xT from 0, not " + shift);
            MatMulF32InputMajor.apply(
                    data,
                    rows,
                    cols,
                    xT,
                    n,
                    out,
                    rowStart,
                    rowEnd,
                    SCRATCH.get().fit(MatMulF32InputMajor.panelFloats(rowEnd - rowStart)).panel);
            return;
        }
        Scratch s = SCRATCH.get()
                .fit(panelFloats(cols))
                .fitRow(cols > MatMulF32.PITCH ? cols : 0)
                .fitLanes(MatMulF32.lanes(n));
        long rowBytes = (long) cols * Float.BYTES;
        long mapped = w.type() == GgmlType.F32 && data.isNative()
                ? Simd.address(data, rowStart * rowBytes, (rowEnd - rowStart) * rowBytes)
                : 0;
        for (int rb = rowStart; rb < rowEnd; rb += ROW_BLOCK) {
            int re = Math.min(rowEnd, rb + ROW_BLOCK);
            // Each F32 weight meets all of a panel's tokens in one tile, so copying it first would only put a pass
            // over memory between the file and the arithmetic.
            boolean inPlace = mapped != 0 && MatMulF32.wholeTiles(n, re - rb);
            if (!inPlace) panel(m, rb, re, s.panel, s.row);
            long at = inPlace ? mapped + (rb - rowStart) * rowBytes : 0;
            MatMulF32.apply(s.panel, at, cols, xT, shift, n, out, rows, rb, re, s.lanes);
        }
        Reference.reachabilityFence(data); // read by address above
    }

    /**
     * Rows [r0, r1) of a row-major w as floats into panel in the tiles' layout ({@link MatMulF32#PITCH}): row r's
     * columns from c on, in pieces of PITCH, at ((c / PITCH) * ROW_BLOCK + r - r0) * PITCH. Rows up to PITCH columns
     * wide (every GPT-2 size) are decoded in place; wider ones through row, then copied piece by piece.
     */
    static void panel(KernelMatrix m, int r0, int r1, float[] panel, float[] row) {
        int cols = m.cols(), pitch = MatMulF32.PITCH;
        for (int r = r0; r < r1; r++) {
            if (cols <= pitch) {
                dequantize(m, r, r + 1, panel, (r - r0) * pitch);
                continue;
            }
            dequantize(m, r, r + 1, row, 0);
            for (int c = 0; c < cols; c += pitch) {
                System.arraycopy(row, c, panel, (c / pitch * ROW_BLOCK + r - r0) * pitch, Math.min(pitch, cols - c));
            }
        }
    }

    /** Floats of the panel that {@link #panel} fills for rows of cols columns: 24 rows of PITCH per piece. */
    static int panelFloats(int cols) {
        return (cols + MatMulF32.PITCH - 1) / MatMulF32.PITCH * ROW_BLOCK * MatMulF32.PITCH;
    }

    /** Rows [r0, r1) of a row-major w as floats, row-major from panel[o0] on. */
    static void dequantize(KernelMatrix m, int r0, int r1, float[] panel, int o0) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> MemorySegment.copy(data, LE_FLOAT, (long) r0 * cols * Float.BYTES, panel, o0, (r1 - r0) * cols);
            case F16 -> MatVecF16.dequantize(data, cols, r0, r1, panel, o0);
            case Q8_0 -> MatVecQ8_0.dequantize(data, cols, r0, r1, panel, o0);
            case Q4_0 -> MatVecQ4_0.dequantize(data, cols, r0, r1, panel, o0);
            case Q4_1 -> MatVecQ4_1.dequantize(data, cols, r0, r1, panel, o0);
            case Q5_0 -> MatVecQ5_0.dequantize(data, cols, r0, r1, panel, o0);
            case Q5_1 -> MatVecQ5_1.dequantize(data, cols, r0, r1, panel, o0);
            case IQ4_NL -> MatVecIQ4_NL.dequantize(data, cols, r0, r1, panel, o0);
            case IQ4_XS -> MatVecIQ4_XS.dequantize(data, cols, r0, r1, panel, o0);
            case Q2_K -> MatVecQ2_K.dequantize(data, cols, r0, r1, panel, o0);
            case Q3_K -> MatVecQ3_K.dequantize(data, cols, r0, r1, panel, o0);
            case Q4_K -> MatVecQ4_K.dequantize(data, cols, r0, r1, panel, o0);
            case Q5_K -> MatVecQ5_K.dequantize(data, cols, r0, r1, panel, o0);
            case Q6_K -> MatVecQ6_K.dequantize(data, cols, r0, r1, panel, o0);
            default -> throw new IllegalArgumentException("no mat-mul kernel for " + w.tensor());
        }
    }

    /** A thread's decoded weight panel (grown, never shrunk), a tile's output lanes and the transpose's gather offsets. */
    private static final class Scratch {
        float[] panel = new float[0];
        float[] row = new float[0]; // a row wider than the panel's pitch, before its pieces are copied
        float[] lanes = new float[0];
        final int[] index = new int[F.length()];

        Scratch fit(int floats) {
            if (panel.length < floats) panel = new float[floats];
            return this;
        }

        Scratch fitRow(int floats) {
            if (row.length < floats) row = new float[floats];
            return this;
        }

        Scratch fitLanes(int floats) {
            if (lanes.length < floats) lanes = new float[floats];
            return this;
        }
    }

    // Per thread: the pool's threads each decode their own row blocks.
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The scalar twin of {@link #apply} on untransposed x (n, cols): one scalar mat-vec per input vector. */
    static void scalar(KernelMatrix m, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int cols = m.cols();
        int rows = m.rows();
        for (int t = 0; t < n; t++) MatVec.scalar(m, x, t * cols, out, t * rows, rowStart, rowEnd);
    }
}
