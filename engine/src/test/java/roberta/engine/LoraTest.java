package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.SafetensorsFile;
import roberta.engine.train.Problem;

/**
 * LoRA against peft: adapters peft wrote (testdata/lora, made by scripts/fixtures/make_lora_fixture.py
 * with A, B and the head set to random non-zero values) give peft's logits, loss and gradients of
 * every lora_A, lora_B and head tensor; merged into the weights they give the same logits; and the
 * gradients of A and B against finite differences, dropout on and off, rsLoRA, all-linear.
 */
class LoraTest {
    static Path lora(String name) {
        return TestData.models().getParent().resolve("lora").resolve(name);
    }

    static String baseOf(String variant) {
        return variant.startsWith("ner") ? "tiny-roberta-ner" : "tiny-roberta-cls";
    }

    @ParameterizedTest
    @ValueSource(strings = {"cls-query-value", "cls-all-linear-rslora", "ner-key-dense"})
    void peftAdaptersGivePeftsLogitsLossAndGradients(String variant) {
        check(variant, CpuBackend.INSTANCE);
    }

    /** The same through the CUDA backend's code path on the emulated device (the branch uses only existing Backend ops). */
    @ParameterizedTest
    @ValueSource(strings = {"cls-query-value", "ner-key-dense"})
    void peftAdaptersMatchOnTheEmulatedCudaBackend(String variant) {
        try (roberta.kernels.Backend be = roberta.kernels.Devices.open("cuda-emulated", null)) {
            check(variant, be);
        }
    }

    static void check(String variant, roberta.kernels.Backend be) {
        RobertaModel model = AdapterFolder.load(TestData.model(baseOf(variant)), lora(variant), be, 0);
        Freezing.apply(model, Freezing.parse(null, "head")); // as a LoRA run trains: adapter and head
        try (SafetensorsFile exp = SafetensorsFile.open(lora(variant).resolve("expected.safetensors"))) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            PackedBatch batch = PackedBatch.of(ids, mask, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            Targets targets = TestData.labels(exp, model.head());
            Tape tape = new Tape();
            double loss;
            float[] logits;
            try (Graph g = new Graph(be, tape, false, 0)) {
                Var out = model.head(g, batch, model.encode(g, batch, false, false).last());
                logits = be.toHost(out.value());
                loss = Objective.lossAndSeed(g, model, batch, out, targets);
                tape.backward();
            }
            assertLogits(exp, batch, logits, model.head(), "unmerged");
            assertEquals(exp.floats("loss")[0], loss, 1e-4 * Math.max(1, Math.abs(loss)), "loss");
            int checked = 0, lora = 0;
            for (String key : exp.tensors().keySet()) {
                if (!key.startsWith("grad.")) continue;
                String name = key.substring(5);
                Param p = model.allParams().get(name);
                assertTrue(p != null && p.trainable, "no trainable parameter " + name);
                float[] want = exp.floats(key), got = p.grad == null ? new float[want.length] : be.toHost(p.grad);
                float max = 0;
                for (float w : want) max = Math.max(max, Math.abs(w));
                assertTrue(max > 0, key + " is all zeros in the fixture: it would test nothing");
                float tol = Math.max(1e-4f * max, 1e-6f);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, key + "[" + i + "] (max " + max + ")");
                checked++;
                if (name.contains(".lora_")) lora++;
            }
            long trainable = model.allParams().values().stream().filter(p -> p.trainable).count();
            assertEquals(trainable, checked, "every trainable tensor has a reference gradient");
            assertEquals(model.adapter().params().size(), lora);

            // merged into the weights (what inference loads) the same logits come out
            Roberta merged = Roberta.load(TestData.model(baseOf(variant)), lora(variant), be);
            float[] mergedLogits;
            try (Graph g = Graph.inference(be)) {
                mergedLogits = be.toHost(merged.model().head(g, batch, merged.model().encode(g, batch, false, false).last()).value());
            }
            assertTrue(merged.model().adapter() == null, "merged: no branch left");
            assertLogits(exp, batch, mergedLogits, merged.model().head(), "merged");
        }
    }

    /** Logits against peft's, at real tokens only (token classification), within 1e-4. */
    static void assertLogits(SafetensorsFile exp, PackedBatch batch, float[] got, HeadType head, String what) {
        float[] want = exp.floats("logits");
        long[] shape = exp.info("logits").shape();
        if (head == HeadType.SEQUENCE_CLASSIFICATION) {
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-4, what + " logits[" + i + "]");
            return;
        }
        int t = (int) shape[1], c = (int) shape[2];
        float[] unpacked = batch.unpack(got, c, t);
        List<int[]> mask = TestData.rows(exp, "attention_mask");
        for (int b = 0; b < shape[0]; b++)
            for (int j = 0; j < t; j++)
                if (mask.get(b)[j] == 1)
                    for (int k = 0; k < c; k++) {
                        int i = (b * t + j) * c + k;
                        assertEquals(want[i], unpacked[i], 1e-4, what + " logits[" + b + "," + j + "," + k + "]");
                    }
    }

    @Test
    void thePeftFixturesAdaptSomething() {
        // the adapter must move the logits, or matching peft's would prove nothing
        RobertaModel plain = RobertaModel.load(TestData.model("tiny-roberta-cls"), CpuBackend.INSTANCE, null, null, 0);
        RobertaModel adapted = AdapterFolder.load(TestData.model("tiny-roberta-cls"), lora("cls-query-value"), CpuBackend.INSTANCE, 0);
        try (SafetensorsFile exp = SafetensorsFile.open(lora("cls-query-value").resolve("expected.safetensors"))) {
            PackedBatch batch = PackedBatch.of(TestData.rows(exp, "input_ids"), TestData.rows(exp, "attention_mask"), 1, 66);
            float[] a, b;
            try (Graph g = Graph.inference(CpuBackend.INSTANCE)) {
                a = CpuBackend.INSTANCE.toHost(plain.head(g, batch, plain.encode(g, batch, false, false).last()).value());
                b = CpuBackend.INSTANCE.toHost(adapted.head(g, batch, adapted.encode(g, batch, false, false).last()).value());
            }
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
            assertTrue(diff > 1e-2, "the adapter changes the logits by " + diff);
        }
    }

    // ------------------------------------------------------------------ finite differences

    @ParameterizedTest
    @ValueSource(strings = {"r=3,alpha=5,dropout=0.1,targets=query,value", "r=2,alpha=4,dropout=0,targets=query,value",
            "r=3,alpha=2,dropout=0.2,targets=all-linear,rslora", "r=1,alpha=1,dropout=0,targets=attention.output.dense,intermediate.dense"})
    void gradientsOfAAndBMatchFiniteDifferences(String spec) {
        for (HeadType head : new HeadType[] {HeadType.SEQUENCE_CLASSIFICATION, HeadType.TOKEN_CLASSIFICATION}) {
            RobertaModel m = FiniteDifferenceTest.tinyModel(head, Problem.SINGLE_LABEL, 0.1f, 5);
            LoraAdapter adapter = LoraAdapter.random(LoraConfig.parse(spec), m, 3);
            m.attach(adapter);
            Random rng = new Random(17);
            for (Param p : adapter.params().values()) { // B non-zero, so A's gradient is too
                float[] v = CpuBackend.INSTANCE.toHost(p.value);
                for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * 0.3);
                CpuBackend.INSTANCE.copyFromHost(p.value, v);
            }
            Freezing.apply(m, Freezing.parse(null, "head"));
            List<int[]> ids = new ArrayList<>(), tokenLabels = new ArrayList<>();
            for (int len : new int[] {7, 3, 11}) {
                int[] s = new int[len], l = new int[len];
                for (int i = 0; i < len; i++) {
                    s[i] = 2 + rng.nextInt(39);
                    l[i] = rng.nextInt(4) == 0 ? Targets.IGNORE : rng.nextInt(3);
                }
                ids.add(s);
                tokenLabels.add(l);
            }
            Targets targets = head == HeadType.TOKEN_CLASSIFICATION ? Targets.perToken(tokenLabels) : Targets.classes(new int[] {2, 0, 1});
            PackedBatch batch = PackedBatch.of(ids, null, 1, 24);
            Tape tape = new Tape();
            Graph g = new Graph(CpuBackend.INSTANCE, tape, true, 99);
            Var logits = m.head(g, batch, m.encode(g, batch, false, false).last());
            Objective.lossAndSeed(g, m, batch, logits, targets);
            tape.backward();
            int checked = 0;
            for (Param p : adapter.params().values()) {
                float[] grad = p.grad == null ? new float[p.value.size()] : CpuBackend.INSTANCE.toHost(p.grad);
                float[] w = CpuBackend.INSTANCE.toHost(p.value);
                int big = 0;
                for (int i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[big])) big = i;
                assertTrue(Math.abs(grad[big]) > 0, spec + " " + p.name + ": no gradient at all");
                for (int idx : new int[] {big, rng.nextInt(grad.length)}) {
                    double eps = 1e-2 * Math.max(1, Math.abs(w[idx]));
                    double plus = lossWith(m, p, w, idx, w[idx] + eps, batch, targets);
                    double minus = lossWith(m, p, w, idx, w[idx] - eps, batch, targets);
                    double fd = (plus - minus) / (2 * eps);
                    double err = Math.abs(fd - grad[idx]);
                    assertTrue(err <= 2e-3 + 2e-2 * Math.max(Math.abs(fd), 0.05 * Math.abs(grad[big])),
                            spec + " " + head + " " + p.name + "[" + idx + "]: analytic " + grad[idx] + " vs finite difference " + fd);
                    checked++;
                }
            }
            assertTrue(checked >= 8, "checked " + checked);
            // the frozen encoder got no gradient at all
            for (Param p : m.params().values()) if (!p.name.startsWith("classifier.")) assertTrue(p.grad == null, p.name + " has a gradient");
        }
    }

    private static double lossWith(RobertaModel m, Param p, float[] w, int idx, double value, PackedBatch batch, Targets targets) {
        float[] changed = w.clone();
        changed[idx] = (float) value;
        CpuBackend.INSTANCE.copyFromHost(p.value, changed);
        Graph g = new Graph(CpuBackend.INSTANCE, null, true, 99);
        Var logits = m.head(g, batch, m.encode(g, batch, false, false).last());
        double loss = Objective.lossAndSeed(g, m, batch, logits, targets);
        CpuBackend.INSTANCE.copyFromHost(p.value, w);
        return loss;
    }

    // ------------------------------------------------------------------ the spec and the errors

    @Test
    void theSpecParsesAsDocumented() {
        LoraConfig d = LoraConfig.parse("");
        assertEquals(8, d.r());
        assertEquals(16f, d.alpha());
        assertEquals(0.1f, d.dropout());
        assertEquals(List.of("query", "value"), d.targets());
        assertEquals(2f, d.scale());
        LoraConfig c = LoraConfig.parse("r=4,alpha=8,dropout=0,targets=query,key,attention.output.dense,rslora");
        assertEquals(List.of("query", "key", "attention.output.dense"), c.targets());
        assertEquals(4f, c.scale(), 1e-6); // 8 / √4
        assertEquals(List.of("query", "key", "value", "dense"), LoraConfig.parse("targets=all-linear").targets());
        assertEquals(c, LoraConfig.parse(c.spec()));
        assertTrue(c.targets("encoder.layer.2.attention.output.dense"));
        assertTrue(!c.targets("encoder.layer.2.output.dense"));
        assertTrue(LoraConfig.parse("targets=dense").targets("encoder.layer.0.intermediate.dense"));
        var bad = assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=8,targets=classifier"));
        assertTrue(bad.getMessage().contains("'classifier' names no linear"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("rank=8"));
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=0"));
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("dropout=1"));
    }

    /** A copy of a peft fixture with adapter_config.json edited, for the error cases. */
    static Path edited(Path dir, String variant, String from, String to) throws Exception {
        Path copy = dir.resolve("adapter");
        Files.createDirectories(copy);
        for (String f : new String[] {AdapterFolder.CONFIG, AdapterFolder.WEIGHTS}) Files.copy(lora(variant).resolve(f), copy.resolve(f));
        String json = Files.readString(copy.resolve(AdapterFolder.CONFIG));
        assertTrue(json.contains(from), from);
        Files.writeString(copy.resolve(AdapterFolder.CONFIG), json.replace(from, to));
        return copy;
    }

    @ParameterizedTest
    @ValueSource(strings = {"peft|\"peft_type\": \"LORA\"|\"peft_type\": \"IA3\"|only LORA adapters are supported",
            "fan|\"fan_in_fan_out\": false|\"fan_in_fan_out\": true|fan_in_fan_out is true",
            "bias|\"bias\": \"none\"|\"bias\": \"all\"|only \"none\" is supported",
            "r|\"r\": 4|\"r\": 8|has shape [4, 48], but r=8 and encoder.layer.0.attention.self.query.weight [48, 48] need [8, 48]",
            "targets|\"value\",\n    \"query\"|\"nothing\"|target_modules [\"nothing\"] names no linear"})
    void badAdaptersAreRefusedInOneLine(String c, @TempDir Path dir) throws Exception {
        String[] p = c.split("\\|");
        Path adapter = edited(dir, "cls-query-value", p[1], p[2]);
        var e = assertThrows(IllegalArgumentException.class, () -> AdapterFolder.load(TestData.model("tiny-roberta-cls"), adapter, CpuBackend.INSTANCE, 0));
        assertTrue(e.getMessage().contains(p[3]), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void anAdapterForAnotherShapeIsRefused() {
        // the cls adapter ([.., 48]) on the ner base works (both H=48), on the MLM base (H=16) it must not
        var e = assertThrows(IllegalArgumentException.class, () -> AdapterFolder.load(TestData.model("tiny-roberta-mlm"), lora("cls-query-value"),
                CpuBackend.INSTANCE, 0));
        assertTrue(e.getMessage().contains("lora_A.weight has shape [4, 48], but r=4 and encoder.layer.0.attention.self.query.weight [16, 16] need [4, 16]"),
                e.getMessage());
    }
}
