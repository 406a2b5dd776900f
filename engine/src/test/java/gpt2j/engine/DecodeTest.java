package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import gpt2j.weights.GgmlType;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.ModelQuantizer;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Forward#decode}: several sequences, each at its own position in its own cache, one token each per pass.
 * Each row must equal the double reference, and must not depend on which other sequences share the pass: it is
 * bit-identical to what {@link Forward#next} gives the same sequence alone (the server promises that a greedy request
 * gives the same tokens alone or among others).
 */
class DecodeTest {

    static final int[] PROMPT_LENGTHS = {3, 10, 1, 20, 7};
    static final int STEPS = 6;

    @ParameterizedTest
    @CsvSource({"false, F32", "true, F32", "false, Q8_0"})
    void rowsMatchTheReferenceAndDoNotDependOnTheirNeighbours(boolean inputMajor, String type) {
        try (Arena arena = Arena.ofShared()) {
            Gpt2Weights w = TinyGpt2.random(ForwardTest.CONFIG, 11, inputMajor);
            if (!type.equals("F32")) w = ModelQuantizer.quantize(w, GgmlType.valueOf(type), arena);
            Gpt2Model model = new Gpt2Model(w);
            // Forward's first prompt in a JVM goes token by token (a cold-start shortcut): use it up here, so that
            // both copies of each sequence below read their prompts the same way.
            new Forward(model, ForwardTest.ONE).prompt(new int[] {1, 2});
            int n = PROMPT_LENGTHS.length;
            int[][] sequences = new int[n][];
            for (int i = 0; i < n; i++) sequences[i] = ForwardTest.tokens(PROMPT_LENGTHS[i] + STEPS, 100 + i);

            Forward together = Forward.decodeHost(model, ForwardTest.TWO, ForwardTest.CONFIG.contextLength());
            Forward[] batch = new Forward[n];
            Forward[] single = new Forward[n];
            for (int i = 0; i < n; i++) {
                batch[i] = new Forward(model, ForwardTest.TWO);
                single[i] = new Forward(model, ForwardTest.TWO);
                batch[i].prompt(sequences[i], 0, PROMPT_LENGTHS[i]);
                single[i].prompt(sequences[i], 0, PROMPT_LENGTHS[i]);
            }
            int vocab = ForwardTest.CONFIG.vocabSize();
            for (int step = 0; step < STEPS; step++) {
                // sequences join and leave: on odd steps only every other one runs (the rest catch up later)
                int[] members = step % 2 == 1 ? new int[] {0, 2, 4} : new int[] {0, 1, 2, 3, 4};
                Forward[] rows = new Forward[members.length];
                int[] tokens = new int[members.length];
                for (int k = 0; k < members.length; k++) {
                    int i = members[k];
                    rows[k] = batch[i];
                    tokens[k] = sequences[i][batch[i].position()];
                }
                together.decode(rows, tokens, members.length);
                for (int k = 0; k < members.length; k++) {
                    int i = members[k];
                    int position = single[i].position();
                    float[] own = single[i].next(sequences[i][position]);
                    float[] row = rows[k].logits().clone();
                    assertArrayEquals(Arrays.copyOf(own, vocab), row, "sequence " + i + " at position " + position);
                    if (type.equals("F32")) { // the reference reads F32 weights; quantized rows are checked above
                        double[][] ref = TinyGpt2.referenceLogits(w, Arrays.copyOf(sequences[i], position + 1));
                        ForwardTest.assertClose(ref[position], row, 0, "sequence " + i + " at " + position);
                    }
                }
            }
        }
    }

    /**
     * A prompt of a few tokens takes the one-token kernels (MatMul widens the whole matrix first, whatever the rows):
     * its logits are bit for bit those of its tokens fed one at a time, at every length up to the limit.
     */
    @ParameterizedTest
    @CsvSource({"Q8_0", "Q4_0"})
    void aShortQuantizedPromptGetsTheNumbersOfItsTokensFedOneAtATime(String type) {
        try (Arena arena = Arena.ofShared()) {
            Gpt2Weights w = ModelQuantizer.quantize(
                    TinyGpt2.random(ForwardTest.CONFIG, 13, false), GgmlType.valueOf(type), arena);
            Gpt2Model model = new Gpt2Model(w);
            int vocab = ForwardTest.CONFIG.vocabSize();
            for (int n = 2; n <= LinearJob.FEW_ROWS; n++) {
                int[] prompt = ForwardTest.tokens(n, 40 + n);
                float[] together =
                        new Forward(model, ForwardTest.TWO).prompt(prompt).clone();
                Forward single = new Forward(model, ForwardTest.TWO);
                float[] last = null;
                for (int id : prompt) last = single.next(id);
                assertArrayEquals(Arrays.copyOf(last, vocab), Arrays.copyOf(together, vocab), "a prompt of " + n);
            }
        }
    }

    @Test
    void refusesAFullContextAndAnotherModel() {
        Gpt2Weights w = TinyGpt2.random(ForwardTest.CONFIG, 3, false);
        Gpt2Model model = new Gpt2Model(w);
        Forward host = Forward.decodeHost(model, ForwardTest.ONE, ForwardTest.CONFIG.contextLength());
        Forward small = new Forward(model, ForwardTest.ONE, 2);
        small.prompt(new int[] {1, 2});
        assertThrows(EngineException.class, () -> host.decode(new Forward[] {small}, new int[] {3}, 1));
        Forward other = new Forward(new Gpt2Model(w), ForwardTest.ONE);
        assertThrows(EngineException.class, () -> host.decode(new Forward[] {other}, new int[] {3}, 1));
        assertThrows(IllegalStateException.class, () -> small.decode(new Forward[] {small}, new int[] {3}, 1));
    }
}
