package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import roberta.engine.train.Example;
import roberta.engine.train.Problem;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.CpuBackend;
import roberta.loader.DType;
import roberta.loader.SafetensorsFile;

/**
 * models/roberta-mini-en, the model this engine pretrained and the repository ships: a Hugging
 * Face folder within the size budget, and what transformers computes from it
 * (testdata/roberta-mini-en-transformers.json, made by
 * scripts/fixtures/make_shipped_model_fixture.py) is what this engine computes.
 */
class ShippedModelTest {
    private static Path folder;
    private static Roberta roberta;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        folder = TestData.shippedModel();
        roberta = Roberta.load(folder, CpuBackend.INSTANCE);
        reference = new ObjectMapper().readTree(TestData.models().getParent().resolve("roberta-mini-en-transformers.json").toFile());
    }

    @Test
    void aHuggingFaceFolderOfF16WeightsWithinTwentyFiveMegabytes() throws Exception {
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "README.md"))
            assertTrue(Files.isRegularFile(folder.resolve(f)), f);
        long bytes = 0;
        try (var files = Files.list(folder)) {
            for (Path p : files.toList()) bytes += Files.size(p);
        }
        assertTrue(bytes <= 25L << 20, "the folder is " + bytes + " bytes");
        assertTrue(Files.readString(folder.resolve("config.json")).contains("RobertaForMaskedLM"));
        try (SafetensorsFile st = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            st.tensors().forEach((name, info) -> assertEquals(DType.F16, info.dtype(), name));
        }
    }

    @Test
    void fillMaskGivesWhatTransformersGives() {
        int cases = 0;
        for (JsonNode c : reference.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = new ObjectMapper().convertValue(c.get("ids"), int[].class);
            assertArrayEquals(ids, roberta.tokenizer().encode(text).ids(), "token ids of: " + text);
            List<List<Roberta.Candidate>> ours = roberta.fillMask(text, 200);
            JsonNode masks = c.get("masks");
            assertEquals(masks.size(), ours.size(), text);
            for (int m = 0; m < masks.size(); m++) {
                Map<Integer, Double> prob = new HashMap<>();
                for (Roberta.Candidate k : ours.get(m)) prob.put(k.tokenId(), k.score());
                JsonNode theirIds = masks.get(m).get("ids"), theirProbs = masks.get(m).get("probs");
                assertEquals(theirIds.get(0).asInt(), ours.get(m).get(0).tokenId(), "top prediction for: " + text);
                for (int r = 0; r < theirIds.size(); r++) {
                    Double p = prob.get(theirIds.get(r).asInt());
                    assertTrue(p != null, "transformers' rank " + r + " is in our top 200: " + text);
                    assertEquals(theirProbs.get(r).asDouble(), p, 1e-4, "probability of rank " + r + " for: " + text);
                }
            }
            cases++;
        }
        assertTrue(cases >= 5);
    }

    @Test
    void predictsHeldOutMaskedTokensFarAboveChance() throws Exception {
        // held-out text of the pretraining corpus' kind (testdata/roberta-mini-en-heldout.txt), never trained on
        Path held = TestData.models().getParent().resolve("roberta-mini-en-heldout.txt");
        List<Example> examples = TaskData.load(held, Task.MLM, roberta.tokenizer(), Map.of(), Problem.SINGLE_LABEL, 128);
        Map<String, Object> m = Evaluation.evaluate(roberta.model(), roberta.tokenizer(), Task.MLM, examples, Map.of(), 16, 42);
        double accuracy = (Double) m.get("eval_masked_accuracy");
        assertTrue(((Number) m.get("eval_masked_tokens")).longValue() > 500, "masked tokens scored: " + m);
        // the best guess that ignores context: the text's most frequent token, every time
        Map<Integer, Integer> counts = new HashMap<>();
        int tokens = 0;
        for (Example e : examples)
            for (int i = 1; i < e.ids().length - 1; i++) {
                counts.merge(e.ids()[i], 1, Integer::sum);
                tokens++;
            }
        double unigram = (double) java.util.Collections.max(counts.values()) / tokens;
        assertTrue(accuracy > 5 * unigram, "held-out masked-token accuracy " + accuracy + " against " + unigram + " for the most frequent token");
    }

    /**
     * The model reads word order, not only which words are around: the same held-out blocks
     * with each block's tokens shuffled (the same bag of words, the same positions masked) are
     * much harder for it. A model that only counted words would score the same on both; the
     * first stage of this model did (scripts/order-probe.py).
     */
    @Test
    void readsWordOrder() throws Exception {
        Path held = TestData.models().getParent().resolve("roberta-mini-en-heldout.txt");
        List<Example> examples = TaskData.load(held, Task.MLM, roberta.tokenizer(), Map.of(), Problem.SINGLE_LABEL, 128);
        java.util.Random rng = new java.util.Random(7);
        List<Example> shuffled = new java.util.ArrayList<>();
        for (Example e : examples) {
            int[] ids = e.ids().clone();
            for (int i = ids.length - 2; i > 1; i--) { // Fisher-Yates over the tokens between <s> and </s>
                int j = 1 + rng.nextInt(i);
                int t = ids[i];
                ids[i] = ids[j];
                ids[j] = t;
            }
            shuffled.add(new Example(e.line(), ids, e.label(), e.values(), e.tokenLabels()));
        }
        double inOrder = (Double) Evaluation.evaluate(roberta.model(), roberta.tokenizer(), Task.MLM, examples, Map.of(), 16, 42).get("eval_masked_accuracy");
        double outOfOrder = (Double) Evaluation.evaluate(roberta.model(), roberta.tokenizer(), Task.MLM, shuffled, Map.of(), 16, 42).get("eval_masked_accuracy");
        assertTrue(inOrder > 1.5 * outOfOrder, "masked-token accuracy " + inOrder + " in order against " + outOfOrder + " shuffled");
    }
}
