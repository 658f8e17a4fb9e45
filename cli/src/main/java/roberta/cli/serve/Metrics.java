package roberta.cli.serve;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** What /metrics reports, in Prometheus' text format (version 0.0.4). */
final class Metrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder tokens = new LongAdder();
    private final Histogram batchSize = new Histogram("roberta_batch_size", "Texts per forward pass (dynamic batching).",
            1, 2, 4, 8, 16, 32, 64, 128, 256, 512);
    private final Histogram batchTokens = new Histogram("roberta_batch_tokens", "Tokens per forward pass.",
            16, 64, 256, 1024, 4096, 16384);
    private final Histogram latency = new Histogram("roberta_request_duration_seconds", "Request latency, body read to response sent.",
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private final IntSupplier queueDepth;

    Metrics(IntSupplier queueDepth) {
        this.queueDepth = queueDepth;
    }

    void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
        if (status >= 400) errors.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        latency.observe(seconds);
    }

    void batch(int texts, int tokenCount) {
        batchSize.observe(texts);
        batchTokens.observe(tokenCount);
        tokens.add(tokenCount);
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP roberta_requests_total Requests received, by endpoint.\n# TYPE roberta_requests_total counter\n");
        new TreeMap<>(requests).forEach((e, n) -> out.append("roberta_requests_total{endpoint=\"").append(e).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP roberta_errors_total Requests answered with an error status, by endpoint and status.\n# TYPE roberta_errors_total counter\n");
        new TreeMap<>(errors).forEach((k, n) -> {
            String[] parts = k.split("\u0000");
            out.append("roberta_errors_total{endpoint=\"").append(parts[0]).append("\",status=\"").append(parts[1]).append("\"} ").append(n.sum()).append('\n');
        });
        out.append("# HELP roberta_queue_depth Requests waiting for the model.\n# TYPE roberta_queue_depth gauge\n");
        out.append("roberta_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        out.append("# HELP roberta_tokens_total Tokens run through the model.\n# TYPE roberta_tokens_total counter\n");
        out.append("roberta_tokens_total ").append(tokens.sum()).append('\n');
        batchSize.write(out);
        batchTokens.write(out);
        latency.write(out);
        return out.toString();
    }
}
