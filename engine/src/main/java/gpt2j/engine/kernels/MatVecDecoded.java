package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Quantizer;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Mat-vec for the block types that have no kernel of their own (Q2_K, Q3_K): each row is decoded to
 * floats by the weights module's dequantizer (ggml's formulas, checked against gguf-py there), then multiplied with a
 * vector dot product. Correct for every type at the price of a scalar decode pass per row: the types with kernels
 * of their own ran 12-23x faster than this path (docs/KERNELS.md), which the benchmarks keep as their baseline.
 */
final class MatVecDecoded {

    private MatVecDecoded() {}

    static void apply(
            GgmlType type,
            MemorySegment w,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        float[] row = row(cols);
        long rowBytes = type.byteSize(cols);
        int step = F.length();
        for (int r = rowStart; r < rowEnd; r++) {
            Quantizer.dequantizeRow(type, w, r * rowBytes, row, 0, cols);
            // cols is a multiple of 32, so of every vector length
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            int c = 0;
            for (; c + 2 * step <= cols; c += 2 * step) {
                acc0 = FloatVector.fromArray(F, row, c).fma(FloatVector.fromArray(F, x, xOff + c), acc0);
                acc1 = FloatVector.fromArray(F, row, c + step).fma(FloatVector.fromArray(F, x, xOff + c + step), acc1);
            }
            for (; c < cols; c += step)
                acc0 = FloatVector.fromArray(F, row, c).fma(FloatVector.fromArray(F, x, xOff + c), acc0);
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input). */
    static void dequantize(GgmlType type, MemorySegment w, int cols, int r0, int r1, float[] panel) {
        long rowBytes = type.byteSize(cols);
        for (int r = r0; r < r1; r++) Quantizer.dequantizeRow(type, w, r * rowBytes, panel, (r - r0) * cols, cols);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(
            GgmlType type,
            MemorySegment w,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        float[] row = new float[cols];
        long rowBytes = type.byteSize(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            Quantizer.dequantizeRow(type, w, r * rowBytes, row, 0, cols);
            float acc = 0f;
            for (int c = 0; c < cols; c++) acc += row[c] * x[xOff + c];
            out[outOff + r] = acc;
        }
    }

    private static float[] row(int cols) {
        float[] row = ROW.get();
        if (row.length < cols) ROW.set(row = new float[cols]);
        return row;
    }

    // Per thread: the pool's threads decode their own rows.
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
}
