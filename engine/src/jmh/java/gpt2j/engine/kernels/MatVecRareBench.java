package gpt2j.engine.kernels;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One token's y = W x for the rarer block types, single thread: the engine's kernel ({@code vector}) against
 * {@link MatVecDecoded} (each row decoded to floats by the weights module's dequantizer, then a vector dot), the path
 * the type-specific kernels replaced. tools/perf/raretypes.sh runs it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecRareBench {

    @Param({"Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "IQ4_XS"})
    public String type;

    @Param({"3072x768", "768x3072"})
    public String shape;

    private Arena arena;
    private KernelMatrix w;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        w = KernelMatrix.of(BenchWeights.matrix(type, shape, arena));
        x = BenchWeights.vector(w.cols(), 2);
        out = new float[w.rows()];
        float[] ref = new float[w.rows()];
        decoded();
        System.arraycopy(out, 0, ref, 0, ref.length);
        MatVec.apply(w, x, 0, out, 0, 0, w.rows());
        BenchWeights.requireClose(out, ref, type + " " + shape);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] vector() {
        MatVec.apply(w, x, 0, out, 0, 0, w.rows());
        return out;
    }

    @Benchmark
    public float[] decoded() {
        MatVecDecoded.apply(w.type(), w.weight().tensor().data(), w.cols(), x, 0, out, 0, 0, w.rows());
        return out;
    }
}
