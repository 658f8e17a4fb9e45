package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.CpuBackend;
import roberta.loader.HeadType;
import roberta.loader.SafetensorsFile;

/** Hidden states, attentions and logits against the Hugging Face reference outputs, at unpadded positions. */
class FixtureForwardTest {
    static final float TOL = 1e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-mlm-f16", "tiny-roberta-mlm-bf16", "tiny-roberta-cls", "tiny-roberta-ner", "tiny-roberta-base",
            // as transformers 5 saves them: 2 labels left out of config.json, an untied decoder's own bias
            "transformers5-binary-cls", "transformers5-token-cls-2", "transformers5-mlm-untied"})
    void matchesReference(String name) {
        check(name, CpuBackend.INSTANCE);
    }

    /** The whole forward pass through the CUDA backend, on the emulated device (the .cu kernels run on the host). */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-mlm-f16", "tiny-roberta-mlm-bf16", "tiny-roberta-cls", "tiny-roberta-ner", "tiny-roberta-base"})
    void matchesReferenceOnTheEmulatedCudaBackend(String name) {
        try (roberta.kernels.Backend be = roberta.kernels.Devices.open("cuda-emulated", null)) {
            check(name, be);
        }
    }

    static void check(String name, roberta.kernels.Backend be) {
        RobertaModel model = RobertaModel.load(TestData.model(name), be, null, null, 0);
        try (SafetensorsFile exp = SafetensorsFile.open(TestData.model(name).resolve("expected.safetensors"))) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            int b = ids.size(), t = ids.get(0).length, h = model.config().hiddenSize(), heads = model.config().numAttentionHeads();
            PackedBatch batch = PackedBatch.of(ids, mask, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            Graph g = Graph.inference(be);
            RobertaModel.EncoderOutput out = model.encode(g, batch, true, true);
            int compared = 0;
            for (int l = 0; l < out.hiddenStates().size(); l++) {
                String key = "hidden_states." + l;
                if (!exp.tensors().containsKey(key)) continue;
                float[] got = batch.unpack(model.backend().toHost(out.hiddenStates().get(l).value()), h, t);
                compareMasked(key, exp.floats(key), got, mask, t, h);
                compared++;
            }
            if (exp.tensors().containsKey("last_hidden_state")) {
                compareMasked("last_hidden_state", exp.floats("last_hidden_state"), batch.unpack(model.backend().toHost(out.last().value()), h, t), mask, t, h);
                compared++;
            }
            for (int l = 0; l < out.attentions().size(); l++) {
                String key = "attentions." + l;
                if (!exp.tensors().containsKey(key)) continue;
                float[] got = batch.unpackAttention(model.backend().toHost(out.attentions().get(l)), heads, t);
                float[] want = exp.floats(key);
                for (int s = 0; s < b; s++) for (int hh = 0; hh < heads; hh++) for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) {
                    if (mask.get(s)[i] == 0 || mask.get(s)[j] == 0) continue;
                    int idx = ((s * heads + hh) * t + i) * t + j;
                    assertEquals(want[idx], got[idx], TOL, key + " at " + idx);
                }
                compared++;
            }
            Var head = model.head(g, batch, out.last());
            float[] logits = head == null ? null : model.backend().toHost(head.value());
            if (model.head() == HeadType.MASKED_LM) {
                int v = model.config().vocabSize();
                float[] padded = batch.unpack(logits, v, t);
                float[] want = exp.floats("logits_seq0");
                int n = (int) exp.info("logits_seq0").shape()[0];
                for (int i = 0; i < n * v; i++) assertEquals(want[i], padded[i], TOL, "logits_seq0[" + i + "]");
                long[] argmax = exp.longs("argmax");
                for (int s = 0; s < b; s++) for (int i = 0; i < t; i++) {
                    if (mask.get(s)[i] == 0) continue;
                    int best = 0;
                    int base = (s * t + i) * v;
                    for (int c = 1; c < v; c++) if (padded[base + c] > padded[base + best]) best = c;
                    assertEquals(argmax[s * t + i], best, "argmax at " + s + "," + i);
                }
                compared++;
            } else if (model.head() == HeadType.SEQUENCE_CLASSIFICATION) {
                float[] want = exp.floats("logits");
                for (int i = 0; i < want.length; i++) assertEquals(want[i], logits[i], TOL, "logits[" + i + "]");
                compared++;
            } else if (model.head() == HeadType.TOKEN_CLASSIFICATION) {
                int labels = model.config().numLabels();
                compareMasked("logits", exp.floats("logits"), batch.unpack(logits, labels, t), mask, t, labels);
                compared++;
            } else if (exp.tensors().containsKey("pooler_output")) {
                float[] want = exp.floats("pooler_output");
                for (int i = 0; i < want.length; i++) assertEquals(want[i], logits[i], TOL, "pooler_output[" + i + "]");
                compared++;
            }
            if (model.headReadsFirstTokens() && logits != null) {
                // the last layer on the <s> rows alone gives those rows' values, so the same head output
                float[] pruned;
                try (Graph g2 = Graph.inference(be)) {
                    Var cls = model.encode(g2, batch, false, false, batch.firstTokenRows()).last();
                    assertEquals(b, cls.value().rows(), "one row per sequence");
                    pruned = model.backend().toHost(model.headOnFirstTokens(g2, cls).value());
                }
                assertEquals(logits.length, pruned.length);
                for (int i = 0; i < logits.length; i++) assertEquals(logits[i], pruned[i], 1e-6f, "head output on the <s> rows alone, [" + i + "]");
                compared++;
            }
            assertTrue(compared >= 1, "compared " + compared + " tensors");
        }
    }

    static void compareMasked(String key, float[] want, float[] got, List<int[]> mask, int t, int width) {
        for (int s = 0; s < mask.size(); s++) for (int i = 0; i < t; i++) {
            if (mask.get(s)[i] == 0) continue;
            for (int c = 0; c < width; c++) {
                int idx = (s * t + i) * width + c;
                assertEquals(want[idx], got[idx], TOL, key + " at seq " + s + " token " + i + " feature " + c);
            }
        }
    }
}
