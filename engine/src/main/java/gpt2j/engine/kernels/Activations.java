package gpt2j.engine.kernels;

import gpt2j.weights.Activation;

/** The MLP activation a config names, in place on {@code x[off, off + n)}: one switch per call, the loop in each kernel. */
public final class Activations {

    private Activations() {}

    public static void apply(Activation a, float[] x, int off, int n) {
        switch (a) {
            case GELU_TANH -> Gelu.apply(x, off, n);
            case GELU_ERF -> GeluErf.apply(x, off, n);
            case QUICK_GELU -> SigmoidGate.apply(x, off, n, SigmoidGate.QUICK_GELU);
            case SILU -> SigmoidGate.apply(x, off, n, 1f);
            case RELU -> Relu.apply(x, off, n);
            case TANH -> Tanh.apply(x, off, n);
        }
    }

    /** The scalar twins, in the same order. */
    static void scalar(Activation a, float[] x, int off, int n) {
        switch (a) {
            case GELU_TANH -> Gelu.scalar(x, off, n);
            case GELU_ERF -> GeluErf.scalar(x, off, n);
            case QUICK_GELU -> SigmoidGate.scalar(x, off, n, SigmoidGate.QUICK_GELU);
            case SILU -> SigmoidGate.scalar(x, off, n, 1f);
            case RELU -> Relu.scalar(x, off, n);
            case TANH -> Tanh.scalar(x, off, n);
        }
    }
}
