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
 * d * (nibbles . x) + m * (sum of x over the block). Written as d * (q - 8) + (m + 8 d), that is Q4_0's value plus a
 * minimum per block, so generation reads a repack in Q4_0's layout with m + 8 d beside each scale ({@link #repack}):
 * Q4_0's kernels, then Q5_1's chain of minimums times the sums of x ({@link MatVecQ5_1#addMinimums}); {@link #scalar}
 * follows that arithmetic. The prompt pass decodes the file's blocks ({@link #dequantize}). cols must be a multiple of
 * 32.
 */
final class MatVecQ4_1 {

    static final int BLOCK = GgmlType.Q4_1.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_1.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ4_1() {}

    /**
     * Fills {@link MatVecQ4_0#repack}'s layout from the file's rows: byte j of a block's quants xor 0x88 (so a nibble is
     * q - 8 as a signed 4-bit number), d as its scale, and -(m + 8 d) in mins at the scale's index, for
     * {@link MatVecQ5_1#addMinimums}. 24 bytes per 32 weights, 1.2x the file. The padding rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales, float[] mins) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES, pass = RowLanes.PASS;
        byte[] src = new byte[pass * rowBytes];
        for (int p = 0; p * pass < rows; p++) {
            int n = Math.min(pass, rows - p * pass);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * pass * rowBytes, src, 0, n * rowBytes);
            for (int b = 0; b < blocks; b++) {
                int unit = p * blocks + b;
                for (int l = 0, at = b * BLOCK_BYTES; l < n; l++, at += rowBytes) {
                    float d = Bytes8.half(src, at);
                    scales[unit * pass + l] = d;
                    mins[unit * pass + l] = -(Bytes8.half(src, at + 2) + 8 * d);
                    for (int j = 0, o = unit * BLOCK / 2 * pass + l; j < BLOCK / 2; j++, o += pass)
                        quants[o] = (byte) (src[at + 4 + j] ^ 0x88);
                }
            }
        }
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input): nibble * d + m,
     * multiplied and added apart as dequantize_row_q4_1 does, so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int o = o0;
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

    /**
     * The scalar twin of the repack's kernels, each weight decoded as block_q4_1 defines it: {@link MatVecQ4_0#scalar}'s
     * arithmetic on q - 8 (per block a chain over the low nibbles' columns times 2^28 and one over the high nibbles',
     * then acc = fma(low * 2^-28 + high, d, acc)), plus the chain of minimums, -(m + 8 d) times the negated sums of x,
     * added at the end.
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
                float low = 0f, high = 0f;
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 4 + j);
                    low = Math.fma((float) ((q & 0xF) - 8 << 28), x[xb + j], low);
                    high = Math.fma(((q >> 4) & 0xF) - 8, x[xb + j + BLOCK / 2], high);
                }
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                acc = Math.fma(low * MatVecQ4_0.LOW + high, d, acc);
                mins = Math.fma(-(Float.float16ToFloat(w.get(LE_SHORT, block + 2)) + 8 * d), s[b], mins);
            }
            out[outOff + r] = acc + mins;
        }
    }
}
