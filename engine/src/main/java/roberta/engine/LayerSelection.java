package roberta.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Which hidden states to extract, by index into hidden_states (0 = embeddings output,
 * L = last layer; negative counts from the end): "last", "-2", "0,6,12" (concatenated),
 * "all" (every one, concatenated), or "mean-last:4" (the average of the last four).
 *
 * @param layers indices into hidden_states, in output order
 * @param average average them instead of concatenating
 * @param spec the text this was parsed from
 */
public record LayerSelection(List<Integer> layers, boolean average, String spec) {
    /**
     * Reads a layer spec.
     *
     * @param spec last, all, an index, a comma-separated list or mean-last:K (null: last)
     * @param numLayers the model's layers
     * @return the selection
     */
    public static LayerSelection parse(String spec, int numLayers) {
        String s = spec == null ? "last" : spec.trim();
        int count = numLayers + 1;
        List<Integer> out = new ArrayList<>();
        boolean average = false;
        if (s.equals("last")) {
            out.add(numLayers);
        } else if (s.equals("all")) {
            for (int i = 0; i < count; i++) out.add(i);
        } else if (s.startsWith("mean-last:")) {
            int k = parseInt(s.substring("mean-last:".length()), spec);
            if (k < 1 || k > count) throw new IllegalArgumentException("mean-last:" + k + " needs 1.." + count + " layers");
            for (int i = count - k; i < count; i++) out.add(i);
            average = true;
        } else {
            for (String part : s.split(",", -1)) { // -1: an empty part (",", "0,", ",1") is an error, not dropped
                int i = parseInt(part.trim(), spec);
                int idx = i < 0 ? count + i : i;
                if (idx < 0 || idx >= count)
                    throw new IllegalArgumentException("layer " + i + " out of range: hidden states are 0.." + numLayers + " (or -1..-" + count + ")");
                out.add(idx);
            }
        }
        return new LayerSelection(List.copyOf(out), average, s);
    }

    private static int parseInt(String s, String spec) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad --layers '" + spec + "' (last, all, an index, a list like 0,6,12, or mean-last:K)");
        }
    }

    /** Width of one token's extracted feature for hidden size h. */
    public int width(int h) {
        return average ? h : h * layers.size();
    }

    /** True if anything but the last state is needed. */
    boolean needsAll(int numLayers) {
        return layers.size() != 1 || layers.get(0) != numLayers;
    }
}
