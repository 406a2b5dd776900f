package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_K mat-vec: each row is cols/256 blocks of 176 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}
 * (ggml block_q5_K): {@link MatVecQ4_K}'s layout plus a fifth bit per value, bit 2g (low nibbles) or 2g+1 (high
 * nibbles) of qh[l] for the g-th 32 bytes of qs. value = d * sc * q - dmin * m. cols must be a multiple of 256.
 * The vector kernel reads the bytes {@link #unpack} makes at load, one signed byte per weight in row order
 * (quants[cols * r + c]), with a scale and a minimum per 32 ({@link KernelMatrix#scales}, {@link KernelMatrix#mins}):
 * per 16 weights one load, one widening and one FMA, where rebuilding each quant from its 4 + 1 bit planes took twice
 * the vector instructions (docs/KERNELS.md). The scalar twin reads the file's blocks in place.
 */
final class MatVecQ5_K {

    static final int BLOCK = GgmlType.Q5_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q5_K.bytesPerBlock;

    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    private MatVecQ5_K() {}

    /**
     * The kernel reads {@link KernelMatrix}'s repack: quants as above, and per 32 weights (sub-block j of row r at
     * cols/32 * r + j) a scale d * sc and a minimum dmin * m, taken as {@link MatVecQ4_K} takes its own. One scale FMA
     * per 32 weights, not per 16 (1.07-1.09x), in a method of its own: shared with Q6_K's through a test for minimums,
     * both ran at ~0.7x. Also Q5_0's and Q5_1's kernel on
     * their repack ({@link KernelMatrix}), so cols need only be a multiple of 64 here.
     */
    static void apply(
            byte[] quants,
            float[] scales,
            float[] mins,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int subs = cols / 32;
        int step = F.length();
        int parts = 16 / step; // float vectors per 16 bytes: 1 at 512 bits, 2 at 256, 4 at 128
        float[] xs = MatVecQ4_K.negatedSubBlockSums(x, xOff, cols, 32);
        int whole = F.loopBound(subs);
        VectorMask<Float> tail = F.indexInRange(whole, subs);
        for (int r = rowStart; r < rowEnd; r++) {
            int s = r * subs;
            // Two accumulators, even and odd sub-blocks: one chain of FMAs would wait on its latency.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int j = 0; j < whole; j += step) {
                acc1 = FloatVector.fromArray(F, mins, s + j).fma(FloatVector.fromArray(F, xs, j), acc1);
            }
            if (whole < subs) {
                acc1 = FloatVector.fromArray(F, mins, s + whole, tail)
                        .fma(FloatVector.fromArray(F, xs, whole, tail), acc1);
            }
            for (int j = 0; j < subs; j += 2) {
                FloatVector sum0 = FloatVector.zero(F), sum1 = sum0;
                for (int k = 0; k < 2; k++) {
                    ByteVector q0 = ByteVector.fromArray(B128, quants, (s + j) * 32 + 16 * k);
                    ByteVector q1 = ByteVector.fromArray(B128, quants, (s + j + 1) * 32 + 16 * k);
                    for (int p = 0; p < parts; p++) {
                        int xo = xOff + j * 32 + 16 * k + p * step;
                        sum0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p))
                                .fma(FloatVector.fromArray(F, x, xo), sum0);
                        sum1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p))
                                .fma(FloatVector.fromArray(F, x, xo + 32), sum1);
                    }
                }
                acc0 = sum0.fma(FloatVector.broadcast(F, scales[s + j]), acc0);
                acc1 = sum1.fma(FloatVector.broadcast(F, scales[s + j + 1]), acc1);
            }
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /**
     * Rows [r0, r1) as floats, row-major from offset 0 of panel (the batched kernel's input): scale * q - min, a scale
     * and a minimum per 32 weights.
     */
    static void dequantize(byte[] quants, float[] scales, float[] mins, int cols, int r0, int r1, float[] panel) {
        int step = F.length();
        int parts = 16 / step;
        for (int j = r0 * (cols / 16), end = r1 * (cols / 16), o = 0; j < end; j++, o += 16) {
            ByteVector q = ByteVector.fromArray(B128, quants, j * 16);
            FloatVector d = FloatVector.broadcast(F, scales[j / 2]);
            FloatVector m = FloatVector.broadcast(F, -mins[j / 2]);
            for (int p = 0; p < parts; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                        .fma(d, m)
                        .intoArray(panel, o + p * step);
            }
        }
    }

    /** The 256 5-bit quants of the block at {@code src[at..]}, one byte each in row order, into {@code q[o..]}. */
    static void unpack(byte[] src, int at, byte[] q, int o) {
        for (int g = 0; g < 4; g++) {
            int p = o + 64 * g;
            for (int l = 0; l < 32; l += 8) {
                long qs = Bytes8.get(src, at + 48 + 32 * g + l), h = Bytes8.get(src, at + 16 + l);
                Bytes8.set(q, p + l, qs & Bytes8.NIBBLES | (h >>> 2 * g & Bytes8.BIT0) << 4);
                Bytes8.set(q, p + l + 32, qs >>> 4 & Bytes8.NIBBLES | (h >>> 2 * g + 1 & Bytes8.BIT0) << 4);
            }
        }
    }

    /** The scalar twin of {@link #apply}, straight from dequantize_row_q5_K. */
    static void scalar(
            MemorySegment w, int cols, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        int blocks = cols / BLOCK;
        for (int r = rowStart; r < rowEnd; r++) {
            float acc = 0f;
            for (int b = 0; b < blocks; b++) {
                long block = ((long) r * blocks + b) * BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(LE_SHORT, block));
                float dmin = Float.float16ToFloat(w.get(LE_SHORT, block + 2));
                for (int g = 0; g < 4; g++) {
                    float d1 = d * BlockFormats.scaleK4(w, block + 4, 2 * g),
                            m1 = dmin * BlockFormats.minK4(w, block + 4, 2 * g);
                    float d2 = d * BlockFormats.scaleK4(w, block + 4, 2 * g + 1);
                    float m2 = dmin * BlockFormats.minK4(w, block + 4, 2 * g + 1);
                    int xb = xOff + b * BLOCK + 64 * g;
                    for (int l = 0; l < 32; l++) {
                        int q = w.get(JAVA_BYTE, block + 48 + 32 * g + l) & 0xFF;
                        int h = w.get(JAVA_BYTE, block + 16 + l) & 0xFF;
                        int lo = (q & 0xF) + ((h >> 2 * g & 1) << 4), hi = (q >> 4) + ((h >> 2 * g + 1 & 1) << 4);
                        acc += (d1 * lo - m1) * x[xb + l] + (d2 * hi - m2) * x[xb + 32 + l];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
