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
    void vectorKernelWithinItsTanhErrorOnADenseGrid() {
        // x in [-6, 6] puts u = sqrt(2/pi)(x + 0.044715 x^3) across [-9.4, 9.4], the whole non-saturated range of tanh.
        // GELU = 0.5 x (1 + tanh u), so a tanh error of d moves it by 0.5 |x| d: allow d = 4e-7 for the rational
        // function plus the float rounding of u and of the product (one ulp of the result is allowed on top).
        int n = 2_400_001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -6f + i * 5e-6f;
        float[] vec = x.clone();
        Gelu.apply(vec, 0, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double excess = Math.abs(vec[i] - gelu(x[i])) - Math.ulp(vec[i]);
            worst = Math.max(worst, excess / (0.5 * Math.abs(x[i]) + 1e-30));
        }
        assertTrue(worst <= 4e-7, "max tanh-equivalent error " + worst);
        float[] ext = new float[Simd.F.length()]; // one whole vector: the vector path, not the scalar tail
        ext[0] = 1e-30f;
        ext[1] = 20f;
        ext[2] = -20f;
        Gelu.apply(ext, 0, ext.length);
        assertEquals(0.5e-30f, ext[0], 1e-36f);
        assertEquals(20f, ext[1], 1e-5f);
        assertEquals(0f, ext[2], 1e-5f);
        assertEquals(0f, ext[3], 0f);
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
