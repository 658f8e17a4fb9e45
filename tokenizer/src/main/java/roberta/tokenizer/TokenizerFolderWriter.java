package roberta.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a trained tokenizer as the files a Hugging Face RoBERTa folder holds: vocab.json and
 * merges.txt (what {@code save_model} writes), tokenizer.json (the fast tokenizer: ByteLevel
 * pre-tokenizer without prefix space, RobertaProcessing {@code <s> A </s></s> B </s>},
 * ByteLevel decoder), tokenizer_config.json and special_tokens_map.json. The caller picks the
 * folder (write into a temporary one and rename, so a failure leaves nothing half-written).
 */
public final class TokenizerFolderWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFolderWriter() {}

    /** {@code modelMaxLength}: the longest input in tokens, specials included (max_position_embeddings - 2 for RoBERTa). */
    public static void write(BpeTrainer.Result t, int modelMaxLength, Path dir) throws IOException {
        List<String> specials = t.specialTokens();
        for (String required : BpeTrainer.ROBERTA_SPECIAL_TOKENS)
            if (!t.vocab().containsKey(required))
                throw new IllegalArgumentException("RoBERTa's special token " + required + " is missing from the special tokens " + specials);
        ObjectNode vocab = JSON.createObjectNode();
        t.vocab().forEach(vocab::put);
        Files.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(vocab), StandardCharsets.UTF_8);

        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (String[] m : t.merges()) merges.append(m[0]).append(' ').append(m[1]).append('\n');
        Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);

        Files.writeString(dir.resolve("tokenizer.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(tokenizerJson(t, vocab)), StandardCharsets.UTF_8);

        ObjectNode config = JSON.createObjectNode();
        config.put("model_max_length", modelMaxLength);
        specialTokensMap(config);
        config.put("add_prefix_space", false);
        config.put("tokenizer_class", "RobertaTokenizer");
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("special_tokens_map.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(specialTokensMap(JSON.createObjectNode())), StandardCharsets.UTF_8);
    }

    private static ObjectNode specialTokensMap(ObjectNode into) {
        into.put("bos_token", "<s>");
        into.put("eos_token", "</s>");
        into.put("sep_token", "</s>");
        into.put("cls_token", "<s>");
        into.put("unk_token", "<unk>");
        into.put("pad_token", "<pad>");
        into.put("mask_token", "<mask>");
        return into;
    }

    private static ObjectNode tokenizerJson(BpeTrainer.Result t, ObjectNode vocab) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : t.specialTokens()) {
            boolean mask = s.equals("<mask>"); // as in roberta-base: "<mask>" swallows the space before it
            added.addObject().put("id", t.vocab().get(s)).put("content", s).put("single_word", false)
                    .put("lstrip", mask).put("rstrip", false).put("normalized", !mask).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode post = root.putObject("post_processor").put("type", "RobertaProcessing");
        post.putArray("sep").add("</s>").add(t.vocab().get("</s>"));
        post.putArray("cls").add("<s>").add(t.vocab().get("<s>"));
        post.put("trim_offsets", true).put("add_prefix_space", false);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "")
                .put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        model.set("vocab", vocab);
        ArrayNode merges = model.putArray("merges");
        for (String[] m : t.merges()) merges.addArray().add(m[0]).add(m[1]);
        return root;
    }
}
