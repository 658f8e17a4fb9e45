package roberta.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import roberta.engine.Roberta;

/** Dynamic batching without a model: what goes into each batch, fairness, and one bad request among good ones. */
@Timeout(20)
class BatcherTest {
    /** Echoes its texts and records each batch; "bad" fails the batch it is in. */
    record Recording(String name, List<List<String>> batches) implements ModelTask {
        @Override
        public List<?> run(Roberta roberta, List<String> texts) {
            batches.add(List.copyOf(texts));
            if (texts.contains("bad")) throw new IllegalArgumentException("bad text");
            return texts;
        }
    }

    static Job job(ModelTask task, List<String> texts, int tokensEach) {
        int[] tokens = new int[texts.size()];
        java.util.Arrays.fill(tokens, tokensEach);
        return new Job(task, texts, tokens);
    }

    static Batcher batcher(int budget) {
        return new Batcher(null, new ServeLimits(budget, 20, 16, 256, 1 << 20), new Metrics(() -> 0));
    }

    @Test
    void aBigRequestDelaysASmallOneByOneBatchAtMost() throws Exception {
        Recording task = new Recording("a", Collections.synchronizedList(new java.util.ArrayList<>()));
        try (Batcher b = batcher(10)) {
            b.gate.acquire(); // both requests queue before the worker looks
            b.start();
            Job big = job(task, List.of("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"), 5);
            Job small = job(task, List.of("s0"), 5);
            b.submit(big);
            b.submit(small);
            b.gate.release();
            assertEquals(List.of("s0"), small.result.get(5, TimeUnit.SECONDS));
            assertEquals(List.of("b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"), big.result.get(5, TimeUnit.SECONDS));
        }
        // budget 10 = two texts a batch; the big request goes to the back after each of its batches
        assertEquals(List.of("b0", "b1"), task.batches().get(0));
        assertEquals(List.of("s0", "b2"), task.batches().get(1));
        for (List<String> batch : task.batches()) assertTrue(batch.size() <= 2, task.batches().toString());
    }

    @Test
    void aRequestThatDoesNotFitKeepsItsPlace() throws Exception {
        Recording task = new Recording("a", Collections.synchronizedList(new java.util.ArrayList<>()));
        try (Batcher b = batcher(10)) {
            b.gate.acquire();
            b.start();
            Job first = job(task, List.of("a"), 5), second = job(task, List.of("b"), 8), third = job(task, List.of("c"), 2);
            b.submit(first);
            b.submit(second);
            b.submit(third);
            b.gate.release();
            third.result.get(5, TimeUnit.SECONDS);
            second.result.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of(List.of("a"), List.of("b", "c")), task.batches());
    }

    @Test
    void aBadRequestFailsAloneAndTheWorkerGoesOn() throws Exception {
        Recording task = new Recording("a", Collections.synchronizedList(new java.util.ArrayList<>()));
        try (Batcher b = batcher(100)) {
            b.gate.acquire();
            b.start();
            Job good = job(task, List.of("good"), 3), bad = job(task, List.of("bad"), 3);
            b.submit(good);
            b.submit(bad);
            b.gate.release();
            assertEquals(List.of("good"), good.result.get(5, TimeUnit.SECONDS));
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.result.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalArgumentException);
            Job after = job(task, List.of("after"), 3);
            b.submit(after);
            assertEquals(List.of("after"), after.result.get(5, TimeUnit.SECONDS));
        }
        assertEquals(List.of("good", "bad"), task.batches().get(0)); // shared a batch, then each alone
    }

    @Test
    void differentTasksNeverShareABatch() throws Exception {
        Recording a = new Recording("a", Collections.synchronizedList(new java.util.ArrayList<>()));
        Recording other = new Recording("other", Collections.synchronizedList(new java.util.ArrayList<>()));
        try (Batcher b = batcher(100)) {
            b.gate.acquire();
            b.start();
            Job x = job(a, List.of("x"), 1), y = job(other, List.of("y"), 1), z = job(a, List.of("z"), 1);
            b.submit(x);
            b.submit(y);
            b.submit(z);
            b.gate.release();
            z.result.get(5, TimeUnit.SECONDS);
            y.result.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of(List.of("x", "z")), a.batches());
        assertEquals(List.of(List.of("y")), other.batches());
    }
}
