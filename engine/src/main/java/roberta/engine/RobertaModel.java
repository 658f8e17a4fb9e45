package roberta.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import roberta.kernels.Backend;
import roberta.kernels.Tensor;
import roberta.loader.HeadType;
import roberta.loader.RobertaConfig;
import roberta.loader.RobertaParameters;

/**
 * RoBERTa as Hugging Face's transformers computes it. The whole forward pass is
 * {@link #encode} (embeddings and encoder layers) plus {@link #head} (the prediction head);
 * training runs the same code with a tape. Parameters keep Hugging Face's names (the table is
 * {@link RobertaParameters}); how they are loaded or initialised is {@link RobertaWeights}.
 */
public final class RobertaModel {
    private final RobertaConfig config;
    private final HeadType head;
    private final Backend be;
    /** Every parameter by Hugging Face name (encoder names without "roberta."). */
    private final Map<String, Param> params;
    private final List<String> warnings;
    /** Head tensors the checkpoint lacked, initialised from scratch (a missing encoder tensor fails the load instead); an adapter's head takes its own off. */
    private final List<String> initialised;
    /** A LoRA adapter trained or applied on top of the encoder's linears, or null. */
    private LoraAdapter adapter;

    RobertaModel(RobertaConfig config, HeadType head, Backend be, Map<String, Param> params, List<String> warnings, List<String> initialised) {
        this.config = config;
        this.head = head;
        this.be = be;
        this.params = params;
        this.warnings = warnings;
        this.initialised = new java.util.ArrayList<>(initialised); // an adapter's attach takes its head off, before the model is shared
    }

    public RobertaConfig config() { return config; }
    public HeadType head() { return head; }
    public Backend backend() { return be; }
    /** Parameters by name, in Hugging Face's order; the tied MLM decoder is not listed twice. */
    public Map<String, Param> params() { return Collections.unmodifiableMap(params); }

    /** The LoRA adapter attached to the encoder, or null. */
    public LoraAdapter adapter() { return adapter; }

    /** Attaches a LoRA adapter (null detaches it): the encoder's targeted linears add its branch. */
    public void attach(LoraAdapter a) {
        this.adapter = a;
    }

    /** Folds the attached adapter into the linears' weights (W += scale·B·A) and detaches it: the same outputs, no branch. */
    public RobertaModel mergeAdapter() {
        if (adapter == null) return this;
        adapter.mergeInto(this);
        // the adapter lives on only in the weights: its tensors go back to the backend (device memory on a GPU)
        for (Param p : adapter.params().values()) {
            p.dropTrainingState(be);
            be.release(p.value);
        }
        adapter = null;
        return this;
    }

    /**
     * What training sees: the model's parameters then the adapter's, by name. The optimizer, clipping,
     * checkpoints' moments and memory accounting go over these; a saved model only over {@link #params()}.
     */
    public Map<String, Param> allParams() {
        if (adapter == null) return params();
        Map<String, Param> all = new java.util.LinkedHashMap<>(params);
        all.putAll(adapter.params());
        return Collections.unmodifiableMap(all);
    }

    /** Bytes the parameters take in memory as kept (packed, half-precision or plain). */
    public long weightBytes() {
        return allParams().values().stream().mapToLong(p -> be.residentBytes(p.value)).sum();
    }
    /** What loading had to work around (a head initialised from scratch, unexpected tensors). */
    public List<String> warnings() {
        String head = initialisedWarning();
        if (head == null) return warnings;
        List<String> all = new java.util.ArrayList<>();
        all.add(head);
        all.addAll(warnings);
        return all;
    }

    /** The first of {@link #warnings()} when loading initialised tensors from scratch, else null. */
    public String initialisedWarning() {
        return initialised.isEmpty() ? null : "initialised from scratch (not in the checkpoint): " + String.join(", ", initialised);
    }

    /** The tensors loading initialised from scratch because the checkpoint lacks them: empty when every weight was read. */
    public List<String> initialised() { return Collections.unmodifiableList(initialised); }

    /** The head's tensors among {@link #initialised()}: random weights a prediction would come from. */
    public List<String> untrainedHead() {
        return initialised.stream().filter(roberta.loader.RobertaParameters::isHead).toList();
    }

    /**
     * Refuses work that needs the head's trained weights (predictions, metrics, a saved copy) when
     * the checkpoint lacked some of them: they are random.
     *
     * @param where the folder to name
     * @param what the work, for the message ("classify", "convert")
     */
    public void requireTrainedHead(Object where, String what) {
        List<String> missing = untrainedHead();
        if (!missing.isEmpty())
            throw new IllegalArgumentException(where + ": " + what + " needs the " + head.architecture + " head's weights, and the checkpoint lacks "
                    + String.join(", ", missing) + " (they would be random)");
    }

    /** Tensors given their values from elsewhere after the load (an adapter's head): no longer initialised from scratch. */
    void supplied(java.util.Collection<String> names) {
        initialised.removeAll(names);
    }

    Param p(String name) {
        Param p = params.get(name);
        if (p == null) throw new IllegalStateException("model has no parameter " + name);
        return p;
    }

    /** Loads a checkpoint folder; wantHead null keeps the checkpoint's own head. */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, long seed) {
        return RobertaWeights.load(dir, be, wantHead, labels, null, seed, false);
    }

    /**
     * Loads a checkpoint folder, switching to another head (or label set, or problem_type)
     * when asked: head tensors the checkpoint lacks are initialised, with a warning.
     */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, String problemType, long seed) {
        return RobertaWeights.load(dir, be, wantHead, labels, problemType, seed, false);
    }

    /** As above; with inference, each linear weight is packed as soon as it is read (see {@link #forInference}). */
    public static RobertaModel load(Path dir, Backend be, HeadType wantHead, Map<Integer, String> labels, String problemType, long seed, boolean inference) {
        return RobertaWeights.load(dir, be, wantHead, labels, problemType, seed, inference);
    }

    /** A model with freshly initialised weights, as transformers' _init_weights does it. */
    public static RobertaModel random(RobertaConfig config, HeadType head, Backend be, long seed) {
        return RobertaWeights.random(config, head, be, seed, false);
    }

    /** As above; with inference, each linear weight is packed as soon as it is made (see {@link #forInference}). */
    public static RobertaModel random(RobertaConfig config, HeadType head, Backend be, long seed, boolean inference) {
        return RobertaWeights.random(config, head, be, seed, inference);
    }

    /**
     * Keeps the linear layers' weights only in the form the forward pass reads (about half
     * the memory); the model can no longer be trained. The word embeddings stay as they are
     * (they are looked up, and may double as the MLM decoder).
     */
    public RobertaModel forInference() {
        for (Param p : params.values()) if (RobertaParameters.isLinearWeight(p.name, p.value.rank())) be.packForInference(p.value);
        return this;
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
        return encode(g, batch, keepAll, attentions, null);
    }

    /**
     * As above; with lastRows, the last layer's output is only those rows [lastRows.length, H]
     * (in that order). Its keys and values still come from every token, but the attention output,
     * residual, LayerNorms and feed-forward run on those rows alone: a head that reads only the
     * {@code <s>} states skips three quarters of the last layer's products (about 6% of a
     * roberta-base forward). Each row's values are what the full layer gives it.
     */
    public EncoderOutput encode(Graph g, PackedBatch batch, boolean keepAll, boolean attentions, int[] lastRows) {
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
            // self-attention: q, k, v [tokens, H]; the heads split H into numAttentionHeads slices of d = H / heads.
            // For each sequence s and head h:  scores = q_sh · k_shᵀ / √d,  probs = softmax(scores) over the row,
            // context_sh = dropout(probs) · v_sh. Sequences are packed, so a token attends to its own sequence's tokens
            // and no others: that is the attention mask, and padding never exists (kernel: AttentionKernel.forward).
            Var q = linear(g, x, pre + "attention.self.query");
            Var k = linear(g, x, pre + "attention.self.key");
            Var v = linear(g, x, pre + "attention.self.value");
            Graph.Attention att = g.attention(q, k, v, batch, config.numAttentionHeads(), attnDropP, attentions);
            if (attentions) probs.add(att.probs());
            Var context = att.context();
            if (lastRows != null && l == config.numHiddenLayers() - 1) { // only these rows from here on
                context = g.gatherRows(context, lastRows);
                x = g.gatherRows(x, lastRows);
            }
            // attention output: dense, dropout, residual, LayerNorm (post-LN)
            Var a = g.dropout(linear(g, context, pre + "attention.output.dense"), dropP);
            x = g.layerNorm(g.residual(a, x), p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"), eps);
            // feed-forward: dense to I, GELU, dense back to H, dropout, residual, LayerNorm
            Var h = adapted(pre + "intermediate.dense") ? g.gelu(linear(g, x, pre + "intermediate.dense"))
                    : g.linearGelu(x, p(pre + "intermediate.dense.weight"), p(pre + "intermediate.dense.bias"));
            Var o = g.dropout(linear(g, h, pre + "output.dense"), dropP);
            x = g.layerNorm(g.residual(o, x), p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"), eps);
            if (keepAll || l == config.numHiddenLayers() - 1) hidden.add(x);
            // this layer's scratch goes back to the pool unless a backward step needs it
            List<Var> keep = new ArrayList<>(hidden);
            keep.add(x);
            if (attentions) keep.add(new Var(att.probs(), false));
            g.releaseSince(scope, keep);
        }
        if (lastRows != null && config.numHiddenLayers() == 0) hidden.set(hidden.size() - 1, g.gatherRows(x, lastRows)); // no layer gathered them
        return new EncoderOutput(hidden, probs);
    }

    /** An encoder linear by module name (x · Wᵀ + b), plus its LoRA branch when the adapter targets it. */
    private Var linear(Graph g, Var x, String module) {
        Var y = g.linear(x, p(module + ".weight"), p(module + ".bias"));
        return adapter == null ? y : adapter.branch(g, x, module, y);
    }

    private boolean adapted(String module) {
        return adapter != null && adapter.modules().containsKey(module);
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
            case SEQUENCE_CLASSIFICATION, NONE -> {
                return headOnFirstTokens(g, g.gatherRows(last, batch.firstTokenRows()));
            }
            case TOKEN_CLASSIFICATION -> {
                return g.linear(g.dropout(last, dropP), p("classifier.weight"), p("classifier.bias"));
            }
        }
        throw new IllegalStateException();
    }

    /**
     * The head's output for a batch: {@link #encode} then {@link #head}, except that a head reading
     * only {@code <s>} has the last layer run on those rows alone (the same values).
     */
    public Var encodeAndHead(Graph g, PackedBatch batch) {
        if (headReadsFirstTokens()) return headOnFirstTokens(g, encode(g, batch, false, false, batch.firstTokenRows()).last());
        return head(g, batch, encode(g, batch, false, false).last());
    }

    /** True when the head reads only each sequence's {@code <s>} state (see {@link #headOnFirstTokens}). */
    public boolean headReadsFirstTokens() {
        return head == HeadType.SEQUENCE_CLASSIFICATION || head == HeadType.NONE;
    }

    /**
     * The sequence-classification logits [sequences, labels], or a bare model's pooler output
     * [sequences, H] (null without a pooler), from the {@code <s>} states [sequences, H]: what
     * {@link #head} gives, for a batch encoded with {@code lastRows = batch.firstTokenRows()}.
     */
    public Var headOnFirstTokens(Graph g, Var cls) {
        if (!headReadsFirstTokens()) throw new IllegalStateException("the " + head + " head reads every token's state");
        if (head == HeadType.NONE) {
            if (!params.containsKey("pooler.dense.weight")) return null;
            return g.tanh(g.linear(cls, p("pooler.dense.weight"), p("pooler.dense.bias")));
        }
        // the <s> token's state: dropout, dense, tanh, dropout, out_proj
        float dropP = config.classifierDropout() != null ? config.classifierDropout() : config.hiddenDropoutProb();
        Var h = g.dropout(g.tanh(g.linear(g.dropout(cls, dropP), p("classifier.dense.weight"), p("classifier.dense.bias"))), dropP);
        return g.linear(h, p("classifier.out_proj.weight"), p("classifier.out_proj.bias"));
    }
}
