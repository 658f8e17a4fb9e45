package roberta.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.Roberta;

@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Sequence classification: label and scores per input, labels from config.json's id2label.")
final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, description = "JSON lines (text, text_pair), .txt or .csv/.tsv")
    String input;

    @Option(names = "--output", defaultValue = "-", description = "JSON lines; - for stdout (default)")
    String output;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences per batch (sorted by length). Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate inputs to N tokens (0: an input longer than the model takes is an error)")
    int maxLength;

    @Option(names = "--text-column", description = "Field or column holding the text (default: text)")
    String textColumn;

    @Override
    public Integer call() throws Exception {
        List<Inputs.Item> items = Inputs.read(input, textColumn, null);
        Roberta roberta = modelOptions.load();
        List<String> texts = items.stream().map(Inputs.Item::text).toList();
        List<String> pairs = items.stream().anyMatch(i -> i.pair() != null) ? items.stream().map(Inputs.Item::pair).toList() : null;
        List<Roberta.Prediction> predictions;
        try {
            predictions = roberta.classify(texts, pairs, batchSize, maxLength);
        } catch (IllegalArgumentException e) {
            throw Inputs.located(input, items, e);
        }
        var labels = roberta.model().config().id2label();
        try (AtomicOutput out = new AtomicOutput(output)) {
            for (int row = 0; row < predictions.size(); row++) {
                Roberta.Prediction p = predictions.get(row);
                Inputs.Item item = items.get(row);
                // the input's line (and id) in every row, so rows can be matched to inputs without counting
                ObjectNode node = JsonLines.JSON.createObjectNode().put("line", item.line());
                if (item.id() != null) node.set("id", item.id());
                node.put("label", p.label()).put("score", p.score());
                ObjectNode scores = node.putObject("scores");
                for (int i = 0; i < p.scores().length; i++) scores.put(labels.getOrDefault(i, "LABEL_" + i), p.scores()[i]);
                out.stream().write(JsonLines.JSON.writeValueAsBytes(node));
                out.stream().write('\n');
            }
            out.commit();
        }
        return 0;
    }
}
