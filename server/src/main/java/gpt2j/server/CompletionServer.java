package gpt2j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import gpt2j.api.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code gpt2j serve}: OpenAI's completions API over one model, on the JDK's own HTTP server ({@code jdk.httpserver},
 * a virtual thread per exchange). The JDK server needs no dependency and serves loopback traffic at far more requests
 * per second than a CPU model can answer; the model's work runs on the {@link Scheduler}'s single thread, so a
 * handler only parses, queues and writes. Endpoints: {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code POST /tokenize}, {@code POST /detokenize}, {@code GET /health}, {@code GET /metrics}.
 */
public final class CompletionServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often a non-streaming completion probes whether its client is still there. */
    private static final long PROBE_NANOS = 100_000_000L;

    static {
        // Nesting and size limits on untrusted request bodies (the body itself is capped before parsing).
        JSON.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final Model model;
    private final String modelId;
    private final ServerOptions options;
    private final Scheduler scheduler;
    private final Metrics metrics;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean closing;

    private CompletionServer(Model model, String modelId, ServerOptions options) throws IOException {
        this.model = model;
        this.modelId = modelId;
        this.options = options;
        int context = Math.min(options.contextLength(), model.contextLength());
        Scheduler[] holder = new Scheduler[1];
        this.metrics = new Metrics(
                () -> holder[0] == null ? 0 : holder[0].queued(), () -> holder[0] == null ? 0 : holder[0].active());
        this.scheduler = new Scheduler(model, options.parallel(), context, options.queue(), metrics);
        holder[0] = scheduler;
        try {
            this.http = HttpServer.create(
                    new InetSocketAddress(InetAddress.getByName(options.host()), options.port()), 128);
        } catch (IOException e) {
            scheduler.close();
            throw e;
        }
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Starts serving {@code model} (which needs a tokenizer), reported as {@code modelId}. Refuses to listen beyond
     * loopback without an API key unless the options allow it explicitly. The model stays the caller's to close.
     */
    public static CompletionServer start(Model model, String modelId, ServerOptions options) throws IOException {
        if (!model.hasTokenizer())
            throw new IllegalArgumentException(model.tokenizerProblem() + "; the server needs one");
        InetAddress address = InetAddress.getByName(options.host());
        if (!address.isLoopbackAddress() && options.apiKey() == null && !options.allowUnauthenticated()) {
            throw new IllegalArgumentException(
                    "refusing to listen on " + options.host()
                            + " without --api-key (anyone who can reach it could use it); add --api-key KEY or --allow-unauthenticated");
        }
        return new CompletionServer(model, modelId, options);
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Stops taking requests, lets running completions finish (up to 30 s), then stops the HTTP server. */
    @Override
    public void close() {
        closing = true;
        scheduler.close();
        http.stop(1);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        String endpoint = switch (path) {
            case "/v1/completions", "/v1/models", "/tokenize", "/detokenize", "/health", "/metrics" -> path;
            default -> "other";
        };
        int status;
        try {
            if (options.apiKey() != null && !path.equals("/health") && !authorized(ex))
                throw ApiException.unauthorized();
            status = switch (path) {
                case "/v1/completions" -> completions(ex, post(ex));
                case "/v1/models" -> models(ex, get(ex));
                case "/tokenize" -> tokenize(ex, post(ex));
                case "/detokenize" -> detokenize(ex, post(ex));
                case "/health" -> health(ex, get(ex));
                case "/metrics" -> metrics(ex, get(ex));
                default -> throw ApiException.notFound(path);
            };
        } catch (ApiException e) {
            status = e.status;
            sendError(ex, e);
        } catch (IOException e) {
            status = 499; // the client went away mid-exchange
        } catch (RuntimeException | Error e) { // an OutOfMemoryError in one request must not leave its client hanging
            ApiException internal = ApiException.internal("internal error: " + e);
            status = internal.status;
            sendError(ex, internal);
        } finally {
            ex.close();
        }
        metrics.request(endpoint, status);
    }

    private boolean authorized(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        byte[] given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return java.security.MessageDigest.isEqual(given, options.apiKey().getBytes(StandardCharsets.UTF_8));
    }

    /** The body of a POST, parsed as JSON, within the size limit. */
    private JsonNode post(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("POST"))
            throw ApiException.methodNotAllowed(
                    ex.getRequestMethod(), ex.getRequestURI().getPath());
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > options.maxBodyBytes())
                    throw ApiException.tooLarge(options.maxBodyBytes());
            } catch (NumberFormatException e) {
                throw ApiException.invalid(null, "Content-Length is not a number");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(options.maxBodyBytes() + 1);
        }
        if (body.length > options.maxBodyBytes()) throw ApiException.tooLarge(options.maxBodyBytes());
        return json(body);
    }

    /** A request body as JSON: within the nesting limit, not empty, or a 400. */
    static JsonNode json(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) throw ApiException.invalid(null, "the request body is empty");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) { // Jackson's CharConversionException: bytes in no encoding JSON allows
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getMessage());
        }
    }

    private Void get(HttpExchange ex) {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            throw ApiException.methodNotAllowed(
                    ex.getRequestMethod(), ex.getRequestURI().getPath());
        }
        return null;
    }

    private int completions(HttpExchange ex, JsonNode body) throws IOException {
        if (closing) throw ApiException.shuttingDown();
        CompletionRequest request = CompletionRequest.parse(body, model);
        int context = scheduler.contextLength();
        LinkedBlockingQueue<Sequence.Event> events = new LinkedBlockingQueue<>();
        List<Sequence> sequences = new ArrayList<>();
        long baseSeed = request.seed() != null
                ? request.seed()
                : ThreadLocalRandom.current().nextLong();
        int promptTokens = 0;
        for (int p = 0; p < request.prompts().size(); p++) {
            int[] prompt = request.prompts().get(p);
            if (prompt.length == 0) prompt = new int[] {model.endOfTextId()};
            if (prompt.length > context) {
                throw ApiException.contextLength("the prompt has " + prompt.length + " tokens but the context holds "
                        + context + " (--ctx-size)");
            }
            promptTokens += prompt.length;
            for (int j = 0; j < request.n(); j++) {
                int index = p * request.n() + j;
                sequences.add(new Sequence(index, prompt, request, baseSeed + index, model, events));
            }
        }
        scheduler.submit(sequences);
        try {
            return request.stream()
                    ? stream(ex, request, sequences, events, promptTokens)
                    : collect(ex, request, sequences, events, promptTokens);
        } finally {
            for (Sequence s : sequences) s.cancel(); // no-op for finished ones; stops the rest when the client left
        }
    }

    private int collect(
            HttpExchange ex,
            CompletionRequest request,
            List<Sequence> sequences,
            LinkedBlockingQueue<Sequence.Event> events,
            int promptTokens)
            throws IOException {
        String id = completionId();
        int n = sequences.size();
        StringBuilder[] texts = new StringBuilder[n];
        Logprobs[] logprobs = new Logprobs[n];
        String[] reasons = new String[n];
        int completionTokens = 0;
        for (int i = 0; i < n; i++) texts[i] = new StringBuilder();
        OutputStream early = null; // the body, once the headers went out ahead of it
        long probe = System.nanoTime() + PROBE_NANOS;
        for (int done = 0; done < n; ) {
            long wait = probe - System.nanoTime();
            Sequence.Event e = wait > 0 ? poll(events, wait) : null;
            if (e == null) {
                // Still generating: a space before the JSON (which any JSON reader skips) probes the connection, so a
                // client that hung up stops its generation as a streaming one does (the second write after the
                // peer's reset fails). The status is then 200 whatever follows: a later failure goes in the body.
                probe = System.nanoTime() + PROBE_NANOS;
                if (early == null) {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, 0);
                    early = ex.getResponseBody();
                }
                early.write(' ');
                early.flush();
                continue;
            }
            switch (e) {
                case Sequence.Piece p -> {
                    texts[p.index()].append(p.text());
                    if (p.logprobs() != null) {
                        if (logprobs[p.index()] == null) logprobs[p.index()] = new Logprobs(model);
                        logprobs[p.index()].append(p.logprobs());
                    }
                }
                case Sequence.Finished f -> {
                    reasons[f.index()] = f.reason();
                    completionTokens += f.completionTokens();
                    done++;
                }
                case Sequence.Failed f -> {
                    if (early == null) throw f.error();
                    ObjectNode error = JsonNodeFactory.instance.objectNode();
                    error.set("error", errorBody(f.error()));
                    early.write(error.toString().getBytes(StandardCharsets.UTF_8));
                    early.close();
                    return 200;
                }
            }
        }
        ObjectNode o = header(id);
        ArrayNode choices = o.putArray("choices");
        for (int i = 0; i < n; i++) {
            ObjectNode c = choices.addObject();
            c.put("text", texts[i].toString());
            c.put("index", i);
            if (request.logprobs() >= 0) {
                c.set("logprobs", (logprobs[i] != null ? logprobs[i] : new Logprobs(model)).toJson());
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", reasons[i]);
        }
        o.set("usage", usage(promptTokens, completionTokens));
        if (early == null) {
            sendJson(ex, 200, o);
        } else {
            early.write(o.toString().getBytes(StandardCharsets.UTF_8));
            early.close();
        }
        return 200;
    }

    private int stream(
            HttpExchange ex,
            CompletionRequest request,
            List<Sequence> sequences,
            LinkedBlockingQueue<Sequence.Event> events,
            int promptTokens)
            throws IOException {
        String id = completionId();
        Sequence.Event first = take(events);
        if (first instanceof Sequence.Failed f) throw f.error(); // nothing sent yet: a plain error response
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        int completionTokens = 0;
        int done = 0;
        for (Sequence.Event e = first; ; e = take(events)) {
            ObjectNode chunk = header(id);
            ObjectNode c = chunk.putArray("choices").addObject();
            switch (e) {
                case Sequence.Piece p -> {
                    c.put("text", p.text());
                    c.put("index", p.index());
                    if (p.logprobs() != null) c.set("logprobs", p.logprobs().toJson());
                    else c.putNull("logprobs");
                    c.putNull("finish_reason");
                }
                case Sequence.Finished f -> {
                    c.put("text", "");
                    c.put("index", f.index());
                    c.putNull("logprobs");
                    c.put("finish_reason", f.reason());
                    completionTokens += f.completionTokens();
                    done++;
                }
                case Sequence.Failed f -> {
                    ObjectNode error = JsonNodeFactory.instance.objectNode();
                    error.set("error", errorBody(f.error()));
                    event(out, error.toString());
                    event(out, "[DONE]");
                    return 200;
                }
            }
            event(out, chunk.toString());
            if (done == sequences.size()) break;
        }
        if (request.includeUsage()) {
            ObjectNode chunk = header(id);
            chunk.putArray("choices");
            chunk.set("usage", usage(promptTokens, completionTokens));
            event(out, chunk.toString());
        }
        event(out, "[DONE]");
        return 200;
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next event, or null when none came within {@code nanos}. */
    private static Sequence.Event poll(LinkedBlockingQueue<Sequence.Event> events, long nanos) throws IOException {
        try {
            return events.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static Sequence.Event take(LinkedBlockingQueue<Sequence.Event> events) throws IOException {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private ObjectNode header(String id) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("object", "text_completion");
        o.put("created", System.currentTimeMillis() / 1000);
        o.put("model", modelId);
        return o;
    }

    private static String completionId() {
        return "cmpl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    private static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = JsonNodeFactory.instance.objectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    private int models(HttpExchange ex, Void unused) throws IOException {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "gpt2j");
        m.put("context_length", scheduler.contextLength());
        sendJson(ex, 200, o);
        return 200;
    }

    /** llama.cpp's shape: {"content": "text"} -> {"tokens": [ids]}. */
    private int tokenize(HttpExchange ex, JsonNode body) throws IOException {
        JsonNode content = body.get("content");
        if (content == null || !content.isTextual()) throw ApiException.invalid("content", "content must be a string");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode ids = o.putArray("tokens");
        for (int id : model.tokenize(content.asText())) ids.add(id);
        sendJson(ex, 200, o);
        return 200;
    }

    /** llama.cpp's shape: {"tokens": [ids]} -> {"content": "text"}. */
    private int detokenize(HttpExchange ex, JsonNode body) throws IOException {
        int[] ids = tokenIds(body, model.vocabSize());
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("content", model.detokenize(ids));
        sendJson(ex, 200, o);
        return 200;
    }

    /** /detokenize's {@code tokens}: ids in [0, vocabSize), or a 400. */
    static int[] tokenIds(JsonNode body, int vocabSize) {
        JsonNode tokens = body.get("tokens");
        if (tokens == null || !tokens.isArray())
            throw ApiException.invalid("tokens", "tokens must be an array of token ids");
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = tokens.get(i);
            if (!t.canConvertToExactIntegral() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocabSize) {
                throw ApiException.invalid("tokens", "token ids must be integers in [0, " + vocabSize + "), got " + t);
            }
            ids[i] = t.asInt();
        }
        return ids;
    }

    private int health(HttpExchange ex, Void unused) throws IOException {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        int status = closing ? 503 : 200;
        o.put("status", closing ? "shutting down" : "ok");
        o.put("active", scheduler.active());
        o.put("queued", scheduler.queued());
        sendJson(ex, status, o);
        return status;
    }

    private int metrics(HttpExchange ex, Void unused) throws IOException {
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        metrics.write(buffer);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, buffer.size());
        try (OutputStream out = ex.getResponseBody()) {
            buffer.writeTo(out);
        }
        return 200;
    }

    private static ObjectNode errorBody(ApiException e) {
        ObjectNode err = JsonNodeFactory.instance.objectNode();
        err.put("message", e.getMessage());
        err.put("type", e.type);
        if (e.param != null) err.put("param", e.param);
        else err.putNull("param");
        if (e.code != null) err.put("code", e.code);
        else err.putNull("code");
        return err;
    }

    private static void sendError(HttpExchange ex, ApiException e) {
        if (e.retryAfterSeconds > 0) ex.getResponseHeaders().set("Retry-After", Long.toString(e.retryAfterSeconds));
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("error", errorBody(e));
        try {
            sendJson(ex, e.status, o);
        } catch (IOException | RuntimeException ignored) {
            // headers already sent (a stream) or the client left: nothing more to say
        }
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
