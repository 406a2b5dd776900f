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
 * One token's y = W x, single thread, vector kernel against its scalar twin. Build, run (short version; the
 * machine is shared) and turn ops/s into weight GB/s and vector/scalar ratios:
 * <pre>
 * tools/mvn -q -pl engine -am package -Pjmh -DskipTests
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar engine/target/benchmarks.jar 'MatVecBench|MatMulBench|ActivationBench' \
 *     -f 1 -wi 2 -i 3 -w 1s -r 1s -t 1 -rf json -rff /tmp/jmh.json [-p type=Q8_0 -p shape=768x3072] [-prof gc]
 * python3 engine/src/jmh/summary.py /tmp/jmh.json
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatVecBench {

    @Param({"F32", "F32_IM", "F16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    /** outputs x inputs: attention q/k/v or out, fused qkv, mlp up, mlp down, tied head. */
    @Param({"768x768", "2304x768", "3072x768", "768x3072", "50257x768"})
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
        MatVec.apply(w, x, 0, out, 0, 0, w.rows());
        MatVec.scalar(w, x, 0, ref, 0, 0, w.rows());
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
    public float[] scalar() {
        MatVec.scalar(w, x, 0, out, 0, 0, w.rows());
        return out;
    }
}
