package roberta.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import roberta.kernels.Backend;
import roberta.kernels.HalfFormat;
import roberta.loader.Checkpoint;
import roberta.loader.DType;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.loader.RobertaParameters;

/**
 * Where a model's weights come from: a checkpoint folder (F32 as floats; F16/BF16 linear
 * weights kept half for inference), or initialisation as transformers' _init_weights does it
 * (normal(0, initializer_range) matrices, zero biases, unit LayerNorm scales, a zero padding
 * row). The forward pass that uses them is {@link RobertaModel}.
 */
final class RobertaWeights {
    private RobertaWeights() {}

    /**
     * A checkpoint folder's weights, switching to another head (or label set, or problem_type)
     * when asked: head tensors the checkpoint lacks are initialised, with a warning. With
     * inference, each linear weight is packed as soon as it is read, from a reused scratch
     * buffer, so two copies of the weights never exist.
     */
    static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, String problemType, long seed, boolean inference) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            RobertaConfig config = ckpt.config();
            HeadType head = wantHead == null ? ckpt.head() : wantHead;
            if (head != ckpt.head() || (labels != null && !labels.equals(config.id2label()))
                    || (problemType != null && !problemType.equals(config.problemType())))
                config = config.withHead(head.architecture, labels, problemType);
            List<String> warnings = new ArrayList<>();
            Map<String, long[]> shapes = RobertaParameters.shapes(config, head);
            Map<String, Param> params = new LinkedHashMap<>();
            Random rng = new Random(seed);
            List<String> initialised = new ArrayList<>();
            Map<String, float[]> scratch = new java.util.HashMap<>(); // one buffer per weight shape, reused
            Map<String, short[]> halfScratch = new java.util.HashMap<>();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String name = e.getKey();
                int[] shape = toInt(e.getValue());
                if (name.equals(RobertaParameters.TIED_DECODER) && !ckpt.has(name)) continue; // tied below
                boolean stored = ckpt.has(name) && java.util.Arrays.equals(ckpt.info(name).shape(), e.getValue());
                if (stored && inference && isLinearWeight(name, shape)) {
                    DType dtype = ckpt.info(name).dtype();
                    String key = shape[0] + "x" + shape[1];
                    if ((dtype == DType.F16 || dtype == DType.BF16) && !WIDEN_HALF) {
                        // kept as the checkpoint stores it: half the memory, widened exactly chunk by chunk in the GEMM
                        short[] bits = halfScratch.computeIfAbsent(key, k -> new short[shape[0] * shape[1]]);
                        ckpt.halfBitsInto(name, bits);
                        params.put(name, new Param(name, be.packedHalfWeight(bits, dtype == DType.BF16 ? HalfFormat.BF16 : HalfFormat.F16, shape[0], shape[1])));
                    } else {
                        float[] values = scratch.computeIfAbsent(key, k -> new float[shape[0] * shape[1]]);
                        ckpt.floatsInto(name, values);
                        params.put(name, new Param(name, be.packedWeight(values, shape[0], shape[1])));
                    }
                } else if (stored) {
                    params.put(name, new Param(name, be.adopt(ckpt.floats(name), shape)));
                } else if (name.startsWith("pooler.") && head == HeadType.NONE) {
                    continue; // RobertaModel saved without a pooler
                } else {
                    params.put(name, new Param(name, be.adopt(initialValues(name, shape, config, rng), shape)));
                    initialised.add(name);
                }
            }
            // the pooler a bare encoder saves is no loss to a head that does not use it (transformers ignores it too)
            List<String> unused = ckpt.names().stream().filter(n -> !shapes.containsKey(n) && !n.startsWith("pooler.")).toList();
            if (!unused.isEmpty()) warnings.add("not used by a " + head.architecture + ": " + String.join(", ", unused));
            return new RobertaModel(config, head, be, params, warnings, initialised);
        }
    }

    /** -Droberta.widenHalf=true: F16/BF16 linear weights widened to float32 at load even for inference. */
    static final boolean WIDEN_HALF = Boolean.getBoolean("roberta.widenHalf");

    /** Freshly initialised weights, as transformers' _init_weights makes them; with inference, linear weights packed as made. */
    static RobertaModel random(RobertaConfig config, HeadType head, Backend be, long seed, boolean inference) {
        Random rng = new Random(seed);
        Map<String, Param> params = new LinkedHashMap<>();
        Map<String, float[]> scratch = new java.util.HashMap<>(); // one buffer per weight shape, reused
        for (Map.Entry<String, long[]> e : RobertaParameters.shapes(config, head).entrySet()) {
            if (e.getKey().equals(RobertaParameters.TIED_DECODER)) continue; // tied to the word embeddings
            int[] shape = toInt(e.getValue());
            boolean packed = inference && isLinearWeight(e.getKey(), shape);
            float[] values = packed ? scratch.computeIfAbsent(shape[0] + "x" + shape[1], k -> new float[shape[0] * shape[1]]) : null;
            values = initialValues(e.getKey(), shape, config, rng, values);
            params.put(e.getKey(), new Param(e.getKey(), packed ? be.packedWeight(values, shape[0], shape[1]) : be.adopt(values, shape)));
        }
        RobertaConfig c = head == HeadType.NONE || config.architecture() != null && config.architecture().equals(head.architecture)
                ? config : config.withHead(head.architecture, config.id2label().isEmpty() ? null : config.id2label(), null);
        return new RobertaModel(c, head, be, params, List.of(), List.of());
    }

    private static int[] toInt(long[] s) {
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) r[i] = Math.toIntExact(s[i]);
        return r;
    }

    /** Normal(0, initializer_range) for matrices, zeros for biases, ones for LayerNorm scales. */
    static float[] initialValues(String name, int[] shape, RobertaConfig config, Random rng) {
        return initialValues(name, shape, config, rng, null);
    }

    /** As above, into into (when not null and large enough; it is overwritten entirely). */
    static float[] initialValues(String name, int[] shape, RobertaConfig config, Random rng, float[] into) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = into != null && into.length == n ? into : new float[n];
        java.util.Arrays.fill(v, 0f);
        if (RobertaParameters.isLayerNormWeight(name)) {
            java.util.Arrays.fill(v, 1f);
        } else if (name.endsWith(".weight")) {
            double std = config.json().path("initializer_range").asDouble(0.02);
            for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * std);
            if (name.equals("embeddings.word_embeddings.weight") || name.equals("embeddings.position_embeddings.weight")) {
                int pad = config.padTokenId(), h = shape[1];
                if (pad >= 0 && pad < shape[0]) java.util.Arrays.fill(v, pad * h, pad * h + h, 0f); // padding_idx row
            }
        }
        return v;
    }

    private static boolean isLinearWeight(String name, int[] shape) {
        return RobertaParameters.isLinearWeight(name, shape.length);
    }
}
