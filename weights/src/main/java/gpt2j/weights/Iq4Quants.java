package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's non-linear 4-bit types: IQ4_NL (blocks of 32 with an fp16 scale) and IQ4_XS (super-blocks of 256 with 6-bit
 * sub-block scales), bit-exact with what llama-quantize writes without an importance matrix: ggml's
 * {@code quantize_iq4_nl} / {@code quantize_iq4_xs}, which search 15 scales per block of 32 (ntry 7) and weight each
 * value by x^2. Each 4-bit index picks one of {@link BlockFormats#iq4nl}'s 16 levels.
 */
final class Iq4Quants {

    private static final int NTRY = 7;
    private static final float GROUP_MAX_EPS = 1e-15f;

    private Iq4Quants() {}

    // block_iq4_nl { half d; uint8 qs[16]; }: nibbles laid out as Q4_0's
    static void iq4_nl(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        quantize(x, xOff, n, dst, dstOff, GgmlType.IQ4_NL, 32);
    }

    // block_iq4_xs { half d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]; }: sub-block scale ib (6 bits, +32)
    // has its low nibble in scales_l[ib/2] (ib even: low half) and its top two bits at bit 2*ib of scales_h
    static void iq4_xs(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        quantize(x, xOff, n, dst, dstOff, GgmlType.IQ4_XS, 256);
    }

    private static void quantize(
            float[] x, int xOff, int n, MemorySegment dst, long dstOff, GgmlType type, int superSize) {
        byte[] y = new byte[type.bytesPerBlock];
        byte[] L = new byte[superSize];
        float[] scales = new float[superSize / 32], weight = new float[32];
        for (int i = 0; i < n / superSize; i++) {
            java.util.Arrays.fill(y, (byte) 0);
            int base = xOff + i * superSize;
            float maxScale = 0, amaxScale = 0;
            for (int ib = 0; ib < superSize / 32; ib++) {
                int xb = base + ib * 32;
                for (int j = 0; j < 32; j++) weight[j] = x[xb + j] * x[xb + j];
                float amax = 0, max = 0;
                for (int j = 0; j < 32; j++) {
                    float ax = Math.abs(x[xb + j]);
                    if (ax > amax) {
                        amax = ax;
                        max = x[xb + j];
                    }
                }
                if (amax < GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    continue;
                }
                float d = -max / BlockFormats.iq4nl(0);
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < 32; j++) {
                    float q = BlockFormats.iq4nl(bestIndex(id * x[xb + j]));
                    float w = weight[j];
                    sumqx += w * q * x[xb + j];
                    sumq2 += w * q * q;
                }
                d = sumqx / sumq2;
                float best = d * sumqx;
                for (int itry = -NTRY; itry <= NTRY; itry++) {
                    id = (itry + BlockFormats.iq4nl(0)) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < 32; j++) {
                        float q = BlockFormats.iq4nl(bestIndex(id * x[xb + j]));
                        float w = weight[j];
                        sumqx += w * q * x[xb + j];
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scales[ib] = d;
                if (Math.abs(d) > amaxScale) {
                    amaxScale = Math.abs(d);
                    maxScale = d;
                }
            }
            int qs;
            if (type == GgmlType.IQ4_XS) {
                float d = -maxScale / 32;
                Blocks.putF16(y, 0, d);
                float id = d != 0 ? 1 / d : 0f;
                int scalesH = 0;
                for (int ib = 0; ib < superSize / 32; ib++) {
                    int l = Math.max(-32, Math.min(31, Blocks.nearestInt(id * scales[ib])));
                    float dl = d * l;
                    float idl = dl != 0 ? 1 / dl : 0f;
                    for (int j = 0; j < 32; j++) L[ib * 32 + j] = (byte) bestIndex(idl * x[base + ib * 32 + j]);
                    l += 32;
                    y[4 + ib / 2] |= (byte) ((l & 0xF) << (ib % 2 == 0 ? 0 : 4));
                    scalesH |= (l >> 4) << 2 * (ib % 8);
                }
                Blocks.putI16(y, 2, scalesH);
                qs = 8;
            } else {
                Blocks.putF16(y, 0, scales[0]);
                float id = scales[0] != 0 ? 1 / scales[0] : 0f;
                for (int j = 0; j < superSize; j++) L[j] = (byte) bestIndex(id * x[base + j]);
                qs = 2;
            }
            for (int b = 0; b < superSize / 32; b++) {
                for (int j = 0; j < 16; j++) y[qs + 16 * b + j] = (byte) (L[32 * b + j] | L[32 * b + 16 + j] << 4);
            }
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) i * y.length, y.length);
        }
    }

    /** ggml's best_index_int8: the level nearest {@code v}, the upper one on a tie. */
    static int bestIndex(float v) {
        if (v <= BlockFormats.iq4nl(0)) return 0;
        if (v >= BlockFormats.iq4nl(15)) return 15;
        int ml = 0, mu = 15;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (v < BlockFormats.iq4nl(mav)) mu = mav;
            else ml = mav;
        }
        return v - BlockFormats.iq4nl(mu - 1) < BlockFormats.iq4nl(mu) - v ? mu - 1 : mu;
    }
}
