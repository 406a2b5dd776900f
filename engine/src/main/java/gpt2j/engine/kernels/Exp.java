package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x for the softmax, lane-wise: x = k ln 2 + r with |r| <= ln 2 / 2 (Cody-Waite: ln 2 split in two so that
 * k ln 2 is exact), e^r from its Taylor series to degree 7 (truncation error under 6e-9), times 2^k built in the
 * exponent bits. Within 7.3e-8 relative of Math.exp for x in [-87, 0] on a 2^-12 grid ({@code ExpTest}); below -87
 * it returns e^-87 instead of a subnormal, which a softmax weight cannot tell from zero. It replaces the scalar
 * Math.exp, which bounded the attention kernel (docs/KERNELS.md).
 */
final class Exp {

    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693145751953125f; // 11 significant bits: k * LN2_HI is exact
    static final float LN2_LO = 1.42860682030941723e-6f;
    static final float ROUND = 0x1.8p23f; // adding it rounds to an integer in the low bits
    static final float MIN = -87f;

    private Exp() {}

    /**
     * a[t] = e^(a[t] - max) for t in [off, off + len), a vector at a time, the last one under a mask; returns their sum.
     * For a[t] <= max (a softmax's scores); NaN stays NaN. Arrays in and out, no vector across a call: with an
     * {@code of(FloatVector)} helper, C2 sometimes left a call to it (or to its constant helper) in the compiled
     * attention ("NodeCountInliningCutoff" in PrintInlining) and boxed the vectors (cost: docs/KERNELS.md).
     */
    static float expAndSum(float[] a, int off, int len, float max) {
        int end = off + len;
        FloatVector sums = FloatVector.zero(F);
        for (int t = off; t < end; t += F.length()) {
            VectorMask<Float> m = F.indexInRange(t, end);
            FloatVector v = FloatVector.fromArray(F, a, t, m).sub(max).max(MIN);
            FloatVector k = v.fma(LOG2E, ROUND).sub(ROUND);
            FloatVector r = v.sub(k.mul(LN2_HI)).sub(k.mul(LN2_LO)); // k * LN2_HI is exact, v minus it too
            FloatVector p = r.fma(1f / 5040, 1f / 720);
            p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
            p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
            p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
            p = p.fma(r, FloatVector.broadcast(F, 0.5f));
            p = p.fma(r, FloatVector.broadcast(F, 1f));
            p = p.fma(r, FloatVector.broadcast(F, 1f));
            IntVector bits =
                    ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = p.mul(bits.reinterpretAsFloats());
            e.intoArray(a, t, m);
            sums = sums.add(e, m);
        }
        return Simd.sum(sums);
    }
}
