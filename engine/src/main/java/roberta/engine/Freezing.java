package roberta.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import roberta.loader.RobertaParameters;

/**
 * The layer-freezing mask: which parameters train. One mechanism spans every way of adapting
 * a model: {@code --train-only head} is feature extraction (the encoder frozen, only the head
 * learns), {@code --freeze none} is full fine-tuning, and {@code --freeze embeddings,layers:0-7}
 * anything between. Selectors: {@code none}, {@code all}, {@code embeddings}, {@code encoder},
 * {@code head}, {@code layers:A-B}, {@code layer:N}, or a name glob such as
 * {@code encoder.layer.*.attention.*}.
 */
public final class Freezing {
    private Freezing() {}

    /** A frozen-or-not rule over parameter names. */
    /**
     * frozen: the rule; highestLayer: the highest layer a selector names (-1: none), checked against
     * the model; globs: each name glob as given, with what it matches (one that matches no parameter
     * is a typo, which would silently train what it meant to freeze).
     */
    public record Mask(Predicate<String> frozen, int highestLayer, String spec, java.util.Map<String, Predicate<String>> globs) {}

    /** From --freeze and --train-only (either may be null; both null means train everything). */
    public static Mask parse(String freeze, String trainOnly) {
        if (freeze != null && trainOnly != null) throw new IllegalArgumentException("give --freeze or --train-only, not both");
        int[] highest = {-1};
        java.util.Map<String, Predicate<String>> globs = new java.util.LinkedHashMap<>();
        if (trainOnly != null) {
            Predicate<String> trained = selectors(trainOnly, highest, globs);
            return new Mask(trained.negate(), highest[0], "--train-only " + trainOnly, globs);
        }
        if (freeze == null || freeze.isBlank() || freeze.trim().equalsIgnoreCase("none")) return new Mask(n -> false, -1, "--freeze none", globs);
        Predicate<String> frozen = selectors(freeze, highest, globs);
        return new Mask(frozen, highest[0], "--freeze " + freeze, globs);
    }

    private static Predicate<String> selectors(String spec, int[] highestLayer, java.util.Map<String, Predicate<String>> globs) {
        List<Predicate<String>> parts = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) continue;
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.equals("none")) parts.add(n -> false);
            else if (lower.equals("all")) parts.add(n -> true);
            else if (lower.equals("embeddings")) parts.add(n -> n.startsWith("embeddings."));
            else if (lower.equals("encoder")) parts.add(n -> n.startsWith("embeddings.") || n.startsWith("encoder."));
            else if (lower.equals("head")) parts.add(RobertaParameters::isHead);
            else if (lower.startsWith("layers:") || lower.startsWith("layer:")) {
                String range = s.substring(s.indexOf(':') + 1);
                String[] ab = range.split("-");
                try {
                    int a = Integer.parseInt(ab[0].trim()), b = ab.length > 1 ? Integer.parseInt(ab[1].trim()) : a;
                    if (ab.length > 2 || a > b || a < 0) throw new NumberFormatException();
                    highestLayer[0] = Math.max(highestLayer[0], b);
                    parts.add(n -> {
                        int l = RobertaParameters.layerOf(n);
                        return l >= a && l <= b;
                    });
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad layer range '" + s + "' (expected layers:A-B, e.g. layers:0-7)");
                }
            } else if (s.contains("*") || s.contains(".")) {
                // the names as checkpoints and grad's output spell them (roberta.encoder...) mean the same parameters
                Pattern glob = Pattern.compile(Pattern.quote(RobertaParameters.fromStoredName(s)).replace("*", "\\E.*\\Q"));
                Predicate<String> matches = n -> glob.matcher(n).matches();
                parts.add(matches);
                globs.put(s, matches);
            } else {
                throw new IllegalArgumentException("unknown freeze selector '" + s + "' (none, all, embeddings, encoder, head, layers:A-B, or a name glob)");
            }
        }
        return n -> parts.stream().anyMatch(p -> p.test(n));
    }

    /**
     * Refuses a name glob that matches none of names: a typo would silently train what it meant to
     * freeze. finetune calls this with the names the model will have before loading it, so the
     * mistake is the run's only output.
     */
    public static void checkGlobs(Mask mask, java.util.Collection<String> names) {
        for (var g : mask.globs().entrySet())
            if (names.stream().noneMatch(g.getValue()))
                throw new IllegalArgumentException(mask.spec() + ": '" + g.getKey() + "' matches no parameter of this model (names as in the checkpoint, e.g. "
                        + "encoder.layer.0.attention.self.query.weight, with or without roberta.)");
    }

    /** Sets every parameter's trainable flag; frozen ones hand back their gradient and optimizer state. */
    public static void apply(RobertaModel model, Mask mask) {
        int layers = model.config().numHiddenLayers();
        if (mask.highestLayer() >= layers)
            throw new IllegalArgumentException(mask.spec() + ": names layer " + mask.highestLayer() + ", but the model has " + layers
                    + " layers (0.." + (layers - 1) + ")");
        checkGlobs(mask, model.params().keySet());
        for (Param p : model.params().values()) {
            boolean trainable = !mask.frozen().test(p.name);
            p.trainable = trainable;
            if (!trainable) p.dropTrainingState(model.backend());
        }
        // an attached LoRA adapter always trains: it is what the frozen encoder learns through
        if (model.adapter() != null) for (Param p : model.adapter().params().values()) p.trainable = true;
    }

    /** True if no parameter of the embeddings or encoder trains: features can be computed once and cached. */
    public static boolean encoderFrozen(RobertaModel model) {
        return model.allParams().values().stream().noneMatch(p -> p.trainable && !RobertaParameters.isHead(p.name));
    }
}
