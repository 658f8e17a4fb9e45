package roberta.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import roberta.engine.ModelFolder;
import roberta.engine.RobertaModel;
import roberta.kernels.Devices;
import roberta.loader.Checkpoint;
import roberta.loader.HeadType;

@Command(name = "bench-load", mixinStandardHelpOptions = true,
        description = {"Time loading a checkpoint: mapping and validating the safetensors file (zero-copy),",
                "and building the model in memory. --create writes a random roberta-base folder (500 MB F32) first."})
final class BenchLoadCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model folder")
    Path model;

    @Option(names = "--create", description = "Write a random roberta-base checkpoint into --model if it has none")
    boolean create;

    @Option(names = "--rounds", defaultValue = "5", description = "Loads timed, the best kept. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Override
    public Integer call() {
        if (create && !Files.isRegularFile(model.resolve("model.safetensors"))) {
            System.err.println("writing a random roberta-base checkpoint to " + model);
            ModelFolder.save(RobertaModel.random(BenchCommand.preset("roberta-base"), HeadType.NONE, Devices.open("auto", null, StderrListener.INSTANCE), 1), null, model);
        }
        long bytes = model.resolve("model.safetensors").toFile().length();
        double bestOpen = Double.MAX_VALUE, bestLoad = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            try (Checkpoint c = Checkpoint.open(model)) {
                long views = 0;
                for (String name : c.names()) views += c.segment(name).byteSize(); // a view per tensor, nothing copied
                if (views == 0) throw new IllegalStateException("no tensor data");
            }
            bestOpen = Math.min(bestOpen, (System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            RobertaModel m = RobertaModel.load(model, Devices.open("auto", null, StderrListener.INSTANCE), null, null, 0);
            bestLoad = Math.min(bestLoad, (System.nanoTime() - t1) / 1e9);
            if (m.params().isEmpty()) throw new IllegalStateException();
        }
        System.out.printf("%s: %.0f MB; map + validate + views of every tensor: %.1f ms; load into a model (copy, F32): %.0f ms (best of %d)%n",
                model, bytes / 1e6, bestOpen * 1e3, bestLoad * 1e3, rounds);
        return 0;
    }
}
