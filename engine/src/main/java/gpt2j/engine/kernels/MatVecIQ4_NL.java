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
 * (selectFrom); the signed bytes they give are then widened like Q8_0's. The blocks are read in place. cols must be a
 * multiple of 32.
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

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input). */
    static void dequantize(MemorySegment w, int cols, int r0, int r1, float[] panel) {
        int blocks = cols / BLOCK;
        int step = F.length();
        ByteVector table = ByteVector.fromArray(B128, TABLE, 0);
        int o = 0;
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

    /** The scalar twin of {@link #apply}, each weight decoded as block_iq4_nl defines it. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            long block = (long) r * blocks * BLOCK_BYTES;
            float acc = 0f;
            for (int b = 0; b < blocks; b++, block += BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                int xb = xOff + b * BLOCK;
                for (int j = 0; j < BLOCK / 2; j++) {
                    int q = w.get(JAVA_BYTE, block + 2 + j) & 0xFF;
                    acc += d * BlockFormats.iq4nl(q & 0xF) * x[xb + j]
                            + d * BlockFormats.iq4nl(q >> 4) * x[xb + j + BLOCK / 2];
                }
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
