package roberta.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every request goes through here: the route, the method, the API key, readiness, the body
 * (bounded), JSON parsing, then the endpoint; any failure becomes a status and a one-line
 * JSON error, counted in the metrics. Nothing a request does can stop the server: an
 * unexpected exception is a 500 for that request alone.
 */
final class Router implements HttpHandler {
    private static final Map<String, JsonEndpoint> MODEL_ENDPOINTS = Map.of(
            "/v1/embeddings", new EmbedEndpoint(true),
            "/embed", new EmbedEndpoint(false),
            "/classify", new ClassifyEndpoint(),
            "/fill-mask", new FillMaskEndpoint());

    private final Supplier<ServedModel> model; // null until loaded and warmed up
    private final ApiKey apiKey;               // null: no key needed
    private final ServeLimits limits;
    private final Metrics metrics;

    Router(Supplier<ServedModel> model, ApiKey apiKey, ServeLimits limits, Metrics metrics) {
        this.model = model;
        this.apiKey = apiKey;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        boolean known = MODEL_ENDPOINTS.containsKey(path) || path.equals("/health") || path.equals("/metrics");
        int status;
        try {
            status = answer(ex, path);
        } catch (IOException e) {
            status = 499; // the client went away (nginx's code for it); nothing left to answer
        } catch (Throwable t) {
            status = 500;
            System.err.println("serve: internal error on " + path + ": " + t);
        } finally {
            ex.close();
        }
        metrics.request(known ? path : "other", status, (System.nanoTime() - t0) / 1e9);
    }

    private int answer(HttpExchange ex, String path) throws IOException {
        try {
            return route(ex, path);
        } catch (ApiError e) {
            if (e.retryAfter > 0) ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfter));
            if (e.status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            return send(ex, e.status, error(e.getMessage(), e.type));
        } catch (IOException e) {
            throw e;
        } catch (Exception | StackOverflowError e) {
            System.err.println("serve: internal error on " + path + ": " + e);
            return send(ex, 500, error("internal error (" + e.getClass().getSimpleName() + ")", "server_error"));
        }
    }

    private int route(HttpExchange ex, String path) throws Exception {
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            if (!method.equals("HEAD")) requireMethod(ex, method, "GET"); // load balancers probe with either
            if (model.get() == null) throw new ApiError(503, "server_error", "model loading", 1);
            return send(ex, 200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
        }
        JsonEndpoint endpoint = MODEL_ENDPOINTS.get(path);
        if (endpoint == null && !path.equals("/metrics")) throw new ApiError(404, "invalid_request_error", "no endpoint " + path, 0);
        if (apiKey != null && !apiKey.accepts(ex.getRequestHeaders().getFirst("Authorization")))
            throw new ApiError(401, "authentication_error", "missing or wrong API key (Authorization: Bearer KEY)", 0);
        if (endpoint == null) {
            requireMethod(ex, method, "GET");
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            return sendRaw(ex, 200, metrics.render().getBytes(StandardCharsets.UTF_8));
        }
        requireMethod(ex, method, "POST");
        ServedModel m = model.get();
        if (m == null) throw new ApiError(503, "server_error", "model loading; retry when /health answers 200", 1);
        byte[] answer;
        m.batcher().enter();
        try {
            answer = answerModel(ex, m, endpoint);
        } finally {
            m.batcher().leave(); // before the answer is sent: a client slow to read it must not hold later batches open
        }
        return send(ex, 200, answer);
    }

    /** A body is one JSON value: anything after it is an error, not ignored. */
    private static final com.fasterxml.jackson.databind.ObjectReader STRICT = JsonEndpoint.JSON.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION); // {"input": "a", "input": "b"} is a mistake, not "b"

    private byte[] answerModel(HttpExchange ex, ServedModel m, JsonEndpoint endpoint) throws Exception {
        byte[] bytes = BoundedBody.read(ex.getRequestBody(), ex.getRequestHeaders().getFirst("Content-Length"), limits.maxBodyBytes());
        JsonNode body;
        try {
            body = STRICT.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("malformed JSON: " + roberta.tokenizer.JsonErrors.describe(e));
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("the body must be a JSON object");
        return JsonEndpoint.JSON.writeValueAsBytes(endpoint.handle(m, body));
    }

    private static void requireMethod(HttpExchange ex, String method, String allowed) {
        if (!method.equals(allowed)) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw new ApiError(405, "invalid_request_error", method + " not allowed here; use " + allowed, 0);
        }
    }

    static byte[] error(String message, String type) {
        ObjectNode e = JsonEndpoint.JSON.createObjectNode();
        e.putObject("error").put("message", message == null ? "error" : message.replace('\n', ' ').replace('\r', ' ')).put("type", type);
        try {
            return JsonEndpoint.JSON.writeValueAsBytes(e);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    private static int send(HttpExchange ex, int status, byte[] json) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        return sendRaw(ex, status, json);
    }

    /**
     * Writes in 64 KB pieces, each under a watchdog. One big write would grow the JDK server's
     * per-connection buffer to twice the answer, kept after a client that went away (about 1 GB
     * after 40 such clients of a 14 MB answer); and a client that stops reading would block the
     * write, and hold its connection, forever. (The server's own sun.net.httpserver.maxRspTime
     * cannot tell: its clock also counts the wait for the model.)
     */
    private static int sendRaw(HttpExchange ex, int status, byte[] bytes) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1); // headers only
            return status;
        }
        ex.sendResponseHeaders(status, bytes.length);
        OutputStream out = ex.getResponseBody();
        for (int off = 0; off < bytes.length; off += WRITE_PIECE) {
            int from = off;
            guarded(ex, () -> out.write(bytes, from, Math.min(WRITE_PIECE, bytes.length - from)));
        }
        guarded(ex, out::close); // flushes what the server buffered (a small answer is all there)
        return status;
    }

    private interface Write {
        void run() throws IOException;
    }

    /** One write, under the watchdog: a client that takes it longer than the stall limit is cut off. */
    private static void guarded(HttpExchange ex, Write write) throws IOException {
        var watchdog = WATCHDOG.schedule(() -> Thread.startVirtualThread(ex::close), // closing may drain a body: not on the watchdog's thread
                Math.max(1, Long.getLong("roberta.serve.writeStallSeconds", 30)), java.util.concurrent.TimeUnit.SECONDS);
        try {
            write.run();
        } finally {
            watchdog.cancel(false);
        }
    }

    private static final int WRITE_PIECE = 64 * 1024;
    // how long a client may take to accept one piece before its connection is closed: -Droberta.serve.writeStallSeconds, 30 by default
    private static final java.util.concurrent.ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private static java.util.concurrent.ScheduledThreadPoolExecutor watchdog() {
        var w = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("roberta-serve-write-watchdog").daemon().unstarted(r));
        w.setRemoveOnCancelPolicy(true); // a piece written in time leaves nothing queued (nor its exchange held for 30 s)
        return w;
    }
}
