package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.kernels.CpuBackend;
import roberta.loader.DType;
import roberta.loader.SafetensorsFile;
import roberta.loader.SafetensorsWriter;
import roberta.loader.TensorInfo;

/** A NaN or infinite weight is refused at the load, naming the tensor, for inference and training, in float32 and half precision. */
class NonFiniteWeightsTest {
    private static final String QUERY = "roberta.encoder.layer.0.attention.self.query.weight";

    @TempDir
    Path tmp;

    @Test
    void aNanOrInfiniteWeightIsNamedAtTheLoad() throws Exception {
        for (float poison : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                Path dir = poisoned("m-" + dtype + "-" + Float.floatToRawIntBits(poison), poison, dtype);
                for (boolean inference : new boolean[] {true, false}) {
                    RuntimeException e = assertThrows(RuntimeException.class, () -> {
                        if (inference) Roberta.load(dir, CpuBackend.INSTANCE);
                        else RobertaModel.load(dir, CpuBackend.INSTANCE, null, null, 0);
                    });
                    assertTrue(e.getMessage().contains(QUERY) && e.getMessage().contains("NaN or infinite"), dtype + ": " + e.getMessage());
                }
            }
        }
    }

    @Test
    void theLargestFiniteValuesAreNotRefused() throws Exception {
        Path dir = poisoned("max", Float.MAX_VALUE, DType.F32);
        Roberta.load(dir, CpuBackend.INSTANCE); // no exception: finite, however large
    }

    /** The MLM fixture with one value of the first query weight replaced, stored as dtype. */
    private Path poisoned(String name, float value, DType dtype) throws Exception {
        Path src = TestData.model("tiny-roberta-mlm"), dir = Files.createDirectories(tmp.resolve(name));
        for (String f : new String[] {"config.json", "vocab.json", "merges.txt"}) Files.copy(src.resolve(f), dir.resolve(f));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            for (var e : f.tensors().entrySet()) {
                TensorInfo t = e.getValue();
                float[] v = f.floats(e.getKey());
                if (e.getKey().equals(QUERY)) v[7] = value;
                w.addFloats(e.getKey(), dtype, v, t.shape());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
