package roberta.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Input texts from JSON lines ("text", optional "text_pair"), plain text (a line each), or
 * CSV/TSV with a header row and --text-column (and --pair-column). Errors name file and line.
 */
final class Inputs {
    /** One input: where it came from, its text and optional pair, and the JSON record if any. */
    record Item(int line, String text, String pair, JsonNode json) {}

    private Inputs() {}

    static List<Item> read(String file, String textColumn, String pairColumn) throws IOException {
        String lower = file.toLowerCase(java.util.Locale.ROOT).replaceAll("\\.gz$", "");
        List<Item> items;
        if (lower.endsWith(".csv") || lower.endsWith(".tsv")) {
            items = readDelimited(file, lower.endsWith(".tsv") ? '\t' : ',', textColumn == null ? "text" : textColumn, pairColumn);
        } else if (lower.endsWith(".txt")) {
            items = new ArrayList<>();
            try (BufferedReader in = JsonLines.open(file)) {
                String line;
                int n = 0;
                while ((line = in.readLine()) != null) {
                    n++;
                    if (!line.isBlank()) items.add(new Item(n, line, null, null));
                }
            }
        } else {
            items = new ArrayList<>();
            String field = textColumn == null ? "text" : textColumn, pairField = pairColumn == null ? "text_pair" : pairColumn;
            for (JsonLines.Line l : JsonLines.read(file)) {
                String text = JsonLines.text(file, l, field, true);
                items.add(new Item(l.number(), text, JsonLines.text(file, l, pairField, false), l.value()));
            }
        }
        if (items.isEmpty()) throw new IllegalArgumentException(file + ": no input lines");
        return items;
    }

    private static List<Item> readDelimited(String file, char sep, String textColumn, String pairColumn) throws IOException {
        List<Item> items = new ArrayList<>();
        try (BufferedReader in = JsonLines.open(file)) {
            CsvReader csv = new CsvReader(in, sep, file);
            List<String> header = csv.next();
            if (header == null) throw new IllegalArgumentException(file + ": empty file");
            int textIdx = header.indexOf(textColumn), pairIdx = pairColumn == null ? -1 : header.indexOf(pairColumn);
            if (textIdx < 0) throw new IllegalArgumentException(file + ":1: no column '" + textColumn + "' in header " + header + " (use --text-column)");
            if (pairColumn != null && pairIdx < 0) throw new IllegalArgumentException(file + ":1: no column '" + pairColumn + "' in header " + header);
            List<String> row;
            while ((row = csv.next()) != null) {
                if (row.size() == 1 && row.get(0).isEmpty()) continue;
                if (row.size() != header.size())
                    throw new IllegalArgumentException(file + ":" + csv.line() + ": " + row.size() + " fields, header has " + header.size());
                items.add(new Item(csv.line(), row.get(textIdx), pairIdx < 0 ? null : row.get(pairIdx), null));
            }
        }
        return items;
    }

    /** RFC 4180 records: quoted fields may hold separators, doubled quotes and newlines. */
    static final class CsvReader {
        private final BufferedReader in;
        private final char sep;
        private final String file;
        private int line, recordLine;

        CsvReader(BufferedReader in, char sep, String file) {
            this.in = in;
            this.sep = sep;
            this.file = file;
        }

        int line() {
            return recordLine;
        }

        List<String> next() throws IOException {
            String text = in.readLine();
            if (text == null) return null;
            line++;
            recordLine = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            int i = 0;
            while (true) {
                if (i >= text.length()) {
                    if (!quoted) break;
                    String more = in.readLine(); // newline inside a quoted field
                    if (more == null) throw new IllegalArgumentException(file + ":" + recordLine + ": unterminated quoted field");
                    line++;
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
