package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_NL mat-vec: each row of w is cols/32 blocks of 18 bytes, {fp16 d; uint8 qs[16]} (ggml block_iq4_nl), Q4_0's
 * layout with a non-linear code: value = d * kvalues_iq4nl[nibble], the low nibble of qs[j] element j and the high
 * nibble element j+16. The 16-entry table is one 128-bit byte vector, so a block's 32 lookups are two byte shuffles
 * (selectFrom); the signed bytes they give are then widened like Q8_0's. That is Q8_0's form (a signed byte times d per
 * 32), so generation reads Q8_0's repack with the table's values as its bytes ({@link #repack}) and runs Q8_0's
 * kernels where the heap has room, and {@link #scalar} follows their arithmetic; elsewhere {@link #apply} reads the
 * file's blocks in place, as the prompt pass does ({@link #dequantize}). cols must be a multiple of 32.
 */
final class MatVecIQ4_NL {

    static final int BLOCK = GgmlType.IQ4_NL.blockSize;
    static final int BLOCK_BYTES = GgmlType.IQ4_NL.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    /** kvalues_iq4nl as bytes, for a 128-bit table vector. */
    static final byte[] TABLE = table();

    private MatVecIQ4_NL() {}

    static void apply(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        int step = F.length();
        int parts = BLOCK / 2 / step; // float vectors per 16 values: 1 at 512 bits, 2 at 256
        ByteVector table = ByteVector.fromArray(B128, TABLE, 0);
        for (int r = rowStart; r < rowEnd; r++) {
            long row = (long) r * blocks * BLOCK_BYTES;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 2, LITTLE_ENDIAN);
                ByteVector lo = qs.and((byte) 0xF).selectFrom(table);
                // The high nibbles shifted as ints: x86 has no byte shift.
                ByteVector hi = qs.reinterpretAsInts()
                        .lanewise(VectorOperators.LSHR, 4)
                        .reinterpretAsBytes()
                        .and((byte) 0xF)
                        .selectFrom(table);
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < parts; p++) {
                    FloatVector l = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
                    FloatVector h = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
                    sum = l.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + p * step), sum);
                    sum = h.fma(FloatVector.fromArray(F, x, xOff + b * BLOCK + BLOCK / 2 + p * step), sum);
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
        ByteVector table = ByteVector.fromArray(B128, TABLE, 0);
        int o = o0;
        for (long block = (long) r0 * blocks * BLOCK_BYTES, end = (long) r1 * blocks * BLOCK_BYTES;
                block < end;
                block += BLOCK_BYTES, o += BLOCK) {
            ByteVector qs = ByteVector.fromMemorySegment(B128, w, block + 2, LITTLE_ENDIAN);
            ByteVector lo = qs.and((byte) 0xF).selectFrom(table);
            ByteVector hi = qs.reinterpretAsInts()
                    .lanewise(VectorOperators.LSHR, 4)
                    .reinterpretAsBytes()
                    .and((byte) 0xF)
                    .selectFrom(table);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE_SHORT, block)));
            for (int p = 0; p < BLOCK / 2 / step; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p))
                        .mul(d)
                        .intoArray(panel, o + p * step);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p))
                        .mul(d)
                        .intoArray(panel, o + BLOCK / 2 + p * step);
            }
        }
    }

    /**
     * Fills {@link MatVecQ8_0}'s repack from the file's rows: each weight's table value as Q8_0's signed byte, d as the
     * block's scale (36 bytes per 32 weights, 2x the file). The padding rows stay zero.
     */
    static void repack(MemorySegment w, int rows, int cols, byte[] quants, float[] scales) {
        int blocks = cols / BLOCK, rowBytes = blocks * BLOCK_BYTES, pass = RowLanes.PASS;
        byte[] src = new byte[pass * rowBytes];
        for (int p = 0; p * pass < rows; p++) {
            int n = Math.min(pass, rows - p * pass);
            MemorySegment.copy(w, JAVA_BYTE, (long) p * pass * rowBytes, src, 0, n * rowBytes);
            for (int b = 0; b < blocks; b++) {
                int unit = p * blocks + b;
                for (int l = 0, at = b * BLOCK_BYTES; l < n; l++, at += rowBytes) {
                    scales[unit * pass + l] = Bytes8.half(src, at);
                    lookUp(src, at + 2, quants, unit * BLOCK * pass + l, pass);
                }
            }
        }
    }

    /**
     * The 16 bytes of nibbles at src[at..] as 32 table values, element j (the low nibble of byte j, then the high
     * nibbles) at q[o + j * stride].
     */
    static void lookUp(byte[] src, int at, byte[] q, int o, int stride) {
        for (int j = 0; j < BLOCK / 2; j++, o += stride) {
            int v = src[at + j] & 0xFF;
            q[o] = TABLE[v & 0xF];
            q[o + BLOCK / 2 * stride] = TABLE[v >> 4];
        }
    }

    /**
     * The scalar twin of the repack's kernels, each weight decoded as block_iq4_nl defines it: {@link MatVecQ8_0}'s
     * arithmetic on the table values (per block an FMA chain over the even columns, one over the odd, then acc =
     * fma(even + odd, d, acc)); the in-place {@link #apply} sums in another order.
     */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        byte[] src = new byte[BLOCK_BYTES], q = new byte[BLOCK];
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                MemorySegment.copy(w, JAVA_BYTE, ((long) r * blocks + b) * BLOCK_BYTES, src, 0, BLOCK_BYTES);
                lookUp(src, 2, q, 0, 1);
                acc = MatVecQ8_0.scalarBlock(q, 0, x, xOff + b * BLOCK, Bytes8.half(src, 0), acc);
            }
            out[outOff + r] = acc;
        }
    }

    private static byte[] table() {
        byte[] t = new byte[16];
        for (int i = 0; i < 16; i++) t[i] = (byte) BlockFormats.iq4nl(i);
        return t;
    }
}
