package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.CpuBackend;
import roberta.kernels.LeakCheckingBackend;
import roberta.kernels.Tensor;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;
import roberta.engine.train.Problem;

/**
 * Every tensor has an owner that releases it: after inference, evaluation and gradient
 * computation, what is live is the weights (and, where training state is kept, gradients).
 * On the CPU a leak is garbage; on a GPU it is device memory gone for the process.
 */
class LeakTest {
    private static final List<String> TEXTS = List.of("call me ishmael", "some years ago, never mind how long precisely",
            "the whale", "a <mask> of the sea");

    private static Set<Object> snapshot(LeakCheckingBackend c) {
        Set<Object> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(c.live());
        return s;
    }

    @Test
    void inferenceLeavesOnlyTheWeights() {
        LeakCheckingBackend c = new LeakCheckingBackend(CpuBackend.INSTANCE);
        Roberta r = Roberta.load(TestData.model("tiny-roberta-mlm"), c.backend());
        Set<Object> weights = snapshot(c);
        assertTrue(weights.size() > 10, "the weights are live: " + weights.size());
        for (Pooling pooling : Pooling.values())
            r.embed(TEXTS, new EmbedOptions(pooling, "mean-last:2", true, 3, 0, 0, false));
        r.embed(List.of("a long text ".repeat(30)), new EmbedOptions(Pooling.MEAN, "last", false, 2, 16, 4, false));
        r.fillMask("The capital of France is <mask>.", 3);
        r.states(List.of(r.tokenizer().encode("hello there", null, roberta.tokenizer.EncodeOptions.DEFAULT).ids()), 4,
                LayerSelection.parse("all", r.model().config().numHiddenLayers()), (i, states, len) -> { }, n -> { });
        assertEquals("", c.leaksBeyond(weights));
    }

    static final Map<Integer, String> LABELS = Map.of(0, "neg", 1, "pos");

    /** A small random sequence classifier on the given backend (dropout on, as in training). */
    static RobertaModel classifier(RobertaTokenizer tok, roberta.kernels.Backend be) {
        RobertaConfig c = RobertaConfig.of(tok.vocabSize(), 16, 2, 2, 24, 66)
                .withHead(HeadType.SEQUENCE_CLASSIFICATION.architecture, LABELS, "single_label_classification");
        return RobertaModel.random(c, HeadType.SEQUENCE_CLASSIFICATION, be, 3);
    }

    static List<Example> examples(RobertaTokenizer tok, Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) sb.append("{\"text\": \"text number ").append(i).append("\", \"label\": \"").append(i % 2 == 0 ? "pos" : "neg").append("\"}\n");
        Path file = Files.writeString(dir.resolve("data.jsonl"), sb.toString());
        return TaskData.load(file, Task.SEQ_CLS, tok, LABELS, Problem.SINGLE_LABEL, 32);
    }

    @Test
    void evaluationAndGradientsLeaveOnlyWeightsAndGradients(@TempDir Path dir) throws Exception {
        LeakCheckingBackend c = new LeakCheckingBackend(CpuBackend.INSTANCE);
        RobertaTokenizer tok = RobertaTokenizer.load(TestData.model("tiny-roberta-mlm"));
        RobertaModel m = classifier(tok, c.backend());
        Set<Object> weights = snapshot(c);
        List<Example> examples = examples(tok, dir);
        Evaluation.evaluate(m, tok, Task.SEQ_CLS, examples, LABELS, 4, 0);
        assertEquals("", c.leaksBeyond(weights), "evaluation");
        Gradients.compute(m, tok, Task.SEQ_CLS, examples, "embeddings", null);
        Set<Object> expected = snapshot(c);
        expected.retainAll(weights);
        for (Param p : m.params().values()) if (p.grad != null) expected.add(p.grad);
        assertEquals("", c.leaksBeyond(expected), "gradients");
        Gradients.compute(m, tok, Task.SEQ_CLS, examples, "all", null); // everything frozen: gradients handed back
        assertEquals("", c.leaksBeyond(weights), "freezing releases gradients");
    }

    /** What a model may hold between steps: weights, and for trainable parameters a gradient and two moments. */
    private static Set<Tensor> trainingState(RobertaModel m) {
        Set<Tensor> s = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Param p : m.params().values()) {
            s.add(p.value);
            if (p.grad != null) s.add(p.grad);
            if (p.m != null) s.add(p.m);
            if (p.v != null) s.add(p.v);
        }
        return s;
    }

    @Test
    void trainingStepsLeaveOnlyWeightsGradientsAndMoments(@TempDir Path dir) throws Exception {
        RobertaTokenizer tok = RobertaTokenizer.load(TestData.model("tiny-roberta-mlm"));
        List<Example> examples = examples(tok, dir);
        String[][] masks = {{"none", null}, {"embeddings,layers:0-0", null}, {null, "head"}};
        for (String[] mask : masks) {
            LeakCheckingBackend c = new LeakCheckingBackend(CpuBackend.INSTANCE);
            RobertaModel m = classifier(tok, c.backend());
            Trainer t = new Trainer(m, tok, null, new TrainOptions(Task.SEQ_CLS, 1, 1e-3f, 4, 0, 0.01f, 1, 32, 1f, false, 1, 1f,
                    mask[0], mask[1], false), dir.resolve("unused"));
            for (int i = 0; i < 3; i++) t.step(examples.subList(i * 3, i * 3 + 4));
            assertEquals("", c.leaksBeyond(trainingState(m)), "steps with --freeze " + mask[0] + " --train-only " + mask[1]);
        }
    }

    @Test
    void wholeRunsWithTheFeatureCacheAndGradualUnfreezingLeakNothing(@TempDir Path dir) throws Exception {
        RobertaTokenizer tok = RobertaTokenizer.load(TestData.model("tiny-roberta-mlm"));
        List<Example> examples = examples(tok, dir);
        for (boolean gradual : new boolean[] {false, true}) {
            LeakCheckingBackend c = new LeakCheckingBackend(CpuBackend.INSTANCE);
            RobertaModel m = classifier(tok, c.backend());
            TrainOptions o = new TrainOptions(Task.SEQ_CLS, 3, 1e-3f, 4, 0, 0.01f, 1, 32, 1f, gradual, 1, 1f,
                    null, gradual ? null : "head", true);
            new Trainer(m, tok, TestData.model("tiny-roberta-mlm"), o, dir.resolve(gradual ? "gradual" : "cached")).train(examples, examples, LABELS);
            assertEquals("", c.leaksBeyond(trainingState(m)), gradual ? "gradual unfreezing" : "head on cached features");
        }
    }
}
