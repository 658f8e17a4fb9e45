package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One Roberta shared by several threads gives each caller what it gets alone. */
class ConcurrencyTest {
    @Test
    void concurrentCallersGetTheSameEmbeddings() throws Exception {
        Roberta roberta = Roberta.load(TestData.model("tiny-roberta-mlm"));
        List<String> texts = List.of("Hello world", "café naïve résumé", "The capital of France is <mask>.", "a much longer sentence with many words in it");
        EmbedOptions options = new EmbedOptions(Pooling.MEAN, "all", false, 2, 0, 0, false);
        float[][] alone = roberta.embed(texts, options);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) results.add(pool.submit(() -> roberta.embed(texts, options)));
            for (Future<float[][]> f : results) {
                float[][] got = f.get();
                for (int t = 0; t < texts.size(); t++) assertArrayEquals(alone[t], got[t], "text " + t);
            }
        } finally {
            pool.shutdown();
        }
    }
}
