package roberta.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Typed access to a request's JSON fields: a missing field takes its default, a wrong type is a 400 naming the field. */
final class RequestFields {
    private RequestFields() {}

    /** "input": one string or a non-empty list of strings (at most maxInputs: more is a 413). */
    static List<String> inputs(JsonNode body, int maxInputs) {
        JsonNode in = body.get("input");
        if (in == null || in.isNull()) throw ApiError.badRequest("'input' is required: a string or a list of strings");
        if (in.isTextual()) return List.of(nonEmpty(in.textValue(), "'input'"));
        if (!in.isArray()) throw ApiError.badRequest("'input' must be a string or a list of strings, got " + kind(in));
        if (in.isEmpty()) throw ApiError.badRequest("'input' is an empty list");
        if (in.size() > maxInputs) throw ApiError.tooLarge("'input' has " + in.size() + " texts, more than the " + maxInputs + " allowed per request");
        List<String> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            JsonNode t = in.get(i);
            if (!t.isTextual()) throw ApiError.badRequest("'input'[" + i + "] must be a string, got " + kind(t) + " (token arrays are not accepted)");
            out.add(nonEmpty(t.textValue(), "'input'[" + i + "]"));
        }
        return out;
    }

    /** An empty text has no tokens to embed or classify: refused, as the command line refuses it (and OpenAI's API). */
    private static String nonEmpty(String text, String where) {
        if (text.isEmpty()) throw ApiError.badRequest(where + " is an empty string");
        return text;
    }

    static String string(JsonNode body, String field, String dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw ApiError.badRequest("'" + field + "' must be a string, got " + kind(v));
        return v.textValue();
    }

    static boolean bool(JsonNode body, String field, boolean dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiError.badRequest("'" + field + "' must be true or false, got " + kind(v));
        return v.booleanValue();
    }

    static int integer(JsonNode body, String field, int dflt, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiError.badRequest("'" + field + "' must be an integer, got " + kind(v));
        int i = v.intValue();
        if (i < min || i > max) throw ApiError.badRequest("'" + field + "' must be in " + min + ".." + max + ", got " + i);
        return i;
    }

    private static String kind(JsonNode v) {
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
