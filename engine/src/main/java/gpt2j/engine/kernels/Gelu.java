package gpt2j.engine.kernels;

/**
 * GELU, tanh form as OpenAI's GPT-2 (and Hugging Face's "gelu_new") computes it:
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). In place.
 * Scalar on purpose: the Vector API's lanewise TANH measured 14x slower than this loop (JMH, JDK 25, AVX-512), and
 * GELU is ~0.1% of a layer's work next to the matmuls.
 */
public final class Gelu {

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    static final float CUBIC = 0.044715f;

    private Gelu() {
    }

    public static void apply(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)));
        }
    }
}
