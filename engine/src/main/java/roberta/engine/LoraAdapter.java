package roberta.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import roberta.kernels.Backend;

/**
 * The low-rank matrices of a LoRA adapter, one pair per adapted linear of the encoder, named as
 * peft names them without its prefix: {@code encoder.layer.0.attention.self.query.lora_A.weight}
 * [r, in] and {@code ...lora_B.weight} [out, r]. Kept apart from the model's own parameters, so a
 * saved model never holds them. {@link #branch} is the forward (and, through the graph, the
 * backward); {@link #mergeInto} folds the delta into the weights for inference.
 */
public final class LoraAdapter {
    /** One adapted linear: a [r, in], b [out, r]. */
    public record Pair(Param a, Param b) {}

    private final LoraConfig config;
    /** By module name (encoder.layer.N.attention.self.query), in the model's order. */
    private final Map<String, Pair> modules;

    LoraAdapter(LoraConfig config, Map<String, Pair> modules) {
        this.config = config;
        this.modules = modules;
    }

    public LoraConfig config() { return config; }

    /** The adapted linears by module name. */
    public Map<String, Pair> modules() { return Collections.unmodifiableMap(modules); }

    /** Every A and B by name, A before B, in the model's order. */
    public Map<String, Param> params() {
        Map<String, Param> p = new LinkedHashMap<>();
        for (Pair pair : modules.values()) {
            p.put(pair.a.name, pair.a);
            p.put(pair.b.name, pair.b);
        }
        return p;
    }

    static String aName(String module) { return module + ".lora_A.weight"; }
    static String bName(String module) { return module + ".lora_B.weight"; }

    /**
     * A new adapter for the model's linears that the config targets, initialised as peft does:
     * A by kaiming_uniform(a=√5), i.e. U(-1/√in, 1/√in); B zeros, so the adapted model starts as the base.
     */
    public static LoraAdapter random(LoraConfig config, RobertaModel model, long seed) {
        Backend be = model.backend();
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L + 0x10AA);
        Map<String, Pair> modules = new LinkedHashMap<>();
        for (int l = 0; l < model.config().numHiddenLayers(); l++) {
            for (String m : LoraConfig.LAYER_LINEARS) {
                String module = "encoder.layer." + l + "." + m;
                if (!config.targets(module)) continue;
                int[] w = model.p(module + ".weight").value.shape(); // [out, in]
                int out = w[0], in = w[1], r = config.r();
                float[] a = new float[r * in];
                double bound = 1 / Math.sqrt(in); // √(6 / ((1 + 5) · in)): kaiming_uniform with a = √5
                for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                modules.put(module, new Pair(new Param(aName(module), be.adopt(a, r, in)), new Param(bName(module), be.zeros(out, r))));
            }
        }
        if (modules.isEmpty()) throw new IllegalArgumentException("--lora: targets " + config.targets() + " name no linear of this model");
        for (Pair p : modules.values()) p.a.trainable = p.b.trainable = true;
        return new LoraAdapter(config, modules);
    }

    /**
     * y + scale · B (A dropout(x)) when the module is adapted, else y (the base linear's output, which
     * is fresh: in inference the sum overwrites it). x [n, in], A·x [n, r], B·A·x [n, out].
     */
    Var branch(Graph g, Var x, String module, Var y) {
        Pair p = modules.get(module);
        if (p == null) return y;
        Var down = g.linear(g.dropout(x, config.dropout()), p.a, null); // [n, r]
        Var up = g.linear(down, p.b, null);                              // [n, out]
        return g.addScaled(y, up, config.scale());
    }

    /** W += scale · B·A for every adapted linear (the weights must be plain floats, not packed for inference). */
    void mergeInto(RobertaModel model) {
        Backend be = model.backend();
        float s = config.scale();
        for (Map.Entry<String, Pair> e : modules.entrySet()) {
            Param w = model.p(e.getKey() + ".weight");
            float[] wv = be.toHost(w.value), a = be.toHost(e.getValue().a.value), b = be.toHost(e.getValue().b.value);
            int out = w.value.dim(0), in = w.value.dim(1), r = config.r();
            float[] delta = new float[in]; // row o of B·A, then scaled once, as peft's merge computes it
            for (int o = 0; o < out; o++) {
                java.util.Arrays.fill(delta, 0f);
                for (int k = 0; k < r; k++) {
                    float bk = b[o * r + k];
                    for (int i = 0; i < in; i++) delta[i] += bk * a[k * in + i];
                }
                for (int i = 0; i < in; i++) wv[o * in + i] += delta[i] * s;
            }
            be.copyFromHost(w.value, wv);
        }
    }
}
