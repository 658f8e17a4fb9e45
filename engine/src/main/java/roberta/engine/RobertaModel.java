package roberta.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import roberta.kernels.Backend;
import roberta.kernels.HalfFormat;
import roberta.kernels.Tensor;
import roberta.loader.Checkpoint;
import roberta.loader.DType;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;

/**
 * RoBERTa as Hugging Face's transformers computes it. The whole forward pass is
 * {@link #encode} (embeddings and encoder layers) plus {@link #head} (the prediction head);
 * training runs the same code with a tape. Parameters keep Hugging Face's names.
 */
public final class RobertaModel {
    private final RobertaConfig config;
    private final HeadType head;
    private final Backend be;
    /** Every parameter by Hugging Face name (encoder names without "roberta."). */
    private final Map<String, Param> params;
    private final List<String> warnings;

    private RobertaModel(RobertaConfig config, HeadType head, Backend be, Map<String, Param> params, List<String> warnings) {
        this.config = config;
        this.head = head;
        this.be = be;
        this.params = params;
        this.warnings = warnings;
    }

    public RobertaConfig config() { return config; }
    public HeadType head() { return head; }
    public Backend backend() { return be; }
    /** Parameters by name, in Hugging Face's order; the tied MLM decoder is not listed twice. */
    public Map<String, Param> params() { return Collections.unmodifiableMap(params); }

    /** Bytes the parameters take in memory as kept (packed, half-precision or plain). */
    public long weightBytes() {
        return params.values().stream().mapToLong(p -> be.residentBytes(p.value)).sum();
    }
    /** What loading had to work around (a head initialised from scratch, unexpected tensors). */
    public List<String> warnings() { return warnings; }

    Param p(String name) {
        Param p = params.get(name);
        if (p == null) throw new IllegalStateException("model has no parameter " + name);
        return p;
    }

    /** Loads a checkpoint folder; wantHead null keeps the checkpoint's own head. */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, long seed) {
        return load(dir, be, wantHead, labels, null, seed);
    }

    /**
     * Loads a checkpoint folder, switching to another head (or label set, or problem_type)
     * when asked: head tensors the checkpoint lacks are initialised, with a warning.
     */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, String problemType, long seed) {
        return load(dir, be, wantHead, labels, problemType, seed, false);
    }

    /** As above; with inference, each linear weight is packed as soon as it is read (see {@link #forInference}). */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, String problemType, long seed, boolean inference) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            RobertaConfig config = ckpt.config();
            HeadType head = wantHead == null ? ckpt.head() : wantHead;
            if (head != ckpt.head() || (labels != null && !labels.equals(config.id2label()))
                    || (problemType != null && !problemType.equals(config.problemType())))
                config = config.withHead(head.architecture, labels, problemType);
            List<String> warnings = new ArrayList<>();
            Map<String, long[]> shapes = Checkpoint.expectedShapes(config, head);
            Map<String, Param> params = new LinkedHashMap<>();
            Random rng = new Random(seed);
            List<String> initialised = new ArrayList<>();
            Map<String, float[]> scratch = new java.util.HashMap<>(); // one buffer per weight shape, reused
            Map<String, short[]> halfScratch = new java.util.HashMap<>();
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String name = e.getKey();
                int[] shape = toInt(e.getValue());
                if (name.equals("lm_head.decoder.weight") && !ckpt.has(name)) continue; // tied below
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
            if (!initialised.isEmpty())
                warnings.add("initialised from scratch (not in the checkpoint): " + String.join(", ", initialised));
            List<String> unused = ckpt.names().stream().filter(n -> !shapes.containsKey(n)).toList();
            if (!unused.isEmpty()) warnings.add("not used by a " + head.architecture + ": " + String.join(", ", unused));
            return new RobertaModel(config, head, be, params, warnings);
        }
    }

    /** -Droberta.widenHalf=true: F16/BF16 linear weights widened to float32 at load even for inference. */
    static final boolean WIDEN_HALF = Boolean.getBoolean("roberta.widenHalf");

    /** A model with freshly initialised weights, as transformers' _init_weights does it. */
    public static RobertaModel random(RobertaConfig config, HeadType head, Backend be, long seed) {
        return random(config, head, be, seed, false);
    }

    /** As above; with inference, each linear weight is packed as soon as it is made (see {@link #forInference}). */
    public static RobertaModel random(RobertaConfig config, HeadType head, Backend be, long seed, boolean inference) {
        Random rng = new Random(seed);
        Map<String, Param> params = new LinkedHashMap<>();
        Map<String, float[]> scratch = new java.util.HashMap<>(); // one buffer per weight shape, reused
        for (Map.Entry<String, long[]> e : Checkpoint.expectedShapes(config, head).entrySet()) {
            if (e.getKey().equals("lm_head.decoder.weight")) continue; // tied to the word embeddings
            int[] shape = toInt(e.getValue());
            boolean packed = inference && isLinearWeight(e.getKey(), shape);
            float[] values = packed ? scratch.computeIfAbsent(shape[0] + "x" + shape[1], k -> new float[shape[0] * shape[1]]) : null;
            values = initialValues(e.getKey(), shape, config, rng, values);
            params.put(e.getKey(), new Param(e.getKey(), packed ? be.packedWeight(values, shape[0], shape[1]) : be.adopt(values, shape)));
        }
        RobertaConfig c = head == HeadType.NONE || config.architecture() != null && config.architecture().equals(head.architecture)
                ? config : config.withHead(head.architecture, config.id2label().isEmpty() ? null : config.id2label(), null);
        return new RobertaModel(c, head, be, params, List.of());
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
        if (name.endsWith("LayerNorm.weight") || name.endsWith("layer_norm.weight")) {
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

    /**
     * Keeps the linear layers' weights only in the form the forward pass reads (about half
     * the memory); the model can no longer be trained. The word embeddings stay as they are
     * (they are looked up, and may double as the MLM decoder).
     */
    public RobertaModel forInference() {
        for (Param p : params.values()) packIfLinear(be, p);
        return this;
    }

    private static void packIfLinear(Backend be, Param p) {
        if (isLinearWeight(p.name, p.value.shape())) be.packForInference(p.value);
    }

    /** A linear layer's weight (the word embeddings are looked up, so they are not one). */
    static boolean isLinearWeight(String name, int[] shape) {
        return shape.length == 2 && name.endsWith(".weight") && (name.startsWith("encoder.") || Freezing.isHead(name));
    }

    /** What the encoder produced: hidden states (index 0 = embeddings output) and attention probabilities. */
    public record EncoderOutput(List<Var> hiddenStates, List<Tensor> attentions) {
        public Var last() {
            return hiddenStates.get(hiddenStates.size() - 1);
        }
    }

    /**
     * Embeddings and encoder layers over a packed batch. keepAll keeps every layer's output
     * (else only the last); attentions keeps each layer's probabilities.
     */
    public EncoderOutput encode(Graph g, PackedBatch batch, boolean keepAll, boolean attentions) {
        batch.checkIds(config.vocabSize());
        float eps = config.layerNormEps(), dropP = config.hiddenDropoutProb(), attnDropP = config.attentionProbsDropoutProb();
        List<Var> hidden = new ArrayList<>();
        List<Tensor> probs = new ArrayList<>();
        // embeddings: word + position + token type, LayerNorm, dropout   -> x [tokens, H]
        Var x = g.embeddings(p("embeddings.word_embeddings.weight"), p("embeddings.position_embeddings.weight"),
                p("embeddings.token_type_embeddings.weight"), batch.ids, batch.positionIds, batch.typeIds, config.padTokenId());
        x = g.dropout(g.layerNorm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), eps), dropP);
        hidden.add(x);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String pre = "encoder.layer." + l + ".";
            int scope = g.mark();
            // self-attention: q, k, v [tokens, H]; heads split H into numAttentionHeads slices
            Var q = g.linear(x, p(pre + "attention.self.query.weight"), p(pre + "attention.self.query.bias"));
            Var k = g.linear(x, p(pre + "attention.self.key.weight"), p(pre + "attention.self.key.bias"));
            Var v = g.linear(x, p(pre + "attention.self.value.weight"), p(pre + "attention.self.value.bias"));
            Graph.Attention att = g.attention(q, k, v, batch, config.numAttentionHeads(), attnDropP, attentions);
            if (attentions) probs.add(att.probs());
            // attention output: dense, dropout, residual, LayerNorm (post-LN)
            Var a = g.dropout(g.linear(att.context(), p(pre + "attention.output.dense.weight"), p(pre + "attention.output.dense.bias")), dropP);
            x = g.layerNorm(g.residual(a, x), p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"), eps);
            // feed-forward: dense to I, GELU, dense back to H, dropout, residual, LayerNorm
            Var h = g.linearGelu(x, p(pre + "intermediate.dense.weight"), p(pre + "intermediate.dense.bias"));
            Var o = g.dropout(g.linear(h, p(pre + "output.dense.weight"), p(pre + "output.dense.bias")), dropP);
            x = g.layerNorm(g.residual(o, x), p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"), eps);
            if (keepAll || l == config.numHiddenLayers() - 1) hidden.add(x);
            // this layer's scratch goes back to the pool unless a backward step needs it
            List<Var> keep = new ArrayList<>(hidden);
            keep.add(x);
            if (attentions) keep.add(new Var(att.probs(), false));
            g.releaseSince(scope, keep);
        }
        return new EncoderOutput(hidden, probs);
    }

    /**
     * Masked-LM loss over the labelled positions only: the LM head works token by token, so
     * gathering those rows first gives the same loss and gradients as scoring every position
     * (what transformers does) at a fraction of the vocabulary-sized work.
     */
    public record MaskedLm(Var logits, Targets targets) {}

    public MaskedLm maskedLm(Graph g, PackedBatch batch, Var last, List<int[]> labels) {
        Targets all = Targets.perToken(labels);
        int[] rows = all.labelledRows(batch);
        Var logits = head(g, batch, g.gatherRows(last, rows));
        return new MaskedLm(logits, Targets.perRow(all.labelsAt(batch, rows)));
    }

    /**
     * The head's output from the last hidden state: MLM logits [tokens, vocab], token
     * classification logits [tokens, labels], sequence classification logits [sequences,
     * labels], or the pooler output [sequences, H] for a bare RobertaModel.
     */
    public Var head(Graph g, PackedBatch batch, Var last) {
        float dropP = config.classifierDropout() != null ? config.classifierDropout() : config.hiddenDropoutProb();
        switch (head) {
            case MASKED_LM -> {
                // dense, GELU, LayerNorm, then the decoder (tied to the word embeddings) plus bias
                Var h = g.linearGelu(last, p("lm_head.dense.weight"), p("lm_head.dense.bias"));
                h = g.layerNorm(h, p("lm_head.layer_norm.weight"), p("lm_head.layer_norm.bias"), config.layerNormEps());
                Param decoder = params.containsKey("lm_head.decoder.weight") ? p("lm_head.decoder.weight") : p("embeddings.word_embeddings.weight");
                return g.linear(h, decoder, p("lm_head.bias"));
            }
            case SEQUENCE_CLASSIFICATION -> {
                // the <s> token's state: dropout, dense, tanh, dropout, out_proj
                Var cls = g.dropout(g.gatherRows(last, batch.firstTokenRows()), dropP);
                Var h = g.dropout(g.tanh(g.linear(cls, p("classifier.dense.weight"), p("classifier.dense.bias"))), dropP);
                return g.linear(h, p("classifier.out_proj.weight"), p("classifier.out_proj.bias"));
            }
            case TOKEN_CLASSIFICATION -> {
                return g.linear(g.dropout(last, dropP), p("classifier.weight"), p("classifier.bias"));
            }
            case NONE -> {
                if (!params.containsKey("pooler.dense.weight")) return null;
                Var cls = g.gatherRows(last, batch.firstTokenRows());
                return g.tanh(g.linear(cls, p("pooler.dense.weight"), p("pooler.dense.bias")));
            }
        }
        throw new IllegalStateException();
    }
}
