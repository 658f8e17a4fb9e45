package roberta.cli.serve;

/**
 * The server's limits. maxBatchTokens: tokens packed into one forward pass (a single longer text
 * still runs, alone); maxWaitMs: how long the worker waits for more requests to share a batch;
 * queue: requests waiting before new ones get 429; maxInputs: texts per request; maxBodyBytes:
 * request body size (413 past it).
 */
public record ServeLimits(int maxBatchTokens, int maxWaitMs, int queue, int maxInputs, long maxBodyBytes) {
    public static final ServeLimits DEFAULT = new ServeLimits(4096, 2, 64, 256, 1 << 20);

    public ServeLimits {
        if (maxBatchTokens < 1 || maxWaitMs < 0 || queue < 1 || maxInputs < 1 || maxBodyBytes < 1)
            throw new IllegalArgumentException("serve limits must be positive (max wait 0 or more)");
    }
}
