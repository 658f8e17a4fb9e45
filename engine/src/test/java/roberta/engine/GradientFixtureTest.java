package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.SafetensorsFile;

/** Loss and every parameter's gradient against PyTorch's (tolerance 1e-4 of the gradient's max). */
class GradientFixtureTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-cls", "tiny-roberta-ner"})
    void lossAndGradientsMatch(String name) {
        check(name, false);
    }

    /** The training path scores only the masked rows; loss and gradients must not change. */
    @org.junit.jupiter.api.Test
    void maskedLmOnLabelledRowsOnlyMatchesToo() {
        check("tiny-roberta-mlm", true);
    }

    /** Loss and every gradient through the CUDA backend on the emulated device. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-cls", "tiny-roberta-ner"})
    void lossAndGradientsMatchOnTheEmulatedCudaBackend(String name) {
        try (roberta.kernels.Backend be = roberta.kernels.Devices.open("cuda-emulated", null)) {
            check(name, false, be);
        }
    }

    void check(String name, boolean labelledRowsOnly) {
        check(name, labelledRowsOnly, CpuBackend.INSTANCE);
    }

    void check(String name, boolean labelledRowsOnly, roberta.kernels.Backend be) {
        RobertaModel model = RobertaModel.load(TestData.model(name), be, null, null, 0);
        Freezing.apply(model, Freezing.parse("none", null));
        try (SafetensorsFile exp = SafetensorsFile.open(TestData.model(name).resolve("expected.safetensors"))) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            PackedBatch batch = PackedBatch.of(ids, mask, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            Targets targets = TestData.labels(exp, model.head());
            Tape tape = new Tape();
            Graph g = new Graph(be, tape, false, 0);
            Var last = model.encode(g, batch, false, false).last();
            Var logits;
            if (labelledRowsOnly) {
                RobertaModel.MaskedLm mlm = model.maskedLm(g, batch, last, TestData.rows(exp, "labels"));
                logits = mlm.logits();
                targets = mlm.targets();
                assertTrue(logits.value().rows() < batch.tokens() / 2, "only labelled rows are scored");
            } else {
                logits = model.head(g, batch, last);
            }
            double loss = Objective.lossAndSeed(g, model, batch, logits, targets);
            tape.backward();
            assertEquals(exp.floats("loss")[0], loss, 1e-4 * Math.max(1, Math.abs(loss)), "loss");
            int checked = 0;
            for (String key : exp.tensors().keySet()) {
                if (!key.startsWith("grad.")) continue;
                String stored = key.substring(5);
                String param = stored.startsWith("roberta.") ? stored.substring(8) : stored;
                Param p = model.params().get(param);
                assertTrue(p != null, "no parameter " + param);
                float[] want = exp.floats(key);
                float[] got = p.grad == null ? new float[want.length] : be.toHost(p.grad);
                float max = 0;
                for (float w : want) max = Math.max(max, Math.abs(w));
                float tol = Math.max(1e-4f * max, 1e-7f);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, key + "[" + i + "] (max " + max + ")");
                checked++;
            }
            assertEquals(model.params().size(), checked, "every parameter has a reference gradient");
        }
    }
}
