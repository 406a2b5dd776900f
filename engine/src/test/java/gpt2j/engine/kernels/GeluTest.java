package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class GeluTest {

    /** Hugging Face's gelu_new, in double precision. */
    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    @Test
    void matchesTanhFormula() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + rnd.nextInt(500);
            int off = rnd.nextInt(20);
            float[] x = new float[off + n];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 4);
            x[off] = 0f; // exact zero and saturated tails
            if (n > 2) {
                x[off + 1] = 30f;
                x[off + 2] = -30f;
            }
            float[] vec = x.clone();
            Gelu.apply(vec, off, n);
            for (int i = 0; i < x.length; i++) {
                double e = i < off ? x[i] : gelu(x[i]);
                assertEquals(e, vec[i], 1e-5 * Math.max(1, Math.abs(e)), "x=" + x[i]);
            }
        }
    }

    @Test
    void vectorTanhWithin4e7OfMathTanhEverywhere() {
        // Dense grid over the whole non-saturated range and beyond, plus the extremes.
        int lanes = Simd.F.length();
        float[] u = new float[lanes];
        float[] t = new float[lanes];
        double worst = 0;
        for (int k = -1_800_000; k <= 1_800_000; k += lanes) {
            for (int j = 0; j < lanes; j++) u[j] = (k + j) * 5e-6f;
            Gelu.tanh(jdk.incubator.vector.FloatVector.fromArray(Simd.F, u, 0)).intoArray(t, 0);
            for (int j = 0; j < lanes; j++) worst = Math.max(worst, Math.abs(t[j] - Math.tanh(u[j])));
        }
        assertTrue(worst <= 4e-7, "max |tanh error| " + worst);
        float[] ext = new float[lanes];
        ext[0] = Float.MAX_VALUE;
        ext[1] = -Float.MAX_VALUE;
        ext[2] = 1e-30f;
        Gelu.tanh(jdk.incubator.vector.FloatVector.fromArray(Simd.F, ext, 0)).intoArray(t, 0);
        assertEquals(1f, t[0], 4e-7f);
        assertEquals(-1f, t[1], 4e-7f);
        assertEquals(1e-30f, t[2], 1e-36f);
    }

    @Test
    void scalarTwinMatchesTanhFormula() {
        Random rnd = new Random(4);
        float[] x = new float[777];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 4);
        float[] s = x.clone();
        Gelu.scalar(s, 0, x.length);
        for (int i = 0; i < x.length; i++) assertEquals(gelu(x[i]), s[i], 1e-5 * Math.max(1, Math.abs(gelu(x[i]))));
    }

    @Test
    void knownValues() {
        // torch.nn.functional.gelu(torch.tensor([1.0, -1.0, 2.0]), approximate='tanh')
        float[] x = {1f, -1f, 2f};
        Gelu.apply(x, 0, 3);
        assertEquals(0.8411920f, x[0], 1e-6);
        assertEquals(-0.1588080f, x[1], 1e-6);
        assertEquals(1.9545977f, x[2], 1e-6);
    }
}
