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
import jdk.incubator.vector.VectorSpecies;

/**
 * Q2_K mat-vec: each row of w is cols/256 blocks of 84 bytes, {uint8 scales[16]; uint8 qs[64]; fp16 d, dmin} (ggml
 * block_q2_K): 16 sub-blocks of 16, sub-block i with scale sc = scales[i] & 0xF and minimum m = scales[i] >> 4,
 * value = d * sc * q - dmin * m. Per 128 values, 32 bytes of qs hold four 2-bit planes: bits 2j..2j+1 of byte l are
 * element 32j + l. A block's 16 scales are decoded as one byte vector into a per-call array; the minimums' part,
 * dmin * m * (sum of x over the sub-block), is a vector multiply-add per block against sums of x taken once per call.
 * The blocks are read in place. cols must be a multiple of 256.
 */
final class MatVecQ2_K {

    static final int BLOCK = GgmlType.Q2_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q2_K.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ2_K() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step; // float vectors per sub-block: 1 at 512 bits, 2 at 256
        float[] xs = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, 16);
        float[] dl = new float[16];
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            // Two accumulators (even and odd sub-blocks), so that no single FMA chain bounds the loop; the minimums
            // go into the second.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block + 80));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 82));
                ByteVector sc = ByteVector.fromMemorySegment(B128, w, block, LITTLE_ENDIAN);
                for (int p = 0; p < parts; p++) {
                    IntVector s = (IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    ((FloatVector) s.and(0xF).convert(VectorOperators.I2F, 0))
                            .mul(d)
                            .intoArray(dl, p * step);
                    FloatVector m =
                            (FloatVector) s.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
                    acc1 = m.mul(dmin).fma(FloatVector.fromArray(F, xs, 16 * b + p * step), acc1);
                }
                for (int n = 0; n < 2; n++) {
                    ByteVector qa = ByteVector.fromMemorySegment(B128, w, block + 16 + 32 * n, LITTLE_ENDIAN);
                    ByteVector qb = ByteVector.fromMemorySegment(B128, w, block + 32 + 32 * n, LITTLE_ENDIAN);
                    for (int j = 0; j < 4; j++) {
                        FloatVector sa = FloatVector.zero(F), sb = sa;
                        for (int p = 0; p < parts; p++) {
                            IntVector a = (IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            IntVector c = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            FloatVector fa = (FloatVector) a.lanewise(VectorOperators.LSHR, 2 * j)
                                    .and(3)
                                    .convert(VectorOperators.I2F, 0);
                            FloatVector fc = (FloatVector) c.lanewise(VectorOperators.LSHR, 2 * j)
                                    .and(3)
                                    .convert(VectorOperators.I2F, 0);
                            int xo = xOff + b * BLOCK + 128 * n + 32 * j + p * step;
                            sa = fa.fma(FloatVector.fromArray(F, x, xo), sa);
                            sb = fc.fma(FloatVector.fromArray(F, x, xo + 16), sb);
                        }
                        acc0 = sa.fma(FloatVector.broadcast(F, dl[8 * n + 2 * j]), acc0);
                        acc1 = sb.fma(FloatVector.broadcast(F, dl[8 * n + 2 * j + 1]), acc1);
                    }
                }
            }
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input): d * sc * q - dmin *
     * m with dequantize_row_q2_K's operations (sc and m times their fp16 factor, then q times the first, less the
     * second), so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step;
        float[] dl = new float[16], ml = new float[16];
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            float d = Float.float16ToFloat(w.get(LE_SHORT, block + 80));
            float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 82));
            ByteVector sc = ByteVector.fromMemorySegment(B128, w, block, LITTLE_ENDIAN);
            for (int p = 0; p < parts; p++) {
                IntVector s = (IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                ((FloatVector) s.and(0xF).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .intoArray(dl, p * step);
                ((FloatVector) s.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .mul(dmin)
                        .intoArray(ml, p * step);
            }
            for (int n = 0; n < 2; n++) {
                for (int h = 0; h < 2; h++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, w, block + 16 + 32 * n + 16 * h, LITTLE_ENDIAN);
                    for (int j = 0; j < 4; j++) {
                        int i = 8 * n + 2 * j + h;
                        FloatVector dv = FloatVector.broadcast(F, dl[i]), mv = FloatVector.broadcast(F, ml[i]);
                        for (int p = 0; p < parts; p++) {
                            IntVector a = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                            ((FloatVector) a.lanewise(VectorOperators.LSHR, 2 * j)
                                            .and(3)
                                            .convert(VectorOperators.I2F, 0))
                                    .mul(dv)
                                    .sub(mv)
                                    .intoArray(panel, o + 128 * n + 32 * j + 16 * h + p * step);
                        }
                    }
                }
            }
        }
    }

    /** The scalar twin of {@link #apply}, each weight decoded as block_q2_K defines it. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block + 80));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 82));
                for (int e = 0; e < BLOCK; e++) {
                    // element e: half n = e / 128, plane j = e % 128 / 32, byte l = e % 32 of that half's 32 bytes
                    int n = e / 128, j = e % 128 / 32, l = e % 32;
                    int sc = w.get(JAVA_BYTE, block + 8 * n + 2 * j + l / 16) & 0xFF;
                    int q = (w.get(JAVA_BYTE, block + 16 + 32 * n + l) & 0xFF) >> 2 * j & 3;
                    acc += (d * (sc & 0xF) * q - dmin * (sc >> 4)) * x[xOff + b * BLOCK + e];
                }
            }
            out[outOff + r] = acc;
        }
    }
}
