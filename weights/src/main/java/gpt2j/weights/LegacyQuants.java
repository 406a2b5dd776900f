package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's 32-value blocks with a minimum or a fifth bit: Q4_1, Q5_0 and Q5_1, bit-exact with
 * {@code quantize_row_q4_1_ref}, {@code quantize_row_q5_0_ref} and {@code quantize_row_q5_1_ref} in ggml-quants.c.
 * Every step is float arithmetic in ggml's order; float-to-small-integer casts truncate toward zero as C's do.
 */
final class LegacyQuants {

    private static final int QK = 32;

    private LegacyQuants() {}

    // block_q4_1 { half d; half m; uint8 qs[16]; }: d = (max - min)/15, q = min(15, (int8)((x - min)/d + 0.5))
    static void q4_1(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q4_1.bytesPerBlock];
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0f ? 1.0f / d : 0f;
            Blocks.putF16(y, 0, d);
            Blocks.putF16(y, 2, min);
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (byte) (int) ((x[base + j] - min) * id + 0.5f));
                int hi = Math.min(15, (byte) (int) ((x[base + QK / 2 + j] - min) * id + 0.5f));
                y[4 + j] = (byte) (lo | hi << 4);
            }
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * y.length, y.length);
        }
    }

    // block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }: d = max/-16 (max signed, first of equal magnitudes),
    // q = min(31, (int8)(x/d + 16.5)); low nibbles as Q4_0, bit 4 of element j in bit j of qh (little-endian)
    static void q5_0(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q5_0.bytesPerBlock];
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float amax = 0f, max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0f ? 1.0f / d : 0f;
            Blocks.putF16(y, 0, d);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(31, (byte) (int) (x[base + j] * id + 16.5f)) & 0xFF;
                int hi = Math.min(31, (byte) (int) (x[base + QK / 2 + j] * id + 16.5f)) & 0xFF;
                y[6 + j] = (byte) ((lo & 0x0F) | (hi & 0x0F) << 4);
                qh |= ((lo & 0x10) >>> 4) << j;
                qh |= ((hi & 0x10) >>> 4) << (j + QK / 2);
            }
            Blocks.putI32(y, 2, qh);
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * y.length, y.length);
        }
    }

    // block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; }: d = (max - min)/31, q = (uint8)((x - min)/d + 0.5)
    static void q5_1(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q5_1.bytesPerBlock];
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0f ? 1.0f / d : 0f;
            Blocks.putF16(y, 0, d);
            Blocks.putF16(y, 2, min);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int lo = (int) ((x[base + j] - min) * id + 0.5f) & 0xFF;
                int hi = (int) ((x[base + QK / 2 + j] - min) * id + 0.5f) & 0xFF;
                y[8 + j] = (byte) ((lo & 0x0F) | (hi & 0x0F) << 4);
                qh |= ((lo & 0x10) >>> 4) << j;
                qh |= ((hi & 0x10) >>> 4) << (j + QK / 2);
            }
            Blocks.putI32(y, 4, qh);
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * y.length, y.length);
        }
    }
}
