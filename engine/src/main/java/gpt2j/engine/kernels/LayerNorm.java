package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.LE_FLOAT;

import java.lang.foreign.MemorySegment;

/**
 * out = (x - mean) / sqrt(var + eps) * weight + bias over n values. Two passes (mean, then centred variance):
 * the one-pass sumSq/n - mean^2 form cancels catastrophically on GPT-2's large residual activations.
 */
public final class LayerNorm {

    private LayerNorm() {
    }

    /** x: (n) at xOff, out: (n) at outOff (may alias x), weight and bias: (n) F32. */
    public static void apply(float[] x, int xOff, float[] out, int outOff, int n, MemorySegment weight,
                             MemorySegment bias, float eps) {
        scalar(x, xOff, out, outOff, n, weight, bias, eps);
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(float[] x, int xOff, float[] out, int outOff, int n, MemorySegment weight, MemorySegment bias,
                       float eps) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += x[xOff + i];
        float mean = sum / n;
        float var = 0f;
        for (int i = 0; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(var / n + eps));
        for (int i = 0; i < n; i++) {
            long o = (long) i * Float.BYTES;
            out[outOff + i] = (x[xOff + i] - mean) * rstd * weight.get(LE_FLOAT, o) + bias.get(LE_FLOAT, o);
        }
    }
}
