package roberta.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A model endpoint: a JSON object in, a JSON answer out; an {@link ApiError} for a known failure. */
interface JsonEndpoint {
    ObjectMapper JSON = new ObjectMapper();

    JsonNode handle(ServedModel model, JsonNode body) throws Exception;
}
