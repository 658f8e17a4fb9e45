package roberta.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads JSON lines ("-" is stdin); a bad line is reported as FILE:LINE with what is wrong. */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One input record with the line it came from. */
    record Line(int number, JsonNode value) {}

    private JsonLines() {}

    static List<Line> read(String name) throws IOException {
        List<Line> out = new ArrayList<>();
        try (BufferedReader in = open(name)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(name + ":" + number + ": not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
                }
                if (!node.isObject()) throw new IllegalArgumentException(name + ":" + number + ": expected a JSON object");
                out.add(new Line(number, node));
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(name + ": no input lines");
        return out;
    }

    static BufferedReader open(String name) throws IOException {
        if (name.equals("-")) return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return roberta.engine.train.TaskData.open(Path.of(name));
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
