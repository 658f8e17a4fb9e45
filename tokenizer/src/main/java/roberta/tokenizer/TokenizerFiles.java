package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a tokenizer from a model folder: tokenizer.json when present, else vocab.json plus
 * merges.txt (with or without the "#version" line). Every failure names the file.
 */
final class TokenizerFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Contents(Map<String, Integer> vocab, List<String[]> merges, List<AddedToken> addedTokens, Path source) {}

    private TokenizerFiles() {}

    static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.json"))
                || (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt")));
    }

    /** Reads a model folder's tokenizer, refusing files that are links leading outside the folder. */
    static Contents read(Path dir) {
        if (!Files.isDirectory(dir)) throw new TokenizerFormatException(dir + ": not a folder");
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) return readTokenizerJson(inside(dir, tokenizerJson));
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) return readVocabAndMerges(inside(dir, vocab), inside(dir, merges));
        throw new TokenizerFormatException(dir + ": no tokenizer.json, nor vocab.json with merges.txt");
    }

    private static Path inside(Path dir, Path file) {
        ModelFiles.checkInside(dir, file, what -> new TokenizerFormatException(file + ": " + what));
        return file;
    }

    static Contents readVocabAndMerges(Path vocabFile, Path mergesFile) {
        Map<String, Integer> vocab = parseVocab(readJson(vocabFile), vocabFile);
        List<String[]> merges = new ArrayList<>();
        String text = readUtf8(mergesFile);
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty() || (lineNo == 1 && line.startsWith("#version"))) continue;
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty())
                throw new TokenizerFormatException(mergesFile + ":" + lineNo + ": expected two tokens separated by one space, got '" + ModelFiles.quote(line) + "'");
            merges.add(parts);
        }
        List<AddedToken> added = robertaSpecialTokens(vocab);
        checkIds(vocab, added, vocabFile);
        return new Contents(vocab, merges, added, mergesFile);
    }

    /** With only vocab.json and merges.txt, RoBERTa's special tokens are those of its vocabulary. */
    private static List<AddedToken> robertaSpecialTokens(Map<String, Integer> vocab) {
        List<AddedToken> added = new ArrayList<>();
        for (String name : new String[] {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) {
            Integer id = vocab.get(name);
            if (id != null) added.add(new AddedToken(id, name, true, name.equals("<mask>"), false, false));
        }
        return added;
    }

    static Contents readTokenizerJson(Path file) {
        JsonNode root = readJson(file);
        JsonNode model = root.path("model");
        if (!model.isObject()) throw new TokenizerFormatException(file + ": no \"model\" object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) throw new TokenizerFormatException(file + ": model type " + type + " is not BPE");
        Map<String, Integer> vocab = parseVocab(model.path("vocab"), file);
        List<String[]> merges = new ArrayList<>();
        JsonNode mergeNode = model.path("merges");
        if (!mergeNode.isArray()) throw new TokenizerFormatException(file + ": model.merges is not an array");
        for (int i = 0; i < mergeNode.size(); i++) {
            JsonNode m = mergeNode.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty())
                throw new TokenizerFormatException(file + ": model.merges[" + i + "] is not a pair of tokens: " + ModelFiles.quote(m.toString()));
            merges.add(pair);
        }
        List<AddedToken> added = new ArrayList<>();
        JsonNode addedNode = root.path("added_tokens");
        if (!addedNode.isMissingNode() && !addedNode.isNull()) {
            if (!addedNode.isArray()) throw new TokenizerFormatException(file + ": added_tokens is not an array");
            for (int i = 0; i < addedNode.size(); i++) {
                JsonNode t = addedNode.get(i);
                if (!t.path("id").isIntegralNumber() || !t.path("id").canConvertToInt() || t.path("id").asInt() < 0
                        || !t.path("content").isTextual() || t.path("content").asText().isEmpty())
                    throw new TokenizerFormatException(file + ": added_tokens[" + i + "] needs a non-negative integer id and a non-empty content, got "
                            + ModelFiles.quote(t.toString()));
                added.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                        t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
            }
        }
        checkIds(vocab, added, file);
        return new Contents(vocab, merges, added, file);
    }

    /**
     * Ids index arrays sized by the largest id, so they must stay below the number of entries
     * (vocabulary entries plus added tokens): a file claiming id 1500000000 for a handful of
     * tokens would otherwise make us allocate gigabytes. Gaps below that bound are allowed.
     */
    private static void checkIds(Map<String, Integer> vocab, List<AddedToken> added, Path file) {
        long limit = (long) vocab.size() + added.size();
        for (Map.Entry<String, Integer> e : vocab.entrySet())
            if (e.getValue() >= limit)
                throw new TokenizerFormatException(file + ": token '" + ModelFiles.quote(e.getKey()) + "' has id " + e.getValue()
                        + ", but ids must be below " + limit + " (the vocabulary's entries plus added tokens)");
        for (AddedToken t : added)
            if (t.id() >= limit)
                throw new TokenizerFormatException(file + ": added token '" + ModelFiles.quote(t.content()) + "' has id " + t.id()
                        + ", but ids must be below " + limit + " (the vocabulary's entries plus added tokens)");
    }

    private static Map<String, Integer> parseVocab(JsonNode node, Path file) {
        if (!node.isObject()) throw new TokenizerFormatException(file + ": vocabulary is not a JSON object of token -> id");
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) // (asLong would wrap 2^64 + 5 to 5)
                throw new TokenizerFormatException(file + ": token '" + ModelFiles.quote(e.getKey()) + "' has id " + ModelFiles.quote(v.toString()) + ", not a non-negative integer");
            vocab.put(e.getKey(), v.asInt());
        }
        if (vocab.isEmpty()) throw new TokenizerFormatException(file + ": vocabulary is empty");
        return vocab;
    }

    private static JsonNode readJson(Path file) {
        String text = readUtf8(file);
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) throw new TokenizerFormatException(file + ": not a JSON object");
            return root;
        } catch (IOException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? JsonErrors.describe(j) : e.getMessage();
            throw new TokenizerFormatException(file + ": invalid JSON: " + msg, e);
        }
    }

    static String readUtf8(Path file) {
        return ModelFiles.readUtf8(file, ModelFiles.MAX_TOKENIZER_BYTES, what -> new TokenizerFormatException(file + ": " + what));
    }

}
