package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** --layers: what each form selects, and every malformed list refused rather than read as fewer layers. */
class LayerSelectionTest {
    @Test
    void formsSelectTheirLayers() {
        assertEquals(768, LayerSelection.parse("last", 12).width(768));
        assertEquals(13 * 768, LayerSelection.parse("all", 12).width(768));
        assertEquals(3 * 768, LayerSelection.parse("0,6,-1", 12).width(768));
        assertEquals(768, LayerSelection.parse("mean-last:4", 12).width(768));
    }

    @Test
    void emptyPartsAndOutOfRangeAreErrors() {
        for (String bad : new String[] {",", "", "0,", ",1", "0,,1", "x", "mean-last:0"})
            assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse(bad, 12), "'" + bad + "'");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse("13", 12));
        assertTrue(e.getMessage().contains("0..12"), e.getMessage());
    }
}
