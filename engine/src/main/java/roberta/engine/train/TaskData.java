package roberta.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import roberta.engine.Objective;
import roberta.engine.Targets;
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

    static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader in = open(file)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    out.add(null);
                    continue;
                }
                try {
                    JsonNode node = JSON.readTree(line);
                    if (!node.isObject()) throw new IllegalArgumentException(file + ":" + n + ": expected a JSON object");
                    out.add(node);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not valid JSON: " + e.getOriginalMessage());
                }
            }
        }
        if (out.stream().allMatch(java.util.Objects::isNull)) throw new IllegalArgumentException(file + ": no examples");
        return out;
    }

    /** A UTF-8 reader over a text file, gunzipped when its name ends in .gz; a missing file is a one-line error. */
    public static BufferedReader open(Path file) throws IOException {
        try {
            java.io.InputStream raw = Files.newInputStream(file);
            if (file.toString().endsWith(".gz")) raw = new GZIPInputStream(raw);
            return new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        }
    }

    /** The label names a seq-cls or token-cls file uses, sorted (used when the model has no labels yet). */
    public static Map<Integer, String> labelSet(Lines data, Task task) {
        TreeSet<String> names = new TreeSet<>();
        Path file = data.file();
        List<JsonNode> lines = data.nodes();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = lines.get(i);
            if (n == null) continue;
            JsonNode l = n.get(task == Task.TOKEN_CLS ? "labels" : "label");
            if (l == null) throw new IllegalArgumentException(file + ":" + (i + 1) + ": missing \"" + (task == Task.TOKEN_CLS ? "labels" : "label") + "\"");
            if (l.isArray()) l.forEach(x -> names.add(x.asText()));
            else if (l.isNumber() && task == Task.SEQ_CLS) return Map.of(0, "LABEL_0"); // regression
            else names.add(l.asText());
        }
        Map<Integer, String> out = new java.util.LinkedHashMap<>();
        for (String s : names) out.put(out.size(), s);
        return out;
    }

    /** True if the seq-cls file's labels are numbers (regression) or lists (multi-label). */
    public static Objective.Problem problemOf(Lines data) {
        for (JsonNode n : data.nodes()) {
            if (n == null || n.get("label") == null) continue;
            if (n.get("label").isNumber()) return Objective.Problem.REGRESSION;
            if (n.get("label").isArray()) return Objective.Problem.MULTI_LABEL;
            return Objective.Problem.SINGLE_LABEL;
        }
        return Objective.Problem.SINGLE_LABEL;
    }

    public static List<Example> load(Path file, Task task, RobertaTokenizer tok, Map<Integer, String> labels,
                                     Objective.Problem problem, int maxLength) throws IOException {
        if (task == Task.MLM) return mlmExamples(file, tok, maxLength);
        return load(Lines.read(file), task, tok, labels, problem, maxLength);
    }

    /** The examples of a seq-cls or token-cls file already read. */
    public static List<Example> load(Lines data, Task task, RobertaTokenizer tok, Map<Integer, String> labels,
                                     Objective.Problem problem, int maxLength) {
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
                                                  Objective.Problem problem, int maxLength) {
        Map<String, Integer> ids = inverse(labels);
        return parseLines(data, (n, number, where) -> {
            String text = text(n, "text", where);
            if (text.isBlank()) throw new IllegalArgumentException(where + "empty text");
            String pair = n.hasNonNull("text_pair") ? text(n, "text_pair", where) : null;
            JsonNode l = n.get("label");
            if (l == null) throw new IllegalArgumentException(where + "missing \"label\"");
            int label = -1;
            float[] values = null;
            switch (problem) {
                case REGRESSION -> {
                    if (!l.isNumber()) throw new IllegalArgumentException(where + "label " + l + " is not a number (regression)");
                    values = new float[] {(float) l.asDouble()};
                }
                case MULTI_LABEL -> {
                    if (!l.isArray()) throw new IllegalArgumentException(where + "label " + l + " is not a list (multi-label)");
                    values = new float[labels.size()];
                    for (JsonNode x : l) values[labelId(ids, x.asText(), where)] = 1f;
                }
                case SINGLE_LABEL -> label = labelId(ids, l.asText(), where);
            }
            Encoding e = tok.encode(text, pair, EncodeOptions.truncateTo(maxLength));
            return new Example(number, e.ids(), label, values, null);
        });
    }

    private static int labelId(Map<String, Integer> ids, String name, String where) {
        Integer id = ids.get(name);
        if (id == null) throw new IllegalArgumentException(where + "unknown label '" + name + "' (known: " + new TreeSet<>(ids.keySet()) + ")");
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
            if (n.has("words") && n.get("words").isArray()) n.get("words").forEach(w -> words.add(w.asText()));
            else for (String w : text(n, "text", where).trim().split("\\s+")) if (!w.isEmpty()) words.add(w);
            if (words.isEmpty()) throw new IllegalArgumentException(where + "empty text");
            JsonNode l = n.get("labels");
            if (l == null || !l.isArray()) throw new IllegalArgumentException(where + "\"labels\" missing or not a list");
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
            java.util.Arrays.fill(tokenLabels, Targets.IGNORE);
            int word = -1;
            for (int t = 0; t < e.length(); t++) {
                if (e.sequenceIds()[t] < 0 || e.offsetEnds()[t] <= e.offsetStarts()[t]) continue;
                int w = java.util.Arrays.binarySearch(wordStart, e.offsetStarts()[t]);
                if (w >= 0 && w != word) {
                    tokenLabels[t] = labelId(ids, l.get(w).asText(), where);
                    word = w;
                }
            }
            return new Example(number, e.ids(), -1, null, tokenLabels);
        });
    }

    private static List<Example> mlmExamples(Path file, RobertaTokenizer tok, int maxLength) throws IOException {
        List<String> texts = new ArrayList<>();
        String name = file.toString().replaceAll("\\.gz$", "");
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            List<JsonNode> lines = jsonLines(file);
            for (int i = 0; i < lines.size(); i++) if (lines.get(i) != null) texts.add(text(lines.get(i), "text", file + ":" + (i + 1) + ": "));
        } else {
            StringBuilder sb = new StringBuilder();
            try (BufferedReader in = open(file)) {
                String line;
                while ((line = in.readLine()) != null) sb.append(line).append('\n');
            }
            texts.add(sb.toString());
        }
        int block = maxLength - 2;
        List<Example> out = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            int[] ids = tok.encode(texts.get(t), null, new EncodeOptions(false, 0, null, 0)).ids();
            for (int s = 0; s < ids.length; s += block) {
                int e = Math.min(ids.length, s + block);
                if (e - s < 8 && out.size() > 0) continue; // a scrap at the end
                int[] seq = new int[e - s + 2];
                seq[0] = tok.clsId();
                System.arraycopy(ids, s, seq, 1, e - s);
                seq[seq.length - 1] = tok.sepId();
                out.add(new Example(t + 1, seq, -1, null, null));
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no text");
        return out;
    }
}
