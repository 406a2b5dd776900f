package gpt2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.weights.GgmlType;
import gpt2j.weights.GgufExport;
import gpt2j.weights.GgufFile;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.Gpt2Config;
import gpt2j.weights.Gpt2Weights;
import gpt2j.weights.LoadedCheckpoint;
import gpt2j.weights.TokenizerData;
import gpt2j.weights.WeightsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The config.json fields that change the math, each on its own fixture from tools/make_config_fixtures.py, against
 * that script's float64 forward pass written from modeling_gpt2.py: logits at every position within 1e-4 of the
 * largest (token by token and batched), attention weights, and the greedy continuation; from the Hugging Face
 * directory and from a GGUF file gpt2j writes (F32) and reads back.
 */
class ConfigVariantTest {

    static final Parallel PARALLEL = new Parallel(2);

    @TempDir
    static Path tmp;

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "cfg-inverse-layer-idx",
                "cfg-no-scale",
                "cfg-no-scale-inverse",
                "cfg-n-inner-odd",
                "cfg-epsilon",
                "cfg-gelu-pytorch-tanh",
                "cfg-gelu-fast",
                "cfg-gelu-accurate",
                "cfg-gelu",
                "cfg-quick-gelu",
                "cfg-relu",
                "cfg-silu",
                "cfg-tanh"
            })
    void logitsAttentionAndGreedyMatchTheReference(String name) throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load(name);
        try (LoadedCheckpoint c = f.open()) {
            assertConfigAsWritten(f, c.weights().config());
            check(f, c.weights());
            Path gguf = tmp.resolve(name + ".gguf");
            GgufExport.write(c, vocabulary(f.vocab()), GgmlType.F32, gguf, null);
            try (LoadedCheckpoint g = Gpt2Checkpoint.open(gguf)) {
                assertEquals(c.weights().config(), g.weights().config(), "the GGUF file carries every field");
                check(f, g.weights());
            }
        }
    }

    @Test
    void theInverseLayerScaleFixtureFailsWithoutTheScale() throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load("cfg-inverse-layer-idx");
        try (LoadedCheckpoint c = f.open()) {
            Gpt2Weights w = c.weights();
            Gpt2Config dropped =
                    w.config().toBuilder().scaleAttnByInverseLayerIdx(false).build();
            Gpt2Weights without = new Gpt2Weights(
                    dropped,
                    w.tokenEmbedding(),
                    w.positionEmbedding(),
                    w.layers(),
                    w.finalNormWeight(),
                    w.finalNormBias(),
                    w.head());
            float[][] logits = new Forward(new Gpt2Model(without), PARALLEL).logitsAll(f.tokens());
            int failing = 0;
            for (int t = 0; t < logits.length; t++) {
                try {
                    f.assertLogits(t, logits[t], 0);
                } catch (AssertionError expected) {
                    failing++;
                }
            }
            assertTrue(failing >= logits.length - 1, "only " + failing + " positions noticed the missing scale");
        }
    }

    @Test
    void theAttentionExplorerSeesEachLayersScale() throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load("cfg-inverse-layer-idx");
        try (LoadedCheckpoint c = f.open()) {
            float[] scales = AttentionCapture.capture(new Gpt2Model(c.weights()), f.tokens(), PARALLEL, true, 0)
                    .scales();
            int headSize = f.json().get("config").get("n_embd").asInt()
                    / f.json().get("config").get("n_head").asInt();
            assertEquals(4, scales.length);
            for (int l = 0; l < scales.length; l++) assertEquals(1 / Math.sqrt(headSize) / (l + 1), scales[l], 1e-7);
        }
    }

    @Test
    void ggufKeysOfItsOwnOnlyWhereLlamaCppHasNone() throws IOException {
        for (String name : List.of("f32-hf", "cfg-n-inner-odd", "cfg-epsilon", "cfg-no-scale-inverse", "cfg-gelu")) {
            FixtureTest.Fixture f = FixtureTest.Fixture.load(name);
            Path gguf = tmp.resolve("keys-" + name + ".gguf");
            try (LoadedCheckpoint c = f.open()) {
                GgufExport.write(c, vocabulary(f.vocab()), GgmlType.F32, gguf, null);
            }
            try (GgufFile g = GgufFile.open(gguf)) {
                List<String> own = g.metadata().keySet().stream()
                        .filter(k -> k.startsWith("gpt2j."))
                        .sorted()
                        .toList();
                List<String> expected = switch (name) {
                    case "cfg-no-scale-inverse" ->
                        List.of("gpt2j.attention.scale_by_inverse_layer_idx", "gpt2j.attention.scale_weights");
                    case "cfg-gelu" -> List.of("gpt2j.activation_function");
                    default -> List.of(); // n_inner and epsilon have llama.cpp keys
                };
                assertEquals(expected, own, name);
                JsonNode config = f.json().get("config");
                JsonNode n = config.get("n_inner"); // absent from plain fixtures
                int inner = n == null || n.isNull() ? 4 * config.get("n_embd").asInt() : n.asInt();
                assertEquals(inner, g.integer("gpt2.feed_forward_length"), name);
                assertEquals(
                        config.get("layer_norm_epsilon").asDouble(),
                        g.number("gpt2.attention.layer_norm_epsilon"),
                        1e-9,
                        name);
            }
        }
    }

    @Test
    void ggufWithAnActivationGpt2jDoesNotComputeIsRefusedByName() throws IOException {
        FixtureTest.Fixture f = FixtureTest.Fixture.load("cfg-gelu");
        Path gguf = tmp.resolve("mish.gguf");
        try (LoadedCheckpoint c = f.open()) {
            GgufExport.write(c, vocabulary(f.vocab()), GgmlType.F32, gguf, null);
        }
        // The value "gelu" follows its key, its type (8, string) and its length (4): same length, so nothing moves.
        byte[] b = Files.readAllBytes(gguf);
        byte[] key = "gpt2j.activation_function".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(b, key) + key.length + 4 + 8;
        assertEquals("gelu", new String(b, at, 4, StandardCharsets.US_ASCII));
        System.arraycopy("mish".getBytes(StandardCharsets.US_ASCII), 0, b, at, 4);
        Files.write(gguf, b);
        WeightsException e = assertThrows(
                WeightsException.class, () -> Gpt2Checkpoint.open(gguf).close());
        assertTrue(
                e.getMessage()
                        .endsWith(
                                "gpt2j.activation_function is mish, which gpt2j does not compute (gelu_new, "
                                        + "gelu_pytorch_tanh, gelu_fast, gelu_accurate, gelu, gelu_python, quick_gelu, relu, silu, swish, tanh)"),
                e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static void check(FixtureTest.Fixture f, Gpt2Weights w) {
        Gpt2Model model = new Gpt2Model(w);
        Forward forward = new Forward(model, PARALLEL);
        for (int t = 0; t < f.tokens().length; t++) f.assertLogits(t, forward.next(f.tokens()[t]), 0);
        forward.reset();
        forward.prompt(f.tokens(), 0, f.tokens().length, f::assertLogits);

        float[][][][] a = AttentionCapture.capture(model, f.tokens(), PARALLEL).weights();
        int index = 0;
        for (float[][][] layer : a) {
            for (float[][] head : layer) {
                for (int q = 0; q < head.length; q++) {
                    for (int k = 0; k < head.length; k++, index++) {
                        if (k <= q) assertEquals(f.attention()[index], head[q][k], 1e-4, "query " + q + " key " + k);
                    }
                }
            }
        }
        assertEquals(f.attention().length, index);

        int[] expected = FixtureTest.ints(f.json().get("greedy").get("new_tokens"));
        assertArrayEquals(expected, FixtureTest.greedy(model, PARALLEL, f.tokens(), expected.length));
    }

    /** The config as loaded says what fixture.json says the script wrote. */
    private static void assertConfigAsWritten(FixtureTest.Fixture f, Gpt2Config c) {
        JsonNode j = f.json().get("config");
        int embd = j.get("n_embd").asInt();
        assertEquals(j.get("n_inner").isNull() ? 4 * embd : j.get("n_inner").asInt(), c.innerSize());
        assertEquals((float) j.get("layer_norm_epsilon").asDouble(), c.layerNormEpsilon());
        assertEquals(j.get("scale_attn_weights").asBoolean(), c.scaleAttnWeights());
        assertEquals(j.get("scale_attn_by_inverse_layer_idx").asBoolean(), c.scaleAttnByInverseLayerIdx());
        assertEquals(
                gpt2j.weights.Activation.forName(j.get("activation_function").asText()), c.activation());
    }

    /** A byte-level vocabulary of the fixture's size: GGUF needs one, the tests never decode with it. */
    static TokenizerData vocabulary(int size) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < size; i++) tokens.add("t" + i);
        return new TokenizerData(tokens, List.of());
    }
}
