package gpt2j.engine.kernels;

import java.lang.foreign.MemorySegment;

import gpt2j.weights.WeightMatrix;

/**
 * y = W x for one input vector. Dispatches once per call on the weight's type and layout; the per-type kernels
 * are monomorphic static methods so C2 inlines the whole inner loop. Threading is the caller's: any
 * {@code [rowStart, rowEnd)} sub-range is valid, aligned to nothing.
 */
public final class MatVec {

    private MatVec() {
    }

    /** out[outOff + r] = sum_c W[r][c] * x[xOff + c] for r in [rowStart, rowEnd). */
    public static void apply(KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor()) MatVecF32InputMajor.apply(data, w.rows(), cols, x, xOff, out, outOff, rowStart, rowEnd);
                else MatVecF32.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            }
            case F16 -> MatVecF16.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q8_0 -> MatVecQ8_0.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_0 -> MatVecQ4_0.apply(m.quants(), m.scales(), cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_K -> MatVecQ4_K.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_K -> MatVecQ5_K.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q6_K -> MatVecQ6_K.apply(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL, IQ4_XS ->
                    MatVecDecoded.apply(w.type(), data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            default -> throw new IllegalArgumentException("no mat-vec kernel for " + w.tensor());
        }
    }

    /** The scalar twin of {@link #apply}, the reference for tests and benchmarks. */
    static void scalar(KernelMatrix m, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        WeightMatrix w = m.weight();
        MemorySegment data = w.tensor().data();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor()) MatVecF32InputMajor.scalar(data, w.rows(), cols, x, xOff, out, outOff, rowStart, rowEnd);
                else MatVecF32.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            }
            case F16 -> MatVecF16.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q8_0 -> MatVecQ8_0.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_0 -> MatVecQ4_0.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_K -> MatVecQ4_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q5_K -> MatVecQ5_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q6_K -> MatVecQ6_K.scalar(data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            case Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL, IQ4_XS ->
                    MatVecDecoded.scalar(w.type(), data, cols, x, xOff, out, outOff, rowStart, rowEnd);
            default -> throw new IllegalArgumentException("no mat-vec kernel for " + w.tensor());
        }
    }
}
