package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml's 256-value super-blocks Q2_K, Q3_K, Q4_K, Q5_K and Q6_K, bit-exact with {@code quantize_row_q*_K_ref} in
 * ggml-quants.c (what llama-quantize runs when there is no importance matrix). Each super-block's sub-block scales
 * come from a small search ({@link #makeQkx2Quants} for the types with a minimum, {@link #makeQ3Quants} and
 * {@link #makeQxQuants} for the symmetric ones); the scales are then quantized themselves and the values requantized
 * with the stored scales. Float operations run in ggml's order (C without FMA contraction, as ggml-base is built),
 * so every rounding is the same as ggml's.
 */
final class KQuants {

    private static final int QK_K = BlockFormats.QK_K;
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuants() {}

    // block_q2_K { uint8 scales[16] (scale | min << 4); uint8 qs[64]; half d; half dmin; }
    static void q2_K(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q2_K.bytesPerBlock];
        byte[] L = new byte[QK_K], laux = new byte[16];
        float[] weights = new float[16], mins = new float[QK_K / 16], scales = new float[QK_K / 16];
        int[] sc = new int[QK_K / 16];
        final float q4scale = 15f;
        for (int i = 0; i < n / QK_K; i++) {
            int base = xOff + i * QK_K;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[base + 16 * j + l]);
                scales[j] = makeQkx2Quants(
                        16, 3, x, base + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float d, dmin;
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < QK_K / 16; j++) sc[j] = Blocks.nearestInt(iscale * scales[j]) & 0xFF;
                d = Blocks.putF16(y, 80, maxScale / q4scale);
            } else {
                for (int j = 0; j < QK_K / 16; j++) sc[j] = 0;
                d = Blocks.putF16(y, 80, 0f);
            }
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < QK_K / 16; j++) sc[j] = (sc[j] | Blocks.nearestInt(iscale * mins[j]) << 4) & 0xFF;
                dmin = Blocks.putF16(y, 82, maxMin / q4scale);
            } else {
                dmin = Blocks.putF16(y, 82, 0f);
            }
            for (int j = 0; j < QK_K / 16; j++) {
                y[j] = (byte) sc[j];
                float dl = d * (sc[j] & 0xF);
                if (dl == 0) continue;
                float dm = dmin * (sc[j] >> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = Blocks.nearestInt((x[base + 16 * j + ii] + dm) / dl);
                    L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            pack2Bits(L, y, 16);
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) i * y.length, y.length);
        }
    }

    // block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12] (16 six-bit scales); half d; }
    static void q3_K(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q3_K.bytesPerBlock];
        byte[] L = new byte[QK_K];
        float[] scales = new float[QK_K / 16];
        for (int i = 0; i < n / QK_K; i++) {
            java.util.Arrays.fill(y, (byte) 0);
            int base = xOff + i * QK_K;
            float maxScale = 0, amax = 0;
            for (int j = 0; j < QK_K / 16; j++) {
                scales[j] = makeQ3Quants(16, 4, x, base + 16 * j, L, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            final int sOff = 96;
            float d;
            if (maxScale != 0) {
                float iscale = -32f / maxScale;
                for (int j = 0; j < QK_K / 16; j++) {
                    int l = (byte) Blocks.nearestInt(iscale * scales[j]);
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (j < 8) {
                        y[sOff + j] = (byte) (l & 0xF);
                    } else {
                        y[sOff + j - 8] |= (byte) ((l & 0xF) << 4);
                    }
                    l >>= 4;
                    y[sOff + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
                }
                d = Blocks.putF16(y, 108, 1 / iscale);
            } else {
                d = Blocks.putF16(y, 108, 0f);
            }
            for (int j = 0; j < QK_K / 16; j++) {
                int s = j < 8 ? y[sOff + j] & 0xF : (y[sOff + j - 8] & 0xFF) >> 4;
                s = (byte) ((s | (((y[sOff + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4) - 32);
                float dl = d * s;
                if (dl == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = Blocks.nearestInt(x[base + 16 * j + ii] / dl);
                    L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            // the high bit of quant j goes to bit j/32 of hmask[j % 32]
            for (int j = 0; j < QK_K; j++) {
                if (L[j] > 3) {
                    y[j % 32] |= (byte) (1 << (j / 32));
                    L[j] -= 4;
                }
            }
            pack2Bits(L, y, 32);
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) i * y.length, y.length);
        }
    }

    // block_q4_K { half d; half dmin; uint8 scales[12] (8 six-bit scales and mins); uint8 qs[128]; }
    static void q4_K(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        withMinimum(x, xOff, n, dst, dstOff, GgmlType.Q4_K, 15, -1f, 20);
    }

    // block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
    static void q5_K(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        withMinimum(x, xOff, n, dst, dstOff, GgmlType.Q5_K, 31, -0.5f, 15);
    }

    /** Q4_K and Q5_K: eight sub-blocks of 32, each with a 6-bit scale and min under the fp16 d and dmin. */
    private static void withMinimum(
            float[] x,
            int xOff,
            int n,
            MemorySegment dst,
            long dstOff,
            GgmlType type,
            int nmax,
            float rmin,
            int nstep) {
        byte[] y = new byte[type.bytesPerBlock];
        MemorySegment packed = MemorySegment.ofArray(y);
        byte[] L = new byte[QK_K], laux = new byte[32];
        float[] weights = new float[32], mins = new float[QK_K / 32], scales = new float[QK_K / 32];
        for (int i = 0; i < n / QK_K; i++) {
            java.util.Arrays.fill(y, (byte) 0);
            int base = xOff + i * QK_K;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < QK_K / 32; j++) {
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += x[base + 32 * j + l] * x[base + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[base + 32 * j + l]);
                scales[j] = makeQkx2Quants(
                        32, nmax, x, base + 32 * j, weights, L, 32 * j, mins, j, laux, rmin, 0.1f, nstep, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            final int s = 4;
            for (int j = 0; j < QK_K / 32; j++) {
                int ls = Math.min(63, Blocks.nearestInt(invScale * scales[j]) & 0xFF);
                int lm = Math.min(63, Blocks.nearestInt(invMin * mins[j]) & 0xFF);
                if (j < 4) {
                    y[s + j] = (byte) ls;
                    y[s + j + 4] = (byte) lm;
                } else {
                    y[s + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                    y[s + j - 4] |= (byte) ((ls >> 4) << 6);
                    y[s + j] |= (byte) ((lm >> 4) << 6);
                }
            }
            float d = Blocks.putF16(y, 0, maxScale / 63f);
            float dmin = Blocks.putF16(y, 2, maxMin / 63f);
            for (int j = 0; j < QK_K / 32; j++) {
                float dl = d * BlockFormats.scaleK4(packed, s, j);
                if (dl == 0) continue;
                float dm = dmin * BlockFormats.minK4(packed, s, j);
                for (int ii = 0; ii < 32; ii++) {
                    int l = Blocks.nearestInt((x[base + 32 * j + ii] + dm) / dl);
                    L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
                }
            }
            if (type == GgmlType.Q4_K) {
                // 64 values per 32 bytes: low nibbles the first 32, high nibbles the next 32
                for (int j = 0; j < QK_K; j += 64) {
                    for (int l = 0; l < 32; l++) y[16 + j / 2 + l] = (byte) (L[j + l] | L[j + l + 32] << 4);
                }
            } else {
                // as Q4_K, plus bit 4 of each value in qh: bits 2k and 2k+1 of qh[l] for the k-th group of 64
                int m1 = 1, m2 = 2;
                for (int j = 0; j < QK_K; j += 64) {
                    for (int l = 0; l < 32; l++) {
                        int l1 = L[j + l], l2 = L[j + l + 32];
                        if (l1 > 15) {
                            l1 -= 16;
                            y[16 + l] |= (byte) m1;
                        }
                        if (l2 > 15) {
                            l2 -= 16;
                            y[16 + l] |= (byte) m2;
                        }
                        y[48 + j / 2 + l] = (byte) (l1 | l2 << 4);
                    }
                    m1 <<= 2;
                    m2 <<= 2;
                }
            }
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) i * y.length, y.length);
        }
    }

    // block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }
    static void q6_K(float[] x, int xOff, int n, MemorySegment dst, long dstOff) {
        byte[] y = new byte[GgmlType.Q6_K.bytesPerBlock];
        byte[] L = new byte[QK_K];
        float[] scales = new float[QK_K / 16];
        for (int i = 0; i < n / QK_K; i++) {
            java.util.Arrays.fill(y, (byte) 0);
            int base = xOff + i * QK_K;
            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < QK_K / 16; ib++) {
                float scale = makeQxQuants(16, 32, x, base + 16 * ib, L, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale >= GROUP_MAX_EPS) { // else the block stays all zero
                float iscale = -128f / maxScale;
                float d = Blocks.putF16(y, 208, 1 / iscale);
                for (int ib = 0; ib < QK_K / 16; ib++) {
                    y[192 + ib] = (byte) Math.min(127, Blocks.nearestInt(iscale * scales[ib]));
                }
                for (int j = 0; j < QK_K / 16; j++) {
                    float dl = d * y[192 + j];
                    if (dl == 0) continue;
                    for (int ii = 0; ii < 16; ii++) {
                        int l = Blocks.nearestInt(x[base + 16 * j + ii] / dl);
                        L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                    }
                }
                // per 128 values: ql[l] = v[l] | v[l+64] << 4, ql[l+32] = v[l+32] | v[l+96] << 4 (low nibbles);
                // qh[l] = the high two bits of v[l], v[l+32], v[l+64], v[l+96]
                for (int j = 0; j < QK_K; j += 128) {
                    int ql = j / 2, qh = 128 + j / 4;
                    for (int l = 0; l < 32; l++) {
                        int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
                        y[ql + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                        y[ql + l + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                        y[qh + l] = (byte) (q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
                    }
                }
            }
            MemorySegment.copy(y, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) i * y.length, y.length);
        }
    }

    /** Q2_K/Q3_K's 2-bit layout: per 128 values, byte l of 32 holds v[l], v[l+32], v[l+64], v[l+96] from bit 0 up. */
    private static void pack2Bits(byte[] L, byte[] y, int off) {
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                y[off + j / 4 + l] = (byte) (L[j + l] | L[j + l + 32] << 2 | L[j + l + 64] << 4 | L[j + l + 96] << 6);
            }
        }
    }

    /**
     * ggml's {@code make_qx_quants} with rmse_type 1 (weights x^2) and no importance matrix: a symmetric scale for
     * {@code n} values into [-nmax, nmax), the best of 19 candidate scales by weighted least squares.
     * Writes L (offset by nmax) and returns the scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, Blocks.nearestInt(iscale * xi)));
            L[lo + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, Blocks.nearestInt(iscale * xi)));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = Blocks.nearestInt(iscale * x[xo + i]);
                    L[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * ggml's {@code make_q3_quants} with do_rmse: a symmetric start, then up to five passes that move single values to
     * the level that most improves the weighted (x^2) fit. Writes L (offset by nmax) and returns the scale.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, Blocks.nearestInt(iscale * xi)));
            L[lo + i] = (byte) l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                float w = xi * xi;
                int li = L[lo + i];
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, Blocks.nearestInt(xi * sl2 / slx)));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            L[lo + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) L[lo + i] += (byte) nmax;
        return sumlx / suml2;
    }

    /**
     * ggml's {@code make_qkx2_quants}: levels 0..nmax with a scale and a minimum (at most 0), starting from the range
     * and trying {@code nstep + 1} stretched scales, each refit by weighted least squares; keeps the lowest weighted
     * error (absolute with {@code useMad}, else squared). Writes L, stores -min in {@code theMin[mi]}, returns the scale.
     */
    static float makeQkx2Quants(
            int n,
            int nmax,
            float[] x,
            int xo,
            float[] weights,
            byte[] L,
            int lo,
            float[] theMin,
            int mi,
            byte[] laux,
            float rmin,
            float rdelta,
            int nstep,
            boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, Blocks.nearestInt(iscale * (x[xo + i] - min))));
            L[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestMad += weights[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, Blocks.nearestInt(iscale * (x[xo + i] - min))));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    mad += weights[i] * diff;
                }
                if (mad < bestMad) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[mi] = -min;
        return scale;
    }
}
