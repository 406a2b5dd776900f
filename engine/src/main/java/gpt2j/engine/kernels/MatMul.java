package gpt2j.engine.kernels;

import gpt2j.weights.WeightMatrix;

/**
 * Y = X W^T for a batch of input vectors (the prompt pass). x: (n, cols) row-major, out: (n, rows) row-major.
 * Each call computes output rows [rowStart, rowEnd) of every vector; threading is the caller's.
 */
public final class MatMul {

    private MatMul() {
    }

    /**
     * x holds n vectors of w.cols() floats (vector i at i*cols); out holds n vectors of w.rows() floats (vector i at
     * i*rows). Computes rows [rowStart, rowEnd) of every output vector.
     */
    public static void apply(WeightMatrix w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int t = 0; t < n; t++) {
            MatVec.apply(w, x, t * cols, out, t * rows, rowStart, rowEnd);
        }
    }
}
