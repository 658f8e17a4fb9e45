package roberta.engine.compare;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A setting that may differ per strategy, as {@code --lr} and {@code --epochs} take it: one value
 * for all ({@code 3}), or values by strategy or family ({@code frozen=1e-3,full=2e-5,top-2=1e-4});
 * a strategy's own name wins over its family (frozen, partial, lora, full), which wins over the
 * default.
 *
 * @param all the value for every strategy, or null
 * @param byKey values by strategy name or family
 * @param <T> the value's type
 */
public record Overrides<T>(T all, Map<String, T> byKey) {
    private static final java.util.Set<String> FAMILIES = java.util.Set.of("frozen", "partial", "lora", "full");

    /**
     * No overrides: every strategy takes its default.
     *
     * @param <T> the value's type
     * @return overrides that override nothing
     */
    public static <T> Overrides<T> none() {
        return new Overrides<>(null, Map.of());
    }

    /**
     * Parses "V" or "key=V,key=V".
     *
     * @param spec the text, or null
     * @param option the flag's name, for messages
     * @param value parses one value
     * @param <T> the value's type
     * @return the overrides
     */
    public static <T> Overrides<T> parse(String spec, String option, Function<String, T> value) {
        if (spec == null || spec.isBlank()) return none();
        try {
            if (!spec.contains("=")) return new Overrides<>(value.apply(spec.trim()), Map.of());
            Map<String, T> m = new LinkedHashMap<>();
            for (String part : spec.split(",")) {
                if (part.isBlank()) continue;
                String[] kv = part.split("=", 2);
                if (kv.length != 2) throw new IllegalArgumentException(option + " " + spec + ": '" + part.trim() + "' is not key=value");
                String key = kv[0].trim().toLowerCase(Locale.ROOT);
                if (!FAMILIES.contains(key)) Strategy.parse(key); // a strategy's name, or say what is wrong
                m.put(key, value.apply(kv[1].trim()));
            }
            return new Overrides<>(null, m);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + spec + ": not a number (" + e.getMessage() + ")");
        }
    }

    /**
     * The value for a strategy: its own, its family's, everyone's, else the default.
     *
     * @param s the strategy
     * @param fallback its default
     * @return the value it gets
     */
    public T of(Strategy s, T fallback) {
        if (byKey.containsKey(s.name())) return byKey.get(s.name());
        if (byKey.containsKey(s.family())) return byKey.get(s.family());
        return all != null ? all : fallback;
    }
}
