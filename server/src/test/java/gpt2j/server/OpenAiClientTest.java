package gpt2j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm package, a client nobody here wrote, against the server on loopback: completions,
 * streaming, echo with logprobs (checked against the float64 reference), and an error it must surface. The package is
 * installed from the npm registry into target/ on first run (package.json pins the version).
 */
class OpenAiClientTest {

    @Test
    void theOfficialClientCompletesStreamsAndScores() throws Exception {
        Path dir = Path.of("target/openai-client");
        Files.createDirectories(dir);
        for (String f : List.of("package.json", "openai_client.mjs")) {
            Files.copy(Path.of("src/test/node", f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
            run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
        }
        JsonNode reference = TestServer.JSON.readTree(Files.readString(Path.of("src/test/resources/reference.json")));
        JsonNode echoRef = reference.get("echo").get(0);
        JsonNode greedyRef = reference.get("greedy").get(0);
        try (TestServer s = new TestServer(ServerOptions.defaults())) {
            String base = "http://127.0.0.1:" + s.server.address().getPort();
            JsonNode out = TestServer.JSON.readTree(run(
                    dir,
                    120,
                    "node",
                    "openai_client.mjs",
                    base,
                    echoRef.get("prompt").asText()));
            assertEquals("default", out.get("models").get(0).asText());
            assertEquals(greedyRef.get("prompt").asText(), "And it came to pass");
            assertEquals(greedyRef.get("text").asText(), out.get("text").asText());
            assertEquals("length", out.get("finish_reason").asText());
            assertEquals(16, out.get("usage").get("completion_tokens").asInt());
            assertEquals(out.get("text").asText(), out.get("streamed").asText());
            JsonNode lp = out.get("echo").get("logprobs");
            assertEquals(
                    echoRef.get("prompt").asText(), out.get("echo").get("text").asText());
            JsonNode scored = echoRef.get("scored");
            for (int i = 0; i < scored.size(); i++) {
                assertEquals(
                        scored.get(i).get("logprob").asDouble(),
                        lp.get("token_logprobs").get(i + 1).asDouble(),
                        1e-4);
            }
            assertEquals(400, out.get("error").get("status").asInt(), out.toString());
            assertTrue(out.get("error").get("message").asText().contains("temperature"), out.toString());
        }
    }

    private static String run(Path dir, int seconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("client", ".err");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(log.toFile())
                .start();
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out");
        }
        String err = Files.readString(log);
        Files.delete(log);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + err);
        }
        return new String(stdout, StandardCharsets.UTF_8);
    }
}
