package roberta.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.engine.Objective;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.tokenizer.RobertaTokenizer;
import roberta.engine.train.Problem;

/**
 * Seeded, time-bounded fuzzing of the input readers: JSON lines, CSV/TSV, .txt and their gzip
 * forms (truncated, corrupted, concatenated members), read both as inference inputs
 * (Inputs.read) and as training data (TaskData). Each mutated input must parse or fail with our
 * own one-line IllegalArgumentException naming the file; no other exception, no hang.
 *
 * <p>CI runs it for a few seconds with a fixed seed; {@code -Droberta.fuzz.seconds=N
 * -Droberta.fuzz.seed=S} runs longer or elsewhere, {@code -Droberta.fuzz.case=C} replays one
 * case (a failure prints its seed and case). Lines are capped at 4 KiB during the run so that
 * the length limit is reached too.
 */
class InputsFuzzTest {
    static final String[] KINDS = {"jsonl", "csv", "tsv", "txt", "seq-cls", "token-cls", "mlm"};
    static final String[] WORDS = {"a", "hello", "world", "café", "😀", "<mask>", "\\\"", "x,y", "tab\\there", "O", "B-PER", " ", ""};
    static final byte[] SPECIAL = {'\n', '\r', '"', ',', '\t', '{', '}', '[', ']', ':', '\\', 0, (byte) 0xFF, (byte) 0xC3, (byte) 0xA9, (byte) 0xE2, (byte) 0x80, ' '};

    @TempDir
    Path dir;

    @Test
    void mutatedInputsParseOrFailWithOurOneLineError() throws Exception {
        long seed = Long.getLong("roberta.fuzz.seed", 20261201L);
        double seconds = Double.parseDouble(System.getProperty("roberta.fuzz.seconds", "3"));
        Long only = Long.getLong("roberta.fuzz.case");
        RobertaTokenizer tok = RobertaTokenizer.load(CliTest.MLM);
        Map<String, Integer> tally = new TreeMap<>();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true); // a hung case must not keep the JVM alive
            return t;
        });
        String oldMax = System.getProperty("roberta.maxLineBytes");
        System.setProperty("roberta.maxLineBytes", "4096");
        long cases = 0, slowest = 0, slowCase = -1, start = System.nanoTime();
        try {
            for (long c = only == null ? 0 : only; only == null ? System.nanoTime() < deadline : c == only; c++) {
                cases++;
                long g0 = System.nanoTime();
                Random rnd = caseRandom(seed, c);
                String kind = KINDS[rnd.nextInt(KINDS.length)];
                boolean gz = rnd.nextInt(4) == 0;
                byte[] plain = document(kind, rnd);
                byte[] bytes = gz ? gzipMutated(plain, rnd) : mutate(plain, rnd);
                Path file = dir.resolve("case" + c + extension(kind) + (gz ? ".gz" : ""));
                Files.write(file, bytes);
                long caseNo = c;
                Future<String> f = worker.submit(() -> read(kind, file, tok, caseRandom(~seed, caseNo)));
                String outcome;
                try {
                    outcome = f.get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    throw new AssertionError(report(seed, c, kind, bytes, "hung for 20 s"));
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable t = e.getCause();
                    if (!(t instanceof IllegalArgumentException) || !wellFormed(t.getMessage(), file)) {
                        AssertionError err = new AssertionError(report(seed, c, kind, bytes, t.toString()), t);
                        throw err;
                    }
                    outcome = "rejected: " + category(t.getMessage(), file);
                }
                tally.merge(kind + (gz ? ".gz" : "") + " " + outcome, 1, Integer::sum);
                if (System.nanoTime() - g0 > slowest) {
                    slowest = System.nanoTime() - g0;
                    slowCase = c;
                }
                Files.delete(file);
            }
        } finally {
            if (oldMax == null) System.clearProperty("roberta.maxLineBytes");
            else System.setProperty("roberta.maxLineBytes", oldMax);
            worker.shutdownNow();
            System.out.printf("InputsFuzzTest: seed %d, %d cases in %.1f s (slowest: case %d, %.1f ms)%n",
                    seed, cases, (System.nanoTime() - start) / 1e9, slowCase, slowest / 1e6);
            tally.forEach((k, v) -> System.out.printf("  %6d  %s%n", v, k));
        }
        if (cases == 0) fail("no case ran");
    }

    /**
     * The commands end to end on mutated inputs (fewer cases: each loads the model): exit 0
     * with one output row per input, or exit 1 with one line that names the file.
     */
    @Test
    void commandsOnMutatedInputsExitCleanly() throws Exception {
        long seed = Long.getLong("roberta.fuzz.seed", 20261201L);
        double seconds = Double.parseDouble(System.getProperty("roberta.fuzz.seconds", "3")) / 2;
        long deadline = System.nanoTime() + (long) (seconds * 1e9), cases = 0;
        Map<String, Integer> tally = new TreeMap<>();
        String[] kinds = {"jsonl", "csv", "tsv", "txt"};
        for (long c = 0; System.nanoTime() < deadline; c++) {
            cases++;
            Random rnd = caseRandom(seed ^ 0x5DEECE66DL, c);
            String kind = kinds[rnd.nextInt(kinds.length)];
            byte[] bytes = mutate(document(kind, rnd), rnd);
            Path file = dir.resolve("cmd" + c + extension(kind)), out = dir.resolve("out" + c + ".jsonl");
            Files.write(file, bytes);
            String command = rnd.nextBoolean() ? "embed" : "forward";
            CliTest.Run r = command.equals("embed")
                    ? CliTest.run("embed", "--model", CliTest.MLM.toString(), "--input", file.toString(), "--output", out.toString(), "--max-length", "64")
                    : CliTest.run("forward", "--model", CliTest.MLM.toString(), "--input", file.toString(), "--output", dir.resolve("f" + c + ".safetensors").toString(), "--max-length", "64");
            String err = r.err().replace("WARNING: Using incubator modules: jdk.incubator.vector", "").strip();
            boolean ok = r.code() == 0 || (r.code() == 1 && err.startsWith("error: " + file + ":") && err.indexOf('\n') < 0);
            if (!ok) throw new AssertionError(report(seed, c, kind + " " + command, bytes, "exit " + r.code() + ": " + err));
            if (r.code() == 0 && command.equals("embed")) {
                int rows = Files.readAllLines(out).size(), inputs = Inputs.read(file.toString(), null, null).size();
                if (rows != inputs) throw new AssertionError(report(seed, c, kind, bytes, rows + " rows for " + inputs + " inputs"));
            }
            tally.merge(command + " " + kind + (r.code() == 0 ? " ok" : " error"), 1, Integer::sum);
        }
        System.out.printf("InputsFuzzTest (commands): seed %d, %d cases in %.1f s%n", seed, cases, seconds);
        tally.forEach((k, v) -> System.out.printf("  %6d  %s%n", v, k));
    }

    /**
     * The generator of one case: seed and case number mixed (SplitMix64), since Randoms made
     * from consecutive seeds start with nearly the same numbers and would pick the same kinds.
     */
    static Random caseRandom(long seed, long c) {
        long z = seed * 0x9E3779B97F4A7C15L + (c + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** Reads the file the way the commands do; "parsed" if it was accepted. */
    static String read(String kind, Path file, RobertaTokenizer tok, Random rnd) throws Exception {
        String name = file.toString();
        switch (kind) {
            case "jsonl", "csv", "tsv", "txt" -> Inputs.read(name, rnd.nextBoolean() ? null : "text", rnd.nextInt(3) == 0 ? "text_pair" : null);
            case "seq-cls", "token-cls" -> {
                Task task = kind.equals("seq-cls") ? Task.SEQ_CLS : Task.TOKEN_CLS;
                TaskData.Lines lines = TaskData.Lines.read(file);
                if (rnd.nextBoolean()) { // finetune of a new head: problem and labels from the data
                    Problem p = task == Task.SEQ_CLS ? TaskData.problemOf(lines) : Problem.SINGLE_LABEL;
                    TaskData.load(lines, task, tok, TaskData.labelSet(lines, task), p, 32);
                } else { // evaluate: labels and problem from the model
                    Problem p = Problem.values()[rnd.nextInt(3)];
                    TaskData.load(lines, task, tok, Map.of(0, "neg", 1, "pos", 2, "O", 3, "B-PER"), p, 32);
                }
            }
            case "mlm" -> TaskData.load(file, Task.MLM, tok, Map.of(), Problem.SINGLE_LABEL, 32);
            default -> throw new IllegalStateException(kind);
        }
        return "parsed";
    }

    static String extension(String kind) {
        return switch (kind) {
            case "csv" -> ".csv";
            case "tsv" -> ".tsv";
            case "txt", "mlm" -> ".txt";
            default -> ".jsonl";
        };
    }

    /** A valid document of the kind, a few lines long. */
    static byte[] document(String kind, Random rnd) {
        StringBuilder sb = new StringBuilder();
        int lines = 1 + rnd.nextInt(6), style = rnd.nextInt(4);
        if (kind.equals("csv") || kind.equals("tsv")) sb.append(kind.equals("csv") ? "id,text,text_pair\n" : "id\ttext\ttext_pair\n");
        for (int i = 0; i < lines; i++) {
            String text = words(rnd);
            switch (kind) {
                case "jsonl" -> sb.append("{\"id\": ").append(i).append(", \"text\": \"").append(text).append("\"")
                        .append(rnd.nextBoolean() ? ", \"text_pair\": \"" + words(rnd) + "\"" : "").append("}\n");
                case "csv" -> sb.append(i).append(",\"").append(text.replace("\"", "\"\"")).append("\",").append(words(rnd).replace(",", ";")).append('\n');
                case "tsv" -> sb.append(i).append('\t').append(text.replace("\t", " ")).append('\t').append(words(rnd).replace("\t", " ")).append('\n');
                case "txt", "mlm" -> sb.append(text).append('\n');
                case "seq-cls" -> sb.append("{\"text\": \"").append(text).append("\", \"label\": ").append(label(rnd, style)).append("}\n");
                case "token-cls" -> {
                    int n = 1 + rnd.nextInt(4);
                    StringBuilder w = new StringBuilder(), l = new StringBuilder();
                    for (int k = 0; k < n; k++) {
                        w.append(k > 0 ? ", " : "").append('"').append(WORDS[rnd.nextInt(4)]).append('"');
                        l.append(k > 0 ? ", " : "").append(rnd.nextBoolean() ? "\"O\"" : "\"B-PER\"");
                    }
                    sb.append("{\"words\": [").append(w).append("], \"labels\": [").append(l).append("]}\n");
                }
                default -> throw new IllegalStateException(kind);
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A label in the document's style (class names, numbers or lists), now and then one of the wrong type. */
    static String label(Random rnd, int style) {
        if (rnd.nextInt(10) == 0) return new String[] {"null", "true", "{\"x\": 1}", "[1, null]", "3", "\"\""}[rnd.nextInt(6)];
        return switch (style) {
            case 0 -> String.valueOf(rnd.nextInt(100) / 10.0);
            case 1 -> rnd.nextBoolean() ? "[\"neg\", \"pos\"]" : "[\"pos\"]";
            default -> rnd.nextBoolean() ? "\"pos\"" : "\"neg\"";
        };
    }

    static String words(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(6);
        for (int i = 0; i < n; i++) sb.append(i > 0 ? " " : "").append(WORDS[rnd.nextInt(WORDS.length)]);
        return sb.toString();
    }

    /** A few random edits: flips, special bytes, deletions, duplications, a long run, a cut. */
    static byte[] mutate(byte[] in, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = in.clone();
        int edits = rnd.nextInt(5);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = SPECIAL[rnd.nextInt(SPECIAL.length)];
                case 2 -> b = splice(b, at, Math.min(b.length, at + 1 + rnd.nextInt(8)), new byte[0]);
                case 3 -> b = splice(b, at, at, java.util.Arrays.copyOfRange(b, at, Math.min(b.length, at + 1 + rnd.nextInt(40))));
                case 4 -> b = splice(b, at, at, new byte[] {SPECIAL[rnd.nextInt(SPECIAL.length)]});
                case 5 -> { // a long line: past the 4 KiB cap, or just under it
                    byte[] run = new byte[rnd.nextBoolean() ? 5000 : 3000];
                    java.util.Arrays.fill(run, (byte) (rnd.nextBoolean() ? 'x' : '"'));
                    b = splice(b, at, at, run);
                }
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        out.writeBytes(b);
        return out.toByteArray();
    }

    static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }

    /** Gzip of a (maybe mutated) document, then maybe truncated, corrupted or followed by more members or junk. */
    static byte[] gzipMutated(byte[] plain, Random rnd) throws Exception {
        byte[] z = gzip(rnd.nextBoolean() ? plain : mutate(plain, rnd));
        switch (rnd.nextInt(5)) {
            case 0 -> z = java.util.Arrays.copyOf(z, rnd.nextInt(z.length + 1)); // cut short
            case 1 -> {
                for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) z[rnd.nextInt(z.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 2 -> z = splice(z, z.length, z.length, gzip(plain)); // cat a.gz b.gz
            case 3 -> z = splice(z, z.length, z.length, java.util.Arrays.copyOf(plain, Math.min(plain.length, 1 + rnd.nextInt(20)))); // junk after
            default -> { } // intact
        }
        return z;
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    /** Ours: one line, starting with the file's name (then ":LINE:" or ": "). */
    static boolean wellFormed(String message, Path file) {
        return message != null && message.startsWith(file.toString() + ":") && message.indexOf('\n') < 0 && message.indexOf('\r') < 0;
    }

    /** The kind of error without its details, for the tally ("line longer than", "not valid JSON"). */
    static String category(String message, Path file) {
        String rest = message.substring(file.toString().length() + 1).replaceFirst("^\\d+:", "")
                .replaceAll("\\[.*?\\]|\\{.*?\\}|\"[^\"]*\"|'[^']*'|\\(.*", "").strip();
        String[] w = rest.split("[ (\"']+");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(3, w.length); i++) sb.append(i > 0 ? " " : "").append(w[i].replaceAll("\\d+", "N"));
        return sb.toString();
    }

    static String report(long seed, long c, String kind, byte[] bytes, String what) {
        String shown = new String(bytes, 0, Math.min(bytes.length, 600), StandardCharsets.ISO_8859_1).replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0");
        return "fuzz seed " + seed + " case " + c + " (" + kind + ", " + bytes.length + " bytes; replay with -Droberta.fuzz.seed=" + seed
                + " -Droberta.fuzz.case=" + c + "): " + what + "\n  input: " + shown;
    }
}
