package roberta.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./roberta}: one subcommand per job. */
@Command(name = "roberta", mixinStandardHelpOptions = true, version = "roberta 0.1.0",
        description = "Pure-Java RoBERTa: tokenize, inspect, embed, predict, fine-tune.",
        subcommands = {TokenizeCommand.class, TrainTokenizerCommand.class, ConvertCommand.class, InspectCommand.class, EmbedCommand.class, FillMaskCommand.class, ClassifyCommand.class, ForwardCommand.class, FinetuneCommand.class, CompareCommand.class, EvaluateCommand.class, GradCommand.class, BenchCommand.class, BenchLoadCommand.class, BenchTokenizerCommand.class, ServeCommand.class, MergeAdapterCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; errors become one line on stderr. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // a mistyped option or value: one line, not the whole usage text
        cli.setParameterExceptionHandler((ex, argv) -> {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            ex.getCommandLine().getErr().println("error: " + oneLine(ex) + " (see " + command + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + oneLine(ex));
            if (System.getenv("ROBERTA_DEBUG") != null) ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        // options are checked once, before any command runs (numbers in range, the output path)
        cli.setExecutionStrategy(parsed -> {
            try {
                OptionChecks.check(parsed);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ExecutionException(cli, e.getMessage(), e);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory (Java heap limit " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MB); give more with ROBERTA_JAVA_OPTS=-Xmx<size>, or lower --batch-size");
            return 1;
        } catch (StackOverflowError e) {
            System.err.println("error: input nested too deeply (stack overflow)");
            return 1;
        }
    }

    static String oneLine(Throwable ex) {
        // new UncheckedIOException(e), or a parallel stream rethrowing a worker's exception: the message
        // is only the cause's class and text, so the cause says it better
        while (ex.getCause() != null && ex.getCause() != ex && String.valueOf(ex.getMessage()).equals(ex.getCause().toString()))
            ex = ex.getCause();
        String msg;
        if (ex instanceof java.nio.file.NoSuchFileException e) {
            msg = e.getFile() + ": no such file";
        } else if (ex instanceof java.nio.file.AccessDeniedException e) {
            msg = e.getFile() + ": permission denied";
        } else if (ex instanceof java.nio.file.FileSystemException e && e.getMessage() != null && e.getMessage().equals(e.getFile())) {
            msg = e.getFile() + ": " + ex.getClass().getSimpleName().replace("Exception", "");
        } else if (ex instanceof NullPointerException || ex instanceof IndexOutOfBoundsException || ex instanceof ClassCastException
                || ex instanceof ArithmeticException || ex instanceof NegativeArraySizeException) {
            // our own errors name the file and what is wrong; these are bugs, said as such
            msg = "internal error (" + ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage())
                    + "); please report it (ROBERTA_DEBUG=1 prints the stack trace)";
        } else {
            msg = ex.getMessage();
            if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        }
        return msg.replace('\n', ' ').replace('\r', ' ');
    }
}
