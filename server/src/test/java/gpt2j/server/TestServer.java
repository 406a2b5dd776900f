package gpt2j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.engine.Gpt2Model;
import gpt2j.engine.Parallel;
import gpt2j.tokenizer.Gpt2Tokenizer;
import gpt2j.weights.Gpt2Checkpoint;
import gpt2j.weights.LoadedCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/** A server on a free loopback port over the embedded model (cli/model/default.gguf), and a client for it. */
final class TestServer implements AutoCloseable {

    static final Path MODEL = Path.of("../cli/model/default.gguf");
    static final ObjectMapper JSON = new ObjectMapper();

    final LoadedCheckpoint checkpoint;
    final Gpt2Tokenizer tokenizer;
    final Parallel parallel;
    final CompletionServer server;
    final HttpClient client = HttpClient.newHttpClient();

    TestServer(ServerOptions options) throws IOException {
        checkpoint = Gpt2Checkpoint.open(MODEL);
        tokenizer = Gpt2Tokenizer.fromTokens(checkpoint.tokenizer().tokens(), checkpoint.tokenizer().merges());
        parallel = new Parallel(2);
        server = CompletionServer.start(new Gpt2Model(checkpoint.weights()), tokenizer, parallel, "default",
                options.withPort(0));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode complete(String body) throws IOException, InterruptedException {
        HttpResponse<String> r = post("/v1/completions", body);
        if (r.statusCode() != 200) throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        server.close();
        parallel.close();
        checkpoint.close();
    }
}
