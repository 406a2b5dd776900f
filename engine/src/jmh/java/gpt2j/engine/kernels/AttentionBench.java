package gpt2j.engine.kernels;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One head's causal attention for one query over {@code len} cached positions (GPT-2's head size 64; the keys in
 * tiles as a 1024-position cache holds them), vector against scalar. See {@link MatVecBench} for how to run it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AttentionBench {

    private static final int HEAD_SIZE = 64;
    private static final int CONTEXT = 1024;

    @Param({"64", "1024"})
    public int len;

    private float[] q;
    private float[] keys;
    private float[] values;
    private float[] att;
    private float[] out;
    private float[] q4;
    private float[] att4;
    private float[] out4;

    @Setup
    public void setup() {
        q = BenchWeights.vector(HEAD_SIZE, 8);
        keys = BenchWeights.vector(CONTEXT * HEAD_SIZE, 9);
        values = BenchWeights.vector((len + 3) * HEAD_SIZE, 10);
        q4 = BenchWeights.vector(4 * HEAD_SIZE, 11);
        att4 = new float[4 * (len + 3)];
        out4 = new float[4 * HEAD_SIZE];
        att = new float[len];
        out = new float[HEAD_SIZE];
        float[] ref = new float[HEAD_SIZE];
        Attention.head(q, 0, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att, 0, out, 0);
        Attention.headScalar(q, 0, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att, 0, ref, 0);
        BenchWeights.requireClose(out, ref, "attention");
    }

    @Benchmark
    public float[] vector() {
        Attention.head(q, 0, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att, 0, out, 0);
        return out;
    }

    /** Four consecutive queries (over len .. len + 3 positions) through {@link Attention#head4}: one call. */
    @Benchmark
    public float[] fourQueries() {
        Attention.head4(
                q4, 0, HEAD_SIZE, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att4, 0, len + 3, out4, 0, HEAD_SIZE);
        return out4;
    }

    /** The same four queries through {@link Attention#head}, one call each: {@link #fourQueries}' baseline. */
    @Benchmark
    public float[] fourQueriesOneByOne() {
        for (int r = 0; r < 4; r++) {
            Attention.head(
                    q4, r * HEAD_SIZE, keys, 0, values, 0, HEAD_SIZE, len + r, 0.125f, att4, r * (len + 3), out4,
                    r * HEAD_SIZE);
        }
        return out4;
    }

    @Benchmark
    public float[] scalar() {
        Attention.headScalar(q, 0, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att, 0, out, 0);
        return out;
    }
}
