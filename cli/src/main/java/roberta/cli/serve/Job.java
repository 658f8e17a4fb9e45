package roberta.cli.serve;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request's texts waiting for the model. The worker may hand them out over several
 * batches (next marks the first not yet taken); the future completes once every text has its
 * result, or with the first failure. Touched only under the batcher's lock or by the worker.
 */
final class Job {
    final ModelTask task;
    final List<String> texts;
    /** Tokens of each text as the model sees it, for the batch budget. */
    final int[] tokens;
    final CompletableFuture<List<Object>> result = new CompletableFuture<>();
    private final Object[] results;
    private int done;
    int next;

    Job(ModelTask task, List<String> texts, int[] tokens) {
        if (texts.size() != tokens.length || texts.isEmpty()) throw new IllegalArgumentException("a job needs one token count per text");
        this.task = task;
        this.texts = List.copyOf(texts);
        this.tokens = tokens.clone();
        this.results = new Object[texts.size()];
    }

    int remainingTokens() {
        int sum = 0;
        for (int i = next; i < tokens.length; i++) sum += tokens[i];
        return sum;
    }

    boolean taken() {
        return next == texts.size();
    }

    /** Results for texts [from, from + values.size()). */
    void deliver(int from, List<?> values) {
        for (int i = 0; i < values.size(); i++) results[from + i] = values.get(i);
        done += values.size();
        if (done == results.length) result.complete(Arrays.asList(results));
    }

    void fail(Throwable t) {
        result.completeExceptionally(t);
    }
}
