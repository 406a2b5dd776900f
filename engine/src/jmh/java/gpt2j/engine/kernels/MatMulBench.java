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
 * A prompt batch of n tokens through one weight matrix, single thread: the batched kernel, the same vector mat-vec
 * called once per token ({@code perToken}, what batching must beat), and the scalar twin. Run command: see
 * {@link MatVecBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatMulBench {

    @Param({"F32", "F32_IM", "F16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"768x768", "2304x768", "3072x768", "768x3072", "50257x768"})
    public String shape;

    @Param({"64"}) // Forward.BATCH
    public int n;

    private Arena arena;
    private KernelMatrix w;
    private float[] x;
    private float[] xT;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        w = KernelMatrix.of(BenchWeights.matrix(type, shape, arena));
        x = BenchWeights.vector(n * w.cols(), 3);
        out = new float[n * w.rows()];
        xT = new float[MatMul.padded(n) * w.cols() + MatMul.SHIFT_ROOM];
        MatMul.transpose(x, n, w.cols(), xT, 0, 0, w.cols());
        float[] ref = new float[n * w.rows()];
        MatMul.apply(w, xT, 0, n, out, 0, w.rows());
        MatMul.scalar(w, x, n, ref, 0, w.rows());
        BenchWeights.requireClose(out, ref, type + " " + shape + " n=" + n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] vector() {
        int shift = MatMul.shift(w, xT); // where the engine starts the tokens
        MatMul.transpose(x, n, w.cols(), xT, shift, 0, w.cols()); // the engine pays it once per matrix
        MatMul.apply(w, xT, shift, n, out, 0, w.rows());
        return out;
    }

    @Benchmark
    public float[] perToken() {
        int rows = w.rows();
        int cols = w.cols();
        for (int t = 0; t < n; t++) MatVec.apply(w, x, t * cols, out, t * rows, 0, rows);
        return out;
    }

    @Benchmark
    public float[] scalar() {
        MatMul.scalar(w, x, n, out, 0, w.rows());
        return out;
    }
}
