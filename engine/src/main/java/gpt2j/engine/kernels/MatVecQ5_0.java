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
 * the little-endian 32-bit qh, value = (q - 16) * d. cols must be a multiple of 32. Generation reads Q8_0's repack
 * ({@link #repack}, Q5_1's too) where the heap has room ({@link KernelMatrix}); else {@link #apply} reads the blocks in
 * place: Q4_0's loop with each lane's fifth bit shifted in (bit k of qh << 4 moved right by k lands on bit 4 for
 * element k, and likewise for qh >>> 12 and element 16 + k).
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

    /**
     * Fills {@link MatVecQ8_0}'s repack (weight rows in vector lanes, {@link RowLanes}) from the file's rows, Q5_0's or
     * (mins not null) Q5_1's, so that Q8_0's kernels multiply them exactly: Q5_0's quants less 16 as Q8_0's signed
     * bytes and d as the block's scale (36 bytes per 32 weights, 1.6x the file, against the 40 of the byte-per-weight
     * repack this replaced); Q5_1's quants (0-31), d, and -m in mins at the scale's index, for
     * {@link MatVecQ5_1#addMinimums} (40 bytes, 1.7x). One widening per column for a decode step's inputs. The padding
     * rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales, float[] mins) {
        boolean q51 = mins != null;
        int per = q51 ? MatVecQ5_1.BLOCK_BYTES : BLOCK_BYTES, qh = q51 ? 4 : 2, less = q51 ? 0 : 16;
        int blocks = cols / BLOCK, rowBytes = blocks * per, pass = RowLanes.PASS;
        byte[] src = new byte[pass * rowBytes], q = new byte[BLOCK];
        for (int p = 0; p * pass < rows; p++) {
            int n = Math.min(pass, rows - p * pass);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * pass * rowBytes, src, 0, n * rowBytes);
            for (int b = 0; b < blocks; b++) {
                int unit = p * blocks + b;
                for (int l = 0, at = b * per; l < n; l++, at += rowBytes) {
                    scales[unit * pass + l] = Bytes8.half(src, at);
                    if (q51) mins[unit * pass + l] = -Bytes8.half(src, at + 2);
                    unpack(src, at + qh, at + qh + 4, q, 0);
                    for (int j = 0, o = unit * BLOCK * pass + l; j < BLOCK; j++, o += pass)
                        quants[o] = (byte) (q[j] - less);
                }
            }
        }
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

    /** Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = o0;
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

    /**
     * The scalar twin of the kernels, each weight decoded as block_q5_0 defines it: the arithmetic of {@link MatVecQ8_0}'s
     * twin on the quants less 16 (per block an FMA chain over the even columns, one over the odd, then acc = fma(even +
     * odd, d, acc)), which the repack's kernels follow bit for bit; the in-place {@link #apply} sums in another order.
     */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                int xb = xOff + b * BLOCK;
                float even = 0f, odd = 0f;
                for (int j = 0; j < BLOCK; j += 2) {
                    even = Math.fma(quant(w, block + 2, block + 6, j) - 16, x[xb + j], even);
                    odd = Math.fma(quant(w, block + 2, block + 6, j + 1) - 16, x[xb + j + 1], odd);
                }
                acc = Math.fma(even + odd, Float.float16ToFloat(w.get(LE_SHORT, block)), acc);
            }
            out[outOff + r] = acc;
        }
    }

    /** Quant j (0-31) of a Q5_0 or Q5_1 block whose qh starts at {@code qh} and qs at {@code qs}, for the twins. */
    static int quant(MemorySegment w, long qh, long qs, int j) {
        int q = w.get(JAVA_BYTE, qs + j % 16) & 0xFF;
        int low = j < 16 ? q & 0xF : q >> 4;
        int fifth = w.get(JAVA_BYTE, qh + j / 8) >> (j % 8) & 1;
        return low | fifth << 4;
    }
}
