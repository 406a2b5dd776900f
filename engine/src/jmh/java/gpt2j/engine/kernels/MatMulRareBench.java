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
 * A prompt batch of n tokens through one weight matrix of a rarer block type, single thread: the engine's batched
 * kernel ({@code vector}: the type's vector panel decoder, then the F32 tile) against the same tile fed by
 * {@link MatVecDecoded#dequantize} ({@code decoded}, the weights module's scalar dequantizer). Both include the
 * transpose of the inputs. {@code panelVector} and {@code panelScalar} time the two decoders alone (every panel of the
 * matrix, no tile), which the tile's share hides in the first two. tools/perf/raretypes.sh runs it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatMulRareBench {

    @Param({"Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "IQ4_XS"})
    public String type;

    @Param({"3072x768", "768x3072"})
    public String shape;

    @Param({"64"}) // Forward.BATCH
    public int n;

    private Arena arena;
    private KernelMatrix w;
    private float[] x;
    private float[] xT;
    private float[] out;
    private float[] panel;
    private float[] lanes;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        w = KernelMatrix.of(BenchWeights.matrix(type, shape, arena));
        x = BenchWeights.vector(n * w.cols(), 3);
        out = new float[n * w.rows()];
        xT = new float[MatMul.padded(n) * w.cols() + MatMul.SHIFT_ROOM];
        panel = new float[Math.max(MatMul.panelFloats(w.cols()), MatMul.ROW_BLOCK * w.cols())];
        lanes = new float[MatMulF32.lanes(n)];
        float[] ref = new float[n * w.rows()];
        decoded();
        System.arraycopy(out, 0, ref, 0, ref.length);
        vector();
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
    public float[] panelVector() {
        for (int rb = 0; rb < w.rows(); rb += MatMul.ROW_BLOCK) {
            MatMul.dequantize(w, rb, Math.min(w.rows(), rb + MatMul.ROW_BLOCK), panel, 0);
        }
        return panel;
    }

    @Benchmark
    public float[] panelScalar() {
        for (int rb = 0; rb < w.rows(); rb += MatMul.ROW_BLOCK) {
            MatVecDecoded.dequantize(
                    w.type(),
                    w.weight().tensor().data(),
                    w.cols(),
                    rb,
                    Math.min(w.rows(), rb + MatMul.ROW_BLOCK),
                    panel,
                    w.cols());
        }
        return panel;
    }

    @Benchmark
    public float[] decoded() {
        int shift = MatMul.shift(w, xT);
        MatMul.transpose(x, n, w.cols(), xT, shift, 0, w.cols());
        int rows = w.rows(), cols = w.cols();
        for (int rb = 0; rb < rows; rb += MatMul.ROW_BLOCK) {
            int re = Math.min(rows, rb + MatMul.ROW_BLOCK);
            // rows a PITCH apart, as MatMul.panel lays them (these shapes are narrower than PITCH)
            MatVecDecoded.dequantize(w.type(), w.weight().tensor().data(), cols, rb, re, panel, MatMulF32.PITCH);
            MatMulF32.apply(panel, 0, cols, xT, shift, n, out, rows, rb, re, lanes);
        }
        return out;
    }
}
