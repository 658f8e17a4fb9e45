package roberta.engine.compare;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import roberta.engine.train.Task;
import roberta.loader.AtomicFiles;

/**
 * A comparison's results for a person: a Markdown table (OUTPUT/report.md, also what compare
 * prints) and a chart (OUTPUT/report.svg) of the task's metric against trainable parameters,
 * one labelled point per strategy, so "how much does tuning more buy?" is read at a glance.
 */
public final class CompareReport {
    private CompareReport() {}

    /** The metric a task is judged by: macro-F1 for sequences (classes may be unbalanced, as spam is), entity F1 for tokens. */
    static String primary(Task task) {
        return task == Task.TOKEN_CLS ? "entity_f1" : "macro_f1";
    }

    /** One line for the log: the strategy's eval score and cost. */
    static String brief(Task task, Map<String, Object> r) {
        return String.format(Locale.ROOT, "eval accuracy %.4f, %s %.4f, %s trainable parameters, %.0f s training",
                num(r, "eval_accuracy"), primary(task).replace('_', '-'), num(r, "eval_" + primary(task)),
                grouped(num(r, "trainable_parameters")), num(r, "train_seconds"));
    }

    /**
     * The table, as Markdown: one row per strategy.
     *
     * @param task the task (token classification adds entity F1)
     * @param results results.jsonl's lines
     * @return the table
     */
    public static String markdown(Task task, List<Map<String, Object>> results) {
        boolean test = results.stream().anyMatch(r -> r.containsKey("test_accuracy"));
        boolean tokens = task == Task.TOKEN_CLS;
        StringBuilder sb = new StringBuilder();
        sb.append("| strategy | eval accuracy | eval macro-F1 |").append(tokens ? " eval entity F1 |" : "");
        if (test) sb.append(" test accuracy | test macro-F1 |").append(tokens ? " test entity F1 |" : "");
        sb.append(" trainable parameters | task bytes | training (s) | inference (ms/example) | memory (MB) |\n");
        int cols = 3 + (tokens ? 1 : 0) + (test ? 2 + (tokens ? 1 : 0) : 0) + 5;
        sb.append("|---".repeat(cols)).append("|\n");
        for (Map<String, Object> r : results) {
            sb.append("| ").append(r.get("strategy"));
            cell(sb, "%.4f", num(r, "eval_accuracy"));
            cell(sb, "%.4f", num(r, "eval_macro_f1"));
            if (tokens) cell(sb, "%.4f", num(r, "eval_entity_f1"));
            if (test) {
                cell(sb, "%.4f", num(r, "test_accuracy"));
                cell(sb, "%.4f", num(r, "test_macro_f1"));
                if (tokens) cell(sb, "%.4f", num(r, "test_entity_f1"));
            }
            sb.append(" | ").append(grouped(num(r, "trainable_parameters")));
            sb.append(" | ").append(bytes(num(r, "task_bytes")));
            cell(sb, "%.0f", num(r, "train_seconds"));
            cell(sb, "%.2f", num(r, "inference_ms_per_example"));
            cell(sb, "%.0f", num(r, "memory_mb"));
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** report.md and report.svg, each written whole or not at all. */
    static void write(Path output, Task task, List<Map<String, Object>> results) {
        String md = "# Freeze or tune?\n\n" + markdown(task, results) + "\n"
                + "Task bytes: what must be stored beside the shared pretrained model (4 bytes per trainable parameter: a head, an adapter, or a whole model). "
                + "Training time of a frozen strategy includes the one encoder pass over the training data that all of them share. "
                + "Memory: what the engine holds at the busiest point of training, by its own accounting: weights, gradients, AdamW moments and the activations a step keeps "
                + "(frozen: the encoder's weights with the cached features, then the head's training state); the JVM's own overhead is not counted.\n\n![metric against trainable parameters](report.svg)\n";
        AtomicFiles.writeString(output.resolve("report.md"), md);
        AtomicFiles.writeString(output.resolve("report.svg"), svg(task, results));
    }

    /** The metric on eval against trainable parameters (log scale), one labelled point per strategy. */
    static String svg(Task task, List<Map<String, Object>> results) {
        int w = 640, h = 400, left = 70, right = 150, top = 40, bottom = 60;
        String key = "eval_" + primary(task);
        double minX = Double.MAX_VALUE, maxX = 0, minY = 1, maxY = 0;
        for (Map<String, Object> r : results) {
            double x = Math.log10(Math.max(1, num(r, "trainable_parameters"))), y = num(r, key);
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        if (results.isEmpty()) { minX = 0; maxX = 1; minY = 0; maxY = 1; }
        minX = Math.floor(minX);
        maxX = Math.max(minX + 1, Math.ceil(maxX));
        double pad = Math.max(0.01, (maxY - minY) * 0.1);
        minY = Math.max(0, minY - pad);
        maxY = Math.min(1, maxY + pad);
        if (maxY <= minY) maxY = minY + 0.01;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">Freeze or tune? eval %s against trainable parameters</text>\n", left, primary(task).replace('_', '-')));
        int pw = w - left - right, ph = h - top - bottom;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", left, top, pw, ph));
        for (int d = (int) minX; d <= (int) maxX; d++) {
            double px = left + (d - minX) / (maxX - minX) * pw;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", px, top, px, top + ph));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">1e%d</text>\n", px, top + ph + 18, d));
        }
        for (int i = 0; i <= 4; i++) {
            double v = minY + (maxY - minY) * i / 4, py = top + ph - (v - minY) / (maxY - minY) * ph;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, py, left + pw, py));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", left - 6, py + 4, v));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">trainable parameters (log scale)</text>\n", left + pw / 2, h - 20));
        for (Map<String, Object> r : results) {
            double x = Math.log10(Math.max(1, num(r, "trainable_parameters"))), y = num(r, key);
            double px = left + (x - minX) / (maxX - minX) * pw, py = top + ph - (y - minY) / (maxY - minY) * ph;
            String color = switch (String.valueOf(r.get("family"))) {
                case "frozen" -> "#1f77b4";
                case "partial" -> "#ff7f0e";
                case "lora" -> "#2ca02c";
                default -> "#d62728";
            };
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", px, py, color));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s %.3f</text>\n", px + 8, py + 4, escape(String.valueOf(r.get("strategy"))), y));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void cell(StringBuilder sb, String fmt, double v) {
        sb.append(" | ").append(Double.isNaN(v) ? "-" : String.format(Locale.ROOT, fmt, v));
    }

    static double num(Map<String, Object> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String grouped(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,d", (long) v);
    }

    private static String bytes(double b) {
        if (Double.isNaN(b)) return "-";
        if (b < 1e3) return String.format(Locale.ROOT, "%.0f B", b);
        if (b < 1e6) return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
        if (b < 1e9) return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
    }
}
