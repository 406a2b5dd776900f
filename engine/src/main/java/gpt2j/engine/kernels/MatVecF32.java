package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** F32 output-major mat-vec: w is (rows, cols) row-major; out[r] = w[r] . x. */
final class MatVecF32 {

    private MatVecF32() {
    }

    static void apply(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int step = F.length();
        int bound4 = cols - cols % (4 * step);
        int bound = F.loopBound(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Float.BYTES;
            // Four independent accumulators hide the FMA latency.
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int c = 0;
            for (; c < bound4; c += 4 * step) {
                long o = row + (long) c * Float.BYTES;
                a0 = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xOff + c), a0);
                a1 = FloatVector.fromMemorySegment(F, w, o + 4L * step, LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
                a2 = FloatVector.fromMemorySegment(F, w, o + 8L * step, LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
                a3 = FloatVector.fromMemorySegment(F, w, o + 12L * step, LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
            }
            for (; c < bound; c += step) {
                a0 = FloatVector.fromMemorySegment(F, w, row + (long) c * Float.BYTES, LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + c), a0);
            }
            float acc = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; c < cols; c++) acc += w.get(LE_FLOAT, row + (long) c * Float.BYTES) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Float.BYTES;
            float acc = 0f;
            for (int c = 0; c < cols; c++) acc += w.get(LE_FLOAT, row + (long) c * Float.BYTES) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }
}
