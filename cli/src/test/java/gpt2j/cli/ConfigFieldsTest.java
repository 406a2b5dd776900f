package gpt2j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config fields that change the math, as the CLI shows them and carries them into GGUF. */
class ConfigFieldsTest {

    @TempDir
    Path tmp;

    @Test
    void quantizeKeepsTheSettingsInGpt2jKeysAndWarnsOnceThatLlamaCppIgnoresThem() throws IOException {
        Path dir = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("m"));
        ObjectNode config = (ObjectNode)
                new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        config.put("scale_attn_by_inverse_layer_idx", true)
                .put("activation_function", "gelu")
                .put("layer_norm_epsilon", 0.001);
        Files.writeString(dir.resolve("config.json"), config.toString());
        Path gguf = tmp.resolve("m.gguf");
        Cli q = Cli.run("quantize", "-m", dir.toString(), "--type", "f32", "-o", gguf.toString());
        assertEquals(0, q.code(), q.err());
        List<String> warnings =
                q.err().lines().filter(l -> l.contains("warning")).toList();
        assertEquals(
                List.of("gpt2j: warning: " + gguf + " stores gpt2j.attention.scale_by_inverse_layer_idx=true, "
                        + "gpt2j.activation_function=gelu under gpt2j's own keys (llama.cpp's GPT-2 has none); gpt2j reads them "
                        + "back, but llama.cpp will ignore them and compute other logits"),
                warnings);

        for (Path model : List.of(dir, gguf)) {
            Cli info = Cli.run("info", "--json", "-m", model.toString());
            assertEquals(0, info.code(), info.err());
            JsonNode o = Fixtures.parse(info.out());
            assertEquals(128, o.get("feed_forward").asInt(), model.toString());
            assertEquals("gelu", o.get("activation").asText());
            assertEquals(0.001, o.get("layer_norm_epsilon").asDouble(), 1e-9);
            assertTrue(o.get("scale_attn_weights").asBoolean());
            assertTrue(o.get("scale_attn_by_inverse_layer_idx").asBoolean());
            Cli text = Cli.run("info", "-m", model.toString());
            assertTrue(text.out().contains("scale attn by inverse layer idx: true"), text.out());
        }
        assertArrayEquals(greedy(dir), greedy(gguf), "the GGUF computes what the directory does");
    }

    @Test
    void plainGpt2NeedsNoKeysOfItsOwnAndGetsNoWarning() throws IOException {
        Path dir = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("m"));
        Cli q = Cli.run(
                "quantize",
                "-m",
                dir.toString(),
                "--type",
                "q8_0",
                "-o",
                tmp.resolve("m.gguf").toString());
        assertEquals(0, q.code(), q.err());
        assertFalse(q.err().contains("warning"), q.err());
        JsonNode o = Fixtures.parse(
                Cli.run("info", "--json", "-m", tmp.resolve("m.gguf").toString())
                        .out());
        assertEquals("gelu_new", o.get("activation").asText());
        assertEquals(4 * 32, o.get("feed_forward").asInt());
        assertFalse(o.get("scale_attn_by_inverse_layer_idx").asBoolean());
    }

    @Test
    void aClassifierIsRefusedInOneLineNamingTheField() throws IOException {
        Path dir = TestVocabulary.copyWithVocabulary("f16", tmp.resolve("m"));
        ObjectNode config = (ObjectNode)
                new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        config.putArray("architectures").add("GPT2ForSequenceClassification");
        Files.writeString(dir.resolve("config.json"), config.toString());
        String line =
                Cli.run("generate", "-m", dir.toString(), "-p", "ab", "-n", "1").oneLineFailure();
        assertTrue(line.contains("architectures names \"GPT2ForSequenceClassification\""), line);
    }

    private static int[] greedy(Path model) {
        Cli r = Cli.run(
                "generate",
                "-m",
                model.toString(),
                "--prompt-ids",
                "1,2,3,4,5",
                "-n",
                "6",
                "--temperature",
                "0",
                "--json",
                "-t",
                "1");
        assertEquals(0, r.code(), r.err());
        return Fixtures.ints(Fixtures.parse(r.out()).get("tokens"));
    }
}
