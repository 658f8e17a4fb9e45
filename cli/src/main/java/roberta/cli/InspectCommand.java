package roberta.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import roberta.loader.Checkpoint;
import roberta.loader.RobertaConfig;
import roberta.tokenizer.RobertaTokenizer;

@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe a model folder: architecture, sizes, dtype, parameters, heads, and anything missing or unexpected.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model folder")
    Path model;

    @Override
    public Integer call() {
        try (Checkpoint c = Checkpoint.open(model)) {
            RobertaConfig cfg = c.config();
            System.out.println("model:        " + model.toAbsolutePath());
            System.out.println("architecture: " + c.head().architecture + (cfg.architecture() == null ? " (inferred from tensors)" : ""));
            System.out.printf("sizes:        %d layers, hidden %d, %d heads (head size %d), intermediate %d, vocab %d, positions %d%n",
                    cfg.numHiddenLayers(), cfg.hiddenSize(), cfg.numAttentionHeads(), cfg.headSize(), cfg.intermediateSize(),
                    cfg.vocabSize(), cfg.maxPositionEmbeddings());
            System.out.printf("numerics:     %s, layer_norm_eps %g, dtype %s%n", cfg.hiddenAct(), cfg.layerNormEps(), c.dtypes());
            System.out.printf("parameters:   %,d in %d tensors%n", c.parameterCount(), c.names().size());
            switch (c.head()) {
                case MASKED_LM -> System.out.println("head:         masked LM, decoder " + (c.decoderTied() ? "tied to the word embeddings" : "stored separately"));
                case SEQUENCE_CLASSIFICATION, TOKEN_CLASSIFICATION -> System.out.println("head:         " + cfg.numLabels() + " labels " + cfg.id2label().values()
                        + (cfg.problemType() == null ? "" : ", " + cfg.problemType()));
                case NONE -> System.out.println("head:         none" + (c.has("pooler.dense.weight") ? " (pooler present)" : ""));
            }
            System.out.println("tokenizer:    " + (RobertaTokenizer.existsIn(model) ? "present" : "absent (tokenize elsewhere or add tokenizer.json)"));
            System.out.println("missing:      " + (c.missing().isEmpty() ? "none" : String.join(", ", c.missing()) + " (initialised when fine-tuning)"));
            System.out.println("unexpected:   " + (c.unexpected().isEmpty() ? "none" : String.join(", ", c.unexpected())));
        }
        return 0;
    }
}
