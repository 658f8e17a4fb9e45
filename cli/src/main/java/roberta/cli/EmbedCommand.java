package roberta.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.EmbedOptions;
import roberta.engine.Pooling;
import roberta.engine.Roberta;
import roberta.loader.Npy;
import roberta.loader.AtomicFiles;
import roberta.loader.DType;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Feature extraction: the encoder's hidden states for each input, pooled.",
                "Output format follows the extension: .npy ([N, width], NumPy), .safetensors (\"embeddings\"), else JSON lines."})
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, description = "JSON lines (text, text_pair), .txt (a line each) or .csv/.tsv; - for stdin (JSON lines)")
    String input;

    @Option(names = "--output", required = true, description = "Output file (.npy, .safetensors, .jsonl) or - for JSON lines on stdout")
    String output;

    @Option(names = "--pooling", description = "cls, mean, max, mean-sqrt-len, weighted-mean, last-token or none (every token). Default: the model's own (a sentence-transformers folder's Pooling, Dense and Normalize modules), else mean")
    String pooling;

    @Option(names = "--layers", defaultValue = "last", description = "last, all, an index (-2), a list (0,6,12: concatenated) or mean-last:K. Default: ${DEFAULT-VALUE}")
    String layers;

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences per batch (sorted by length). Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "0", description = "Tokens per sequence including <s>/</s> (0: the model's limit); longer texts are truncated unless --stride is given")
    int maxLength;

    @Option(names = "--stride", defaultValue = "0", description = "Sliding windows over long texts, sharing N tokens; overlapping states are averaged")
    int stride;

    @Option(names = "--normalize", description = "L2-normalise each vector")
    boolean normalize;

    @Option(names = "--text-column", description = "Field or column holding the text (default: text)")
    String textColumn;

    @Option(names = "--pair-column", description = "Field or column holding the second text of a pair (default: text_pair)")
    String pairColumn;

    @Override
    public Integer call() throws Exception {
        Pooling pool = pooling == null ? null : Pooling.parse(pooling);
        String lower = output.toLowerCase(java.util.Locale.ROOT);
        boolean npy = lower.endsWith(".npy"), safetensors = lower.endsWith(".safetensors");
        if (npy && pool == Pooling.NONE) throw new IllegalArgumentException(output + ": --pooling none gives a different length per input; write .safetensors or .jsonl");
        List<Inputs.Item> items = Inputs.read(input, textColumn, pairColumn);
        Roberta roberta = modelOptions.load();
        List<String> texts = items.stream().map(Inputs.Item::text).toList();
        List<String> pairs = items.stream().anyMatch(i -> i.pair() != null) ? items.stream().map(Inputs.Item::pair).toList() : null;
        EmbedOptions options = new EmbedOptions(pool, layers, normalize, batchSize, maxLength, stride, false);
        int width = roberta.embeddingWidth(options);
        if (npy && (long) items.size() * width > Integer.MAX_VALUE - 8) // Npy takes one array; checked before any work
            throw new IllegalArgumentException(output + ": " + items.size() + " x " + width + " values do not fit one .npy array here; write .safetensors or split the input");
        float[][] vectors;
        try {
            vectors = roberta.embed(texts, pairs, options, StderrListener.INSTANCE);
        } catch (IllegalArgumentException e) {
            throw Inputs.located(input, items, e);
        }
        if (npy) {
            Npy.writeFloats(Path.of(output), flatten(vectors, width), vectors.length, width);
        } else if (safetensors) {
            // row by row from the vectors: no second copy of the whole output
            AtomicFiles.write(Path.of(output), ch -> {
                TensorFile f = new TensorFile().metadata("pooling", pool == null ? "model" : pool.cliName()).metadata("layers", layers);
                if (pool == Pooling.NONE) {
                    for (int i = 0; i < vectors.length; i++) f.add("embeddings." + i, DType.F32, vectors[i].length / width, width);
                } else {
                    f.add("embeddings", DType.F32, vectors.length, width);
                }
                f.start(ch);
                for (int i = 0; i < vectors.length; i++) {
                    if (pool == Pooling.NONE) f.putFloats("embeddings." + i, 0, vectors[i]);
                    else f.putFloats("embeddings", i, vectors[i]);
                }
            });
        } else {
            try (AtomicOutput out = new AtomicOutput(output)) {
                for (int i = 0; i < vectors.length; i++) {
                    ObjectNode node = JsonLines.JSON.createObjectNode();
                    node.put("index", i).put("line", items.get(i).line());
                    if (items.get(i).id() != null) node.set("id", items.get(i).id());
                    var arr = node.putArray("embedding");
                    if (pool == Pooling.NONE) {
                        for (int t = 0; t < vectors[i].length / width; t++) {
                            var row = arr.addArray();
                            for (int c = 0; c < width; c++) row.add(vectors[i][t * width + c]);
                        }
                    } else {
                        for (float v : vectors[i]) arr.add(v);
                    }
                    out.stream().write(JsonLines.JSON.writeValueAsBytes(node));
                    out.stream().write('\n');
                }
                out.commit();
            }
        }
        System.err.printf("embed: %d inputs -> %s (%s)%n", vectors.length, output,
                pool == Pooling.NONE ? width + " values per token" : width + " values each");
        return 0;
    }

    /** Pooled vectors [N][width] as one row-major [N, width] array. */
    private static float[] flatten(float[][] vectors, int width) {
        float[] flat = new float[vectors.length * width];
        for (int i = 0; i < vectors.length; i++) System.arraycopy(vectors[i], 0, flat, i * width, width);
        return flat;
    }
}
