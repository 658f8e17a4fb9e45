package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** bench quotes % of the FMA peak: measured by --peak, or the --peak-gflops-per-core override. No timing assertions. */
class BenchPeakTest {
    static JsonNode lastJson(CliTest.Run r) throws Exception {
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        return JsonLines.JSON.readTree(lines[lines.length - 1]);
    }

    @Test
    void peakPrintsOnlyThePeak() throws Exception {
        CliTest.Run r = CliTest.run("bench", "--peak", "--threads", "2", "--device", "cpu", "--json");
        assertTrue(r.out().startsWith("fma peak: 1 thread "), r.out());
        JsonNode j = lastJson(r);
        assertTrue(j.get("peak_gflops").asDouble() > 0 && j.get("peak_gflops_1_thread").asDouble() > 0, j.toString());
        assertEquals(2, j.get("threads").asInt());
        assertTrue(j.get("vector_bits").asInt() >= 64, j.toString());
    }

    @Test
    void percentOfPeakComesFromTheGivenPeak() throws Exception {
        CliTest.Run r = CliTest.run("bench", "--config", "tiny", "--batch", "1", "--seq", "8", "--seconds", "0.1",
                "--threads", "2", "--device", "cpu", "--peak-gflops-per-core", "50", "--json");
        JsonNode j = lastJson(r);
        assertEquals(100.0, j.get("peak_gflops").asDouble(), 0.0);
        assertEquals(j.get("gflops").asDouble(), j.get("percent_of_peak").asDouble(), 1e-9); // % of 100 GFLOP/s
        assertTrue(r.out().contains("of 100 GFLOP/s given peak"), r.out());
    }
}
