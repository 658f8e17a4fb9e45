package roberta.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import roberta.tokenizer.Mutate;
import roberta.tokenizer.ModelFiles;

/** Absurd config.json values are refused before anything is sized from them, naming the field (regressions found by LoaderFuzzTest). */
class ConfigBoundsTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> absurd() {
        return Stream.of(
                Arguments.of("num_hidden_layers", "0", "must be positive"),
                Arguments.of("num_hidden_layers", "-3", "must be positive"),
                Arguments.of("num_hidden_layers", "1000000", "over the limit of 1024"),
                Arguments.of("num_hidden_layers", "1500000000", "over the limit"),
                Arguments.of("hidden_size", "0", "must be positive"),
                Arguments.of("hidden_size", "-768", "must be positive"),
                Arguments.of("hidden_size", "100008", "more than a Java array holds"),
                Arguments.of("hidden_size", "\"768\"", "must be an integer"),
                Arguments.of("hidden_size", "768.5", "must be an integer"),
                Arguments.of("vocab_size", "0", "must be positive"),
                Arguments.of("vocab_size", "3000000000", "must be an integer (32-bit)"),
                Arguments.of("vocab_size", "100000000", "more than a Java array holds"),
                Arguments.of("intermediate_size", "0", "must be positive"),
                Arguments.of("intermediate_size", "1000000000", "more than a Java array holds"),
                Arguments.of("max_position_embeddings", "0", "must be positive"),
                Arguments.of("max_position_embeddings", "4", "fewer than 3 tokens after pad_token_id 1"),
                Arguments.of("max_position_embeddings", "2000000000", "more than a Java array holds"),
                Arguments.of("type_vocab_size", "0", "must be positive"),
                Arguments.of("type_vocab_size", "2147483647", "more than a Java array holds"),
                Arguments.of("num_attention_heads", "0", "must be positive"),
                Arguments.of("num_attention_heads", "7", "not a multiple of num_attention_heads 7"),
                Arguments.of("layer_norm_eps", "-1e-5", "layer_norm_eps must be a positive number"),
                Arguments.of("layer_norm_eps", "0", "layer_norm_eps must be a positive number"),
                Arguments.of("layer_norm_eps", "1e-50", "layer_norm_eps must be a positive number"), // 0 as a float
                Arguments.of("layer_norm_eps", "1e400", "layer_norm_eps must be a positive number"), // infinite
                Arguments.of("layer_norm_eps", "\"1e-5\"", "layer_norm_eps must be a number"),
                Arguments.of("pad_token_id", "-1", "pad_token_id -1 is outside the vocabulary [0, 1000)"),
                Arguments.of("pad_token_id", "1000", "pad_token_id 1000 is outside the vocabulary"),
                Arguments.of("bos_token_id", "5000", "bos_token_id 5000 is outside"),
                Arguments.of("eos_token_id", "-2147483648", "eos_token_id -2147483648 is outside"),
                Arguments.of("hidden_dropout_prob", "1.0", "must be in [0, 1)"),
                Arguments.of("num_labels", "0", "must be positive"),
                Arguments.of("num_labels", "100000000", "over the limit"),
                Arguments.of("architectures", "\"RobertaModel\"", "architectures must be a list"),
                Arguments.of("id2label", "{\"0\": 5}", "id2label value for 0 is not a string"),
                Arguments.of("id2label", "[\"a\"]", "id2label must be an object"),
                Arguments.of("problem_type", "7", "problem_type must be a string"));
    }

    private static Path config(String key, String rawValue) throws Exception {
        ObjectNode c = (ObjectNode) Mutate.JSON.readTree(TestData.models().resolve("tiny-roberta-base/config.json").toFile());
        if (key.equals("num_labels")) c.remove("id2label"); // else id2label decides the labels
        c.put(key, "@@v@@");
        Path p = dir.resolve(key + "-" + Integer.toHexString(rawValue.hashCode()) + ".json");
        Files.writeString(p, c.toString().replace("\"@@v@@\"", rawValue));
        return p;
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurd")
    void refusedNamingTheField(String key, String value, String expected) throws Exception {
        Path p = config(key, value);
        var e = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.load(p));
        assertEquals(IllegalArgumentException.class, e.getClass()); // not a NumberFormatException or the like
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aModelOfTooManyParametersIsRefused() throws Exception {
        ObjectNode c = Mutate.JSON.createObjectNode().put("num_hidden_layers", 1024).put("hidden_size", 8192)
                .put("num_attention_heads", 64).put("intermediate_size", 32768);
        var e = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.fromJson(c, "big.json"));
        assertTrue(e.getMessage().contains("parameters, over the limit of " + RobertaConfig.MAX_PARAMETERS), e.getMessage());
    }

    @Test
    void realModelSizesAreAccepted() {
        // roberta-large and xlm-roberta-large shapes stay well inside every bound
        RobertaConfig large = RobertaConfig.of(50265, 1024, 24, 16, 4096, 514);
        assertEquals(24, large.numHiddenLayers());
        ObjectNode xlmr = (ObjectNode) RobertaConfig.of(250002, 1024, 24, 16, 4096, 514).json();
        assertEquals(250002, RobertaConfig.fromJson(xlmr.put("model_type", "xlm-roberta"), "xlmr").vocabSize());
    }

    @Test
    void controlCharactersInNamesStayOnOneLine() throws Exception {
        Path p = config("id2label", "{\"a\\nb\": \"x\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.load(p));
        assertTrue(e.getMessage().contains("'a\\u000ab'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void invalidUtf8AndHugeFilesAreRefusedBeforeParsing() throws Exception {
        Path bad = dir.resolve("latin1.json");
        Files.write(bad, new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
        var e1 = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.load(bad));
        assertEquals(bad + ": is not valid UTF-8", e1.getMessage());
        Path huge = dir.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(ModelFiles.MAX_JSON_BYTES + 1); // sparse: nothing is written, and nothing may be read
        }
        var e2 = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.load(huge));
        assertTrue(e2.getMessage().startsWith(huge + ": is 67108865 bytes, over the 64 MB"), e2.getMessage());
    }
}
