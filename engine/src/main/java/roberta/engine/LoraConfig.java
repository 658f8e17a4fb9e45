package roberta.engine;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * A LoRA adapter's settings, as peft's LoraConfig names them: rank r, lora_alpha, lora_dropout,
 * target_modules, use_rslora. A linear of the encoder learns y = W x + b + scale · B (A dropout(x)),
 * A [r, in], B [out, r], with scale alpha / r (rsLoRA: alpha / √r).
 *
 * <p>Targets are matched as peft matches a list: a module is adapted when its name ends with a
 * target ("query" adapts encoder.layer.N.attention.self.query; "dense" the attention output,
 * intermediate and output denses). Only the encoder's six linears per layer are candidates: the
 * head is trained whole (peft's modules_to_save), so classifier.dense is never adapted.
 * {@code all-linear} is all six.
 *
 * <p>The command line's defaults: r=8, alpha=16 (peft's default is 8; 2r is the usual choice and
 * gives a scale of 2 at r=8; it does not follow r), dropout 0.1 (the LoRA paper's RoBERTa setting; peft's default
 * is 0), targets query,value (the LoRA paper's).
 *
 * @param r the rank
 * @param alpha lora_alpha
 * @param dropout lora_dropout, on the adapter's input only
 * @param targets module-name suffixes, as target_modules lists them
 * @param rslora scale by alpha / √r instead of alpha / r
 */
public record LoraConfig(int r, float alpha, float dropout, List<String> targets, boolean rslora) {
    /** The six linears of an encoder layer, by module name within the layer. */
    public static final List<String> LAYER_LINEARS = List.of("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense");
    /** What {@code all-linear} stands for, as target_modules (peft writes the same suffixes). */
    static final List<String> ALL_LINEAR = List.of("query", "key", "value", "dense");

    /** Checks the values: r at least 1, alpha above 0, dropout in [0, 1), some target. */
    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("--lora: r must be >= 1, got " + r);
        if (!(alpha > 0)) throw new IllegalArgumentException("--lora: alpha must be > 0, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--lora: dropout must be in [0, 1), got " + dropout);
        if (targets == null || targets.isEmpty()) throw new IllegalArgumentException("--lora: targets names no module");
        targets = List.copyOf(targets);
    }

    /**
     * r=8, alpha=16, dropout 0.1, targets query and value, plain scale.
     *
     * @return the defaults
     */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16, 0.1f, List.of("query", "value"), false);
    }

    /**
     * The factor the branch B·A·x is multiplied by.
     *
     * @return alpha / r, or alpha / √r with rsLoRA
     */
    public float scale() {
        return rslora ? (float) (alpha / Math.sqrt(r)) : alpha / r;
    }

    /**
     * From {@code --lora r=8,alpha=16,dropout=0.1,targets=query,value,rslora}: comma-separated
     * key=value; targets takes every item up to the next key=; a bare {@code rslora} turns it on.
     * Keys left out keep {@link #defaults()}; an empty spec is the defaults.
     *
     * @param spec the --lora value (null or empty: the defaults)
     * @return the config
     * @throws IllegalArgumentException naming the key or target that is wrong
     */
    public static LoraConfig parse(String spec) {
        LoraConfig d = defaults();
        int r = d.r;
        float alpha = d.alpha, dropout = d.dropout;
        boolean rslora = false;
        List<String> targets = null;
        String key = null;
        java.util.Set<String> seen = new java.util.HashSet<>(); // r=4,r=8 is a mistake, not the last one winning
        for (String raw : (spec == null ? "" : spec).split(",")) {
            String item = raw.trim();
            if (item.isEmpty()) continue;
            int eq = item.indexOf('=');
            String k = eq < 0 ? null : item.substring(0, eq).trim().toLowerCase(Locale.ROOT), v = eq < 0 ? item : item.substring(eq + 1).trim();
            if (k == null && item.equalsIgnoreCase("rslora")) {
                rslora = true;
                key = null;
                continue;
            }
            if (k == null) {
                if (!"targets".equals(key)) throw new IllegalArgumentException("--lora: '" + item + "' is not key=value (keys: r, alpha, dropout, targets, rslora)");
                targets.add(v);
                continue;
            }
            key = k;
            String canonical = switch (k) { case "lora_alpha" -> "alpha"; case "lora_dropout" -> "dropout"; case "use_rslora" -> "rslora"; case "target_modules" -> "targets"; default -> k; };
            if (!seen.add(canonical)) throw new IllegalArgumentException("--lora: '" + canonical + "' given twice in '" + spec + "'");
            try {
                switch (k) {
                    case "r" -> r = Integer.parseInt(v);
                    case "alpha", "lora_alpha" -> alpha = Float.parseFloat(v);
                    case "dropout", "lora_dropout" -> dropout = Float.parseFloat(v);
                    case "rslora", "use_rslora" -> rslora = Boolean.parseBoolean(v) || v.equals("1");
                    case "targets", "target_modules" -> {
                        targets = new ArrayList<>();
                        if (!v.isEmpty()) targets.add(v);
                    }
                    default -> throw new IllegalArgumentException("--lora: unknown key '" + k + "' (keys: r, alpha, dropout, targets, rslora)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora: " + k + "=" + v + " is not a number");
            }
        }
        return new LoraConfig(r, alpha, dropout, targets == null ? d.targets : expand(targets), rslora);
    }

    /** all-linear as its four suffixes; duplicates dropped; each target must name an encoder linear. */
    private static List<String> expand(List<String> targets) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String t : targets) {
            if (t.equalsIgnoreCase("all-linear")) out.addAll(ALL_LINEAR);
            else if (LAYER_LINEARS.stream().anyMatch(m -> matches(m, t))) out.add(t);
            else throw new IllegalArgumentException("--lora: target '" + t + "' names no linear of an encoder layer (query, key, value, dense, "
                    + "attention.output.dense, intermediate.dense, output.dense, or all-linear)");
        }
        return List.copyOf(out);
    }

    /**
     * Whether a linear is adapted: its name ends with a target.
     *
     * @param module a module name such as encoder.layer.0.attention.self.query
     * @return true if a target matches it
     */
    public boolean targets(String module) {
        return targets.stream().anyMatch(t -> matches(module, t));
    }

    /** peft's rule for a list of targets: the module's name equals the target or ends with "." + target. */
    static boolean matches(String module, String target) {
        return module.equals(target) || module.endsWith("." + target);
    }

    /**
     * The spec {@link #parse} reads back to this config (for run fingerprints and messages).
     *
     * @return r=..,alpha=..,dropout=..,targets=..[,rslora]
     */
    public String spec() {
        return "r=" + r + ",alpha=" + alpha + ",dropout=" + dropout + ",targets=" + String.join(",", targets) + (rslora ? ",rslora" : "");
    }
}
