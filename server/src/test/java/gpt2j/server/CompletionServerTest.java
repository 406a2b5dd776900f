package gpt2j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gpt2j.api.ModelOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The completions API against float64 reference numbers (tools/server_reference.py) and itself under batching. */
class CompletionServerTest {

    static TestServer s;
    static JsonNode reference;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(ServerOptions.defaults().withParallel(8));
        reference = TestServer.JSON.readTree(Files.readString(Path.of("src/test/resources/reference.json")));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void echoLogprobsEqualTheFloat64Reference() throws Exception {
        for (JsonNode e : reference.get("echo")) {
            String body = "{\"prompt\": "
                    + TestServer.JSON.writeValueAsString(e.get("prompt").asText())
                    + ", \"max_tokens\": 0, \"echo\": true, \"logprobs\": 5}";
            JsonNode choice = s.complete(body).get("choices").get(0);
            assertEquals(e.get("prompt").asText(), choice.get("text").asText());
            JsonNode lp = choice.get("logprobs");
            JsonNode scored = e.get("scored");
            assertEquals(scored.size() + 1, lp.get("tokens").size());
            assertTrue(lp.get("token_logprobs").get(0).isNull(), "the first prompt token has no logprob");
            assertTrue(lp.get("top_logprobs").get(0).isNull());
            for (int i = 0; i < scored.size(); i++) {
                JsonNode row = scored.get(i);
                assertEquals(
                        s.model.tokenText(row.get("token").asInt()),
                        lp.get("tokens").get(i + 1).asText());
                assertEquals(
                        row.get("logprob").asDouble(),
                        lp.get("token_logprobs").get(i + 1).asDouble(),
                        1e-4,
                        "token " + (i + 1) + " of " + e.get("prompt"));
                JsonNode top = lp.get("top_logprobs").get(i + 1);
                for (JsonNode alt : row.get("top")) {
                    String text = s.model.tokenText(alt.get(0).asInt());
                    assertTrue(top.has(text), "top_logprobs at " + (i + 1) + " lacks " + text + ": " + top);
                    assertEquals(alt.get(1).asDouble(), top.get(text).asDouble(), 1e-4);
                }
            }
            // text_offset: where each token starts in the echoed text
            for (int i = 0; i < lp.get("tokens").size(); i++) {
                int at = lp.get("text_offset").get(i).asInt();
                assertTrue(choice.get("text")
                        .asText()
                        .startsWith(lp.get("tokens").get(i).asText(), at));
            }
        }
    }

    @Test
    void eightConcurrentGreedyRequestsEqualTheReferenceAndTheirSingleRuns() throws Exception {
        List<String> prompts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (JsonNode g : reference.get("greedy")) {
            prompts.add(g.get("prompt").asText());
            expected.add(g.get("text").asText());
        }
        List<String> alone = new ArrayList<>();
        for (String p : prompts) alone.add(greedy(p));
        assertEquals(expected, alone);
        try (ExecutorService pool = Executors.newFixedThreadPool(prompts.size())) {
            List<Future<String>> together = new ArrayList<>();
            for (String p : prompts) together.add(pool.submit(() -> greedy(p)));
            for (int i = 0; i < prompts.size(); i++)
                assertEquals(alone.get(i), together.get(i).get(), prompts.get(i));
        }
    }

    @Test
    void newRequestsShortPromptsShareAPassWithoutChangingTheirTokens() throws Exception {
        // On Q8_0 weights the short prompts of requests that arrive together are read in one pass (on the embedded
        // model's F16 each gets its own): eight at once must still give each request its tokens alone.
        try (TestServer q8 = new TestServer(
                ServerOptions.defaults().withParallel(8),
                ModelOptions.builder().threads(2).weightType("q8_0").build())) {
            List<String> prompts = new ArrayList<>();
            for (JsonNode g : reference.get("greedy"))
                prompts.add(g.get("prompt").asText());
            List<String> alone = new ArrayList<>();
            for (String p : prompts) alone.add(greedy(q8, p));
            for (int round = 0; round < 2; round++) {
                try (ExecutorService pool = Executors.newFixedThreadPool(prompts.size())) {
                    List<Future<String>> together = new ArrayList<>();
                    for (String p : prompts) together.add(pool.submit(() -> greedy(q8, p)));
                    for (int i = 0; i < prompts.size(); i++)
                        assertEquals(alone.get(i), together.get(i).get(), prompts.get(i));
                }
            }
        }
    }

    private static String greedy(String prompt) throws Exception {
        return greedy(s, prompt);
    }

    private static String greedy(TestServer s, String prompt) throws Exception {
        JsonNode r = s.complete("{\"prompt\": " + TestServer.JSON.writeValueAsString(prompt)
                + ", \"max_tokens\": 16, \"temperature\": 0}");
        assertEquals("length", r.get("choices").get(0).get("finish_reason").asText());
        assertEquals(16, r.get("usage").get("completion_tokens").asInt());
        return r.get("choices").get(0).get("text").asText();
    }

    @Test
    void streamedTextEqualsTheNonStreamedText() throws Exception {
        String body = "{\"prompt\": \"And it came to pass\", \"max_tokens\": 20, \"temperature\": 0.9, \"seed\": 7,"
                + " \"stop\": [\"LORD\"], \"n\": 2}";
        JsonNode whole = s.complete(body);
        HttpResponse<InputStream> r = s.client.send(
                HttpRequest.newBuilder(s.uri("/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body.replace("}", ", \"stream\": true}")))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(
                "text/event-stream; charset=utf-8",
                r.headers().firstValue("Content-Type").orElse(""));
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        String[] reasons = new String[2];
        boolean done = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) continue;
                assertTrue(line.startsWith("data: "), line);
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode c = TestServer.JSON.readTree(data).get("choices").get(0);
                texts[c.get("index").asInt()].append(c.get("text").asText());
                if (!c.get("finish_reason").isNull())
                    reasons[c.get("index").asInt()] = c.get("finish_reason").asText();
            }
        }
        assertTrue(done, "the stream ends with data: [DONE]");
        for (int i = 0; i < 2; i++) {
            JsonNode c = whole.get("choices").get(i);
            assertEquals(c.get("text").asText(), texts[i].toString());
            assertEquals(c.get("finish_reason").asText(), reasons[i]);
            assertTrue(!texts[i].toString().contains("LORD"), "text stops before the stop string");
        }
        assertTrue(
                !whole.get("choices")
                        .get(0)
                        .get("text")
                        .asText()
                        .equals(whole.get("choices").get(1).get("text").asText()),
                "n = 2 draws two different samples");
    }

    @Test
    void theSameSeedGivesTheSameSample() throws Exception {
        String body = "{\"prompt\": \"In the beginning\", \"max_tokens\": 12, \"temperature\": 1.0, \"seed\": 42}";
        assertEquals(
                s.complete(body).get("choices").get(0).get("text"),
                s.complete(body).get("choices").get(0).get("text"));
    }

    @Test
    void logitBiasForcesAToken() throws Exception {
        int amen = s.model.tokenize(" Amen")[0];
        JsonNode r = s.complete("{\"prompt\": \"In the beginning\", \"max_tokens\": 3, \"temperature\": 0,"
                + " \"logit_bias\": {\"" + amen + "\": 100}}");
        assertEquals(" Amen Amen Amen", r.get("choices").get(0).get("text").asText());
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() throws Exception {
        JsonNode ids = TestServer.JSON.readTree(
                s.post("/tokenize", "{\"content\": \"Hello world\"}").body());
        assertEquals("[15496,995]", ids.get("tokens").toString());
        JsonNode text = TestServer.JSON.readTree(
                s.post("/detokenize", "{\"tokens\": [15496, 995]}").body());
        assertEquals("Hello world", text.get("content").asText());
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        JsonNode models = TestServer.JSON.readTree(s.get("/v1/models").body());
        assertEquals("default", models.get("data").get(0).get("id").asText());
        assertEquals(
                "ok",
                TestServer.JSON.readTree(s.get("/health").body()).get("status").asText());
        s.complete("{\"prompt\": \"Amen\", \"max_tokens\": 2}");
        String metrics = s.get("/metrics").body();
        assertTrue(metrics.contains("gpt2j_requests_total{endpoint=\"/v1/completions\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("gpt2j_time_to_first_token_seconds_count"), metrics);
        assertTrue(metrics.contains("gpt2j_queue_depth"), metrics);
    }
}
