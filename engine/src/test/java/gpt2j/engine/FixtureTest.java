package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.LoadedCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine on the checkpoints written by tools/make_fixtures.py, against its independent float64 reference
 * (logits at every position, attention, greedy continuation, NLL). Logits tolerance per position:
 * max |logit - ref| <= 1e-4 * max |ref|; attention weights within 1e-4 absolute.
 */
class FixtureTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final Parallel PARALLEL = new Parallel(2);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    record Fixture(JsonNode json, int[] tokens, float[] logits, float[] attention, int vocab) {

        static Fixture load(String name) throws IOException {
            Path dir = FIXTURES.resolve(name);
            JsonNode json =
                    new ObjectMapper().readTree(dir.resolve("fixture.json").toFile());
            return new Fixture(
                    json,
                    ints(json.get("tokens")),
                    floats(dir.resolve("logits.f32")),
                    floats(dir.resolve("attention.f32")),
                    json.get("config").get("vocab_size").asInt());
        }

        LoadedCheckpoint open() {
            return Gpt2Checkpoint.open(
                    FIXTURES.resolve(json.get("name").asText()).resolve("model"));
        }

        void assertLogits(int position, float[] actual, int offset) {
            double max = 0, diff = 0;
            for (int v = 0; v < vocab; v++) {
                double ref = logits[position * vocab + v];
                max = Math.max(max, Math.abs(ref));
                diff = Math.max(diff, Math.abs(ref - actual[offset + v]));
            }
            assertTrue(
                    diff <= 1e-4 * max,
                    json.get("name").asText() + " position " + position + ": max diff " + diff + " vs max |ref| "
                            + max);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f32-lm-head", "f16", "bf16", "f32-sharded"})
    void logitsAtEveryPositionTokenByTokenAndBatched(String name) throws IOException {
        Fixture f = Fixture.load(name);
        try (LoadedCheckpoint c = f.open()) {
            Forward forward = new Forward(new Gpt2Model(c.weights()), PARALLEL);
            for (int t = 0; t < f.tokens.length; t++) f.assertLogits(t, forward.next(f.tokens[t]), 0);
            forward.reset();
            forward.prompt(f.tokens, 0, f.tokens.length, f::assertLogits);
            forward.reset();
            f.assertLogits(f.tokens.length - 1, forward.prompt(f.tokens), 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f32-lm-head", "f16", "bf16", "f32-sharded"})
    void greedyContinuationIsIdentical(String name) throws IOException {
        Fixture f = Fixture.load(name);
        int[] expected = ints(f.json.get("greedy").get("new_tokens"));
        try (LoadedCheckpoint c = f.open()) {
            assertArrayEquals(expected, greedy(new Gpt2Model(c.weights()), PARALLEL, f.tokens, expected.length));
        }
    }

    /** Greedy decoding through the forward pass: the prompt batched, then each argmax fed back a token at a time. */
    static int[] greedy(Gpt2Model model, Parallel parallel, int[] prompt, int n) {
        Forward forward = new Forward(model, parallel);
        Sampler argmax = new Sampler(SamplerConfig.greedy(), model.config().vocabSize());
        int[] out = new int[n];
        float[] logits = forward.prompt(prompt);
        for (int i = 0; i < n; i++) {
            out[i] = argmax.sample(logits);
            if (i + 1 < n) logits = forward.next(out[i]);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f16"})
    void attentionMatchesTheReference(String name) throws IOException {
        Fixture f = Fixture.load(name);
        int t = f.tokens.length;
        try (LoadedCheckpoint c = f.open()) {
            float[][][][] a = AttentionCapture.capture(new Gpt2Model(c.weights()), f.tokens, PARALLEL)
                    .weights();
            int index = 0;
            for (float[][][] layer : a) {
                for (float[][] head : layer) {
                    assertEquals(t, head.length);
                    for (int q = 0; q < t; q++) {
                        double sum = 0;
                        for (int k = 0; k < t; k++) {
                            float ref = f.attention[index++];
                            if (k > q) {
                                assertEquals(0f, head[q][k], "masked entries are exactly 0");
                            } else {
                                assertEquals(ref, head[q][k], 1e-4, "query " + q + " key " + k);
                                sum += head[q][k];
                            }
                        }
                        assertEquals(1.0, sum, 1e-5, "row sums to 1");
                    }
                }
            }
            assertEquals(f.attention.length, index);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f16"})
    void perplexityEqualsTheReferenceNll(String name) throws IOException {
        Fixture f = Fixture.load(name);
        JsonNode nll = f.json.get("nll");
        // Independently of the script's number: the mean NLL read off the reference logits.
        double fromLogits = 0;
        for (int t = 0; t + 1 < f.tokens.length; t++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < f.vocab; v++) max = Math.max(max, f.logits[t * f.vocab + v]);
            for (int v = 0; v < f.vocab; v++) sum += Math.exp(f.logits[t * f.vocab + v] - max);
            fromLogits += max + Math.log(sum) - f.logits[t * f.vocab + f.tokens[t + 1]];
        }
        fromLogits /= f.tokens.length - 1;
        assertEquals(nll.get("mean").asDouble(), fromLogits, 1e-5);
        try (LoadedCheckpoint c = f.open()) {
            PerplexityResult r = Perplexity.evaluate(new Gpt2Model(c.weights()), f.tokens, f.tokens.length, PARALLEL);
            assertEquals(nll.get("scored").asInt(), r.tokens());
            assertEquals(
                    nll.get("mean").asDouble(), r.nll(), 1e-4 * nll.get("mean").asDouble());
            assertEquals(
                    nll.get("perplexity").asDouble(),
                    r.perplexity(),
                    1e-3 * nll.get("perplexity").asDouble());
        }
    }
}
