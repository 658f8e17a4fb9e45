package roberta.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import roberta.tokenizer.RobertaTokenizer;

/** Same protocol as shared/bench/TokBench.java: one thread, line by line, special tokens added, best of 5. */
@Command(name = "bench-tokenizer", mixinStandardHelpOptions = true,
        description = "Time encoding a text file line by line on one thread; prints MB/s and tokens/s.")
final class BenchTokenizerCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Folder with the tokenizer files")
    Path model;

    @Option(names = "--input", required = true, description = "Text file, encoded a line at a time")
    Path input;

    @Option(names = "--rounds", defaultValue = "5", description = "Timed passes; the best is reported")
    int rounds;

    @Override
    public Integer call() throws Exception {
        List<String> lines = new java.util.ArrayList<>();
        try (var in = roberta.engine.train.LineReader.open(input)) { // bounded lines: /dev/zero is an error, not a heap
            for (String l; (l = in.next()) != null; ) lines.add(l);
        }
        long bytes = 0;
        for (String l : lines) bytes += l.getBytes(StandardCharsets.UTF_8).length;
        RobertaTokenizer tok = RobertaTokenizer.load(model);
        long tokens = 0;
        for (String l : lines) tokens += tok.encode(l).length(); // warm-up pass, also fills the word cache
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            long sink = 0;
            for (String l : lines) sink += tok.encode(l).length();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            if (sink != tokens) throw new IllegalStateException("token count changed between passes");
        }
        System.out.printf("roberta-java: %d lines, %.1f MB, %d tokens: %.3f s, %.1f MB/s, %.2f Mtok/s%n",
                lines.size(), bytes / 1e6, tokens, best, bytes / 1e6 / best, tokens / 1e6 / best);
        return 0;
    }
}
