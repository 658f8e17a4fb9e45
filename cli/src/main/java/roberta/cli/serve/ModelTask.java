package roberta.cli.serve;

import java.util.ArrayList;
import java.util.List;
import roberta.engine.EmbedOptions;
import roberta.engine.Listener;
import roberta.engine.Roberta;

/**
 * What the worker runs over a batch of texts, through the same engine calls as the embed,
 * classify and fill-mask commands (so answers match theirs). Requests whose tasks are equal
 * may share one forward pass: the task is the batching key, so it is a record.
 */
interface ModelTask {
    /** One result per text, in order. */
    List<?> run(Roberta roberta, List<String> texts);

    /**
     * Feature extraction as {@code ./roberta embed}. The batch size is the number of texts in
     * the coalesced batch: one forward pass per batch (the token budget already bounds it).
     */
    record Embed(EmbedOptions options) implements ModelTask {
        @Override
        public List<float[]> run(Roberta roberta, List<String> texts) {
            return List.of(roberta.embed(texts, null, options.batchSize(Math.max(1, texts.size())), Listener.NONE));
        }
    }

    /** Sequence classification as {@code ./roberta classify}; truncate cuts to the model's limit (as --max-length would). */
    record Classify(boolean truncate) implements ModelTask {
        @Override
        public List<Roberta.Prediction> run(Roberta roberta, List<String> texts) {
            return roberta.classify(texts, null, Math.max(1, texts.size()), truncate ? roberta.maxTokens() : 0);
        }
    }

    /** Masked-token prediction as {@code ./roberta fill-mask}: the engine runs one text per pass. */
    record FillMask(int topK) implements ModelTask {
        @Override
        public List<List<List<Roberta.Candidate>>> run(Roberta roberta, List<String> texts) {
            List<List<List<Roberta.Candidate>>> out = new ArrayList<>();
            for (String t : texts) out.add(roberta.fillMask(t, topK));
            return out;
        }
    }
}
