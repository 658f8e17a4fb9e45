package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.Listener.Step;
import roberta.engine.train.Task;
import roberta.kernels.Devices;

/** The Java API runs a whole fine-tuning job as the CLI does: output folder, resume, refusals. */
class FineTuningTest {
    @Test
    void aRunFromTheApiWritesTheFolderAndAResumeSaysItIsDone(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++)
            sb.append("{\"text\": \"").append(i % 2 == 0 ? "great film " : "awful film ").append(i).append("\", \"label\": \"")
                    .append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        Path train = Files.writeString(dir.resolve("train.jsonl"), sb.toString()), out = dir.resolve("run");
        TrainOptions options = TrainOptions.defaults(Task.SEQ_CLS).withEpochs(2).withLr(1e-3f).withBatchSize(4).withMaxLength(16);
        FineTuning.RandomInit tiny = new FineTuning.RandomInit(16, 1, 2, 32);
        FineTuning.Run run = new FineTuning.Run(TestData.model("tiny-roberta-mlm"), train, train, out, options, tiny, false, false);

        FineTuning.Outcome first = FineTuning.run(run, Devices.auto());
        assertFalse(first.alreadyFinished());
        assertEquals(6, first.steps(), "2 epochs of 3 batches");
        assertTrue(first.metrics().containsKey("eval_accuracy"), first.metrics().toString());
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")) && Files.isRegularFile(out.resolve("checkpoints/epoch-2/trainer_state.json")));
        assertTrue(Files.readString(out.resolve("model/config.json")).contains("\"pos\""));

        FineTuning.Outcome again = FineTuning.run(new FineTuning.Run(run.model(), train, train, out, options, tiny, true, false), Devices.auto());
        assertTrue(again.alreadyFinished());
        assertEquals(first.metrics().get("eval_accuracy"), again.metrics().get("eval_accuracy"));

        var refused = assertThrows(IllegalArgumentException.class, () -> FineTuning.run(run, Devices.auto()));
        assertTrue(refused.getMessage().contains("already holds a finetune run"), refused.getMessage());
    }

    /** Everything a listener hears, in order. */
    static final class Recorder implements Listener {
        final List<Step> steps = new ArrayList<>();
        final List<Integer> epochs = new ArrayList<>();
        final List<String> messages = new ArrayList<>(), warnings = new ArrayList<>();

        @Override public synchronized void progress(Step step) { steps.add(step); }
        @Override public synchronized void epoch(int epoch, Map<String, Object> metrics) { epochs.add(epoch); }
        @Override public synchronized void message(String text) { messages.add(text); }
        @Override public synchronized void warning(String text) { warnings.add(text); }
    }

    @Test
    void aRunReportsToItsListenerAndPrintsNothing(@TempDir Path dir) throws Exception {
        Path train = Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"good\", \"label\": \"pos\"}\n{\"text\": \"bad\", \"label\": \"neg\"}\n");
        TrainOptions options = TrainOptions.defaults(Task.SEQ_CLS).withEpochs(2).withLr(1e-3f).withBatchSize(1).withMaxLength(16).withFreezing(null, "head");
        FineTuning.Run run = new FineTuning.Run(TestData.model("tiny-roberta-mlm"), train, null, dir.resolve("run"), options,
                new FineTuning.RandomInit(16, 1, 2, 32), false, false);
        Recorder heard = new Recorder();
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
        try {
            FineTuning.run(run, Devices.auto(), heard);
            FineTuning.run(new FineTuning.Run(run.model(), train, null, run.output(), options, run.randomInit(), true, false), Devices.auto(), heard);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "library code prints nothing");
        assertEquals(List.of(1, 2), heard.epochs);
        List<Step> ends = heard.steps.stream().filter(Step::finished).toList();
        assertEquals(List.of("caching features", "epoch 1/2", "epoch 2/2"), ends.stream().map(Step::task).toList());
        Step lastOfEpoch = ends.get(2);
        assertEquals(2, lastOfEpoch.done());
        assertEquals(2, lastOfEpoch.total());
        assertEquals("batch", lastOfEpoch.unit());
        assertTrue(lastOfEpoch.status().startsWith("loss "), lastOfEpoch.status());
        assertEquals(1, heard.messages.size(), heard.messages.toString());
        assertTrue(heard.messages.get(0).contains("already finished its 2 epochs"), heard.messages.get(0));
    }

    @Test
    void embedReportsProgressToItsListener() {
        Roberta r = Roberta.load(TestData.model("tiny-roberta-mlm"));
        Recorder heard = new Recorder();
        float[][] v = r.embed(List.of("one", "two", "three"), null, EmbedOptions.DEFAULT, heard);
        assertEquals(3, v.length);
        Step last = heard.steps.get(heard.steps.size() - 1);
        assertEquals("embed", last.task());
        assertTrue(last.finished());
        assertEquals(3, last.done());
        assertEquals(3, last.total());
    }

    @Test
    void theBuilderTrainsAHeadAndTheModelClassifiesWithDefaults(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) sb.append("{\"text\": \"").append(i % 2 == 0 ? "great" : "awful").append("\", \"label\": \"").append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        Path train = Files.writeString(dir.resolve("train.jsonl"), sb.toString());
        Recorder heard = new Recorder();
        FineTuning.Outcome done = FineTuning.of(TestData.model("tiny-roberta-mlm")).task(Task.SEQ_CLS).train(train).eval(train)
                .output(dir.resolve("run")).trainOnly("head").lr(1e-2f).epochs(1).batchSize(4).listener(heard).run();
        assertFalse(done.alreadyFinished());
        assertEquals(2, done.steps(), "1 epoch of 2 batches");
        assertEquals(List.of(1), heard.epochs);
        assertTrue(done.metrics().containsKey("eval_accuracy"), done.metrics().toString());
        assertEquals(dir.resolve("run").toRealPath().resolve("model"), done.model());

        List<Roberta.Prediction> p = Roberta.load(done.model()).classify(List.of("great", "awful"));
        assertEquals(2, p.size());
        for (Roberta.Prediction one : p) assertTrue(one.label().equals("pos") || one.label().equals("neg"), one.label());

        var noOutput = assertThrows(IllegalArgumentException.class, () -> FineTuning.of(TestData.model("tiny-roberta-mlm")).train(train).run());
        assertTrue(noOutput.getMessage().contains("output"), noOutput.getMessage());
    }
}
