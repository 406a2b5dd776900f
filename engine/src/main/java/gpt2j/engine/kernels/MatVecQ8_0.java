package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 mat-vec: each row of w is cols/32 blocks of 34 bytes, {fp16 d, int8 q[32]}, value = q * d (ggml block_q8_0).
 * cols must be a multiple of 32.
 */
final class MatVecQ8_0 {

    static final int BLOCK = GgmlType.Q8_0.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q8_0.bytesPerBlock;

    /**
     * One float vector's worth of quants (16 bytes at 512 bits, 8 at 256), one load each: widening the upper half of
     * a 32-byte load cost C2 a byte permute and a blend. At 128 bits (4 floats) no byte vector is that short: 8 bytes
     * are loaded and the floats taken from the half a step needs.
     */
    static final VectorSpecies<Byte> Q =
            VectorShape.forBitSize(Math.max(64, F.length() * Byte.SIZE)).withLanes(byte.class);

    private MatVecQ8_0() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            // Two accumulators, even and odd blocks: one FMA chain through a 96-block row (mlp down) bounded the
            // kernel's bandwidth. (Four rows at once instead fell off a C2 cliff: past its node budget C2 left a
            // scale read as a call.) Measurements: docs/KERNELS.md.
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            int b = 0, xb = xOff;
            for (; b + 1 < blocks; b += 2, block += 2 * BLOCK_BYTES, xb += 2 * BLOCK) {
                acc0 = block(w, block, x, xb, acc0);
                acc1 = block(w, block + BLOCK_BYTES, x, xb + BLOCK, acc1);
            }
            if (b < blocks) acc0 = block(w, block, x, xb, acc0);
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /**
     * {@link #apply} for n inputs at once, {@code x[i * xStride ..]} into {@code out[i * outStride + r]}: each block's
     * quants are widened once per group of four inputs instead of once per input (the widening, not the FMAs, bounds
     * the one-input kernel when its rows are in cache). Every input's operations are {@link #apply}'s, in its order
     * (block b into accumulator b % 2, the same FMA chain inside a block), so each output has the same bits.
     */
    static void applyEach(
            MemorySegment w,
            int cols,
            float[] x,
            int xStride,
            int n,
            float[] out,
            int outStride,
            int rowStart,
            int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            for (int g = 0; g < n; g += 4) {
                // A last group of fewer than four repeats its last input: the same numbers written twice.
                int i1 = Math.min(g + 1, n - 1), i2 = Math.min(g + 2, n - 1), i3 = Math.min(g + 3, n - 1);
                int x0 = g * xStride, x1 = i1 * xStride, x2 = i2 * xStride, x3 = i3 * xStride;
                // e*: the accumulators of the block being read (block b: b % 2), o*: the other parity's.
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                long block = row;
                for (int b = 0, xb = 0; b < blocks; b++, block += BLOCK_BYTES, xb += BLOCK) {
                    FloatVector q = quants(w, block + 2, 0);
                    FloatVector s0 = q.mul(FloatVector.fromArray(F, x, x0 + xb));
                    FloatVector s1 = q.mul(FloatVector.fromArray(F, x, x1 + xb));
                    FloatVector s2 = q.mul(FloatVector.fromArray(F, x, x2 + xb));
                    FloatVector s3 = q.mul(FloatVector.fromArray(F, x, x3 + xb));
                    for (int p = 1; p < BLOCK / step; p++) {
                        q = quants(w, block + 2 + (long) p * step, p);
                        int c = xb + p * step;
                        s0 = q.fma(FloatVector.fromArray(F, x, x0 + c), s0);
                        s1 = q.fma(FloatVector.fromArray(F, x, x1 + c), s1);
                        s2 = q.fma(FloatVector.fromArray(F, x, x2 + c), s2);
                        s3 = q.fma(FloatVector.fromArray(F, x, x3 + c), s3);
                    }
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
                    FloatVector t0 = s0.fma(d, e0), t1 = s1.fma(d, e1), t2 = s2.fma(d, e2), t3 = s3.fma(d, e3);
                    e0 = o0;
                    e1 = o1;
                    e2 = o2;
                    e3 = o3;
                    o0 = t0;
                    o1 = t1;
                    o2 = t2;
                    o3 = t3;
                }
                // Lane-wise addition is commutative, so e + o is apply's acc0 + acc1 whichever parity came last.
                Simd.sum4(
                        e0.add(o0),
                        e1.add(o1),
                        e2.add(o2),
                        e3.add(o3),
                        out,
                        g * outStride + r,
                        i1 * outStride + r,
                        i2 * outStride + r,
                        i3 * outStride + r);
            }
        }
    }

    /** acc + d * (q . x[xb, xb + 32)) for the block at byte offset {@code block}. */
    private static FloatVector block(MemorySegment w, long block, float[] x, int xb, FloatVector acc) {
        int step = F.length();
        // Sum the block's products unscaled, then apply its scale with one FMA.
        FloatVector sum = quants(w, block + 2, 0).mul(FloatVector.fromArray(F, x, xb));
        for (int p = 1; p < BLOCK / step; p++) {
            sum = quants(w, block + 2 + (long) p * step, p).fma(FloatVector.fromArray(F, x, xb + p * step), sum);
        }
        return sum.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block))), acc);
    }

    /** F.length() quants from byte offset o (step {@code p} of its block), as floats. */
    private static FloatVector quants(MemorySegment w, long o, int p) {
        if (Q.length() == F.length()) {
            return (FloatVector)
                    ByteVector.fromMemorySegment(Q, w, o, LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
        }
        int part = p & 1; // odd steps: the upper half of the 8 bytes that start one step earlier, inside the block
        return (FloatVector) ByteVector.fromMemorySegment(Q, w, o - (long) part * F.length(), LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, part);
    }

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = 0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / step; p++, o += step) {
                quants(w, block + 2 + (long) p * step, p).mul(d).intoArray(panel, o);
            }
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                int xb = xOff + b * BLOCK;
                float sum = 0f;
                for (int j = 0; j < BLOCK; j++) sum += w.get(JAVA_BYTE, block + 2 + j) * x[xb + j];
                acc += sum * d;
            }
            out[outOff + r] = acc;
        }
    }
}
