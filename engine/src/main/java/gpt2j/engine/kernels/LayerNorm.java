package gpt2j.engine.kernels;

import static gpt2j.engine.kernels.Simd.F;
import static gpt2j.engine.kernels.Simd.LE_FLOAT;
import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * out = (x - mean) / sqrt(var + eps) * weight + bias over n values. Two passes (mean, then centred variance):
 * the one-pass sumSq/n - mean^2 form cancels catastrophically on GPT-2's large residual activations.
 */
public final class LayerNorm {

    private LayerNorm() {}

    /** x: (n) at xOff, out: (n) at outOff (may alias x), weight and bias: (n) F32. */
    public static void apply(
            float[] x, int xOff, float[] out, int outOff, int n, MemorySegment weight, MemorySegment bias, float eps) {
        int step = F.length();
        int bound = F.loopBound(n);
        FloatVector vs = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += step) vs = vs.add(FloatVector.fromArray(F, x, xOff + i));
        float sum = Simd.sum(vs);
        for (; i < n; i++) sum += x[xOff + i];
        float mean = sum / n;

        FloatVector vv = FloatVector.zero(F);
        for (i = 0; i < bound; i += step) {
            FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(mean);
            vv = d.fma(d, vv);
        }
        float var = Simd.sum(vv);
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(var / n + eps));

        for (i = 0; i < bound; i += step) {
            long o = (long) i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, weight, o, LITTLE_ENDIAN);
            FloatVector b = FloatVector.fromMemorySegment(F, bias, o, LITTLE_ENDIAN);
            FloatVector.fromArray(F, x, xOff + i).sub(mean).mul(rstd).fma(g, b).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            long o = (long) i * Float.BYTES;
            out[outOff + i] = (x[xOff + i] - mean) * rstd * weight.get(LE_FLOAT, o) + bias.get(LE_FLOAT, o);
        }
    }

    /** The scalar twin of {@link #apply}. */
    static void scalar(
            float[] x, int xOff, float[] out, int outOff, int n, MemorySegment weight, MemorySegment bias, float eps) {
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
