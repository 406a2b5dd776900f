package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.LoadedCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GGUF files written by llama.cpp's llama-quantize (tools/llama_quant_fixtures.py), one per width, whose tensors between
 * them hold every type gpt2j reads beyond F32/F16 (Q2_K-Q6_K, IQ4_XS at n_embd 256; Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL,
 * Q8_0 at 32), against a float64 pass over the same file dequantized by llama.cpp's gguf-py: logits at every position
 * (batched and token by token) within 1e-4 of the largest, the sequence's NLL within 1e-4 relative, and the greedy
 * continuation token for token.
 */
class LlamaQuantizeFilesTest {

    static final Path DIR = Path.of("src/test/resources/llama-quant");
    static final Parallel PARALLEL = new Parallel(2);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    static JsonNode reference(String file) throws IOException {
        return new ObjectMapper()
                .readTree(DIR.resolve("reference.json").toFile())
                .get("files")
                .get(file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"m256-mixed.gguf", "m32-mixed.gguf"})
    void logitsNllAndGreedyEqualTheFloat64Pass(String file) throws IOException {
        JsonNode ref = reference(file);
        int[] tokens = FixtureTest.ints(ref.get("tokens"));
        float[] logits = FixtureTest.floats(DIR.resolve(file.replace(".gguf", ".logits.f32")));
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(DIR.resolve(file))) {
            Map<String, Integer> types = new TreeMap<>();
            c.sourceTypes().forEach((t, n) -> types.put(t.name(), n));
            Map<String, Integer> expectedTypes = new TreeMap<>();
            ref.get("types")
                    .fields()
                    .forEachRemaining(
                            e -> expectedTypes.put(e.getKey(), e.getValue().asInt()));
            assertEquals(expectedTypes, types);

            Gpt2Model model = new Gpt2Model(c.weights());
            int vocab = model.config().vocabSize();
            Forward forward = new Forward(model, PARALLEL);
            float[][] batched = forward.logitsAll(tokens);
            forward.reset();
            for (int t = 0; t < tokens.length; t++) {
                float[] one = forward.next(tokens[t]);
                double max = 0, diffBatched = 0, diffOne = 0;
                for (int v = 0; v < vocab; v++) {
                    double r = logits[t * vocab + v];
                    max = Math.max(max, Math.abs(r));
                    diffBatched = Math.max(diffBatched, Math.abs(r - batched[t][v]));
                    diffOne = Math.max(diffOne, Math.abs(r - one[v]));
                }
                assertTrue(
                        diffBatched <= 1e-4 * max, file + " batched position " + t + ": " + diffBatched + " vs " + max);
                assertTrue(diffOne <= 1e-4 * max, file + " position " + t + ": " + diffOne + " vs " + max);
            }

            PerplexityResult p = Perplexity.evaluate(model, tokens, tokens.length, PARALLEL);
            assertEquals(
                    ref.get("nll").asDouble(), p.nll(), 1e-4 * ref.get("nll").asDouble(), file + " NLL");

            int[] expected = FixtureTest.ints(ref.get("greedy"));
            assertArrayEquals(
                    expected,
                    FixtureTest.greedy(model, PARALLEL, FixtureTest.ints(ref.get("prompt")), expected.length),
                    file + " greedy");
        }
    }
}
