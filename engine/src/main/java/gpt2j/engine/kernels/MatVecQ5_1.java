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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_1 mat-vec: each row of w is cols/32 blocks of 24 bytes, {fp16 d, m; uint8 qh[4]; uint8 qs[16]} (ggml
 * block_q5_1): {@link MatVecQ5_0}'s five-bit quants, value = q * d + m. The minimum's part of a block's dot product,
 * m * (sum of x over the block), uses sums of x taken once per call, as {@link MatVecQ4_1} does. Generation reads a
 * repack of a byte per weight ({@link #applyRepacked}) where the heap has room ({@link KernelMatrix}), else the blocks
 * in place ({@link #apply}). cols must be a multiple of 32.
 */
final class MatVecQ5_1 {

    static final int BLOCK = GgmlType.Q5_1.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_1.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ5_1() {}

    /**
     * The kernel on {@link KernelMatrix}'s repack, where the heap had room: quants[32 * (r * cols/32 + j) + i] is quant
     * i (0-31) of row r's block j, scales and mins[r * cols/32 + j] its d and -m. cols must be a multiple of 64: the
     * loop takes blocks in pairs, one accumulator each.
     */
    static void applyRepacked(
            byte[] quants,
            float[] scales,
            float[] mins,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int subs = cols / 32;
        int step = F.length();
        int parts = 16 / step; // float vectors per 16 bytes: 1 at 512 bits, 2 at 256, 4 at 128
        float[] xs = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, 32);
        int whole = F.loopBound(subs);
        VectorMask<Float> tail = F.indexInRange(whole, subs);
        for (int r = rowStart; r < rowEnd; r++) {
            int s = r * subs;
            // Two accumulators, even and odd sub-blocks: one chain of FMAs would wait on its latency.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int j = 0; j < whole; j += step) {
                acc1 = FloatVector.fromArray(F, mins, s + j).fma(FloatVector.fromArray(F, xs, j), acc1);
            }
            if (whole < subs) {
                acc1 = FloatVector.fromArray(F, mins, s + whole, tail)
                        .fma(FloatVector.fromArray(F, xs, whole, tail), acc1);
            }
            for (int j = 0; j < subs; j += 2) {
                FloatVector sum0 = FloatVector.zero(F), sum1 = sum0;
                for (int k = 0; k < 2; k++) {
                    ByteVector q0 = ByteVector.fromArray(B128, quants, (s + j) * 32 + 16 * k);
                    ByteVector q1 = ByteVector.fromArray(B128, quants, (s + j + 1) * 32 + 16 * k);
                    for (int p = 0; p < parts; p++) {
                        int xo = xOff + j * 32 + 16 * k + p * step;
                        sum0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p))
                                .fma(FloatVector.fromArray(F, x, xo), sum0);
                        sum1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p))
                                .fma(FloatVector.fromArray(F, x, xo + 32), sum1);
                    }
                }
                acc0 = sum0.fma(FloatVector.broadcast(F, scales[s + j]), acc0);
                acc1 = sum1.fma(FloatVector.broadcast(F, scales[s + j + 1]), acc1);
            }
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
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
     * Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input): q * d + m, multiplied
     * and added apart as dequantize_row_q5_1 does, so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = 0;
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

    /** The scalar twin of {@link #apply}, each weight decoded as block_q5_1 defines it. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                float m = Float.float16ToFloat(w.get(LE_SHORT, block + 2));
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < BLOCK; j++) {
                    int q = w.get(JAVA_BYTE, block + 8 + j % 16) & 0xFF;
                    int low = j < 16 ? q & 0xF : q >> 4;
                    int fifth = w.get(JAVA_BYTE, block + 4 + j / 8) >> (j % 8) & 1;
                    acc += ((low | fifth << 4) * d + m) * x[xb + j];
                }
            }
            out[outOff + r] = acc;
        }
    }
}
