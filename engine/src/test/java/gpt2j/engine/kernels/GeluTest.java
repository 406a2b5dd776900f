package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void knownValues() {
        // torch.nn.functional.gelu(torch.tensor([1.0, -1.0, 2.0]), approximate='tanh')
        float[] x = {1f, -1f, 2f};
        Gelu.apply(x, 0, 3);
        assertEquals(0.8411920f, x[0], 1e-6);
        assertEquals(-0.1588080f, x[1], 1e-6);
        assertEquals(1.9545977f, x[2], 1e-6);
    }
}
