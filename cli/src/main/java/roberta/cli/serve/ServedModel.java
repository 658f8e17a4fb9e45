package roberta.cli.serve;

import java.util.List;
import java.util.concurrent.ExecutionException;
import roberta.engine.Roberta;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.RobertaTokenizer;

/**
 * The loaded model as the endpoints see it: its name in responses, the batcher in front of it,
 * and token counts. Texts are tokenised here, on the request's own thread, to check their
 * length (a 400 before queueing, never a failed batch) and to size batches; the engine
 * tokenises again in the worker, which costs little next to the forward pass and keeps the
 * engine's code path exactly that of the commands.
 */
record ServedModel(Roberta roberta, String name, Batcher batcher, ServeLimits limits) {
    private static final EncodeOptions CONTENT_ONLY = new EncodeOptions(false, 0, null, 0);

    /** Tokens of each text with {@code <s>}/{@code </s>}, cut to the model's limit when truncate, else a 400 past it. */
    int[] tokens(List<String> texts, boolean truncate) {
        RobertaTokenizer tok = roberta.tokenizer();
        int max = roberta.maxTokens();
        int[] out = new int[texts.size()];
        for (int i = 0; i < out.length; i++) {
            int n = tok.encode(texts.get(i), null, CONTENT_ONLY).ids().length + 2;
            if (n > max && !truncate)
                throw ApiError.badRequest("'input'[" + i + "] has " + n + " tokens, more than the model's " + max + " (send \"truncate\": true to cut it)");
            out[i] = Math.min(n, max);
        }
        return out;
    }

    /** A 400 before any work when the checkpoint lacked its head's weights (without the server's folder, which the engine's error names). */
    void requireTrainedHead(String endpoint) {
        if (!roberta.headTrained())
            throw ApiError.badRequest(endpoint + ": the model's checkpoint lacks its head's weights (" + String.join(", ", roberta.model().untrainedHead())
                    + "); its predictions would be random");
    }

    /** Queues the texts and waits for their results (one per text). */
    List<Object> run(ModelTask task, List<String> texts, int[] tokens) throws InterruptedException {
        Job job = new Job(task, texts, tokens);
        batcher.submit(job);
        try {
            return job.result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ApiError a) throw a;
            // the engine's own input checks (no <mask>, a pair too long): the request's fault
            if (cause instanceof IllegalArgumentException) throw ApiError.badRequest(cause.getMessage());
            throw new IllegalStateException("model run failed", cause);
        }
    }

    static int sum(int[] tokens) {
        int s = 0;
        for (int t : tokens) s += t;
        return s;
    }
}
