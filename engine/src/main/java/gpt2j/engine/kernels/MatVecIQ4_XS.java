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
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_XS mat-vec: each row of w is cols/256 blocks of 136 bytes, {fp16 d; uint16 scales_h; uint8 scales_l[4]; uint8
 * qs[128]} (ggml block_iq4_xs): 8 sub-blocks of 32 laid out as {@link MatVecIQ4_NL}'s blocks, sub-block i scaled by
 * d * (ls - 32), ls the 6-bit scale whose low 4 bits are nibble i % 2 of scales_l[i / 2] and high 2 bits bits 2i, 2i+1
 * of scales_h. Each sub-block is Q8_0's form with d * (ls - 32) as its scale, so generation reads Q8_0's repack with
 * the table's values as its bytes ({@link #repack}) and runs Q8_0's kernels where the heap has room, and
 * {@link #scalar} follows their arithmetic; elsewhere {@link #apply} reads the file's blocks in place (each sub-block
 * IQ4_NL's loop: two byte-shuffle lookups, the widened values' multiply-adds, one scale FMA), as the prompt pass does
 * ({@link #dequantize}). cols must be a multiple of 256.
 */
final class MatVecIQ4_XS {

    static final int BLOCK = GgmlType.IQ4_XS.blockSize;
    static final int BLOCK_BYTES = GgmlType.IQ4_XS.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    private MatVecIQ4_XS() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step; // float vectors per 16 values: 1 at 512 bits, 2 at 256
        ByteVector table = ByteVector.fromArray(B128, MatVecIQ4_NL.TABLE, 0);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                int scalesH = w.get(LE_SHORT, block + 2), scalesL = w.get(LE_INT, block + 4);
                for (int i = 0; i < 8; i++) {
                    ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 8 + 16 * i, LITTLE_ENDIAN);
                    ByteVector lo = qs.and((byte) 0xF).selectFrom(table);
                    // The high nibbles shifted as ints: x86 has no byte shift.
                    ByteVector hi = qs.reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, 4)
                            .reinterpretAsBytes()
                            .and((byte) 0xF)
                            .selectFrom(table);
                    int xb = xOff + b * BLOCK + 32 * i;
                    FloatVector sum = FloatVector.zero(F);
                    for (int p = 0; p < parts; p++) {
                        FloatVector l = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
                        FloatVector h = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
                        sum = l.fma(FloatVector.fromArray(F, x, xb + p * step), sum);
                        sum = h.fma(FloatVector.fromArray(F, x, xb + 16 + p * step), sum);
                    }
                    int ls = scalesL >>> 4 * i & 0xF | (scalesH >>> 2 * i & 3) << 4;
                    acc = sum.fma(FloatVector.broadcast(F, d * (ls - 32)), acc);
                }
            }
            out[outOff + r] = Simd.sum(acc);
        }
    }

    /** Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        ByteVector table = ByteVector.fromArray(B128, MatVecIQ4_NL.TABLE, 0);
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES) {
            float d = Float.float16ToFloat(w.get(LE_SHORT, block));
            int scalesH = w.get(LE_SHORT, block + 2), scalesL = w.get(LE_INT, block + 4);
            for (int i = 0; i < 8; i++, o += 32) {
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 8 + 16 * i, LITTLE_ENDIAN);
                ByteVector lo = qs.and((byte) 0xF).selectFrom(table);
                ByteVector hi = qs.reinterpretAsInts()
                        .lanewise(VectorOperators.LSHR, 4)
                        .reinterpretAsBytes()
                        .and((byte) 0xF)
                        .selectFrom(table);
                int ls = scalesL >>> 4 * i & 0xF | (scalesH >>> 2 * i & 3) << 4;
                FloatVector dl = FloatVector.broadcast(F, d * (ls - 32));
                for (int p = 0; p < 16 / step; p++) {
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                            .mul(dl)
                            .intoArray(panel, o + p * step);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                            .mul(dl)
                            .intoArray(panel, o + 16 + p * step);
                }
            }
        }
    }

    /** Sub-block i's scale of the block at src[at..]: d * (ls - 32). */
    private static float scale(byte[] src, int at, int i) {
        int scalesH = src[at + 2] & 0xFF | (src[at + 3] & 0xFF) << 8;
        int low = (src[at + 4 + i / 2] & 0xFF) >> 4 * (i % 2) & 0xF;
        return Bytes8.half(src, at) * ((low | (scalesH >> 2 * i & 3) << 4) - 32);
    }

    /**
     * Fills {@link MatVecQ8_0}'s repack from the file's rows, a 32-column unit per sub-block: each weight's table value
     * as Q8_0's signed byte, d * (ls - 32) as the unit's scale (36 bytes per 32 weights, 2.1x the file). The padding
     * rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales) {
        int blocks = cols / BLOCK, subs = cols / 32, rowBytes = blocks * BLOCK_BYTES, pass = RowLanes.PASS;
        byte[] src = new byte[pass * rowBytes];
        for (int p = 0; p * pass < rows; p++) {
            int n = Math.min(pass, rows - p * pass);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * pass * rowBytes, src, 0, n * rowBytes);
            for (int b = 0; b < blocks; b++) {
                for (int l = 0, at = b * BLOCK_BYTES; l < n; l++, at += rowBytes) {
                    for (int i = 0; i < 8; i++) {
                        int unit = p * subs + 8 * b + i;
                        scales[unit * pass + l] = scale(src, at, i);
                        MatVecIQ4_NL.lookUp(src, at + 8 + 16 * i, quants, unit * 32 * pass + l, pass);
                    }
                }
            }
        }
    }

    /**
     * The scalar twin of the repack's kernels, each weight decoded as block_iq4_xs defines it: {@link MatVecQ8_0}'s
     * arithmetic per sub-block of 32 on the table values (an FMA chain over the even columns, one over the odd, then
     * acc = fma(even + odd, d * (ls - 32), acc)); the in-place {@link #apply} sums in another order.
     */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] src = new byte[BLOCK_BYTES], q = new byte[32];
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(w, JAVA_BYTE, ((long) r * blocks + b) * BLOCK_BYTES, src, 0, BLOCK_BYTES);
                for (int i = 0; i < 8; i++) {
                    MatVecIQ4_NL.lookUp(src, 8 + 16 * i, q, 0, 1);
                    acc = MatVecQ8_0.scalarBlock(q, 0, x, xOff + b * BLOCK + 32 * i, scale(src, 0, i), acc);
                }
            }
            out[outOff + r] = acc;
        }
    }
}
