package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.CpuBackend;
import roberta.kernels.Gemm;
import roberta.loader.SafetensorsFile;

/**
 * An inference model of an F16/BF16 checkpoint keeps its linear weights half: half their memory,
 * and outputs bit-identical to widening the checkpoint to float32 at load (which
 * FixtureForwardTest holds to the Hugging Face reference).
 */
class HalfWeightsTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm-f16", "tiny-roberta-mlm-bf16"})
    void halfWeightsGiveTheWidenedModelsOutputsExactly(String name) {
        RobertaModel widened = RobertaModel.load(TestData.model(name), CpuBackend.INSTANCE, null, null, 0);
        RobertaModel half = RobertaModel.load(TestData.model(name), CpuBackend.INSTANCE, null, null, null, 0, true);
        long expected = widened.weightBytes();
        for (Param p : widened.params().values()) {
            if (!roberta.loader.RobertaParameters.isLinearWeight(p.name, p.value.rank())) continue;
            int out = p.value.dim(0), in = p.value.dim(1);
            expected += 2L * Gemm.packedSize(in, out) - 4L * p.value.size(); // 2 bytes a value, panels padded to NR columns
        }
        assertEquals(expected, half.weightBytes(), name + ": linear weights at 2 bytes a value");

        try (SafetensorsFile exp = SafetensorsFile.open(TestData.model(name).resolve("expected.safetensors"))) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            PackedBatch batch = PackedBatch.of(ids, mask, widened.config().padTokenId(), widened.config().maxPositionEmbeddings());
            float[] want = logits(widened, batch), got = logits(half, batch);
            assertArrayEquals(want, got, name + ": MLM logits");
        }
    }

    private static float[] logits(RobertaModel m, PackedBatch batch) {
        Graph g = Graph.inference(CpuBackend.INSTANCE);
        RobertaModel.EncoderOutput out = m.encode(g, batch, false, false);
        return m.backend().toHost(m.head(g, batch, out.last()).value());
    }
}
