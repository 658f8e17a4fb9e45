package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import roberta.engine.FineTuning;
import roberta.engine.TrainOptions;
import roberta.engine.train.Task;

/** A Java user who sets nothing gets what `./roberta finetune` does with no flags. */
class FinetuneDefaultsTest {
    @Test
    void theBuildersDefaultsAreTheCommandsDefaults() {
        FinetuneCommand cmd = new FinetuneCommand();
        new CommandLine(cmd).parseArgs("--model", "m", "--train", "t.jsonl", "--task", "seq-cls", "--output", "out");
        TrainOptions cli = cmd.options();
        assertEquals(cli, TrainOptions.defaults(Task.SEQ_CLS));
        assertEquals(cli, FineTuning.of(Path.of("m")).options());
    }
}
