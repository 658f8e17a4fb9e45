package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.loader.SafetensorsFile;

/**
 * What convert writes is what transformers 5 and sentence-transformers read without complaint
 * (checked by hand against transformers 5.18 and sentence-transformers 6.0.1; the expectations
 * here are transformers' own file conventions, not this project's outputs).
 */
class ConvertInteropTest {
    @TempDir
    Path dir;

    static JsonNode config(Path folder) throws Exception {
        return JsonLines.JSON.readTree(Files.readString(folder.resolve("config.json")));
    }

    /** An untied decoder's bias is lm_head.decoder.bias in transformers 5: kept, with the values the model uses. */
    @Test
    void anUntiedDecoderKeepsItsOwnBias() throws Exception {
        Path src = CliTest.models().resolve("transformers5-mlm-untied"), out = dir.resolve("f16");
        CliTest.Run r = CliTest.run("convert", "--model", src.toString(), "--tokenizer", CliTest.MLM.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        try (SafetensorsFile original = SafetensorsFile.open(src.resolve("model.safetensors"));
             SafetensorsFile saved = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertArrayEquals(original.floats("lm_head.decoder.bias"), saved.floats("lm_head.decoder.bias"));
            assertArrayEquals(original.floats("lm_head.decoder.weight"), saved.floats("lm_head.decoder.weight"));
        }
        assertFalse(config(out).path("tie_word_embeddings").asBoolean(true), "still untied");
    }

    /** transformers 5 reads "dtype" (4 read "torch_dtype"): both name the stored type. */
    @Test
    void halfPrecisionIsNamedUnderBothDtypeKeys() throws Exception {
        Path out = dir.resolve("bf16");
        CliTest.Run r = CliTest.run("convert", "--model", CliTest.models().resolve("transformers5-binary-cls").toString(), "--tokenizer", CliTest.MLM.toString(),
                "--dtype", "bf16", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("bfloat16", config(out).path("dtype").asText());
        assertEquals("bfloat16", config(out).path("torch_dtype").asText());
    }

    /** A sentence-transformers folder holds the encoder as a RobertaModel, as sentence-transformers saves it: no head tensors. */
    @Test
    void aSentenceTransformersFolderHoldsTheEncoderAlone() throws Exception {
        Path out = dir.resolve("st");
        CliTest.Run r = CliTest.run("convert", "--model", CliTest.MLM.toString(), "--format", "sentence-transformers", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("RobertaModel", config(out).path("architectures").get(0).asText());
        try (SafetensorsFile saved = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            for (String name : saved.tensors().keySet()) {
                assertFalse(name.startsWith("lm_head.") || name.startsWith("classifier.") || name.startsWith("roberta."), name);
            }
            assertTrue(saved.tensors().containsKey("embeddings.word_embeddings.weight"));
        }
        // and it still embeds as the model it came from
        Path in = dir.resolve("in.txt"), a = dir.resolve("a.npy"), b = dir.resolve("b.npy");
        Files.writeString(in, "Hello world\nanother text\n");
        assertEquals(0, CliTest.run("embed", "--model", CliTest.MLM.toString(), "--input", in.toString(), "--output", a.toString()).code());
        assertEquals(0, CliTest.run("embed", "--model", out.toString(), "--input", in.toString(), "--output", b.toString()).code());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }
}
