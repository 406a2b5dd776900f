package gpt2j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a server drives by hand: {@link Session#appendScored} and {@link Session#scoreNext} against the fixture's float64
 * reference, and {@link Model#appendEach} giving every session the same logits whichever sessions share the step.
 */
class SessionStepTest {

    @BeforeAll
    static void open() throws Exception {
        ModelTest.open();
    }

    @AfterAll
    static void close() {
        ModelTest.close();
    }

    @Test
    void appendScoredGivesTheReferenceLogProbabilities() {
        int[] t = ModelTest.tokens;
        Session s = ModelTest.model.newSession();
        List<TokenScore> first = s.appendScored(java.util.Arrays.copyOfRange(t, 0, 10), 3);
        List<TokenScore> rest = s.appendScored(java.util.Arrays.copyOfRange(t, 10, t.length), 3);
        assertEquals(9, first.size(), "no prediction for the very first token");
        assertEquals(t.length - 10, rest.size(), "a later chunk scores its first token from the session's logits");
        for (List<TokenScore> part : List.of(first, rest)) {
            for (TokenScore x : part) {
                assertEquals(t[x.index()], x.id());
                assertEquals(
                        ModelTest.referenceLogProb(x.index() - 1, x.id()), x.logProb(), 1e-4, "token " + x.index());
                assertEquals(3, x.top().size());
                assertTrue(x.top().get(0).logProb() >= x.top().get(1).logProb());
                assertTrue(x.top().get(0).logProb() >= x.logProb() - 1e-12);
            }
        }
        int next = s.argmax();
        assertEquals(
                ModelTest.referenceLogProb(t.length - 1, next),
                s.scoreNext(next, 0).logProb(),
                1e-4);
        assertArrayEquals(t, s.tokens());
    }

    @Test
    void aSessionsStepDoesNotDependOnItsNeighbours() {
        Model m = ModelTest.model;
        int[] t = ModelTest.tokens;
        Session[] together = new Session[3];
        Session[] alone = new Session[3];
        for (int i = 0; i < 3; i++) {
            together[i] = m.newSession();
            alone[i] = m.newSession();
            together[i].append(java.util.Arrays.copyOf(t, 3 + 5 * i));
            alone[i].append(java.util.Arrays.copyOf(t, 3 + 5 * i));
        }
        for (int step = 0; step < 4; step++) {
            int[] next = new int[3];
            for (int i = 0; i < 3; i++) next[i] = t[together[i].position()];
            m.appendEach(together, next, 3);
            for (int i = 0; i < 3; i++) {
                m.appendEach(new Session[] {alone[i]}, new int[] {next[i]}, 1);
                assertArrayEquals(alone[i].logits(), together[i].logits(), "session " + i + " step " + step);
                int position = together[i].position() - 1;
                assertEquals(
                        ModelTest.referenceLogProb(position, t[position + 1]),
                        together[i].logProb(t[position + 1]),
                        1e-4);
            }
        }
        assertArrayEquals(java.util.Arrays.copyOf(t, together[2].position()), together[2].tokens());
        assertThrows(
                IllegalArgumentException.class,
                () -> m.appendEach(new Session[] {together[0], together[0]}, new int[] {1, 2}, 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0"})
    void quantizedStepsShareBlocksWithoutChangingAnyRowsBits(String type) {
        // Q8_0 and Q4_0 decode steps widen each block once for a group of four rows: five rows (a group and one alone)
        // and seven (a group and a padded group of three) must each give every session its own step's bits.
        try (Model m = Model.open(
                ModelTest.FIXTURE.resolve("model"),
                ModelOptions.builder().threads(2).weightType(type).build())) {
            int[] t = ModelTest.tokens;
            for (int n : new int[] {5, 7}) {
                Session[] together = new Session[n];
                Session[] alone = new Session[n];
                for (int i = 0; i < n; i++) {
                    together[i] = m.newSession();
                    alone[i] = m.newSession();
                    together[i].append(java.util.Arrays.copyOf(t, 2 + 2 * i));
                    alone[i].append(java.util.Arrays.copyOf(t, 2 + 2 * i));
                }
                for (int step = 0; step < 3; step++) {
                    int[] next = new int[n];
                    for (int i = 0; i < n; i++) next[i] = t[together[i].position()];
                    m.appendEach(together, next, n);
                    for (int i = 0; i < n; i++) {
                        alone[i].append(next[i]);
                        assertArrayEquals(
                                alone[i].logits(),
                                together[i].logits(),
                                type + ", " + n + " sessions, session " + i + " step " + step);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void promptsAndTokensInOneStepGiveEachSessionItsOwnBits(String type) {
        // Short prompts share the step's pass on the types whose one-token kernels take groups of inputs (and take them
        // alone too); a long prompt, and every prompt on F32 and F16, gets its own batched pass (whose sums run in
        // another order than F16's one-token kernel's). Each session must end with the bits of its own append,
        // whatever shares the step; nine prompts of eight tokens overflow one pass's rows.
        try (Model m = type.equals("f32")
                ? null
                : Model.open(
                        ModelTest.FIXTURE.resolve("model"),
                        ModelOptions.builder().threads(2).weightType(type).build())) {
            Model model = m == null ? ModelTest.model : m;
            int[] t = ModelTest.tokens;
            int[][] before = {{}, java.util.Arrays.copyOf(t, 3), {}, java.util.Arrays.copyOf(t, 4), {}};
            int[][] step = {
                java.util.Arrays.copyOfRange(t, 0, 5),
                {t[3]},
                java.util.Arrays.copyOfRange(t, 0, 12),
                java.util.Arrays.copyOfRange(t, 4, 12),
                {t[0]}
            };
            int n = step.length;
            Session[] together = new Session[n];
            Session[] alone = new Session[n];
            for (int i = 0; i < n; i++) {
                together[i] = model.newSession();
                alone[i] = model.newSession();
                if (before[i].length > 0) {
                    together[i].append(before[i]);
                    alone[i].append(before[i]);
                }
            }
            model.appendEach(together, step, n);
            for (int i = 0; i < n; i++) {
                alone[i].append(step[i]);
                assertArrayEquals(alone[i].logits(), together[i].logits(), type + ", session " + i);
                assertArrayEquals(alone[i].tokens(), together[i].tokens(), type + ", session " + i);
            }
            if (m == null) {
                // the shared pass against the float64 reference: the 5-token prompt's next token
                assertEquals(ModelTest.referenceLogProb(4, t[5]), together[0].logProb(t[5]), 1e-4);
            }
            int[][] next = new int[n][];
            for (int i = 0; i < n; i++) next[i] = new int[] {t[together[i].position()]};
            model.appendEach(together, next, n);
            for (int i = 0; i < n; i++) {
                alone[i].append(next[i]);
                assertArrayEquals(alone[i].logits(), together[i].logits(), type + ", session " + i + ", next step");
            }

            Session[] nine = new Session[9];
            int[][] prompts = new int[9][];
            for (int i = 0; i < 9; i++) {
                nine[i] = model.newSession();
                prompts[i] = java.util.Arrays.copyOfRange(t, i, i + 8);
            }
            model.appendEach(nine, prompts, 9);
            for (int i = 0; i < 9; i++) {
                Session own = model.newSession();
                own.append(prompts[i]);
                assertArrayEquals(own.logits(), nine[i].logits(), type + ", prompt " + i + " of nine");
            }

            int[] positions = new int[n];
            for (int i = 0; i < n; i++) positions[i] = together[i].position();
            int[][] bad = {{t[1]}, {}, {t[2]}, {t[3]}, {t[4]}};
            assertThrows(IllegalArgumentException.class, () -> model.appendEach(together, bad, n));
            int[][] outside = {{t[1]}, {t[1], model.vocabSize()}, {t[2]}, {t[3]}, {t[4]}};
            assertThrows(IllegalArgumentException.class, () -> model.appendEach(together, outside, n));
            for (int i = 0; i < n; i++) assertEquals(positions[i], together[i].position(), "unchanged after an error");
        }
    }
}
