package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.ModelQuantizer;
import gpt2j.weights.Quantizer;
import gpt2j.weights.Tensor;
import gpt2j.weights.WeightMatrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantized models, two ways. Against the same weights dequantized to F32 (read back with the weights module's
 * ggml-layout dequantizer), the quantized kernels must give the F32 tolerance: max |diff| <= 1e-4 * max |logit|.
 * Against the float64 reference of the unquantized fixture, the worst position's logit cosine similarity and
 * next-token KL divergence stay within bounds (STYLE.md 8.11), with the argmax kept where the reference's top-2 margin
 * exceeds 0.5 (F16, Q8_0). The fixture's random weights (std up to 0.3, peaked attention) are harsher on quantization
 * than trained GPT-2; measured worst cases on f32-openai: F16 cosine 0.9999997 / KL 2e-7, Q8_0 0.99975 / 2e-4,
 * Q4_0 0.90 / 0.06. The bounds leave 2-5x room over those: they catch a broken kernel, not rounding noise.
 */
class QuantizedModelTest {

    static final Parallel PARALLEL = new Parallel(2);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    @ParameterizedTest
    @CsvSource({"F16", "Q8_0", "Q4_0"})
    void quantizedKernelsMatchTheDequantizedWeights(GgmlType type) throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load("f32-openai");
        try (LoadedCheckpoint c = f.open();
                Arena arena = Arena.ofShared()) {
            Gpt2Weights quantized = ModelQuantizer.quantize(c.weights(), type, arena);
            float[][] expected =
                    new Forward(new Gpt2Model(dequantized(quantized, arena)), PARALLEL).logitsAll(f.tokens());
            Forward forward = new Forward(new Gpt2Model(quantized), PARALLEL);
            for (int t = 0; t < f.tokens().length; t++) {
                float[] logits = forward.next(f.tokens()[t]);
                double max = 0, diff = 0;
                for (int i = 0; i < f.vocab(); i++) {
                    max = Math.max(max, Math.abs(expected[t][i]));
                    diff = Math.max(diff, Math.abs(expected[t][i] - logits[i]));
                }
                assertTrue(diff <= 1e-4 * max, type + " position " + t + ": max diff " + diff + " vs " + max);
            }
        }
    }

    /** The same weights with every matrix and the token embeddings converted back to F32. */
    static Gpt2Weights dequantized(Gpt2Weights w, Arena arena) {
        List<Gpt2Weights.Layer> layers = new ArrayList<>();
        for (Gpt2Weights.Layer l : w.layers()) {
            layers.add(new Gpt2Weights.Layer(
                    l.attnNormWeight(),
                    l.attnNormBias(),
                    f32(l.qkv(), arena),
                    l.qkvBias(),
                    f32(l.attnOut(), arena),
                    l.attnOutBias(),
                    l.mlpNormWeight(),
                    l.mlpNormBias(),
                    f32(l.mlpUp(), arena),
                    l.mlpUpBias(),
                    f32(l.mlpDown(), arena),
                    l.mlpDownBias()));
        }
        WeightMatrix wte = f32(
                new WeightMatrix(
                        w.tokenEmbedding(), w.config().vocabSize(), w.config().embeddingSize(), false),
                arena);
        return new Gpt2Weights(
                w.config(),
                wte.tensor(),
                w.positionEmbedding(),
                layers,
                w.finalNormWeight(),
                w.finalNormBias(),
                f32(w.head(), arena));
    }

    static WeightMatrix f32(WeightMatrix m, Arena arena) {
        Tensor t = m.tensor();
        long rowBytes = t.type().byteSize(m.cols());
        MemorySegment data = arena.allocate((long) m.rows() * m.cols() * 4);
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            Quantizer.dequantizeRow(t.type(), t.data(), r * rowBytes, row, 0, m.cols());
            MemorySegment.copy(
                    row,
                    0,
                    data,
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                    (long) r * m.cols() * 4,
                    m.cols());
        }
        return new WeightMatrix(
                new Tensor(t.name(), GgmlType.F32, new long[] {m.rows(), m.cols()}, data), m.rows(), m.cols(), false);
    }

    @ParameterizedTest
    @CsvSource({"F16, 0.999995, 1e-6, 1", "Q8_0, 0.999, 1e-3, 1", "Q4_0, 0.8, 0.15, 0"})
    void logitsStayCloseToTheReference(GgmlType type, double minCosine, double maxKl, int topK) throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load("f32-openai");
        int v = f.vocab();
        try (LoadedCheckpoint c = f.open();
                Arena arena = Arena.ofShared()) {
            Forward forward = new Forward(new Gpt2Model(ModelQuantizer.quantize(c.weights(), type, arena)), PARALLEL);
            double worstCosine = 1, worstKl = 0;
            for (int t = 0; t < f.tokens().length; t++) {
                float[] logits = forward.next(f.tokens()[t]);
                double dot = 0, a2 = 0, b2 = 0;
                int best = 0, second = -1;
                for (int i = 0; i < v; i++) {
                    double ref = f.logits()[t * v + i];
                    dot += ref * logits[i];
                    a2 += ref * ref;
                    b2 += (double) logits[i] * logits[i];
                    if (i == 0) continue; // best starts as token 0; second is the best of the others
                    if (ref > f.logits()[t * v + best]) {
                        second = best;
                        best = i;
                    } else if (second < 0 || ref > f.logits()[t * v + second]) {
                        second = i;
                    }
                }
                worstCosine = Math.min(worstCosine, dot / Math.sqrt(a2 * b2));
                worstKl = Math.max(worstKl, Perplexity.kl(f.logits(), t * v, logits, 0, v));
                double margin = f.logits()[t * v + best] - f.logits()[t * v + second];
                int rank = 0; // how many logits beat the reference's choice
                for (int i = 0; i < v; i++) if (logits[i] > logits[best]) rank++;
                if (topK > 0 && margin > 0.5) {
                    assertTrue(
                            rank < topK,
                            type + " position " + t + ": the reference's argmax " + best + " ranks " + rank);
                }
            }
            assertTrue(worstCosine >= minCosine, type + " cosine " + worstCosine);
            assertTrue(worstKl <= maxKl, type + " KL " + worstKl);
        }
    }
}
