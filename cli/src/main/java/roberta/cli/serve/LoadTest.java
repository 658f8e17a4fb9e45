package roberta.cli.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load-test client for {@code ./roberta serve}: N connections (a virtual thread each, one
 * request at a time) for S seconds, each POSTing a short embedding request; reports latency
 * percentiles, throughput, failures and 429s. Run by scripts/load-test.sh, and briefly by the
 * serve tests.
 */
public final class LoadTest {
    /** ok: 200s; rejected: 429s; failures: anything else (another status or an I/O error). */
    public record Result(int clients, long ok, long rejected, long failures, double seconds, double p50Ms, double p99Ms) {
        public double throughput() {
            return ok / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d clients, %.1f s: %d ok (%.1f req/s), p50 %.2f ms, p99 %.2f ms, %d failures, %d 429",
                    clients, seconds, ok, throughput(), p50Ms, p99Ms, failures, rejected);
        }
    }

    private LoadTest() {}

    public static Result run(URI endpoint, String apiKey, int clients, double seconds) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        AtomicLong ok = new AtomicLong(), rejected = new AtomicLong(), failures = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[clients];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            int client = c;
            threads.add(Thread.ofVirtual().start(() -> {
                int n = 0;
                for (int i = 0; System.nanoTime() < end; i++) {
                    // a different short text each time: no cache to flatter the figures
                    String body = "{\"input\": \"client " + client + " sends request number " + i + " to the server\"}";
                    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
                    if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
                    long s = System.nanoTime();
                    try {
                        int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (status == 200) {
                            ok.incrementAndGet();
                            if (n < mine.length) mine[n++] = System.nanoTime() - s;
                        } else if (status == 429) {
                            rejected.incrementAndGet();
                        } else {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
                counts[client] = n; // read after join
            }));
        }
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long[] all = java.util.stream.IntStream.range(0, clients).mapToObj(c -> Arrays.stream(latencies.get(c), 0, counts[c]))
                .flatMapToLong(s -> s).sorted().toArray();
        return new Result(clients, ok.get(), rejected.get(), failures.get(), elapsed, percentile(all, 0.50), percentile(all, 0.99));
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    /** Usage: LoadTest URL [CLIENTS [SECONDS]]; $ROBERTA_API_KEY as the key. One client first, then CLIENTS. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: load-test URL [CLIENTS [SECONDS]]   (e.g. http://127.0.0.1:8080/embed 32 30)");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 30;
        String key = System.getenv("ROBERTA_API_KEY");
        System.out.println("sequential: " + run(url, key, 1, seconds));
        System.out.println("concurrent: " + run(url, key, clients, seconds));
    }
}
