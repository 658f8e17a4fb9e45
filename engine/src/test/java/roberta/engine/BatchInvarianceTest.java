package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import roberta.kernels.CpuBackend;
import roberta.loader.SafetensorsFile;

/** A padded batch gives each sequence what it gets alone. */
class BatchInvarianceTest {
    @Test
    void paddedBatchEqualsEachSequenceAlone() {
        RobertaModel model = RobertaModel.load(TestData.model("tiny-roberta-cls"), CpuBackend.INSTANCE, null, null, 0);
        try (SafetensorsFile exp = SafetensorsFile.open(TestData.model("tiny-roberta-cls").resolve("expected.safetensors"))) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            int t = ids.get(0).length, h = model.config().hiddenSize();
            PackedBatch all = PackedBatch.of(ids, mask, 1, model.config().maxPositionEmbeddings());
            Graph g = Graph.inference(CpuBackend.INSTANCE);
            float[] batched = all.unpack(CpuBackend.INSTANCE.toHost(model.encode(g, all, false, false).last().value()), h, t);
            float[] batchedLogits = CpuBackend.INSTANCE.toHost(model.head(g, all, model.encode(g, all, false, false).last()).value());
            for (int s = 0; s < ids.size(); s++) {
                int len = 0;
                while (len < t && mask.get(s)[len] == 1) len++;
                int[] alone = java.util.Arrays.copyOf(ids.get(s), len);
                PackedBatch one = PackedBatch.of(List.of(alone), null, 1, model.config().maxPositionEmbeddings());
                Var last = model.encode(g, one, false, false).last();
                float[] single = CpuBackend.INSTANCE.toHost(last.value());
                for (int i = 0; i < len * h; i++) assertEquals(single[i], batched[s * t * h + i], 1e-5f, "seq " + s + " value " + i);
                float[] logits = CpuBackend.INSTANCE.toHost(model.head(g, one, last).value());
                for (int c = 0; c < logits.length; c++) assertEquals(logits[c], batchedLogits[s * logits.length + c], 1e-5f);
            }
        }
    }
}
