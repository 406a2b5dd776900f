package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The forward pass against {@link TinyGpt2}'s from-scratch double-precision reference on a random model, through
 * every path (token by token, batched prompt across batch boundaries, mixed), both matrix layouts, 1 and 2 threads.
 * Tolerance per position: max |logit - ref| <= 1e-4 * max |ref|.
 */
class ForwardTest {

    static final Gpt2Config CONFIG = Gpt2Config.builder()
            .vocabSize(67)
            .contextLength(80)
            .embeddingSize(32)
            .layerCount(2)
            .headCount(4)
            .build();
    static final Parallel TWO = new Parallel(2);
    static final Parallel ONE = new Parallel(1);

    @AfterAll
    static void close() {
        TWO.close();
        ONE.close();
    }

    static int[] tokens(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(CONFIG.vocabSize());
        return t;
    }

    static void assertClose(double[] ref, float[] actual, int offset, String what) {
        double max = 0, diff = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i]));
            diff = Math.max(diff, Math.abs(ref[i] - actual[offset + i]));
        }
        assertTrue(diff <= 1e-4 * max, what + ": max diff " + diff + " vs max |ref| " + max);
    }

    @ParameterizedTest
    @CsvSource({"false, 1", "false, 2", "true, 2"})
    void everyPathMatchesTheReference(boolean inputMajor, int threads) {
        Gpt2Weights w = TinyGpt2.random(CONFIG, 7, inputMajor);
        Gpt2Model model = new Gpt2Model(w);
        int[] tokens = tokens(70, 1); // > 2 batches of Forward.BATCH
        double[][] ref = TinyGpt2.referenceLogits(w, tokens);
        Forward f = new Forward(model, threads == 1 ? ONE : TWO);

        for (int i = 0; i < tokens.length; i++) assertClose(ref[i], f.next(tokens[i]), 0, "next() at " + i);
        assertEquals(70, f.position());

        f.reset();
        f.prompt(
                tokens,
                0,
                tokens.length,
                (position, logits, offset) -> assertClose(ref[position], logits, offset, "batched at " + position));

        f.reset();
        assertClose(ref[69], f.prompt(tokens), 0, "prompt() last");

        f.reset();
        assertClose(ref[40], f.prompt(tokens, 0, 41), 0, "prompt of 41");
        for (int i = 41; i < 60; i++) assertClose(ref[i], f.next(tokens[i]), 0, "next() after prompt at " + i);
        f.feed(tokens, 60, 65);
        float[][] rest = f.logitsAll(java.util.Arrays.copyOfRange(tokens, 65, 70));
        for (int i = 65; i < 70; i++) assertClose(ref[i], rest[i - 65], 0, "logitsAll after feed at " + i);
    }

    @Test
    void overLengthAndBadTokensAreRejected() {
        Forward f = new Forward(new Gpt2Model(TinyGpt2.random(CONFIG, 7, false)), ONE, 10);
        EngineException e = assertThrows(EngineException.class, () -> f.prompt(tokens(11, 2)));
        assertTrue(e.getMessage().contains("context holds 10"), e.getMessage());
        assertEquals(0, f.position());
        f.prompt(tokens(10, 2));
        assertThrows(EngineException.class, () -> f.next(1));
        f.reset();
        assertThrows(EngineException.class, () -> f.next(67));
        assertThrows(EngineException.class, () -> f.next(-1));
        assertThrows(EngineException.class, () -> f.prompt(new int[0]));
        assertThrows(EngineException.class, () -> new Forward(f.model(), ONE, 81));
    }

    @Test
    void modelRejectsMismatchedShapes() {
        Gpt2Weights w = TinyGpt2.random(CONFIG, 7, false);
        Gpt2Config wrong = CONFIG.toBuilder().layerCount(3).build();
        Gpt2Weights bad = new Gpt2Weights(
                wrong,
                w.tokenEmbedding(),
                w.positionEmbedding(),
                w.layers(),
                w.finalNormWeight(),
                w.finalNormBias(),
                w.head());
        var e = assertThrows(gpt2j.weights.WeightsException.class, () -> new Gpt2Model(bad));
        assertTrue(e.getMessage().contains("n_layer=3"), e.getMessage());
    }

    @Test
    void capturedAttentionMatchesTheReference() {
        Gpt2Weights w = TinyGpt2.random(CONFIG, 11, false);
        int[] tokens = tokens(40, 3);
        double[][][][] ref = new double[2][4][40][];
        TinyGpt2.referenceLogits(w, tokens, ref);
        float[][][][] a =
                AttentionCapture.capture(new Gpt2Model(w), tokens, TWO).weights();
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 4; h++) {
                for (int q = 0; q < 40; q++) {
                    double sum = 0;
                    for (int k = 0; k < 40; k++) {
                        if (k > q) {
                            assertEquals(0f, a[l][h][q][k], "masked entry");
                        } else {
                            assertEquals(
                                    ref[l][h][q][k],
                                    a[l][h][q][k],
                                    1e-5,
                                    "attention " + l + "/" + h + "/" + q + "/" + k);
                            sum += a[l][h][q][k];
                        }
                    }
                    assertEquals(1.0, sum, 1e-5);
                }
            }
        }
    }
}
