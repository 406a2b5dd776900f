package gpt2j.cli.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.api.HeadLabel;
import gpt2j.api.HeadStat;
import gpt2j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attention page in Debian's Chromium, driven by playwright-core as a learner would use it (BrowserDriver): the
 * page the real command writes for the f32-hf fixture, checked against the float64 reference of
 * tools/make_attention_steps.py; and a 1,024-token page of gpt2-xl's shape (48 layers x 25 heads, simulated
 * attention), checked for size, load time and working views.
 */
class HtmlPageBrowserTest {

    private static final Path FIXTURES = Path.of("../engine/src/test/resources/fixtures");
    /** The stated bounds for the 1,024-token gpt2-xl-shaped page (README): size and time until the views work. */
    static final long XL_PAGE_MAX_BYTES = 40L << 20;

    static final long XL_LOAD_MAX_MS = 60_000;

    @Test
    void clickingATokenAndAQueryShowsTheReferenceNumbersWithoutErrors(@TempDir Path dir) throws Exception {
        JsonNode ref = AttentionStepsTest.reference("f32-hf");
        String ids = StreamSupport.stream(ref.get("tokens").spliterator(), false)
                .map(JsonNode::asText)
                .collect(Collectors.joining(","));
        Path page = dir.resolve("page.html");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "attention",
                    "-m",
                    FIXTURES.resolve("f32-hf").resolve("model").toString(),
                    "--prompt-ids",
                    ids,
                    "--html",
                    page.toString(),
                    "-t",
                    "1"
                },
                new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        int layer = 1, head = 2, query = 13, t = ref.get("tokens").size();
        Path shot = Path.of(System.getProperty("gpt2j.shots", dir.toString()));
        JsonNode r = BrowserDriver.run(
                page,
                "{\"layer\":1,\"head\":2,\"query\":13,\"tokenLayer\":1,\"token\":13,"
                        + "\"screenshot\":\"" + shot.resolve("steps.png") + "\",\"tokenShot\":\""
                        + shot.resolve("tokens.png")
                        + "\"}");
        assertEquals("", r.get("errors").asText(), "script errors");
        assertEquals(0, r.get("console").size(), r.get("console").toString());
        assertEquals(0, r.get("pageErrors").size(), r.get("pageErrors").toString());
        assertEquals(8, r.get("heads").asInt());

        // The steps of query 13 in layer 1, head 2: every key, numbers within 1e-4 of the reference.
        double scale = ref.get("scales").get(layer).asDouble();
        assertTrue(
                r.get("formula").asText().contains("score \u00d7 0.250000 = 1/\u221a16"),
                r.get("formula").asText());
        JsonNode steps = r.get("steps");
        assertEquals(t, steps.size());
        double[] w = AttentionStepsTest.referenceWeights(ref, layer, head, query);
        for (int k = 0; k < t; k++) {
            JsonNode s = steps.get(k);
            assertEquals(k, s.get("key").asInt());
            if (k <= query) {
                double score =
                        ref.get("scores").get(layer).get(head).get(query).get(k).asDouble();
                assertEquals(score, s.get("raw").asDouble(), 1e-4, "score " + k);
                assertEquals(score * scale, s.get("scaled").asDouble(), 1e-4, "scaled " + k);
                assertEquals(score * scale, s.get("mask").asDouble(), 1e-4, "masked " + k);
                assertEquals(w[k], s.get("w").asDouble(), 1e-4, "weight " + k);
            } else {
                assertTrue(s.get("masked").asBoolean(), "greyed " + k);
                assertEquals("\u2212\u221e", s.get("mask").asText());
                assertEquals("0", s.get("w").asText());
            }
        }

        // The token view for token 13 in layer 1: one line per head and key with weight >= 0.01, at that weight.
        Map<String, Double> want = new HashMap<>(), got = new HashMap<>();
        double[] mean = new double[query + 1];
        for (int h = 0; h < 4; h++) {
            double[] wh = AttentionStepsTest.referenceWeights(ref, layer, h, query);
            for (int k = 0; k <= query; k++) {
                mean[k] += wh[k] / 4;
                if (wh[k] >= 0.01 + 1e-4) want.put(h + "/" + k, wh[k]);
            }
        }
        for (JsonNode line : r.get("lines"))
            got.put(
                    line.get("head").asText() + "/" + line.get("key").asInt(),
                    line.get("weight").asDouble());
        for (Map.Entry<String, Double> e : want.entrySet()) {
            assertTrue(got.containsKey(e.getKey()), "line " + e.getKey() + " of " + got.keySet());
            assertEquals(e.getValue(), got.get(e.getKey()), 1e-4, e.getKey());
        }
        assertTrue(got.size() >= want.size() && got.size() <= want.size() + 2, got + " vs " + want);
        int avgWanted = 0;
        for (double m : mean) if (m >= 0.01) avgWanted++;
        assertEquals(avgWanted, r.get("avgLines").size(), r.get("avgLines").toString());
        for (JsonNode line : r.get("avgLines")) {
            assertEquals("avg", line.get("head").asText());
            assertEquals(mean[line.get("key").asInt()], line.get("weight").asDouble(), 1e-4);
        }

        // What the model predicts after token 13: the reference's top tokens with their probabilities.
        JsonNode next = r.get("next"), refNext = ref.get("next").get(query);
        assertEquals(5, next.size());
        assertEquals(
                "[" + refNext.get("ids").get(0).asInt() + "] "
                        + String.format(
                                java.util.Locale.ROOT,
                                "%.1f%%",
                                100 * refNext.get("probabilities").get(0).asDouble()),
                next.get(0).asText());
    }

    /**
     * gpt2-xl's shape at 1,024 tokens: 48 x 25 heads. Eight simulated head patterns (an attention sink on token 0,
     * a previous-token head, random peaks, noise) are shared by the 1,200 heads; the page's size depends only on how
     * many keys per row pass the sparse threshold, not on which head holds which pattern.
     */
    @Test
    void aThousandTokensOnGpt2XlShapeStayUnderTheStatedSizeAndTime(@TempDir Path dir) throws Exception {
        int t = 1024, layers = 48, heads = 25;
        AttentionData data = simulated(t, layers, heads, 8, 0.125f);
        assertTrue(!HtmlPage.dense(data), "a page this size is sparse");
        Path page = dir.resolve("xl.html");
        try (OutputStream out = Files.newOutputStream(page)) {
            HtmlPage.write(data, "simulated gpt2-xl attention, 1024 tokens", out);
        }
        long size = Files.size(page);
        System.out.printf("gpt2-xl-shaped 1024-token page: %.1f MB%n", size / 1048576.0);
        assertTrue(size < XL_PAGE_MAX_BYTES, "page of " + size + " bytes");
        Path shot = Path.of(System.getProperty("gpt2j.shots", dir.toString()));
        int layer = 47, head = 24;
        JsonNode r = BrowserDriver.run(
                page,
                "{\"layer\":47,\"head\":24,\"query\":1000,\"tokenLayer\":47,\"token\":1000," + "\"screenshot\":\""
                        + shot.resolve("xl.png") + "\"}");
        // Past 720 tokens a row of the enlarged head is under a pixel high: the click lands on row 1000 or a neighbour.
        int query = r.get("query").asInt();
        assertTrue(Math.abs(query - 1000) <= 2, "clicked row " + query);
        System.out.println("gpt2-xl-shaped page: load " + r.get("loadMs") + " ms (script done at " + r.get("readyMs")
                + " ms), token lines " + r.get("linesMs") + " ms, steps " + r.get("stepsMs") + " ms");
        assertEquals("", r.get("errors").asText());
        assertEquals(0, r.get("console").size(), r.get("console").toString());
        assertEquals(0, r.get("pageErrors").size(), r.get("pageErrors").toString());
        assertEquals(layers * heads, r.get("heads").asInt());
        assertTrue(r.get("loadMs").asLong() < XL_LOAD_MAX_MS, "loaded in " + r.get("loadMs") + " ms");

        // The steps show the kept keys of row 1000 with their weights (16-bit) and scores recovered from them.
        float[] wRow = data.weights()[layer][head][query], sRow = data.scores()[layer][head][query];
        int kept = 0;
        for (JsonNode s : r.get("steps")) {
            int k = s.get("key").asInt();
            if (k > query) {
                assertEquals("\u2212\u221e", s.get("mask").asText());
                continue;
            }
            kept++;
            assertTrue(wRow[k] >= HtmlPage.SPARSE_MIN, "key " + k + " kept at " + wRow[k]);
            assertEquals(wRow[k], s.get("w").asDouble(), 1e-4, "weight of key " + k);
            assertEquals(sRow[k], s.get("raw").asDouble(), 0.02, "score of key " + k);
        }
        int above = 0;
        for (int k = 0; k <= query; k++) if (wRow[k] >= HtmlPage.SPARSE_MIN) above++;
        assertEquals(Math.min(above, HtmlPage.SPARSE_KEYS), kept);
        assertTrue(r.get("lines").size() > 0, "token 1000 draws lines");
    }

    /** Softmax rows of sink + previous-token + random peaks + noise, as scaled scores; raw scores = scaled / scale. */
    static AttentionData simulated(int t, int layers, int heads, int patterns, float scale) {
        Random random = new Random(20);
        float[][][] w = new float[patterns][t][t], s = new float[patterns][t][t];
        for (int p = 0; p < patterns; p++) {
            double sink = 2 + p, previous = p % 2 == 0 ? 7 : 0;
            for (int q = 0; q < t; q++) {
                double[] x = new double[q + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k <= q; k++) {
                    x[k] = random.nextGaussian()
                            + (k == 0 ? sink : 0)
                            + (k == q - 1 ? previous : 0)
                            + (random.nextInt(200) == 0 ? 6 : 0);
                    max = Math.max(max, x[k]);
                }
                for (int k = 0; k <= q; k++) sum += Math.exp(x[k] - max);
                for (int k = 0; k <= q; k++) {
                    w[p][q][k] = (float) (Math.exp(x[k] - max) / sum);
                    s[p][q][k] = (float) (x[k] / scale);
                }
            }
        }
        float[][][][] weights = new float[layers][heads][][], scores = new float[layers][heads][][];
        List<HeadStat> stats = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                weights[l][h] = w[(l * heads + h) % patterns];
                scores[l][h] = s[(l * heads + h) % patterns];
                stats.add(new HeadStat(l, h, 3, 0.5, 0.3, 0.01, 0.01, HeadLabel.OTHER, 6, 0.007, 0.007));
            }
        }
        float[] scales = new float[layers];
        java.util.Arrays.fill(scales, scale);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < t; i++) tokens.add(" word" + i % 97);
        return new AttentionData(tokens, weights, stats, scores, scales, 64, List.of());
    }
}
