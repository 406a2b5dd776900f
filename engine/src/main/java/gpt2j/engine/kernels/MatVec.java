package gpt2j.engine.kernels;

import gpt2j.weights.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * y = W x for one input vector. Dispatches once per call on the weight's type and layout; the per-type kernels
 * are monomorphic static methods so C2 inlines the whole inner loop. Threading is the caller's: any
 * {@code [rowStart, rowEnd)} sub-range is valid, aligned to nothing.
 */
public final class MatVec {

    private MatVec() {}

    /** out[outOff + r] = sum_c W[r][c] * x[xOff + c] for r in [rowStart, rowEnd). */
    public static void apply(KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor())
                    MatVecF32InputMajor.apply(data, w.rows(), cols, x, xOff, out, outOff, rowStart, rowEnd);
                else MatVecF32.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            }
            case F16 -> MatVecF16.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> rowLanes(m, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q3_K -> {
                // Repacked where the heap had room (KernelMatrix), read in place elsewhere.
                if (m.quants() != null) rowLanes(m, x, xOff, out, outOff, rowStart, rowEnd);
                else inPlace(m, x, xOff, out, outOff, rowStart, rowEnd);
            }
            case Q2_K -> inPlace(m, x, xOff, out, outOff, rowStart, rowEnd);
            default -> throw new IllegalArgumentException("no mat-vec kernel for " + w.tensor());
        }
    }

    /** The kernels that read a matrix's blocks in the file. */
    private static void inPlace(
            KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        MemorySegment data = m.weight().tensor().data();
        int cols = m.cols();
        switch (m.type()) {
            case Q5_0 -> MatVecQ5_0.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_1 -> MatVecQ5_1.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case IQ4_NL -> MatVecIQ4_NL.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case IQ4_XS -> MatVecIQ4_XS.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q3_K -> MatVecQ3_K.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q2_K -> MatVecQ2_K.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            default ->
                throw new IllegalArgumentException(
                        "no in-place mat-vec kernel for " + m.weight().tensor());
        }
    }

    private static void rowLanes(
            KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        // The repack's padding rows exist: refuse what lies past w's rows as the other kernels do.
        Objects.checkFromToIndex(rowStart, rowEnd, m.rows());
        RowLanes.apply(m, x, xOff, out, outOff, rowStart, rowEnd);
    }

    /**
     * {@link #apply} for n inputs at once (a decode step: one row of x per sequence):
     * out[i * outStride + r] = sum_c W[r][c] * x[i * xStride + c] for i below n and r in [rowStart, rowEnd), each with
     * exactly the bits that apply gives that input alone. Weight rows go in blocks of {@link #EACH_BLOCK} (the types
     * with weight rows in vector lanes, {@link RowLanes}: their passes), so a block stays in cache while every input meets
     * it; those types widen their quants once per group of four inputs, the others run the one-input kernel per input
     * (F32 and F16 kernels for several inputs were no faster than that here: docs/KERNELS.md).
     */
    public static void applyEach(
            KernelMatrix m, float[] x, int xStride, int n, float[] out, int outStride, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        int cols = w.cols();
        if (groupsInputs(m)) {
            // Pass by pass over the repack, every input at each pass: the kernels' own blocking.
            Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
            RowLanes.applyEach(m, x, xStride, n, out, outStride, rowStart, rowEnd);
            return;
        }
        for (int rb = rowStart; rb < rowEnd; rb += EACH_BLOCK) {
            int re = Math.min(rowEnd, rb + EACH_BLOCK);
            for (int i = 0; i < n; i++) apply(m, x, i * xStride, out, i * outStride, rb, re);
        }
    }

    /**
     * What callers should cut w's rows between threads at a multiple of, for {@link #apply} and {@link #applyEach}
     * (a power of two; 1: anywhere): the passes of the types with weight rows in vector lanes (Q8_0, Q4_0, Q5_0, Q5_1
     * and the K-quants Q4_K, Q5_K, Q6_K), since a pass that a cut splits is computed whole on both sides.
     */
    public static int rowGrain(KernelMatrix m) {
        return RowLanes.holds(m) ? RowLanes.PASS : 1;
    }

    /** Whether {@link #applyEach} widens a block once for a group of inputs ({@link RowLanes}), not once per input. */
    public static boolean groupsInputs(KernelMatrix m) {
        return RowLanes.holds(m);
    }

    /** Weight rows per block of {@link #applyEach}: ~100 KB of F32 at 768 columns, stays in L2 for every input. */
    static final int EACH_BLOCK = 32;

    /** The scalar twin of {@link #applyEach}: {@link #scalar} for each input. */
    static void scalarEach(
            KernelMatrix m, float[] x, int xStride, int n, float[] out, int outStride, int rowStart, int rowEnd) {
        for (int i = 0; i < n; i++) scalar(m, x, i * xStride, out, i * outStride, rowStart, rowEnd);
    }

    /** The scalar twin of {@link #apply}, the reference for tests and benchmarks. */
    static void scalar(KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor())
                    MatVecF32InputMajor.scalar(data, w.rows(), cols, x, xOff, out, outOff, rowStart, rowEnd);
                else MatVecF32.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            }
            case F16 -> MatVecF16.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q8_0 -> MatVecQ8_0.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_0 -> MatVecQ4_0.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_1 -> MatVecQ4_1.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_0 -> MatVecQ5_0.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_1 -> MatVecQ5_1.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case IQ4_NL -> MatVecIQ4_NL.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case IQ4_XS -> MatVecIQ4_XS.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q2_K -> MatVecQ2_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q3_K -> MatVecQ3_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_K -> MatVecQ4_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_K -> MatVecQ5_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q6_K -> MatVecQ6_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            default -> throw new IllegalArgumentException("no mat-vec kernel for " + w.tensor());
        }
    }
}
