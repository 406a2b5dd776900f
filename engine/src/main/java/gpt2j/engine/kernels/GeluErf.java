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
 * GELU, exact form (torch's default, transformers' "gelu"): 0.5 x (1 + erf(x / sqrt 2)). In place.
 * With z = x / sqrt 2: for |z| < 0.5, erf z from its Taylor series to z^13 (truncation under 1e-9 relative); beyond,
 * erfc |z| = t e^(-z^2 + P(t)), t = 1 / (1 + |z|/2), Numerical Recipes' Chebyshev fit (erfcc, fractional error under
 * 1.2e-7), and 1 + erf z as 2 - erfc |z| or, for z < 0, erfc |z| itself (no cancellation in the negative tail).
 * Both branches are computed for every lane and blended. In float that keeps erf within 3e-7 relative of a double erf
 * (GeluErfTest checks it on a dense grid). e^y is {@link Exp}'s, written into the loop like {@link Gelu}'s tanh.
 */
final class GeluErf {

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float SMALL = 0.5f;
    // 2/sqrt(pi) (-1)^n / (n! (2n + 1)), n = 0..6
    private static final float T0 = 1.12837916709551256f,
            T1 = -3.76126389031837538e-01f,
            T2 = 1.12837916709551261e-01f,
            T3 = -2.68661706451312522e-02f,
            T4 = 5.22397762544218793e-03f,
            T5 = -8.54832702345085225e-04f,
            T6 = 1.20553329817896636e-04f;
    // erfcc: e^(-z^2 + C0 + t (C1 + t (C2 + ... + t C9)))
    private static final float C0 = -1.26551223f,
            C1 = 1.00002368f,
            C2 = 0.37409196f,
            C3 = 0.09678418f,
            C4 = -0.18628806f,
            C5 = 0.27886807f,
            C6 = -1.13520398f,
            C7 = 1.48851587f,
            C8 = -0.82215223f,
            C9 = 0.17087277f;

    private GeluErf() {}

    static void apply(float[] x, int off, int n) {
        int i = off;
        int bound = off + F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector z = v.mul(INV_SQRT2);
            FloatVector a = z.abs();
            // small |z|: 1 + z P(z^2)
            FloatVector z2 = z.mul(z);
            FloatVector s = z2.fma(T6, T5)
                    .fma(z2, FloatVector.broadcast(F, T4))
                    .fma(z2, FloatVector.broadcast(F, T3))
                    .fma(z2, FloatVector.broadcast(F, T2))
                    .fma(z2, FloatVector.broadcast(F, T1))
                    .fma(z2, FloatVector.broadcast(F, T0))
                    .fma(z, FloatVector.broadcast(F, 1f));
            // large |z|: erfc |z| = t e^y
            FloatVector t = a.fma(0.5f, 1f);
            t = FloatVector.broadcast(F, 1f).div(t);
            FloatVector q = t.fma(C9, C8)
                    .fma(t, FloatVector.broadcast(F, C7))
                    .fma(t, FloatVector.broadcast(F, C6))
                    .fma(t, FloatVector.broadcast(F, C5))
                    .fma(t, FloatVector.broadcast(F, C4))
                    .fma(t, FloatVector.broadcast(F, C3))
                    .fma(t, FloatVector.broadcast(F, C2))
                    .fma(t, FloatVector.broadcast(F, C1))
                    .fma(t, FloatVector.broadcast(F, C0));
            FloatVector y = a.mul(a).neg().add(q).max(Exp.MIN); // past it erfc is under 1e-38 anyway
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
            FloatVector erfc = t.mul(p.mul(bits.reinterpretAsFloats()));
            FloatVector large = erfc.neg().add(2f).blend(erfc, z.lt(0f));
            VectorMask<Float> small = a.lt(SMALL);
            v.mul(0.5f).mul(large.blend(s, small)).intoArray(x, i);
        }
        scalar(x, i, off + n - i);
    }

    /** The scalar twin of {@link #apply}: the same two formulas in double precision. */
    static void scalar(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            double z = x[i] / Math.sqrt(2), a = Math.abs(z), onePlusErf;
            if (a < SMALL) {
                double z2 = z * z;
                onePlusErf = 1 + z * (T0 + z2 * (T1 + z2 * (T2 + z2 * (T3 + z2 * (T4 + z2 * (T5 + z2 * T6))))));
            } else {
                double t = 1 / (1 + 0.5 * a);
                double q = C0
                        + t
                                * (C1
                                        + t
                                                * (C2
                                                        + t
                                                                * (C3
                                                                        + t
                                                                                * (C4
                                                                                        + t
                                                                                                * (C5
                                                                                                        + t
                                                                                                                * (C6
                                                                                                                        + t
                                                                                                                                * (C7
                                                                                                                                        + t
                                                                                                                                                * (C8
                                                                                                                                                        + t
                                                                                                                                                                * C9))))))));
                double erfc = t * Math.exp(-a * a + q);
                onePlusErf = z < 0 ? erfc : 2 - erfc;
            }
            x[i] = (float) (0.5 * x[i] * onePlusErf);
        }
    }
}
