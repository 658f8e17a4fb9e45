package roberta.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.tokenizer.RobertaTokenizer;

/** Loss and gradients of one batch in eval mode (dropout off), for checks against other implementations. */
public final class Gradients {
    private Gradients() {}

    /** A gradient with its shape. */
    public record Grad(float[] values, long[] shape) {}

    /** Loss and the gradient of every trainable parameter, keyed by the name transformers stores it under. */
    public record Result(double loss, Map<String, Grad> grads) {}

    public static Result compute(RobertaModel model, RobertaTokenizer tok, Task task, List<Example> examples, String freeze, String trainOnly) {
        Freezing.apply(model, Freezing.parse(freeze, trainOnly));
        List<int[]> ids = new ArrayList<>();
        for (Example e : examples) ids.add(e.ids());
        PackedBatch batch = PackedBatch.of(ids, null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
        if (task == Task.MLM) throw new IllegalArgumentException("grad for mlm needs labelled positions; use seq-cls or token-cls data");
        Targets targets = Targets.of(task, examples);
        Tape tape = new Tape();
        double loss;
        try (Graph g = new Graph(model.backend(), tape, false, 0)) {
            Var logits = model.head(g, batch, model.encode(g, batch, false, false).last());
            loss = Objective.lossAndSeed(g, model, batch, logits, targets);
            tape.backward();
        }
        Map<String, Grad> grads = new LinkedHashMap<>();
        for (Param p : model.allParams().values()) { // with an adapter attached, its lora_A and lora_B too
            if (!p.trainable) continue;
            float[] values = p.grad == null ? new float[p.value.size()] : model.backend().toHost(p.grad);
            grads.put(ModelFolder.storedName(model, p.name), new Grad(values, ModelFolder.toLong(p.value.shape())));
        }
        return new Result(loss, grads);
    }

}
