package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import roberta.kernels.CpuBackend;
import roberta.tokenizer.RobertaTokenizer;

/** Bad indices are refused by the engine on the host, before a kernel reads them. */
class InputValidationTest {
    private final RobertaTokenizer tok = RobertaTokenizer.load(TestData.model("tiny-roberta-mlm"));
    private final RobertaModel model = LeakTest.classifier(tok, CpuBackend.INSTANCE);

    @Test
    void aTokenIdOutsideTheVocabularyIsNamed() {
        int vocab = model.config().vocabSize();
        PackedBatch batch = PackedBatch.of(List.of(new int[] {0, 5, 2}, new int[] {0, 7, vocab, 2}), null, 1, 66);
        try (Graph g = Graph.inference(model.backend())) {
            var e = assertThrows(IllegalArgumentException.class, () -> model.encode(g, batch, false, false));
            assertTrue(e.getMessage().startsWith("sequence 1, token 2: id " + vocab + " is outside the model's vocabulary"), e.getMessage());
        }
        PackedBatch negative = PackedBatch.of(List.of(new int[] {0, -3, 2}), null, 1, 66);
        try (Graph g = Graph.inference(model.backend())) {
            assertThrows(IllegalArgumentException.class, () -> model.encode(g, negative, false, false));
        }
    }

    @Test
    void aLabelThatIsNotAClassIsNamed() {
        PackedBatch batch = PackedBatch.of(List.of(new int[] {0, 5, 2}, new int[] {0, 7, 2}), null, 1, 66);
        try (Graph g = new Graph(model.backend(), new Tape(), false, 0)) {
            Var logits = model.head(g, batch, model.encode(g, batch, false, false).last());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Objective.lossAndSeed(g, model, batch, logits, Targets.classes(new int[] {1, 2})));
            assertTrue(e.getMessage().contains("label 2 at row 1 is not a class of this head (0..1)"), e.getMessage());
        }
    }
}
