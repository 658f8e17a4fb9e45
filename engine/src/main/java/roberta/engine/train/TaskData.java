package roberta.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.Encoding;
import roberta.tokenizer.RobertaTokenizer;

/**
 * Reads task data, all of it checked before training starts (errors name the file and line):
 * <ul>
 *   <li>seq-cls: JSON lines with "text", optional "text_pair", and "label" (a class name,
 *       a number for regression, or a list of names for multi-label);</li>
 *   <li>token-cls: "words" (a list) or "text" (split on whitespace) with "labels", one per
 *       word; a word's label goes to its first sub-token, the others are ignored;</li>
 *   <li>mlm: plain text (.txt, .txt.gz) or JSON lines with "text", cut into blocks.</li>
 * </ul>
 */
public final class TaskData {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A seq-cls or token-cls file's JSON lines, parsed once (null for a blank line), so that the
     * problem type, the label set and the examples are all read from one pass over the file.
     */
    public record Lines(Path file, List<JsonNode> nodes) {
        public static Lines read(Path file) throws IOException {
            return new Lines(file, jsonLines(file));
        }
    }

    private TaskData() {}

    /** Reads JSON objects strictly: trailing text after the object is an error, not ignored. */
    private static final com.fasterxml.jackson.databind.ObjectReader READER =
            JSON.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try (LineReader in = LineReader.open(file)) {
            String line;
            while ((line = in.next()) != null) {
                int n = in.line();
                if (line.isBlank()) { // no output row stands for a training line, so a gap misleads no one
                    out.add(null);
                    continue;
                }
                out.add(object(line, file + ":" + n + ": "));
            }
        }
        if (out.stream().allMatch(java.util.Objects::isNull)) throw new IllegalArgumentException(file + ": no examples");
        return out;
    }

    /** One line parsed as a JSON object; where is "FILE:LINE: " for the error. */
    public static JsonNode object(String line, String where) {
        JsonNode node;
        try {
            node = READER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + oneLine(roberta.tokenizer.JsonErrors.describe(e)));
        } catch (IOException e) {
            throw new IllegalArgumentException(where + "not valid JSON: " + oneLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException(where + "expected a JSON object");
        return node;
    }

    private static String oneLine(String s) {
        return s == null ? "" : LineReader.printable(s.replaceAll("\\s*[\\r\\n]+\\s*", " "), 300);
    }

    /** Lines of a text file (gunzipped for .gz), each bounded in length; see {@link LineReader}. */
    public static LineReader open(Path file) {
        return LineReader.open(file);
    }

    /** The label names a seq-cls or token-cls file uses, sorted (used when the model has no labels yet). */
    public static Map<Integer, String> labelSet(Lines data, Task task) {
        Problem problem = task == Task.SEQ_CLS ? problemOf(data) : Problem.SINGLE_LABEL;
        if (problem == Problem.REGRESSION) return Map.of(0, "LABEL_0");
        TreeSet<String> names = new TreeSet<>();
        List<JsonNode> lines = data.nodes();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = lines.get(i);
            if (n == null) continue;
            String where = data.file() + ":" + (i + 1) + ": ";
            if (task == Task.TOKEN_CLS) names.addAll(stringList(n, "labels", where));
            else if (problem == Problem.MULTI_LABEL) names.addAll(stringList(n, "label", where));
            else names.add(className(n.get("label"), where));
        }
        Map<Integer, String> out = new java.util.LinkedHashMap<>();
        for (String s : names) out.put(out.size(), s);
        return out;
    }

    /**
     * The label set a classifier trained on data gets from a base model: the base's own id2label
     * when it already is a classifier of this task that names its labels, else the names the data
     * uses. Labels named transformers' default way (LABEL_0, LABEL_1, ...) name nothing, as in
     * transformers' run_glue.py: unless the data uses those very names, the data's names number
     * the classes (a head of as many classes keeps its weights). finetune and compare both number
     * classes this way.
     */
    public static Map<Integer, String> labelsFor(Lines data, Task task, roberta.loader.RobertaConfig base) {
        if (task != Task.SEQ_CLS && task != Task.TOKEN_CLS) return null;
        boolean sameHead = base.architecture() != null && base.architecture().equals(task.head.architecture);
        if (!sameHead || base.id2label().isEmpty()) return labelSet(data, task);
        if (!defaultNames(base.id2label())) return base.id2label();
        // placeholders: kept when the data names its classes by them (LABEL_10 must stay class 10, not sort after LABEL_1)
        Map<Integer, String> fromData = labelSet(data, task);
        return base.id2label().values().containsAll(fromData.values()) ? base.id2label() : fromData;
    }

    /** Whether labels are transformers' placeholders LABEL_0..LABEL_{n-1}. */
    static boolean defaultNames(Map<Integer, String> labels) {
        for (var e : labels.entrySet()) if (!e.getValue().equals("LABEL_" + e.getKey())) return false;
        return true;
    }

    /**
     * The problem a seq-cls file poses, from its first label: a number is regression, a list
     * multi-label, a string single-label; anything else (null, true, an object) is an error.
     */
    public static Problem problemOf(Lines data) {
        List<JsonNode> lines = data.nodes();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = lines.get(i);
            if (n == null) continue;
            JsonNode l = n.get("label");
            String where = data.file() + ":" + (i + 1) + ": ";
            if (l == null) throw new IllegalArgumentException(where + "missing \"label\"");
            if (l.isNumber()) return Problem.REGRESSION;
            if (l.isArray()) return Problem.MULTI_LABEL;
            if (l.isTextual()) return Problem.SINGLE_LABEL;
            throw new IllegalArgumentException(where + "label is " + what(l) + "; expected a class name (a string), a number (regression) or a list of names (multi-label)");
        }
        return Problem.SINGLE_LABEL;
    }

    /** A single-label class name: a non-empty string (a number, null or true is not silently made one). */
    private static String className(JsonNode l, String where) {
        if (l == null) throw new IllegalArgumentException(where + "missing \"label\"");
        if (!l.isTextual())
            throw new IllegalArgumentException(where + "label is " + what(l) + ", not a class name (a string"
                    + (l.isNumber() ? "; quote it, or give every line a number for regression" : "") + ")");
        if (l.asText().isBlank()) throw new IllegalArgumentException(where + "label is an empty string");
        return l.asText();
    }

    /** A list of non-empty strings: multi-label "label", token-cls "labels" and "words". */
    private static List<String> stringList(JsonNode n, String field, String where) {
        JsonNode l = n.get(field);
        if (l == null) throw new IllegalArgumentException(where + "missing \"" + field + "\"");
        if (!l.isArray()) throw new IllegalArgumentException(where + "\"" + field + "\" is " + what(l) + ", expected a list of strings");
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            JsonNode x = l.get(i);
            if (!x.isTextual()) throw new IllegalArgumentException(where + "\"" + field + "\" item " + (i + 1) + " is " + what(x) + ", expected a string");
            if (x.asText().isBlank()) throw new IllegalArgumentException(where + "\"" + field + "\" item " + (i + 1) + " is an empty string");
            out.add(x.asText());
        }
        return out;
    }

    /** A value's kind and, unless null, the value: "null", "a boolean (true)", "an object ({"x":1})". */
    private static String what(JsonNode v) {
        return v.isNull() ? "null" : kind(v) + " (" + brief(v) + ")";
    }

    /** What a JSON value is, for messages. */
    private static String kind(JsonNode v) {
        if (v.isNull()) return "null";
        if (v.isBoolean()) return "a boolean";
        if (v.isNumber()) return "a number";
        if (v.isTextual()) return "a string";
        if (v.isArray()) return "a list";
        if (v.isObject()) return "an object";
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A value as JSON, cut short so that a message stays one readable line. */
    private static String brief(JsonNode v) {
        String s = oneLine(v.toString());
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /**
     * Refuses a token id the model has no embedding for (a tokenizer of another model), naming the
     * file and line, before any training: the kernels would otherwise meet it batches later.
     */
    public static void checkVocabulary(List<Example> examples, Object file, int vocab) {
        for (Example e : examples) {
            int at = roberta.engine.PackedBatch.firstOutside(e.ids(), vocab);
            if (at >= 0)
                throw new IllegalArgumentException(file + ":" + e.line() + ": token id " + e.ids()[at] + " is " + roberta.engine.PackedBatch.outsideVocabulary(vocab));
        }
    }

    /**
     * The special tokens put into every sequence (and {@code <mask>} for MLM) must have embeddings:
     * a tokenizer of a larger model would otherwise fail in the first batch, naming no input.
     *
     * @param tok the tokenizer
     * @param withMask whether {@code <mask>} is used (MLM training and evaluation)
     * @param where the tokenizer's folder, for the message
     * @param vocab the model's vocabulary size
     */
    public static void checkSpecialTokens(RobertaTokenizer tok, boolean withMask, Object where, int vocab) {
        String[] names = {"<s>", "</s>", "<pad>", "<mask>"};
        int[] ids = {tok.clsId(), tok.sepId(), tok.padId(), withMask ? tok.maskId() : 0};
        int at = roberta.engine.PackedBatch.firstOutside(ids, vocab);
        if (at >= 0)
            throw new IllegalArgumentException(where + ": the tokenizer's " + names[at] + " is id " + ids[at] + ", " + roberta.engine.PackedBatch.outsideVocabulary(vocab));
    }

    /**
     * What to tell the user when texts reach maxLength tokens: longer ones were cut there (as
     * transformers' scripts cut them), which is fine to do but not to do silently; null when none
     * did, or for MLM (whose blocks are that long by design).
     *
     * @param examples the examples read
     * @param task their task
     * @param maxLength the cut, special tokens included
     * @param file what to name
     * @return the notice, or null
     */
    public static String truncationNotice(List<Example> examples, Task task, int maxLength, Object file) {
        if (task == Task.MLM || examples.isEmpty()) return null;
        long cut = examples.stream().filter(e -> e.ids().length >= maxLength).count();
        if (cut == 0) return null;
        return file + ": " + cut + " of " + examples.size() + " examples reach " + maxLength + " tokens and are cut there"
                + (task == Task.TOKEN_CLS ? " (tags past the cut are neither trained nor scored)" : "") + "; --max-length sets the cut";
    }

    /** A classifier learns nothing from one class: refused, naming the file and the class. */
    public static void requireTwoClasses(Map<Integer, String> labels, Task task, Object file) {
        if ((task == Task.SEQ_CLS || task == Task.TOKEN_CLS) && labels != null && labels.size() < 2)
            throw new IllegalArgumentException(file + ": only one " + (task == Task.SEQ_CLS ? "label" : "tag") + (labels.isEmpty() ? "" : " (" + labels.values().iterator().next() + ")")
                    + "; a classifier needs at least two to learn anything");
    }

    public static List<Example> load(Path file, Task task, RobertaTokenizer tok, Map<Integer, String> labels,
                                     Problem problem, int maxLength) throws IOException {
        if (task == Task.MLM) return mlmExamples(file, tok, maxLength);
        return load(Lines.read(file), task, tok, labels, problem, maxLength);
    }

    /** The examples of a seq-cls or token-cls file already read. */
    public static List<Example> load(Lines data, Task task, RobertaTokenizer tok, Map<Integer, String> labels,
                                     Problem problem, int maxLength) {
        return switch (task) {
            case SEQ_CLS -> sequenceExamples(data, tok, labels, problem, maxLength);
            case TOKEN_CLS -> tokenExamples(data, tok, labels, maxLength);
            case MLM -> throw new IllegalArgumentException("mlm data is read from its file: use load(Path, ...)");
        };
    }

    private static Map<String, Integer> inverse(Map<Integer, String> labels) {
        Map<String, Integer> m = new java.util.HashMap<>();
        labels.forEach((i, s) -> m.put(s, i));
        return m;
    }

    /** Reads one example from a JSON line; where is "FILE:LINE: " for error messages. */
    @FunctionalInterface
    private interface LineParser {
        Example parse(JsonNode line, int number, String where);
    }

    private static List<Example> parseLines(Lines data, LineParser parser) {
        List<Example> out = new ArrayList<>();
        Path file = data.file();
        List<JsonNode> lines = data.nodes();
        for (int i = 0; i < lines.size(); i++)
            if (lines.get(i) != null) out.add(parser.parse(lines.get(i), i + 1, file + ":" + (i + 1) + ": "));
        return out;
    }

    private static List<Example> sequenceExamples(Lines data, RobertaTokenizer tok, Map<Integer, String> labels,
                                                  Problem problem, int maxLength) {
        Map<String, Integer> ids = inverse(labels);
        return parseLines(data, (n, number, where) -> {
            String text = text(n, "text", where);
            // nothing to learn from: refused in training (embed and classify take a text of whitespace, as transformers does)
            if (text.isBlank()) throw new IllegalArgumentException(where + "empty text" + (text.isEmpty() ? "" : " (only whitespace)"));
            String pair = n.hasNonNull("text_pair") ? text(n, "text_pair", where) : null;
            if (pair != null && pair.isBlank()) throw new IllegalArgumentException(where + "empty text_pair" + (pair.isEmpty() ? "" : " (only whitespace)"));
            JsonNode l = n.get("label");
            if (l == null) throw new IllegalArgumentException(where + "missing \"label\"");
            int label = -1;
            float[] values = null;
            switch (problem) {
                case REGRESSION -> {
                    if (!l.isNumber()) throw new IllegalArgumentException(where + "label is " + what(l) + ", not a number (this is a regression task)");
                    float v = (float) l.asDouble();
                    if (!Float.isFinite(v)) throw new IllegalArgumentException(where + "label " + brief(l) + " is too large for a 32-bit float");
                    values = new float[] {v};
                }
                case MULTI_LABEL -> {
                    values = new float[labels.size()];
                    for (String x : stringList(n, "label", where)) values[labelId(ids, x, where)] = 1f;
                }
                case SINGLE_LABEL -> label = labelId(ids, className(l, where), where);
            }
            Encoding e = tok.encode(text, pair, EncodeOptions.truncateTo(maxLength));
            return new Example(number, e.ids(), label, values, null);
        });
    }

    private static int labelId(Map<String, Integer> ids, String name, String where) {
        Integer id = ids.get(name);
        if (id == null) throw new IllegalArgumentException(where + "unknown label '" + LineReader.printable(name, 60) + "' (known: " + LineReader.printable(new TreeSet<>(ids.keySet()).toString(), 200) + ")");
        return id;
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode t = n.get(field);
        if (t == null || !t.isTextual()) throw new IllegalArgumentException(where + "\"" + field + "\" missing or not a string");
        return t.asText();
    }

    private static List<Example> tokenExamples(Lines data, RobertaTokenizer tok, Map<Integer, String> labels, int maxLength) {
        Map<String, Integer> ids = inverse(labels);
        return parseLines(data, (n, number, where) -> {
            List<String> words = new ArrayList<>();
            if (n.has("words")) words.addAll(stringList(n, "words", where));
            else for (String w : text(n, "text", where).trim().split("\\s+")) if (!w.isEmpty()) words.add(w);
            if (words.isEmpty()) throw new IllegalArgumentException(where + "empty text");
            List<String> l = stringList(n, "labels", where);
            if (l.size() != words.size())
                throw new IllegalArgumentException(where + l.size() + " labels for " + words.size() + " words");
            // words joined by single spaces; each token belongs to the word its offsets fall in
            StringBuilder sb = new StringBuilder();
            int[] wordStart = new int[words.size()];
            for (int w = 0; w < words.size(); w++) {
                if (w > 0) sb.append(' ');
                wordStart[w] = sb.length();
                sb.append(words.get(w));
            }
            Encoding e = tok.encode(sb.toString(), null, EncodeOptions.truncateTo(maxLength));
            int[] tokenLabels = new int[e.length()];
            java.util.Arrays.fill(tokenLabels, Example.IGNORE);
            int word = -1;
            for (int t = 0; t < e.length(); t++) {
                if (e.sequenceIds()[t] < 0 || e.offsetEnds()[t] <= e.offsetStarts()[t]) continue;
                int w = java.util.Arrays.binarySearch(wordStart, e.offsetStarts()[t]);
                if (w >= 0 && w != word) {
                    tokenLabels[t] = labelId(ids, l.get(w), where);
                    word = w;
                }
            }
            return new Example(number, e.ids(), -1, null, tokenLabels);
        });
    }

    private static List<Example> mlmExamples(Path file, RobertaTokenizer tok, int maxLength) throws IOException {
        List<String> texts = new ArrayList<>();
        List<Integer> lineOf = new ArrayList<>(); // a .jsonl file's: each text's line (blank lines are skipped)
        String name = file.toString().replaceAll("\\.gz$", "");
        boolean corpus = !(name.endsWith(".jsonl") || name.endsWith(".json")); // a .txt corpus: one text, cut into blocks
        List<Integer> lineStarts = new ArrayList<>(); // a corpus's line starts, in chars of its text
        if (!corpus) {
            List<JsonNode> lines = jsonLines(file);
            for (int i = 0; i < lines.size(); i++)
                if (lines.get(i) != null) {
                    texts.add(text(lines.get(i), "text", file + ":" + (i + 1) + ": "));
                    lineOf.add(i + 1);
                }
        } else {
            StringBuilder sb = new StringBuilder();
            try (LineReader in = LineReader.open(file)) {
                String line;
                while ((line = in.next()) != null) {
                    lineStarts.add(sb.length());
                    sb.append(line).append('\n');
                }
            }
            texts.add(sb.toString()); // its blocks are named by lineStarts, not lineOf
        }
        int block = maxLength - 2;
        List<Example> out = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            Encoding enc = tok.encode(texts.get(t), null, new EncodeOptions(false, 0, null, 0));
            int[] ids = enc.ids();
            for (int s = 0; s < ids.length; s += block) {
                int e = Math.min(ids.length, s + block);
                if (s > 0 && e - s < 8) continue; // a scrap at the end of a long text (a short text is kept whole)
                int[] seq = new int[e - s + 2];
                seq[0] = tok.clsId();
                System.arraycopy(ids, s, seq, 1, e - s);
                seq[seq.length - 1] = tok.sepId();
                // a corpus block is named by the line its first token comes from
                int line = corpus ? lineAt(lineStarts, enc.offsetStarts()[s]) : lineOf.get(t);
                out.add(new Example(line, seq, -1, null, null));
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no text");
        return out;
    }

    /** The 1-based line holding char offset {@code at}, given each line's first char offset (ascending). */
    private static int lineAt(List<Integer> lineStarts, int at) {
        int lo = 0, hi = lineStarts.size() - 1; // the last start <= at
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts.get(mid) <= at) lo = mid; else hi = mid - 1;
        }
        return lo + 1;
    }
}
