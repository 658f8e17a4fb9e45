package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Example;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.RobertaParameters;

/** What a LoRA run promises: only the adapter and the head change, the adapter reloads exactly, a resume continues exactly. */
class LoraTrainingTest {
    static final CpuBackend BE = CpuBackend.INSTANCE;
    static final LoraConfig LORA = LoraConfig.parse("r=4,alpha=8,dropout=0.1,targets=all-linear");

    @BeforeAll
    static void setUp() {
        TrainingTest.setUp();
    }

    /**
     * A base model folder with a tokenizer: the tiny random classifier of TrainingTest, its matrices
     * made larger than the 0.02 init so that the <s> state depends on the text (as a pretrained one does).
     */
    static Path base(Path dir) {
        Path base = dir.resolve("base");
        RobertaModel m = TrainingTest.model(0.1f);
        java.util.Random rng = new java.util.Random(5);
        for (Param p : m.params().values()) {
            if (p.value.rank() != 2 || RobertaParameters.isHead(p.name)) continue;
            float[] v = BE.toHost(p.value);
            for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * 0.2);
            BE.copyFromHost(p.value, v);
        }
        ModelFolder.save(m, TrainingTest.tokDir, base);
        return base;
    }

    static TrainOptions options(int epochs) {
        return TrainingTest.options(epochs, null, null, true).withLr(1e-2f).withLora(LORA);
    }

    static RobertaModel withNewAdapter(Path base) {
        RobertaModel m = RobertaModel.load(base, BE, HeadType.SEQUENCE_CLASSIFICATION, TrainingTest.LABELS, 0);
        m.attach(LoraAdapter.random(LORA, m, 7));
        return m;
    }

    static Map<String, float[]> snapshot(Map<String, Param> params) {
        Map<String, float[]> out = new HashMap<>();
        for (Param p : params.values()) out.put(p.name, BE.toHost(p.value));
        return out;
    }

    @Test
    void onlyTheAdapterAndTheHeadTrainAndTheSavedAdapterGivesTheTrainedLogits(@TempDir Path dir) throws Exception {
        Path base = base(dir), out = dir.resolve("run");
        List<Example> ex = TrainingTest.examples(TrainingTest.data(dir));
        RobertaModel m = withNewAdapter(base);
        Map<String, float[]> before = snapshot(m.allParams());
        new Trainer(m, TrainingTest.tok, base, options(8), out).train(ex, ex, TrainingTest.LABELS);

        for (Param p : m.allParams().values()) {
            boolean trains = p.name.contains(".lora_") || RobertaParameters.isHead(p.name);
            if (trains) assertFalse(java.util.Arrays.equals(before.get(p.name), BE.toHost(p.value)), p.name + " did not change");
            else assertArrayEquals(before.get(p.name), BE.toHost(p.value), p.name + " changed, but the encoder is frozen");
        }
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(lines.get(0)).get("train_loss").asDouble(), last = json.readTree(lines.get(7)).get("train_loss").asDouble();
        assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
        long adapterAndHead = m.allParams().values().stream().filter(p -> p.name.contains(".lora_") || RobertaParameters.isHead(p.name))
                .mapToLong(p -> p.value.size()).sum();
        assertEquals(adapterAndHead, json.readTree(lines.get(7)).get("trainable_parameters").asLong());

        // the run's result is a peft folder, not a model folder
        Path adapter = out.resolve("adapter");
        assertTrue(Files.isRegularFile(adapter.resolve(AdapterFolder.CONFIG)) && Files.isRegularFile(adapter.resolve(AdapterFolder.WEIGHTS)));
        assertFalse(Files.exists(out.resolve("model")));
        var config = json.readTree(Files.readString(adapter.resolve(AdapterFolder.CONFIG)));
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals("SEQ_CLS", config.get("task_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals("[\"query\",\"key\",\"value\",\"dense\"]", config.get("target_modules").toString());
        assertEquals(base.toAbsolutePath().normalize().toString(), config.get("base_model_name_or_path").asText());
        try (var f = roberta.loader.SafetensorsFile.open(adapter.resolve(AdapterFolder.WEIGHTS))) {
            assertTrue(f.tensors().containsKey("base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight"));
            assertTrue(f.tensors().containsKey("base_model.model.classifier.out_proj.bias"));
            assertEquals(3 * 6 * 2 + 4, f.tensors().size(), "A and B of 18 linears, the head's 4 tensors, nothing of the frozen encoder");
        }

        // reloaded unmerged: the very same tensors; merged for inference: the trained model's logits
        RobertaModel again = AdapterFolder.load(base, adapter, BE, 0);
        for (Param p : m.allParams().values())
            if (p.name.contains(".lora_") || RobertaParameters.isHead(p.name))
                assertArrayEquals(BE.toHost(p.value), BE.toHost(again.allParams().get(p.name).value), p.name);
        List<int[]> ids = ex.stream().map(Example::ids).toList();
        float[][] trained = Roberta.of(m, TrainingTest.tok).logits(ids, 8), loaded = Roberta.load(base, adapter, BE).logits(ids, 8);
        for (int i = 0; i < ids.size(); i++) assertArrayEquals(trained[i], loaded[i], 1e-5f, "logits of input " + i);
        assertEquals(TrainingTest.LABELS, Roberta.load(base, adapter, BE).model().config().id2label());
        // the adapter folder alone names its base (base_model_name_or_path): Roberta.load(outcome.model()) works for LoRA runs too
        float[][] alone = Roberta.load(adapter, null, BE).logits(ids, 8);
        for (int i = 0; i < ids.size(); i++) assertArrayEquals(trained[i], alone[i], 1e-5f, "logits of input " + i);
    }

    @Test
    void aLoraRunResumesExactly(@TempDir Path dir) throws Exception {
        Path base = base(dir);
        List<Example> ex = TrainingTest.examples(TrainingTest.data(dir));
        RobertaModel whole = withNewAdapter(base);
        new Trainer(whole, TrainingTest.tok, base, options(2), dir.resolve("whole")).train(ex, ex, TrainingTest.LABELS);

        Path out = dir.resolve("broken");
        Trainer interrupted = new Trainer(withNewAdapter(base), TrainingTest.tok, base, options(2), out);
        interrupted.stopAfterEpoch = 1;
        interrupted.train(ex, ex, TrainingTest.LABELS);
        Path ckpt = Checkpoints.latest(out);
        assertTrue(Files.isRegularFile(ckpt.resolve(AdapterFolder.WEIGHTS)) && !Files.exists(ckpt.resolve("model.safetensors")),
                "a LoRA checkpoint holds the adapter, not the base model");
        RobertaModel resumed = RobertaModel.load(base, BE, HeadType.SEQUENCE_CLASSIFICATION, TrainingTest.LABELS, 99);
        AdapterFolder.attach(AdapterFolder.read(ckpt), resumed);
        Trainer t = new Trainer(resumed, TrainingTest.tok, base, options(2), out);
        t.resume(ckpt);
        t.train(ex, ex, TrainingTest.LABELS);
        Map<String, float[]> a = snapshot(whole.allParams()), c = snapshot(resumed.allParams());
        assertEquals(a.keySet(), c.keySet());
        for (String name : a.keySet()) assertArrayEquals(a.get(name), c.get(name), name + " differs after resume");
    }

    @Test
    void loraRefusesOptionsThatContradictIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingTest.options(1, "embeddings", null, true).withLora(LORA));
        assertTrue(e.getMessage().contains("leave out --freeze and --train-only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults(roberta.engine.train.Task.MLM).withLora(LORA));
        assertTrue(e.getMessage().contains("not mlm"), e.getMessage());
    }

    @Test
    void aPlainSaveOfAnAdaptedModelHoldsNoLoraTensors(@TempDir Path dir) {
        RobertaModel m = withNewAdapter(base(dir));
        ModelFolder.save(m, TrainingTest.tokDir, dir.resolve("plain"));
        try (var f = roberta.loader.SafetensorsFile.open(dir.resolve("plain/model.safetensors"))) {
            assertTrue(f.tensors().keySet().stream().noneMatch(n -> n.contains("lora")));
            assertEquals(m.params().size(), f.tensors().size());
        }
    }
}
