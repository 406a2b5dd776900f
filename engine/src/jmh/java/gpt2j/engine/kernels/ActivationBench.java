package gpt2j.engine.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** LayerNorm over 768 values and GELU over 3072 (GPT-2 small's sizes), vector against scalar. See {@link MatVecBench}. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ActivationBench {

    private static final int EMBED = 768;
    private static final int HIDDEN = 3072;

    private Arena arena;
    private MemorySegment gamma;
    private MemorySegment beta;
    private float[] x;
    private float[] normed;
    private float[] hidden;
    private float[] h;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        gamma = arena.allocate(4L * EMBED, 64);
        beta = arena.allocate(4L * EMBED, 64);
        float[] g = BenchWeights.vector(EMBED, 4);
        float[] b = BenchWeights.vector(EMBED, 5);
        for (int i = 0; i < EMBED; i++) {
            gamma.set(Simd.LE_FLOAT, 4L * i, g[i]);
            beta.set(Simd.LE_FLOAT, 4L * i, b[i]);
        }
        x = BenchWeights.vector(EMBED, 6);
        normed = new float[EMBED];
        hidden = BenchWeights.vector(HIDDEN, 7);
        h = new float[HIDDEN];

        float[] ref = new float[EMBED];
        LayerNorm.apply(x, 0, normed, 0, EMBED, gamma, beta, 1e-5f);
        LayerNorm.scalar(x, 0, ref, 0, EMBED, gamma, beta, 1e-5f);
        BenchWeights.requireClose(normed, ref, "layernorm");
        float[] gv = hidden.clone(), gs = hidden.clone();
        Gelu.apply(gv, 0, HIDDEN);
        Gelu.scalar(gs, 0, HIDDEN);
        BenchWeights.requireClose(gv, gs, "gelu");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] layerNormVector() {
        LayerNorm.apply(x, 0, normed, 0, EMBED, gamma, beta, 1e-5f);
        return normed;
    }

    @Benchmark
    public float[] layerNormScalar() {
        LayerNorm.scalar(x, 0, normed, 0, EMBED, gamma, beta, 1e-5f);
        return normed;
    }

    // GELU works in place, so each call first restores its input (a 12 KB copy, the same in both).
    @Benchmark
    public float[] geluVector() {
        System.arraycopy(hidden, 0, h, 0, HIDDEN);
        Gelu.apply(h, 0, HIDDEN);
        return h;
    }

    @Benchmark
    public float[] geluScalar() {
        System.arraycopy(hidden, 0, h, 0, HIDDEN);
        Gelu.scalar(h, 0, HIDDEN);
        return h;
    }
}
