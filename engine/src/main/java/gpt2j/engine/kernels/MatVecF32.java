package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static gpt2j.engine.kernels.Simd.MEMORY;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F32 output-major mat-vec: w is (rows, cols) row-major; out[r] = w[r] . x. */
final class MatVecF32 {

    private MatVecF32() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int step = F.length();
        int bound = F.loopBound(cols);
        long rowBytes = (long) cols * Float.BYTES;
        if (cols % (4 * step) == 0 && w.isNative()) {
            stream(w, cols, x, xOff, out, outOff, rowStart, rowEnd); // GPT-2's widths: rows of whole vector quads
            return;
        }
        int r = rowStart;
        // Rows with a scalar tail: four at once, one accumulator each, sharing every load of x (one row at a time,
        // with a loop exit per row, ran at half the bandwidth on 768-wide rows).
        for (; r + 4 <= rowEnd; r += 4) {
            long row = (long) r * rowBytes;
            FloatVector a0 = FloatVector.zero(F),
                    a1 = FloatVector.zero(F),
                    a2 = FloatVector.zero(F),
                    a3 = FloatVector.zero(F);
            int c = 0;
            for (; c < bound; c += step) {
                long o = row + (long) c * Float.BYTES;
                FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
                a0 = FloatVector.fromMemorySegment(F, w, o, LITTLE_ENDIAN).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(F, w, o + rowBytes, LITTLE_ENDIAN)
                        .fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(F, w, o + 2 * rowBytes, LITTLE_ENDIAN)
                        .fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(F, w, o + 3 * rowBytes, LITTLE_ENDIAN)
                        .fma(xv, a3);
            }
            float s0 = Simd.sum(a0), s1 = Simd.sum(a1);
            float s2 = Simd.sum(a2), s3 = Simd.sum(a3);
            for (; c < cols; c++) {
                long o = row + (long) c * Float.BYTES;
                float xc = x[xOff + c];
                s0 += w.get(LE_FLOAT, o) * xc;
                s1 += w.get(LE_FLOAT, o + rowBytes) * xc;
                s2 += w.get(LE_FLOAT, o + 2 * rowBytes) * xc;
                s3 += w.get(LE_FLOAT, o + 3 * rowBytes) * xc;
            }
            out[outOff + r] = s0;
            out[outOff + r + 1] = s1;
            out[outOff + r + 2] = s2;
            out[outOff + r + 3] = s3;
        }
        for (; r < rowEnd; r++) {
            long row = (long) r * rowBytes;
            FloatVector a = FloatVector.zero(F);
            int c = 0;
            for (; c < bound; c += step) {
                a = FloatVector.fromMemorySegment(F, w, row + (long) c * Float.BYTES, LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + c), a);
            }
            float acc = Simd.sum(a);
            for (; c < cols; c++) acc += w.get(LE_FLOAT, row + (long) c * Float.BYTES) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }

    /**
     * Rows of whole groups of four vectors as one loop over the range, a single sequential stream: a row ends at a
     * branch inside the loop, not at a loop exit (one row at a time, with a loop exit per row, ran at half the
     * bandwidth on 768-wide rows). The loop reads w through {@link Simd#MEMORY} at absolute addresses, after checking
     * once here that the whole range lies inside w and alive: through w itself C2 reloaded the segment's bounds and
     * liveness on every iteration, a fifth of the bandwidth (measurements: docs/KERNELS.md).
     */
    private static void stream(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int step = F.length();
        long first = (long) rowStart * cols * Float.BYTES, last = (long) rowEnd * cols * Float.BYTES;
        long start = Simd.address(w, first, last - first);
        long stepBytes = (long) step * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0, r = outOff + rowStart;
        for (long o = start, end = start + (last - first); o < end; o += 4 * stepBytes) {
            a0 = FloatVector.fromMemorySegment(F, MEMORY, o, LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + c), a0);
            a1 = FloatVector.fromMemorySegment(F, MEMORY, o + stepBytes, LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            a2 = FloatVector.fromMemorySegment(F, MEMORY, o + 2 * stepBytes, LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
            a3 = FloatVector.fromMemorySegment(F, MEMORY, o + 3 * stepBytes, LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
            c += 4 * step;
            if (c == cols) {
                out[r++] = Simd.sum(a0.add(a1).add(a2.add(a3)));
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                c = 0;
            }
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * cols * Float.BYTES;
            float acc = 0f;
            for (int c = 0; c < cols; c++) acc += w.get(LE_FLOAT, row + (long) c * Float.BYTES) * x[xOff + c];
            out[outOff + r] = acc;
        }
    }
}
