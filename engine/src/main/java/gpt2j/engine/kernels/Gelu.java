package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GELU, tanh form as OpenAI's GPT-2 (and Hugging Face's "gelu_new") computes it:
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). In place.
 */
public final class Gelu {

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float CUBIC = 0.044715f;

    private Gelu() {
    }

    public static void apply(float[] x, int off, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector u = v.mul(v).fma(CUBIC, 1f).mul(v).mul(SQRT_2_OVER_PI); // sqrt(2/pi) (x + 0.044715 x^3)
            u.lanewise(VectorOperators.TANH).add(1f).mul(v).mul(0.5f).intoArray(x, off + i);
        }
        scalar(x, off + i, n - i);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)));
        }
    }
}
