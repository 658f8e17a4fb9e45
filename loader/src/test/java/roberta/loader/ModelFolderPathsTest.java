package roberta.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.tokenizer.ModelFiles;

/**
 * A model folder is untrusted: its index may only name plain files of the folder, and no file
 * we read may be a link leading outside it (except a Hugging Face cache snapshot's links into
 * its blobs/). Each refusal is one line naming the file.
 */
class ModelFolderPathsTest {
    static final String SHARD1 = "model-00001-of-00002.safetensors", SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path tmp;
    Path dir, elsewhere;
    ObjectNode index;

    @BeforeEach
    void shardedFolder() throws Exception {
        dir = tmp.resolve("model");
        elsewhere = tmp.resolve("elsewhere");
        index = (ObjectNode) FuzzSeeds.shardedFolder(TestData.models().resolve("tiny-roberta-cls"), dir, elsewhere);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
    }

    private void indexNaming(String shard) throws Exception {
        ObjectNode edited = index.deepCopy(), map = (ObjectNode) edited.get("weight_map");
        String inShard1 = map.properties().stream().filter(e -> e.getValue().asText().equals(SHARD1)).findFirst().orElseThrow().getKey();
        map.put(inShard1, shard); // linked.safetensors is a copy of shard 1: only a refusal can stop it loading
        Files.writeString(dir.resolve("model.safetensors.index.json"), edited.toString());
    }

    private static void assertOneLine(RuntimeException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void theUntouchedShardedFolderLoads() {
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(HeadType.SEQUENCE_CLASSIFICATION, c.head());
        }
    }

    @Test
    void parentAndAbsoluteShardNamesAreRefused() throws Exception {
        indexNaming("../elsewhere/" + SHARD1);
        var e1 = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertOneLine(e1, "model.safetensors.index.json: shard '../elsewhere/", "not a plain file name");
        indexNaming(elsewhere.resolve(SHARD1).toString());
        var e2 = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertOneLine(e2, "shard '" + elsewhere, "not a plain file name");
        indexNaming("a\u0000b");
        var e3 = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertOneLine(e3, "shard 'a\\u0000b'");
    }

    @Test
    void aShardLinkLeadingOutsideIsRefused() throws Exception {
        indexNaming("linked.safetensors"); // a link to ../elsewhere/SHARD1, a valid shard
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertOneLine(e, dir.resolve("linked.safetensors") + ": is a link to " + elsewhere.toRealPath().resolve(SHARD1), "outside the model folder");
    }

    @Test
    void linksToConfigOrSingleWeightsLeadingOutsideAreRefused() throws Exception {
        Path single = tmp.resolve("single");
        Files.createDirectories(single);
        Path src = TestData.models().resolve("tiny-roberta-cls");
        Files.copy(src.resolve("model.safetensors"), elsewhere.resolve("model.safetensors"));
        Files.createSymbolicLink(single.resolve("model.safetensors"), elsewhere.resolve("model.safetensors"));
        Files.copy(src.resolve("config.json"), single.resolve("config.json"));
        var e1 = assertThrows(SafetensorsException.class, () -> Checkpoint.open(single));
        assertOneLine(e1, single.resolve("model.safetensors") + ": is a link to", "outside the model folder");

        Files.delete(single.resolve("model.safetensors"));
        Files.copy(src.resolve("model.safetensors"), single.resolve("model.safetensors"));
        Files.move(single.resolve("config.json"), elsewhere.resolve("config.json"));
        Files.createSymbolicLink(single.resolve("config.json"), elsewhere.resolve("config.json"));
        var e2 = assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(single));
        assertOneLine(e2, single.resolve("config.json") + ": is a link to", "outside the model folder");
    }

    @Test
    void linksInsideTheFolderAreFollowed() throws Exception {
        Files.createDirectories(dir.resolve("weights"));
        Files.move(dir.resolve(SHARD2), dir.resolve("weights").resolve(SHARD2));
        Files.createSymbolicLink(dir.resolve(SHARD2), Path.of("weights", SHARD2));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(HeadType.SEQUENCE_CLASSIFICATION, c.head());
        }
    }

    @Test
    void aHuggingFaceCacheSnapshotMayLinkIntoItsBlobs() throws Exception {
        // models--org--name/snapshots/REV/<file> -> ../../blobs/<hash>, as the hub cache lays files out
        Path repo = tmp.resolve("hub/models--org--tiny"), blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots/0123abcd"));
        Path src = TestData.models().resolve("tiny-roberta-cls");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(src.resolve(f), blobs.resolve("blob-" + f));
            Files.createSymbolicLink(snapshot.resolve(f), Path.of("../../blobs/blob-" + f));
        }
        try (Checkpoint c = Checkpoint.open(snapshot)) {
            assertEquals(HeadType.SEQUENCE_CLASSIFICATION, c.head());
        }
        // but not past the repository's blobs/
        Files.delete(snapshot.resolve("model.safetensors"));
        Files.copy(src.resolve("model.safetensors"), repo.resolve("stray.safetensors"));
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../stray.safetensors"));
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(snapshot));
        assertOneLine(e, "outside the model folder");
    }

    /** A named pipe: opening one for reading blocks until a writer comes, so reading it would hang. */
    static void mkfifo(Path p) throws Exception {
        Files.deleteIfExists(p);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo " + p);
    }

    @Test
    void pipesAndFoldersAreRefusedNotRead() throws Exception {
        mkfifo(dir.resolve(SHARD2));
        var e1 = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)));
        assertOneLine(e1, dir.resolve(SHARD2) + ": is not a regular file");
        Files.delete(dir.resolve(SHARD2));
        Files.createDirectories(dir.resolve(SHARD2));
        assertOneLine(assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)), dir.resolve(SHARD2) + ": is not a regular file");
        mkfifo(dir.resolve("config.json"));
        var e2 = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(dir)));
        assertOneLine(e2, dir.resolve("config.json") + ": is not a regular file");
    }

    @Test
    void malformedIndexesGiveOneLineErrors() throws Exception {
        Path file = dir.resolve("model.safetensors.index.json");
        Files.writeString(file, "{\"weight_map\": {\"a\": \"" + SHARD1 + "\", \"a\": \"" + SHARD2 + "\"}}");
        assertOneLine(assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)), file + ": invalid JSON: Duplicate field 'a'");
        Files.writeString(file, "{\"weight_map\": {\"a\": 7}}");
        assertOneLine(assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)), file + ": weight_map value for 'a' is not a file name string");
        Files.writeString(file, "{\"weight_map\": {\"a\": ");
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertOneLine(e, file + ": invalid JSON: Unexpected end-of-input");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(ModelFiles.MAX_JSON_BYTES + 1);
        }
        assertOneLine(assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)), file + ": is 67108865 bytes");
    }
}
