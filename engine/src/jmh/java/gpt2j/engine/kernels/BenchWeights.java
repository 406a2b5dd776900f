package gpt2j.engine.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Quantizer;
import gpt2j.weights.Tensor;
import gpt2j.weights.WeightMatrix;

/** Random weight matrices at GPT-2 shapes for the benchmarks, in native memory like a mapped checkpoint. */
final class BenchWeights {

    private BenchWeights() {
    }

    /** kind: F32, F32_IM (input-major) or a GgmlType name; shape: "ROWSxCOLS" (outputs x inputs). */
    static WeightMatrix matrix(String kind, String shape, Arena arena) {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        boolean inputMajor = kind.equals("F32_IM");
        GgmlType type = inputMajor ? GgmlType.F32 : GgmlType.valueOf(kind);
        long n = (long) rows * cols;
        MemorySegment seg = arena.allocate(type.byteSize(n), 64);
        SplittableRandom rnd = new SplittableRandom(1);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < n; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() - 0.5));
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16((float) (rnd.nextDouble() - 0.5)));
                }
            }
            case Q8_0, Q4_0 -> {
                // Random quants, then a sane fp16 scale in every block (random bits could be NaN or subnormal).
                for (long i = 0; i < seg.byteSize(); i++) seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                for (long o = 0; o < seg.byteSize(); o += type.bytesPerBlock) {
                    seg.set(Simd.LE_SHORT, o, Float.floatToFloat16((float) (0.001 + 0.01 * rnd.nextDouble())));
                }
            }
            default -> {
                // Other block types keep scales at several offsets: quantize random rows with the real quantizer.
                float[] row = new float[cols];
                long rowBytes = type.byteSize(cols);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) row[c] = (float) (rnd.nextDouble() - 0.5);
                    Quantizer.quantizeRow(type, row, 0, cols, seg, r * rowBytes);
                }
            }
        }
        long[] dims = inputMajor ? new long[] {cols, rows} : new long[] {rows, cols};
        return new WeightMatrix(new Tensor(kind, type, dims, seg), rows, cols, inputMajor);
    }

    static float[] vector(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    /** Throws unless a and b agree to float rounding relative to the largest magnitude. */
    static void requireClose(float[] a, float[] b, String what) {
        float scale = 0;
        for (float v : b) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= 1e-4f * scale + 1e-6f)) {
                throw new IllegalStateException(what + ": vector and scalar disagree at " + i + ": " + a[i] + " vs " + b[i]);
            }
        }
    }
}
