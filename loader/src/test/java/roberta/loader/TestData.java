package roberta.loader;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's copy of the reference fixtures (testdata/ at the repository root). */
final class TestData {
    static Path models() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("testdata/models");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("testdata/models not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * The checkpoint at src split into two shards in dir (tensors alternating between them, the
     * encoder's under roberta. as transformers saves them), and the index that maps them, returned
     * unwritten: {"weight_map": {tensor: shard}}.
     */
    static ObjectNode writeTwoShards(Path src, Path dir) throws IOException {
        ObjectNode map = new ObjectMapper().createObjectNode();
        ObjectNode weightMap = map.putObject("weight_map");
        try (Checkpoint original = Checkpoint.open(src)) {
            SafetensorsWriter a = new SafetensorsWriter().metadata("format", "pt"), b = new SafetensorsWriter();
            int i = 0;
            for (String name : original.names()) {
                String stored = name.startsWith("classifier.") ? name : "roberta." + name;
                SafetensorsWriter w = (i++ % 2 == 0) ? a : b;
                w.addFloats(stored, original.floats(name), original.info(name).shape());
                weightMap.put(stored, w == a ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
            a.write(dir.resolve("model-00001-of-00002.safetensors"));
            b.write(dir.resolve("model-00002-of-00002.safetensors"));
        }
        return map;
    }
}
