package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code attention --steps} in the terminal and in --json against the float64 reference of
 * tools/make_attention_steps.py (resources attention-steps/), which follows modeling_gpt2.py on the engine fixtures'
 * stored weights: raw scores q·k, the scale, the mask, the softmax (computed here from the reference scores), and
 * the top 5 next tokens.
 */
class AttentionStepsTest {

    private static final Path FIXTURES = Path.of("../engine/src/test/resources/fixtures");

    static JsonNode reference(String fixture) throws Exception {
        return new ObjectMapper()
                .readTree(AttentionStepsTest.class.getResourceAsStream("/attention-steps/" + fixture + ".json"));
    }

    /** Softmax of the reference scores times the reference scale, in double: the reference weights of one row. */
    static double[] referenceWeights(JsonNode ref, int layer, int head, int query) {
        JsonNode row = ref.get("scores").get(layer).get(head).get(query);
        double scale = ref.get("scales").get(layer).asDouble(), max = Double.NEGATIVE_INFINITY, sum = 0;
        double[] w = new double[row.size()];
        for (int k = 0; k < w.length; k++) max = Math.max(max, row.get(k).asDouble() * scale);
        for (int k = 0; k < w.length; k++) sum += w[k] = Math.exp(row.get(k).asDouble() * scale - max);
        for (int k = 0; k < w.length; k++) w[k] /= sum;
        return w;
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, false, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new String[] {
            Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
        };
    }

    private static String ids(JsonNode ref) {
        return StreamSupport.stream(ref.get("tokens").spliterator(), false)
                .map(JsonNode::asText)
                .collect(Collectors.joining(","));
    }

    @ParameterizedTest
    @CsvSource({"f32-hf, 1, 2, 13", "f32-hf, 0, 3, 23", "f16, 1, 1, 7", "f16, 0, 0, 0"})
    void jsonStepsAndNextTokensMatchTheReference(String fixture, int layer, int head, int query) throws Exception {
        JsonNode ref = reference(fixture);
        int t = ref.get("tokens").size();
        String[] r = run(
                "attention",
                "-m",
                FIXTURES.resolve(fixture).resolve("model").toString(),
                "--prompt-ids",
                ids(ref),
                "--layer",
                "" + layer,
                "--head",
                "" + head,
                "--query",
                "" + query,
                "--steps",
                "--json");
        assertEquals("0", r[0], r[2]);
        JsonNode root = new ObjectMapper().readTree(r[1]);
        JsonNode steps = root.get("steps");
        assertEquals(query, steps.get("query").asInt());
        double scale = ref.get("scales").get(layer).asDouble();
        assertEquals(scale, steps.get("scale").asDouble(), 1e-9, "the scale the engine used");
        assertEquals(scale, root.get("scales").get(layer).asDouble(), 1e-9);
        JsonNode want = ref.get("scores").get(layer).get(head).get(query);
        double[] weights = referenceWeights(ref, layer, head, query);
        for (int k = 0; k < t; k++) {
            if (k <= query) {
                assertEquals(want.get(k).asDouble(), steps.get("scores").get(k).asDouble(), 1e-4, "score " + k);
                assertEquals(
                        want.get(k).asDouble() * scale,
                        steps.get("scaled").get(k).asDouble(),
                        1e-4);
                assertEquals(weights[k], steps.get("weights").get(k).asDouble(), 1e-4, "weight " + k);
            } else {
                assertTrue(steps.get("scores").get(k).isNull(), "masked score " + k);
                assertTrue(steps.get("scaled").get(k).isNull(), "masked scaled " + k);
                assertEquals(0.0, steps.get("weights").get(k).asDouble(), 0.0, "masked weight " + k);
            }
        }
        // Next tokens: the reference's top 5 at every position, with probabilities; ids compared where the
        // reference's neighbouring probabilities are clearly apart (float32 may swap near-ties).
        JsonNode next = root.get("next");
        assertEquals(t, next.size());
        for (int p = 0; p < t; p++) {
            JsonNode a = next.get(p), b = ref.get("next").get(p);
            assertEquals(5, a.get("ids").size());
            for (int i = 0; i < 5; i++) {
                double pb = b.get("probabilities").get(i).asDouble();
                assertEquals(pb, a.get("probabilities").get(i).asDouble(), 1e-4, "p at " + p + "#" + i);
                boolean apart = (i == 0 || b.get("probabilities").get(i - 1).asDouble() - pb > 1e-4)
                        && (i == 4 || pb - b.get("probabilities").get(i + 1).asDouble() > 1e-4);
                if (apart)
                    assertEquals(
                            b.get("ids").get(i).asInt(), a.get("ids").get(i).asInt(), "id at " + p);
                assertEquals(
                        "[" + a.get("ids").get(i).asInt() + "]",
                        a.get("tokens").get(i).asText());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"f32-hf, 1, 2, 13", "f16, 0, 1, 19"})
    void terminalStepsShowEveryKeyWithTheReferenceNumbersAndTheMask(String fixture, int layer, int head, int query)
            throws Exception {
        JsonNode ref = reference(fixture);
        int t = ref.get("tokens").size();
        String[] r = run(
                "attention",
                "-m",
                FIXTURES.resolve(fixture).resolve("model").toString(),
                "--prompt-ids",
                ids(ref),
                "--layer",
                "" + layer,
                "--head",
                "" + head,
                "--query",
                "" + query,
                "--steps");
        assertEquals("0", r[0], r[2]);
        assertTrue(
                r[1].startsWith("layer " + layer + ", head " + head + ", query " + query + " ["
                        + ref.get("tokens").get(query).asInt() + "]: from scores to weights"),
                r[1]);
        double scale = ref.get("scales").get(layer).asDouble();
        assertTrue(r[1].contains(String.format("score \u00d7 %.6g (1/\u221a", scale)), r[1]);
        List<String> rows =
                r[1].lines().filter(l -> l.matches(" *\\d+  \\[\\d+\\].*")).toList();
        assertEquals(t, rows.size(), r[1]);
        JsonNode want = ref.get("scores").get(layer).get(head).get(query);
        double[] weights = referenceWeights(ref, layer, head, query);
        for (int k = 0; k < t; k++) {
            String[] f = rows.get(k).trim().split(" +");
            assertEquals(Integer.toString(k), f[0]);
            assertEquals("[" + ref.get("tokens").get(k).asInt() + "]", f[1]);
            if (k <= query) {
                double s = want.get(k).asDouble();
                assertEquals(s, Double.parseDouble(f[2]), 1e-4, rows.get(k));
                assertEquals(s * scale, Double.parseDouble(f[3]), 1e-4, rows.get(k));
                assertEquals(s * scale, Double.parseDouble(f[4]), 1e-4, rows.get(k));
                assertEquals(weights[k], Double.parseDouble(f[5]), 1e-4, rows.get(k));
            } else {
                assertEquals(
                        List.of("\u00b7", "\u00b7", "-inf", "0", "(after", "the", "query)"),
                        List.of(f).subList(2, f.length),
                        rows.get(k));
            }
        }
        assertTrue(r[1].contains("weights sum to 1.000000 over keys 0.." + query), r[1]);
    }

    /**
     * With scale_attn_by_inverse_layer_idx, layer 1 divides by 2 more: its raw scores stay the reference's (layer 0,
     * divided by 1, is unchanged) and its weights are their softmax at 0.25 / 2. The steps show that scale, the
     * engine's, and say it is not 1/sqrt(16).
     */
    @Test
    void theStepsShowTheScaleTheModelReallyUses(@TempDir Path dir) throws Exception {
        JsonNode ref = reference("f32-hf");
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Path source = FIXTURES.resolve("f32-hf").resolve("model");
        Files.copy(source.resolve("model.safetensors"), model.resolve("model.safetensors"));
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(source.resolve("config.json").toFile());
        config.put("scale_attn_by_inverse_layer_idx", true);
        Files.writeString(model.resolve("config.json"), config.toString());
        int query = 13;
        String[] r = run(
                "attention",
                "-m",
                model.toString(),
                "--prompt-ids",
                ids(ref),
                "--layer",
                "1",
                "--head",
                "2",
                "--query",
                "" + query,
                "--steps",
                "--json");
        assertEquals("0", r[0], r[2]);
        JsonNode steps = new ObjectMapper().readTree(r[1]).get("steps");
        assertEquals(0.125, steps.get("scale").asDouble(), 1e-9);
        JsonNode raw = ref.get("scores").get(1).get(2).get(query);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int k = 0; k <= query; k++) max = Math.max(max, raw.get(k).asDouble() * 0.125);
        for (int k = 0; k <= query; k++) sum += Math.exp(raw.get(k).asDouble() * 0.125 - max);
        for (int k = 0; k <= query; k++) {
            assertEquals(raw.get(k).asDouble(), steps.get("scores").get(k).asDouble(), 1e-4, "score " + k);
            assertEquals(
                    Math.exp(raw.get(k).asDouble() * 0.125 - max) / sum,
                    steps.get("weights").get(k).asDouble(),
                    1e-4,
                    "weight " + k);
        }
        String[] text = run(
                "attention",
                "-m",
                model.toString(),
                "--prompt-ids",
                ids(ref),
                "--layer",
                "1",
                "--head",
                "2",
                "--query",
                "" + query,
                "--steps");
        assertTrue(
                text[1].contains("scaled = score \u00d7 0.125000 (this layer's own scale: 1/\u221a16 would be 0.250000,"
                        + " so 0.5000 times that)"),
                text[1]);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--steps --layer 0|2|--steps needs --layer and --head",
                "--layer 0 --head 0 --query 3|2|--query goes with --steps",
                "--steps --layer 0 --head 0 --query 3|1|gpt2j: --query 3: the prompt has tokens 0..2"
            })
    void badQueriesAreOneLineErrors(String args, int code, String message) {
        String[] r = run(("attention -m " + FIXTURES.resolve("f32-hf").resolve("model") + " --prompt-ids 1,2,3 " + args)
                .split(" "));
        assertEquals(Integer.toString(code), r[0]);
        assertTrue(r[2].contains(message), r[2]);
        assertEquals("", r[1]);
    }
}
