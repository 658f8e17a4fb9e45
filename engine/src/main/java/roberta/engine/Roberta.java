package roberta.engine;

import roberta.engine.train.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import roberta.kernels.Backend;
import roberta.kernels.Devices;
import roberta.kernels.JitWarmUp;
import roberta.loader.HeadType;
import roberta.loader.SentenceTransformerConfig;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.Encoding;
import roberta.tokenizer.RobertaTokenizer;

/**
 * The Java API: a model folder loaded with its tokenizer. Thread-safe for concurrent
 * callers (inference never writes to the model).
 *
 * <pre>{@code
 * Roberta roberta = Roberta.load(Path.of("roberta-base"));
 * float[][] vectors = roberta.embed(List.of("a sentence", "another"), EmbedOptions.DEFAULT);
 * List<List<Roberta.Candidate>> top = roberta.fillMask("The capital of France is <mask>.", 5); // per mask
 * }</pre>
 */
public final class Roberta implements AutoCloseable {
    private final RobertaModel model;
    /** Whether this object (and its copies by withTokenizer, which share it) is closed, and the device it owns. */
    private Lifetime lifetime = new Lifetime();

    /** Shared by an object and its copies: closing one closes them all, since they share the model's memory. */
    private static final class Lifetime {
        Backend owned; // the device load chose itself (load without a backend), or null
        volatile boolean closed;
    }
    private final RobertaTokenizer tokenizer;
    private final Path dir;
    /** A sentence-transformers folder's modules, or null for a plain Hugging Face folder. */
    private final SentenceTransformerConfig sentenceConfig;
    private final SentencePipeline sentencePipeline;

    private Roberta(Path dir, RobertaModel model, RobertaTokenizer tokenizer, SentenceTransformerConfig sentenceConfig, SentencePipeline sentencePipeline) {
        // <s>, </s> and <pad> go into every sequence: a tokenizer whose ids for them the model lacks is refused now, not at the first text
        if (tokenizer != null) roberta.engine.train.TaskData.checkSpecialTokens(tokenizer, false, dir == null ? "the tokenizer" : dir, model.config().vocabSize());
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.sentenceConfig = sentenceConfig;
        this.sentencePipeline = sentencePipeline;
    }

    /**
     * Loads a model folder onto the default device (the GPU when one works here, else the CPU).
     *
     * @param dir a Hugging Face or sentence-transformers folder
     * @return the model with its tokenizer
     */
    public static Roberta load(Path dir) {
        return owning(Devices.auto(), be -> load(dir, be));
    }

    /** Loads onto a backend made for this object: closed with it (a GPU's memory freed), or at once if the load fails. */
    private static Roberta owning(Backend backend, java.util.function.Function<Backend, Roberta> load) {
        try {
            Roberta r = load.apply(backend);
            r.lifetime.owned = backend;
            return r;
        } catch (RuntimeException | Error e) {
            closeOwned(backend);
            throw e;
        }
    }

    /** A backend made for one object: its allocations freed, and a GPU's device context (stream, cuBLAS handle) closed too. */
    private static void closeOwned(Backend backend) {
        backend.close();
        if (backend instanceof roberta.kernels.cuda.CudaBackend cuda) cuda.device().close();
    }

    /**
     * Frees what this object holds on its device when load chose the device itself (a GPU's
     * memory for the weights; nothing to do on the CPU). A model loaded onto a backend the caller
     * gave is freed by closing that backend ({@link Backend#close}: every model on it goes).
     * Using the object, or a copy of it from {@link #withTokenizer}, after it is closed is an
     * error; close it only once no call on it is running.
     */
    @Override
    public void close() {
        synchronized (lifetime) {
            if (lifetime.closed) return;
            lifetime.closed = true;
            if (lifetime.owned != null) closeOwned(lifetime.owned);
            lifetime.owned = null;
        }
    }

    private void requireOpen() {
        if (lifetime.closed) throw new IllegalStateException("this Roberta is closed");
    }

    /**
     * Loads a Hugging Face model folder, or a sentence-transformers folder (modules.json): then
     * the Transformer module's folder is the model, and embed pools as the folder says. A LoRA
     * adapter folder (what {@code finetune --lora} leaves in OUTPUT/adapter) loads its
     * base_model_name_or_path with the adapter applied.
     *
     * @param dir a Hugging Face or sentence-transformers folder
     * @param backend what runs the model, from {@link Devices}
     * @return the model with its tokenizer
     */
    public static Roberta load(Path dir, Backend backend) {
        return load(dir, null, backend);
    }

    /**
     * Loads a model folder with a LoRA adapter (a peft folder: adapter_config.json and
     * adapter_model.safetensors, ours or one trained in Python) onto the default device.
     *
     * @param dir the base model's folder
     * @param adapter the adapter folder
     * @return the adapted model with its tokenizer
     */
    public static Roberta load(Path dir, Path adapter) {
        return owning(Devices.auto(), be -> load(dir, adapter, be));
    }

    /**
     * As {@link #load(Path, Backend)}, with a LoRA adapter applied: its delta folded into the
     * weights it targets (W += scale·B·A) before they are packed for inference, and its head (peft's
     * modules_to_save) in place of the folder's, so it runs as fast as the plain model.
     *
     * @param dir a Hugging Face or sentence-transformers folder
     * @param adapter a peft LoRA folder, or null for none
     * @param backend what runs the model, from {@link Devices}
     * @return the model with its tokenizer
     */
    public static Roberta load(Path dir, Path adapter, Backend backend) {
        if (adapter == null && AdapterFolder.existsIn(dir) && !java.nio.file.Files.exists(dir.resolve("model.safetensors")))
            return load(AdapterFolder.baseOf(dir), dir, backend); // an adapter folder alone: its base_model_name_or_path is the model
        SentenceTransformerConfig st = SentenceTransformerConfig.existsIn(dir) ? SentenceTransformerConfig.load(dir) : null;
        SentencePipeline pipeline = st == null ? null : SentencePipeline.of(st); // its files are checked before the model is read
        Path modelDir = st == null ? dir : st.transformerDir();
        // the load reads and packs weights on one thread; the kernels are compiled on another meanwhile
        Loaded loaded = JitWarmUp.during(backend, () -> new Loaded(adapter == null ? RobertaModel.load(modelDir, backend, null, null, null, 0, true)
                : AdapterFolder.load(modelDir, adapter, backend, 0).mergeAdapter().forInference(),
                RobertaTokenizer.existsIn(modelDir) ? RobertaTokenizer.load(modelDir) : null));
        RobertaModel model = loaded.model();
        RobertaTokenizer tok = loaded.tokenizer();
        try {
            if (pipeline != null) pipeline.width(model.config().hiddenSize()); // a Dense layer of the wrong width fails now, not at the first text
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve("modules.json") + ": " + e.getMessage());
        }
        return new Roberta(dir, model, tok, st, pipeline);
    }

    private record Loaded(RobertaModel model, RobertaTokenizer tokenizer) {}

    /**
     * A model already in memory with a tokenizer.
     *
     * @param model the model
     * @param tokenizer its tokenizer, or null
     * @return the pair
     */
    public static Roberta of(RobertaModel model, RobertaTokenizer tokenizer) {
        return new Roberta(null, model, tokenizer, null, null);
    }

    /**
     * This model with another tokenizer (sentence-transformers modules kept).
     *
     * @param tokenizer the tokenizer
     * @return a new instance sharing the model
     */
    public Roberta withTokenizer(RobertaTokenizer tokenizer) {
        Roberta copy = new Roberta(dir, model, tokenizer, sentenceConfig, sentencePipeline);
        copy.lifetime = lifetime; // the same model and device memory: closed together
        return copy;
    }

    /**
     * Whether the model's prediction head was read from the checkpoint: false for a bare encoder,
     * and for a checkpoint whose config names a head it lacks the tensors of (they would be random).
     *
     * @return whether classify, fill-mask and the logits of forward can be trusted
     */
    public boolean headTrained() {
        return model.head() != HeadType.NONE && headRead();
    }

    /** Whether the head's weights are not random: read from the checkpoint (or an adapter), or the model was built in memory. */
    private boolean headRead() {
        return dir == null || model.untrainedHead().isEmpty();
    }

    /**
     * An error when a loaded checkpoint lacked the head's tensors (what an adapter's head supplied
     * does not count): what would come out is random. A model built in memory (just trained, say)
     * is not a checkpoint with gaps.
     */
    private void requireTrainedHead(String what) {
        if (dir != null) model.requireTrainedHead(dir, what);
    }

    /**
     * Refuses token ids this model has no embedding for (a tokenizer of another model), before any batch.
     *
     * @param input the input's index (0-based; the error says "input N", 1-based)
     * @param ids its token ids
     */
    public void checkVocabulary(int input, int[] ids) {
        PackedBatch.checkInput(input, ids, model.config().vocabSize());
    }

    /** Sequences a Java caller gives forward: at least one, none null or empty. */
    private static void requireSequences(List<int[]> ids) {
        if (ids == null || ids.isEmpty()) throw new IllegalArgumentException("no sequences");
        for (int i = 0; i < ids.size(); i++)
            if (ids.get(i) == null || ids.get(i).length == 0)
                throw new IllegalArgumentException("sequence " + i + (ids.get(i) == null ? " is null" : " has no tokens"));
    }

    /** A null text (a Java caller's) is named by its place, as "input N is null", not met as a bare NullPointerException deep in the tokenizer. */
    private static void requireTexts(List<String> texts) {
        if (texts == null) throw new IllegalArgumentException("texts is null");
        for (int i = 0; i < texts.size(); i++) if (texts.get(i) == null) throw new IllegalArgumentException("input " + (i + 1) + " is null");
    }

    /** {@return the model itself (internal: for the command line and tests)} */
    public RobertaModel model() { return model; }

    /** {@return the sentence-transformers modules this folder came with, or null} */
    public SentenceTransformerConfig sentenceTransformerConfig() { return sentenceConfig; }

    /**
     * The tokenizer.
     *
     * @return the tokenizer
     * @throws IllegalStateException when the folder had none
     */
    public RobertaTokenizer tokenizer() {
        if (tokenizer == null) throw new IllegalStateException((dir == null ? "model" : dir.toString()) + ": no tokenizer.json or vocab.json + merges.txt");
        return tokenizer;
    }

    /** {@return the longest sequence (special tokens included) the position table allows} */
    public int maxTokens() {
        return model.config().maxPositionEmbeddings() - model.config().padTokenId() - 1;
    }

    // ------------------------------------------------------------------ encoder runs

    /**
     * Runs the encoder over token sequences, sorted by length into batches of batchSize, and
     * hands each sequence's selected states [len, width] to sink (in any order).
     *
     * @param sequences token ids, special tokens included
     * @param batchSize sequences per batch
     * @param layers which hidden states
     * @param sink receives each sequence's states
     * @param progress told how many sequences each batch finished, or null
     */
    public void states(List<int[]> sequences, int batchSize, LayerSelection layers, HiddenStates.Sink sink, IntConsumer progress) {
        requireOpen();
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        HiddenStates.run(model, sequences, batchSize, layers, sink, progress);
    }

    // ------------------------------------------------------------------ feature extraction

    /**
     * Embeds texts (optionally with pairs) as configured; result i is [width] or, for NONE,
     * [tokens, width]. A sentence-transformers folder lower-cases and truncates as its
     * Transformer module says, unless the options set a length of their own. Progress (unit
     * {@code seq}, task {@code embed}) goes to listener.
     *
     * @param texts the inputs
     * @param pairs second texts, as many, or null
     * @param options pooling, layers, lengths
     * @param listener where progress goes ({@link Listener#NONE}: nowhere)
     * @return one vector per text
     */
    public float[][] embed(List<String> texts, List<String> pairs, EmbedOptions options, Listener listener) {
        requireOpen();
        requireTexts(texts);
        java.util.Objects.requireNonNull(options, "options");
        if (pairs != null && pairs.size() != texts.size()) throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
        if (sentenceConfig != null) {
            if (options.maxLength() == 0 && options.stride() == 0 && sentenceConfig.maxSeqLength() > 0)
                options = options.maxLength(Math.min(sentenceConfig.maxSeqLength(), maxTokens())).truncating();
            if (sentenceConfig.doLowerCase()) {
                texts = lower(texts);
                if (pairs != null) pairs = lower(pairs);
            }
        }
        return new FeatureExtractor(model, tokenizer(), maxTokens(), options, pipeline(options)).extract(texts, pairs, listener);
    }

    /**
     * What pools the token states under these options: theirs if they name a pooling, else the model's own.
     *
     * @param options the options
     * @return the pipeline
     */
    public SentencePipeline pipeline(EmbedOptions options) {
        if (options.pooling() != null) return SentencePipeline.of(options.pooling(), options.normalize());
        if (sentencePipeline == null) return SentencePipeline.of(Pooling.MEAN, options.normalize());
        if (!options.normalize()) return sentencePipeline;
        List<SentencePipeline.Step> steps = new ArrayList<>(sentencePipeline.steps());
        steps.add(new SentencePipeline.Normalize());
        return new SentencePipeline(sentencePipeline.modes(), steps);
    }

    /**
     * Values per vector that embed gives under these options (per token for NONE).
     *
     * @param options the options
     * @return the width
     */
    public int embeddingWidth(EmbedOptions options) {
        int tokenWidth = LayerSelection.parse(options.layers(), model.config().numHiddenLayers()).width(model.config().hiddenSize());
        return pipeline(options).width(tokenWidth);
    }

    private static List<String> lower(List<String> texts) {
        return texts.stream().map(t -> t == null ? null : t.toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /**
     * Embeds texts, reporting nothing.
     *
     * @param texts the inputs
     * @param options pooling, layers, lengths ({@link EmbedOptions#DEFAULT}, {@link EmbedOptions#mean()}...)
     * @return one vector per text
     */
    public float[][] embed(List<String> texts, EmbedOptions options) {
        return embed(texts, null, options, Listener.NONE);
    }

    /**
     * Everything the model computes for one padded batch [B, T], in input order: hidden
     * states [B, T, H] (index 0 = embeddings), attentions [B, heads, T, T] when asked, and the
     * head's logits ([B, labels], [B, T, labels] or [B, T, vocab]; the pooler output [B, H] for
     * a bare RobertaModel). Padded positions hold zeros.
     *
     * @param batch sequences
     * @param length padded length
     * @param hiddenStates one [B, T, H] array per layer, the embeddings first
     * @param attentions one [B, heads, T, T] array per layer, when asked
     * @param logits the head's output, or null
     * @param logitsShape its shape
     */
    public record ForwardResult(int batch, int length, List<float[]> hiddenStates, List<float[]> attentions, float[] logits, int[] logitsShape) {}

    /**
     * Runs one batch and returns everything the model computes.
     *
     * @param ids token ids per sequence, special tokens included
     * @param withAttentions also return the attention probabilities
     * @return the states and logits
     */
    public ForwardResult forward(List<int[]> ids, boolean withAttentions) {
        requireSequences(ids);
        int t = 0;
        for (int[] s : ids) t = Math.max(t, s.length);
        return forward(ids, withAttentions, t);
    }

    /**
     * As {@link #forward(List, boolean)}, padded to paddedLength (at least the longest sequence),
     * so that batches of one long input can be run one after another and written side by side.
     *
     * @param ids token ids per sequence, special tokens included
     * @param withAttentions also return the attention probabilities
     * @param paddedLength the length every sequence is padded to
     * @return the states and logits (no logits when the checkpoint lacks the head's weights: see {@link #headTrained()})
     */
    public ForwardResult forward(List<int[]> ids, boolean withAttentions, int paddedLength) {
        requireOpen();
        requireSequences(ids);
        int t = paddedLength;
        for (int[] s : ids) if (s.length > t) throw new IllegalArgumentException("a sequence of " + s.length + " tokens does not fit padded length " + t);
        int hh = model.config().hiddenSize(), nh = model.config().numAttentionHeads();
        long widest = Math.max((long) hh * t, withAttentions ? (long) nh * t * t : 0);
        if (model.head() == HeadType.MASKED_LM) widest = Math.max(widest, (long) model.config().vocabSize() * t);
        if (widest * ids.size() > Integer.MAX_VALUE - 16)
            throw new IllegalArgumentException(ids.size() + " sequences of " + t + " tokens make an array over 2^31 values; run smaller batches");
        PackedBatch batch = PackedBatch.of(ids, null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
        int h = model.config().hiddenSize(), heads = model.config().numAttentionHeads();
        List<float[]> hidden = new ArrayList<>(), att = new ArrayList<>();
        float[] logits = null;
        int[] shape = null;
        try (Graph g = Graph.inference(model.backend())) {
        RobertaModel.EncoderOutput out = model.encode(g, batch, true, withAttentions);
        for (Var v : out.hiddenStates()) hidden.add(batch.unpack(model.backend().toHost(v.value()), h, t));
        for (var p : out.attentions()) att.add(batch.unpackAttention(model.backend().toHost(p), heads, t));
        Var head = headRead() ? model.head(g, batch, out.last()) : null; // a random head's logits are left out
        if (head != null) {
            float[] raw = model.backend().toHost(head.value());
            int width = head.value().cols();
            if (model.head() == HeadType.MASKED_LM || model.head() == HeadType.TOKEN_CLASSIFICATION) {
                logits = batch.unpack(raw, width, t);
                shape = new int[] {ids.size(), t, width};
            } else {
                logits = raw;
                shape = new int[] {ids.size(), width};
            }
        }
        }
        return new ForwardResult(ids.size(), t, hidden, att, logits, shape);
    }

    // ------------------------------------------------------------------ predictions

    /**
     * One candidate for a masked position.
     *
     * @param tokenId the token's id
     * @param token the token as text
     * @param score its probability
     * @param sequence the text with the mask filled by it
     */
    public record Candidate(int tokenId, String token, double score, String sequence) {}

    /**
     * Top-k fillers for each {@code <mask>} in text.
     *
     * @param text a text with one or more {@code <mask>}
     * @param topK candidates per mask
     * @return one list per mask, in order, best first
     */
    public List<List<Candidate>> fillMask(String text, int topK) {
        requireOpen();
        java.util.Objects.requireNonNull(text, "text");
        if (topK < 1) throw new IllegalArgumentException("topK must be at least 1, got " + topK);
        if (model.head() != HeadType.MASKED_LM) throw new IllegalArgumentException("fill-mask needs a RobertaForMaskedLM checkpoint, this is a " + model.head().architecture);
        requireTrainedHead("fill-mask");
        RobertaTokenizer tok = tokenizer();
        Encoding e = tok.encode(text);
        if (e.length() > maxTokens()) throw new IllegalArgumentException("text has " + e.length() + " tokens, more than the model's " + maxTokens());
        List<Integer> masks = new ArrayList<>();
        for (int i = 0; i < e.length(); i++) if (e.ids()[i] == tok.maskId()) masks.add(i);
        if (masks.isEmpty()) throw new IllegalArgumentException("no <mask> token in the text");
        PackedBatch batch = PackedBatch.of(List.of(e.ids()), null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
        // vocabulary logits at the <mask> rows only: the LM head works token by token
        float[] logits;
        try (Graph g = Graph.inference(model.backend())) {
            Var at = g.gatherRows(model.encode(g, batch, false, false).last(), masks.stream().mapToInt(Integer::intValue).toArray());
            logits = model.backend().toHost(model.head(g, batch, at).value());
        }
        int v = model.config().vocabSize();
        List<List<Candidate>> out = new ArrayList<>();
        for (int m = 0; m < masks.size(); m++) {
            int pos = masks.get(m);
            double[] probs = softmax(logits, m * v, v);
            Integer[] idx = new Integer[v];
            for (int i = 0; i < v; i++) idx[i] = i;
            Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -probs[i]));
            List<Candidate> cands = new ArrayList<>();
            for (int r = 0; r < Math.min(topK, v); r++) {
                int id = idx[r];
                int[] filled = e.ids().clone();
                filled[pos] = id;
                cands.add(new Candidate(id, tok.decode(new int[] {id}, false), probs[id], tok.decode(filled, true)));
            }
            out.add(cands);
        }
        return out;
    }

    /**
     * A prediction: per-label scores (softmax, sigmoid, or the raw value for regression) and the best label.
     *
     * @param label the best label's name
     * @param score its score
     * @param scores every label's score, by label id
     */
    public record Prediction(String label, double score, double[] scores) {}

    /**
     * Sequence classification of each text with the command line's defaults: batches of 16, and
     * an input longer than the model takes is an error, never cut silently.
     *
     * @param texts the inputs
     * @return one prediction per text, in order
     */
    public List<Prediction> classify(List<String> texts) {
        return classify(texts, null, 16, 0);
    }

    /**
     * Sequence classification of each text (or text pair). maxLength > 0 truncates to that many
     * tokens; with 0 an input longer than the model takes is an error, never cut silently.
     *
     * @param texts the inputs
     * @param pairs second texts, as many, or null
     * @param batchSize sequences per batch
     * @param maxLength truncate to this many tokens (0: refuse long inputs)
     * @return one prediction per text, in order
     */
    public List<Prediction> classify(List<String> texts, List<String> pairs, int batchSize, int maxLength) {
        if (model.head() != HeadType.SEQUENCE_CLASSIFICATION) throw new IllegalArgumentException("classify needs a RobertaForSequenceClassification checkpoint, this is a " + model.head().architecture);
        requireOpen();
        requireTrainedHead("classify");
        requireTexts(texts);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        if (maxLength < 0) throw new IllegalArgumentException("maxLength must be 0 (refuse long inputs) or positive, got " + maxLength);
        RobertaTokenizer tok = tokenizer();
        List<Encoding> enc = tok.encodeBatch(texts, pairs, maxLength > 0 ? EncodeOptions.truncateTo(Math.min(maxLength, maxTokens())) : EncodeOptions.DEFAULT);
        for (int i = 0; i < enc.size(); i++)
            if (enc.get(i).length() > maxTokens())
                throw new IllegalArgumentException("input " + (i + 1) + " has " + enc.get(i).length() + " tokens, more than the model's " + maxTokens() + "; pass a max length to truncate");
        for (int i = 0; i < enc.size(); i++) checkVocabulary(i, enc.get(i).ids());
        List<int[]> ids = enc.stream().map(Encoding::ids).toList();
        float[][] logits = logits(ids, batchSize);
        Problem problem = Objective.problem(model);
        List<Prediction> out = new ArrayList<>();
        for (float[] l : logits) {
            double[] scores = switch (problem) {
                case SINGLE_LABEL -> softmax(l, 0, l.length);
                case MULTI_LABEL -> Arrays.stream(toDouble(l)).map(x -> 1 / (1 + Math.exp(-x))).toArray();
                case REGRESSION -> toDouble(l);
            };
            int best = 0;
            for (int i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
            out.add(new Prediction(model.config().id2label().getOrDefault(best, "LABEL_" + best), scores[best], scores));
        }
        return out;
    }

    /** Sequence-classification logits per input, batched by length. */
    float[][] logits(List<int[]> ids, int batchSize) {
        Integer[] order = new Integer[ids.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> ids.get(i).length).reversed());
        float[][] out = new float[ids.size()][];
        for (int b0 = 0; b0 < order.length; b0 += batchSize) {
            int b1 = Math.min(order.length, b0 + batchSize);
            List<int[]> seqs = new ArrayList<>();
            for (int i = b0; i < b1; i++) seqs.add(ids.get(order[i]));
            PackedBatch batch = PackedBatch.of(seqs, null, model.config().padTokenId(), model.config().maxPositionEmbeddings());
            float[] l;
            try (Graph g = Graph.inference(model.backend())) {
                l = model.backend().toHost(model.encodeAndHead(g, batch).value());
            }
            int c = l.length / seqs.size();
            for (int s = 0; s < seqs.size(); s++) out[order[b0 + s]] = Arrays.copyOfRange(l, s * c, (s + 1) * c);
        }
        return out;
    }

    static double[] softmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp(x[off + i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
