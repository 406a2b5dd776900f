package gpt2j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every refusal is an OpenAI-shaped JSON error with the right status, and none of them harms other requests. */
class ServerErrorsTest {

    private static void assertError(HttpResponse<String> r, int status, String param, String fragment)
            throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode e = TestServer.JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").asText().contains(fragment), e.toString());
        assertTrue(e.has("type") && e.has("code") && e.has("param"), e.toString());
        if (param != null) assertEquals(param, e.get("param").asText());
    }

    @Test
    void invalidRequestsAre400sNamingTheField() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.defaults().withContextLength(64))) {
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"temperature\": 5}"),
                    400,
                    "temperature",
                    "temperature");
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}"),
                    400,
                    "max_tokens",
                    "max_tokens");
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}"),
                    400,
                    "max_tokens",
                    "integer");
            assertError(s.post("/v1/completions", "{\"prompt\": 7}"), 400, "prompt", "prompt");
            assertError(s.post("/v1/completions", "{\"max_tokens\": 3}"), 400, "prompt", "required");
            assertError(s.post("/v1/completions", "{\"prompt\": [1, 99999999]}"), 400, "prompt", "token ids");
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"logit_bias\": {\"abc\": 1}}"),
                    400,
                    "logit_bias",
                    "abc");
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 99}"), 400, "logprobs", "logprobs");
            assertError(s.post("/v1/completions", "{\"prompt\": \"x\", \"stop\": [\"\"]}"), 400, "stop", "empty");
            assertError(s.post("/v1/completions", "{\"prompt\": \"x\", \"n\": 0}"), 400, "n", "n must");
            assertError(
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"stream\": \"yes\"}"),
                    400,
                    "stream",
                    "true or false");
            assertError(s.post("/v1/completions", "{\"prompt\": \"x\""), 400, null, "not valid JSON");
            assertError(s.post("/v1/completions", ""), 400, null, "empty");
            assertError(s.post("/v1/completions", "[1]"), 400, null, "JSON object");
            assertError(s.post("/v1/completions", "[".repeat(10_000)), 400, null, "not valid JSON");
            String longPrompt = "{\"prompt\": [" + "1,".repeat(100) + "1]}";
            assertError(s.post("/v1/completions", longPrompt), 400, "prompt", "context holds 64");
            assertError(s.post("/tokenize", "{\"text\": \"x\"}"), 400, "content", "content");
            assertError(s.post("/detokenize", "{\"tokens\": [-1]}"), 400, "tokens", "token ids");
            assertError(s.get("/v1/completions"), 405, null, "GET");
            assertError(s.get("/v2/nothing"), 404, null, "/v2/nothing");
            // unknown fields are ignored, and the server still answers after all of the above
            JsonNode ok = s.complete("{\"prompt\": \"x\", \"max_tokens\": 2, \"frobnicate\": true, \"user\": \"me\"}");
            assertEquals(2, ok.get("usage").get("completion_tokens").asInt());
        }
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.defaults().withMaxBodyBytes(4096))) {
            assertError(s.post("/v1/completions", "{\"prompt\": \"" + "a".repeat(5000) + "\"}"), 413, null, "4096");
        }
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws Exception {
        try (TestServer s = new TestServer(ServerOptions.defaults().withApiKey("sesame"))) {
            assertError(s.post("/v1/completions", "{\"prompt\": \"x\"}"), 401, null, "API key");
            HttpResponse<String> ok = s.client.send(
                    HttpRequest.newBuilder(s.uri("/v1/completions"))
                            .header("Authorization", "Bearer sesame")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"x\", \"max_tokens\": 1}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals(200, s.get("/health").statusCode(), "health needs no key");
        }
    }

    @Test
    void aNonLoopbackAddressNeedsAnApiKey() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new TestServer(ServerOptions.defaults().withHost("0.0.0.0", false)));
        assertTrue(e.getMessage().contains("--api-key"), e.getMessage());
    }

    @Test
    void aModelWithoutATokenizerIsRefused() throws Exception {
        try (gpt2j.api.Model m =
                gpt2j.api.Model.open(java.nio.file.Path.of("../engine/src/test/resources/fixtures/f32-hf/model"))) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> CompletionServer.start(
                            m, "x", ServerOptions.defaults().withPort(0)));
            assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
        }
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        try (TestServer s =
                new TestServer(ServerOptions.defaults().withParallel(1).withQueue(1))) {
            // one long request runs, one waits; the third finds the queue full
            String longRun = "{\"prompt\": \"And\", \"max_tokens\": 200, \"temperature\": 0}";
            CompletableFuture<HttpResponse<String>> running = s.client.sendAsync(
                    HttpRequest.newBuilder(s.uri("/v1/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString(longRun))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            waitFor(s, "\"active\":1");
            CompletableFuture<HttpResponse<String>> waiting = s.client.sendAsync(
                    HttpRequest.newBuilder(s.uri("/v1/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString(longRun))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            waitFor(s, "\"queued\":1");
            HttpResponse<String> refused = s.post("/v1/completions", "{\"prompt\": \"x\"}");
            assertError(refused, 429, null, "busy");
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            assertEquals(200, running.get().statusCode());
            assertEquals(200, waiting.get().statusCode());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aClientThatHangsUpStopsItsGeneration(boolean stream) throws Exception {
        try (TestServer s = new TestServer(ServerOptions.defaults())) {
            // Four choices of 250 tokens: long enough to outlast the non-streaming probes (every 0.1 s) on any machine.
            String body = "{\"prompt\": \"And\", \"max_tokens\": 250, \"n\": 4, \"temperature\": 0, \"stream\": "
                    + stream + "}";
            try (Socket socket = new Socket("127.0.0.1", s.server.address().getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(
                        ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                                .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                if (stream) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("data: ")) break; // the first token arrived: now hang up
                    }
                } else {
                    waitFor(s, "\"active\":4"); // generating (a completion answers only when done): now hang up
                }
            }
            waitFor(s, "\"active\":0");
            String metrics = s.get("/metrics").body();
            double generated = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("gpt2j_generated_tokens_total "))
                    generated = Double.parseDouble(line.split(" ")[1]);
            }
            assertTrue(generated < 1000, "generation stopped early, after " + generated + " of 4 x 250 tokens");
            assertEquals(
                    200,
                    s.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}")
                            .statusCode());
        }
    }

    @Test
    void closingFinishesRunningCompletionsAndRefusesNewOnes() throws Exception {
        TestServer s = new TestServer(ServerOptions.defaults());
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(s.client.sendAsync(
                    HttpRequest.newBuilder(s.uri("/v1/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"And\", \"max_tokens\": 40}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        waitFor(s, "\"active\":2");
        s.close();
        for (CompletableFuture<HttpResponse<String>> r : running) {
            HttpResponse<String> done = r.get();
            assertEquals(200, done.statusCode(), done.body());
            assertEquals(
                    40,
                    TestServer.JSON
                            .readTree(done.body())
                            .get("usage")
                            .get("completion_tokens")
                            .asInt());
        }
    }

    private static void waitFor(TestServer s, String healthFragment) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            last = s.get("/health").body();
            if (last.contains(healthFragment)) return;
            Thread.sleep(5);
        }
        throw new AssertionError("health never showed " + healthFragment + "; last: " + last);
    }
}
