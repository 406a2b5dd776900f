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
 * Q4_1 mat-vec: each row of w is cols/32 blocks of 20 bytes, {fp16 d, m; uint8 qs[16]}; the low nibble of qs[j] is
 * element j and the high nibble element j+16, value = nibble * d + m (ggml block_q4_1). A block's dot product is
 * d * (nibbles . x) + m * (sum of x over the block): the sums of x are taken once per call, so the loop is Q4_0's
 * without the offset of 8. The blocks are read in place. cols must be a multiple of 32.
 */
final class MatVecQ4_1 {

    static final int BLOCK = GgmlType.Q4_1.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_1.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ4_1() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step; // float vectors per 16 nibbles: 1 at 512 bits, 2 at 256
        float[] xs = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, 32);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            float mins = 0f; // minus the minimums' part: xs holds minus the sums of x
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 4, LITTLE_ENDIAN);
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < parts; p++) {
                    IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    FloatVector lo = (FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0);
                    FloatVector hi =
                            (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
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
     * Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input): nibble * d + m,
     * multiplied and added apart as dequantize_row_q4_1 does, so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = 0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 4, LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            FloatVector m = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block + 2)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                int lo = o + p * step;
                ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .add(m)
                        .intoArray(panel, lo);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                        .mul(d)
                        .add(m)
                        .intoArray(panel, lo + BLOCK / 2);
            }
        }
    }

    /** The scalar twin of {@link #apply}, each weight decoded as block_q4_1 defines it. */
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
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 4 + j) & 0xFF;
                    acc += ((q & 0xF) * d + m) * x[xb + j] + ((q >> 4) * d + m) * x[xb + j + BLOCK / 2];
                }
            }
            out[outOff + r] = acc;
        }
    }
}
