package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Mat-vec over the repacked form of Q5_K and Q6_K ({@link KernelMatrix}): every quant a signed byte in row-major
 * order, quants[cols * r + c], and one float scale per 16, scales[cols/16 * r + j] (Q6_K; Q5_K's loop,
 * {@link MatVecQ5_K#apply}, has one per 32 and its minimums); weight = scale * quant. Whole bytes rather than the files' bit planes (4 + 1,
 * 4 + 2 bits): per 16 weights one load, one widening and one FMA, Q8_0's loop, where reassembling each quant from its
 * planes took twice the vector instructions (docs/KERNELS.md). cols must be a multiple of 32.
 */
final class MatVecInt8 {

    static final int SUB = 16;

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    private MatVecInt8() {}

    static void apply(
            byte[] quants,
            float[] scales,
            int cols,
            float[] x,
            int xOff,
            float[] out,
            int outOff,
            int rowStart,
            int rowEnd) {
        int subs = cols / SUB;
        int step = F.length();
        int parts = SUB / step; // float vectors per 16 bytes: 1 at 512 bits, 2 at 256, 4 at 128
        for (int r = rowStart; r < rowEnd; r++) {
            int s = r * subs;
            // Two accumulators: one FMA per 16 weights into a single one would wait on its latency.
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
            for (int j = 0; j < subs; j += 2) {
                ByteVector q0 = ByteVector.fromArray(B128, quants, (s + j) * SUB);
                ByteVector q1 = ByteVector.fromArray(B128, quants, (s + j + 1) * SUB);
                FloatVector sum0 = FloatVector.zero(F), sum1 = sum0;
                for (int p = 0; p < parts; p++) {
                    int xo = xOff + j * SUB + p * step;
                    sum0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p))
                            .fma(FloatVector.fromArray(F, x, xo), sum0);
                    sum1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p))
                            .fma(FloatVector.fromArray(F, x, xo + SUB), sum1);
                }
                acc0 = sum0.fma(FloatVector.broadcast(F, scales[s + j]), acc0);
                acc1 = sum1.fma(FloatVector.broadcast(F, scales[s + j + 1]), acc1);
            }
            out[outOff + r] = Simd.sum(acc0.add(acc1));
        }
    }

    /**
     * Rows [r0, r1) as floats, row-major from offset 0 of panel (the batched kernel's input). scales holds one scale
     * per 16 weights, or with mins (Q5_K) one scale and one minimum to subtract per 32.
     */
    static void dequantize(byte[] quants, float[] scales, float[] mins, int cols, int r0, int r1, float[] panel) {
        int step = F.length();
        int parts = SUB / step;
        for (int j = r0 * (cols / SUB), end = r1 * (cols / SUB), o = 0; j < end; j++, o += SUB) {
            ByteVector q = ByteVector.fromArray(B128, quants, j * SUB);
            FloatVector d = FloatVector.broadcast(F, scales[mins == null ? j : j / 2]);
            FloatVector m = FloatVector.broadcast(F, mins == null ? 0f : -mins[j / 2]);
            for (int p = 0; p < parts; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                        .fma(d, m)
                        .intoArray(panel, o + p * step);
            }
        }
    }
}
