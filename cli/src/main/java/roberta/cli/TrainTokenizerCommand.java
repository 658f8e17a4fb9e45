package roberta.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import roberta.loader.AtomicFiles;
import roberta.tokenizer.BpeTrainer;
import roberta.tokenizer.TokenizerFolderWriter;
import roberta.tokenizer.WordCounts;

@Command(name = "train-tokenizer", mixinStandardHelpOptions = true,
        description = {"Learn a byte-level BPE vocabulary from plain-text files (UTF-8, .gz too), as Hugging Face's",
                "ByteLevelBPETokenizer.train does, and write a tokenizer folder: vocab.json, merges.txt, tokenizer.json,",
                "tokenizer_config.json, special_tokens_map.json."})
final class TrainTokenizerCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Training text, one or more files, read line by line")
    List<Path> files;

    @Option(names = "--output", required = true, description = "Folder to write (replaced whole when it exists)")
    Path output;

    @Option(names = "--vocab-size", defaultValue = "16000", description = "Vocabulary size, special tokens and the 256 bytes included (default ${DEFAULT-VALUE})")
    int vocabSize;

    @Option(names = "--min-frequency", defaultValue = "2", description = "Stop when the best pair occurs fewer times (default ${DEFAULT-VALUE})")
    long minFrequency;

    @Option(names = "--special-tokens", split = ",", description = "Special tokens at ids 0.. in this order (default <s>,<pad>,</s>,<unk>,<mask>)")
    List<String> specialTokens = BpeTrainer.ROBERTA_SPECIAL_TOKENS;

    @Option(names = "--model-max-length", defaultValue = "512", description = "model_max_length in tokenizer_config.json (default ${DEFAULT-VALUE})")
    int modelMaxLength;

    @Override
    public Integer call() throws Exception {
        for (String s : BpeTrainer.ROBERTA_SPECIAL_TOKENS)
            if (!specialTokens.contains(s)) throw new IllegalArgumentException("--special-tokens: RoBERTa needs " + s + " among them");
        if (vocabSize < specialTokens.size() + 256)
            throw new IllegalArgumentException("--vocab-size: at least " + (specialTokens.size() + 256) + " (the special tokens and the 256 bytes), got " + vocabSize);
        ReplacedFolder.check("train-tokenizer", output, java.util.Set.copyOf(roberta.engine.ModelFolder.TOKENIZER_FILES));
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException(f + ": not a readable file");
            total += Files.size(f);
        }
        WordCounts counts = new WordCounts();
        try (Progress bar = new Progress("counting words", total, "B")) {
            long[] shown = {0}; // bytes of all files so far that the bar shows
            long base = 0;
            for (Path f : files) {
                long fileStart = base;
                boolean gzip = f.toString().endsWith(".gz");
                try (InputStream raw = Files.newInputStream(f); CountingStream counted = new CountingStream(raw);
                     InputStream text = gzip ? gunzip(counted, f) : counted) {
                    counts.addStream(text, f.toString(), ignored -> {
                        bar.advance(fileStart + counted.count - shown[0]);
                        shown[0] = fileStart + counted.count;
                    });
                } catch (java.io.EOFException e) {
                    throw new IllegalArgumentException(f + ": " + (gzip ? "the gzip stream ends early (file cut short?)" : "ends early"));
                } catch (java.util.zip.ZipException e) {
                    throw new IllegalArgumentException(f + ": corrupt gzip data (" + e.getMessage() + ")");
                }
                base += Files.size(f);
                bar.advance(base - shown[0]);
                shown[0] = base;
            }
        }
        System.err.printf("%,d words, %,d distinct%n", counts.total(), counts.distinct());
        BpeTrainer.Result result;
        try (Progress bar = new Progress("merging", vocabSize, "tokens")) {
            int[] last = {0};
            result = new BpeTrainer(vocabSize, minFrequency, specialTokens).train(counts, size -> {
                bar.advance(size - last[0]);
                last[0] = size;
            });
        }
        AtomicFiles.writeFolder(output, dir -> TokenizerFolderWriter.write(result, modelMaxLength, dir));
        System.err.printf("vocabulary of %,d tokens (%,d merges) written to %s%n", result.vocab().size(), result.merges().size(), output);
        return 0;
    }

    /** Counts the compressed bytes read, so progress runs over file sizes for .gz files too. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) count += n;
            return n;
        }
    }

    /** A .gz file's text; a file that is no gzip at all (or empty) is said so, naming it. */
    private static InputStream gunzip(InputStream in, Path f) throws IOException {
        try {
            return new GZIPInputStream(in, 1 << 16); // reads the header now
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IllegalArgumentException(f + ": not a gzip file" + (e instanceof java.io.EOFException ? " (empty or cut short)" : " (" + e.getMessage() + ")"));
        }
    }
}
