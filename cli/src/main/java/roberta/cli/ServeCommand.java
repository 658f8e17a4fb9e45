package roberta.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.cli.serve.ModelServer;
import roberta.cli.serve.ServeLimits;
import roberta.kernels.Backend;
import roberta.tokenizer.RobertaTokenizer;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"HTTP server: POST /v1/embeddings (OpenAI), /embed, /classify, /fill-mask; GET /health, /metrics.",
                "Concurrent requests share forward passes (dynamic batching); answers equal embed, classify and fill-mask's."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (0.0.0.0 for every interface). Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0: any free one). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--api-key", description = "Require Authorization: Bearer KEY on every endpoint but /health (default: $ROBERTA_API_KEY if set)")
    String apiKey;

    @Option(names = "--max-batch-tokens", defaultValue = "4096", description = "Tokens per forward pass across requests. Default: ${DEFAULT-VALUE}")
    int maxBatchTokens;

    @Option(names = "--max-wait-ms", defaultValue = "2", description = "How long a batch waits for more requests. Default: ${DEFAULT-VALUE}")
    int maxWaitMs;

    @Option(names = "--queue", defaultValue = "64", description = "Requests waiting before new ones get 429. Default: ${DEFAULT-VALUE}")
    int queue;

    @Option(names = "--max-inputs", defaultValue = "256", description = "Texts per request. Default: ${DEFAULT-VALUE}")
    int maxInputs;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Request body size limit. Default: ${DEFAULT-VALUE}")
    long maxBodyBytes;

    @Option(names = "--grace-seconds", defaultValue = "10", description = "On SIGTERM, how long requests in flight may take to finish. Default: ${DEFAULT-VALUE}")
    int graceSeconds;

    @Override
    public Integer call() throws Exception {
        if (port > 65535) throw new IllegalArgumentException("--port: at most 65535, got " + port);
        String key = apiKey != null ? apiKey : System.getenv("ROBERTA_API_KEY");
        if (key != null && key.isBlank()) throw new IllegalArgumentException("--api-key is empty");
        Backend backend = modelOptions.prepare(); // a missing folder or device fails here, not in the background
        if (modelOptions.tokenizer == null && !RobertaTokenizer.existsIn(modelOptions.model))
            throw new IllegalArgumentException(modelOptions.model + ": no tokenizer.json or vocab.json + merges.txt (pass --tokenizer DIR)");
        ServeLimits limits = new ServeLimits(maxBatchTokens, maxWaitMs, queue, maxInputs, maxBodyBytes);
        String name = modelOptions.model.toAbsolutePath().normalize().getFileName().toString();
        // a client that connects and sends nothing (or half a body) would hold its connection
        // forever: the JDK server closes a request not read within 30 s (a global property, read
        // once when the first server is made: set here, before it, and only when not given).
        // Not maxRspTime: its clock starts once the body is read, so it would also count the
        // wait for the model and cut a request queued behind a long batch.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) System.setProperty("sun.net.httpserver.maxReqTime", "30");
        ModelServer server;
        try {
            server = new ModelServer(() -> modelOptions.load(backend), name, host, port, key, limits);
        } catch (java.net.BindException e) {
            String why = String.valueOf(e.getMessage());
            String hint = why.contains("in use") ? "choose another --port"
                    : why.contains("ermission") ? "a port below 1024 needs privileges: choose another --port" : "not an address of this machine: check --host";
            throw new IllegalArgumentException(host + ":" + port + ": " + why + " (" + hint + ")");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM / Ctrl-C: stop accepting, let requests in flight finish, then exit
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("serve: stopping (up to " + graceSeconds + " s for requests in flight)");
            server.stop(graceSeconds);
            stopped.countDown();
        }, "roberta-serve-shutdown"));
        server.start();
        System.err.printf("serve: listening on http://%s:%d (loading %s)%n", host, server.port(), modelOptions.model);
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.stop(0);
            throw e;
        }
        System.err.println("serve: ready");
        stopped.await();
        return 0;
    }
}
