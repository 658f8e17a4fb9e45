package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.train.Example;
import roberta.kernels.cuda.CountingDevice;
import roberta.kernels.cuda.CudaBackend;
import roberta.kernels.cuda.EmulatedDevice;
import roberta.kernels.cuda.HostKernels;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;

/**
 * What a training step on the CUDA backend moves over the bus, counted by a {@link CountingDevice}
 * around the emulated device: weights, activations, gradients and AdamW moments stay on the
 * device; after the first step (which creates the moments) each step sends only the batch's
 * integer inputs and labels to the device and gets back only a few scalars (the loss and the
 * gradient norm). And a frozen parameter has no gradient and no moments on the device.
 */
class BusTrafficTest {
    /** A small sequence classifier (hidden 16, 3 layers, 2 heads), dropout on, on the given backend. */
    private static RobertaModel model(CudaBackend be) {
        ObjectNode json = (ObjectNode) RobertaConfig.of(TrainingTest.tok.vocabSize(), 16, 3, 2, 24, 66).json();
        RobertaConfig c = RobertaConfig.fromJson(json, "test")
            .withHead(HeadType.SEQUENCE_CLASSIFICATION.architecture, TrainingTest.LABELS, "single_label_classification");
        return RobertaModel.random(c, HeadType.SEQUENCE_CLASSIFICATION, be, 3);
    }

    private static List<Example> examples(Path dir) throws Exception {
        TrainingTest.setUp();
        return TrainingTest.examples(TrainingTest.data(dir));
    }

    @Test
    void afterTheFirstStepOnlyTheBatchGoesInAndAFewScalarsComeOut(@TempDir Path dir) throws Exception {
        List<Example> ex = examples(dir);
        CountingDevice device = new CountingDevice(HostKernels.device());
        try (CudaBackend be = new CudaBackend(device)) {
            RobertaModel m = model(be);
            int batchSize = 4;
            Trainer t = new Trainer(m, TrainingTest.tok, TrainingTest.tokDir, TrainingTest.options(1, null, null, false), dir.resolve("out"));
            for (int step = 0; step < 5; step++) {
                // batches of different lengths: the bound follows each batch's shape
                List<Example> batch = ex.subList(step * 3, step * 3 + batchSize);
                CountingDevice.Traffic before = device.traffic();
                double loss = t.step(batch);
                CountingDevice.Traffic moved = device.traffic().minus(before);
                assertTrue(Double.isFinite(loss), "step " + step + ": loss " + loss);
                if (step == 0) continue; // the first step creates the AdamW moments (memsets: nothing crosses the bus either)
                int tokens = 0;
                for (Example e : batch) tokens += e.ids().length;
                // int32s in: per token its id, position id and token type id (Hugging Face's input_ids, position_ids,
                // token_type_ids); per sequence its first packed row and length (the packed attention mask), the row
                // of its <s> for the head, and its label. Nothing per weight, activation or gradient.
                long inputBytes = 4L * (3L * tokens + 4L * batchSize);
                String at = "step " + step + " (" + batchSize + " sequences, " + tokens + " tokens): " + moved;
                assertTrue(moved.toDeviceBytes() <= inputBytes, at + ": more than the batch's " + inputBytes + " bytes of inputs went to the device");
                assertTrue(moved.toDeviceBytes() >= 4L * tokens, at + ": the token ids must go to the device (is the counter counting?)");
                assertTrue(moved.toDeviceCalls() <= 7, at + ": one copy per input array (ids, positions, types, starts, lengths, <s> rows, labels)");
                // back: the loss and the gradient norm, a double each; a handful of scalars at most
                assertTrue(moved.toHostBytes() <= 4 * 8, at + ": more than a handful of scalars came back");
                assertTrue(moved.toHostCalls() <= 4, at + ": more than a handful of reads");
                assertTrue(moved.toHostBytes() >= 8, at + ": the loss must come back");
            }
        }
    }

    @Test
    void frozenLayersHaveNoGradientsOrMomentsOnTheDevice(@TempDir Path dir) throws Exception {
        List<Example> ex = examples(dir);
        long frozenBytes = 0;
        long[] live = new long[2];
        String[] freeze = {null, "embeddings,layers:0-1"};
        for (int run = 0; run < 2; run++) {
            EmulatedDevice emulator = HostKernels.device();
            CountingDevice device = new CountingDevice(emulator);
            try (CudaBackend be = new CudaBackend(device)) {
                RobertaModel m = model(be);
                Trainer t = new Trainer(m, TrainingTest.tok, TrainingTest.tokDir, TrainingTest.options(1, freeze[run], null, false), dir.resolve("out" + run));
                for (int step = 0; step < 3; step++) t.step(ex.subList(step * 4, step * 4 + 4));
                be.trimPool(); // the steps' activations and scratch, released to the pool, are freed: what is left is held
                long weights = 0, trainable = 0, frozen = 0;
                int tensors = 0, trainableTensors = 0;
                for (Param p : m.allParams().values()) {
                    long bytes = 4L * p.value.size();
                    weights += bytes;
                    tensors++;
                    if (p.trainable) {
                        trainable += bytes;
                        trainableTensors++;
                    } else {
                        frozen += bytes;
                        assertNull(p.grad, p.name + " is frozen: no gradient");
                        assertNull(p.m, p.name + " is frozen: no first moment");
                        assertNull(p.v, p.name + " is frozen: no second moment");
                    }
                }
                String what = freeze[run] == null ? "nothing frozen" : "--freeze " + freeze[run];
                if (run == 1) assertTrue(frozen > trainable, what + ": most of the model is frozen (" + frozen + " of " + weights + " bytes)");
                // on the device: every weight, and a gradient, a first and a second moment for each trainable one only
                assertEquals(weights + 3 * trainable, device.liveBytes(), what + ": bytes live on the device");
                assertEquals(tensors + 3 * trainableTensors, emulator.liveAllocations(), what + ": allocations live on the emulator");
                live[run] = device.liveBytes();
                if (run == 1) frozenBytes = frozen;
            }
            emulator.close();
        }
        assertEquals(3 * frozenBytes, live[0] - live[1], "freezing saves exactly a gradient and two moments per frozen weight");
    }
}
