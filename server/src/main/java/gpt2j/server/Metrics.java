package gpt2j.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntSupplier;

/** The server's Prometheus metrics (text format at {@code GET /metrics}), one registry per server. */
final class Metrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder()
            .name("gpt2j_requests_total")
            .help("HTTP requests answered, by endpoint and status")
            .labelNames("endpoint", "status")
            .register(registry);
    private final Counter promptTokens = Counter.builder()
            .name("gpt2j_prompt_tokens_total")
            .help("Prompt tokens processed")
            .register(registry);
    private final Counter generatedTokens = Counter.builder()
            .name("gpt2j_generated_tokens_total")
            .help("Tokens generated")
            .register(registry);
    private final Histogram firstToken = Histogram.builder()
            .name("gpt2j_time_to_first_token_seconds")
            .help("From a sequence's arrival to its first generated token")
            .classicOnly()
            .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    private final Gauge decodeRate = Gauge.builder()
            .name("gpt2j_decode_tokens_per_second")
            .help("Tokens per second of the last decode step, all running sequences together")
            .register(registry);

    Metrics(IntSupplier queued, IntSupplier active) {
        GaugeWithCallback.builder()
                .name("gpt2j_queue_depth")
                .help("Sequences waiting for a slot")
                .callback(cb -> cb.call(queued.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("gpt2j_active_sequences")
                .help("Sequences in the running batch")
                .callback(cb -> cb.call(active.getAsInt()))
                .register(registry);
    }

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    void prompt(int tokens) {
        promptTokens.inc(tokens);
    }

    void generated(int tokens) {
        generatedTokens.inc(tokens);
    }

    void firstToken(long nanos) {
        firstToken.observe(nanos / 1e9);
    }

    void decodeStep(int tokens, long nanos) {
        if (nanos > 0) decodeRate.set(tokens * 1e9 / nanos);
    }

    void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }
}
