package gpt2j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gpt2j.api.Model;
import gpt2j.api.ModelOptions;
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

    final Model model;
    final CompletionServer server;
    final HttpClient client = HttpClient.newHttpClient();

    TestServer(ServerOptions options) throws IOException {
        this(options, ModelOptions.builder().threads(2).build());
    }

    TestServer(ServerOptions options, ModelOptions modelOptions) throws IOException {
        model = Model.open(MODEL, modelOptions);
        try {
            server = CompletionServer.start(model, "default", options.withPort(0));
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
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
        model.close();
    }
}
