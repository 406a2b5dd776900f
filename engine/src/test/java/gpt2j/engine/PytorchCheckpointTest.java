package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.LoadedCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pytorch_model.bin checkpoints written by torch.save (tools/make_pytorch_fixtures.py: both containers, shared and
 * strided storages, shards, F16/BF16): the logits at every position equal those of the safetensors copy of the same
 * weights (to 1e-6; the weights themselves are bit-equal) and lie within 1e-4 (relative to the largest) of the float64
 * reference, and greedy decoding continues as the reference does.
 */
class PytorchCheckpointTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/pytorch");
    static final Parallel PARALLEL = new Parallel(2);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    @ParameterizedTest
    @CsvSource({
        "f32,zip-hf",
        "f32,legacy-hf",
        "f32,zip-openai",
        "f32,legacy-openai",
        "f32,zip-sharded",
        "f16,zip",
        "f16,legacy",
        "bf16,zip",
        "bf16,legacy"
    })
    void logitsEqualTheSafetensorsCopyAndTheFloat64Reference(String set, String variant) throws IOException {
        Path dir = FIXTURES.resolve(set);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("fixture.json").toFile());
        int[] tokens = FixtureTest.ints(json.get("tokens"));
        float[] reference = FixtureTest.floats(dir.resolve("logits.f32"));
        int vocab = json.get("config").get("vocab_size").asInt();
        float[][] fromBin = logits(dir.resolve(variant), tokens),
                fromSafetensors = logits(dir.resolve("safetensors"), tokens);
        for (int t = 0; t < tokens.length; t++) {
            double max = 0, diff = 0, copyDiff = 0;
            for (int v = 0; v < vocab; v++) {
                double ref = reference[t * vocab + v];
                max = Math.max(max, Math.abs(ref));
                diff = Math.max(diff, Math.abs(ref - fromBin[t][v]));
                copyDiff = Math.max(copyDiff, Math.abs(fromSafetensors[t][v] - fromBin[t][v]));
            }
            assertTrue(diff <= 1e-4 * max, variant + " position " + t + ": max diff " + diff + " vs max |ref| " + max);
            // The weights are equal bit for bit (PytorchFileTest); the logits may still differ in the last bits when
            // C2 compiles a kernel between the two passes (reduceLanes adds in another order than the interpreter).
            assertTrue(
                    copyDiff <= 1e-6 * max,
                    variant + " position " + t + ": differs from the safetensors copy by " + copyDiff);
        }
        int[] expected = FixtureTest.ints(json.get("greedy").get("new_tokens"));
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(dir.resolve(variant))) {
            assertTrue(c.format().startsWith("pytorch-"), c.format());
            assertArrayEquals(
                    expected, FixtureTest.greedy(new Gpt2Model(c.weights()), PARALLEL, tokens, expected.length));
        }
    }

    /** Logits after each prefix of {@code tokens}, one token at a time. */
    private static float[][] logits(Path model, int[] tokens) {
        try (LoadedCheckpoint c = Gpt2Checkpoint.open(model)) {
            Forward forward = new Forward(new Gpt2Model(c.weights()), PARALLEL);
            float[][] out = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++)
                out[t] = forward.next(tokens[t]).clone();
            return out;
        }
    }
}
