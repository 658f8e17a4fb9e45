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
}
