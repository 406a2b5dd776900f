package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Quantizer;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * The benchmarks' baseline for the block types' kernels: each row decoded to floats by the weights module's scalar
 * dequantizer (ggml's formulas, checked against gguf-py there), then a vector dot product; the batched path's panels
 * filled by the same scalar code. The engine ran Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL and IQ4_XS this way until each
 * had a kernel of its own (docs/KERNELS.md).
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

    /** Rows [r0, r1) of w as floats into panel, row r at (r - r0) * pitch (the batched kernel's input). */
    static void dequantize(GgmlType type, MemorySegment w, int cols, int r0, int r1, float[] panel, int pitch) {
        long rowBytes = type.byteSize(cols);
        for (int r = r0; r < r1; r++) Quantizer.dequantizeRow(type, w, r * rowBytes, panel, (r - r0) * pitch, cols);
    }

    private static float[] row(int cols) {
        float[] row = ROW.get();
        if (row.length < cols) ROW.set(row = new float[cols]);
        return row;
    }

    // Per thread: the pool's threads decode their own rows.
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
}
