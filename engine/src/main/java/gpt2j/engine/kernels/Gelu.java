package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * GELU, tanh form as OpenAI's GPT-2 (and Hugging Face's "gelu_new") computes it:
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). In place.
 * The vector kernel evaluates tanh as a rational function (Eigen's fast float tanh: odd degree 13 over even degree 6,
 * argument clamped to +-7.905, where float tanh is +-1): at most 4e-7 from tanh, about 3 ulp near +-1 (GeluTest
 * checks GELU on a dense grid within what that error allows).
 * Neither the Vector API's own lanewise TANH nor scalar Math.tanh is fast enough (docs/KERNELS.md).
 */
public final class Gelu {

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float CUBIC = 0.044715f;

    static final float CLAMP = 7.90531110763549805f;
    static final float A1 = 4.89352455891786e-03f,
            A3 = 6.37261928875436e-04f,
            A5 = 1.48572235717979e-05f,
            A7 = 5.12229709037114e-08f,
            A9 = -8.60467152213735e-11f,
            A11 = 2.00018790482477e-13f,
            A13 = -2.76076847742355e-16f;
    static final float B0 = 4.89352518554385e-03f,
            B2 = 2.26843463243900e-03f,
            B4 = 1.18534705686654e-04f,
            B6 = 1.19825839466702e-06f;

    private Gelu() {}

    public static void apply(float[] x, int off, int n) {
        int i = off;
        int bound = off + F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            // u = sqrt(2/pi) (x + c x^3) = x (s + s c x^2)
            FloatVector u = v.mul(v).fma(SQRT_2_OVER_PI * CUBIC, SQRT_2_OVER_PI).mul(v);
            // tanh(u) written out here rather than called: C2 sometimes declined to inline a tanh(FloatVector)
            // helper (-XX:+PrintInlining: "too big", "already compiled into a medium method"), and a vector passed
            // across a real call is boxed, which multiplied GELU's share of a prompt pass (docs/KERNELS.md).
            FloatVector c = u.max(-CLAMP).min(CLAMP);
            FloatVector c2 = c.mul(c);
            FloatVector p = c2.fma(A13, A11)
                    .fma(c2, FloatVector.broadcast(F, A9))
                    .fma(c2, FloatVector.broadcast(F, A7))
                    .fma(c2, FloatVector.broadcast(F, A5))
                    .fma(c2, FloatVector.broadcast(F, A3))
                    .fma(c2, FloatVector.broadcast(F, A1))
                    .mul(c);
            FloatVector q = c2.fma(B6, B4).fma(c2, FloatVector.broadcast(F, B2)).fma(c2, FloatVector.broadcast(F, B0));
            FloatVector h = v.mul(0.5f);
            h.fma(p.div(q), h).intoArray(x, i);
        }
        scalar(x, i, off + n - i);
    }

    /** The scalar twin of {@link #apply}, with Math.tanh. */
    static void scalar(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)));
        }
    }
}
