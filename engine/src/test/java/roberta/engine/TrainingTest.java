package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;
import roberta.loader.RobertaParameters;
import roberta.engine.train.Problem;

/** The properties fine-tuning promises: freezing, feature caching, resume, determinism, data checks. */
class TrainingTest {
    static RobertaTokenizer tok;
    static Path tokDir;
    static final Map<Integer, String> LABELS = Map.of(0, "neg", 1, "pos");

    @BeforeAll
    static void setUp() {
        tokDir = TestData.model("tiny-roberta-mlm");
        tok = RobertaTokenizer.load(tokDir);
    }

    static RobertaModel model(float dropout) {
        ObjectNode json = (ObjectNode) RobertaConfig.of(tok.vocabSize(), 16, 3, 2, 24, 66).json();
        json.put("hidden_dropout_prob", dropout).put("attention_probs_dropout_prob", dropout);
        RobertaConfig c = RobertaConfig.fromJson(json, "test").withHead(HeadType.SEQUENCE_CLASSIFICATION.architecture, LABELS, "single_label_classification");
        return RobertaModel.random(c, HeadType.SEQUENCE_CLASSIFICATION, CpuBackend.INSTANCE, 3);
    }

    static Path data(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] good = {"great film", "loved it", "wonderful acting", "a joy"}, bad = {"awful film", "hated it", "terrible acting", "a bore"};
        for (int i = 0; i < 24; i++) {
            sb.append("{\"text\": \"").append(good[i % 4]).append(" number ").append(i).append("\", \"label\": \"pos\"}\n");
            sb.append("{\"text\": \"").append(bad[i % 4]).append(" number ").append(i).append("\", \"label\": \"neg\"}\n");
        }
        Path p = dir.resolve("train.jsonl");
        Files.writeString(p, sb.toString());
        return p;
    }

    static List<Example> examples(Path file) throws Exception {
        return TaskData.load(file, Task.SEQ_CLS, tok, LABELS, Problem.SINGLE_LABEL, 32);
    }

    static TrainOptions options(int epochs, String freeze, String trainOnly, boolean cache) {
        return new TrainOptions(Task.SEQ_CLS, epochs, 5e-3f, 8, 0.1f, 0.01f, 7, 32, 1f, false, 1, 1f, freeze, trainOnly, cache);
    }

    static Map<String, float[]> snapshot(RobertaModel m) {
        Map<String, float[]> out = new HashMap<>();
        for (Param p : m.params().values()) out.put(p.name, CpuBackend.INSTANCE.toHost(p.value));
        return out;
    }

    @Test
    void frozenTensorsStayBitIdenticalAndTrainableOnesChange(@TempDir Path dir) throws Exception {
        RobertaModel m = model(0.1f);
        Map<String, float[]> before = snapshot(m);
        Trainer t = new Trainer(m, tok, tokDir, options(1, "embeddings,layers:0-1", null, true), dir.resolve("out"));
        t.train(examples(data(dir)), List.of(), LABELS);
        int frozen = 0, trained = 0;
        for (Param p : m.params().values()) {
            float[] after = CpuBackend.INSTANCE.toHost(p.value);
            boolean shouldFreeze = p.name.startsWith("embeddings.") || RobertaParameters.layerOf(p.name) == 0 || RobertaParameters.layerOf(p.name) == 1;
            if (shouldFreeze) {
                assertArrayEquals(before.get(p.name), after, p.name + " is frozen");
                assertNull(p.m, p.name + " has no optimizer state");
                assertNull(p.grad, p.name + " has no gradient");
                frozen++;
            } else if (!p.name.startsWith("pooler.")) {
                assertFalse(java.util.Arrays.equals(before.get(p.name), after), p.name + " trains");
                trained++;
            }
        }
        assertTrue(frozen > 10 && trained > 10);
    }

    @Test
    void frozenBottomRecordsNothing() {
        RobertaModel m = model(0f);
        List<int[]> ids = List.of(tok.encode("hello there").ids());
        PackedBatch batch = PackedBatch.of(ids, null, 1, 66);
        int[] sizes = new int[3];
        String[][] masks = {{"none", null}, {"embeddings,layers:0-1", null}, {null, "head"}};
        for (int i = 0; i < 3; i++) {
            Freezing.apply(m, Freezing.parse(masks[i][0], masks[i][1]));
            Tape tape = new Tape();
            Graph g = new Graph(CpuBackend.INSTANCE, tape, true, 1);
            m.head(g, batch, m.encode(g, batch, false, false).last());
            sizes[i] = tape.size();
        }
        assertTrue(sizes[0] > sizes[1] && sizes[1] > sizes[2], java.util.Arrays.toString(sizes));
        assertEquals(3, sizes[2], "head only: dense, tanh and out_proj (dropout is 0 in this model)");
    }

    @Test
    void headOnlyTrainingOnCachedFeaturesEqualsRecomputingThem(@TempDir Path dir) throws Exception {
        List<Example> ex = examples(data(dir));
        RobertaModel cached = model(0f), recomputed = model(0f);
        new Trainer(cached, tok, tokDir, options(2, null, "head", true), dir.resolve("a")).train(ex, List.of(), LABELS);
        new Trainer(recomputed, tok, tokDir, options(2, null, "head", false), dir.resolve("b")).train(ex, List.of(), LABELS);
        Map<String, float[]> a = snapshot(cached), b = snapshot(recomputed);
        for (String name : a.keySet()) assertArrayEquals(b.get(name), a.get(name), 1e-5f, name);
        assertFalse(java.util.Arrays.equals(snapshot(model(0f)).get("classifier.out_proj.weight"), a.get("classifier.out_proj.weight")));
    }

    @Test
    void sameSeedSameRunAndResumeReachesTheSameResult(@TempDir Path dir) throws Exception {
        List<Example> ex = examples(data(dir));
        RobertaModel one = model(0.1f), two = model(0.1f);
        new Trainer(one, tok, tokDir, options(2, null, null, true), dir.resolve("one")).train(ex, ex, LABELS);
        new Trainer(two, tok, tokDir, options(2, null, null, true), dir.resolve("two")).train(ex, ex, LABELS);
        Map<String, float[]> a = snapshot(one), b = snapshot(two);
        for (String name : a.keySet()) assertArrayEquals(a.get(name), b.get(name), name + " differs between two runs with one seed");

        // a two-epoch run stopped after its first epoch, then resumed
        Path out = dir.resolve("broken");
        Trainer interrupted = new Trainer(model(0.1f), tok, tokDir, options(2, null, null, true), out);
        interrupted.stopAfterEpoch = 1;
        interrupted.train(ex, ex, LABELS);
        Path ckpt = Checkpoints.latest(out);
        assertEquals("epoch-1", ckpt.getFileName().toString());
        RobertaModel resumed = RobertaModel.load(ckpt, CpuBackend.INSTANCE, HeadType.SEQUENCE_CLASSIFICATION, LABELS, 0);
        Trainer t = new Trainer(resumed, tok, tokDir, options(2, null, null, true), out);
        t.resume(ckpt);
        t.train(ex, ex, LABELS);
        Map<String, float[]> c = snapshot(resumed);
        for (String name : a.keySet()) assertArrayEquals(a.get(name), c.get(name), name + " differs after resume");
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")) && Files.isRegularFile(out.resolve("model/tokenizer.json")));
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        List<Example> ex = examples(data(dir));
        Path out = dir.resolve("out");
        // one sane epoch, then a learning rate that blows the weights up
        Trainer first = new Trainer(model(0.1f), tok, tokDir, options(2, null, null, true), out);
        first.stopAfterEpoch = 1;
        first.train(ex, List.of(), LABELS);
        Path good = Checkpoints.latest(out);
        byte[] before = Files.readAllBytes(good.resolve("model.safetensors"));
        RobertaModel resumed = RobertaModel.load(good, CpuBackend.INSTANCE, HeadType.SEQUENCE_CLASSIFICATION, LABELS, 0);
        TrainOptions explosive = new TrainOptions(Task.SEQ_CLS, 2, 1e30f, 8, 0f, 0f, 7, 32, 1f, false, 1, 0f, null, null, true);
        Trainer t = new Trainer(resumed, tok, tokDir, explosive, out);
        t.resume(good);
        var e = assertThrows(IllegalStateException.class, () -> t.train(ex, List.of(), LABELS));
        assertTrue(e.getMessage().contains("loss became") && e.getMessage().contains("epoch-1"), e.getMessage());
        assertEquals(good, Checkpoints.latest(out));
        assertArrayEquals(before, Files.readAllBytes(good.resolve("model.safetensors")), "the last good checkpoint is untouched");
    }

    @Test
    void layerWiseDecayScalesEachLayersFirstAdamStep(@TempDir Path dir) throws Exception {
        // AdamW's first step moves every parameter with a gradient by its learning rate (g / (|g| + eps))
        RobertaModel m = model(0f);
        Map<String, float[]> before = snapshot(m);
        List<Example> ex = examples(data(dir)).subList(0, 8);
        TrainOptions o = new TrainOptions(Task.SEQ_CLS, 1, 1e-3f, 8, 0f, 0f, 7, 32, 0.5f, false, 1, 0f, null, null, true);
        new Trainer(m, tok, tokDir, o, dir.resolve("out")).train(ex, List.of(), LABELS);
        Map<String, float[]> after = snapshot(m);
        String[] names = {"classifier.dense.bias", "encoder.layer.2.output.LayerNorm.bias", "encoder.layer.1.output.LayerNorm.bias",
                "encoder.layer.0.output.LayerNorm.bias", "embeddings.LayerNorm.bias"};
        double[] expected = {1e-3, 1e-3, 0.5e-3, 0.25e-3, 0.125e-3};
        for (int i = 0; i < names.length; i++) {
            float[] a = before.get(names[i]), b = after.get(names[i]);
            double maxStep = 0;
            for (int j = 0; j < a.length; j++) maxStep = Math.max(maxStep, Math.abs(b[j] - a[j]));
            assertEquals(expected[i], maxStep, expected[i] * 0.02, names[i]); // eps in Adam's denominator trims tiny gradients' steps
        }
    }

    @Test
    void gradualUnfreezingOpensOneMoreLayerEachEpoch(@TempDir Path dir) throws Exception {
        RobertaModel m = model(0f);
        List<Example> ex = examples(data(dir)).subList(0, 16);
        TrainOptions o = new TrainOptions(Task.SEQ_CLS, 2, 1e-3f, 8, 0f, 0f, 7, 32, 1f, true, 1, 1f, null, null, false);
        Trainer t = new Trainer(m, tok, tokDir, o, dir.resolve("out"));
        Map<String, float[]> start = snapshot(m);
        t.stopAfterEpoch = 1;
        t.train(ex, List.of(), LABELS);
        Map<String, float[]> afterOne = snapshot(m);
        assertFalse(java.util.Arrays.equals(start.get("classifier.dense.weight"), afterOne.get("classifier.dense.weight")), "head trains in epoch 1");
        assertArrayEquals(start.get("encoder.layer.2.output.dense.weight"), afterOne.get("encoder.layer.2.output.dense.weight"), "top layer still frozen");
        Trainer t2 = new Trainer(m, tok, tokDir, o, dir.resolve("out"));
        t2.resume(Checkpoints.latest(dir.resolve("out")));
        t2.train(ex, List.of(), LABELS);
        Map<String, float[]> afterTwo = snapshot(m);
        assertFalse(java.util.Arrays.equals(afterOne.get("encoder.layer.2.output.dense.weight"), afterTwo.get("encoder.layer.2.output.dense.weight")), "top layer opens in epoch 2");
        assertArrayEquals(start.get("encoder.layer.1.output.dense.weight"), afterTwo.get("encoder.layer.1.output.dense.weight"), "layer 1 still frozen");
        assertArrayEquals(start.get("embeddings.word_embeddings.weight"), afterTwo.get("embeddings.word_embeddings.weight"), "embeddings still frozen");
    }

    @Test
    void badDataIsReportedWithItsLineBeforeTraining(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"x\", \"label\": \"meh\"}\n");
        var e1 = assertThrows(IllegalArgumentException.class, () -> examples(f));
        assertTrue(e1.getMessage().contains("bad.jsonl:2:") && e1.getMessage().contains("unknown label 'meh'"), e1.getMessage());
        Files.writeString(f, "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"  \", \"label\": \"pos\"}\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> examples(f)).getMessage().contains("bad.jsonl:2: empty text"));
        Files.writeString(f, "{\"text\": \"fine\", \"label\": \"pos\"}\nnot json\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> examples(f)).getMessage().contains("bad.jsonl:2: not valid JSON"));
        Files.writeString(f, "{\"words\": [\"John\", \"lives\"], \"labels\": [\"B-PER\"]}\n");
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> TaskData.load(f, Task.TOKEN_CLS, tok, Map.of(0, "O", 1, "B-PER"), Problem.SINGLE_LABEL, 32));
        assertTrue(e4.getMessage().contains("bad.jsonl:1: 1 labels for 2 words"), e4.getMessage());
    }

    @Test
    void tokenLabelsGoToTheFirstSubTokenOfEachWord(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ner.jsonl");
        Files.writeString(f, "{\"words\": [\"Johnathan\", \"lives\", \"in\", \"Kuala-Lumpur\"], \"labels\": [\"B-PER\", \"O\", \"O\", \"B-LOC\"]}\n");
        Map<Integer, String> labels = Map.of(0, "O", 1, "B-PER", 2, "B-LOC");
        Example e = TaskData.load(f, Task.TOKEN_CLS, tok, labels, Problem.SINGLE_LABEL, 64).get(0);
        var enc = tok.encode("Johnathan lives in Kuala-Lumpur");
        assertArrayEquals(enc.ids(), e.ids());
        int labelled = 0;
        for (int t = 0; t < e.ids().length; t++) {
            if (e.tokenLabels()[t] == Targets.IGNORE) continue;
            labelled++;
            int start = enc.offsetStarts()[t];
            assertTrue(start == 0 || start == 10 || start == 16 || start == 19, "label at a word start, got " + start);
        }
        assertEquals(4, labelled);
        assertEquals(1, e.tokenLabels()[1]);
    }
}
