package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LayerNormTest {

    @Test
    void matchesDoublePrecisionTwoPassAtRandomSizesAndOffsets() {
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 40; trial++) {
                int n = 1 + rnd.nextInt(900);
                int xOff = rnd.nextInt(20);
                int outOff = rnd.nextInt(20);
                // A large common offset: a one-pass variance would lose most of its digits here.
                float shift = 300f * (float) rnd.nextGaussian();
                float[] x = new float[xOff + n];
                for (int i = 0; i < n; i++) x[xOff + i] = shift + (float) rnd.nextGaussian();
                MemorySegment g = arena.allocate(4L * n);
                MemorySegment b = arena.allocate(4L * n);
                for (int i = 0; i < n; i++) {
                    g.set(Simd.LE_FLOAT, 4L * i, (float) rnd.nextGaussian());
                    b.set(Simd.LE_FLOAT, 4L * i, (float) rnd.nextGaussian());
                }
                double mean = 0;
                for (int i = 0; i < n; i++) mean += x[xOff + i];
                mean /= n;
                double var = 0;
                for (int i = 0; i < n; i++) var += (x[xOff + i] - mean) * (x[xOff + i] - mean);
                double rstd = 1 / Math.sqrt(var / n + 1e-5);

                float[] vec = new float[outOff + n];
                float[] sca = new float[outOff + n];
                LayerNorm.apply(x, xOff, vec, outOff, n, g, b, 1e-5f);
                LayerNorm.scalar(x, xOff, sca, outOff, n, g, b, 1e-5f);
                for (int i = 0; i < n; i++) {
                    double e =
                            (x[xOff + i] - mean) * rstd * g.get(Simd.LE_FLOAT, 4L * i) + b.get(Simd.LE_FLOAT, 4L * i);
                    assertEquals(e, vec[outOff + i], 2e-3, "vector n=" + n + " i=" + i);
                    assertEquals(e, sca[outOff + i], 2e-3, "scalar n=" + n + " i=" + i);
                }
            }
        }
    }

    @Test
    void inPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = arena.allocate(16);
            MemorySegment b = arena.allocate(16);
            for (int i = 0; i < 4; i++) {
                g.set(Simd.LE_FLOAT, 4L * i, 1f);
                b.set(Simd.LE_FLOAT, 4L * i, 0f);
            }
            float[] x = {1, 2, 3, 4};
            LayerNorm.apply(x, 0, x, 0, 4, g, b, 0f);
            // mean 2.5, variance 1.25
            double s = Math.sqrt(1.25);
            assertEquals(-1.5 / s, x[0], 1e-6);
            assertEquals(1.5 / s, x[3], 1e-6);
        }
    }
}
