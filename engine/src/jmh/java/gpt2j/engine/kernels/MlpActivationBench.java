package gpt2j.engine.kernels;

import java.util.concurrent.TimeUnit;

import gpt2j.weights.Activation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every MLP activation over 3072 values through {@link Activations}, the forward pass's dispatch, vector against
 * scalar; {@code direct} is {@link Gelu#apply} called without the dispatch (GELU_TANH against it is the switch's cost).
 * See {@link MatVecBench} for the run command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MlpActivationBench {

    private static final int HIDDEN = 3072;

    @Param({"GELU_TANH", "GELU_ERF", "QUICK_GELU", "SILU", "RELU", "TANH"})
    public Activation activation;

    private float[] hidden;
    private float[] h;

    @Setup(Level.Trial)
    public void setup() {
        hidden = BenchWeights.vector(HIDDEN, 7);
        h = new float[HIDDEN];
        float[] v = hidden.clone(), s = hidden.clone();
        Activations.apply(activation, v, 0, HIDDEN);
        Activations.scalar(activation, s, 0, HIDDEN);
        BenchWeights.requireClose(v, s, activation.name());
    }

    // In place, so each call first restores its input (a 12 KB copy, the same in all).
    @Benchmark
    public float[] vector() {
        System.arraycopy(hidden, 0, h, 0, HIDDEN);
        Activations.apply(activation, h, 0, HIDDEN);
        return h;
    }

    @Benchmark
    public float[] scalar() {
        System.arraycopy(hidden, 0, h, 0, HIDDEN);
        Activations.scalar(activation, h, 0, HIDDEN);
        return h;
    }

    @Benchmark
    public float[] direct() {
        System.arraycopy(hidden, 0, h, 0, HIDDEN);
        Gelu.apply(h, 0, HIDDEN);
        return h;
    }
}
