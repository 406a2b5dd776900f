package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.cli.Main;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code gpt2j attention} end to end on the engine's fixtures, whose attention.f32 holds reference weights computed in
 * float64 by tools/make_fixtures.py (engine/src/test/resources/fixtures/README.md).
 */
class AttentionCommandTest {

    private static final Path FIXTURES = Path.of("../engine/src/test/resources/fixtures");

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, false, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        String errText = err.toString(StandardCharsets.UTF_8);
        if (code == 2 && errText.contains("Unmatched argument at index 0: 'attention'")) {
            throw new AssertionError("gpt2j.cli.Main does not list AttentionCommand.class in its subcommands");
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), errText);
    }

    private static JsonNode manifest(String fixture) throws Exception {
        return new ObjectMapper()
                .readTree(FIXTURES.resolve(fixture).resolve("fixture.json").toFile());
    }

    private static String ids(JsonNode manifest) {
        return StreamSupport.stream(manifest.get("tokens").spliterator(), false)
                .map(JsonNode::asText)
                .collect(Collectors.joining(","));
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32-hf", "f32-openai", "f16"})
    void jsonMatchesTheReferenceWeightsAndMasksExactly(String fixture) throws Exception {
        JsonNode manifest = manifest(fixture);
        int layers = manifest.get("config").get("n_layer").asInt();
        int heads = manifest.get("config").get("n_head").asInt();
        int t = manifest.get("tokens").size();
        ByteBuffer ref = ByteBuffer.wrap(
                        Files.readAllBytes(FIXTURES.resolve(fixture).resolve("attention.f32")))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(layers * heads * t * t * 4, ref.capacity());

        Result r = run(
                "attention",
                "-m",
                FIXTURES.resolve(fixture).resolve("model").toString(),
                "--prompt-ids",
                ids(manifest),
                "--json",
                "-t",
                "2");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(layers, root.get("layers").asInt());
        assertEquals(heads, root.get("heads").asInt());
        assertEquals(t, root.get("tokens").size());
        assertEquals(
                "[" + manifest.get("tokens").get(0).asInt() + "]",
                root.get("tokens").get(0).asText(),
                "a model without a tokenizer labels tokens by id");

        JsonNode attention = root.get("attention");
        assertEquals(layers, attention.size());
        double maxDiff = 0;
        for (int l = 0; l < layers; l++) {
            assertEquals(heads, attention.get(l).size());
            for (int h = 0; h < heads; h++) {
                assertEquals(t, attention.get(l).get(h).size());
                for (int q = 0; q < t; q++) {
                    JsonNode row = attention.get(l).get(h).get(q);
                    assertEquals(t, row.size());
                    for (int k = 0; k < t; k++) {
                        double got = row.get(k).asDouble();
                        float want = ref.getFloat((((l * heads + h) * t + q) * t + k) * 4);
                        if (k > q) {
                            assertEquals(0.0, got, 0.0, "masked [" + l + "][" + h + "][" + q + "][" + k + "]");
                        } else {
                            maxDiff = Math.max(maxDiff, Math.abs(got - want));
                        }
                    }
                }
            }
        }
        assertTrue(maxDiff <= 1e-4, "max |attention - reference| = " + maxDiff);

        // Statistics the reference determines: mean weight on the previous and on the first key over queries 1..T-1.
        JsonNode stats = root.get("heads_stats");
        assertEquals(layers * heads, stats.size());
        for (int i = 0; i < layers * heads; i++) {
            JsonNode s = stats.get(i);
            assertEquals(i / heads, s.get("layer").asInt());
            assertEquals(i % heads, s.get("head").asInt());
            double previous = 0, first = 0;
            for (int q = 1; q < t; q++) {
                previous += ref.getFloat(((i * t + q) * t + q - 1) * 4);
                first += ref.getFloat(((i * t + q) * t) * 4);
            }
            assertEquals(previous / (t - 1), s.get("previous_token").asDouble(), 1e-4, "head " + i);
            assertEquals(first / (t - 1), s.get("first_token").asDouble(), 1e-4, "head " + i);
            for (String field : new String[] {"entropy", "same_token", "induction"}) {
                assertTrue(s.get(field).isNumber(), field);
            }
            assertTrue(s.has("label"));
        }
    }

    @Test
    void oneHeadInTheTerminalWithPictureAndPage(@TempDir Path dir) throws Exception {
        JsonNode manifest = manifest("f32-hf");
        Path png = dir.resolve("head.png"), html = dir.resolve("page.html");
        Result r = run(
                "attention",
                "-m",
                FIXTURES.resolve("f32-hf").resolve("model").toString(),
                "--prompt-ids",
                ids(manifest),
                "--layer",
                "1",
                "--head",
                "2",
                "--png",
                png.toString(),
                "--html",
                html.toString(),
                "-t",
                "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("layer 1, head 2"), r.out());
        assertTrue(r.out().contains("attends most to"), r.out());
        assertFalse(r.out().contains("\u001b"), "no colour when stdout is not a terminal");
        assertTrue(r.err().contains("gpt2j: wrote " + png), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() >= 720 && img.getHeight() > 24 * 6, img.getWidth() + "x" + img.getHeight());
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.contains("\"layers\":2,\"heads\":4"));
    }

    @Test
    void summaryFiltersByLayer() throws Exception {
        Result r = run(
                "attention",
                "-m",
                FIXTURES.resolve("f32-hf").resolve("model").toString(),
                "--prompt-ids",
                ids(manifest("f32-hf")),
                "--layer",
                "0",
                "-t",
                "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                4, r.out().lines().filter(s -> s.matches(" +0 +\\d +\\d.*")).count(), r.out());
        assertEquals(
                0, r.out().lines().filter(s -> s.matches(" +1 +\\d +\\d.*")).count(), r.out());
    }

    @Test
    void badSelectionsAreOneLineErrors() {
        String model = FIXTURES.resolve("f32-hf").resolve("model").toString();
        Result layer = run("attention", "-m", model, "--prompt-ids", "1,2,3", "--layer", "2", "--head", "0");
        assertEquals(1, layer.code());
        assertEquals("gpt2j: --layer 2: the model has layers 0..1", layer.err().strip());
        Result text = run("attention", "-m", model, "-p", "hello");
        assertEquals(1, text.code());
        assertTrue(
                text.err().startsWith("gpt2j: ")
                        && text.err()
                                .strip()
                                .endsWith(
                                        "has no tokenizer (vocab.json +"
                                                + " merges.txt or tokenizer.json) and its vocabulary of 200 tokens is not GPT-2's; give --prompt-ids"),
                text.err());
        Result both = run("attention", "-m", model);
        assertEquals(2, both.code(), both.err());
    }
}
