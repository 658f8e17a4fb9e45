package roberta.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.Gradients;
import roberta.loader.SafetensorsWriter;

@Command(name = "grad", mixinStandardHelpOptions = true,
        description = {"Loss and gradient of every trainable parameter on one batch (dropout off), as safetensors:",
                "loss (F32 [1]) and grad.<name> with Hugging Face names. Lines: text, optional text_pair, and label (or labels per word)."})
final class GradCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, description = "JSON lines")
    Path input;

    @Option(names = "--output", required = true, description = "Output .safetensors")
    Path output;

    @Option(names = "--freeze", description = "Frozen parameters (see finetune)") String freeze;
    @Option(names = "--train-only", description = "Trainable parameters only (see finetune)") String trainOnly;
    @Option(names = "--max-length", defaultValue = "512", description = "Truncate examples to N tokens. Default: ${DEFAULT-VALUE}") int maxLength;

    @Override
    public Integer call() throws Exception {
        LabelledRun run = LabelledRun.load(modelOptions, input, maxLength);
        Gradients.Result r = Gradients.compute(run.model(), run.tokenizer(), run.task(), run.examples(), freeze, trainOnly);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        w.addFloats("loss", new float[] {(float) r.loss()}, 1);
        r.grads().forEach((name, g) -> w.addFloats("grad." + name, g.values(), g.shape()));
        w.write(output);
        System.err.printf("grad: loss %.6f, %d gradients -> %s%n", r.loss(), r.grads().size(), output);
        return 0;
    }
}
