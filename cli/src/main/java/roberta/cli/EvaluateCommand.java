package roberta.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import roberta.engine.Evaluation;
import roberta.engine.Objective;
import roberta.engine.RobertaModel;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.kernels.CpuBackend;
import roberta.tokenizer.RobertaTokenizer;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a fine-tuned model: accuracy and macro-F1; entity-level F1 for token tasks; Pearson/Spearman for regression; perplexity for MLM.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model folder with a head")
    Path model;

    @Option(names = "--data", required = true, description = "Labelled data in the format finetune takes")
    Path data;

    @Option(names = "--batch-size", defaultValue = "32") int batchSize;
    @Option(names = "--max-length", defaultValue = "512") int maxLength;

    @Override
    public Integer call() throws Exception {
        RobertaModel m = RobertaModel.load(model, CpuBackend.INSTANCE, null, null, 0);
        Task task = Task.of(m.head());
        RobertaTokenizer tok = RobertaTokenizer.load(model);
        Map<Integer, String> labels = m.config().id2label();
        Objective.Problem problem = task == Task.SEQ_CLS ? Objective.problem(m) : Objective.Problem.SINGLE_LABEL;
        int max = Math.min(maxLength, m.config().maxPositionEmbeddings() - m.config().padTokenId() - 1);
        List<Example> examples = TaskData.load(data, task, tok, labels, problem, max);
        System.out.println(JsonLines.JSON.writeValueAsString(Evaluation.evaluate(m, tok, task, examples, labels, batchSize, 0)));
        return 0;
    }
}
