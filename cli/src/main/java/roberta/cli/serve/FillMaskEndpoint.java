package roberta.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import roberta.loader.HeadType;

/**
 * POST /fill-mask: {@code ./roberta fill-mask} over each text (input: a string or a list), top_k
 * candidates per {@code <mask>}; each row's "masks" is what {@code fill-mask --json} prints.
 */
final class FillMaskEndpoint implements JsonEndpoint {
    static final int MAX_TOP_K = 1000;
    static final long MAX_CANDIDATES = 10_000;

    @Override
    public JsonNode handle(ServedModel model, JsonNode body) throws Exception {
        HeadType head = model.roberta().model().head();
        if (head != HeadType.MASKED_LM) throw ApiError.badRequest("/fill-mask needs a RobertaForMaskedLM model; this server runs a " + head.architecture);
        model.requireTrainedHead("/fill-mask");
        List<String> texts = RequestFields.inputs(body, model.limits().maxInputs());
        int topK = RequestFields.integer(body, "top_k", 5, 1, Math.min(MAX_TOP_K, model.roberta().model().config().vocabSize()));
        int maskId = model.roberta().tokenizer().maskId();
        long masks = 0;
        for (int i = 0; i < texts.size(); i++) {
            int inText = 0;
            for (int id : model.roberta().tokenizer().encode(texts.get(i)).ids()) if (id == maskId) inText++;
            if (inText == 0) throw ApiError.badRequest("'input'[" + i + "] has no <mask> token");
            masks += inText;
        }
        // each candidate carries its whole filled-in text: 4 texts of 60 masks at top_k 50261
        // (a 1.7 KB body) were 12 million strings, and the server ran out of memory
        if (masks * topK > MAX_CANDIDATES)
            throw ApiError.tooLarge(masks + " masks x top_k " + topK + " = " + masks * topK + " candidates, more than the " + MAX_CANDIDATES + " answered per request");
        int[] tokens = model.tokens(texts, false); // a cut text could lose its mask: never truncated
        List<Object> results = model.run(new ModelTask.FillMask(topK), texts, tokens);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < results.size(); i++) data.addObject().put("index", i).set("masks", JSON.valueToTree(results.get(i)));
        out.put("model", model.name());
        int total = ServedModel.sum(tokens);
        out.putObject("usage").put("prompt_tokens", total).put("total_tokens", total);
        return out;
    }
}
