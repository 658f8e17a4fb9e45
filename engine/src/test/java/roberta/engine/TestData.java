package roberta.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import roberta.loader.SafetensorsFile;

/** The project's copy of the reference fixtures (testdata/ at the repository root). */
final class TestData {
    static Path models() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("testdata/models");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("testdata/models not found above " + Path.of("").toAbsolutePath());
    }

    static Path model(String name) {
        return models().resolve(name);
    }

    /** The model the repository ships, pretrained by this engine (models/roberta-mini-en). */
    static Path shippedModel() {
        return models().getParent().getParent().resolve("models/roberta-mini-en");
    }

    /** A fixture's "labels": one class per sequence for a sequence classifier, else one per token (-100 unscored). */
    static Targets labels(SafetensorsFile exp, roberta.loader.HeadType head) {
        return head == roberta.loader.HeadType.SEQUENCE_CLASSIFICATION
                ? Targets.classes(java.util.Arrays.stream(exp.longs("labels")).mapToInt(x -> (int) x).toArray())
                : Targets.perToken(rows(exp, "labels"));
    }

    /** Rows of an I64 [B, T] tensor as int arrays. */
    static List<int[]> rows(SafetensorsFile f, String name) {
        long[] v = f.longs(name);
        long[] shape = f.info(name).shape();
        int b = (int) shape[0], t = (int) shape[1];
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            int[] row = new int[t];
            for (int j = 0; j < t; j++) row[j] = (int) v[i * t + j];
            out.add(row);
        }
        return out;
    }
}
