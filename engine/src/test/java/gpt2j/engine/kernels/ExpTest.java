package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The softmax's vector e^x against Math.exp (computed in double) on a dense grid of its domain. */
class ExpTest {

    @Test
    void withinFloatRoundingOfMathExpOnTheSoftmaxDomain() {
        // Every 2^-12 from -87 to 0 (an odd count, so the last vector is partial), as scores minus a max of 1.5.
        int n = 87 * 4096 + 1;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 1.5f - i / 4096f;
        float[] y = x.clone();
        float sum = Exp.expAndSum(y, 0, n, 1.5f);
        double worst = 0, expectedSum = 0;
        for (int i = 0; i < n; i++) {
            double expected = Math.exp(x[i] - 1.5f);
            expectedSum += expected;
            worst = Math.max(worst, Math.abs(y[i] - expected) / expected);
        }
        assertTrue(worst < 1.5e-7, "worst relative error " + worst);
        assertEquals(expectedSum, sum, 1e-4 * expectedSum); // a float sum over 356K terms, 8 or 16 lanes
    }

    @Test
    void edgesAndOnlyTheGivenRange() {
        // Offset 2, length 5, in an array one vector longer: the two before and the lanes past the end stay untouched.
        float[] a = new float[7 + Simd.F.length()];
        Arrays.fill(a, 5f);
        a[2] = 0f;
        a[3] = -1e-30f;
        a[4] = -200f; // below the clamp: e^-87, not a subnormal, still far below any weight that matters
        a[5] = Float.NEGATIVE_INFINITY;
        a[6] = Float.NaN;
        Exp.expAndSum(a, 2, 5, 0f);
        assertEquals(5f, a[0]);
        assertEquals(5f, a[1]);
        for (int i = 7; i < a.length; i++) assertEquals(5f, a[i], "lane " + i + " past the end written");
        assertEquals(1f, a[2]);
        assertEquals(1f, a[3]);
        assertEquals(Math.exp(-87), a[4], 1e-7 * Math.exp(-87));
        assertEquals(Math.exp(-87), a[5], 1e-7 * Math.exp(-87));
        assertTrue(Float.isNaN(a[6]), "NaN in, NaN out");
    }
}
