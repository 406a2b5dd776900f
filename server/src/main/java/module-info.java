/** The OpenAI-compatible HTTP server, on {@code gpt2j.api} alone. */
module gpt2j.server {
    requires transitive gpt2j.engine;
    requires com.fasterxml.jackson.databind;
    requires jdk.httpserver;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;

    exports gpt2j.server;
}
