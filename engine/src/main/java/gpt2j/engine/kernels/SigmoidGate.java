package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Exp.LN2_HI;
import static gpt2j.engine.kernels.Exp.LN2_LO;
import static gpt2j.engine.kernels.Exp.LOG2E;
import static gpt2j.engine.kernels.Exp.ROUND;
import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * x sigmoid(b x) = x / (1 + e^(-b x)) in place: SiLU/swish (b = 1) and transformers' quick_gelu (b = 1.702).
 * e^y is {@link Exp}'s (Cody-Waite reduction, degree-7 Taylor, 2^k in the exponent bits) written into the loop, with y
 * clamped to [-87, 88] so that 2^k stays a normal float: below, the result is within 1e-38 relative of x; above, it
 * is 0, as float sigmoid(-88) already is.
 */
final class SigmoidGate {

    static final float QUICK_GELU = 1.702f;
    private static final float MAX = 88f;

    private SigmoidGate() {}

    static void apply(float[] x, int off, int n, float b) {
        int i = off;
        int bound = off + F.loopBound(n);
        float negB = -b;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector y = v.mul(negB);
            VectorMask<Float> zero = y.compare(VectorOperators.GT, MAX);
            y = y.max(Exp.MIN).min(MAX);
            FloatVector k = y.fma(LOG2E, ROUND).sub(ROUND);
            FloatVector r = y.sub(k.mul(LN2_HI)).sub(k.mul(LN2_LO));
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
            v.div(e.add(1f)).blend(0f, zero).intoArray(x, i);
        }
        scalar(x, i, off + n - i, b);
    }

    static void scalar(float[] x, int off, int n, float b) {
        for (int i = off; i < off + n; i++) x[i] = (float) (x[i] / (1 + Math.exp(-b * x[i])));
    }
}
