package roberta.cli.serve;

/**
 * A request that fails with a known HTTP status: thrown anywhere while handling a request and
 * turned into a one-line JSON error by {@link Router}. type follows OpenAI's error types.
 */
public final class ApiError extends RuntimeException {
    final int status;
    final String type;
    /** Seconds for a Retry-After header (429), or 0 for none. */
    final int retryAfter;

    ApiError(int status, String type, String message, int retryAfter) {
        super(message, null, false, false); // no stack trace: these are answers, not bugs
        this.status = status;
        this.type = type;
        this.retryAfter = retryAfter;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "invalid_request_error", message, 0);
    }

    static ApiError tooLarge(String message) {
        return new ApiError(413, "invalid_request_error", message, 0);
    }
}
