package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.Roberta;
import roberta.engine.RobertaModel;
import roberta.engine.TrainOptions;
import roberta.engine.Trainer;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.kernels.Backend;
import roberta.kernels.FmaPeak;
import roberta.kernels.ProfilingBackend;
import roberta.kernels.GemmBench;
import roberta.kernels.Parallel;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time the encoder (or a training step with --train, or the GEMM alone with --gemm) on random inputs.",
                "Prints sequences/s, ms per batch and GFLOP/s, counting 2*B*T*L*(4H^2+2HI) + 4*B*T^2*H*L (the encoder's matrix products),",
                "and that as a %% of the machine's float32 FMA peak for as many threads, measured first (about a second; --peak prints only it).",
                "With --json the last line is one JSON object."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "roberta-base", description = "roberta-base, roberta-large, distilroberta-base, tiny, or a config.json. Default: ${DEFAULT-VALUE}")
    String config;

    @Option(names = "--model", description = "Time a real model folder instead of random weights")
    Path model;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per batch. Default: ${DEFAULT-VALUE}") int batch;
    @Option(names = "--seq", defaultValue = "128", description = "Tokens per sequence. Default: ${DEFAULT-VALUE}") int seq;
    @Option(names = "--threads", description = "Kernel threads (default: all cores)") Integer threads;
    @Mixin DeviceOptions deviceOptions;
    @Option(names = "--seconds", defaultValue = "10", description = "Timed seconds after warm-up. Default: ${DEFAULT-VALUE}") double seconds;
    @Option(names = "--json", description = "End with one JSON line") boolean json;
    @Option(names = "--train", description = "Time forward + backward + AdamW of a sequence classifier") boolean train;
    @Option(names = "--freeze", description = "With --train: the freezing mask (see finetune)") String freeze;
    @Option(names = "--train-only", description = "With --train: trainable parameters only") String trainOnly;
    @Option(names = "--profile", description = "Also print the time spent in each backend operation") boolean profile;
    @Option(names = "--gemm", description = "Time the GEMM alone at 1024x768x768 and 1024x3072x768") boolean gemm;
    @Option(names = "--peak", description = "Print only the measured FMA peak: one thread and --threads threads, GFLOP/s, vector width") boolean peakOnly;
    @Option(names = "--peak-gflops-per-core", description = "For the %% of peak figure: this GFLOP/s per thread instead of measuring the peak") Double peakPerCore;

    static RobertaConfig preset(String name) {
        return switch (name) {
            case "roberta-base" -> RobertaConfig.of(50265, 768, 12, 12, 3072, 514);
            case "roberta-large" -> RobertaConfig.of(50265, 1024, 24, 16, 4096, 514);
            case "distilroberta-base" -> RobertaConfig.of(50265, 768, 6, 12, 3072, 514);
            case "tiny" -> RobertaConfig.of(1000, 64, 2, 4, 256, 514);
            default -> {
                if (Files.isRegularFile(Path.of(name))) yield RobertaConfig.load(Path.of(name));
                throw new IllegalArgumentException("unknown --config '" + name + "' (roberta-base, roberta-large, distilroberta-base, tiny, or a config.json)");
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        Backend device = deviceOptions.open(threads);
        int t = Parallel.threads();
        Map<String, Object> result = new LinkedHashMap<>();
        if (peakOnly) {
            FmaPeak.Peak one = FmaPeak.measure(1, 5, 300), all = FmaPeak.measure(t, 5, 300);
            System.out.printf("fma peak: 1 thread %.1f GFLOP/s, %d thread(s) %.1f GFLOP/s (float32, %d-bit vectors, %d chains, best of 5)%n",
                    one.gflops(), t, all.gflops(), all.vectorBits(), FmaPeak.CHAINS);
            result.put("peak_gflops_1_thread", one.gflops());
            result.put("peak_gflops", all.gflops());
            result.put("threads", t);
            result.put("vector_bits", all.vectorBits());
            if (json) System.out.println(JsonLines.JSON.writeValueAsString(result));
            return 0;
        }
        // measured before the model is built and again after the timed work, the better of the two kept:
        // a core busy elsewhere at one of the moments (the JIT compiling start-up code, another guest
        // on the host) halves a measurement, which once made a forward pass "146% of peak"
        FmaPeak.Peak before = peakPerCore != null ? new FmaPeak.Peak(t, FmaPeak.lanes(), peakPerCore * t) : FmaPeak.measure(t, 3, 200);
        Supplier<FmaPeak.Peak> remeasured = () -> peakPerCore != null ? before : FmaPeak.better(before, FmaPeak.measure(t, 3, 200));
        String peakSource = peakPerCore != null ? "given" : "measured";
        if (gemm) {
            double[] figures = new double[2];
            int[][] shapes = {{1024, 768, 768}, {1024, 3072, 768}};
            for (int i = 0; i < shapes.length; i++) figures[i] = GemmBench.run(shapes[i][0], shapes[i][1], shapes[i][2], Math.max(2, seconds / 2));
            FmaPeak.Peak peak = remeasured.get();
            result.put("peak_gflops", peak.gflops());
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                double g = figures[i];
                double pct = peak.percentOf(g);
                System.out.printf("gemm %dx%dx%d: %.1f GFLOP/s, %.0f%% of %.0f GFLOP/s %s peak (%d threads)%n", s[0], s[1], s[2], g, pct, peak.gflops(), peakSource, t);
                result.put("gemm_" + s[0] + "x" + s[1] + "x" + s[2] + "_gflops", g);
                result.put("gemm_" + s[0] + "x" + s[1] + "x" + s[2] + "_percent_of_peak", pct);
            }
            if (json) System.out.println(JsonLines.JSON.writeValueAsString(result));
            return 0;
        }
        ProfilingBackend profiler = profile ? new ProfilingBackend(device) : null;
        Backend be = profile ? profiler.backend() : device;
        RobertaModel m = model != null ? Roberta.load(model, be).model()
                : RobertaModel.random(train ? preset(config).withHead(HeadType.SEQUENCE_CLASSIFICATION.architecture, Map.of(0, "a", 1, "b"), null) : preset(config),
                train ? HeadType.SEQUENCE_CLASSIFICATION : HeadType.NONE, be, 1, !train);
        RobertaConfig c = m.config();
        if (seq + 2 > c.maxPositionEmbeddings()) throw new IllegalArgumentException("--seq " + seq + " exceeds the model's positions");
        Random rng = new Random(5);
        List<int[]> ids = new ArrayList<>();
        List<Example> examples = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] s = new int[seq];
            s[0] = 0;
            for (int i = 1; i < seq - 1; i++) s[i] = 3 + rng.nextInt(c.vocabSize() - 3);
            s[seq - 1] = 2;
            ids.add(s);
            examples.add(new Example(b + 1, s, b % 2, null, null));
        }
        Runnable work;
        Trainer[] trainerRef = new Trainer[1];
        if (train) {
            TrainOptions o = new TrainOptions(Task.SEQ_CLS, 1, 1e-5f, batch, 0, 0.01f, 1, seq, 1f, false, 1, 1f, freeze, trainOnly, false);
            Trainer trainer = new Trainer(m, null, null, o, Files.createTempDirectory("bench"));
            trainerRef[0] = trainer;
            work = () -> trainer.step(examples);
        } else {
            Roberta r = Roberta.of(m, null);
            var last = roberta.engine.LayerSelection.parse("last", c.numHiddenLayers());
            work = () -> r.states(ids, batch, last, (i, states, len) -> { }, null);
        }
        long warmEnd = System.nanoTime() + 3_000_000_000L;
        do work.run(); while (System.nanoTime() < warmEnd);
        if (profiler != null) profiler.reset();
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9), now;
        int batches = 0;
        do {
            work.run();
            batches++;
        } while ((now = System.nanoTime()) < end);
        double secs = (now - start) / 1e9;
        FmaPeak.Peak peak = remeasured.get();
        result.put("peak_gflops", peak.gflops());
        if (profiler != null) {
            int runs = batches;
            profiler.millisPer(runs).entrySet().stream().sorted(Map.Entry.comparingByValue(java.util.Comparator.reverseOrder()))
                    .forEach(e -> System.out.printf("  %-20s %8.1f ms/batch%n", e.getKey(), e.getValue()));
        }
        long h = c.hiddenSize(), inter = c.intermediateSize(), layers = c.numHiddenLayers();
        double flops = 2.0 * batch * seq * layers * (4 * h * h + 2 * h * inter) + 4.0 * batch * seq * seq * h * layers;
        // a full training step costs about 3 forward passes; with frozen layers it is less, so no figure is given then
        boolean full = !train || (freeze == null && trainOnly == null) || "none".equals(freeze);
        double gflops = full ? flops * batches / secs / 1e9 * (train ? 3 : 1) : Double.NaN;
        result.put("mode", train ? "train" : "inference");
        result.put("batch", batch);
        result.put("seq", seq);
        result.put("threads", t);
        result.put("sequences_per_second", batch * batches / secs);
        result.put("ms_per_batch", 1000 * secs / batches);
        result.put("gflops", gflops);
        result.put("percent_of_peak", peak.percentOf(gflops));
        result.put("peak_rss_mb", peakRssMb());
        result.put("weights_mb", m.params().values().stream().mapToLong(p -> p.value().size()).sum() * 4 / 1e6); // as float32
        result.put("weights_kept_mb", m.weightBytes() / 1e6); // as held: half-precision checkpoints stay half
        if (train) trainerRef[0].memoryBytes().forEach((k, v) -> result.put(k + "_mb", v / 1e6));
        System.out.printf("%s %s %dx%d, %d threads: %.2f sequences/s, %.1f ms/batch, %s, peak RSS %.0f MB (weights %.0f MB as F32, %.0f MB held)%n",
                train ? "train step" : "forward", model != null ? model : config, batch, seq, t, result.get("sequences_per_second"),
                result.get("ms_per_batch"), full ? String.format("%.1f GFLOP/s (%.0f%% of %.0f GFLOP/s %s peak)", gflops, peak.percentOf(gflops), peak.gflops(), peakSource)
                        : "GFLOP/s n/a (frozen layers)", result.get("peak_rss_mb"),
                result.get("weights_mb"), result.get("weights_kept_mb"));
        if (train) System.out.printf("held after forward: weights %.0f MB, gradients %.0f MB, AdamW moments %.0f MB, recorded activations %.0f MB%n",
                result.get("weights_mb"), result.get("gradients_mb"), result.get("adam_moments_mb"), result.get("activations_mb"));
        if (!full) {
            result.remove("gflops");
            result.remove("percent_of_peak");
        }
        if (json) System.out.println(JsonLines.JSON.writeValueAsString(result));
        return 0;
    }

    /** Peak resident memory of this process (VmHWM), or -1 where /proc is absent. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }
}
