package gpt2j.weights;

import static gpt2j.weights.BlockFormats.QK_K;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's dequantize_row_* (ggml-quants.c) for the types llama-quantize adds to a GPT-2 file, one block at a time, with
 * the same float operations in the same order (no fused multiply-add), so the floats are the ones ggml's reference and
 * gguf-py produce. Rows must be whole blocks; {@link Quantizer#dequantizeRow} dispatches here.
 */
final class Dequantizer {

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantizer() {}

    static void row(GgmlType type, MemorySegment src, long off, float[] y, int o, int n) {
        if (n % type.blockSize != 0) {
            throw new IllegalArgumentException(
                    type + " row of " + n + " values is not whole blocks of " + type.blockSize);
        }
        for (int b = 0; b < n / type.blockSize; b++) {
            long x = off + (long) b * type.bytesPerBlock;
            int yo = o + b * type.blockSize;
            switch (type) {
                case Q4_1 -> q4_1(src, x, y, yo);
                case Q5_0 -> q5(src, x, y, yo, false);
                case Q5_1 -> q5(src, x, y, yo, true);
                case Q2_K -> q2_K(src, x, y, yo);
                case Q3_K -> q3_K(src, x, y, yo);
                case Q4_K -> q4_K(src, x, y, yo);
                case Q5_K -> q5_K(src, x, y, yo);
                case Q6_K -> q6_K(src, x, y, yo);
                case IQ4_NL -> iq4_nl(src, x, y, yo);
                case IQ4_XS -> iq4_xs(src, x, y, yo);
                default -> throw new IllegalArgumentException("no block dequantizer for " + type);
            }
        }
    }

    private static float half(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    // block_q4_1 { half d, m; uint8 qs[16]; }: y = q * d + m, low nibbles first
    private static void q4_1(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x), m = half(s, x + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, x + 4 + j);
            y[o + j] = (q & 0xF) * d + m;
            y[o + j + 16] = (q >>> 4) * d + m;
        }
    }

    // block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }: y = (q | h << 4) - 16) * d;
    // block_q5_1 { half d, m; uint8 qh[4]; uint8 qs[16]; }: y = (q | h << 4) * d + m. Bit j of qh is element j's fifth
    // bit.
    private static void q5(MemorySegment s, long x, float[] y, int o, boolean withMin) {
        float d = half(s, x);
        float m = withMin ? half(s, x + 2) : 0f;
        long h = withMin ? x + 4 : x + 2;
        int qh = s.get(I32, h);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, h + 4 + j);
            int x0 = q & 0xF | (qh >>> j << 4 & 0x10);
            int x1 = q >>> 4 | (qh >>> (j + 12) & 0x10);
            if (withMin) {
                y[o + j] = x0 * d + m;
                y[o + j + 16] = x1 * d + m;
            } else {
                y[o + j] = (x0 - 16) * d;
                y[o + j + 16] = (x1 - 16) * d;
            }
        }
    }

    // block_q2_K { uint8 scales[16]; uint8 qs[64]; half d, dmin; }: 16 sub-blocks of 16, each with a 4-bit scale (low)
    // and 4-bit min (high); y = d * sc * q - dmin * m. Byte l of a 32-byte group holds 4 sub-blocks' elements at shifts
    // 0..6.
    private static void q2_K(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x + 80), min = half(s, x + 82);
        int is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            long q = x + 16 + n / 4;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    int sc = u8(s, x + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) y[o++] = dl * (u8(s, q + 16 * half + l) >>> shift & 3) - ml;
                }
            }
        }
    }

    // block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; }: 16 sub-blocks of 16 with 6-bit scales
    // (stored - 32); y = d * sc * (q - (high bit clear ? 4 : 0)).
    private static void q3_K(MemorySegment s, long x, float[] y, int o) {
        float dAll = half(s, x + 108);
        long sc = x + 96;
        int is = 0, m = 1;
        for (int n = 0; n < QK_K; n += 128) {
            long q = x + 32 + n / 4;
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; half++, is++) {
                    float dl = dAll * (scaleQ3_K(s, sc, is) - 32);
                    for (int l = 0; l < 16; l++) {
                        int k = 16 * half + l;
                        int hi = (u8(s, x + k) & m) != 0 ? 0 : 4;
                        y[o++] = dl * ((u8(s, q + k) >>> shift & 3) - hi);
                    }
                }
            }
        }
    }

    /**
     * Q3_K sub-block i's 6-bit scale (0..63, stored offset by 32): the low 4 bits are the low (i < 8) or high nibble of
     * byte i % 8, the high 2 bits come from byte 8 + i % 4 at bit 2 * (i / 4) (dequantize_row_q3_K's kmask shuffle).
     */
    static int scaleQ3_K(MemorySegment s, long sc, int i) {
        int low = u8(s, sc + i % 8) >>> (i < 8 ? 0 : 4) & 0xF;
        int high = u8(s, sc + 8 + i % 4) >>> (2 * (i / 4)) & 3;
        return low | high << 4;
    }

    // block_q4_K { half d, dmin; uint8 scales[12]; uint8 qs[128]; }: 8 sub-blocks of 32; each 32-byte group holds two
    // sub-blocks, the first in the low nibbles. y = d * sc * q - dmin * m.
    private static void q4_K(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x), min = half(s, x + 2);
        for (int g = 0; g < 4; g++) {
            float d1 = d * BlockFormats.scaleK4(s, x + 4, 2 * g), m1 = min * BlockFormats.minK4(s, x + 4, 2 * g);
            float d2 = d * BlockFormats.scaleK4(s, x + 4, 2 * g + 1),
                    m2 = min * BlockFormats.minK4(s, x + 4, 2 * g + 1);
            long q = x + 16 + 32L * g;
            for (int l = 0; l < 32; l++) y[o + 64 * g + l] = d1 * (u8(s, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[o + 64 * g + 32 + l] = d2 * (u8(s, q + l) >>> 4) - m2;
        }
    }

    // block_q5_K { half d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }: Q4_K plus a fifth bit, bit 2g (low
    // nibbles) or 2g+1 (high nibbles) of qh[l] for group g.
    private static void q5_K(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x), min = half(s, x + 2);
        for (int g = 0; g < 4; g++) {
            float d1 = d * BlockFormats.scaleK4(s, x + 4, 2 * g), m1 = min * BlockFormats.minK4(s, x + 4, 2 * g);
            float d2 = d * BlockFormats.scaleK4(s, x + 4, 2 * g + 1),
                    m2 = min * BlockFormats.minK4(s, x + 4, 2 * g + 1);
            long q = x + 48 + 32L * g;
            for (int l = 0; l < 32; l++) {
                int h = u8(s, x + 16 + l);
                y[o + 64 * g + l] = d1 * ((u8(s, q + l) & 0xF) + ((h >>> 2 * g & 1) << 4)) - m1;
                y[o + 64 * g + 32 + l] = d2 * ((u8(s, q + l) >>> 4) + ((h >>> 2 * g + 1 & 1) << 4)) - m2;
            }
        }
    }

    // block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }: 16 sub-blocks of 16 with int8 scales;
    // q = (4 low bits | 2 high bits << 4) - 32, y = d * sc * q. Per 128 values: ql[l] low nibble -> l, ql[l+32] low
    // -> l+32, ql[l] high -> l+64, ql[l+32] high -> l+96; qh[l] bits 0-1, 2-3, 4-5, 6-7 go to the same four.
    private static void q6_K(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x + 208);
        for (int n = 0; n < 2; n++) {
            long ql = x + 64L * n, qh = x + 128 + 32L * n, sc = x + 192 + 8L * n;
            int yo = o + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = u8(s, ql + l), b = u8(s, ql + l + 32), h = u8(s, qh + l);
                int q1 = (a & 0xF | (h & 3) << 4) - 32;
                int q2 = (b & 0xF | (h >>> 2 & 3) << 4) - 32;
                int q3 = (a >>> 4 | (h >>> 4 & 3) << 4) - 32;
                int q4 = (b >>> 4 | (h >>> 6 & 3) << 4) - 32;
                y[yo + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                y[yo + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                y[yo + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                y[yo + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }

    // block_iq4_nl { half d; uint8 qs[16]; }: y = d * kvalues_iq4nl[nibble], low nibbles first
    private static void iq4_nl(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, x + 2 + j);
            y[o + j] = d * BlockFormats.iq4nl(q & 0xF);
            y[o + j + 16] = d * BlockFormats.iq4nl(q >>> 4);
        }
    }

    // block_iq4_xs { half d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]; }: 8 sub-blocks of 32 laid out as
    // IQ4_NL blocks, each with a 6-bit scale (4 low bits from scales_l, 2 high from scales_h) offset by 32.
    private static void iq4_xs(MemorySegment s, long x, float[] y, int o) {
        float d = half(s, x);
        int scalesH = s.get(I16, x + 2) & 0xFFFF;
        for (int ib = 0; ib < 8; ib++) {
            int ls = u8(s, x + 4 + ib / 2) >>> 4 * (ib % 2) & 0xF | (scalesH >>> 2 * ib & 3) << 4;
            float dl = d * (ls - 32);
            long qs = x + 8 + 16L * ib;
            for (int j = 0; j < 16; j++) {
                int q = u8(s, qs + j);
                y[o + 32 * ib + j] = dl * BlockFormats.iq4nl(q & 0xF);
                y[o + 32 * ib + j + 16] = dl * BlockFormats.iq4nl(q >>> 4);
            }
        }
    }
}
