package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_INT;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_1 mat-vec: each row of w is cols/32 blocks of 24 bytes, {fp16 d, m; uint8 qh[4]; uint8 qs[16]} (ggml
 * block_q5_1): {@link MatVecQ5_0}'s five-bit quants, value = q * d + m. The minimum's part of a block's dot product,
 * m * (sum of x over the block), uses sums of x taken once per call, as {@link MatVecQ4_1} does. Generation reads
 * Q8_0's repack ({@link MatVecQ5_0#repack}) where the heap has room ({@link KernelMatrix}), Q8_0's kernels then
 * {@link #addMinimums}; else the blocks in place ({@link #apply}). cols must be a multiple of 32.
 */
final class MatVecQ5_1 {

    static final int BLOCK = GgmlType.Q5_1.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_1.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ5_1() {}

    /**
     * Adds the minimums' part to lane group k of pass p's rows at dst[d ..]: minus the mins times the negated sums of x
     * (s from s0, {@link MatVecQ4_K#negatedSubBlockSums}), one FMA chain over the blocks, added to what Q8_0's kernel
     * wrote there. A method of its own: it takes and returns no vector.
     */
    static void addMinimums(float[] mins, int blocks, float[] s, int s0, int p, int k, float[] dst, int d) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, i = p * blocks * RowLanes.PASS + k * RowLanes.LANES; b < blocks; b++, i += RowLanes.PASS) {
            acc = FloatVector.fromArray(F, mins, i).fma(FloatVector.broadcast(F, s[s0 + b]), acc);
        }
        FloatVector.fromArray(F, dst, d).add(acc).intoArray(dst, d);
    }

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step;
        float[] xs = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            float mins = 0f; // minus the minimums' part: xs holds minus the sums of x
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                int qh = w.get(LE_INT, block + 4);
                IntVector hLo = IntVector.broadcast(I, qh << 4), hHi = IntVector.broadcast(I, qh >>> 12);
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 8, LITTLE_ENDIAN);
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < parts; p++) {
                    IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    IntVector k = IntVector.fromArray(I, MatVecQ5_0.LANE, p * step);
                    FloatVector lo = (FloatVector) q.and(0xF)
                            .or(hLo.lanewise(VectorOperators.LSHR, k).and(0x10))
                            .convert(VectorOperators.I2F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4)
                            .or(hHi.lanewise(VectorOperators.LSHR, k).and(0x10))
                            .convert(VectorOperators.I2F, 0);
                    sum = lo.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + p * step), sum);
                    sum = hi.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + BLOCK / 2 + p * step), sum);
                }
                acc = sum.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block))), acc);
                mins += Float.float16ToFloat(w.get(LE_SHORT, block + 2)) * xs[b];
            }
            out[outOff + r] = Simd.sum(acc) - mins;
        }
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input): q * d + m, multiplied
     * and added apart as dequantize_row_q5_1 does, so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            int qh = w.get(LE_INT, block + 4);
            IntVector hLo = IntVector.broadcast(I, qh << 4), hHi = IntVector.broadcast(I, qh >>> 12);
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 8, LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            FloatVector m = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block + 2)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                IntVector k = IntVector.fromArray(I, MatVecQ5_0.LANE, p * step);
                int lo = o + p * step;
                ((FloatVector) q.and(0xF)
                                .or(hLo.lanewise(VectorOperators.LSHR, k).and(0x10))
                                .convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .add(m)
                        .intoArray(panel, lo);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4)
                                .or(hHi.lanewise(VectorOperators.LSHR, k).and(0x10))
                                .convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .add(m)
                        .intoArray(panel, lo + BLOCK / 2);
            }
        }
    }

    /**
     * The scalar twin of the repack's kernels, each weight decoded as block_q5_1 defines it: {@link MatVecQ8_0}'s
     * arithmetic on the quants (per block an FMA chain over the even columns, one over the odd, then acc = fma(even +
     * odd, d, acc)), plus the minimums' chain of {@link #addMinimums}, added at the end; the in-place {@link #apply}
     * sums in another order.
     */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        float[] s = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, BLOCK);
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f, mins = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                int xb = xOff + b * BLOCK;
                float even = 0f, odd = 0f;
                for (int j = 0; j < BLOCK; j += 2) {
                    even = Math.fma(MatVecQ5_0.quant(w, block + 4, block + 8, j), x[xb + j], even);
                    odd = Math.fma(MatVecQ5_0.quant(w, block + 4, block + 8, j + 1), x[xb + j + 1], odd);
                }
                acc = Math.fma(even + odd, Float.float16ToFloat(w.get(LE_SHORT, block)), acc);
                mins = Math.fma(-Float.float16ToFloat(w.get(LE_SHORT, block + 2)), s[b], mins);
            }
            out[outOff + r] = acc + mins;
        }
    }
}
