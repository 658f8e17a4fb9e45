package roberta.engine;

import java.util.ArrayList;
import java.util.List;
import roberta.tokenizer.EncodeOptions;
import roberta.tokenizer.RobertaTokenizer;
import roberta.tokenizer.TruncationStrategy;

/**
 * Feature extraction: the frozen encoder's states for each text, pooled. A text too long for
 * the model becomes overlapping windows (each wrapped in {@code <s>}...{@code </s>}); a
 * token seen by several windows gets the average of its states, then pooling runs over the
 * whole text as if it had been one sequence.
 */
final class FeatureExtractor {
    private final RobertaModel model;
    private final RobertaTokenizer tok;
    private final EmbedOptions options;
    private final SentencePipeline pipeline;
    private final int maxLen;

    /** limit: the longest sequence the model's positions allow; pipeline: what pools each input's token states. */
    FeatureExtractor(RobertaModel model, RobertaTokenizer tok, int limit, EmbedOptions options, SentencePipeline pipeline) {
        this.model = model;
        this.tok = tok;
        this.options = options;
        this.pipeline = pipeline;
        if (options.maxLength() > limit)
            throw new IllegalArgumentException("max length " + options.maxLength() + " exceeds the model's " + limit + " tokens");
        this.maxLen = options.maxLength() > 0 ? options.maxLength() : limit;
        if (maxLen < 3) throw new IllegalArgumentException("max length must leave room for <s>, </s> and a token");
        if (options.stride() > 0 && options.stride() >= maxLen - 2)
            throw new IllegalArgumentException("stride " + options.stride() + " must be smaller than the " + (maxLen - 2) + " text tokens per window");
    }

    /** One window: the tokens run through the model and where its content starts in the text's token list. */
    private record Window(int input, int contentOffset, int[] ids) {}

    float[][] extract(List<String> texts, List<String> pairs, Listener listener) {
        boolean truncate = options.truncate() || (options.maxLength() > 0 && options.stride() == 0);
        List<Window> windows = new ArrayList<>();
        int[] fullLen = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            String pair = pairs == null ? null : pairs.get(i);
            if (pair != null) {
                EncodeOptions eo = truncate ? new EncodeOptions(true, maxLen, TruncationStrategy.LONGEST_FIRST, 0) : EncodeOptions.DEFAULT;
                int[] ids = tok.encode(texts.get(i), pair, eo).ids();
                PackedBatch.checkInput(i, ids, model.config().vocabSize());
                if (ids.length > maxLen) throw tooLong(i, ids.length, " (windows apply to single texts; pass --max-length to truncate pairs)");
                windows.add(new Window(i, -1, ids));
                fullLen[i] = ids.length;
                continue;
            }
            int[] content = tok.encode(texts.get(i), null, new EncodeOptions(false, 0, null, 0)).ids();
            PackedBatch.checkInput(i, content, model.config().vocabSize());
            int room = maxLen - 2;
            if (content.length > room && !truncate && options.stride() == 0) throw tooLong(i, content.length + 2, "; pass --stride N for sliding windows or --max-length N to truncate");
            if (content.length <= room || options.stride() == 0) {
                int n = Math.min(content.length, room);
                windows.add(new Window(i, 0, wrap(tok, content, 0, n)));
                fullLen[i] = n + 2;
            } else {
                int step = room - options.stride();
                for (int start = 0; ; start += step) {
                    int end = Math.min(content.length, start + room);
                    windows.add(new Window(i, start, wrap(tok, content, start, end)));
                    if (end == content.length) break;
                }
                fullLen[i] = content.length + 2;
            }
        }
        int h = model.config().hiddenSize();
        LayerSelection layers = LayerSelection.parse(options.layers(), model.config().numHiddenLayers());
        int width = layers.width(h);
        float[][] sums = new float[texts.size()][];
        int[][] counts = new int[texts.size()][];
        float[][] out = new float[texts.size()][];
        ProgressReport progress = listener == null || listener == Listener.NONE ? null : new ProgressReport(listener, "embed", windows.size(), "seq");
        // a group of whole inputs at a time (windows are in input order): only the group's
        // token states are held, each input is pooled once its group is done, so memory is
        // the outputs plus one group, not every input's [tokens, width] states
        int groupWindows = Math.max(options.batchSize() * 16, 256);
        // CLS pooling of the last layer reads one row a window: the last layer runs on those rows alone
        boolean clsOnly = pipeline.modes().equals(List.of(Pooling.CLS)) && !layers.needsAll(model.config().numHiddenLayers());
        for (int g0 = 0; g0 < windows.size(); ) {
            int g1 = Math.min(windows.size(), g0 + groupWindows);
            while (g1 < windows.size() && windows.get(g1).input() == windows.get(g1 - 1).input()) g1++;
            List<Window> group = windows.subList(g0, g1);
            HiddenStates.run(model, group.stream().map(Window::ids).toList(), options.batchSize(), layers, clsOnly, (w, states, len) -> {
                Window win = group.get(w);
                int input = win.input();
                synchronized (sums) {
                    if (sums[input] == null) {
                        int rows = clsOnly ? 1 : fullLen[input];
                        sums[input] = new float[rows * width];
                        counts[input] = new int[rows];
                    }
                    for (int t = 0; t < len; t++) {
                        // <s> and </s> of every window map to the text's first and last rows
                        int row = win.contentOffset() < 0 ? t : t == 0 ? 0 : t == len - 1 ? fullLen[input] - 1 : win.contentOffset() + t;
                        for (int c = 0; c < width; c++) sums[input][row * width + c] += states[t * width + c];
                        counts[input][row]++;
                    }
                }
            }, progress == null ? null : progress::advance);
            for (int i = group.get(0).input(); i <= group.get(group.size() - 1).input(); i++) {
                float[] s = sums[i];
                int rows = clsOnly ? 1 : fullLen[i];
                for (int r = 0; r < rows; r++) for (int c = 0; c < width; c++) s[r * width + c] /= counts[i][r];
                out[i] = pipeline.apply(s, rows, width);
                sums[i] = null;
                counts[i] = null;
            }
            g0 = g1;
        }
        if (progress != null) progress.close();
        return out;
    }

    /** {@code <s>} content[from, to) {@code </s>} */
    private static int[] wrap(RobertaTokenizer tok, int[] content, int from, int to) {
        int[] ids = new int[to - from + 2];
        ids[0] = tok.clsId();
        System.arraycopy(content, from, ids, 1, to - from);
        ids[ids.length - 1] = tok.sepId();
        return ids;
    }

    private IllegalArgumentException tooLong(int input, int tokens, String hint) {
        return new IllegalArgumentException("input " + (input + 1) + " has " + tokens + " tokens, more than the " + maxLen + " allowed" + hint);
    }

    /** L2-normalises each row of width values. */
    static void normalize(float[] v, int width) {
        for (int r = 0; r + width <= v.length; r += width) {
            double sum = 0;
            for (int c = 0; c < width; c++) sum += (double) v[r + c] * v[r + c];
            float inv = (float) (1 / Math.max(Math.sqrt(sum), 1e-12));
            for (int c = 0; c < width; c++) v[r + c] *= inv;
        }
    }
}
