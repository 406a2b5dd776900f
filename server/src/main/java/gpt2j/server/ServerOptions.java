package gpt2j.server;

/**
 * How {@code gpt2j serve} runs.
 *
 * @param host          the address to bind; anything but loopback needs an API key or {@code allowUnauthenticated}
 * @param port          0 picks a free port
 * @param parallel      sequences decoded together (each has its own KV cache of {@code contextLength} positions)
 * @param contextLength KV cache positions per sequence: prompt plus completion must fit
 * @param queue         sequences that may wait for a slot before requests get 429
 * @param maxBodyBytes  larger request bodies get 413
 * @param apiKey        required as {@code Authorization: Bearer KEY} when not null
 */
public record ServerOptions(
        String host,
        int port,
        int parallel,
        int contextLength,
        int queue,
        int maxBodyBytes,
        String apiKey,
        boolean allowUnauthenticated) {

    /** Sequences one decode step can carry (the forward pass's batch). */
    public static final int MAX_PARALLEL = 64;

    public ServerOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new IllegalArgumentException("--parallel must be in [1, " + MAX_PARALLEL + "], got " + parallel);
        }
        if (contextLength < 1)
            throw new IllegalArgumentException("--ctx-size must be at least 1, got " + contextLength);
        if (queue < 1) throw new IllegalArgumentException("--queue must be at least 1, got " + queue);
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("the body limit must be at least 1024 bytes");
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("--api-key must not be empty");
    }

    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, 4, 1024, 64, 4 << 20, null, false);
    }

    public ServerOptions withPort(int port) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withParallel(int parallel) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withContextLength(int contextLength) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withQueue(int queue) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withApiKey(String apiKey) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withHost(String host, boolean allowUnauthenticated) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }

    public ServerOptions withMaxBodyBytes(int maxBodyBytes) {
        return new ServerOptions(
                host, port, parallel, contextLength, queue, maxBodyBytes, apiKey, allowUnauthenticated);
    }
}
