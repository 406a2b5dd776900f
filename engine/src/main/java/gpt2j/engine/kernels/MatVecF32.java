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
     * liveness on every iteration, a fifth of the bandwidth (measurements: docs/KERNELS.md). Where 32 vector registers
     * hold four streams' accumulators, all but the last few rows go through {@link #streams4} instead; where 16 do, the
     * rows but the last go through {@link #streams2} (AVX2: 1.21-1.26x on one thread, docs/KERNELS.md).
     */
    private static void stream(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int quarter = (rowEnd - rowStart) / 4, half = (rowEnd - rowStart) / 2;
        if (MatMulF32.VECTORS == 4 && quarter > 0) {
            streams4(w, cols, x, xOff, out, outOff, rowStart, quarter);
            rowStart += 4 * quarter;
            if (rowStart == rowEnd) return;
        } else if (MatMulF32.VECTORS == 2 && half > 0) {
            streams2(w, cols, x, xOff, out, outOff, rowStart, half);
            rowStart += 2 * half;
            if (rowStart == rowEnd) return;
        }
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

    /**
     * {@link #stream} over rows [rowStart, rowStart + 4 * quarter) as four streams side by side, each a quarter of the
     * rows, each row summed exactly as {@link #stream} sums it. One core reads memory faster from several streams than
     * from one, having more lines in flight ({@code tools/perf/bandwidth.c 1 1024 4} on the Intel: 14.1-14.3 against
     * 11.5-11.6 GB/s); 124M F32 generation 1.14-1.18x on one thread, 1.13-1.16x on two (docs/KERNELS.md).
     */
    private static void streams4(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int quarter) {
        int step = F.length();
        long span = (long) quarter * cols * Float.BYTES;
        long start = Simd.address(w, (long) rowStart * cols * Float.BYTES, 4 * span);
        long sb = (long) step * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        int c = 0, r = outOff + rowStart;
        for (long o = start, end = start + span; o < end; o += 4 * sb) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + c), x1 = FloatVector.fromArray(F, x, xOff + c + step);
            FloatVector x2 = FloatVector.fromArray(F, x, xOff + c + 2 * step);
            FloatVector x3 = FloatVector.fromArray(F, x, xOff + c + 3 * step);
            a0 = FloatVector.fromMemorySegment(F, MEMORY, o, LITTLE_ENDIAN).fma(x0, a0);
            a1 = FloatVector.fromMemorySegment(F, MEMORY, o + sb, LITTLE_ENDIAN).fma(x1, a1);
            a2 = FloatVector.fromMemorySegment(F, MEMORY, o + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, a2);
            a3 = FloatVector.fromMemorySegment(F, MEMORY, o + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, a3);
            long p = o + span;
            b0 = FloatVector.fromMemorySegment(F, MEMORY, p, LITTLE_ENDIAN).fma(x0, b0);
            b1 = FloatVector.fromMemorySegment(F, MEMORY, p + sb, LITTLE_ENDIAN).fma(x1, b1);
            b2 = FloatVector.fromMemorySegment(F, MEMORY, p + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, b2);
            b3 = FloatVector.fromMemorySegment(F, MEMORY, p + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, b3);
            p += span;
            c0 = FloatVector.fromMemorySegment(F, MEMORY, p, LITTLE_ENDIAN).fma(x0, c0);
            c1 = FloatVector.fromMemorySegment(F, MEMORY, p + sb, LITTLE_ENDIAN).fma(x1, c1);
            c2 = FloatVector.fromMemorySegment(F, MEMORY, p + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, c2);
            c3 = FloatVector.fromMemorySegment(F, MEMORY, p + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, c3);
            p += span;
            d0 = FloatVector.fromMemorySegment(F, MEMORY, p, LITTLE_ENDIAN).fma(x0, d0);
            d1 = FloatVector.fromMemorySegment(F, MEMORY, p + sb, LITTLE_ENDIAN).fma(x1, d1);
            d2 = FloatVector.fromMemorySegment(F, MEMORY, p + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, d2);
            d3 = FloatVector.fromMemorySegment(F, MEMORY, p + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, d3);
            c += 4 * step;
            if (c == cols) {
                out[r] = Simd.sum(a0.add(a1).add(a2.add(a3)));
                out[r + quarter] = Simd.sum(b0.add(b1).add(b2.add(b3)));
                out[r + 2 * quarter] = Simd.sum(c0.add(c1).add(c2.add(c3)));
                out[r + 3 * quarter] = Simd.sum(d0.add(d1).add(d2.add(d3)));
                r++;
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                b0 = a0;
                b1 = a0;
                b2 = a0;
                b3 = a0;
                c0 = a0;
                c1 = a0;
                c2 = a0;
                c3 = a0;
                d0 = a0;
                d1 = a0;
                d2 = a0;
                d3 = a0;
                c = 0;
            }
        }
    }

    /** {@link #streams4} with two streams, where 16 vector registers hold their eight accumulators and x's four. */
    private static void streams2(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int half) {
        int step = F.length();
        long span = (long) half * cols * Float.BYTES;
        long start = Simd.address(w, (long) rowStart * cols * Float.BYTES, 2 * span);
        long sb = (long) step * Float.BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int c = 0, r = outOff + rowStart;
        for (long o = start, end = start + span; o < end; o += 4 * sb) {
            FloatVector x0 = FloatVector.fromArray(F, x, xOff + c), x1 = FloatVector.fromArray(F, x, xOff + c + step);
            FloatVector x2 = FloatVector.fromArray(F, x, xOff + c + 2 * step);
            FloatVector x3 = FloatVector.fromArray(F, x, xOff + c + 3 * step);
            a0 = FloatVector.fromMemorySegment(F, MEMORY, o, LITTLE_ENDIAN).fma(x0, a0);
            a1 = FloatVector.fromMemorySegment(F, MEMORY, o + sb, LITTLE_ENDIAN).fma(x1, a1);
            a2 = FloatVector.fromMemorySegment(F, MEMORY, o + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, a2);
            a3 = FloatVector.fromMemorySegment(F, MEMORY, o + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, a3);
            long p = o + span;
            b0 = FloatVector.fromMemorySegment(F, MEMORY, p, LITTLE_ENDIAN).fma(x0, b0);
            b1 = FloatVector.fromMemorySegment(F, MEMORY, p + sb, LITTLE_ENDIAN).fma(x1, b1);
            b2 = FloatVector.fromMemorySegment(F, MEMORY, p + 2 * sb, LITTLE_ENDIAN)
                    .fma(x2, b2);
            b3 = FloatVector.fromMemorySegment(F, MEMORY, p + 3 * sb, LITTLE_ENDIAN)
                    .fma(x3, b3);
            c += 4 * step;
            if (c == cols) {
                out[r] = Simd.sum(a0.add(a1).add(a2.add(a3)));
                out[r + half] = Simd.sum(b0.add(b1).add(b2.add(b3)));
                r++;
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
                b0 = a0;
                b1 = a0;
                b2 = a0;
                b3 = a0;
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
