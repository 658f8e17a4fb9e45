package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.kernels.Backend;
import roberta.kernels.CpuBackend;
import roberta.kernels.Devices;
import roberta.kernels.Notices;
import roberta.loader.SafetensorsFile;

/**
 * --tf32 reaches the device and costs a bounded amount: a fixture's forward pass (every hidden
 * state, attention map and the head's output) through the CUDA backend on the emulated device
 * in TF32 differs from the CPU's by more than 1e-4 and 100 times what the same path in FP32
 * does, and by at most 1e-2 (relative to the tensor's largest value, at least 1); without the
 * flag it stays within 1e-4 (as FixtureForwardTest also checks against Hugging Face).
 */
class Tf32ForwardTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-cls", "tiny-roberta-base"})
    void tf32OnTheEmulatedDeviceDiffersFromTheCpuByABoundedAmount(String name) {
        Map<String, float[]> cpu = outputs(name, CpuBackend.INSTANCE);
        double fp32Gap, tf32Gap;
        try (Backend be = Devices.open("cuda-emulated", null, false, Notices.NONE)) {
            assertTrue(!be.name().contains("TF32"), be.name());
            fp32Gap = largestGap(cpu, outputs(name, be), 1e-4, "cuda-emulated");
        }
        try (Backend be = Devices.open("cuda-emulated", null, true, Notices.NONE)) {
            assertTrue(be.name().contains("TF32"), "the backend says it runs TF32: " + be.name());
            tf32Gap = largestGap(cpu, outputs(name, be), 1e-2, "cuda-emulated --tf32");
        }
        // TF32 keeps 10 of float's 23 mantissa bits, so its error is ~2^13 times float's: measured 7e-4 to 4e-3 here,
        // against 4e-7 to 2e-6 for FP32. It leaves the 1e-4 the FP32 path keeps, and by far more than FP32's own noise.
        assertTrue(tf32Gap > 1e-4 && tf32Gap > 100 * fp32Gap,
                name + ": TF32 moved the outputs by " + tf32Gap + " (relative), FP32 on the same path by " + fp32Gap);
    }

    /** Every float tensor the forward pass gives, copied to the host, by name (packed rows: the same layout on every backend). */
    static Map<String, float[]> outputs(String name, Backend be) {
        RobertaModel model = RobertaModel.load(TestData.model(name), be, null, null, 0);
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsFile exp = SafetensorsFile.open(TestData.model(name).resolve("expected.safetensors"));
             Graph g = Graph.inference(be)) {
            List<int[]> ids = TestData.rows(exp, "input_ids"), mask = TestData.rows(exp, "attention_mask");
            PackedBatch batch = PackedBatch.of(ids, mask, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            RobertaModel.EncoderOutput enc = model.encode(g, batch, true, true);
            for (int l = 0; l < enc.hiddenStates().size(); l++) out.put("hidden_states." + l, be.toHost(enc.hiddenStates().get(l).value()));
            for (int l = 0; l < enc.attentions().size(); l++) out.put("attentions." + l, be.toHost(enc.attentions().get(l)));
            Var head = model.head(g, batch, enc.last());
            if (head != null) out.put("head", be.toHost(head.value()));
        }
        return out;
    }

    /** The largest |a - b| / max(1, max |a|) over all tensors, checked to be at most bound. */
    static double largestGap(Map<String, float[]> want, Map<String, float[]> got, double bound, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        double largest = 0;
        for (String key : want.keySet()) {
            float[] x = want.get(key), y = got.get(key);
            assertEquals(x.length, y.length, key);
            double scale = 1;
            for (float v : x) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < x.length; i++) {
                double gap = Math.abs(x[i] - y[i]) / scale;
                if (!(gap <= bound)) throw new AssertionError(what + " " + key + "[" + i + "]: cpu " + x[i] + ", " + y[i] + " (" + gap + " > " + bound + " of " + scale + ")");
                largest = Math.max(largest, gap);
            }
        }
        return largest;
    }
}
