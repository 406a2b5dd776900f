package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_INT;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_0 mat-vec: each row of w is cols/32 blocks of 22 bytes, {fp16 d; uint8 qh[4]; uint8 qs[16]} (ggml block_q5_0):
 * element j's low four bits are qs[j]'s low nibble (j below 16) or qs[j-16]'s high nibble, its fifth bit is bit j of
 * the little-endian 32-bit qh, value = (q - 16) * d. Q4_0's loop with each lane's fifth bit shifted in: bit k of
 * qh << 4 moved right by k lands on bit 4 for element k, and likewise for qh >>> 12 and element 16 + k. The blocks
 * are read in place. cols must be a multiple of 32.
 */
final class MatVecQ5_0 {

    static final int BLOCK = GgmlType.Q5_0.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_0.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    /** Lane k of the vector loaded at p * step holds p * step + k: each lane's shift for its fifth bit. */
    static final int[] LANE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    private MatVecQ5_0() {}

    /**
     * The 32 5-bit quants (0-31, not yet less 16) of a Q5_0 or Q5_1 block whose qh starts at {@code src[qh]} and qs at
     * {@code src[qs]}, one byte each in row order, into {@code q[o..]} ({@link MatVecQ5_K}'s input), eight at a time.
     */
    static void unpack(byte[] src, int qh, int qs, byte[] q, int o) {
        long h = Bytes8.uint32(src, qh), a = Bytes8.get(src, qs), b = Bytes8.get(src, qs + 8);
        Bytes8.set(q, o, a & Bytes8.NIBBLES | Long.expand(h, Bytes8.BIT4));
        Bytes8.set(q, o + 8, b & Bytes8.NIBBLES | Long.expand(h >>> 8, Bytes8.BIT4));
        Bytes8.set(q, o + 16, a >>> 4 & Bytes8.NIBBLES | Long.expand(h >>> 16, Bytes8.BIT4));
        Bytes8.set(q, o + 24, b >>> 4 & Bytes8.NIBBLES | Long.expand(h >>> 24, Bytes8.BIT4));
    }

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step; // float vectors per 16 elements: 1 at 512 bits, 2 at 256
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                int qh = w.get(LE_INT, block + 2);
                IntVector hLo = IntVector.broadcast(I, qh << 4), hHi = IntVector.broadcast(I, qh >>> 12);
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 6, LITTLE_ENDIAN);
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < parts; p++) {
                    IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    IntVector k = IntVector.fromArray(I, LANE, p * step);
                    FloatVector lo = (FloatVector) q.and(0xF)
                            .or(hLo.lanewise(VectorOperators.LSHR, k).and(0x10))
                            .sub(16)
                            .convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4)
                            .or(hHi.lanewise(VectorOperators.LSHR, k).and(0x10))
                            .sub(16)
                            .convert(VectorOperators.I2F, 0);
                    sum = lo.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + p * step), sum);
                    sum = hi.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + BLOCK / 2 + p * step), sum);
                }
                acc = sum.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block))), acc);
            }
            out[outOff + r] = Simd.sum(acc);
        }
    }

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = 0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            int qh = w.get(LE_INT, block + 2);
            IntVector hLo = IntVector.broadcast(I, qh << 4), hHi = IntVector.broadcast(I, qh >>> 12);
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 6, LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                IntVector k = IntVector.fromArray(I, LANE, p * step);
                int lo = o + p * step;
                ((FloatVector) q.and(0xF)
                                .or(hLo.lanewise(VectorOperators.LSHR, k).and(0x10))
                                .sub(16)
                                .convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4)
                                .or(hHi.lanewise(VectorOperators.LSHR, k).and(0x10))
                                .sub(16)
                                .convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(panel, lo + BLOCK / 2);
            }
        }
    }

    /** The scalar twin of {@link #apply}, each weight decoded as block_q5_0 defines it. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < BLOCK; j++) {
                    int q = w.get(JAVA_BYTE, block + 6 + j % 16) & 0xFF;
                    int low = j < 16 ? q & 0xF : q >> 4;
                    int fifth = w.get(JAVA_BYTE, block + 2 + j / 8) >> (j % 8) & 1;
                    acc += ((low | fifth << 4) - 16) * d * x[xb + j];
                }
            }
            out[outOff + r] = acc;
        }
    }
}
