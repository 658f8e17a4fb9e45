package roberta.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import roberta.kernels.CpuBackend;

/**
 * sentence-transformers folders, each pooling mode in both formats with Dense layers and
 * Normalize, embed as sentence-transformers 6.0.1 itself embeds them
 * (testdata/sentence-transformers/expected.json, made by
 * scripts/fixtures/make_sentence_transformers_fixture.py).
 */
class SentenceTransformersTest {
    private static final Path FIXTURES = TestData.models().getParent().resolve("sentence-transformers");
    private static final List<String> BASE_FILES = List.of("config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json");
    private static JsonNode expected;

    @TempDir
    Path tmp;

    static JsonNode expected() throws IOException {
        if (expected == null) expected = new ObjectMapper().readTree(FIXTURES.resolve("expected.json").toFile());
        return expected;
    }

    static Stream<String> variants() throws IOException {
        List<String> names = new ArrayList<>();
        expected().get("variants").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    /** The variant's files over the encoder's, as the fixture script assembled them for sentence-transformers. */
    static Path assemble(String variant, Path dest) throws IOException {
        Files.createDirectories(dest);
        for (String f : BASE_FILES) Files.copy(TestData.model("tiny-roberta-mlm").resolve(f), dest.resolve(f));
        Path src = FIXTURES.resolve(variant);
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : files.toList()) {
                Path to = dest.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dest;
    }

    static List<String> texts() throws IOException {
        List<String> texts = new ArrayList<>();
        expected().get("texts").forEach(t -> texts.add(t.asText()));
        return texts;
    }

    @ParameterizedTest
    @MethodSource("variants")
    void embedsAsSentenceTransformersDoes(String variant) throws IOException {
        Roberta r = Roberta.load(assemble(variant, tmp.resolve("model")), CpuBackend.INSTANCE);
        float[][] got = r.embed(texts(), EmbedOptions.DEFAULT);
        JsonNode want = expected().get("variants").get(variant).get("embeddings");
        assertEquals(want.size(), got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(want.get(i).size(), got[i].length, variant + " text " + i + ": width");
            assertEquals(want.get(i).size(), r.embeddingWidth(EmbedOptions.DEFAULT), variant + ": embeddingWidth");
            for (int c = 0; c < got[i].length; c++)
                assertEquals(want.get(i).get(c).asDouble(), got[i][c], 1e-4, variant + " text " + i + " value " + c);
        }
    }

    /**
     * What we write is what the fixture script wrote for sentence-transformers to load (the same
     * JSON in every module file), and it embeds as sentence-transformers embedded that folder.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"legacy-mean-normalize", "legacy-max-dense-tanh", "legacy-cls-mean-dense-identity-dense-sigmoid", "legacy-cls-lower-max10"})
    void writtenFoldersMatchTheLegacyFormat(String variant) throws IOException {
        Roberta source = Roberta.load(assemble(variant, tmp.resolve("source")), CpuBackend.INSTANCE);
        Path out = tmp.resolve("written");
        var from = source.sentenceTransformerConfig();
        SentenceTransformerFolder.save(source.model(), tmp.resolve("source"), out, roberta.loader.DType.F32, source.pipeline(EmbedOptions.DEFAULT), from.maxSeqLength(), from.doLowerCase());
        Path want = FIXTURES.resolve(variant);
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.walk(want)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                String rel = want.relativize(f).toString();
                assertEquals(json.readTree(f.toFile()), json.readTree(out.resolve(rel).toFile()), variant + ": " + rel);
            }
        }
        Roberta written = Roberta.load(out, CpuBackend.INSTANCE);
        float[][] got = written.embed(texts(), EmbedOptions.DEFAULT);
        JsonNode expect = expected().get("variants").get(variant).get("embeddings");
        for (int i = 0; i < got.length; i++)
            for (int c = 0; c < got[i].length; c++) assertEquals(expect.get(i).get(c).asDouble(), got[i][c], 1e-4, variant + " text " + i);
    }

    @Test
    void aPlainModelBecomesASentenceTransformersFolder() throws IOException {
        Roberta plain = Roberta.load(TestData.model("tiny-roberta-mlm"), CpuBackend.INSTANCE);
        Path out = tmp.resolve("written");
        SentenceTransformerFolder.save(plain.model(), TestData.model("tiny-roberta-mlm"), out, roberta.loader.DType.F32, SentencePipeline.of(Pooling.MEAN, true), 128, false);
        ObjectMapper json = new ObjectMapper();
        for (String f : List.of("modules.json", "1_Pooling/config.json", "sentence_bert_config.json"))
            assertEquals(json.readTree(FIXTURES.resolve("legacy-mean-normalize").resolve(f).toFile()), json.readTree(out.resolve(f).toFile()), f);
        float[][] got = Roberta.load(out, CpuBackend.INSTANCE).embed(texts(), EmbedOptions.DEFAULT);
        JsonNode expect = expected().get("variants").get("legacy-mean-normalize").get("embeddings");
        for (int i = 0; i < got.length; i++)
            for (int c = 0; c < got[i].length; c++) assertEquals(expect.get(i).get(c).asDouble(), got[i][c], 1e-4);
        assertThrows(IllegalArgumentException.class, () -> SentenceTransformerFolder.save(plain.model(), null, tmp.resolve("none"),
                roberta.loader.DType.F32, SentencePipeline.of(Pooling.NONE, false), 128, false));
    }

    @Test
    void flagsOverrideTheFoldersPooling() throws IOException {
        Path dir = assemble("legacy-max-dense-tanh", tmp.resolve("model"));
        Roberta st = Roberta.load(dir, CpuBackend.INSTANCE);
        Roberta plain = Roberta.of(st.model(), st.tokenizer());
        List<String> texts = texts();
        // an explicit pooling bypasses Pooling and Dense: the bare encoder's mean, as for a plain folder
        float[][] mean = st.embed(texts, EmbedOptions.mean());
        float[][] bare = plain.embed(texts, EmbedOptions.mean());
        for (int i = 0; i < texts.size(); i++) assertEquals(List.of(toList(bare[i])), List.of(toList(mean[i])));
        assertEquals(16, mean[0].length);
        assertEquals(8, st.embed(texts, EmbedOptions.DEFAULT)[0].length);
        // --normalize on top of the folder's modules: unit vectors in the folder's 8 dimensions
        float[] v = st.embed(texts, EmbedOptions.DEFAULT.normalized())[1];
        double norm = 0;
        for (float x : v) norm += x * x;
        assertEquals(1.0, norm, 1e-5);
        assertNotEquals(List.of(toList(v)), List.of(toList(st.embed(texts, EmbedOptions.DEFAULT)[1])));
    }

    @Test
    void clsPoolingIsTheFirstRowOfTheTokenStates() throws IOException {
        // CLS pooling runs the last layer on the <s> rows alone; per-token output runs it on every
        // row. A 42-token text in windows of 10 (stride 2): its first row averages every window's <s>
        Roberta plain = Roberta.load(TestData.model("tiny-roberta-mlm"), CpuBackend.INSTANCE);
        List<String> texts = new ArrayList<>(texts());
        texts.add("word ".repeat(40));
        EmbedOptions windows = EmbedOptions.DEFAULT.maxLength(10).stride(2);
        float[][] cls = plain.embed(texts, windows.withPooling(Pooling.CLS));
        float[][] tokens = plain.embed(texts, windows.withPooling(Pooling.NONE));
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(16, cls[i].length);
            for (int c = 0; c < 16; c++) assertEquals(tokens[i][c], cls[i][c], 1e-6, "text " + i + " value " + c);
        }
    }

    @Test
    void aLengthGivenByTheCallerReplacesTheFoldersLimit() throws IOException {
        Roberta st = Roberta.load(assemble("legacy-cls-lower-max10", tmp.resolve("model")), CpuBackend.INSTANCE);
        String longText = "word ".repeat(40);
        // the folder truncates to 10 tokens as sentence-transformers does; an explicit stride windows over all 42
        float[] truncated = st.embed(List.of(longText), EmbedOptions.DEFAULT)[0];
        float[] windowed = st.embed(List.of(longText), EmbedOptions.DEFAULT.maxLength(10).stride(2))[0];
        assertEquals(truncated.length, windowed.length);
        assertNotEquals(List.of(toList(truncated)), List.of(toList(windowed)));
    }

    @Test
    void brokenFoldersAreNamedInOneLine() throws IOException {
        Path dir = assemble("legacy-max-dense-tanh", tmp.resolve("model"));
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 32, \"out_features\": 8, \"activation_function\": \"torch.nn.modules.activation.Tanh\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> Roberta.load(dir, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("model.safetensors") || e.getMessage().contains("modules.json"), e.getMessage());
        assertTrue(e.getMessage().contains("32"), e.getMessage());

        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 16, \"out_features\": 8, \"activation_function\": \"os.system\"}");
        e = assertThrows(IllegalArgumentException.class, () -> Roberta.load(dir, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("2_Dense/config.json") && e.getMessage().contains("os.system"), e.getMessage());

        Files.delete(dir.resolve("2_Dense/model.safetensors"));
        Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 16, \"out_features\": 8}");
        Files.writeString(dir.resolve("2_Dense/pytorch_model.bin"), "pickle");
        e = assertThrows(IllegalArgumentException.class, () -> Roberta.load(dir, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());

        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 0, \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
                + " {\"idx\": 1, \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.WeightedLayerPooling\"}]");
        e = assertThrows(IllegalArgumentException.class, () -> Roberta.load(dir, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("modules.json") && e.getMessage().contains("WeightedLayerPooling"), e.getMessage());

        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 0, \"path\": \"../elsewhere\", \"type\": \"sentence_transformers.models.Transformer\"}]");
        e = assertThrows(IllegalArgumentException.class, () -> Roberta.load(dir, CpuBackend.INSTANCE));
        assertTrue(e.getMessage().contains("modules.json"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    private static List<Float> toList(float[] v) {
        List<Float> l = new ArrayList<>();
        for (float x : v) l.add(x);
        return l;
    }
}
