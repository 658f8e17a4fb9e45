package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The leak checker itself: counts what is made and released, and refuses double releases. */
class LeakCheckingBackendTest extends BackendContract {
    private final LeakCheckingBackend checker = new LeakCheckingBackend(CpuBackend.INSTANCE);

    @Override
    Backend backend() {
        return checker.backend(); // the contract holds through the wrapper too
    }

    @Test
    void countsLiveTensorsAndNamesWhereALeakWasMade() {
        LeakCheckingBackend c = new LeakCheckingBackend(CpuBackend.INSTANCE);
        Backend be = c.backend();
        Tensor kept = be.zeros(3, 4);
        Tensor dropped = be.fromHost(new float[] {1, 2}, 2);
        Tensor released = be.empty(8);
        be.release(released);
        assertEquals(2, c.liveCount());
        String report = c.leaksBeyond(Set.of(kept));
        assertTrue(report.startsWith("1 leaked tensors:") && report.contains("Tensor[2]"), report);
        be.release(dropped);
        assertEquals("", c.leaksBeyond(Set.of(kept)));
        assertThrows(IllegalStateException.class, () -> be.release(dropped), "released twice");
    }
}
