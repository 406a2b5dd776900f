package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

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

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    /**
     * One float vector's worth of quants (16 bytes at 512 bits, 8 at 256), one load each: widening the upper half of
     * a 32-byte load cost C2 a byte permute and a blend. At 128 bits (4 floats) no byte vector is that short: 8 bytes
     * are loaded and the floats taken from the half a step needs.
     */
    static final VectorSpecies<Byte> Q = VectorShape.forBitSize(Math.max(64, F.length() * Byte.SIZE))
            .withLanes(byte.class);

    private MatVecQ8_0() {
    }

    static void apply(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            // Two accumulators, even and odd blocks: one FMA chain through a 96-block row (mlp down) bounded the
            // kernel at ~13 GB/s; two reach ~22 GB/s on one core. (Four rows at once instead fell off a C2 cliff:
            // past its node budget C2 left a scale read as a call, ~4 GB/s.)
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
            return (FloatVector) ByteVector.fromMemorySegment(Q, w, o, LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
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
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES; block < end;
             block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / step; p++, o += step) {
                quants(w, block + 2 + (long) p * step, p).mul(d).intoArray(panel, o);
            }
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
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
