package roberta.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.Encoding;
import roberta.tokenizer.RobertaTokenizer;
import roberta.tokenizer.TruncationStrategy;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encode text with a model folder's byte-level BPE tokenizer.",
                "With --input: JSON lines with \"text\" (and optional \"text_pair\") in, JSON lines with ids, tokens, offsets out.",
                "With a text argument: print the tokens for a person."})
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Folder with tokenizer.json, or vocab.json and merges.txt")
    Path model;

    @Option(names = "--input", description = "JSON lines file, - for stdin")
    String input;

    @Option(names = "--output", defaultValue = "-", description = "JSON lines file, - for stdout (default)")
    String output;

    @Option(names = "--max-length", defaultValue = "0", description = "Truncate to N tokens including special tokens (0: no limit)")
    int maxLength;

    @Option(names = "--truncation", defaultValue = "longest_first", description = "longest_first, only_first or only_second")
    String truncation;

    @Option(names = "--stride", defaultValue = "0", description = "Tokens repeated between overflowing windows (written as \"overflowing\")")
    int stride;

    @Option(names = "--no-special-tokens", description = "Do not add <s> and </s>")
    boolean noSpecialTokens;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Text to tokenize, printed for a person")
    String text;

    @Override
    public Integer call() throws Exception {
        if (stride > 0 && maxLength == 0) throw new IllegalArgumentException("--stride " + stride + " repeats tokens between windows of --max-length tokens: give --max-length too");
        RobertaTokenizer tok = RobertaTokenizer.load(model);
        EncodeOptions options = new EncodeOptions(!noSpecialTokens, maxLength, TruncationStrategy.parse(truncation), stride);
        if (text != null && input != null) throw new IllegalArgumentException("give --input FILE or a TEXT to tokenize, not both");
        if (text != null) {
            Encoding e = tok.encode(text, null, options);
            for (int i = 0; i < e.length(); i++)
                System.out.printf("%6d  %-20s %-16s [%d, %d)%n", e.ids()[i], e.tokens()[i],
                        JsonLines.JSON.writeValueAsString(tok.decode(new int[] {e.ids()[i]}, false)), e.offsetStarts()[i], e.offsetEnds()[i]);
            return 0;
        }
        if (input == null) throw new IllegalArgumentException("give --input FILE (JSON lines) or a TEXT to tokenize");
        List<JsonLines.Line> lines = JsonLines.read(input);
        List<String> texts = new ArrayList<>(), pairs = new ArrayList<>();
        boolean anyPair = false;
        for (JsonLines.Line l : lines) {
            texts.add(JsonLines.text(input, l, "text", true));
            String p = JsonLines.text(input, l, "text_pair", false);
            anyPair |= p != null;
            pairs.add(p);
        }
        List<Encoding> encodings = tok.encodeBatch(texts, anyPair ? pairs : null, options);
        try (AtomicOutput out = new AtomicOutput(output)) {
            for (Encoding e : encodings) {
                ObjectNode node = toJson(e);
                if (!e.overflowing().isEmpty()) {
                    var arr = node.putArray("overflowing");
                    for (Encoding o : e.overflowing()) arr.add(toJson(o));
                }
                out.stream().write(JsonLines.JSON.writeValueAsBytes(node));
                out.stream().write('\n');
            }
            out.commit();
        }
        return 0;
    }

    private static ObjectNode toJson(Encoding e) {
        ObjectNode node = JsonLines.JSON.createObjectNode();
        var ids = node.putArray("ids");
        for (int id : e.ids()) ids.add(id);
        var tokens = node.putArray("tokens");
        for (String t : e.tokens()) tokens.add(t);
        var offsets = node.putArray("offsets");
        for (int i = 0; i < e.length(); i++) offsets.addArray().add(e.offsetStarts()[i]).add(e.offsetEnds()[i]);
        return node;
    }
}
