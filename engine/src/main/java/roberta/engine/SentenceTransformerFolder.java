package roberta.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import roberta.kernels.Notices;
import roberta.loader.AtomicFiles;
import roberta.loader.DType;
import roberta.loader.SafetensorsWriter;
import roberta.loader.SentenceTransformerConfig;

/**
 * Writes a model as a sentence-transformers folder in the legacy format, which every version
 * of sentence-transformers reads: the Hugging Face model at the folder's root, then
 * modules.json, sentence_bert_config.json, 1_Pooling/config.json with pooling_mode_* flags,
 * N_Dense/ (config.json and model.safetensors) per Dense layer, and N_Normalize/.
 */
public final class SentenceTransformerFolder {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SentenceTransformerFolder() {}

    /**
     * Saves model (weights as dtype, tokenizer files from tokenizerDir) with the pipeline's
     * modules, built under a temporary name and renamed into place. maxSeqLength: the
     * tokens per input sentence-transformers truncates to; doLowerCase: it lower-cases inputs.
     */
    public static void save(RobertaModel model, Path tokenizerDir, Path target, DType dtype, SentencePipeline pipeline, int maxSeqLength, boolean doLowerCase) {
        save(model, tokenizerDir, target, dtype, pipeline, maxSeqLength, doLowerCase, Notices.NONE);
    }

    /** As the overload without notices; a tokenizer file that is not copied is a warning to notices. */
    public static void save(RobertaModel model, Path tokenizerDir, Path target, DType dtype, SentencePipeline pipeline, int maxSeqLength, boolean doLowerCase,
                            Notices notices) {
        // the legacy Pooling config has a flag per mode and concatenates in a fixed order: another order cannot be written
        var modes = pipeline.modes();
        for (int i = 1; i < modes.size(); i++)
            if (order(modes.get(i)) <= order(modes.get(i - 1)))
                throw new IllegalArgumentException("pooling modes " + modes + " are not in the order the legacy format concatenates them (cls, max, mean, mean-sqrt-len, weighted-mean, last-token)");
        if (pipeline.perToken()) throw new IllegalArgumentException("a sentence-transformers folder pools: pooling none cannot be written");
        try {
            AtomicFiles.writeFolder(target, dir -> {
                ModelFolder.writeInto(model, tokenizerDir, dir, dtype, notices, true); // the encoder alone, as sentence-transformers saves it
                writeModules(dir, pipeline, model.config().hiddenSize(), maxSeqLength, doLowerCase);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot save: " + e.getMessage(), e);
        }
    }

    private static int order(Pooling p) {
        return SentenceTransformerConfig.POOLING_MODES.indexOf(p.sentenceTransformersName);
    }

    static void writeModules(Path dir, SentencePipeline pipeline, int hidden, int maxSeqLength, boolean doLowerCase) throws IOException {
        ArrayNode modules = JSON.createArrayNode();
        module(modules, "", "Transformer");
        ObjectNode pooling = JSON.createObjectNode().put("word_embedding_dimension", hidden);
        for (int i = 0; i < SentenceTransformerConfig.POOLING_MODES.size(); i++) {
            String mode = SentenceTransformerConfig.POOLING_MODES.get(i);
            pooling.put(SentenceTransformerConfig.LEGACY_POOLING_FLAGS.get(i), pipeline.modes().stream().anyMatch(p -> mode.equals(p.sentenceTransformersName)));
        }
        write(dir.resolve("1_Pooling/config.json"), pooling);
        module(modules, "1_Pooling", "Pooling");
        for (SentencePipeline.Step step : pipeline.steps()) {
            String sub = modules.size() + "_" + (step instanceof SentencePipeline.Dense ? "Dense" : "Normalize");
            Files.createDirectories(dir.resolve(sub));
            if (step instanceof SentencePipeline.Dense d) {
                ObjectNode c = JSON.createObjectNode().put("in_features", d.in()).put("out_features", d.out()).put("bias", d.bias() != null)
                        .put("activation_function", SentenceTransformerConfig.ACTIVATIONS.get(d.activation()));
                if (d.residual()) c.put("use_residual", true);
                write(dir.resolve(sub).resolve("config.json"), c);
                SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").addFloats("linear.weight", DType.F32, d.weight(), d.out(), d.in());
                if (d.bias() != null) w.addFloats("linear.bias", DType.F32, d.bias(), d.out());
                if (d.projection() != null) w.addFloats("residual.weight", DType.F32, d.projection(), d.out(), d.in());
                w.write(dir.resolve(sub).resolve("model.safetensors"));
                module(modules, sub, "Dense");
            } else {
                module(modules, sub, "Normalize");
            }
        }
        write(dir.resolve("modules.json"), modules);
        write(dir.resolve("sentence_bert_config.json"), JSON.createObjectNode().put("max_seq_length", maxSeqLength).put("do_lower_case", doLowerCase));
    }

    private static void module(ArrayNode modules, String path, String type) {
        int i = modules.size();
        modules.addObject().put("idx", i).put("name", String.valueOf(i)).put("path", path).put("type", "sentence_transformers.models." + type);
    }

    private static void write(Path file, Object json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, JSON.writeValueAsString(json) + "\n");
    }
}
