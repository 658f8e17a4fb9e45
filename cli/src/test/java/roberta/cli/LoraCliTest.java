package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import roberta.loader.SafetensorsFile;

/** finetune --lora, --adapter on the model commands, merge-adapter; and each refusal as one line, a non-zero exit and no output. */
class LoraCliTest {
    static final Path CLS = CliTest.models().resolve("tiny-roberta-cls");

    static Path peft(String variant) {
        return CliTest.models().getParent().resolve("lora").resolve(variant);
    }

    static Path trainData(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append("{\"text\": \"cheap pills buy now offer ").append(i).append("\", \"label\": \"spam\"}\n");
            sb.append("{\"text\": \"meeting notes for the project ").append(i).append("\", \"label\": \"ham\"}\n");
        }
        Path train = dir.resolve("train.jsonl");
        Files.writeString(train, sb.toString());
        return train;
    }

    static CliTest.Run finetune(Path train, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("finetune", "--model", CliTest.MLM.toString(), "--task", "seq-cls", "--train", train.toString(),
                "--epochs", "2", "--lr", "1e-2", "--batch-size", "8", "--max-length", "32", "--output", out.toString(), "--device", "cpu"));
        args.addAll(List.of(more));
        return CliTest.run(args.toArray(String[]::new));
    }

    @Test
    void aLoraRunsAdapterServesEveryModelCommandAndMergesIntoTheSameModel(@TempDir Path dir) throws Exception {
        Path train = trainData(dir), out = dir.resolve("run");
        CliTest.Run r = finetune(train, out, "--lora", "r=4,alpha=8,targets=query,value,dense");
        assertEquals(0, r.code(), r.err());
        Path adapter = out.resolve("adapter");
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")) && Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
        assertFalse(Files.exists(out.resolve("model")), "a LoRA run writes the adapter, not a model");
        assertTrue(r.err().contains("adapter saved to " + adapter), r.err());

        Path texts = dir.resolve("texts.jsonl");
        Files.writeString(texts, "{\"text\": \"cheap pills buy now offer 7\"}\n{\"text\": \"notes for the meeting\"}\n");
        CliTest.Run withAdapter = CliTest.run("classify", "--model", CliTest.MLM.toString(), "--adapter", adapter.toString(), "--input", texts.toString());
        assertEquals(0, withAdapter.code(), withAdapter.err());
        assertTrue(withAdapter.out().contains("\"spam\"") && withAdapter.out().contains("\"ham\""), "the adapter's labels: " + withAdapter.out());
        // the MLM base has no classifier: the adapter's is the head, so nothing is said to be initialised from scratch
        assertTrue(!withAdapter.err().contains("warning"), withAdapter.err());

        Path merged = dir.resolve("merged");
        CliTest.Run m = CliTest.run("merge-adapter", "--model", CliTest.MLM.toString(), "--adapter", adapter.toString(), "--output", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(Files.readString(merged.resolve("config.json")).contains("RobertaForSequenceClassification"));
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")));
        try (SafetensorsFile f = SafetensorsFile.open(merged.resolve("model.safetensors"))) {
            assertTrue(f.tensors().keySet().stream().noneMatch(n -> n.contains("lora")));
        }
        CliTest.Run plain = CliTest.run("classify", "--model", merged.toString(), "--input", texts.toString());
        assertEquals(0, plain.code(), plain.err());
        assertEquals(withAdapter.out(), plain.out(), "merged folder classifies as base + adapter");

        CliTest.Run eval = CliTest.run("evaluate", "--model", CliTest.MLM.toString(), "--adapter", adapter.toString(), "--data", train.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("eval_accuracy"), eval.out());

        Path grads = dir.resolve("g.safetensors");
        CliTest.Run g = CliTest.run("grad", "--model", CliTest.MLM.toString(), "--adapter", adapter.toString(), "--input", train.toString(),
                "--output", grads.toString(), "--train-only", "head");
        assertEquals(0, g.code(), g.err());
        try (SafetensorsFile f = SafetensorsFile.open(grads)) {
            assertTrue(f.tensors().containsKey("grad.roberta.encoder.layer.0.attention.self.query.lora_A.weight"), f.tensors().keySet().toString());
            assertTrue(f.tensors().containsKey("grad.roberta.encoder.layer.1.output.dense.lora_B.weight"));
            assertTrue(f.tensors().containsKey("grad.classifier.out_proj.weight"));
            assertFalse(f.tensors().containsKey("grad.roberta.encoder.layer.0.attention.self.query.weight"), "the base is frozen");
        }
    }

    @Test
    void anInterruptedLoraRunResumesToTheSameAdapter(@TempDir Path dir) throws Exception {
        Path train = trainData(dir), whole = dir.resolve("whole"), cut = dir.resolve("cut");
        assertEquals(0, finetune(train, whole, "--lora", "r=2,targets=all-linear").code());
        assertEquals(0, finetune(train, cut, "--lora", "r=2,targets=all-linear").code());
        // as if killed after epoch 1: its second checkpoint, metrics line and final adapter never written
        roberta.loader.AtomicFiles.deleteTree(cut.resolve("adapter"));
        roberta.loader.AtomicFiles.deleteTree(cut.resolve("checkpoints/epoch-2"));
        CliTest.Run again = finetune(train, cut, "--lora", "r=2,targets=all-linear", "--resume");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("resuming from"), again.err());
        assertArrayEquals(Files.readAllBytes(whole.resolve("adapter/adapter_model.safetensors")), Files.readAllBytes(cut.resolve("adapter/adapter_model.safetensors")),
                "resumed run's adapter is the uninterrupted run's");
        CliTest.Run done = finetune(train, cut, "--lora", "r=2,targets=all-linear", "--resume");
        assertEquals(0, done.code(), done.err());
        assertTrue(done.err().contains("nothing to do"), done.err());
        CliTest.assertOneLineError(finetune(train, cut, "--lora", "r=4,targets=all-linear", "--resume"), "different run", "--lora");
    }

    @Test
    void anAdapterTrainsFurtherWithItsOwnSettings(@TempDir Path dir) throws Exception {
        Path train = trainData(dir), first = dir.resolve("first"), second = dir.resolve("second");
        assertEquals(0, finetune(train, first, "--lora", "r=3,alpha=5,targets=key,output.dense,rslora").code());
        CliTest.Run r = finetune(train, second, "--adapter", first.resolve("adapter").toString());
        assertEquals(0, r.code(), r.err());
        var config = JsonLines.JSON.readTree(Files.readString(second.resolve("adapter/adapter_config.json")));
        assertEquals(3, config.get("r").asInt());
        assertEquals(5.0, config.get("lora_alpha").asDouble());
        assertTrue(config.get("use_rslora").asBoolean());
        assertEquals("[\"key\",\"output.dense\"]", config.get("target_modules").toString());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(first.resolve("adapter/adapter_model.safetensors")),
                Files.readAllBytes(second.resolve("adapter/adapter_model.safetensors"))), "trained further");
        CliTest.assertOneLineError(finetune(train, dir.resolve("both"), "--adapter", first.resolve("adapter").toString(), "--lora", "r=2"), "choose one");
        assertFalse(Files.exists(dir.resolve("both")));
    }

    /** A copy of a peft fixture with one edit to adapter_config.json. */
    static Path edited(Path dir, String from, String to) throws Exception {
        Path copy = dir.resolve("adapter");
        Files.createDirectories(copy);
        for (String f : new String[] {"adapter_config.json", "adapter_model.safetensors"}) Files.copy(peft("cls-query-value").resolve(f), copy.resolve(f));
        String json = Files.readString(copy.resolve("adapter_config.json"));
        assertTrue(json.contains(from), from);
        Files.writeString(copy.resolve("adapter_config.json"), json.replace(from, to));
        return copy;
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"peft_type\": \"LORA\"|\"peft_type\": \"PREFIX_TUNING\"|only LORA adapters are supported",
            "\"fan_in_fan_out\": false|\"fan_in_fan_out\": true|fan_in_fan_out is true",
            "\"bias\": \"none\"|\"bias\": \"lora_only\"|only \"none\" is supported",
            "\"r\": 4|\"r\": 5|need [5, 48]",
            "\"value\",\n    \"query\"|\"word_embeddings\"|target_modules [\"word_embeddings\"] names no linear"})
    void badAdaptersFailInOneLineAndWriteNothing(String c, @TempDir Path dir) throws Exception {
        String[] p = c.split("\\|");
        Path adapter = edited(dir, p[0], p[1]), merged = dir.resolve("merged");
        CliTest.assertOneLineError(CliTest.run("merge-adapter", "--model", CLS.toString(), "--adapter", adapter.toString(), "--output", merged.toString()),
                "adapter", p[2]);
        assertFalse(Files.exists(merged), "nothing written");
        Path out = dir.resolve("forward.safetensors"), ids = dir.resolve("ids.jsonl");
        Files.writeString(ids, "{\"text\": \"x\"}\n");
        CliTest.assertOneLineError(CliTest.run("forward", "--model", CLS.toString(), "--adapter", adapter.toString(), "--tokenizer", CliTest.MLM.toString(),
                "--input", ids.toString(), "--output", out.toString()), p[2]);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void anAdapterForAnotherModelIsRefused(@TempDir Path dir) {
        Path merged = dir.resolve("merged");
        CliTest.assertOneLineError(CliTest.run("merge-adapter", "--model", CliTest.MLM.toString(), "--adapter", peft("cls-query-value").toString(),
                "--output", merged.toString()), "lora_A.weight has shape [4, 48]", "[16, 16] need [4, 16]");
        assertFalse(Files.exists(merged));
    }

    @Test
    void loraOptionsThatCannotWorkAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path train = trainData(dir), out = dir.resolve("run");
        CliTest.assertOneLineError(finetune(train, out, "--lora", "r=4,targets=classifier"), "'classifier' names no linear");
        CliTest.assertOneLineError(finetune(train, out, "--lora", "rank=4"), "unknown key 'rank'");
        CliTest.assertOneLineError(finetune(train, out, "--lora", "r=4", "--freeze", "embeddings"), "leave out --freeze");
        CliTest.assertOneLineError(finetune(train, out, "--lora", "r=4", "--gradual-unfreeze"), "--lora");
        assertFalse(Files.exists(out), "nothing written");
        CliTest.assertOneLineError(CliTest.run("merge-adapter", "--model", CLS.toString(), "--output", dir.resolve("m").toString()), "needs --adapter");
        CliTest.assertOneLineError(CliTest.run("classify", "--model", CliTest.MLM.toString(), "--adapter", dir.resolve("nope").toString(),
                "--input", train.toString()), "nope: adapter folder not found");
        assertFalse(Files.exists(dir.resolve("m")));
    }
}
