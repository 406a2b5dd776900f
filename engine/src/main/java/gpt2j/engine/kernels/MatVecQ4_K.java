package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gpt2j.weights.BlockFormats;
import gpt2j.weights.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K mat-vec: each row is cols/256 blocks of 144 bytes, {fp16 d, dmin; uint8 scales[12]; uint8 qs[128]} (ggml
 * block_q4_K): 8 sub-blocks of 32 with 6-bit scales sc and mins m (get_scale_min_k4); 32 bytes of qs hold two
 * sub-blocks, the first in the low nibbles. value = d * sc * q - dmin * m. cols must be a multiple of 256.
 * The kernels read {@link KernelMatrix}'s repack (quants without the scales between them, scales and mins as floats),
 * so no 6-bit scale is unpacked in the loop. The minimums' part of a row's dot product, dmin * m * (sum of x over the
 * sub-block), uses sums of x taken once per call ({@link #negatedSubBlockSums}), so the inner loop is the nibbles'
 * multiply-adds alone. Q5_K shares that helper.
 */
final class MatVecQ4_K {

    static final int BLOCK = GgmlType.Q4_K.blockSize;
    static final int BLOCK_BYTES = GgmlType.Q4_K.bytesPerBlock;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);

    private MatVecQ4_K() {}

    /**
     * The kernel reads {@link KernelMatrix}'s repacked copy: quants[128 * (r * cols/256 + b) + i] is qs[i] of row r's
     * block b, scales and mins[8 * (r * cols/256 + b) + j] its sub-block j's d * sc and dmin * m.
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
        int pairs = cols / 64; // 32 quant bytes hold two sub-blocks: the low nibbles' and the high nibbles'
        int subs = cols / 32;
        int step = F.length();
        int parts = 16 / step;
        float[] xs = negatedSubBlockSums(x, xOff, cols, 32);
        int whole = F.loopBound(subs);
        VectorMask<Float> tail = F.indexInRange(whole, subs);
        for (int r = rowStart; r < rowEnd; r++) {
            int s = r * pairs;
            // Two accumulators (low and high nibbles' sub-blocks): one chain of two FMAs per 64 weights bound the loop
            // by FMA latency. The minimums' part goes into the second, as vectors.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int j = 0; j < whole; j += step) {
                acc1 = FloatVector.fromArray(F, mins, r * subs + j).fma(FloatVector.fromArray(F, xs, j), acc1);
            }
            if (whole < subs) {
                acc1 = FloatVector.fromArray(F, mins, r * subs + whole, tail)
                        .fma(FloatVector.fromArray(F, xs, whole, tail), acc1);
            }
            for (int g = 0; g < pairs; g++) {
                FloatVector lo = FloatVector.zero(F), hi = lo;
                for (int k = 0; k < 2; k++) {
                    ByteVector qs = ByteVector.fromArray(B128, quants, (s + g) * 32 + 16 * k);
                    for (int p = 0; p < parts; p++) {
                        IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                        int xo = xOff + 64 * g + 16 * k + p * step;
                        lo = ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.fromArray(F, x, xo), lo);
                        hi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.fromArray(F, x, xo + 32), hi);
                    }
                }
                acc0 = lo.fma(FloatVector.broadcast(F, scales[2 * (s + g)]), acc0);
                acc1 = hi.fma(FloatVector.broadcast(F, scales[2 * (s + g) + 1]), acc1);
            }
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /**
     * Minus the sums of x over each run of {@code run} (a sub-block: 32 for Q4_1, Q5_1 and these K-quants, 16 for
     * Q2_K), in a per-thread array: the minimums' part of a row is then mins . xs, multiply-adds into the row's
     * accumulator. Scalar on purpose, four chains: it runs once per call, too rarely for C2 to inline {@link Simd#sum}
     * into it, and it then boxed a vector at every sub-block (JMH -prof gc: 47 KB allocated per 768x3072 call).
     */
    static float[] negatedSubBlockSums(float[] x, int xOff, int cols, int run) {
        float[] s = SUMS.get();
        if (s.length < cols / run) SUMS.set(s = new float[cols / run]);
        for (int j = 0; j < cols / run; j++) {
            int i = xOff + run * j;
            float a = 0f, b = 0f, c = 0f, d = 0f;
            for (int k = i; k < i + run; k += 4) {
                a += x[k];
                b += x[k + 1];
                c += x[k + 2];
                d += x[k + 3];
            }
            s[j] = -((a + b) + (c + d));
        }
        return s;
    }

    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);

    /** Rows [r0, r1) of w as floats, row-major from offset 0 of panel (the batched kernel's input), from the repack. */
    static void dequantize(byte[] quants, float[] scales, float[] mins, int cols, int r0, int r1, float[] panel) {
        int step = F.length();
        int parts = 16 / step;
        for (int g = r0 * (cols / 64), end = r1 * (cols / 64), o = 0; g < end; g++, o += 64) {
            FloatVector d1 = FloatVector.broadcast(F, scales[2 * g]), m1 = FloatVector.broadcast(F, mins[2 * g]);
            FloatVector d2 = FloatVector.broadcast(F, scales[2 * g + 1]),
                    m2 = FloatVector.broadcast(F, mins[2 * g + 1]);
            for (int k = 0; k < 2; k++) {
                ByteVector qs = ByteVector.fromArray(B128, quants, 32 * g + 16 * k);
                for (int p = 0; p < parts; p++) {
                    IntVector q = (IntVector) qs.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    int po = o + 16 * k + p * step;
                    ((FloatVector) q.and(0xF).convert(VectorOperators.I2F, 0))
                            .mul(d1)
                            .sub(m1)
                            .intoArray(panel, po);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .mul(d2)
                            .sub(m2)
                            .intoArray(panel, po + 32);
                }
            }
        }
    }

    /** The scalar twin of {@link #apply}, straight from dequantize_row_q4_K. */
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
                        int q = w.get(JAVA_BYTE, block + 16 + 32 * g + l) & 0xFF;
                        acc += (d1 * (q & 0xF) - m1) * x[xb + l] + (d2 * (q >> 4) - m2) * x[xb + 32 + l];
                    }
                }
            }
            out[outOff + r] = acc;
        }
    }
}
