package gpt2j.server;

/**
 * A request the server refuses, answered with OpenAI's error shape:
 * {@code {"error": {"message", "type", "param", "code"}}} and the HTTP status here.
 */
final class ApiException extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;
    final long retryAfterSeconds; // 0: no Retry-After header

    private ApiException(int status, String type, String param, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message, 0);
    }

    static ApiException contextLength(String message) {
        return new ApiException(400, "invalid_request_error", "prompt", "context_length_exceeded", message, 0);
    }

    static ApiException unauthorized() {
        return new ApiException(
                401,
                "authentication_error",
                null,
                "invalid_api_key",
                "missing or wrong API key: send 'Authorization: Bearer <key>'",
                0);
    }

    static ApiException notFound(String path) {
        return new ApiException(404, "invalid_request_error", null, "not_found", "no such endpoint: " + path, 0);
    }

    static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(
                405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed on " + path, 0);
    }

    static ApiException tooLarge(long limit) {
        return new ApiException(
                413,
                "invalid_request_error",
                null,
                "request_too_large",
                "the request body is larger than " + limit + " bytes",
                0);
    }

    static ApiException overloaded(int queueCapacity) {
        return new ApiException(
                429,
                "rate_limit_error",
                null,
                "queue_full",
                "the server is busy (" + queueCapacity + " sequences already waiting); retry later",
                1);
    }

    static ApiException shuttingDown() {
        return new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down", 0);
    }

    static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, null, message, 0);
    }
}
