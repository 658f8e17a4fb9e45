package roberta.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import roberta.engine.Roberta;
import roberta.loader.HeadType;
import roberta.loader.AtomicFiles;
import roberta.loader.DType;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.Encoding;
import roberta.tokenizer.TruncationStrategy;

@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run the model on a padded batch and write every intermediate result as safetensors:",
                "input_ids and attention_mask (I64 [B, T]), hidden_states.0..L (F32 [B, T, H]),",
                "attentions.i (F32 [B, heads, T, T]) with --attentions, and logits when the checkpoint has a head."})
final class ForwardCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, description = "JSON lines with text and optional text_pair")
    String input;

    @Option(names = "--output", required = true, description = "Output .safetensors file")
    Path output;

    @Option(names = "--attentions", description = "Also write attention probabilities")
    boolean attentions;

    @Option(names = "--batch-size", defaultValue = "8", description = "Sequences run at once (memory grows with it). Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate to N tokens (0: error if an input exceeds the model's limit)")
    int maxLength;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1");
        List<Inputs.Item> items = Inputs.read(input, null, null);
        Roberta roberta = modelOptions.load();
        int limit = roberta.maxTokens();
        EncodeOptions opts = new EncodeOptions(true, maxLength > 0 ? Math.min(maxLength, limit) : 0, TruncationStrategy.LONGEST_FIRST, 0);
        List<int[]> ids = new ArrayList<>();
        for (Inputs.Item item : items) {
            Encoding e = roberta.tokenizer().encode(item.text(), item.pair(), opts);
            if (e.length() > limit)
                throw new IllegalArgumentException(JsonLines.display(input) + ":" + item.line() + ": " + e.length() + " tokens, more than the model's " + limit + "; pass --max-length to truncate");
            try {
                roberta.checkVocabulary(ids.size(), e.ids());
            } catch (IllegalArgumentException bad) {
                throw Inputs.located(input, items, bad);
            }
            ids.add(e.ids());
        }
        int b = ids.size(), t = 0;
        for (int[] s : ids) t = Math.max(t, s.length);
        int length = t, pad = roberta.model().config().padTokenId();
        String headName = roberta.model().head() == HeadType.NONE ? "pooler_output" : "logits";
        // one batch at a time: the file's layout is known from the first batch (the head's width),
        // every batch's rows are written at their place, and only one batch is ever in memory
        AtomicFiles.write(output, ch -> {
            TensorFile file = new TensorFile().metadata("format", "pt");
            for (int b0 = 0; b0 < b; b0 += batchSize) {
                List<int[]> batch = ids.subList(b0, Math.min(b, b0 + batchSize));
                Roberta.ForwardResult r = roberta.forward(batch, attentions, length);
                if (b0 == 0) {
                    long[] full = {b, length};
                    file.add("input_ids", DType.I64, full).add("attention_mask", DType.I64, full);
                    int h = roberta.model().config().hiddenSize(), heads = roberta.model().config().numAttentionHeads();
                    for (int l = 0; l < r.hiddenStates().size(); l++) file.add("hidden_states." + l, DType.F32, b, length, h);
                    for (int l = 0; l < r.attentions().size(); l++) file.add("attentions." + l, DType.F32, b, heads, length, length);
                    if (r.logits() != null) {
                        long[] shape = java.util.Arrays.stream(r.logitsShape()).asLongStream().toArray();
                        shape[0] = b;
                        file.add(headName, DType.F32, shape);
                    }
                    file.start(ch);
                }
                long[] inputIds = new long[batch.size() * length], mask = new long[batch.size() * length];
                for (int s = 0; s < batch.size(); s++) for (int i = 0; i < length; i++) {
                    boolean real = i < batch.get(s).length;
                    inputIds[s * length + i] = real ? batch.get(s)[i] : pad;
                    mask[s * length + i] = real ? 1 : 0;
                }
                file.putLongs("input_ids", b0, inputIds);
                file.putLongs("attention_mask", b0, mask);
                for (int l = 0; l < r.hiddenStates().size(); l++) file.putFloats("hidden_states." + l, b0, r.hiddenStates().get(l));
                for (int l = 0; l < r.attentions().size(); l++) file.putFloats("attentions." + l, b0, r.attentions().get(l));
                if (r.logits() != null) file.putFloats(headName, b0, r.logits());
            }
        });
        System.err.printf("forward: %d sequences x %d tokens -> %s%n", b, length, output);
        return 0;
    }
}
