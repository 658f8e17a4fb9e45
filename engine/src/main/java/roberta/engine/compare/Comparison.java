package roberta.engine.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import roberta.engine.AdapterFolder;
import roberta.engine.Evaluation;
import roberta.engine.FeatureHead;
import roberta.engine.FineTuning;
import roberta.engine.LayerFeatures;
import roberta.engine.LoraConfig;
import roberta.engine.Listener;
import roberta.engine.RobertaModel;
import roberta.engine.TrainOptions;
import roberta.engine.train.Example;
import roberta.engine.train.Problem;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.Backend;
import roberta.loader.AtomicFiles;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;

/**
 * "Freeze or tune?" for one model and one task: every {@link Strategy} run with its own sensible
 * defaults, each scored the same way, and what it costs measured beside what it scores. The
 * frozen strategies share one pass of the encoder over the data (every layer's features kept);
 * the others are fine-tuning runs (OUTPUT/STRATEGY/run, which resume where they stopped). Each
 * finished strategy is a line of OUTPUT/results.jsonl, so an interrupted comparison run again
 * skips what is done; OUTPUT/report.md and OUTPUT/report.svg are written after every strategy.
 */
public final class Comparison {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Comparison() {}

    /**
     * A comparison on a model folder, set up one option at a time.
     *
     * @param model the pretrained model folder (with its tokenizer)
     * @return a builder with the command line's defaults
     */
    public static ComparisonBuilder of(Path model) {
        return new ComparisonBuilder(model);
    }

    /**
     * What to compare.
     *
     * @param model the pretrained model folder (with its tokenizer)
     * @param task seq-cls or token-cls
     * @param train training data (JSON lines)
     * @param eval data every strategy is scored on
     * @param test further held-out data, or null
     * @param strategies what to run, in order
     * @param epochs per-strategy epochs (defaults: 10 for a head on frozen features, 3 otherwise)
     * @param lr per-strategy peak learning rates (defaults in {@link #defaultLr})
     * @param batchSize sequences per batch
     * @param maxLength tokens per sequence (capped by the model's positions)
     * @param seed seeds shuffling, dropout and new weights, the same for every strategy
     * @param lora the LoRA settings of the lora strategy (as finetune --lora takes them)
     * @param llrd layer-wise learning-rate decay of full fine-tuning (1: off)
     * @param output where results, the report and each strategy's files go
     * @param overwrite re-run strategies whose recorded settings differ from these (else refused)
     */
    public record Run(Path model, Task task, Path train, Path eval, Path test, List<Strategy> strategies,
                      Overrides<Integer> epochs, Overrides<Float> lr, int batchSize, int maxLength, long seed,
                      String lora, float llrd, Path output, boolean overwrite) {
        /** Checks the settings: a task compare scores, eval data, sensible numbers for every strategy. */
        public Run {
            if (task != Task.SEQ_CLS && task != Task.TOKEN_CLS) throw new IllegalArgumentException("compare is for seq-cls and token-cls, not " + task);
            if (eval == null) throw new IllegalArgumentException("compare needs --eval: every strategy is scored on it");
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1");
            if (strategies == null || strategies.isEmpty()) throw new IllegalArgumentException("--strategies names no strategy");
            if (!(llrd > 0 && llrd <= 1)) throw new IllegalArgumentException("--llrd must be in (0, 1]");
            for (Strategy s : strategies) {
                if (epochs.of(s, 1) < 1) throw new IllegalArgumentException("--epochs: " + s.name() + " gets " + epochs.of(s, 1) + "; must be at least 1");
                float r = lr.of(s, 1f);
                if (!(r > 0) || !Float.isFinite(r)) throw new IllegalArgumentException("--lr: " + s.name() + " gets " + r + "; must be a finite number above 0");
            }
            for (Strategy s : strategies)
                if (task == Task.TOKEN_CLS && s.kind() == Strategy.Kind.FROZEN_MEAN)
                    throw new IllegalArgumentException("frozen-mean pools a whole sequence; token-cls labels each token: use frozen-cls (each token's last layer) or frozen-mix");
        }
    }

    /** The default LoRA of the lora strategy: rank 8 on the attention's query and value, as the LoRA paper did for RoBERTa. */
    public static final String DEFAULT_LORA = "r=8,alpha=16,dropout=0.1,targets=query,value";

    /**
     * The peak learning rate a strategy starts from unless told otherwise.
     *
     * @param s the strategy
     * @return 1e-3 for a head on frozen features, 1e-4 for the top layers, 5e-4 for LoRA, 2e-5 for everything (roberta-base's usual)
     */
    public static float defaultLr(Strategy s) {
        return switch (s.family()) {
            case "frozen" -> 1e-3f;
            case "partial" -> 1e-4f;
            case "lora" -> 5e-4f;
            default -> 2e-5f;
        };
    }

    static int defaultEpochs(Strategy s) {
        return s.frozen() ? 10 : 3;
    }

    /** The data of a comparison, read and tokenized once. */
    private record Data(RobertaTokenizer tok, RobertaConfig config, Map<Integer, String> labels, List<Example> train,
                        List<Example> eval, List<Example> test, int maxLength) {}

    /**
     * Runs every strategy not already done, appending each to results.jsonl and rewriting the
     * report after each.
     *
     * @param run what to compare
     * @param be what runs the model
     * @param listener progress, messages and each strategy's result
     * @return every strategy's result, in the order asked (those done earlier included)
     * @throws IOException when a file cannot be read or written
     */
    public static List<Map<String, Object>> run(Run run, Backend be, Listener listener) throws IOException {
        if (listener == null) listener = Listener.NONE;
        refuseForeignFolder(run.output());
        Path resultsFile = run.output().resolve("results.jsonl");
        Map<String, Map<String, Object>> done = readResults(resultsFile);
        Data data = read(run); // every file checked before anything is written
        Files.createDirectories(run.output());
        List<Map<String, Object>> results = new ArrayList<>();
        Features features = null; // computed when the first frozen strategy needs them
        for (Strategy s : run.strategies()) {
            Map<String, Object> settings = settings(run, s, data);
            Map<String, Object> earlier = done.get(s.name());
            if (earlier != null && settings.equals(earlier.get("settings"))) {
                listener.message("compare: " + s.name() + " already done (" + resultsFile + "), not run again");
                results.add(earlier);
                continue;
            }
            if (earlier != null && !run.overwrite())
                throw new IllegalArgumentException(resultsFile + ": holds " + s.name() + " run with other settings ("
                        + differences(settings, earlier.get("settings")) + "); re-run it with --overwrite, or choose another --output");
            if (s.frozen() && features == null) features = features(run, data, be, listener); // one encoder pass for every frozen strategy
            listener.message("compare: " + s.name() + " (" + describe(run, s) + ")");
            Map<String, Object> r = s.frozen() ? runFrozen(run, s, data, features, listener) : runTuned(run, s, data, be, listener, earlier != null);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("strategy", s.name());
            line.put("family", s.family());
            line.putAll(r);
            line.put("settings", settings);
            done.put(s.name(), line);
            writeResults(resultsFile, done);
            results.add(line);
            CompareReport.write(run.output(), run.task(), ordered(run, done));
            listener.message("compare: " + s.name() + " " + CompareReport.brief(run.task(), line));
        }
        CompareReport.write(run.output(), run.task(), ordered(run, done));
        return results;
    }

    /**
     * The output must be new, empty, or an earlier comparison's: compare writes its files and a
     * folder per strategy there, and a folder of the user's own is no place for them.
     */
    private static void refuseForeignFolder(Path output) throws IOException {
        if (!Files.isDirectory(output)) {
            if (Files.exists(output)) throw new IllegalArgumentException(output + ": exists and is not a folder");
            return;
        }
        try (var list = Files.list(output)) {
            List<String> names = list.map(p -> p.getFileName().toString()).toList();
            if (names.isEmpty() || names.contains("results.jsonl")) return;
            for (String n : names) {
                boolean ours = n.equals("report.md") || n.equals("report.svg") || n.startsWith(".");
                try {
                    Strategy.parse(n);
                    ours = true;
                } catch (IllegalArgumentException notAStrategy) {
                    // a file of the user's
                }
                if (!ours) throw new IllegalArgumentException(output + ": holds " + n + ", which compare did not write; choose a new or empty --output, or an earlier comparison's");
            }
        }
    }

    /** Results in the order of --strategies, then any others done earlier. */
    private static List<Map<String, Object>> ordered(Run run, Map<String, Map<String, Object>> done) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Strategy s : run.strategies()) if (done.containsKey(s.name())) out.add(done.get(s.name()));
        for (Map.Entry<String, Map<String, Object>> e : done.entrySet())
            if (run.strategies().stream().noneMatch(s -> s.name().equals(e.getKey()))) out.add(e.getValue());
        return out;
    }

    private static String describe(Run run, Strategy s) {
        String what = switch (s.kind()) {
            case FROZEN_CLS -> "a head on the frozen encoder's <s> features";
            case FROZEN_MEAN -> "a head on the frozen encoder's mean-pooled features";
            case FROZEN_MIX -> "a head on a learned mix of every frozen layer";
            case TOP -> "the top " + s.topLayers() + " layers and the head";
            case LORA -> "LoRA " + run.lora() + " and the head";
            case FULL -> "every parameter" + (run.llrd() != 1f ? ", layer-wise lr decay " + run.llrd() : "");
        };
        int epochs = run.epochs().of(s, defaultEpochs(s));
        return what + ", " + epochs + (epochs == 1 ? " epoch" : " epochs") + ", lr " + new java.math.BigDecimal(Float.toString(run.lr().of(s, defaultLr(s)))).stripTrailingZeros().toPlainString();
    }

    // ------------------------------------------------------------------ data

    private static Data read(Run run) throws IOException {
        RobertaTokenizer tok = RobertaTokenizer.load(run.model());
        RobertaConfig config = RobertaConfig.load(run.model().resolve("config.json"));
        int limit = config.maxPositionEmbeddings() - config.padTokenId() - 1;
        int maxLength = run.maxLength() == 0 ? limit : Math.min(run.maxLength(), limit);
        TaskData.Lines lines = TaskData.Lines.read(run.train());
        if (run.task() == Task.SEQ_CLS && TaskData.problemOf(lines) != Problem.SINGLE_LABEL)
            throw new IllegalArgumentException(run.train() + ": compare scores single-label classification; this file is " + TaskData.problemOf(lines).problemType());
        // the label set as finetune chooses it, so every strategy numbers the classes alike
        Map<Integer, String> labels = TaskData.labelsFor(lines, run.task(), config);
        List<Example> train = TaskData.load(lines, run.task(), tok, labels, Problem.SINGLE_LABEL, maxLength);
        List<Example> eval = TaskData.load(run.eval(), run.task(), tok, labels, Problem.SINGLE_LABEL, maxLength);
        List<Example> test = run.test() == null ? List.of() : TaskData.load(run.test(), run.task(), tok, labels, Problem.SINGLE_LABEL, maxLength);
        TaskData.requireTwoClasses(labels, run.task(), run.train());
        TaskData.checkSpecialTokens(tok, run.task() == Task.MLM, run.model(), config.vocabSize());
        TaskData.checkVocabulary(train, run.train(), config.vocabSize());
        TaskData.checkVocabulary(eval, run.eval(), config.vocabSize());
        TaskData.checkVocabulary(test, run.test(), config.vocabSize());
        return new Data(tok, config, labels, train, eval, test, maxLength);
    }

    /** What decides a strategy's result: recorded with it, compared when a comparison is run again. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> settings(Run run, Strategy s, Data data) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", fileSummary(run.model().resolve("config.json")) + ", " + weightsSummary(run.model()));
        m.put("task", run.task().toString());
        m.put("train", fileSummary(run.train()));
        m.put("eval", fileSummary(run.eval()));
        m.put("test", run.test() == null ? "none" : fileSummary(run.test()));
        m.put("epochs", run.epochs().of(s, defaultEpochs(s)));
        m.put("lr", Double.valueOf(Float.toString(run.lr().of(s, defaultLr(s))))); // 1e-3, not 0.0010000000474974513
        m.put("batch_size", run.batchSize());
        m.put("max_length", data.maxLength());
        m.put("seed", run.seed());
        if (s.kind() == Strategy.Kind.LORA) m.put("lora", run.lora());
        if (s.kind() == Strategy.Kind.FULL) m.put("llrd", Double.valueOf(Float.toString(run.llrd())));
        // written and read back, so a freshly made map equals one read from results.jsonl (a long seed reads back as an Integer)
        return JSON.readValue(JSON.writeValueAsString(m), Map.class);
    }

    private static String fileSummary(Path f) throws IOException {
        if (f == null || !Files.exists(f)) return String.valueOf(f);
        return f.toAbsolutePath().normalize() + " (" + Files.size(f) + " bytes, modified " + Files.getLastModifiedTime(f) + ")";
    }

    private static String weightsSummary(Path dir) throws IOException {
        List<String> parts = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList())
                parts.add(p.getFileName() + " " + Files.size(p) + " bytes " + Files.getLastModifiedTime(p));
        }
        return String.join(", ", parts);
    }

    private static String differences(Map<String, Object> now, Object thenObj) {
        List<String> diff = new ArrayList<>();
        Map<?, ?> then = thenObj instanceof Map<?, ?> m ? m : Map.of();
        for (Map.Entry<String, Object> e : now.entrySet())
            if (!String.valueOf(e.getValue()).equals(String.valueOf(then.get(e.getKey()))))
                diff.add(e.getKey() + " " + then.get(e.getKey()) + " then, " + e.getValue() + " now");
        return diff.isEmpty() ? "recorded differently" : String.join("; ", diff);
    }

    // ------------------------------------------------------------------ frozen: heads on cached features

    /** Every layer's features of train, eval and test (null without --test), and the bytes the encoder's weights took. */
    private record Features(LayerFeatures train, LayerFeatures eval, LayerFeatures test, long encoderBytes) {
        long cachedBytes() {
            long b = 0;
            for (LayerFeatures f : new LayerFeatures[] {train, eval, test})
                if (f != null) for (List<float[]> rows : List.of(f.cls(), f.mean(), f.tokens())) for (float[] row : rows) b += 4L * row.length;
            return b;
        }
    }

    private static Features features(Run run, Data data, Backend be, Listener listener) {
        RobertaModel m = RobertaModel.load(run.model(), be, HeadType.NONE, null, null, run.seed(), true);
        try {
            LayerFeatures train = LayerFeatures.of(m, data.train(), run.task(), 32, listener, "features (train)");
            LayerFeatures eval = LayerFeatures.of(m, data.eval(), run.task(), 32, listener, "features (eval)");
            LayerFeatures test = data.test().isEmpty() ? null : LayerFeatures.of(m, data.test(), run.task(), 32, listener, "features (test)");
            return new Features(train, eval, test, m.weightBytes());
        } finally {
            release(m, be);
        }
    }

    private static Map<String, Object> runFrozen(Run run, Strategy s, Data data, Features f, Listener listener) {
        boolean tokens = run.task() == Task.TOKEN_CLS;
        String pooling = s.pooling(tokens);
        LayerFeatures train = f.train();
        int classes = Math.max(data.labels().size(), 2);
        FeatureHead head = new FeatureHead(tokens ? FeatureHead.Shape.LINEAR : FeatureHead.Shape.CLASSIFICATION,
                train.layersIn(pooling), train.hidden(), classes, s.kind() == Strategy.Kind.FROZEN_MIX, run.seed());
        int epochs = run.epochs().of(s, defaultEpochs(s));
        FeatureHead.Options o = new FeatureHead.Options(epochs, run.lr().of(s, defaultLr(s)), run.batchSize(), 0.06f, 0.01f, 1f,
                data.config().hiddenDropoutProb(), run.seed());
        long t0 = System.nanoTime();
        List<Double> losses = new ArrayList<>();
        head.train(train.rows(pooling), train.labels(), o, (loss, epoch) -> {
            losses.add(loss);
            listener.message(String.format("  %s epoch %d/%d: train loss %.4f", s.name(), epoch, epochs, loss));
        });
        double headSeconds = (System.nanoTime() - t0) / 1e9;
        Path dir = run.output().resolve(s.name());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        head.save(dir.resolve("head.safetensors"));
        Map<String, Object> r = new LinkedHashMap<>();
        long t1 = System.nanoTime();
        r.putAll(scores("eval_", head, f.eval(), pooling, data.labels(), tokens));
        double evalHeadSeconds = (System.nanoTime() - t1) / 1e9;
        if (f.test() != null) r.putAll(scores("test_", head, f.test(), pooling, data.labels(), tokens));
        r.put("train_losses", losses);
        r.put("trainable_parameters", head.parameterCount());
        r.put("task_bytes", 4 * head.parameterCount());
        // the shared encoder pass over the training data is part of every frozen strategy's cost
        r.put("train_seconds", train.seconds() + headSeconds);
        r.put("inference_ms_per_example", 1e3 * (f.eval().seconds() + evalHeadSeconds) / Math.max(1, data.eval().size()));
        // at the end of the encoder pass its weights and the whole cache are held; then the head, its gradient and two AdamW moments
        r.put("memory_mb", (f.encoderBytes() + f.cachedBytes() + 16 * head.parameterCount()) / 1e6);
        if (head.layerWeights() != null) r.put("layer_weights", head.layerWeights());
        r.put("artifact", s.name() + "/head.safetensors"); // relative to the output folder, which may move
        return r;
    }

    /** Evaluation's metrics (same names, same definitions) of a head on feature rows. */
    static Map<String, Object> scores(String prefix, FeatureHead head, LayerFeatures f, String pooling, Map<Integer, String> labels, boolean tokens) {
        List<float[]> rows = f.rows(pooling);
        float[][] logits = head.logits(rows);
        int[] gold = f.labels(), pred = new int[rows.size()];
        for (int i = 0; i < pred.length; i++) pred[i] = Evaluation.argmax(logits[i], 0, logits[i].length);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "loss", head.loss(rows, gold));
        List<String[]> goldTags = null, predTags = null;
        if (tokens) {
            goldTags = new ArrayList<>();
            predTags = new ArrayList<>();
            int i = 0;
            int[] seq = f.sequenceOf();
            while (i < seq.length) {
                int j = i;
                while (j < seq.length && seq[j] == seq[i]) j++;
                String[] g = new String[j - i], p = new String[j - i];
                for (int k = i; k < j; k++) {
                    g[k - i] = labels.getOrDefault(gold[k], "O");
                    p[k - i] = labels.getOrDefault(pred[k], "O");
                }
                goldTags.add(g);
                predTags.add(p);
                i = j;
            }
        }
        Evaluation.putClassification(m, prefix, gold, pred, labels.size(), goldTags, predTags);
        return m;
    }

    // ------------------------------------------------------------------ tuned: fine-tuning runs

    private static Map<String, Object> runTuned(Run run, Strategy s, Data data, Backend be, Listener listener, boolean redo) throws IOException {
        int layers = data.config().numHiddenLayers();
        TrainOptions o = TrainOptions.defaults(run.task()).withEpochs(run.epochs().of(s, defaultEpochs(s)))
                .withLr(run.lr().of(s, defaultLr(s))).withBatchSize(run.batchSize()).withMaxLength(data.maxLength()).withSeed(run.seed());
        switch (s.kind()) {
            case TOP -> {
                if (s.topLayers() < layers) o = o.withFreezing("embeddings,layers:0-" + (layers - 1 - s.topLayers()), null);
                else listener.warning(s.name() + ": the model has " + layers + " layers, so this is full fine-tuning");
            }
            case LORA -> o = o.withLora(LoraConfig.parse(run.lora()));
            case FULL -> o = o.withLlrd(run.llrd());
            default -> throw new IllegalStateException(s.name());
        }
        Path dir = run.output().resolve(s.name()).resolve("run");
        boolean resume = !redo && Files.isDirectory(dir);
        FineTuning.Run ft = new FineTuning.Run(run.model(), run.train(), run.eval(), dir, o, null, resume, redo, 1);
        FineTuning.Outcome out = FineTuning.run(ft, be, listener);
        Map<String, Object> r = new LinkedHashMap<>();
        // the trained model, loaded as a user would for inference (an adapter folded into the base), scored and timed on eval (and test)
        RobertaModel m = s.kind() == Strategy.Kind.LORA
                ? AdapterFolder.load(run.model(), out.model(), be, run.seed()).mergeAdapter().forInference()
                : RobertaModel.load(out.model(), be, run.task().head, data.labels(), null, run.seed(), true);
        try {
            Map<String, Object> eval = Evaluation.evaluate(m, data.tok(), run.task(), data.eval(), data.labels(), 32, run.seed());
            // timed on a second pass: the first compiles the inference kernels' code (the frozen strategies' features pass is warm too)
            long t0 = System.nanoTime();
            Evaluation.evaluate(m, data.tok(), run.task(), data.eval(), data.labels(), 32, run.seed());
            double evalSeconds = (System.nanoTime() - t0) / 1e9;
            eval.remove("eval_examples");
            r.putAll(eval);
            if (!data.test().isEmpty()) {
                Map<String, Object> test = Evaluation.evaluate(m, data.tok(), run.task(), data.test(), data.labels(), 32, run.seed());
                test.remove("eval_examples");
                for (Map.Entry<String, Object> e : test.entrySet()) r.put("test_" + e.getKey().substring("eval_".length()), e.getValue());
            }
            long trainable = ((Number) out.metrics().get("trainable_parameters")).longValue();
            r.put("trainable_parameters", trainable);
            r.put("task_bytes", 4 * trainable);
            r.put("memory_mb", out.metrics().get("training_memory_mb"));
            r.put("train_losses", epochValues(dir, "train_loss"));
            r.put("train_seconds", epochValues(dir, "seconds").stream().mapToDouble(Double::doubleValue).sum());
            r.put("inference_ms_per_example", 1e3 * evalSeconds / Math.max(1, data.eval().size()));
            r.put("artifact", s.name() + "/run/" + out.model().getFileName()); // relative to the output folder, which may move
        } finally {
            release(m, be);
        }
        return r;
    }

    /** Gives a model's weights back to the backend (device memory on a GPU) once a strategy is done with it. */
    private static void release(RobertaModel m, Backend be) {
        for (var p : m.allParams().values()) be.release(p.value());
    }

    /** A field of every epoch in a run's metrics.jsonl (those before an interruption too): train_loss, seconds. */
    private static List<Double> epochValues(Path runDir, String field) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8))
            if (!line.isBlank()) out.add(JSON.readTree(line).path(field).asDouble());
        return out;
    }

    // ------------------------------------------------------------------ results.jsonl

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> readResults(Path file) throws IOException {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (!Files.exists(file)) return out;
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ":" + n + ": not a JSON object (a results line of an earlier compare)");
            }
            if (node == null || !node.path("strategy").isTextual() || !node.path("settings").isObject())
                throw new IllegalArgumentException(file + ":" + n + ": needs \"strategy\" and \"settings\" (a results line of an earlier compare)");
            out.put(node.get("strategy").asText(), JSON.convertValue(node, Map.class));
        }
        return out;
    }

    private static void writeResults(Path file, Map<String, Map<String, Object>> done) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> r : done.values()) sb.append(JSON.writeValueAsString(r)).append('\n');
        AtomicFiles.writeString(file, sb.toString());
    }
}
