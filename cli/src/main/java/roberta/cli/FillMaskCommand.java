package roberta.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import roberta.engine.Roberta;

@Command(name = "fill-mask", mixinStandardHelpOptions = true, description = "Predict the tokens behind <mask> with a masked-LM checkpoint.")
final class FillMaskCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--top-k", defaultValue = "5", description = "Candidates per mask. Default: ${DEFAULT-VALUE}")
    int topK;

    @Option(names = "--json", description = "Print JSON instead of a table")
    boolean json;

    @Parameters(paramLabel = "TEXT", description = "Text with one or more <mask> tokens")
    String text;

    @Override
    public Integer call() throws Exception {
        Roberta roberta = modelOptions.load();
        List<List<Roberta.Candidate>> result = roberta.fillMask(text, topK);
        if (json) {
            System.out.println(JsonLines.JSON.writeValueAsString(result));
            return 0;
        }
        for (int m = 0; m < result.size(); m++) {
            if (result.size() > 1) System.out.println("mask " + (m + 1) + ":");
            for (Roberta.Candidate c : result.get(m))
                System.out.printf("%8.4f  %-16s %s%n", c.score(), JsonLines.JSON.writeValueAsString(c.token()), c.sequence());
        }
        return 0;
    }
}
