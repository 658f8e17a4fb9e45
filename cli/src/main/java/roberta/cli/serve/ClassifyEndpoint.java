package roberta.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import roberta.engine.Roberta;
import roberta.loader.HeadType;

/** POST /classify: {@code ./roberta classify} over the request's texts; each row has label, score and scores by label. */
final class ClassifyEndpoint implements JsonEndpoint {
    @Override
    public JsonNode handle(ServedModel model, JsonNode body) throws Exception {
        HeadType head = model.roberta().model().head();
        if (head != HeadType.SEQUENCE_CLASSIFICATION)
            throw ApiError.badRequest("/classify needs a RobertaForSequenceClassification model; this server runs a " + head.architecture);
        model.requireTrainedHead("/classify");
        List<String> texts = RequestFields.inputs(body, model.limits().maxInputs());
        boolean truncate = RequestFields.bool(body, "truncate", false);
        int[] tokens = model.tokens(texts, truncate);
        List<Object> predictions = model.run(new ModelTask.Classify(truncate), texts, tokens);
        Map<Integer, String> labels = model.roberta().model().config().id2label();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < predictions.size(); i++) {
            Roberta.Prediction p = (Roberta.Prediction) predictions.get(i);
            // the same fields and order as classify's rows
            ObjectNode row = data.addObject().put("index", i).put("label", p.label()).put("score", p.score());
            ObjectNode scores = row.putObject("scores");
            for (int c = 0; c < p.scores().length; c++) scores.put(labels.getOrDefault(c, "LABEL_" + c), p.scores()[c]);
        }
        out.put("model", model.name());
        int total = ServedModel.sum(tokens);
        out.putObject("usage").put("prompt_tokens", total).put("total_tokens", total);
        return out;
    }
}
