package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    static Contents read(Path dir) {
        if (!Files.isDirectory(dir)) throw new TokenizerFormatException(dir + ": not a folder");
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) return readTokenizerJson(tokenizerJson);
        Path vocab = dir.resolve("vocab.json"), merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) return readVocabAndMerges(vocab, merges);
        throw new TokenizerFormatException(dir + ": no tokenizer.json, nor vocab.json with merges.txt");
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
                throw new TokenizerFormatException(mergesFile + ":" + lineNo + ": expected two tokens separated by one space, got '" + abbreviate(line) + "'");
            merges.add(parts);
        }
        return new Contents(vocab, merges, robertaSpecialTokens(vocab), mergesFile);
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
                throw new TokenizerFormatException(file + ": model.merges[" + i + "] is not a pair of tokens: " + abbreviate(m.toString()));
            merges.add(pair);
        }
        List<AddedToken> added = new ArrayList<>();
        JsonNode addedNode = root.path("added_tokens");
        if (!addedNode.isMissingNode() && !addedNode.isNull()) {
            if (!addedNode.isArray()) throw new TokenizerFormatException(file + ": added_tokens is not an array");
            for (int i = 0; i < addedNode.size(); i++) {
                JsonNode t = addedNode.get(i);
                if (!t.path("id").isIntegralNumber() || !t.path("content").isTextual() || t.path("content").asText().isEmpty())
                    throw new TokenizerFormatException(file + ": added_tokens[" + i + "] needs an integer id and a non-empty content");
                added.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                        t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
            }
        }
        return new Contents(vocab, merges, added, file);
    }

    private static Map<String, Integer> parseVocab(JsonNode node, Path file) {
        if (!node.isObject()) throw new TokenizerFormatException(file + ": vocabulary is not a JSON object of token -> id");
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE)
                throw new TokenizerFormatException(file + ": token '" + abbreviate(e.getKey()) + "' has id " + abbreviate(v.toString()) + ", not a non-negative integer");
            vocab.put(e.getKey(), v.asInt());
        }
        if (vocab.isEmpty()) throw new TokenizerFormatException(file + ": vocabulary is empty");
        return vocab;
    }

    private static JsonNode readJson(Path file) {
        String text = readUtf8(file);
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage().split("\n")[0];
            throw new TokenizerFormatException(file + ": invalid JSON: " + msg, e);
        }
    }

    static String readUtf8(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new TokenizerFormatException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
