package roberta.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import roberta.engine.EmbedOptions;
import roberta.engine.LayerSelection;
import roberta.engine.Pooling;

/**
 * POST /embed and POST /v1/embeddings: {@code ./roberta embed} over the request's texts.
 * Both take pooling, layers, normalize and truncate (the embed command's defaults: the model's
 * own pooling, last layer, not normalised; a sentence-transformers model truncates as it was
 * made to); /v1/embeddings answers in OpenAI's shape, with encoding_format float or
 * base64 (little-endian float32).
 */
final class EmbedEndpoint implements JsonEndpoint {
    private final boolean openAi;

    EmbedEndpoint(boolean openAi) {
        this.openAi = openAi;
    }

    @Override
    public JsonNode handle(ServedModel model, JsonNode body) throws Exception {
        List<String> texts = RequestFields.inputs(body, model.limits().maxInputs());
        RequestFields.string(body, "model", null); // OpenAI clients send one; any name is this server's model
        String format = RequestFields.string(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) throw ApiError.badRequest("'encoding_format' must be float or base64, got " + format);
        boolean base64 = format.equals("base64");
        if (base64 && !openAi) throw ApiError.badRequest("'encoding_format' base64 is for /v1/embeddings");
        Pooling pooling;
        String layers = RequestFields.string(body, "layers", "last");
        try {
            String named = RequestFields.string(body, "pooling", null);
            pooling = named == null ? null : Pooling.parse(named);
            LayerSelection.parse(layers, model.roberta().model().config().numHiddenLayers());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        if (openAi && pooling == Pooling.NONE) throw ApiError.badRequest("'pooling' none gives no single vector; use /embed");
        boolean normalize = RequestFields.bool(body, "normalize", false);
        boolean truncate = RequestFields.bool(body, "truncate", model.roberta().sentenceTransformerConfig() != null);
        int[] tokens = model.tokens(texts, truncate);
        // the batch size is set per batch by the task; 1 here only keeps equal requests' keys equal
        EmbedOptions options = EmbedOptions.DEFAULT.withPooling(pooling).layers(layers).batchSize(1);
        if (normalize) options = options.normalized();
        if (truncate) options = options.truncating();
        int width;
        try {
            width = model.roberta().embeddingWidth(options);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        JsonNode dimensions = body.get("dimensions"); // OpenAI's: shortened vectors, which only some models are trained to give
        if (dimensions != null && !dimensions.isNull() && !(dimensions.canConvertToExactIntegral() && dimensions.canConvertToInt() && dimensions.asInt() == width))
            throw ApiError.badRequest("'dimensions' " + dimensions + ": this model's embeddings have " + width + " values and are not shortened");
        ModelTask task = new ModelTask.Embed(options);
        List<Object> vectors = model.run(task, texts, tokens);

        ObjectNode out = JSON.createObjectNode();
        if (openAi) out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            float[] v = (float[]) vectors.get(i);
            ObjectNode row = data.addObject();
            if (openAi) row.put("object", "embedding");
            row.put("index", i);
            if (base64) {
                row.put("embedding", base64(v));
            } else if (pooling == Pooling.NONE) {
                ArrayNode rows = row.putArray("embedding"); // [tokens][width], as embed writes it
                for (int t = 0; t < v.length / width; t++) {
                    ArrayNode r = rows.addArray();
                    for (int c = 0; c < width; c++) r.add(v[t * width + c]);
                }
            } else {
                ArrayNode arr = row.putArray("embedding");
                for (float f : v) arr.add(f);
            }
        }
        out.put("model", model.name());
        int total = ServedModel.sum(tokens);
        out.putObject("usage").put("prompt_tokens", total).put("total_tokens", total);
        return out;
    }

    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
