package gpt2j.engine.kernels;

import java.lang.foreign.MemorySegment;

import gpt2j.weights.WeightMatrix;

/**
 * Y = X W^T for a batch of input vectors (the prompt pass). x: (n, cols) row-major, out: (n, rows) row-major.
 * Each call computes output rows [rowStart, rowEnd) of every vector; threading is the caller's. The per-type kernels
 * reuse each loaded (and, for quantized types, decoded) weight vector across {@link #TOKENS} inputs.
 */
public final class MatMul {

    /** Input vectors sharing each weight load: four accumulators per weight vector fit the register file. */
    static final int TOKENS = 4;
    /** Output rows whose weights stay cached while all token groups pass over them. */
    static final int ROW_BLOCK = 16;

    private MatMul() {
    }

    /**
     * x holds n vectors of w.cols() floats (vector i at i*cols); out holds n vectors of w.rows() floats (vector i at
     * i*rows). Computes rows [rowStart, rowEnd) of every output vector.
     */
    public static void apply(WeightMatrix w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        MemorySegment data = w.tensor().data();
        int rows = w.rows();
        int cols = w.cols();
        switch (w.type()) {
            case F32 -> {
                if (w.inputMajor()) MatMulF32InputMajor.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
                else MatMulF32.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
            }
            case Q8_0 -> MatMulQ8_0.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
            case Q4_0 -> MatMulQ4_0.apply(data, rows, cols, x, n, out, rowStart, rowEnd);
            // F16 has no batched kernel yet: its conversion is cheap next to the weight traffic it would save.
            default -> {
                for (int t = 0; t < n; t++) MatVec.apply(w, x, t * cols, out, t * rows, rowStart, rowEnd);
            }
        }
    }

    /** The scalar twin of {@link #apply}: one scalar mat-vec per input vector. */
    static void scalar(WeightMatrix w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int t = 0; t < n; t++) MatVec.scalar(w, x, t * cols, out, t * rows, rowStart, rowEnd);
    }
}
