package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import roberta.loader.SafetensorsFile;

/** finetune, evaluate, classify and grad chained on a small task, as a user would run them. */
class TrainingCliTest {
    @Test
    void finetuneThenEvaluateClassifyAndGrad(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append("{\"text\": \"cheap pills buy now offer ").append(i).append("\", \"label\": \"spam\"}\n");
            sb.append("{\"text\": \"meeting notes for the project ").append(i).append("\", \"label\": \"ham\"}\n");
        }
        Path train = dir.resolve("train.jsonl"), out = dir.resolve("run");
        Files.writeString(train, sb.toString());
        CliTest.Run r = CliTest.run("finetune", "--model", CliTest.MLM.toString(), "--random-init", "--hidden", "16", "--layers", "1",
                "--heads", "2", "--intermediate", "32", "--task", "seq-cls", "--train", train.toString(), "--eval", train.toString(),
                "--epochs", "4", "--lr", "1e-2", "--batch-size", "8", "--max-length", "32", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        Path model = out.resolve("model");
        assertTrue(Files.isRegularFile(model.resolve("config.json")) && Files.isRegularFile(model.resolve("tokenizer.json")));
        assertTrue(Files.readString(model.resolve("config.json")).contains("\"spam\""));
        assertEquals(4, Files.readAllLines(out.resolve("metrics.jsonl")).size());

        CliTest.Run eval = CliTest.run("evaluate", "--model", model.toString(), "--data", train.toString());
        assertEquals(0, eval.code(), eval.err());
        double accuracy = JsonLines.JSON.readTree(eval.out()).get("eval_accuracy").asDouble();
        assertTrue(accuracy > 0.9, "learned the toy task: " + eval.out());

        Path texts = dir.resolve("texts.jsonl");
        Files.writeString(texts, "{\"text\": \"cheap pills buy now offer 7\"}\n");
        CliTest.Run cls = CliTest.run("classify", "--model", model.toString(), "--input", texts.toString());
        assertEquals(0, cls.code(), cls.err());
        assertEquals("spam", JsonLines.JSON.readTree(cls.out()).get("label").asText());
        Path longText = dir.resolve("long.jsonl");
        Files.writeString(longText, "{\"text\": \"" + "offer ".repeat(200) + "\"}\n");
        CliTest.assertOneLineError(CliTest.run("classify", "--model", model.toString(), "--input", longText.toString()), "input 1", "max length");
        assertEquals(0, CliTest.run("classify", "--model", model.toString(), "--input", longText.toString(), "--max-length", "32").code());

        Path grads = dir.resolve("g.safetensors");
        CliTest.Run g = CliTest.run("grad", "--model", model.toString(), "--input", train.toString(), "--output", grads.toString(), "--freeze", "embeddings");
        assertEquals(0, g.code(), g.err());
        try (SafetensorsFile f = SafetensorsFile.open(grads)) {
            assertTrue(f.tensors().containsKey("loss"));
            assertTrue(f.tensors().containsKey("grad.roberta.encoder.layer.0.attention.self.query.weight"));
            assertTrue(f.tensors().containsKey("grad.classifier.out_proj.weight"));
            assertTrue(f.tensors().keySet().stream().noneMatch(k -> k.contains("embeddings")), "frozen embeddings have no gradient");
        }

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"x\", \"label\": \"spam\"}\n{\"text\": \"y\", \"label\": \"eggs\"}\n");
        CliTest.assertOneLineError(CliTest.run("finetune", "--model", model.toString(), "--task", "seq-cls", "--train", bad.toString(),
                "--output", dir.resolve("never").toString()), "bad.jsonl:2:", "eggs");
        assertTrue(Files.notExists(dir.resolve("never")), "nothing written before the data is checked");
    }
}
