package roberta.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import roberta.engine.train.LineReader;

/**
 * Input texts from JSON lines ("text", optional "text_pair"), plain text (a line each), or
 * CSV/TSV with a header row and --text-column (and --pair-column). Errors name file and line.
 *
 * <p>One input per line (per record for CSV/TSV), always: outputs are matched to inputs by
 * position, so a blank line or an empty text is an error naming its line rather than being
 * skipped, which would shift every later row onto the wrong input.
 */
final class Inputs {
    /** One input: the line it starts on, its text and optional pair, and its "id" (JSON value or CSV column) if any. */
    record Item(int line, String text, String pair, JsonNode id) {}

    private Inputs() {}

    static List<Item> read(String file, String textColumn, String pairColumn) {
        String lower = file.toLowerCase(Locale.ROOT).replaceAll("\\.gz$", "");
        String name = JsonLines.display(file);
        List<Item> items = new ArrayList<>();
        if (lower.endsWith(".csv") || lower.endsWith(".tsv")) {
            readDelimited(file, lower.endsWith(".tsv") ? '\t' : ',', textColumn == null ? "text" : textColumn, pairColumn, items);
        } else if (lower.endsWith(".txt")) {
            try (LineReader in = JsonLines.open(file)) {
                String line;
                while ((line = in.next()) != null) {
                    if (line.isBlank()) throw new IllegalArgumentException(name + ":" + in.line() + ": blank line (every line is an input; remove it or give it text)");
                    items.add(new Item(in.line(), line, null, null));
                }
            }
        } else {
            String field = textColumn == null ? "text" : textColumn, pairField = pairColumn == null ? "text_pair" : pairColumn;
            for (JsonLines.Line l : JsonLines.read(file)) {
                String where = name + ":" + l.number() + ": ";
                String text = nonEmpty(JsonLines.text(name, l, field, true), field, where);
                String pair = JsonLines.text(name, l, pairField, false);
                items.add(new Item(l.number(), text, pair == null ? null : nonEmpty(pair, pairField, where), l.value().get("id")));
            }
        }
        if (items.isEmpty()) throw new IllegalArgumentException(name + ": no input lines");
        return items;
    }

    private static final java.util.regex.Pattern INPUT_N = java.util.regex.Pattern.compile("^input (\\d+) ");

    /**
     * The engine names an input by its position ("input 3 has 600 tokens"); this puts the
     * file and line in front, which is what a user can find. Other errors pass unchanged.
     */
    static IllegalArgumentException located(String file, List<Item> items, IllegalArgumentException e) {
        var m = e.getMessage() == null ? null : INPUT_N.matcher(e.getMessage());
        if (m == null || !m.find()) return e;
        int n = Integer.parseInt(m.group(1));
        if (n < 1 || n > items.size()) return e;
        return new IllegalArgumentException(JsonLines.display(file) + ":" + items.get(n - 1).line() + ": " + e.getMessage(), e);
    }

    private static String nonEmpty(String text, String field, String where) {
        if (text.isEmpty()) throw new IllegalArgumentException(where + "empty \"" + field + "\""); // whitespace is a text, as in transformers
        return text;
    }

    private static void readDelimited(String file, char sep, String textColumn, String pairColumn, List<Item> items) {
        String name = JsonLines.display(file);
        try (LineReader in = JsonLines.open(file)) {
            CsvReader csv = new CsvReader(in, sep);
            List<String> header = csv.next();
            if (header == null) throw new IllegalArgumentException(name + ": empty file");
            int textIdx = header.indexOf(textColumn), pairIdx = pairColumn == null ? -1 : header.indexOf(pairColumn), idIdx = header.indexOf("id");
            String shown = LineReader.printable(header.toString(), 200); // a header may hold a quoted newline
            if (textIdx < 0) throw new IllegalArgumentException(name + ":1: no column '" + textColumn + "' in header " + shown + " (use --text-column)");
            if (pairColumn != null && pairIdx < 0) throw new IllegalArgumentException(name + ":1: no column '" + pairColumn + "' in header " + shown);
            List<String> row;
            while ((row = csv.next()) != null) {
                String where = name + ":" + csv.line() + ": ";
                if (row.size() == 1 && row.get(0).isBlank()) throw new IllegalArgumentException(where + "blank row (every row is an input; remove it)");
                if (row.size() != header.size()) throw new IllegalArgumentException(where + row.size() + " fields, header has " + header.size());
                String text = nonEmpty(row.get(textIdx), textColumn, where);
                String pair = pairIdx < 0 ? null : nonEmpty(row.get(pairIdx), pairColumn, where);
                items.add(new Item(csv.line(), text, pair, idIdx < 0 ? null : TextNode.valueOf(row.get(idIdx))));
            }
        }
    }

    /**
     * RFC 4180 records: quoted fields may hold separators, doubled quotes and newlines. A
     * record is bounded like a line, so an unclosed quote cannot swallow a whole large file.
     */
    static final class CsvReader {
        private final LineReader in;
        private final char sep;
        private final long maxRecordChars = LineReader.maxLineBytes();
        private int recordLine;

        CsvReader(LineReader in, char sep) {
            this.in = in;
            this.sep = sep;
        }

        /** The line the last record started on. */
        int line() {
            return recordLine;
        }

        List<String> next() {
            String text = in.next();
            if (text == null) return null;
            recordLine = in.line();
            long chars = text.length();
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            int i = 0;
            while (true) {
                if (i >= text.length()) {
                    if (!quoted) break;
                    String more = in.next(); // newline inside a quoted field
                    if (more == null) throw new IllegalArgumentException(in.name() + ":" + recordLine + ": unterminated quoted field");
                    chars += more.length() + 1;
                    if (chars > maxRecordChars)
                        throw new IllegalArgumentException(in.name() + ":" + recordLine + ": record longer than " + maxRecordChars + " characters (an unclosed quote?)");
                    field.append('\n');
                    text = more;
                    i = 0;
                    continue;
                }
                char c = text.charAt(i++);
                if (quoted) {
                    if (c == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == '"' && field.isEmpty()) {
                    quoted = true;
                } else if (c == sep) {
                    fields.add(field.toString());
                    field.setLength(0);
                } else {
                    field.append(c);
                }
            }
            fields.add(field.toString());
            return fields;
        }
    }
}
