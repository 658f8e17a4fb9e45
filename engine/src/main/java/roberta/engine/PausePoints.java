package roberta.engine;

/**
 * Test-only pause points, so a test can kill a run at an exact moment. Started with
 * {@code -Droberta.test.pauseAt=NAME}, the process prints {@code roberta.test.paused NAME} on
 * stderr when it reaches that point and waits there to be killed. Off (one null check) otherwise.
 * Names: {@code batch:E:B} (before batch B of epoch E), {@code checkpoint-write:E} (epoch E's
 * checkpoint half written), {@code checkpoint-done:E} (renamed into place, metrics not yet
 * appended), {@code model-save} (final model written to its temporary folder, not yet renamed).
 */
final class PausePoints {
    private static final String AT = System.getProperty("roberta.test.pauseAt");

    private PausePoints() {}

    static boolean armed() {
        return AT != null;
    }

    static void reach(String name) {
        if (AT == null || !AT.equals(name)) return;
        System.err.println("roberta.test.paused " + name);
        System.err.flush();
        try {
            Thread.sleep(120_000);
        } catch (InterruptedException ignored) {
            // fall through to halt
        }
        Runtime.getRuntime().halt(3); // never carry on from a pause point
    }
}
