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

    @Setup
    public void setup() {
        q = BenchWeights.vector(HEAD_SIZE, 8);
        keys = BenchWeights.vector(CONTEXT * HEAD_SIZE, 9);
        values = BenchWeights.vector(len * HEAD_SIZE, 10);
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

    @Benchmark
    public float[] scalar() {
        Attention.headScalar(q, 0, keys, 0, values, 0, HEAD_SIZE, len, 0.125f, att, 0, out, 0);
        return out;
    }
}
