package example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import roberta.engine.EmbedOptions;
import roberta.engine.FineTuning;
import roberta.engine.Listener;
import roberta.engine.Roberta;
import roberta.engine.compare.Comparison;
import roberta.engine.train.Task;

/**
 * The engine as a library: embeddings, fill-mask, fine-tuning a classification head and comparing
 * ways of adapting the model, from a model folder given as the first argument. Run with {@code --add-modules jdk.incubator.vector}.
 * Any failure ends it with an exception, so scripts/run-examples.sh fails with it.
 */
public final class LibraryExample {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) throw new IllegalArgumentException("usage: LibraryExample MODEL_FOLDER");
        Path modelFolder = Path.of(args[0]);
        Roberta roberta = Roberta.load(modelFolder);

        float[][] vectors = roberta.embed(List.of("The cat sat on the mat.", "A dog slept on the rug."), EmbedOptions.mean().normalized());
        check(vectors.length == 2 && vectors[0].length == vectors[1].length, "two vectors of one width");
        System.out.printf("embed: 2 vectors of %d values, cosine %.4f%n", vectors[0].length, dot(vectors[0], vectors[1]));

        List<Roberta.Candidate> top = roberta.fillMask("Hello <mask>.", 3).get(0);
        check(top.size() == 3, "three candidates for the mask");
        for (Roberta.Candidate c : top) System.out.printf("fill-mask: %-12s %.4f%n", c.token(), c.score());

        Path work = Files.createTempDirectory("roberta-example");
        Path train = work.resolve("train.jsonl");
        Files.write(train, List.of(
                "{\"text\": \"a wonderful film\", \"label\": \"pos\"}",
                "{\"text\": \"a dreadful film\", \"label\": \"neg\"}",
                "{\"text\": \"I loved it\", \"label\": \"pos\"}",
                "{\"text\": \"I hated it\", \"label\": \"neg\"}"));
        FineTuning.Outcome done = FineTuning.of(modelFolder)
                .task(Task.SEQ_CLS).train(train).eval(train).output(work.resolve("run"))
                .trainOnly("head").lr(1e-2f).epochs(1).batchSize(2)
                .listener(new PrintingListener())
                .run();
        check(done.metrics().containsKey("eval_accuracy"), "evaluation metrics");
        System.out.println("finetune: " + done.steps() + " steps, eval_accuracy " + done.metrics().get("eval_accuracy") + ", model in " + done.model());

        Roberta tuned = Roberta.load(done.model());
        for (Roberta.Prediction p : tuned.classify(List.of("what a wonderful film", "what a dreadful film")))
            System.out.printf("classify: %s %.4f%n", p.label(), p.score());

        // freeze or tune? a head on frozen mean-pooled features against LoRA adapters, side by side
        List<Map<String, Object>> compared = Comparison.of(modelFolder)
                .train(train).eval(train).output(work.resolve("compare"))
                .strategies("frozen-mean,lora").epochs("2").lr("frozen=1e-2,lora=1e-2").batchSize(2)
                .run();
        check(compared.size() == 2, "two strategies compared");
        for (Map<String, Object> r : compared)
            System.out.printf("compare: %-11s eval_accuracy %s, %s trainable parameters%n", r.get("strategy"), r.get("eval_accuracy"), r.get("trainable_parameters"));
        deleteTree(work);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Epoch metrics and warnings on stdout; progress is left out to keep the output short. */
    private static final class PrintingListener implements Listener {
        @Override
        public void epoch(int epoch, Map<String, Object> metrics) {
            System.out.println("epoch " + epoch + ": train_loss " + metrics.get("train_loss"));
        }

        @Override
        public void warning(String text) {
            System.out.println("warning: " + text);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("expected " + what);
    }
}
