package roberta.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutations for fuzzing (a copy lives in each module's tests; keep them in step): byte-level
 * edits of any file, and structural edits of JSON (values swapped for hostile ones, keys
 * deleted, renamed or duplicated, junk nested in).
 */
public final class Mutate {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAW = "@@raw@@";

    /** Values that break naive readers, as raw JSON text (some are deliberately not valid JSON). */
    public static final String[] HOSTILE = {
        "0", "-1", "1", "2", "3", "7", "-2147483648", "2147483647", "2147483648", "4294967296", "1099511627776",
        "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1000000",
        "1500000000", "1e308", "1e400", "-1e400", "0.5", "-0.0", "1e-50", "1.0", "-1e-5", "NaN", "Infinity",
        "\"\"", "\"x\"", "\"12\"", "\"F32\"", "\"BF16\"", "\"../x\"", "\"/etc/passwd\"", "\"a\\nb\"", "\"\\u0000\"",
        "\"\\ud800\"", "true", "false", "null", "[]", "{}", "[1,2]", "[0,0]", "[-1,5]", "[1099511627776]",
        "[1048576,1048576]", "[4294967296,4294967296]", "{\"a\":1}", "[[[[[[[[1]]]]]]]]", "\"" + "z".repeat(5000) + "\"",
        "[" + "[".repeat(3000) + "]".repeat(3000) + "]",
        "9".repeat(2000),
    };

    private Mutate() {}

    public static String hostile(Random rng) {
        return HOSTILE[rng.nextInt(HOSTILE.length)];
    }

    /** One to four byte-level edits: flips, interesting bytes, deletions, duplications, truncation, junk, splices. */
    public static byte[] bytes(Random rng, byte[] in, byte[] other) {
        byte[] b = in.clone();
        int edits = 1 + rng.nextInt(4);
        for (int e = 0; e < edits; e++) b = edit(rng, b, other, 0, b.length);
        return b;
    }

    /** One edit at a random place in [from, to) of b (clamped to b). */
    public static byte[] edit(Random rng, byte[] b, byte[] other, int from, int to) {
        to = Math.min(to, b.length);
        if (b.length == 0 || to <= from) return append(b, junk(rng, 1 + rng.nextInt(16)));
        int at = from + rng.nextInt(to - from);
        switch (rng.nextInt(9)) {
            case 0 -> b[at] ^= (byte) (1 << rng.nextInt(8));
            case 1 -> b[at] = (byte) "\0\377\"{}[],:\\-9\n\200\303 e.".charAt(rng.nextInt(18));
            case 2 -> {
                int n = 1 + rng.nextInt(Math.min(64, b.length - at));
                b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + n, b.length));
            }
            case 3 -> {
                int n = 1 + rng.nextInt(Math.min(64, b.length - at));
                byte[] piece = Arrays.copyOfRange(b, at, at + n);
                int where = rng.nextInt(b.length);
                b = concat(concat(Arrays.copyOf(b, where), piece), Arrays.copyOfRange(b, where, b.length));
            }
            case 4 -> b = Arrays.copyOf(b, at);
            case 5 -> b = concat(concat(Arrays.copyOf(b, at), junk(rng, 1 + rng.nextInt(32))), Arrays.copyOfRange(b, at, b.length));
            case 6 -> {
                if (other.length == 0) break;
                int s = rng.nextInt(other.length), n = 1 + rng.nextInt(Math.min(256, other.length - s));
                b = concat(concat(Arrays.copyOf(b, at), Arrays.copyOfRange(other, s, s + n)), Arrays.copyOfRange(b, at, b.length));
            }
            case 7 -> { // a number in the text replaced by a hostile one
                int d = at;
                while (d < b.length && (b[d] < '0' || b[d] > '9')) d++;
                int end = d;
                while (end < b.length && b[end] >= '0' && b[end] <= '9') end++;
                byte[] h = hostile(rng).getBytes(StandardCharsets.UTF_8);
                b = concat(concat(Arrays.copyOf(b, d), h), Arrays.copyOfRange(b, end, b.length));
            }
            default -> {
                int n = Math.min(8, b.length - at);
                for (int i = 0; i < n; i++) b[at + i] = (byte) rng.nextInt(256);
            }
        }
        return b;
    }

    /** One to three structural edits of a JSON document; the result is text, sometimes deliberately invalid. */
    public static String json(Random rng, JsonNode root) {
        JsonNode copy = root.deepCopy();
        List<String> raws = new ArrayList<>();
        int edits = 1 + rng.nextInt(3);
        for (int e = 0; e < edits; e++) copy = editTree(rng, copy, raws);
        String text = copy.toString();
        for (String raw : raws) text = text.replaceFirst(Pattern.quote("\"" + RAW + "\""), Matcher.quoteReplacement(raw));
        if (rng.nextInt(4) == 0) text = duplicateKey(rng, text);
        return text;
    }

    private static JsonNode editTree(Random rng, JsonNode root, List<String> raws) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers, 0);
        if (containers.isEmpty()) return marker(rng, raws);
        JsonNode c = containers.get(rng.nextInt(containers.size()));
        if (c instanceof ObjectNode o && !o.isEmpty()) {
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            String k = keys.get(rng.nextInt(keys.size()));
            switch (rng.nextInt(6)) {
                case 0 -> o.remove(k);
                case 1 -> o.set(k + (rng.nextBoolean() ? "x" : ""), o.remove(k)); // renamed (or moved last)
                case 2 -> o.set("junk" + rng.nextInt(3), marker(rng, raws));
                case 3 -> {
                    ArrayNode wrap = JSON.createArrayNode().add(o.get(k));
                    o.set(k, rng.nextBoolean() ? wrap : JSON.createObjectNode().set("v", o.get(k)));
                }
                default -> o.set(k, marker(rng, raws));
            }
        } else if (c instanceof ArrayNode a && !a.isEmpty()) {
            int i = rng.nextInt(a.size());
            switch (rng.nextInt(4)) {
                case 0 -> a.remove(i);
                case 1 -> a.add(a.get(i).deepCopy());
                default -> a.set(i, marker(rng, raws));
            }
        } else if (c instanceof ArrayNode a) {
            a.add(marker(rng, raws));
        }
        return root;
    }

    private static void collect(JsonNode n, List<JsonNode> out, int depth) {
        if (!n.isContainerNode() || out.size() > 100_000) return;
        out.add(n);
        for (JsonNode child : n) collect(child, out, depth + 1);
    }

    private static JsonNode marker(Random rng, List<String> raws) {
        raws.add(hostile(rng));
        return TextNode.valueOf(RAW);
    }

    private static final Pattern KEY = Pattern.compile("\"([^\"\\\\]{1,40})\":");

    /** Puts a second copy of some key (with a hostile value) just before it: duplicate keys in one object. */
    private static String duplicateKey(Random rng, String text) {
        Matcher m = KEY.matcher(text);
        List<int[]> hits = new ArrayList<>();
        while (m.find() && hits.size() < 10_000) hits.add(new int[] {m.start(), m.end()});
        if (hits.isEmpty()) return text;
        int[] h = hits.get(rng.nextInt(hits.size()));
        String key = text.substring(h[0], h[1]);
        return text.substring(0, h[0]) + key + hostile(rng) + "," + text.substring(h[0]);
    }

    public static byte[] junk(Random rng, int n) {
        byte[] j = new byte[n];
        rng.nextBytes(j);
        return j;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public static byte[] append(byte[] a, byte[] b) {
        return concat(a, b);
    }
}
