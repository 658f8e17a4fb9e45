package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small RoBERTa-style tokenizer made from the reference one (specials, the 256 byte
 * characters, then the first merges whose parts are known), so a fuzz case parses in well
 * under a millisecond; and tokenizer-specific structural edits.
 */
final class TokenizerFuzzSeeds {
    static final String[] SPECIALS = {"<s>", "<pad>", "</s>", "<unk>"};
    final Map<String, Integer> vocab = new LinkedHashMap<>();
    final List<String> merges = new ArrayList<>();

    TokenizerFuzzSeeds(int mergeCount) throws Exception {
        for (String s : SPECIALS) vocab.put(s, vocab.size());
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevel.charOf(b)), vocab.size());
        for (String line : Files.readAllLines(Fixtures.dir().resolve("merges.txt"))) {
            if (merges.size() == mergeCount) break;
            String[] p = line.split(" ");
            if (line.startsWith("#") || p.length != 2 || !vocab.containsKey(p[0]) || !vocab.containsKey(p[1])) continue;
            merges.add(line);
            vocab.putIfAbsent(p[0] + p[1], vocab.size());
        }
        vocab.put("<mask>", vocab.size());
    }

    String vocabJson() {
        return Mutate.JSON.valueToTree(vocab).toString();
    }

    String mergesTxt() {
        return "#version: 0.2\n" + String.join("\n", merges) + "\n";
    }

    ObjectNode tokenizerJson() {
        ObjectNode root = Mutate.JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : new String[] {"<s>", "<pad>", "</s>", "<unk>", "<mask>"})
            added.addObject().put("id", vocab.get(s)).put("content", s).put("single_word", false).put("lstrip", s.equals("<mask>"))
                    .put("rstrip", false).put("normalized", !s.equals("<mask>")).put("special", true);
        ObjectNode model = root.putObject("model").put("type", "BPE").putNull("dropout").putNull("unk_token");
        model.set("vocab", Mutate.JSON.valueToTree(vocab));
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        return root;
    }

    /** One tokenizer-specific edit: hostile ids, added-token fields, merges, model type. */
    static String editTokenizerJson(Random rng, ObjectNode root) {
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        ArrayNode added = (ArrayNode) root.get("added_tokens"), merges = (ArrayNode) model.get("merges");
        List<String> tokens = new ArrayList<>();
        vocab.fieldNames().forEachRemaining(tokens::add);
        String token = tokens.get(rng.nextInt(tokens.size()));
        String raw = Mutate.hostile(rng);
        switch (rng.nextInt(8)) {
            case 0 -> vocab.put(token, "@@v@@");
            case 1 -> vocab.put(token, vocab.get(tokens.get(rng.nextInt(tokens.size()))).asInt()); // two tokens, one id
            case 2 -> ((ObjectNode) added.get(rng.nextInt(added.size()))).put(new String[] {"id", "content", "lstrip", "rstrip", "single_word", "special"}[rng.nextInt(6)], "@@v@@");
            case 3 -> added.addObject().put("id", rng.nextBoolean() ? vocab.size() + rng.nextInt(3) : rng.nextInt(1 << 30)).put("content", "<extra" + rng.nextInt(9) + ">").put("special", rng.nextBoolean());
            case 4 -> merges.set(rng.nextInt(merges.size()), Mutate.JSON.getNodeFactory().textNode("@@v@@"));
            case 5 -> merges.insert(rng.nextInt(merges.size()), new String[] {"a b c", "a", " a", "a ", "ab", "Ġ Ġ", "<s> </s>", "zz qq"}[rng.nextInt(8)]);
            case 6 -> model.put(new String[] {"type", "vocab", "merges", "unk_token"}[rng.nextInt(4)], "@@v@@");
            default -> vocab.put("tok" + rng.nextInt(5), "@@v@@");
        }
        return root.toString().replace("\"@@v@@\"", raw);
    }

    /** One line-level edit of merges.txt. */
    static String editMerges(Random rng, String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int i = 1 + rng.nextInt(Math.max(1, lines.size() - 1));
        if (i >= lines.size()) i = lines.size() - 1;
        switch (rng.nextInt(7)) {
            case 0 -> lines.remove(i);
            case 1 -> lines.add(rng.nextInt(lines.size()), lines.get(i));
            case 2 -> lines.set(i, new String[] {"a  b", "a b c", "a", "", " ", "#version: 0.2", "a\tb", "\u0000 \u0000", "a b\r"}[rng.nextInt(9)]);
            case 3 -> lines.add(i, "x".repeat(1 + rng.nextInt(5000)) + " y");
            case 4 -> {
                String[] p = lines.get(i).split(" ");
                if (p.length == 2) lines.set(i, p[1] + " " + p[0]);
            }
            case 5 -> lines.set(0, "#version: 9.9 junk");
            default -> lines.set(i, lines.get(i) + "\r");
        }
        return String.join("\n", lines);
    }

    /** Texts to encode once a mutated tokenizer loaded: words, specials, emoji, lone surrogates, control characters. */
    static String text(Random rng) {
        String[] parts = {"hello", " world", "<mask>", "<s>", "</s>", "<pad>", "<extra3>", "😀", "\uD800", "\uDC00", "Émile", "\u0000", "\t\n",
            "  ", "isn't", "1234", "ab", "Ġ", "日本語", "<", ">", "\u3000", "a".repeat(300)};
        StringBuilder b = new StringBuilder();
        int n = rng.nextInt(12);
        for (int i = 0; i < n; i++) {
            if (rng.nextInt(4) == 0) b.appendCodePoint(rng.nextInt(0x30000));
            else b.append(parts[rng.nextInt(parts.length)]);
        }
        return b.toString();
    }

    /** Checks one text (and pair) encode sanely: ids inside the vocabulary, offsets inside the text, decode works. */
    static void encodeAndCheck(RobertaTokenizer tok, String text, String pair, EncodeOptions options) {
        Encoding e;
        try {
            e = tok.encode(text, pair, options);
        } catch (IllegalArgumentException ex) {
            // our own refusal of the options (e.g. only_second with no room): fine if it is one line
            if (ex.getClass() != IllegalArgumentException.class || ex.getMessage() == null || ex.getMessage().contains("\n"))
                throw new AssertionError("encode failed badly: " + ex, ex);
            return;
        }
        List<Encoding> all = new ArrayList<>(e.overflowing());
        all.add(e);
        for (Encoding x : all) {
            for (int i = 0; i < x.length(); i++) {
                int id = x.ids()[i];
                if (id < 0 || id >= tok.vocabSize()) throw new AssertionError("id " + id + " outside the vocabulary of " + tok.vocabSize());
                String of = x.sequenceIds()[i] == 1 ? pair : text;
                if (x.sequenceIds()[i] >= 0 && (x.offsetStarts()[i] < 0 || x.offsetStarts()[i] > x.offsetEnds()[i] || x.offsetEnds()[i] > of.length()))
                    throw new AssertionError("offsets [" + x.offsetStarts()[i] + ", " + x.offsetEnds()[i] + ") outside a text of " + of.length());
            }
            tok.decode(x.ids(), true);
            tok.decode(x.ids(), false);
        }
    }

    static JsonNode parse(String s) throws Exception {
        return Mutate.JSON.readTree(s);
    }
}
