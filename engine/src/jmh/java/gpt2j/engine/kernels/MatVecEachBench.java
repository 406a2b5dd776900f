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
 * A decode step's y_i = W x_i for n sequences, single thread: {@code each} ({@link MatVec#applyEach}, Q8_0 and Q4_0
 * widening each block once per group of four inputs) against {@code blocked} (the path before it: the one-input kernel
 * per input over blocks of 32 rows). Both give every input the one-input kernel's bits; setup checks that;
 * {@code scalar} is their scalar twin. With {@code copies} above one, each call takes the next of that many copies of
 * the matrix, so that enough of them (64 of 2304x768 Q8_0: 113 MB) stream from memory as a decode step's weights do,
 * where one matrix stays in the L3 cache. Run as MatVecBench says, e.g.
 * {@code benchmarks.jar MatVecEachBench -p shape=3072x768 ...}; summary.py prints each/blocked.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecEachBench {

    @Param({"Q8_0", "Q4_0", "F32", "F16"})
    public String type;

    @Param({"2304x768", "3072x768", "768x3072"})
    public String shape;

    @Param({"1", "4", "8"})
    public int n;

    @Param({"1"})
    public int copies;

    private Arena arena;
    private KernelMatrix[] ws;
    private int next;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        ws = new KernelMatrix[copies];
        for (int i = 0; i < copies; i++) ws[i] = KernelMatrix.of(BenchWeights.matrix(type, shape, arena));
        KernelMatrix w = ws[0];
        x = BenchWeights.vector(n * w.cols(), 2);
        out = new float[n * w.rows()];
        float[] ref = new float[n * w.rows()];
        each();
        for (int i = 0; i < n; i++) MatVec.apply(w, x, i * w.cols(), ref, i * w.rows(), 0, w.rows());
        if (!java.util.Arrays.equals(out, ref)) throw new IllegalStateException(type + " " + shape + ": each != apply");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] blocked() {
        KernelMatrix w = nextCopy();
        int rows = w.rows(), cols = w.cols();
        for (int rb = 0; rb < rows; rb += 32) {
            int re = Math.min(rows, rb + 32);
            for (int i = 0; i < n; i++) MatVec.apply(w, x, i * cols, out, i * rows, rb, re);
        }
        return out;
    }

    @Benchmark
    public float[] each() {
        KernelMatrix m = nextCopy();
        MatVec.applyEach(m, x, m.cols(), n, out, m.rows(), 0, m.rows());
        return out;
    }

    @Benchmark
    public float[] scalar() {
        KernelMatrix m = nextCopy();
        MatVec.scalarEach(m, x, m.cols(), n, out, m.rows(), 0, m.rows());
        return out;
    }

    private KernelMatrix nextCopy() {
        KernelMatrix m = ws[next];
        next = next + 1 == copies ? 0 : next + 1;
        return m;
    }
}
