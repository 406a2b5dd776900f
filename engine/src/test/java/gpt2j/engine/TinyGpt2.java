package gpt2j.engine;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.Tensor;
import gpt2j.weights.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A random F32 GPT-2 built in memory, and a textbook forward pass in double over the whole sequence (no cache, no
 * batching, no kernels), written from the GPT-2 equations: the reference for the structure of {@link Forward}.
 * The PyTorch fixtures are the reference for the numbers on real checkpoints.
 */
final class TinyGpt2 {

    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TinyGpt2() {}

    /** Random weights; {@code inputMajor} stores the matrices in HF Conv1D layout. */
    static Gpt2Weights random(Gpt2Config c, long seed, boolean inputMajor) {
        SplittableRandom r = new SplittableRandom(seed);
        int e = c.embeddingSize();
        List<Gpt2Weights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.layerCount(); l++) {
            String p = "h." + l + ".";
            layers.add(new Gpt2Weights.Layer(
                    vector(p + "ln_1.weight", e, r, 1f, 0.2f), vector(p + "ln_1.bias", e, r, 0f, 0.1f),
                    matrix(p + "attn.c_attn.weight", 3 * e, e, r, inputMajor),
                            vector(p + "attn.c_attn.bias", 3 * e, r, 0f, 0.1f),
                    matrix(p + "attn.c_proj.weight", e, e, r, inputMajor),
                            vector(p + "attn.c_proj.bias", e, r, 0f, 0.1f),
                    vector(p + "ln_2.weight", e, r, 1f, 0.2f), vector(p + "ln_2.bias", e, r, 0f, 0.1f),
                    matrix(p + "mlp.c_fc.weight", 4 * e, e, r, inputMajor),
                            vector(p + "mlp.c_fc.bias", 4 * e, r, 0f, 0.1f),
                    matrix(p + "mlp.c_proj.weight", e, 4 * e, r, inputMajor),
                            vector(p + "mlp.c_proj.bias", e, r, 0f, 0.1f)));
        }
        Tensor wte = tensor("wte", new long[] {c.vocabSize(), e}, r, 0f, 0.5f);
        Tensor wpe = tensor("wpe", new long[] {c.contextLength(), e}, r, 0f, 0.3f);
        return new Gpt2Weights(
                c,
                wte,
                wpe,
                layers,
                vector("ln_f.weight", e, r, 1f, 0.2f),
                vector("ln_f.bias", e, r, 0f, 0.1f),
                new WeightMatrix(wte, c.vocabSize(), e, false));
    }

    private static Tensor vector(String name, int n, SplittableRandom r, float mean, float spread) {
        return tensor(name, new long[] {n}, r, mean, spread);
    }

    private static WeightMatrix matrix(String name, int rows, int cols, SplittableRandom r, boolean inputMajor) {
        float spread = (float) (1.5 / Math.sqrt(cols));
        long[] shape = inputMajor ? new long[] {cols, rows} : new long[] {rows, cols};
        return new WeightMatrix(tensor(name, shape, r, 0f, spread), rows, cols, inputMajor);
    }

    private static Tensor tensor(String name, long[] shape, SplittableRandom r, float mean, float spread) {
        long n = Tensor.count(shape);
        MemorySegment s = Arena.ofAuto().allocate(n * 4, 64);
        for (long i = 0; i < n; i++) s.setAtIndex(LE, i, mean + (float) ((r.nextDouble() * 2 - 1) * spread));
        return new Tensor(name, GgmlType.F32, shape, s);
    }

    /** Logits at every position of {@code tokens}, computed from scratch in double. */
    static double[][] referenceLogits(Gpt2Weights w, int[] tokens) {
        return referenceLogits(w, tokens, null);
    }

    /** Same, also filling {@code attention[layer][head][query][key]} (keys 0..query) when it is not null. */
    static double[][] referenceLogits(Gpt2Weights w, int[] tokens, double[][][][] attention) {
        Gpt2Config c = w.config();
        int layerIndex = 0;
        int t = tokens.length, e = c.embeddingSize(), h = c.headCount(), hs = c.headSize();
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) x[i] = add(row(w.tokenEmbedding(), tokens[i]), row(w.positionEmbedding(), i));
        for (Gpt2Weights.Layer layer : w.layers()) {
            double[][] q = new double[t][], k = new double[t][], v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] qkv = linear(
                        layer.qkv(), layer.qkvBias(), norm(x[i], layer.attnNormWeight(), layer.attnNormBias(), c));
                q[i] = java.util.Arrays.copyOfRange(qkv, 0, e);
                k[i] = java.util.Arrays.copyOfRange(qkv, e, 2 * e);
                v[i] = java.util.Arrays.copyOfRange(qkv, 2 * e, 3 * e);
            }
            for (int i = 0; i < t; i++) {
                double[] y = new double[e];
                for (int head = 0; head < h; head++) {
                    double[] a = attention(q, k, i, head * hs, hs);
                    if (attention != null) attention[layerIndex][head][i] = a;
                    for (int j = 0; j <= i; j++) {
                        for (int d = 0; d < hs; d++) y[head * hs + d] += a[j] * v[j][head * hs + d];
                    }
                }
                x[i] = add(x[i], linear(layer.attnOut(), layer.attnOutBias(), y));
            }
            for (int i = 0; i < t; i++) {
                double[] u = linear(
                        layer.mlpUp(), layer.mlpUpBias(), norm(x[i], layer.mlpNormWeight(), layer.mlpNormBias(), c));
                for (int d = 0; d < u.length; d++) {
                    u[d] = 0.5
                            * u[d]
                            * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u[d] + 0.044715 * u[d] * u[d] * u[d])));
                }
                x[i] = add(x[i], linear(layer.mlpDown(), layer.mlpDownBias(), u));
            }
            layerIndex++;
        }
        double[][] logits = new double[t][];
        for (int i = 0; i < t; i++) {
            logits[i] = linear(w.head(), null, norm(x[i], w.finalNormWeight(), w.finalNormBias(), c));
        }
        return logits;
    }

    /** Softmax of query i's scaled scores over keys 0..i in one head. */
    static double[] attention(double[][] q, double[][] k, int i, int off, int hs) {
        double[] a = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j <= i; j++) {
            for (int d = 0; d < hs; d++) a[j] += q[i][off + d] * k[j][off + d];
            a[j] /= Math.sqrt(hs);
            max = Math.max(max, a[j]);
        }
        for (int j = 0; j <= i; j++) sum += a[j] = Math.exp(a[j] - max);
        for (int j = 0; j <= i; j++) a[j] /= sum;
        return a;
    }

    private static double[] norm(double[] x, Tensor weight, Tensor bias, Gpt2Config c) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) / Math.sqrt(var + c.layerNormEpsilon()) * get(weight, i) + get(bias, i);
        }
        return out;
    }

    private static double[] linear(WeightMatrix w, Tensor bias, double[] x) {
        double[] y = new double[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double s = bias == null ? 0 : get(bias, r);
            for (int col = 0; col < w.cols(); col++) {
                long index = w.inputMajor() ? (long) col * w.rows() + r : (long) r * w.cols() + col;
                s += get(w.tensor(), index) * x[col];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] row(Tensor t, int row) {
        int n = (int) t.dim(1);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = get(t, (long) row * n + i);
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] + b[i];
        return out;
    }

    private static double get(Tensor t, long index) {
        return t.data().getAtIndex(LE, index);
    }
}
