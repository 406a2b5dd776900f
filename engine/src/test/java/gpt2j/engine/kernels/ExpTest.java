package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;

import org.junit.jupiter.api.Test;

/** The softmax's vector e^x against Math.exp (computed in double) on a dense grid of its domain. */
class ExpTest {

    @Test
    void withinFloatRoundingOfMathExpOnTheSoftmaxDomain() {
        int n = Simd.F.length();
        float[] x = new float[n];
        float[] y = new float[n];
        double worst = 0;
        // Every 2^-12 from -87 to 0, plus the exact edges.
        for (int i = -87 * 4096; i <= 0; i += n) {
            for (int k = 0; k < n; k++) x[k] = Math.min(0f, (i + k) / 4096f);
            Exp.of(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
            for (int k = 0; k < n; k++) {
                double expected = Math.exp(x[k]);
                worst = Math.max(worst, Math.abs(y[k] - expected) / expected);
            }
        }
        assertTrue(worst < 1.5e-7, "worst relative error " + worst);
    }

    @Test
    void edges() {
        int n = Simd.F.length();
        float[] x = new float[n];
        float[] y = new float[n];
        x[0] = 0f;
        x[1] = -1e-30f;
        x[2] = -200f;              // below the clamp: e^-87, not a subnormal, still far below any weight that matters
        x[3] = Float.NEGATIVE_INFINITY;
        x[4] = Float.NaN;
        Exp.of(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
        assertEquals(1f, y[0]);
        assertEquals(1f, y[1]);
        assertEquals(Math.exp(-87), y[2], 1e-7 * Math.exp(-87));
        assertEquals(Math.exp(-87), y[3], 1e-7 * Math.exp(-87));
        assertTrue(Float.isNaN(y[4]), "NaN in, NaN out");
    }
}
