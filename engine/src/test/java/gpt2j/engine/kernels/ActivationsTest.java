package gpt2j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every MLP activation, vector kernel and scalar twin, against its definition in transformers' activations.py
 * computed in double precision. Run once more at each width with
 * {@code -Dvector.args="--add-modules jdk.incubator.vector -Dgpt2.vectorBits=128"} (and 256, 512).
 */
class ActivationsTest {

    /** The definitions, in double: erf from its series, never from the code under test. */
    static double reference(Activation a, double x) {
        return switch (a) {
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case GELU_ERF -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case SILU -> x / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            case TANH -> Math.tanh(x);
        };
    }

    /**
     * erf z = 2/sqrt(pi) e^(-z^2) sum_n 2^n z^(2n+1) / (1 3 5 ... (2n+1)): every term positive, so no cancellation;
     * about 1e-15 relative for any z. Beyond |z| = 6 erf is +-1 to double precision.
     */
    static double erf(double z) {
        if (Math.abs(z) > 6) return Math.signum(z);
        double term = z, sum = z;
        for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= 2 * z * z / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-z * z) * sum;
    }

    /**
     * What each kernel may differ from the definition by at x, besides one ulp of the result. GELU (tanh) and tanh carry
     * the rational tanh's 4e-7, exact GELU an erf within 1e-6 relative (0.5 |x| 1e-6 |erf|); both GELUs also round
     * 1 + tanh (or 1 + erf) to float, 0.5 |x| 1.2e-7. The sigmoid gates carry their exponential's 1e-6 relative and
     * the float rounding of its argument b x (|b x| 1.2e-7 relative), plus 1e-30 where the clamped exponent leaves a
     * result under 1e-36.
     */
    static double allowed(Activation a, double x, double ref) {
        return switch (a) {
            case GELU_TANH -> 0.5 * Math.abs(x) * (4e-7 + 1.2e-7);
            case GELU_ERF -> 0.5 * Math.abs(x) * (1e-6 * Math.abs(x == 0 ? 0 : 2 * ref / x - 1) + 1.2e-7); // |erf z|
            case QUICK_GELU -> Math.abs(ref) * (1e-6 + Math.abs(1.702 * x) * 1.2e-7) + 1e-30;
            case SILU -> Math.abs(ref) * (1e-6 + Math.abs(x) * 1.2e-7) + 1e-30;
            case RELU -> 0;
            case TANH -> 4e-7;
        };
    }

    static double tolerance(Activation a, double x, double ref) {
        return allowed(a, x, ref) + Math.ulp((float) ref);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void vectorKernelWithinItsErrorOnADenseGrid(Activation a) {
        int n = 1_000_001; // [-10, 10] every 2e-5: every branch and both tails of every function
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -10f + i * 2e-5f;
        float[] vec = x.clone();
        Activations.apply(a, vec, 0, n);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < n; i++) {
            double ref = reference(a, x[i]);
            double excess = Math.abs(vec[i] - ref) - tolerance(a, x[i], ref);
            if (excess > worst) {
                worst = excess;
                at = x[i];
            }
        }
        assertEquals(0, worst, 0, a + ": beyond the allowed error by " + worst + " at x=" + at);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void vectorAndScalarMatchAtAnyOffsetAndLength(Activation a) {
        Random rnd = new Random(7 + a.ordinal());
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + rnd.nextInt(300);
            int off = rnd.nextInt(20);
            float[] x = new float[off + n + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 4);
            float[] vec = x.clone(), sca = x.clone();
            Activations.apply(a, vec, off, n);
            Activations.scalar(a, sca, off, n);
            for (int i = 0; i < x.length; i++) {
                boolean inside = i >= off && i < off + n;
                double e = inside ? reference(a, x[i]) : x[i];
                double tol = inside ? tolerance(a, x[i], e) : 0;
                assertEquals(e, vec[i], tol, a + " vector x=" + x[i]);
                assertEquals(e, sca[i], tol, a + " scalar x=" + x[i]);
            }
        }
    }

    @Test
    void extremesStayFinite() {
        float[] in = {0f, -0f, 1e-30f, -1e-30f, 100f, -100f, 1e30f, -1e30f};
        for (Activation a : Activation.values()) {
            float[] x = new float[Math.max(in.length, Simd.F.length())]; // one whole vector: the vector path
            System.arraycopy(in, 0, x, 0, in.length);
            Activations.apply(a, x, 0, x.length);
            for (int i = 0; i < in.length; i++) {
                double e = reference(a, in[i]);
                assertTrue(Float.isFinite(x[i]), a + "(" + in[i] + ") = " + x[i]);
                assertEquals(e, x[i], tolerance(a, in[i], e), a + "(" + in[i] + ")");
            }
        }
    }

    @Test
    void knownValues() {
        // torch 1.13: F.gelu(t), F.gelu(t, approximate='tanh'), t * torch.sigmoid(1.702 * t), F.silu(t), torch.tanh(t)
        // at t = [1.0, -1.0, 2.0], float32
        float[][] expected = {
            {0.8411920f, -0.1588080f, 1.9545977f}, {0.8413447f, -0.1586553f, 1.9545000f},
            {0.8457958f, -0.1542042f, 1.9356586f}, {0.7310586f, -0.2689414f, 1.7615941f},
            {1f, 0f, 2f}, {0.7615942f, -0.7615942f, 0.9640276f}
        };
        Activation[] order = {
            Activation.GELU_TANH,
            Activation.GELU_ERF,
            Activation.QUICK_GELU,
            Activation.SILU,
            Activation.RELU,
            Activation.TANH
        };
        for (int k = 0; k < order.length; k++) {
            float[] x = new float[Math.max(3, Simd.F.length())];
            x[0] = 1f;
            x[1] = -1f;
            x[2] = 2f;
            float[] s = x.clone();
            Activations.apply(order[k], x, 0, x.length);
            Activations.scalar(order[k], s, 0, 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(expected[k][i], x[i], 1e-6, order[k] + " " + i);
                assertEquals(expected[k][i], s[i], 1e-6, order[k] + " scalar " + i);
            }
        }
    }
}
