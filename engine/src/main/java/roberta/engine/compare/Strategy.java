package roberta.engine.compare;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * One way of adapting a pretrained encoder to a task, from "freeze everything" to "tune
 * everything": a head on the frozen encoder's {@code <s>} features, on its mean-pooled features,
 * or on a learned mix of every layer's (Peters et al.'s scalar mix); the top k layers tuned with
 * the head; LoRA adapters; full fine-tuning.
 *
 * @param name as the command line spells it (frozen-cls, top-2, lora, ...)
 * @param kind what is trained
 * @param topLayers for {@link Kind#TOP}: how many of the highest layers train
 */
public record Strategy(String name, Kind kind, int topLayers) {
    /** What is trained. */
    public enum Kind {
        /** a head on the frozen encoder's {@code <s>} features of the last layer */
        FROZEN_CLS,
        /** a head on the frozen encoder's mean-pooled features of the last layer */
        FROZEN_MEAN,
        /** a head on a learned scalar mix of every layer's mean-pooled features */
        FROZEN_MIX,
        /** the top layers and the head */
        TOP,
        /** LoRA adapters and the head */
        LORA,
        /** every parameter */
        FULL
    }

    /** Every strategy, from the cheapest to the dearest, as {@code --strategies} lists them by default. */
    public static final String DEFAULT = "frozen-cls,frozen-mean,frozen-mix,top-2,lora,full";

    /**
     * Whether the encoder stays frozen and a head trains on its cached features.
     *
     * @return true for frozen-cls, frozen-mean and frozen-mix
     */
    public boolean frozen() {
        return kind == Kind.FROZEN_CLS || kind == Kind.FROZEN_MEAN || kind == Kind.FROZEN_MIX;
    }

    /**
     * The family a default or an override ({@code --lr frozen=1e-3}) applies to.
     *
     * @return frozen, partial, lora or full
     */
    public String family() {
        return switch (kind) {
            case FROZEN_CLS, FROZEN_MEAN, FROZEN_MIX -> "frozen";
            case TOP -> "partial";
            case LORA -> "lora";
            case FULL -> "full";
        };
    }

    /**
     * The feature rows a frozen strategy's head reads.
     *
     * @param tokens whether the task labels tokens
     * @return "cls", "mean" or (token classification) "token"
     */
    public String pooling(boolean tokens) {
        if (tokens) return "token";
        return kind == Kind.FROZEN_CLS ? "cls" : "mean";
    }

    /**
     * One strategy by name.
     *
     * @param raw frozen-cls, frozen-mean, frozen-mix, top-K, lora or full
     * @return the strategy
     */
    public static Strategy parse(String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "frozen-cls": return new Strategy(s, Kind.FROZEN_CLS, 0);
            case "frozen-mean": return new Strategy(s, Kind.FROZEN_MEAN, 0);
            case "frozen-mix": return new Strategy(s, Kind.FROZEN_MIX, 0);
            case "lora": return new Strategy(s, Kind.LORA, 0);
            case "full": return new Strategy(s, Kind.FULL, 0);
            default:
        }
        if (s.matches("top-\\d{1,3}")) {
            int k = Integer.parseInt(s.substring(4));
            if (k < 1) throw new IllegalArgumentException("strategy " + raw.trim() + ": top-K needs K >= 1 (top-1, top-2, ...)");
            return new Strategy(s, Kind.TOP, k);
        }
        throw new IllegalArgumentException("unknown strategy '" + raw.trim() + "' (frozen-cls, frozen-mean, frozen-mix, top-K such as top-2, lora, full)");
    }

    /**
     * A comma-separated list, in the order given, each once.
     *
     * @param spec the list
     * @return the strategies
     */
    public static List<Strategy> parseList(String spec) {
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        List<Strategy> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            Strategy st = parse(part);
            if (seen.add(st.name())) out.add(st);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--strategies names no strategy (e.g. " + DEFAULT + ")");
        return out;
    }
}
