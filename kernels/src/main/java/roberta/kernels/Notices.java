package roberta.kernels;

/**
 * Where library code reports what a person may want to know, instead of printing it: the
 * command line prints to stderr, a service logs or ignores it. Both methods do nothing unless
 * overridden. The engine's {@code roberta.engine.Listener} extends this with progress.
 */
public interface Notices {
    /** Reports nothing. */
    Notices NONE = new Notices() {};

    /**
     * Something worth saying that is not a problem, such as the device chosen.
     *
     * @param text one line, without a trailing newline
     */
    default void message(String text) {}

    /**
     * Something that works but probably not as the caller wants (slow kernels, a file skipped).
     *
     * @param text one line, without the "warning: " prefix the command line adds
     */
    default void warning(String text) {}
}
