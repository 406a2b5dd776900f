package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpt2j.weights.Gpt2Weights;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sliding-window perplexity against a line-by-line port of Hugging Face's perplexity guide loop (labels masked with
 * -100, shifted cross-entropy, nll_sum weighted by valid targets), fed by {@link TinyGpt2}'s reference logits.
 */
class PerplexityTest {

    static final Parallel PARALLEL = new Parallel(2);
    static final Gpt2Weights WEIGHTS = TinyGpt2.random(ForwardTest.CONFIG, 21, false);
    static final int[] TOKENS = ForwardTest.tokens(75, 9);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    /** for begin_loc in range(0, seq_len, stride): ... (huggingface.co/docs/transformers/perplexity). */
    static double[] huggingFace(int[] tokens, int maxLength, int stride) {
        int seqLen = tokens.length, prevEndLoc = 0, nTokens = 0;
        double nllSum = 0;
        for (int beginLoc = 0; beginLoc < seqLen; beginLoc += stride) {
            int endLoc = Math.min(beginLoc + maxLength, seqLen);
            int trgLen = endLoc - prevEndLoc;
            int[] inputIds = Arrays.copyOfRange(tokens, beginLoc, endLoc);
            int[] targetIds = inputIds.clone();
            for (int i = 0; i < targetIds.length - trgLen; i++) targetIds[i] = -100;
            double[][] logits = TinyGpt2.referenceLogits(WEIGHTS, inputIds);
            // shift: logits[i] predicts targetIds[i + 1]
            double loss = 0;
            int valid = 0;
            for (int i = 0; i + 1 < inputIds.length; i++) {
                int label = targetIds[i + 1];
                if (label == -100) continue;
                double max = Arrays.stream(logits[i]).max().orElseThrow(), sum = 0;
                for (double l : logits[i]) sum += Math.exp(l - max);
                loss += max + Math.log(sum) - logits[i][label];
                valid++;
            }
            nllSum += loss;
            nTokens += valid;
            prevEndLoc = endLoc;
            if (endLoc == seqLen) break;
        }
        return new double[] {nllSum / nTokens, nTokens};
    }

    @ParameterizedTest
    @CsvSource({"75, 75", "80, 80", "20, 20", "20, 7", "32, 16", "33, 1", "2, 1", "50, 50"})
    void matchesHuggingFacesLoop(int context, int stride) {
        double[] expected = huggingFace(TOKENS, context, stride);
        PerplexityResult r = Perplexity.evaluate(new Gpt2Model(WEIGHTS), TOKENS, context, stride, PARALLEL);
        assertEquals((int) expected[1], r.tokens());
        assertEquals(expected[0], r.nll(), 1e-5 * expected[0]);
        assertEquals(Math.exp(expected[0]), r.perplexity(), 1e-4 * r.perplexity());
    }

    @Test
    void nonOverlappingWindowsSkipEachWindowsFirstToken() {
        // 75 tokens in windows of 20: 20 + 20 + 20 + 15, each losing its first token.
        assertEquals(
                75 - 4,
                Perplexity.evaluate(new Gpt2Model(WEIGHTS), TOKENS, 20, PARALLEL)
                        .tokens());
    }

    @Test
    void klDivergenceMatchesTheDefinition() {
        Gpt2Weights other = TinyGpt2.random(ForwardTest.CONFIG, 22, false);
        int context = 30;
        double expected = 0;
        for (int begin = 0; begin < TOKENS.length; begin += context) {
            int[] window = Arrays.copyOfRange(TOKENS, begin, Math.min(begin + context, TOKENS.length));
            double[][] p = TinyGpt2.referenceLogits(WEIGHTS, window), q = TinyGpt2.referenceLogits(other, window);
            for (int i = 0; i < window.length; i++) {
                double zp = 0, zq = 0;
                for (int v = 0; v < p[i].length; v++) {
                    zp += Math.exp(p[i][v]);
                    zq += Math.exp(q[i][v]);
                }
                for (int v = 0; v < p[i].length; v++) {
                    double pv = Math.exp(p[i][v]) / zp, qv = Math.exp(q[i][v]) / zq;
                    expected += pv * Math.log(pv / qv);
                }
            }
        }
        expected /= TOKENS.length;
        Gpt2Model a = new Gpt2Model(WEIGHTS);
        assertEquals(
                expected,
                Perplexity.meanKlDivergence(a, new Gpt2Model(other), TOKENS, context, PARALLEL),
                1e-4 * expected);
        assertEquals(0.0, Perplexity.meanKlDivergence(a, a, TOKENS, context, PARALLEL), 1e-9);
    }

    @Test
    void badArgumentsAreRejected() {
        Gpt2Model m = new Gpt2Model(WEIGHTS);
        assertThrows(EngineException.class, () -> Perplexity.evaluate(m, new int[] {1}, 10, PARALLEL));
        assertThrows(EngineException.class, () -> Perplexity.evaluate(m, TOKENS, 81, PARALLEL));
        assertThrows(EngineException.class, () -> Perplexity.evaluate(m, TOKENS, 1, PARALLEL));
        assertThrows(EngineException.class, () -> Perplexity.evaluate(m, TOKENS, 10, 11, PARALLEL));
    }
}
