package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2F;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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
     * The bytes one load widens: one float vector's worth (16 at 512 bits, 8 at 256), in PARTS = 1 piece; widening the
     * upper half of a 32-byte load cost C2 a byte permute and a blend. At 128 bits (4 floats) no byte vector is that
     * short: 8 bytes are loaded and widened in PARTS = 2 pieces, each named by a constant (a piece chosen by the step's
     * parity inside a loop left the kernel at under half that speed).
     */
    static final VectorSpecies<Byte> Q =
            VectorShape.forBitSize(Math.max(64, F.length() * Byte.SIZE)).withLanes(byte.class);

    private static final int STEP = F.length(), PARTS = Q.length() / STEP;

    private MatVecQ8_0() {}

    /*
     * The kernels below are written out in full, without helper methods that take or return vectors: C2 inlines a
     * method that has compiled code of its own only while that code is under 2,500 bytes (InlineSmallCode), and a call
     * it does not inline boxes its vectors. A one-block helper sat near that size, so about one process in 10-40 ran
     * this kernel 4-20x slower for its whole life (docs/PERFORMANCE.md, "slow processes").
     */

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            // Two accumulators, even and odd blocks, two blocks a pass: one FMA chain through a 96-block row (mlp
            // down) bounded the kernel's bandwidth. Measurements: docs/KERNELS.md.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            int b = 0, xb = xOff;
            for (; b + 1 < blocks; b += 2, block += 2 * BLOCK_BYTES, xb += 2 * BLOCK) {
                // Each block's products unscaled, one FMA chain in weight order, then its scale with one FMA.
                long q0 = block + 2, q1 = q0 + BLOCK_BYTES;
                int x1 = xb + BLOCK;
                ByteVector bytes0 = ByteVector.fromMemorySegment(Q, w, q0, LITTLE_ENDIAN);
                ByteVector bytes1 = ByteVector.fromMemorySegment(Q, w, q1, LITTLE_ENDIAN);
                FloatVector s0 = ((FloatVector) bytes0.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb));
                FloatVector s1 = ((FloatVector) bytes1.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, x1));
                if (PARTS == 2) {
                    s0 = ((FloatVector) bytes0.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xb + STEP), s0);
                    s1 = ((FloatVector) bytes1.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, x1 + STEP), s1);
                }
                // The block's other loads, Q.length() quants each.
                for (int c = Q.length(); c < BLOCK; c += Q.length()) {
                    bytes0 = ByteVector.fromMemorySegment(Q, w, q0 + c, LITTLE_ENDIAN);
                    bytes1 = ByteVector.fromMemorySegment(Q, w, q1 + c, LITTLE_ENDIAN);
                    s0 = ((FloatVector) bytes0.convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + c), s0);
                    s1 = ((FloatVector) bytes1.convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, x1 + c), s1);
                    if (PARTS == 2) {
                        s0 = ((FloatVector) bytes0.convertShape(B2F, F, 1))
                                .fma(FloatVector.fromArray(F, x, xb + c + STEP), s0);
                        s1 = ((FloatVector) bytes1.convertShape(B2F, F, 1))
                                .fma(FloatVector.fromArray(F, x, x1 + c + STEP), s1);
                    }
                }
                acc0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block))), acc0);
                acc1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, q1 - 2))), acc1);
            }
            if (b < blocks) {
                // The last block of a row of an odd number of blocks: the same steps, into acc0.
                ByteVector bytes = ByteVector.fromMemorySegment(Q, w, block + 2, LITTLE_ENDIAN);
                FloatVector s = ((FloatVector) bytes.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb));
                if (PARTS == 2)
                    s = ((FloatVector) bytes.convertShape(B2F, F, 1)).fma(FloatVector.fromArray(F, x, xb + STEP), s);
                for (int c = Q.length(); c < BLOCK; c += Q.length()) {
                    bytes = ByteVector.fromMemorySegment(Q, w, block + 2 + c, LITTLE_ENDIAN);
                    s = ((FloatVector) bytes.convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + c), s);
                    if (PARTS == 2)
                        s = ((FloatVector) bytes.convertShape(B2F, F, 1))
                                .fma(FloatVector.fromArray(F, x, xb + c + STEP), s);
                }
                acc0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block))), acc0);
            }
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
                    long q = block + 2;
                    ByteVector bytes = ByteVector.fromMemorySegment(Q, w, q, LITTLE_ENDIAN);
                    FloatVector v = (FloatVector) bytes.convertShape(B2F, F, 0);
                    FloatVector s0 = v.mul(FloatVector.fromArray(F, x, x0 + xb));
                    FloatVector s1 = v.mul(FloatVector.fromArray(F, x, x1 + xb));
                    FloatVector s2 = v.mul(FloatVector.fromArray(F, x, x2 + xb));
                    FloatVector s3 = v.mul(FloatVector.fromArray(F, x, x3 + xb));
                    // apply's steps, each widened once for the four inputs.
                    if (PARTS == 2) {
                        v = (FloatVector) bytes.convertShape(B2F, F, 1);
                        s0 = v.fma(FloatVector.fromArray(F, x, x0 + xb + STEP), s0);
                        s1 = v.fma(FloatVector.fromArray(F, x, x1 + xb + STEP), s1);
                        s2 = v.fma(FloatVector.fromArray(F, x, x2 + xb + STEP), s2);
                        s3 = v.fma(FloatVector.fromArray(F, x, x3 + xb + STEP), s3);
                    }
                    for (int c = Q.length(); c < BLOCK; c += Q.length()) {
                        bytes = ByteVector.fromMemorySegment(Q, w, q + c, LITTLE_ENDIAN);
                        v = (FloatVector) bytes.convertShape(B2F, F, 0);
                        int xc = xb + c;
                        s0 = v.fma(FloatVector.fromArray(F, x, x0 + xc), s0);
                        s1 = v.fma(FloatVector.fromArray(F, x, x1 + xc), s1);
                        s2 = v.fma(FloatVector.fromArray(F, x, x2 + xc), s2);
                        s3 = v.fma(FloatVector.fromArray(F, x, x3 + xc), s3);
                        if (PARTS == 2) {
                            v = (FloatVector) bytes.convertShape(B2F, F, 1);
                            s0 = v.fma(FloatVector.fromArray(F, x, x0 + xc + STEP), s0);
                            s1 = v.fma(FloatVector.fromArray(F, x, x1 + xc + STEP), s1);
                            s2 = v.fma(FloatVector.fromArray(F, x, x2 + xc + STEP), s2);
                            s3 = v.fma(FloatVector.fromArray(F, x, x3 + xc + STEP), s3);
                        }
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
                // Lane-wise addition is commutative, so e + o is apply's sum whichever parity came last.
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

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int o = 0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int l = 0; l < BLOCK / Q.length(); l++, o += Q.length()) {
                ByteVector bytes = ByteVector.fromMemorySegment(Q, w, block + 2 + (long) l * Q.length(), LITTLE_ENDIAN);
                ((FloatVector) bytes.convertShape(B2F, F, 0)).mul(d).intoArray(panel, o);
                if (PARTS == 2)
                    ((FloatVector) bytes.convertShape(B2F, F, 1)).mul(d).intoArray(panel, o + STEP);
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
