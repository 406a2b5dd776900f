package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Q6_K mat-vec: each row is cols/256 blocks of 210 bytes, {uint8 ql[128], qh[64]; int8 scales[16]; fp16 d} (ggml
 * block_q6_K). Per half of 128 values (ql += 64, qh += 32, scales += 8), byte l < 32 gives four 6-bit quants:
 * ql[l] low nibble with qh[l] bits 0-1 is element l, ql[l+32] low with bits 2-3 element l+32, ql[l] high with bits
 * 4-5 element l+64, ql[l+32] high with bits 6-7 element l+96; value = d * scales[l/16 + {0,2,4,6}] * (q - 32).
 * cols must be a multiple of 256. The vector kernels are {@link MatVecInt8}'s, on the bytes {@link #unpack} makes at
 * load; this class keeps the format and the scalar twin, which reads the file's blocks in place.
 */
final class MatVecQ6_K {

    static final int BLOCK = GgmlType.Q6_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q6_K.bytesPerBlock;

    private MatVecQ6_K() {}

    /**
     * The 256 6-bit quants less 32 of the block at {@code src[at..]}, one signed byte each in row order, into
     * {@code q[o..]} ({@link MatVecInt8}'s input).
     */
    static void unpack(byte[] src, int at, byte[] q, int o) {
        for (int h = 0; h < 2; h++) {
            int ql = at + 64 * h, qh = at + 128 + 32 * h, p = o + 128 * h;
            for (int l = 0; l < 32; l += 8) {
                long a = Bytes8.get(src, ql + l), c = Bytes8.get(src, ql + l + 32), hi = Bytes8.get(src, qh + l);
                Bytes8.set(q, p + l, Bytes8.minus32(a & Bytes8.NIBBLES | (hi & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 32, Bytes8.minus32(c & Bytes8.NIBBLES | (hi >>> 2 & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 64, Bytes8.minus32(a >>> 4 & Bytes8.NIBBLES | (hi >>> 4 & Bytes8.BITS01) << 4));
                Bytes8.set(q, p + l + 96, Bytes8.minus32(c >>> 4 & Bytes8.NIBBLES | (hi >>> 6 & Bytes8.BITS01) << 4));
            }
        }
    }

    /** The scalar twin of {@link MatVecInt8#apply} on Q6_K, straight from dequantize_row_q6_K. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block + 208));
                for (int h = 0; h < 2; h++) {
                    long ql = block + 64 * h, qh = block + 128 + 32 * h, sc = block + 192 + 8 * h;
                    int xb = xOff + b * BLOCK + 128 * h;
                    for (int l = 0; l < 32; l++) {
                        int a = w.get(JAVA_BYTE, ql + l) & 0xFF, c = w.get(JAVA_BYTE, ql + l + 32) & 0xFF;
                        int hi = w.get(JAVA_BYTE, qh + l) & 0xFF;
                        int is = l / 16;
                        acc += d * w.get(JAVA_BYTE, sc + is) * ((a & 0xF | (hi & 3) << 4) - 32) * x[xb + l];
                        acc += d
                                * w.get(JAVA_BYTE, sc + is + 2)
                                * ((c & 0xF | (hi >> 2 & 3) << 4) - 32)
                                * x[xb + l + 32];
                        acc += d
                                * w.get(JAVA_BYTE, sc + is + 4)
                                * ((a >> 4 | (hi >> 4 & 3) << 4) - 32)
                                * x[xb + l + 64];
                        acc += d
                                * w.get(JAVA_BYTE, sc + is + 6)
                                * ((c >> 4 | (hi >> 6 & 3) << 4) - 32)
                                * x[xb + l + 96];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
