package roberta.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * A JSON parse error as a user reads it: Jackson's own message, without the parser's internals it
 * appends (the redacted source, the start marker's location, which feature flag would allow a
 * non-standard token). Every module that reads JSON (tokenizer files, configs, indexes, data
 * lines, requests) says its errors through here.
 */
public final class JsonErrors {
    private JsonErrors() {}

    /**
     * The plain message of a parse error.
     *
     * @param e what Jackson threw
     * @return e.g. "Unexpected end-of-input: expected close marker for Object", "Non-standard token 'NaN'"
     */
    public static String describe(JsonProcessingException e) {
        String s = e.getOriginalMessage();
        if (s == null) return e.getClass().getSimpleName();
        s = s.replaceAll("\\s*\\(start marker at \\[Source: [^\\]]*\\]\\)", ""); // location inside a location
        s = s.replaceAll("\\s*at \\[Source: [^\\]]*\\]", "").replaceAll("\\s*\\[Source: [^\\]]*\\]", "");
        s = s.replaceAll(":?\\s*enable `[A-Za-z_.]+` to allow", "");
        s = s.replaceAll("\\s*\\(`[A-Za-z_.]+` disabled\\)", "");
        // FAIL_ON_TRAILING_TOKENS's wording: the Java type bound and the feature's name
        s = s.replaceAll("\\s*\\(bound as `[^`]*`\\)", "").replaceAll(":?\\s*not allowed as per `[^`]*`", "");
        // StreamReadConstraints' limits: "... the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"
        s = s.replaceAll(",\\s*from `[^`]*`", "");
        return s.strip();
    }
}
