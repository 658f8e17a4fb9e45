package roberta.cli;

import roberta.engine.train.Problem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import roberta.engine.Objective;
import roberta.engine.RobertaModel;
import roberta.engine.train.Example;
import roberta.engine.train.Task;
import roberta.engine.train.TaskData;
import roberta.tokenizer.RobertaTokenizer;

/** A fine-tuned model folder with labelled data read for its head (what evaluate and grad share). */
record LabelledRun(RobertaModel model, RobertaTokenizer tokenizer, Task task, Map<Integer, String> labels, List<Example> examples) {
    static LabelledRun load(ModelOptions options, Path data, int maxLength) throws IOException {
        RobertaModel m = options.loadTrainable();
        m.requireTrainedHead(options.adapter != null ? options.adapter : options.model, "scoring examples");
        Task task = Task.of(m.head());
        RobertaTokenizer tok = options.loadTokenizer();
        Map<Integer, String> labels = m.config().id2label();
        Problem problem = task == Task.SEQ_CLS ? Objective.problem(m) : Problem.SINGLE_LABEL;
        int max = Math.min(maxLength, m.config().maxPositionEmbeddings() - m.config().padTokenId() - 1);
        List<Example> examples = TaskData.load(data, task, tok, labels, problem, max);
        TaskData.checkSpecialTokens(tok, task == Task.MLM, options.tokenizer != null ? options.tokenizer : options.model, m.config().vocabSize());
        TaskData.checkVocabulary(examples, data, m.config().vocabSize());
        String cut = TaskData.truncationNotice(examples, task, max, data);
        if (cut != null) System.err.println("warning: " + cut);
        return new LabelledRun(m, tok, task, labels, examples);
    }
}
