package gpt2j.engine;

import gpt2j.engine.kernels.KernelMatrix;
import gpt2j.engine.kernels.MatMul;
import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.Tensor;
import gpt2j.weights.WeightMatrix;
import gpt2j.weights.WeightsException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A GPT-2 ready to run: the checkpoint's weights, checked against the config once here so the forward pass can trust
 * every shape. Matrices and embeddings stay in their stored type and memory; only the (small) bias vectors are copied
 * to the heap, where the forward pass adds them, and Q4_0 matrices are repacked there for the one-token kernel
 * ({@link KernelMatrix}: 1.1x their bytes). Immutable and shareable between threads and {@link Forward}s.
 */
public final class Gpt2Model {

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One transformer block as the forward pass runs it: LayerNorm parameters in place, matrices ready for the kernels,
     * biases on the heap, and the attention scale this layer uses.
     */
    record Layer(
            MemorySegment attnNormWeight,
            MemorySegment attnNormBias,
            KernelMatrix qkv,
            float[] qkvBias,
            KernelMatrix attnOut,
            float[] attnOutBias,
            MemorySegment mlpNormWeight,
            MemorySegment mlpNormBias,
            KernelMatrix mlpUp,
            float[] mlpUpBias,
            KernelMatrix mlpDown,
            float[] mlpDownBias,
            float attentionScale) {}

    private final Gpt2Weights weights;
    private final Gpt2Config config;
    final Layer[] layers;
    final KernelMatrix head;

    public Gpt2Model(Gpt2Weights weights) {
        this.weights = weights;
        this.config = weights.config();
        int v = config.vocabSize(), c = config.embeddingSize(), f = config.innerSize(), n = config.layerCount();
        checkShape(weights.tokenEmbedding(), v, c);
        checkShape(weights.positionEmbedding(), config.contextLength(), c);
        if (weights.layers().size() != n) {
            throw new WeightsException(
                    "checkpoint has " + weights.layers().size() + " layers, config says n_layer=" + n);
        }
        for (int l = 0; l < n; l++) {
            Gpt2Weights.Layer w = weights.layers().get(l);
            checkVector(w.attnNormWeight(), c);
            checkVector(w.attnNormBias(), c);
            checkVector(w.mlpNormWeight(), c);
            checkVector(w.mlpNormBias(), c);
            checkMatrix(w.qkv(), 3 * c, c);
            checkMatrix(w.attnOut(), c, c);
            checkMatrix(w.mlpUp(), f, c);
            checkMatrix(w.mlpDown(), c, f);
        }
        checkVector(weights.finalNormWeight(), c);
        checkVector(weights.finalNormBias(), c);
        checkMatrix(weights.head(), v, c);
        // The repacks on every core: copying a quantized model into its kernels' layouts is most of its load. The head
        // first, the largest matrix, so that it does not start last.
        WeightMatrix[] matrices = new WeightMatrix[1 + 4 * n];
        matrices[0] = weights.head();
        for (int l = 0; l < n; l++) {
            Gpt2Weights.Layer w = weights.layers().get(l);
            matrices[1 + 4 * l] = w.qkv();
            matrices[2 + 4 * l] = w.attnOut();
            matrices[3 + 4 * l] = w.mlpUp();
            matrices[4 + 4 * l] = w.mlpDown();
        }
        MatMul.prepare(); // while the weights are repacked, so that the first prompt finds its inputs' lines
        KernelMatrix[] kernels = new KernelMatrix[matrices.length];
        IntStream.range(0, matrices.length).parallel().forEach(i -> kernels[i] = KernelMatrix.of(matrices[i]));
        layers = new Layer[n];
        for (int l = 0; l < n; l++) {
            Gpt2Weights.Layer w = weights.layers().get(l);
            layers[l] = new Layer(
                    w.attnNormWeight().data(),
                    w.attnNormBias().data(),
                    kernels[1 + 4 * l],
                    toArray(w.qkvBias(), 3 * c),
                    kernels[2 + 4 * l],
                    toArray(w.attnOutBias(), c),
                    w.mlpNormWeight().data(),
                    w.mlpNormBias().data(),
                    kernels[3 + 4 * l],
                    toArray(w.mlpUpBias(), f),
                    kernels[4 + 4 * l],
                    toArray(w.mlpDownBias(), c),
                    config.attentionScale(l));
        }
        head = kernels[0];
    }

    public Gpt2Weights weights() {
        return weights;
    }

    public Gpt2Config config() {
        return config;
    }

    private static void checkShape(Tensor t, long rows, long cols) {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new WeightsException("tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
    }

    private static void checkVector(Tensor t, long n) {
        if (t.type() != GgmlType.F32) {
            throw new WeightsException("tensor " + t.name() + " must be F32, is " + t.type());
        }
        if (t.rank() != 1 || t.dim(0) != n) {
            throw new WeightsException(
                    "tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + n + "]");
        }
    }

    private static void checkMatrix(WeightMatrix m, int rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new WeightsException("tensor " + m.tensor().name() + " is " + m.rows() + " outputs x " + m.cols()
                    + " inputs, expected " + rows + " x " + cols + " (n_embd x n_inner for the MLP)");
        }
    }

    private static float[] toArray(Tensor t, int n) {
        checkVector(t, n);
        MemorySegment s = t.data();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_FLOAT, i);
        return out;
    }
}
