package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Row conversions between float and ggml's storage types, bit-exact with ggml's reference code
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code dequantize_row_*} in ggml-quants.c; the other
 * types' quantizers live in {@link LegacyQuants}, {@link KQuants} and {@link Iq4Quants}).
 * Scales are fp16 rounded to nearest even, as {@code GGML_FP32_TO_FP16} does. All reads and writes are
 * little-endian and unaligned (Q8_0 blocks are 34 bytes, so scales sit at odd offsets).
 */
public final class Quantizer {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QK = 32;

    private Quantizer() {}

    /** Writes {@code n} values {@code x[xOff..]} as {@code type} at {@code dst[dstOff..]} ({@code type.byteSize(n)} bytes). */
    public static void quantizeRow(GgmlType type, float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        switch (type) {
            case F32 -> MemorySegment.copy(x, xOff, dst, F32, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst.set(I16, dstOff + 2L * i, Float.floatToFloat16(x[xOff + i]));
            }
            case Q8_0 -> quantizeRowQ8_0(x, xOff, n, dst, dstOff);
            case Q4_0 -> quantizeRowQ4_0(x, xOff, n, dst, dstOff);
            case Q4_1 -> LegacyQuants.q4_1(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q5_0 -> LegacyQuants.q5_0(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q5_1 -> LegacyQuants.q5_1(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q2_K -> KQuants.q2_K(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q3_K -> KQuants.q3_K(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q4_K -> KQuants.q4_K(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q5_K -> KQuants.q5_K(x, xOff, checkBlocks(type, n), dst, dstOff);
            case Q6_K -> KQuants.q6_K(x, xOff, checkBlocks(type, n), dst, dstOff);
            case IQ4_NL -> Iq4Quants.iq4_nl(x, xOff, checkBlocks(type, n), dst, dstOff);
            case IQ4_XS -> Iq4Quants.iq4_xs(x, xOff, checkBlocks(type, n), dst, dstOff);
            case BF16 -> throw new IllegalArgumentException("gpt2j does not write BF16");
        }
    }

    /** Reads {@code n} values of {@code type} at {@code src[srcOff..]} into {@code out[outOff..]}. */
    public static void dequantizeRow(GgmlType type, MemorySegment src, long srcOff, float[] out, int outOff, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, srcOff, out, outOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[outOff + i] = Float.float16ToFloat(src.get(I16, srcOff + 2L * i));
            }
            case BF16 -> {
                // bf16 is the top half of an f32
                for (int i = 0; i < n; i++) out[outOff + i] = Float.intBitsToFloat(src.get(I16, srcOff + 2L * i) << 16);
            }
            case Q8_0 -> dequantizeRowQ8_0(src, srcOff, out, outOff, n);
            case Q4_0 -> dequantizeRowQ4_0(src, srcOff, out, outOff, n);
            default -> Dequantizer.row(type, src, srcOff, out, outOff, n);
        }
    }

    // block_q8_0 { ggml_half d; int8_t qs[32]; }: d = amax/127, qs[j] = roundf(x[j]/d)
    static void quantizeRowQ8_0(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long out = dstOff + (long) b * GgmlType.Q8_0.bytesPerBlock;
            float amax = 0f;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[base + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(I16, out, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, out + 2 + j, (byte) roundf(x[base + j] * id));
            }
        }
    }

    // block_q4_0 { ggml_half d; uint8_t qs[16]; }: d = max/-8 where max keeps its sign, q = min(15, (int8)(x/d + 8.5));
    // byte j holds element j in its low nibble and element j+16 in its high nibble.
    static void quantizeRowQ4_0(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long out = dstOff + (long) b * GgmlType.Q4_0.bytesPerBlock;
            float amax = 0f, max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) { // strict: the first of equal magnitudes wins, as in ggml
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(I16, out, Float.floatToFloat16(d));
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (byte) (int) (x[base + j] * id + 8.5f));
                int hi = Math.min(15, (byte) (int) (x[base + QK / 2 + j] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, out + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    static void dequantizeRowQ8_0(MemorySegment src, long srcOff, float[] out, int outOff, int n) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            long in = srcOff + (long) b * GgmlType.Q8_0.bytesPerBlock;
            float d = Float.float16ToFloat(src.get(I16, in));
            for (int j = 0; j < QK; j++) out[outOff + b * QK + j] = src.get(ValueLayout.JAVA_BYTE, in + 2 + j) * d;
        }
    }

    static void dequantizeRowQ4_0(MemorySegment src, long srcOff, float[] out, int outOff, int n) {
        checkBlocks(n);
        for (int b = 0; b < n / QK; b++) {
            long in = srcOff + (long) b * GgmlType.Q4_0.bytesPerBlock;
            float d = Float.float16ToFloat(src.get(I16, in));
            int o = outOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = src.get(ValueLayout.JAVA_BYTE, in + 2 + j) & 0xFF;
                out[o + j] = ((q & 0x0F) - 8) * d;
                out[o + j + QK / 2] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** C's roundf: halves away from zero (Math.round rounds -2.5 to -2). */
    static int roundf(float v) {
        return v >= 0 ? Math.round(v) : -Math.round(-v);
    }

    private static int checkBlocks(GgmlType type, int n) {
        if (n % type.blockSize != 0) {
            throw new IllegalArgumentException(
                    type + " needs rows of a multiple of " + type.blockSize + " values, got " + n);
        }
        return n;
    }

    private static void checkBlocks(int n) {
        if (n % QK != 0) throw new IllegalArgumentException("row of " + n + " values is not a multiple of " + QK);
    }
}
