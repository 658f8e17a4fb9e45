package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.compare.Comparison;
import roberta.engine.compare.Overrides;
import roberta.engine.compare.Strategy;
import roberta.engine.train.Task;
import roberta.kernels.Devices;
import roberta.loader.SafetensorsFile;

/**
 * compare on a tiny pretrained model: every strategy learns (its training loss falls), what a
 * strategy freezes stays bit-identical, results, report and chart are written, and a second run
 * resumes instead of repeating the work.
 */
class ComparisonTest {
    @TempDir static Path dir;
    static Path train, eval;
    static Comparison.Run run;
    static List<Map<String, Object>> results;
    static FineTuningTest.Recorder heard = new FineTuningTest.Recorder();

    static Path data(String name, int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++)
            sb.append("{\"text\": \"").append(i % 2 == 0 ? "a great and lovely film " : "an awful and boring film ").append(i)
                    .append("\", \"label\": \"").append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    static Comparison.Run run(String strategies, String epochs, boolean overwrite) {
        return new Comparison.Run(TestData.model("tiny-roberta-mlm"), Task.SEQ_CLS, train, eval, null, Strategy.parseList(strategies),
                Overrides.parse(epochs, "--epochs", Integer::valueOf), Overrides.parse("frozen=1e-2,partial=3e-3,lora=1e-2,full=3e-3", "--lr", Float::valueOf),
                4, 16, 7, "r=4,alpha=8,dropout=0,targets=query,value", 1f, dir.resolve("cmp"), overwrite);
    }

    @BeforeAll
    static void compareOnce() throws Exception {
        train = data("train.jsonl", 24);
        eval = data("eval.jsonl", 8);
        run = run("frozen-cls,frozen-mean,frozen-mix,top-1,lora,full", "frozen=8,partial=3,lora=3,full=3", false);
        results = Comparison.run(run, Devices.open("cpu", 2, null), heard);
    }

    @Test
    void everyStrategyLearnsAndIsScored() {
        assertEquals(List.of("frozen-cls", "frozen-mean", "frozen-mix", "top-1", "lora", "full"), results.stream().map(r -> r.get("strategy")).toList());
        for (Map<String, Object> r : results) {
            @SuppressWarnings("unchecked") List<Number> losses = (List<Number>) r.get("train_losses");
            assertTrue(losses.size() >= 3, r.toString());
            assertTrue(losses.get(losses.size() - 1).doubleValue() < losses.get(0).doubleValue(), r.get("strategy") + " loss did not fall: " + losses);
            double acc = ((Number) r.get("eval_accuracy")).doubleValue();
            assertTrue(acc >= 0 && acc <= 1, r.toString());
            assertTrue(((Number) r.get("trainable_parameters")).longValue() > 0 && ((Number) r.get("inference_ms_per_example")).doubleValue() > 0);
        }
        long frozen = ((Number) results.get(0).get("trainable_parameters")).longValue();
        long top = ((Number) results.get(3).get("trainable_parameters")).longValue();
        long lora = ((Number) results.get(4).get("trainable_parameters")).longValue();
        long full = ((Number) results.get(5).get("trainable_parameters")).longValue();
        assertTrue(frozen < top && top < full, frozen + " " + top + " " + full);
        // r=4 on query and value of 2 layers (A [4, 16] and B [16, 4] each) and the head
        assertEquals(frozen + 2 * 2 * (4 * 16 + 16 * 4), lora);
        // the frozen heads: RobertaClassificationHead H=16 -> 2: 16*16 + 16 + 2*16 + 2; the mix adds layers + 1 scalars and gamma
        assertEquals(16 * 16 + 16 + 2 * 16 + 2, frozen);
        assertEquals(frozen + 3 + 1, ((Number) results.get(2).get("trainable_parameters")).longValue());
    }

    @Test
    void topLayersTrainingLeavesTheRestBitIdentical() {
        Path base = TestData.model("tiny-roberta-mlm").resolve("model.safetensors");
        Path tuned = dir.resolve("cmp/top-1/run/model/model.safetensors");
        try (SafetensorsFile a = SafetensorsFile.open(base); SafetensorsFile b = SafetensorsFile.open(tuned)) {
            int same = 0, changed = 0;
            for (String name : a.tensors().keySet()) {
                String ours = name.startsWith("roberta.") ? name : "roberta." + name;
                if (!b.tensors().containsKey(ours) || name.startsWith("lm_head")) continue;
                boolean frozen = ours.contains("embeddings.") || ours.contains("encoder.layer.0.");
                if (frozen) {
                    assertArrayEquals(a.floats(name), b.floats(ours), name + " is frozen by top-1");
                    same++;
                } else if (ours.contains("encoder.layer.1.") && ours.endsWith(".weight")) {
                    assertFalse(java.util.Arrays.equals(a.floats(name), b.floats(ours)), name + " trains in top-1");
                    changed++;
                }
            }
            assertTrue(same > 5 && changed > 3, same + " frozen, " + changed + " trained");
        }
    }

    @Test
    void theLoraStrategyStoresOnlyItsAdapterAndHead() throws Exception {
        Path adapter = dir.resolve("cmp").resolve((String) results.get(4).get("artifact"));
        assertTrue(AdapterFolder.existsIn(adapter), adapter.toString());
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve(AdapterFolder.WEIGHTS))) {
            for (String name : f.tensors().keySet())
                assertTrue(name.contains(".lora_A.") || name.contains(".lora_B.") || name.contains(".classifier."), name + " is neither adapter nor head");
            assertEquals(2 * 2 * 2 + 4, f.tensors().size(), f.tensors().keySet().toString());
        }
    }

    @Test
    void resultsReportAndChartAreWritten() throws Exception {
        Path out = dir.resolve("cmp");
        List<String> lines = Files.readAllLines(out.resolve("results.jsonl"));
        assertEquals(6, lines.size());
        String md = Files.readString(out.resolve("report.md"));
        for (Map<String, Object> r : results) assertTrue(md.contains("| " + r.get("strategy") + " |"), md);
        var svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("report.svg").toFile());
        assertEquals(6, svg.getElementsByTagName("circle").getLength(), "one point per strategy");
        assertTrue(Files.isRegularFile(out.resolve("frozen-mix/head.safetensors")));
        try (SafetensorsFile head = SafetensorsFile.open(out.resolve("frozen-mix/head.safetensors"))) {
            assertArrayEquals(new long[] {3}, head.info("scalar_mix.scalar_parameters").shape());
            assertArrayEquals(new long[] {2, 16}, head.info("classifier.out_proj.weight").shape());
        }
    }

    @Test
    void aSecondRunSkipsWhatIsDoneAndRefusesOtherSettings() throws Exception {
        FineTuningTest.Recorder again = new FineTuningTest.Recorder();
        List<Map<String, Object>> second = Comparison.run(run, Devices.open("cpu", 2, null), again);
        assertEquals(results.stream().map(r -> r.get("eval_accuracy")).toList(), second.stream().map(r -> r.get("eval_accuracy")).toList());
        assertEquals(6, again.messages.stream().filter(m -> m.contains("already done")).count(), again.messages.toString());
        assertTrue(again.steps.isEmpty(), "nothing was computed again: " + again.steps.size() + " progress reports");

        var refused = assertThrows(IllegalArgumentException.class,
                () -> Comparison.run(run("frozen-cls", "frozen=3", false), Devices.open("cpu", 2, null), null));
        assertTrue(refused.getMessage().contains("frozen-cls") && refused.getMessage().contains("epochs 8 then, 3 now") && refused.getMessage().contains("--overwrite"),
                refused.getMessage());
    }

    @Test
    void aFolderOfTheUsersOwnOrBadDataIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path mine = Files.createDirectories(dir.resolve("my-documents"));
        Files.writeString(mine.resolve("thesis.txt"), "keep me");
        Comparison.Run intoMine = new Comparison.Run(run.model(), Task.SEQ_CLS, train, eval, null, Strategy.parseList("frozen-cls"),
                Overrides.none(), Overrides.none(), 4, 16, 7, "", 1f, mine, false);
        var refused = assertThrows(IllegalArgumentException.class, () -> Comparison.run(intoMine, Devices.open("cpu", 2, null), null));
        assertTrue(refused.getMessage().contains("thesis.txt"), refused.getMessage());
        try (var list = Files.list(mine)) {
            assertEquals(List.of("thesis.txt"), list.map(p -> p.getFileName().toString()).toList());
        }

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"txt\": \"oops\"}\n");
        Path fresh = dir.resolve("fresh");
        Comparison.Run badData = new Comparison.Run(run.model(), Task.SEQ_CLS, bad, eval, null, Strategy.parseList("frozen-cls"),
                Overrides.none(), Overrides.none(), 4, 16, 7, "", 1f, fresh, false);
        var badLine = assertThrows(IllegalArgumentException.class, () -> Comparison.run(badData, Devices.open("cpu", 2, null), null));
        assertTrue(badLine.getMessage().contains("bad.jsonl:2"), badLine.getMessage());
        assertFalse(Files.exists(fresh), "nothing written for bad data");
    }

    @Test
    void badSpecificationsAreOneLineErrors() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> Strategy.parseList("frozen-cls,frozen-max"));
        assertTrue(unknown.getMessage().contains("frozen-max"), unknown.getMessage());
        var badLr = assertThrows(IllegalArgumentException.class, () -> Overrides.parse("frozen=fast", "--lr", Float::valueOf));
        assertTrue(badLr.getMessage().contains("--lr"), badLr.getMessage());
        var badKey = assertThrows(IllegalArgumentException.class, () -> Overrides.parse("frozn=1e-3", "--lr", Float::valueOf));
        assertTrue(badKey.getMessage().contains("frozn"), badKey.getMessage());
        var tokenMean = assertThrows(IllegalArgumentException.class, () -> new Comparison.Run(run.model(), Task.TOKEN_CLS, train, eval, null,
                Strategy.parseList("frozen-mean"), Overrides.none(), Overrides.none(), 4, 16, 7, "", 1f, dir.resolve("x"), false));
        assertTrue(tokenMean.getMessage().contains("frozen-mean"), tokenMean.getMessage());
    }
}
