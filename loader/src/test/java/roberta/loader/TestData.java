package roberta.loader;

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
}
