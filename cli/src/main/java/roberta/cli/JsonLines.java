package roberta.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import roberta.engine.train.LineReader;
import roberta.engine.train.TaskData;

/**
 * Reads JSON lines ("-" is stdin); a bad line is reported as FILE:LINE with what is wrong. Every
 * line must hold one object, a blank line included: the outputs of embed, classify and
 * tokenize have a row per input line, so a skipped line would shift every row after it.
 */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One input record with the line it came from. */
    record Line(int number, JsonNode value) {}

    private JsonLines() {}

    static List<Line> read(String name) {
        List<Line> out = new ArrayList<>();
        try (LineReader in = open(name)) {
            String line;
            while ((line = in.next()) != null) {
                String where = in.name() + ":" + in.line() + ": ";
                if (line.isBlank()) throw new IllegalArgumentException(where + "blank line (each line is one input: a JSON object)");
                out.add(new Line(in.line(), TaskData.object(line, where)));
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(display(name) + ": no input lines");
        return out;
    }

    /** The input's name in messages. */
    static String display(String name) {
        return name.equals("-") ? "<stdin>" : name;
    }

    /** Bounded lines of a file (gunzipped for .gz) or of stdin for "-". */
    static LineReader open(String name) {
        if (name.equals("-")) return LineReader.of(new java.io.FilterInputStream(System.in) {
            @Override
            public void close() {} // stdin stays open for whoever runs next (tests run commands in one JVM)
        }, "<stdin>", false);
        return LineReader.open(Path.of(name));
    }

    /** The string field of a record, or an error naming the line; null if optional and absent. */
    static String text(String file, Line line, String field, boolean required) {
        JsonNode v = line.value().get(field);
        if (v == null || v.isNull()) {
            if (required) throw new IllegalArgumentException(file + ":" + line.number() + ": missing \"" + field + "\"");
            return null;
        }
        if (!v.isTextual()) throw new IllegalArgumentException(file + ":" + line.number() + ": \"" + field + "\" is not a string");
        return v.asText();
    }
}
