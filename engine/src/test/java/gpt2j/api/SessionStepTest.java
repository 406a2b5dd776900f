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
}
