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
import roberta.loader.SafetensorsWriter;
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

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate to N tokens (0: error if an input exceeds the model's limit)")
    int maxLength;

    @Override
    public Integer call() throws Exception {
        List<Inputs.Item> items = Inputs.read(input, null, null);
        Roberta roberta = modelOptions.load();
        int limit = roberta.maxTokens();
        EncodeOptions opts = new EncodeOptions(true, maxLength > 0 ? Math.min(maxLength, limit) : 0, TruncationStrategy.LONGEST_FIRST, 0);
        List<int[]> ids = new ArrayList<>();
        for (Inputs.Item item : items) {
            Encoding e = roberta.tokenizer().encode(item.text(), item.pair(), opts);
            if (e.length() > limit)
                throw new IllegalArgumentException(input + ":" + item.line() + ": " + e.length() + " tokens, more than the model's " + limit + "; pass --max-length to truncate");
            ids.add(e.ids());
        }
        Roberta.ForwardResult r = roberta.forward(ids, attentions);
        int b = r.batch(), t = r.length(), h = roberta.model().config().hiddenSize(), heads = roberta.model().config().numAttentionHeads();
        long[] inputIds = new long[b * t], mask = new long[b * t];
        int pad = roberta.model().config().padTokenId();
        for (int s = 0; s < b; s++) for (int i = 0; i < t; i++) {
            boolean real = i < ids.get(s).length;
            inputIds[s * t + i] = real ? ids.get(s)[i] : pad;
            mask[s * t + i] = real ? 1 : 0;
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        w.addLongs("input_ids", inputIds, b, t).addLongs("attention_mask", mask, b, t);
        for (int l = 0; l < r.hiddenStates().size(); l++) w.addFloats("hidden_states." + l, r.hiddenStates().get(l), b, t, h);
        for (int l = 0; l < r.attentions().size(); l++) w.addFloats("attentions." + l, r.attentions().get(l), b, heads, t, t);
        if (r.logits() != null) {
            long[] shape = java.util.Arrays.stream(r.logitsShape()).asLongStream().toArray();
            w.addFloats(roberta.model().head() == HeadType.NONE ? "pooler_output" : "logits", r.logits(), shape);
        }
        w.write(output);
        System.err.printf("forward: %d sequences x %d tokens -> %s%n", b, t, output);
        return 0;
    }
}
