package roberta.loader;

import roberta.tokenizer.Mutate;
import roberta.tokenizer.Fuzz;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes what the loader reads from an untrusted model folder: safetensors files (bytes and
 * header structure), config.json and model.safetensors.index.json. Every input must load or
 * fail with our own one-line error naming the file, within a deadline and without allocating
 * by the input's claims. CI runs about a second per target; scripts/fuzz.sh runs minutes
 * (-Droberta.fuzz.seconds, -Droberta.fuzz.seed; -Droberta.fuzz.case replays one case).
 */
class LoaderFuzzTest {
    private static final double CI_SECONDS = 1.0;

    @TempDir
    static Path tmp;
    static byte[] model, synthetic, config;
    static JsonNode index;

    @BeforeAll
    static void seeds() throws Exception {
        Path cls = TestData.models().resolve("tiny-roberta-cls");
        model = Files.readAllBytes(cls.resolve("model.safetensors"));
        config = Files.readAllBytes(cls.resolve("config.json"));
        synthetic = FuzzSeeds.everyDtype();
        index = FuzzSeeds.shardedFolder(cls, tmp.resolve("sharded"), tmp.resolve("elsewhere"));
    }

    private static boolean ours(Throwable t) {
        return t instanceof SafetensorsException || t.getClass() == IllegalArgumentException.class;
    }

    /** Opens a safetensors file and reads every tensor, so bodies are touched as well as headers. */
    private static void readAll(Path p) {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (TensorInfo t : f.tensors().values()) {
                if (t.dtype().isFloat()) f.floats(t.name());
                else f.longs(t.name());
            }
        }
    }

    @Test
    void safetensorsBytes() throws Exception {
        Path p = tmp.resolve("bytes.safetensors");
        Fuzz fuzz = new Fuzz("safetensors-bytes", p, LoaderFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            byte[] seed = rng.nextBoolean() ? model : synthetic;
            int headerEnd = (int) Math.min(seed.length, 8 + ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
            byte[] b = seed;
            int edits = 1 + rng.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int r = rng.nextInt(10);
                // mostly the header (where claims are made), sometimes the length field or the body
                b = r < 6 ? Mutate.edit(rng, b.clone(), seed, 8, headerEnd) : r < 8 ? Mutate.edit(rng, b.clone(), seed, 0, 8) : Mutate.edit(rng, b.clone(), seed, 0, b.length);
            }
            Files.write(p, b);
            return () -> readAll(p);
        });
    }

    @Test
    void safetensorsHeaderStructure() throws Exception {
        // the mutated file is a checkpoint's model.safetensors, so Checkpoint's naming and shape checks are fuzzed too
        Path dir = Files.createDirectories(tmp.resolve("structure"));
        Files.write(dir.resolve("config.json"), config);
        Path p = dir.resolve("model.safetensors");
        Fuzz fuzz = new Fuzz("safetensors-header", dir, LoaderFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            byte[] seed = rng.nextBoolean() ? model : synthetic;
            long n = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            ObjectNode header = (ObjectNode) Mutate.JSON.readTree(new String(seed, 8, (int) n, StandardCharsets.UTF_8));
            byte[] body = java.util.Arrays.copyOfRange(seed, (int) (8 + n), seed.length);
            int edits = 1 + rng.nextInt(3);
            for (int e = 0; e < edits; e++) FuzzSeeds.editEntry(rng, header);
            String text = rng.nextInt(3) == 0 ? Mutate.json(rng, header) : header.toString();
            byte[] h = text.getBytes(StandardCharsets.UTF_8);
            if (rng.nextInt(4) == 0) body = rng.nextBoolean() ? java.util.Arrays.copyOf(body, rng.nextInt(body.length + 1))
                    : Mutate.concat(body, Mutate.junk(rng, 1 + rng.nextInt(64)));
            long length = switch (rng.nextInt(8)) {
                case 0 -> h.length + rng.nextInt(33) - 16L;
                case 1 -> new long[] {-1, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_001L, h.length + (long) body.length, 1L << 40}[rng.nextInt(6)];
                default -> h.length;
            };
            Files.write(p, Mutate.concat(Mutate.concat(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array(), h), body));
            return () -> {
                readAll(p);
                try (Checkpoint c = Checkpoint.open(dir)) {
                    for (String name : c.names()) c.floats(name);
                    c.parameterCount();
                    c.dtypes();
                }
            };
        });
    }

    @Test
    void configJson() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("config"));
        Files.write(dir.resolve("model.safetensors"), model);
        Path file = dir.resolve("config.json");
        JsonNode seed = Mutate.JSON.readTree(config);
        Fuzz fuzz = new Fuzz("config-json", dir, LoaderFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            int r = rng.nextInt(3);
            byte[] text = r == 0 ? Mutate.bytes(rng, config, config)
                    : r == 1 ? Mutate.json(rng, seed).getBytes(StandardCharsets.UTF_8)
                    : FuzzSeeds.editConfigField(rng, (ObjectNode) seed.deepCopy()).getBytes(StandardCharsets.UTF_8);
            Files.write(file, text);
            return () -> {
                FuzzSeeds.checkUsable(RobertaConfig.load(file));
                Checkpoint.open(dir).close();
            };
        });
    }

    @Test
    void shardedIndex() throws Exception {
        Path dir = tmp.resolve("sharded"), file = dir.resolve("model.safetensors.index.json");
        byte[] seedBytes = index.toString().getBytes(StandardCharsets.UTF_8);
        Fuzz fuzz = new Fuzz("shard-index", dir, LoaderFuzzTest::ours);
        fuzz.run(CI_SECONDS, 50, rng -> {
            int r = rng.nextInt(3);
            String text = r == 0 ? new String(Mutate.bytes(rng, seedBytes, seedBytes), StandardCharsets.UTF_8)
                    : r == 1 ? Mutate.json(rng, index) : FuzzSeeds.editShardNames(rng, index.deepCopy(), dir);
            Files.writeString(file, text);
            boolean escapes = FuzzSeeds.namesOutside(text);
            return () -> {
                Checkpoint.open(dir).close();
                // accepted: it must not have read a shard through the link that leaves the folder
                if (escapes) throw new AssertionError("an index naming a shard outside the folder was accepted");
            };
        });
    }
}
