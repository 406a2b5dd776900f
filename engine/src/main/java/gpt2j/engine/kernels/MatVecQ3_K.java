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
 * Q3_K mat-vec: each row of w is cols/256 blocks of 110 bytes, {uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; fp16
 * d} (ggml block_q3_K): 16 sub-blocks of 16 with 6-bit scales stored plus 32, value = d * (sc - 32) * (q - 4 * (1 -
 * h)): q two bits from qs as in Q2_K (bits 2j..2j+1 of byte l of a half's 32 bytes are element 32j + l), h bit
 * 4n + j of hmask[l] for half n. That is Q6_K's form (a signed value per weight, a signed scale per 16, d per 256), so
 * generation reads a repack in Q6_K's layout ({@link #repack}) with Q6_K's kernels, and {@link #scalar} follows their
 * arithmetic. A matrix the heap has no room for is read in place by {@link #apply}, which builds q | h << 2, less 4,
 * as signed bytes for 16 weights at once, and the prompt pass decodes the file's blocks ({@link #dequantize}). cols
 * must be a multiple of 256.
 */
final class MatVecQ3_K {

    static final int BLOCK = GgmlType.Q3_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q3_K.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    private MatVecQ3_K() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step; // float vectors per sub-block: 1 at 512 bits, 2 at 256
        float[] dl = new float[16];
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            // Two accumulators (even and odd sub-blocks), so that no single FMA chain bounds the loop.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                scales(w, block, dl);
                ByteVector ha = ByteVector.fromMemorySegment(B128, w, block, LITTLE_ENDIAN);
                ByteVector hb = ByteVector.fromMemorySegment(B128, w, block + 16, LITTLE_ENDIAN);
                for (int n = 0; n < 2; n++) {
                    ByteVector qa = ByteVector.fromMemorySegment(B128, w, block + 32 + 32 * n, LITTLE_ENDIAN);
                    ByteVector qb = ByteVector.fromMemorySegment(B128, w, block + 48 + 32 * n, LITTLE_ENDIAN);
                    for (int j = 0; j < 4; j++) {
                        // The 3-bit values minus 4 as signed bytes, built on all 16 bytes at once with int shifts (x86
                        // has no byte shift; the ands drop the bits that cross a byte), then widened like Q8_0's.
                        int k = 4 * n + j; // the hmask bit, moved to bit 2
                        ByteVector va = qa.reinterpretAsInts()
                                .lanewise(VectorOperators.LSHR, 2 * j)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .or((k >= 2
                                                ? ha.reinterpretAsInts().lanewise(VectorOperators.LSHR, k - 2)
                                                : ha.reinterpretAsInts().lanewise(VectorOperators.LSHL, 2 - k))
                                        .reinterpretAsBytes()
                                        .and((byte) 4))
                                .sub((byte) 4);
                        ByteVector vb = qb.reinterpretAsInts()
                                .lanewise(VectorOperators.LSHR, 2 * j)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .or((k >= 2
                                                ? hb.reinterpretAsInts().lanewise(VectorOperators.LSHR, k - 2)
                                                : hb.reinterpretAsInts().lanewise(VectorOperators.LSHL, 2 - k))
                                        .reinterpretAsBytes()
                                        .and((byte) 4))
                                .sub((byte) 4);
                        FloatVector sa = FloatVector.zero(F), sb = sa;
                        for (int p = 0; p < parts; p++) {
                            int xo = xOff + b * BLOCK + 128 * n + 32 * j + p * step;
                            sa = ((FloatVector) va.convertShape(VectorOperators.B2F, F, p))
                                    .fma(FloatVector.fromArray(F, x, xo), sa);
                            sb = ((FloatVector) vb.convertShape(VectorOperators.B2F, F, p))
                                    .fma(FloatVector.fromArray(F, x, xo + 16), sb);
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
     * dl[i] = d * (scale i - 32) for the block at byte offset {@code block}. The 12 scale bytes as three little-endian
     * ints: scale i's low 4 bits are nibble i / 8 of byte i % 8, its high 2 bits bits 2 * (i / 4) of byte 8 + i % 4, so
     * each int below holds four scales, one per byte (kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f in ggml).
     */
    static void scales(MemorySegment w, long block, float[] dl) {
        float d = Float.float16ToFloat(w.get(LE_SHORT, block + 108));
        int a0 = w.get(LE_INT, block + 96), a1 = w.get(LE_INT, block + 100), t = w.get(LE_INT, block + 104);
        scales4(d, a0 & 0x0F0F0F0F | (t & 0x03030303) << 4, dl, 0);
        scales4(d, a1 & 0x0F0F0F0F | (t >>> 2 & 0x03030303) << 4, dl, 4);
        scales4(d, a0 >>> 4 & 0x0F0F0F0F | (t >>> 4 & 0x03030303) << 4, dl, 8);
        scales4(d, a1 >>> 4 & 0x0F0F0F0F | (t >>> 6 & 0x03030303) << 4, dl, 12);
    }

    private static void scales4(float d, int s, float[] dl, int i) {
        dl[i] = d * ((s & 0xFF) - 32);
        dl[i + 1] = d * ((s >>> 8 & 0xFF) - 32);
        dl[i + 2] = d * ((s >>> 16 & 0xFF) - 32);
        dl[i + 3] = d * ((s >>> 24) - 32);
    }

    /**
     * Rows [r0, r1) of w as floats, row-major from panel[o0] on (the batched kernel's input): dequantize_row_q3_K's
     * operations (the scale times d, then times the 3-bit value), so the panel holds its floats bit for bit.
     */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel, int o0) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = 16 / step;
        float[] dl = new float[16];
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            scales(w, block, dl);
            for (int n = 0; n < 2; n++) {
                for (int s = 0; s < 2; s++) {
                    ByteVector q = ByteVector.fromMemorySegment(B128, w, block + 32 + 32 * n + 16 * s, LITTLE_ENDIAN);
                    ByteVector hm = ByteVector.fromMemorySegment(B128, w, block + 16 * s, LITTLE_ENDIAN);
                    for (int j = 0; j < 4; j++) {
                        int k = 4 * n + j;
                        ByteVector v = q.reinterpretAsInts()
                                .lanewise(VectorOperators.LSHR, 2 * j)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .or((k >= 2
                                                ? hm.reinterpretAsInts().lanewise(VectorOperators.LSHR, k - 2)
                                                : hm.reinterpretAsInts().lanewise(VectorOperators.LSHL, 2 - k))
                                        .reinterpretAsBytes()
                                        .and((byte) 4))
                                .sub((byte) 4);
                        FloatVector dv = FloatVector.broadcast(F, dl[8 * n + 2 * j + s]);
                        for (int p = 0; p < parts; p++) {
                            ((FloatVector) v.convertShape(VectorOperators.B2F, F, p))
                                    .mul(dv)
                                    .intoArray(panel, o + 128 * n + 32 * j + 16 * s + p * step);
                        }
                    }
                }
            }
        }
    }

    /**
     * The block at src[at..] as Q6_K's kernels take it: its 256 values q - 4 * (1 - h), a signed byte each in column
     * order, into q[o..], and its 16 scales less 32 into sc[s..].
     */
    static void unpack(byte[] src, int at, byte[] q, int o, byte[] sc, int s) {
        // Element 128 n + 32 j + l: bits 2j..2j+1 of qs byte 32 n + l, and bit 4 n + j of hmask byte l.
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0, e = o + 128 * n + 32 * j; l < 32; l++) {
                    int v = src[at + 32 + 32 * n + l] >> 2 * j & 3, h = src[at + l] >> 4 * n + j & 1;
                    q[e + l] = (byte) (v - 4 + 4 * h);
                }
            }
        }
        for (int i = 0; i < 16; i++) {
            int low = (src[at + 96 + i % 8] & 0xFF) >> (i < 8 ? 0 : 4) & 0xF;
            int high = (src[at + 104 + i % 4] & 0xFF) >> 2 * (i / 4) & 3;
            sc[s + i] = (byte) ((low | high << 4) - 32);
        }
    }

    private static float d(byte[] src, int at) {
        return Bytes8.half(src, at + 108);
    }

    /**
     * Fills a repack in {@link MatVecQ6_K#repack}'s layout from the file's rows: per pass and block, each sub-block's 16
     * columns of values, then its scale less 32, a byte per row; d a float per row and block. 276 bytes per 256
     * weights, 2.5x the file.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales) {
        int pass = RowLanes.PASS, sub = MatVecQ6_K.SUB, unitBytes = MatVecQ6_K.UNIT;
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES;
        byte[] src = new byte[pass * rowBytes], q = new byte[BLOCK], sc = new byte[BLOCK / sub];
        for (int p = 0; p * pass < rows; p++) {
            int n = Math.min(pass, rows - p * pass);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * pass * rowBytes, src, 0, n * rowBytes);
            for (int l = 0; l < n; l++) {
                for (int b = 0, at = l * rowBytes; b < blocks; b++, at += BLOCK_BYTES) {
                    unpack(src, at, q, 0, sc, 0);
                    int unit = p * blocks + b, base = unit * unitBytes * pass + l;
                    scales[unit * pass + l] = d(src, at);
                    for (int j = 0; j < BLOCK / sub; j++) {
                        int o = base + j * (sub + 1) * pass;
                        for (int c = 0; c < sub; c++, o += pass) quants[o] = q[sub * j + c];
                        quants[o] = sc[j];
                    }
                }
            }
        }
    }

    /**
     * The scalar twin, with Q6_K's arithmetic: per sub-block of 16 columns an FMA chain over the even ones and one over
     * the odd, then acc = fma(even + odd, d * (scale - 32), acc); each weight decoded as block_q3_K defines it.
     */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] src = new byte[BLOCK_BYTES], q = new byte[BLOCK], sc = new byte[16];
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(w, JAVA_BYTE, ((long) r * blocks + b) * BLOCK_BYTES, src, 0, BLOCK_BYTES);
                unpack(src, 0, q, 0, sc, 0);
                float d = d(src, 0);
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < 16; j++) {
                    float even = 0f, odd = 0f;
                    for (int c = 0; c < 16; c += 2) {
                        even = Math.fma(q[16 * j + c], x[xb + 16 * j + c], even);
                        odd = Math.fma(q[16 * j + c + 1], x[xb + 16 * j + c + 1], odd);
                    }
                    acc = Math.fma(even + odd, d * sc[j], acc);
                }
            }
            out[outOff + r] = acc;
        }
    }
}
