package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 mat-vec: each row of w is cols/32 blocks of 18 bytes, {fp16 d, uint8 qs[16]}; the low nibble of qs[j] is
 * element j and the high nibble element j+16, value = (nibble - 8) * d (ggml block_q4_0). cols must be a multiple
 * of 32.
 */
final class MatVecQ4_0 {

    static final int BLOCK = GgmlType.Q4_0.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_0.bytesPerBlock;
    static final int QUANT_BYTES = 16;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    /**
     * The quant bytes the grouped kernel loads per step: one int vector's worth (16 at 512 bits, 8 at 256), widened
     * whole; at 128 bits (4 ints, fewer than any byte vector holds) 8 bytes, of which a step takes the half it needs
     * (PARTS = 2). Widening the halves of one 16-byte load by a part number that is a loop variable outgrew C2's node
     * budget at 256 bits: the kernel ran 10-20x slower (docs/KERNELS.md).
     */
    static final VectorSpecies<Byte> QB =
            VectorShape.forBitSize(Math.max(64, F.length() * Byte.SIZE)).withLanes(byte.class);

    private static final int STEP = F.length(), PARTS = QB.length() / STEP;

    private MatVecQ4_0() {}

    /**
     * The kernel reads {@link KernelMatrix}'s repacked copy: quants[16 * (r * cols/32 + b) + j] is byte j of row r's
     * block b, scales[r * cols/32 + b] its scale as a float.
     */
    static void apply(
            byte[] quants,
            float[] scales,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step; // float vectors per 16 nibbles: 1 at 512 bits, 2 at 256
        for (int r = rowStart; r < rowEnd; r++) {
            int s = r * blocks;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                // The index recomputed from b each time: a running offset ran slower (docs/KERNELS.md).
                ByteVector qs = ByteVector.fromArray(B128, quants, (s + b) * QUANT_BYTES);
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < parts; p++) {
                    // Zero-extend to ints before splitting the nibbles: x86 has no byte shift, so a byte LSHR costs
                    // several instructions, while the int and/shift are one each.
                    IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    FloatVector lo = (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector)
                            q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
                    sum = lo.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + p * step), sum);
                    sum = hi.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + BLOCK / 2 + p * step), sum);
                }
                acc = sum.fma(FloatVector.broadcast(F, scales[s + b]), acc);
            }
            out[outOff + r] = Simd.sum(acc);
        }
    }

    /**
     * {@link #apply} for n inputs at once, {@code x[i * xStride ..]} into {@code out[i * outStride + r]}: each block's
     * nibbles are decoded once per group of four inputs. Every input's operations are {@link #apply}'s, in its order,
     * so each output has the same bits.
     */
    static void applyEach(
            byte[] quants,
            float[] scales,
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
            int s = r * blocks;
            for (int g = 0; g < n; g += 4) {
                // A last group of fewer than four repeats its last input: the same numbers written twice.
                int i1 = Math.min(g + 1, n - 1), i2 = Math.min(g + 2, n - 1), i3 = Math.min(g + 3, n - 1);
                int x0 = g * xStride, x1 = i1 * xStride, x2 = i2 * xStride, x3 = i3 * xStride;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int b = 0; b < blocks; b++) {
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                    for (int p = 0; p < BLOCK / 2 / STEP; p++) {
                        // Step p's bytes from a load of their own, widened whole (half p % 2 of one at 128 bits).
                        ByteVector qs = ByteVector.fromArray(
                                QB, quants, (s + b) * QUANT_BYTES + (PARTS == 1 ? p : p & ~1) * STEP);
                        IntVector q =
                                (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, PARTS == 1 ? 0 : p & 1);
                        FloatVector lo = (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                        FloatVector hi = (FloatVector)
                                q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
                        int cl = b * BLOCK + p * STEP, ch = cl + BLOCK / 2;
                        s0 = lo.fma(FloatVector.fromArray(F, x, x0 + cl), s0);
                        s1 = lo.fma(FloatVector.fromArray(F, x, x1 + cl), s1);
                        s2 = lo.fma(FloatVector.fromArray(F, x, x2 + cl), s2);
                        s3 = lo.fma(FloatVector.fromArray(F, x, x3 + cl), s3);
                        s0 = hi.fma(FloatVector.fromArray(F, x, x0 + ch), s0);
                        s1 = hi.fma(FloatVector.fromArray(F, x, x1 + ch), s1);
                        s2 = hi.fma(FloatVector.fromArray(F, x, x2 + ch), s2);
                        s3 = hi.fma(FloatVector.fromArray(F, x, x3 + ch), s3);
                    }
                    FloatVector d = FloatVector.broadcast(F, scales[s + b]);
                    a0 = s0.fma(d, a0);
                    a1 = s1.fma(d, a1);
                    a2 = s2.fma(d, a2);
                    a3 = s3.fma(d, a3);
                }
                Simd.sum4(
                        a0,
                        a1,
                        a2,
                        a3,
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
        int step = F.length();
        int o = 0;
        // The fp16 scales are read in place here: this loop is bound by its stores, and reading the float scales
        // as well ran slower.
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 2, LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                int lo = o + p * step;
                ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo + BLOCK / 2);
            }
        }
    }

    /** The scalar twin of {@link #apply}; reads the fp16 scales in place, so it checks the converted ones too. */
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
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 2 + j);
                    sum += ((q & 0xF) - 8) * x[xb + j] + (((q >> 4) & 0xF) - 8) * x[xb + j + BLOCK / 2];
                }
                acc += sum * d;
            }
            out[outOff + r] = acc;
        }
    }
}
