package roberta.tokenizer;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A seeded, time-bounded fuzz loop (a copy lives in each module's tests; keep them in step).
 * Case i of seed s draws from its own {@code new Random(mix(s, i))}, so a failure reproduces
 * from those two numbers alone: {@code -Droberta.fuzz.seed=s -Droberta.fuzz.case=i}. Each
 * case runs on a worker thread under a deadline, with its heap allocation measured. An outcome
 * is accepted, rejected (our own exception, one line, naming the case's folder) or a defect:
 * any other throwable, a hang, an allocation over the cap, or a failed check of what was
 * accepted. The loop runs for {@code roberta.fuzz.seconds} (else the given CI default).
 */
public final class Fuzz {
    /** Builds one case's files from rng and returns what to run on them. */
    public interface Target {
        Action prepare(Random rng) throws Exception;
    }

    public interface Action {
        void run() throws Exception;
    }

    public static final long SEED = Long.getLong("roberta.fuzz.seed", 20261201L);
    private static final Long ONLY_CASE = Long.getLong("roberta.fuzz.case");
    private static final long DEADLINE_MS = Long.getLong("roberta.fuzz.case.ms", 10_000L);
    /** Far above what any case needs (inputs are at most a few MB): an input that makes us allocate by its claims trips it. */
    private static final long ALLOCATION_CAP = 512L << 20;

    private final String name;
    private final Path names;
    private final Predicate<Throwable> ours;
    private long tried, accepted, defectCases;
    private final Map<String, Integer> rejections = new TreeMap<>();
    private final Map<String, String> defects = new TreeMap<>();

    /** names: the path every rejection message must contain; ours: the exceptions that are our own one-line errors. */
    public Fuzz(String name, Path names, Predicate<Throwable> ours) {
        this.name = name;
        this.names = names;
        this.ours = ours;
    }

    public static double seconds(double ciDefault) {
        String s = System.getProperty("roberta.fuzz.seconds");
        return s == null || s.isBlank() ? ciDefault : Double.parseDouble(s);
    }

    private record Result(long bytes, Throwable thrown) {}

    public static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /** Runs cases until the time is up (and at least minCases ran); returns the tally line. Fails listing every defect kind. */
    public String run(double ciSeconds, int minCases, Target target) throws Exception {
        long stop = System.nanoTime() + (long) (seconds(ciSeconds) * 1e9);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + name);
            t.setDaemon(true); // a hung case must not keep the JVM alive
            return t;
        });
        try {
            long first = ONLY_CASE != null ? ONLY_CASE : 0, last = ONLY_CASE != null ? ONLY_CASE : Long.MAX_VALUE;
            for (long i = first; i <= last && (ONLY_CASE != null || tried < minCases || System.nanoTime() < stop); i++) {
                tried++;
                Action action = target.prepare(new Random(mix(SEED, i)));
                Future<Result> f = worker.submit(() -> {
                    long before = allocated();
                    Throwable thrown = null;
                    try {
                        action.run();
                    } catch (Throwable t) { // OutOfMemoryError included: it is a finding, not the end of the run
                        thrown = t;
                    }
                    return new Result(allocated() - before, thrown);
                });
                try {
                    Result r = f.get(DEADLINE_MS, TimeUnit.MILLISECONDS);
                    // measured for refusals too: an input may make us allocate by its claims and only then fail
                    if (r.bytes > ALLOCATION_CAP) defect(i, "allocated " + (r.bytes >> 20) + " MB" + (r.thrown == null ? "" : " before " + r.thrown), null);
                    else if (r.thrown == null) accepted++;
                    else classify(i, r.thrown);
                } catch (TimeoutException e) {
                    defect(i, "no result within " + DEADLINE_MS + " ms", null);
                    worker.shutdownNow();
                    break; // the worker is stuck; later cases cannot run on it
                }
            }
        } finally {
            worker.shutdownNow();
        }
        String tally = String.format("fuzz %s: seed %d, %d inputs, %d accepted, %d rejected in %d distinct ways, %d defect kinds",
                name, SEED, tried, accepted, tried - accepted - defectCases, rejections.size(), defects.size());
        System.out.println(tally);
        if (ONLY_CASE != null || Boolean.getBoolean("roberta.fuzz.verbose"))
            rejections.forEach((k, n) -> System.out.println("  " + n + " x " + k));
        defects.values().forEach(System.out::println);
        if (!defects.isEmpty())
            throw new AssertionError(tally + "\n" + String.join("\n", defects.values()));
        return tally;
    }

    private void classify(long i, Throwable t) {
        if (t instanceof OutOfMemoryError || !ours.test(t)) {
            defect(i, t.getClass().getName() + ": " + t.getMessage(), t);
            return;
        }
        String m = t.getMessage();
        if (m == null || m.contains("\n") || m.contains("\r")) defect(i, "message is not one line: " + m, t);
        else if (!m.contains(names.toString())) defect(i, "message does not name the file: " + m, t);
        else rejections.merge(kind(m), 1, Integer::sum);
    }

    private void defect(long i, String what, Throwable t) {
        defectCases++;
        // by where it was thrown: a hot JIT-compiled frame may throw the same exception with no message
        String kind = t == null ? what : t.getClass().getSimpleName() + (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : "");
        kind = kind.length() > 80 ? kind.substring(0, 80) : kind;
        defects.putIfAbsent(kind, "  " + what.lines().findFirst().orElse("") + "  (reproduce: -Droberta.fuzz.seed=" + SEED + " -Droberta.fuzz.case=" + i + ")");
        if (ONLY_CASE != null && t != null) t.printStackTrace(System.out);
    }

    /** A message with its specifics (paths, names, numbers) taken out, to count distinct kinds of rejection. */
    private String kind(String m) {
        String k = m.replace(names.toString(), "").replaceAll("'[^']*'", "'_'").replaceAll("\"[^\"]*\"", "\"_\"")
                .replaceAll("-?\\d+", "N").replaceAll("\\[[^\\]]*]", "[_]");
        int colon = k.indexOf(": ");
        k = k.substring(colon >= 0 ? colon + 2 : 0); // drop the file name
        return k.length() > 60 ? k.substring(0, 60) : k;
    }

    private static long allocated() {
        var bean = ManagementFactory.getThreadMXBean();
        if (bean instanceof com.sun.management.ThreadMXBean b && b.isThreadAllocatedMemorySupported())
            return b.getCurrentThreadAllocatedBytes();
        return 0; // cannot measure here; the heap limit (-Xmx) still catches a runaway allocation as OutOfMemoryError
    }
}
