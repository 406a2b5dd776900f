package gpt2j.engine;

import gpt2j.engine.kernels.Activations;
import gpt2j.engine.kernels.KernelMatrix;
import gpt2j.engine.kernels.MatMul;
import gpt2j.engine.kernels.MatVec;
import gpt2j.weights.Activation;

/**
 * One matrix of a forward pass as a pool job, with the buffers it works on: {@code out = W in (+ bias)} (then the
 * activation) for n rows of input; with a residual, {@code residual += } that instead. A {@link Forward} builds one per
 * matrix and layer, so a run only says how many rows; the job's fields are its own, never shared with another job.
 */
final class LinearJob {

    // Columns per transposition chunk: a 768-wide input gives each of two threads a few chunks.
    private static final int TRANSPOSE_GRAIN = 64;

    private final KernelMatrix weight;
    private final float[] in;
    private final float[] inT; // the batched input, transposed (MatMul.transpose); scratch of the Forward
    private final float[] out;
    private final float[] bias; // or null
    private final float[] residual; // or null
    private final Activation activation; // or null
    private final boolean rowByRow; // rows are separate sequences (a decode step): one-token kernels, never MatMul
    private int n;
    private int shift; // where the batched input's transposition starts in inT (MatMul.shift)

    // Up to this many rows of a type whose one-token kernel takes a group of inputs (MatVec.groupsInputs) go through
    // that kernel, as a decode step does: MatMul first widens the whole matrix to F32, a cost that does not shrink
    // with the rows (124M Q8_0, 2 threads: a pass of 2-16 prompt rows took ~38 ms through MatMul, 15 / 19 / 27 / 33 ms
    // for 2 / 4 / 6 / 8 rows this way, 49 ms for 12).
    static final int FEW_ROWS = 8;

    // One token (generation, and the prompt's last logits) and a batch (the prompt) are separate bodies, so that C2
    // profiles each alone: one body branching on n deoptimized when a prompt pass first reached its n == 1 head.
    private final Parallel.RowRange matVec = this::matVecRows;
    private final Parallel.RowRange matVecEach = this::matVecEachRows;
    private final Parallel.RowRange matMul = this::matMulRows;
    private final Parallel.RowRange transpose = this::transposeColumns;

    LinearJob(
            KernelMatrix weight,
            float[] in,
            float[] inT,
            float[] out,
            float[] bias,
            float[] residual,
            Activation activation,
            boolean rowByRow) {
        this.weight = weight;
        this.in = in;
        this.inT = inT;
        this.out = out;
        this.bias = bias;
        this.residual = residual;
        this.activation = activation;
        this.rowByRow = rowByRow;
    }

    /**
     * Runs the job over the first {@code n} rows of its input on {@code parallel}. A few rows take the one-token kernels
     * (see FEW_ROWS), so a short prompt gets the numbers of its tokens fed one at a time.
     */
    void run(Parallel parallel, int n) {
        this.n = n;
        int grain = Math.max(Parallel.ROW_GRAIN, MatVec.rowGrain(weight));
        if (n == 1) {
            parallel.forRows(weight.rows(), grain, matVec);
        } else if (rowByRow || (n <= FEW_ROWS && MatVec.groupsInputs(weight))) {
            parallel.forRows(weight.rows(), grain, matVecEach);
        } else {
            // Transposed on the pool: on the calling thread alone it left the other threads waiting.
            shift = MatMul.shift(weight, inT);
            parallel.forRows(weight.cols(), TRANSPOSE_GRAIN, transpose);
            parallel.forRows(weight.rows(), MatMul.rowGrain(weight), matMul);
        }
    }

    private void matVecRows(int start, int end) {
        MatVec.apply(weight, in, 0, out, 0, start, end);
        finish(start, end);
    }

    // A decode step: every sequence's input meets each weight row while it is in cache, each output computed exactly
    // as a one-token pass computes it.
    private void matVecEachRows(int start, int end) {
        MatVec.applyEach(weight, in, weight.cols(), n, out, weight.rows(), start, end);
        finish(start, end);
    }

    private void matMulRows(int start, int end) {
        MatMul.apply(weight, inT, shift, n, out, start, end);
        finish(start, end);
    }

    private void transposeColumns(int start, int end) {
        MatMul.transpose(in, n, weight.cols(), inT, shift, start, end);
    }

    // Bias, the activation and the residual for rows [start, end) of every position.
    private void finish(int start, int end) {
        int rows = weight.rows();
        for (int i = 0; i < n; i++) {
            int o = i * rows;
            if (bias != null) {
                for (int r = start; r < end; r++) out[o + r] += bias[r];
            }
            if (activation != null) Activations.apply(activation, out, o + start, end - start);
            if (residual != null) {
                for (int r = start; r < end; r++) residual[o + r] += out[o + r];
            }
        }
    }
}
