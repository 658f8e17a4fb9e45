package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import roberta.kernels.CpuBackend;

/** What a Java caller can get wrong is named, not met as a bare exception deep inside. */
class JavaApiInputsTest {
    @Test
    void aNullTextIsNamedByItsPlace() {
        Roberta r = Roberta.load(TestData.model("tiny-roberta-mlm"), CpuBackend.INSTANCE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.embed(Arrays.asList("a text", null), EmbedOptions.mean()));
        assertEquals("input 2 is null", e.getMessage());
    }

    @Test
    void aLoraKeyGivenTwiceIsAMistake() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=4,r=8"));
        assertTrue(e.getMessage().contains("'r' given twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("alpha=8,lora_alpha=16"));
        assertEquals(8, LoraConfig.parse("r=8,alpha=16").r());
    }
    static String refusal(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    /** Sizes and counts a caller can get wrong: refused with what is wrong, never "/ by zero", an index error or an empty answer. */
    @Test
    void badArgumentsAreNamed() {
        Roberta mlm = Roberta.load(TestData.model("tiny-roberta-mlm"), CpuBackend.INSTANCE);
        Roberta cls = Roberta.load(TestData.model("tiny-roberta-cls"), CpuBackend.INSTANCE).withTokenizer(mlm.tokenizer());
        assertTrue(refusal(() -> cls.classify(java.util.List.of("a"), null, 0, 0)).contains("batchSize"));
        assertTrue(refusal(() -> cls.classify(java.util.List.of("a"), null, 4, -5)).contains("maxLength"));
        assertEquals("2 texts but 1 pairs", refusal(() -> mlm.embed(java.util.List.of("a", "b"), java.util.List.of("x"), EmbedOptions.DEFAULT, Listener.NONE)));
        assertEquals("1 texts but 2 pairs", refusal(() -> mlm.embed(java.util.List.of("a"), java.util.List.of("x", "y"), EmbedOptions.DEFAULT, Listener.NONE)));
        assertTrue(refusal(() -> mlm.fillMask("a <mask>", 0)).contains("topK"));
        assertTrue(refusal(() -> mlm.forward(java.util.List.of(new int[0]), false)).contains("no tokens"));
        assertEquals("texts is null", refusal(() -> mlm.embed(null, EmbedOptions.DEFAULT)));
    }

    /** A closed object says so; one loaded onto the default device owns it and closes it. */
    @Test
    void aClosedModelSaysSo() {
        Roberta r = Roberta.load(TestData.model("tiny-roberta-mlm"));
        assertEquals(1, r.embed(java.util.List.of("a"), EmbedOptions.DEFAULT).length);
        Roberta copy = r.withTokenizer(r.tokenizer()); // shares the model's memory, so its lifetime too
        r.close();
        r.close(); // twice is fine
        assertThrows(IllegalStateException.class, () -> r.embed(java.util.List.of("a"), EmbedOptions.DEFAULT));
        assertThrows(IllegalStateException.class, () -> copy.embed(java.util.List.of("a"), EmbedOptions.DEFAULT));
    }

    /** A model on a CUDA backend is freed with it: the emulated device's allocations go back to zero. */
    @Test
    void closingTheBackendFreesTheModelsDeviceMemory() {
        var device = new roberta.kernels.cuda.CountingDevice(roberta.kernels.cuda.HostKernels.device());
        int before = device.liveAllocations();
        var be = new roberta.kernels.cuda.CudaBackend(device);
        Roberta r = Roberta.load(TestData.model("tiny-roberta-mlm"), be);
        r.embed(java.util.List.of("hello world"), EmbedOptions.DEFAULT);
        assertTrue(device.liveAllocations() > before);
        be.close();
        assertEquals(before, device.liveAllocations());
    }
}
