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
import roberta.loader.HeadType;

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
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) throw new IllegalArgumentException("--host " + host + ": not an address or a name this machine resolves");
        this.http = HttpServer.create(address, 128); // a BindException (port taken, address not this machine's) is the command's to word
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
                warmUp(roberta);
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

    /**
     * Requests answered before the first real one, through the endpoints and a batcher of their
     * own (so the metrics count none of them): the JIT compiles the whole request path, the tensor
     * pool fills. Twice a 2-token and a ~120-token text, because one short pass of the model alone
     * (what this did before) left most of it to the first long request: a ~110-token
     * /v1/embeddings on roberta-base took 1.0-1.8 s after it, against 0.1-0.15 s from the third
     * request on; a long text alone left a first short request at 0.5 s.
     */
    private void warmUp(Roberta roberta) throws Exception {
        try (Batcher scratch = new Batcher(roberta, limits, new Metrics(() -> 0))) {
            scratch.start();
            ServedModel m = new ServedModel(roberta, modelName, scratch, limits);
            JsonEndpoint embed = new EmbedEndpoint(true), classify = new ClassifyEndpoint();
            boolean classifier = roberta.model().head() == HeadType.SEQUENCE_CLASSIFICATION && roberta.headTrained();
            for (int pass = 0; pass < 2; pass++) {
                for (String text : List.of("warm up", WARM_UP_TEXT)) { // a short text's products take other paths than a long one's
                    var body = JsonEndpoint.JSON.createObjectNode().put("input", text).put("truncate", true);
                    embed.handle(m, body);
                    if (classifier) classify.handle(m, body);
                }
            }
        }
    }

    private static final String WARM_UP_TEXT = ("The quick brown fox jumps over the lazy dog, and the dog, startled, runs off across "
            + "the field towards the river. ").repeat(5);

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
