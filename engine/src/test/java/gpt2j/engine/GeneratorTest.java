package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gpt2j.weights.Gpt2Weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The generation loop's stop rules, with greedy steps checked against the reference model's argmax. */
class GeneratorTest {

    static final Parallel PARALLEL = new Parallel(2);
    static final Gpt2Weights WEIGHTS = TinyGpt2.random(ForwardTest.CONFIG, 5, false);
    static final int[] PROMPT = ForwardTest.tokens(10, 4);
    static final int NO_EOT = -1;

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    static Generator generator(int context) {
        return new Generator(new Forward(new Gpt2Model(WEIGHTS), PARALLEL, context));
    }

    static Sampler greedy() {
        return new Sampler(SamplerConfig.greedy(), ForwardTest.CONFIG.vocabSize());
    }

    /** Greedy continuation computed with the reference: argmax of the last position, appended, repeated. */
    static int[] referenceGreedy(int[] prompt, int count) {
        int[] seq = prompt.clone();
        for (int i = 0; i < count; i++) {
            double[] last = TinyGpt2.referenceLogits(WEIGHTS, seq)[seq.length - 1];
            int best = 0;
            for (int v = 1; v < last.length; v++) if (last[v] > last[best]) best = v;
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void greedyMatchesTheReferenceAndStreamsEveryToken() {
        int[] expected = referenceGreedy(PROMPT, 12);
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = generator(80).generate(PROMPT, 12, greedy(), NO_EOT, id -> streamed.add(id));
        assertArrayEquals(expected, r.tokens());
        assertEquals(GenerationResult.StopReason.MAX_TOKENS, r.stopReason());
        assertEquals(Arrays.stream(expected).boxed().toList(), streamed);
        assertEquals(10, r.promptTokens());
        assertTrue(r.promptNanos() > 0 && r.generationNanos() > 0);
        assertTrue(r.promptTokensPerSecond() > 0 && r.generationTokensPerSecond() > 0);
    }

    @Test
    void endOfTextStopsAndIsNotReturned() {
        int[] free = referenceGreedy(PROMPT, 12);
        int stopAt = 5;
        while (Arrays.stream(free, 0, stopAt).anyMatch(t -> t == free[5])) stopAt--; // first occurrence of free[5]
        int eot = free[stopAt];
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = generator(80).generate(PROMPT, 12, greedy(), eot, id -> streamed.add(id));
        assertArrayEquals(Arrays.copyOf(free, stopAt), r.tokens());
        assertEquals(GenerationResult.StopReason.END_OF_TEXT, r.stopReason());
        assertEquals(stopAt, streamed.size());
    }

    @Test
    void listenerStopsGenerationAndKeepsItsToken() {
        int[] count = {0};
        GenerationResult r = generator(80).generate(PROMPT, 12, greedy(), NO_EOT, id -> ++count[0] < 3);
        assertEquals(3, r.tokens().length);
        assertEquals(GenerationResult.StopReason.LISTENER, r.stopReason());
    }

    @Test
    void promptPlusTokensStayWithinTheContext() {
        GenerationResult r = generator(16).generate(PROMPT, 12, greedy(), NO_EOT, id -> true);
        assertArrayEquals(referenceGreedy(PROMPT, 6), r.tokens());
        assertEquals(GenerationResult.StopReason.CONTEXT_FULL, r.stopReason());
        EngineException e = assertThrows(EngineException.class,
                () -> generator(8).generate(PROMPT, 1, greedy(), NO_EOT, id -> true));
        assertTrue(e.getMessage().contains("10 tokens") && e.getMessage().contains("8"), e.getMessage());
    }

    @Test
    void emptyPromptStartsFromEndOfText() {
        GenerationResult r = generator(80).generate(new int[0], 4, greedy(), 0, id -> true);
        assertEquals(1, r.promptTokens());
        int[] free = referenceGreedy(new int[] {0}, 4);
        int n = 0;
        while (n < 4 && free[n] != 0) n++;
        assertArrayEquals(Arrays.copyOf(free, n), r.tokens());
    }

    @Test
    void seededSamplingIsReproducible() {
        SamplerConfig config = new SamplerConfig(1f, 20, 0.9f, 0.01f, 1.1f, 77L);
        Generator g = generator(80);
        int[] a = g.generate(PROMPT, 20, new Sampler(config, 67), NO_EOT, id -> true).tokens();
        int[] b = g.generate(PROMPT, 20, new Sampler(config, 67), NO_EOT, id -> true).tokens();
        assertArrayEquals(a, b);
        assertEquals(20, a.length);
    }
}
