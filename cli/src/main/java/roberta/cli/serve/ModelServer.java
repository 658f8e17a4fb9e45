package roberta.cli.serve;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import roberta.engine.EmbedOptions;
import roberta.engine.Roberta;

/**
 * The HTTP server behind {@code ./roberta serve}: the JDK's HttpServer, a virtual thread per
 * request (they only parse, tokenise and wait), and one {@link Batcher} worker in front of the
 * model. It listens at once and loads the model in the background: /health answers 503 until
 * the model is loaded and has run one forward pass, so a load balancer never sends traffic to
 * a server still paying for its first pass.
 */
public final class ModelServer implements AutoCloseable {
    private final Supplier<Roberta> loader;
    private final String modelName;
    private final ServeLimits limits;
    private final Metrics metrics;
    private final HttpServer http;
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private final CompletableFuture<ServedModel> served = new CompletableFuture<>();
    private volatile ServedModel ready;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    /** apiKey null: none required. port 0: an ephemeral port (see {@link #port()}). */
    public ModelServer(Supplier<Roberta> loader, String modelName, String host, int port, String apiKey, ServeLimits limits) throws IOException {
        this.loader = loader;
        this.modelName = modelName;
        this.limits = limits;
        this.metrics = new Metrics(() -> ready == null ? 0 : ready.batcher().depth());
        this.http = HttpServer.create(new InetSocketAddress(host, port), 128);
        http.createContext("/", new Router(() -> ready, apiKey == null ? null : new ApiKey(apiKey), limits, metrics));
        http.setExecutor(requests);
    }

    /** Starts listening and loading. */
    public ModelServer start() {
        http.start();
        Thread.ofPlatform().name("roberta-serve-loader").daemon().start(() -> {
            try {
                Roberta roberta = loader.get();
                roberta.tokenizer(); // no tokenizer files: fail now, not on every request
                roberta.embed(List.of("warm up"), EmbedOptions.DEFAULT); // the first pass: JIT, pools, packed weights
                Batcher batcher = new Batcher(roberta, limits, metrics);
                batcher.start();
                ServedModel m = new ServedModel(roberta, modelName, batcher, limits);
                ready = m;
                served.complete(m);
            } catch (Throwable t) {
                served.completeExceptionally(t);
            }
        });
        return this;
    }

    /** Blocks until the model serves; rethrows what failed the load. */
    public void awaitReady() throws InterruptedException {
        try {
            served.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public boolean isReady() {
        return ready != null;
    }

    /**
     * Holds the model worker after its current batch until the returned action runs: requests
     * queue meanwhile (and get 429 once the queue is full). For maintenance and for tests.
     */
    public Runnable pauseWorker() throws InterruptedException {
        ServedModel m = ready;
        if (m == null) throw new IllegalStateException("not ready");
        m.batcher().gate.acquire();
        return m.batcher().gate::release;
    }

    /**
     * Graceful stop: no new connections, requests in flight get up to graceSeconds to finish,
     * then the worker stops after its current batch.
     */
    public void stop(int graceSeconds) {
        if (stopped.getAndSet(true)) return; // the shutdown hook after an explicit stop
        http.stop(graceSeconds);
        ServedModel m = ready;
        if (m != null) m.batcher().close();
        requests.shutdownNow();
    }

    @Override
    public void close() {
        stop(0);
    }
}
