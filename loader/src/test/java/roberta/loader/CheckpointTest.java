package roberta.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-roberta-mlm", "tiny-roberta-mlm-f16", "tiny-roberta-mlm-bf16", "tiny-roberta-cls", "tiny-roberta-ner", "tiny-roberta-base"})
    void everyTensorIsBitExactAgainstTheFile(String name) throws Exception {
        Path file = TestData.models().resolve(name).resolve("model.safetensors");
        // An independent reading of the format: plain ByteBuffer and a JSON tree.
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, n, java.nio.charset.StandardCharsets.UTF_8));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            int count = 0;
            for (var it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                long begin = e.getValue().get("data_offsets").get(0).asLong(), end = e.getValue().get("data_offsets").get(1).asLong();
                byte[] expected = java.util.Arrays.copyOfRange(bytes, (int) (8 + n + begin), (int) (8 + n + end));
                assertArrayEquals(expected, st.segment(e.getKey()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), e.getKey());
                float[] widened = st.floats(e.getKey());
                ByteBuffer raw = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < widened.length; i++) {
                    float want = switch (e.getValue().get("dtype").asText()) {
                        case "F32" -> raw.getFloat(4 * i);
                        case "F16" -> Float.float16ToFloat(raw.getShort(2 * i));
                        case "BF16" -> Float.intBitsToFloat(raw.getShort(2 * i) << 16);
                        default -> throw new AssertionError();
                    };
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(widened[i]), e.getKey() + "[" + i + "]");
                }
                count++;
            }
            assertEquals(count, st.tensors().size());
            assertEquals("pt", st.metadata().get("format"));
        }
    }

    @Test
    void halfPrecisionFilesHoldTheRoundedFloat32Weights() {
        try (Checkpoint f32 = Checkpoint.open(TestData.models().resolve("tiny-roberta-mlm"));
             Checkpoint bf16 = Checkpoint.open(TestData.models().resolve("tiny-roberta-mlm-bf16"));
             Checkpoint f16 = Checkpoint.open(TestData.models().resolve("tiny-roberta-mlm-f16"))) {
            assertEquals("BF16", bf16.dtypes());
            assertEquals("F16", f16.dtypes());
            for (String name : f32.names()) {
                float[] a = f32.floats(name), b = bf16.floats(name), h = f16.floats(name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(DTypeConversions.bf16ToFloat(DTypeConversions.floatToBf16(a[i])), b[i], 0f, name);
                    assertEquals(Float.float16ToFloat(Float.floatToFloat16(a[i])), h[i], 0f, name);
                }
            }
        }
    }

    @Test
    void namingVariantsAndHeadsAreRecognised() {
        try (Checkpoint mlm = Checkpoint.open(TestData.models().resolve("tiny-roberta-mlm"))) {
            assertEquals(HeadType.MASKED_LM, mlm.head());
            assertTrue(mlm.decoderTied());
            assertTrue(mlm.has("embeddings.word_embeddings.weight"));
            assertEquals(List.of(), mlm.missing());
            assertEquals(List.of(), mlm.unexpected());
            assertEquals(16, mlm.config().hiddenSize());
            assertEquals(1e-5f, mlm.config().layerNormEps());
        }
        try (Checkpoint base = Checkpoint.open(TestData.models().resolve("tiny-roberta-base"))) {
            assertEquals(HeadType.NONE, base.head());
            assertTrue(base.has("pooler.dense.weight"));
        }
        try (Checkpoint cls = Checkpoint.open(TestData.models().resolve("tiny-roberta-cls"))) {
            assertEquals(HeadType.SEQUENCE_CLASSIFICATION, cls.head());
            assertEquals("positive", cls.config().id2label().get(2));
            assertEquals("single_label_classification", cls.config().problemType());
        }
        try (Checkpoint ner = Checkpoint.open(TestData.models().resolve("tiny-roberta-ner"))) {
            assertEquals(HeadType.TOKEN_CLASSIFICATION, ner.head());
            assertEquals(5, ner.config().numLabels());
        }
    }

    @Test
    void configDefaultsAreRobertasNotBerts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"roberta\"}");
        RobertaConfig c = RobertaConfig.load(dir.resolve("config.json"));
        assertEquals(1e-5f, c.layerNormEps());
        assertEquals(514, c.maxPositionEmbeddings());
        assertEquals(1, c.typeVocabSize());
        assertEquals(1, c.padTokenId());
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 100, \"num_attention_heads\": 12}");
        var e = assertThrows(IllegalArgumentException.class, () -> RobertaConfig.load(dir.resolve("config.json")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("multiple"), e.getMessage());
    }

    @Test
    void writeThenReadRoundTripsAndShardsLoad(@TempDir Path dir) throws Exception {
        Path src = TestData.models().resolve("tiny-roberta-cls");
        try (Checkpoint original = Checkpoint.open(src)) {
            // split into two shards with an index, keeping the roberta. prefix
            Files.writeString(dir.resolve("model.safetensors.index.json"), TestData.writeTwoShards(src, dir).toString());
            Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
            try (Checkpoint sharded = Checkpoint.open(dir)) {
                assertEquals(original.names(), sharded.names());
                for (String name : original.names()) assertArrayEquals(original.floats(name), sharded.floats(name), name);
            }
            // the writer's header is 8-byte aligned and sorted
            byte[] bytes = Files.readAllBytes(dir.resolve("model-00001-of-00002.safetensors"));
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, n % 8);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model-00001-of-00002.safetensors"))) {
                List<String> names = List.copyOf(f.tensors().keySet());
                assertEquals(names.stream().sorted().toList(), names);
            }
        }
    }

    @Test
    void missingFilesAndPickleCheckpointsGiveClearErrors(@TempDir Path dir) throws Exception {
        var e1 = assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(dir.resolve("absent")));
        assertTrue(e1.getMessage().contains("absent"));
        Files.copy(TestData.models().resolve("tiny-roberta-cls/config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {'P', 'K'});
        var e2 = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertTrue(e2.getMessage().contains("pytorch_model.bin") && e2.getMessage().contains("safe_serialization"), e2.getMessage());
    }

    @Test
    void configAndWeightsDisagreeingInShapeIsAnError(@TempDir Path dir) throws Exception {
        Path src = TestData.models().resolve("tiny-roberta-cls");
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 96", "\"intermediate_size\": 97"));
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("intermediate.dense") && e.getMessage().contains("[96, 48]"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
