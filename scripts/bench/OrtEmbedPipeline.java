import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

/**
 * The anchor for `roberta embed`: what a Java user would write with ONNX Runtime and the Hugging
 * Face tokenizers (Rust, through DJL) to do the same work. Reads JSON lines ("text"), tokenizes
 * with truncation at MAXLEN, batches BATCH sequences sorted by length (as embed does, so padding
 * is small), runs the encoder, mean-pools over the attention mask, writes float32 .npy [N, H].
 * usage: java -cp "$(cat cp.txt)" OrtEmbedPipeline.java MODEL.onnx TOKENIZER.json INPUT.jsonl[.gz] OUT.npy THREADS [BATCH] [MAXLEN]
 */
public class OrtEmbedPipeline {
    public static void main(String[] a) throws Exception {
        long t0 = System.nanoTime();
        int threads = Integer.parseInt(a[4]);
        int batch = a.length > 5 ? Integer.parseInt(a[5]) : 16, maxLength = a.length > 6 ? Integer.parseInt(a[6]) : 512;
        List<String> texts = new ArrayList<>();
        var raw = Files.newInputStream(Path.of(a[2]));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(a[2].endsWith(".gz") ? new GZIPInputStream(raw) : raw, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; )
                if (!line.isBlank()) texts.add(JsonParser.parseString(line).getAsJsonObject().get("text").getAsString());
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(Path.of(a[1]),
                     Map.of("truncation", "true", "padding", "false", "maxLength", String.valueOf(maxLength), "addSpecialTokens", "true"));
             OrtSession session = env.createSession(a[0], o)) {
            long t1 = System.nanoTime();
            Encoding[] enc = tok.batchEncode(texts.toArray(String[]::new));
            long t2 = System.nanoTime();
            int n = enc.length;
            Integer[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt(i -> enc[i].getIds().length)).toArray(Integer[]::new);
            float[][] pooled = new float[n][];
            int hidden = 0;
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start), t = 0;
                for (int i = 0; i < b; i++) t = Math.max(t, enc[order[start + i]].getIds().length);
                long[] ids = new long[b * t], mask = new long[b * t];
                java.util.Arrays.fill(ids, 1); // <pad>
                for (int i = 0; i < b; i++) {
                    long[] s = enc[order[start + i]].getIds();
                    System.arraycopy(s, 0, ids, i * t, s.length);
                    java.util.Arrays.fill(mask, i * t, i * t + s.length, 1);
                }
                try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {b, t});
                     OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {b, t});
                     OrtSession.Result out = session.run(Map.of("input_ids", idT, "attention_mask", maskT))) {
                    OnnxTensor h = (OnnxTensor) out.get(0);
                    hidden = (int) h.getInfo().getShape()[2];
                    FloatBuffer f = h.getFloatBuffer();
                    for (int i = 0; i < b; i++) {
                        int len = enc[order[start + i]].getIds().length;
                        float[] v = new float[hidden];
                        for (int p = 0; p < len; p++)
                            for (int d = 0; d < hidden; d++) v[d] += f.get((i * t + p) * hidden + d);
                        for (int d = 0; d < hidden; d++) v[d] /= len;
                        pooled[order[start + i]] = v;
                    }
                }
            }
            long t3 = System.nanoTime();
            writeNpy(Path.of(a[3]), pooled, hidden);
            long t4 = System.nanoTime();
            long tokens = 0;
            for (Encoding e : enc) tokens += e.getIds().length;
            System.out.printf("ort-embed-pipeline: %d passages, %d tokens, %d threads: read + load %.2f s, tokenize %.2f s, forward + pool %.2f s, write %.2f s, total %.2f s, %.1f passages/s%n",
                    n, tokens, threads, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9, (t4 - t0) / 1e9, n / ((t4 - t0) / 1e9));
        }
    }

    /** NumPy .npy version 1.0: magic, header length, a Python dict literal padded to 64 bytes, then little-endian float32. */
    static void writeNpy(Path file, float[][] rows, int width) throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.length + ", " + width + "), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer buf = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] r : rows) {
                buf.clear();
                buf.asFloatBuffer().put(r);
                out.write(buf.array());
            }
        }
    }
}
