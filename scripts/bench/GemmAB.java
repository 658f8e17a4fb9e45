package roberta.kernels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Two builds of the GEMM timed call by call in one JVM: GemmA (Gemm.java of a git revision) and
 * GemmB (the working tree's), both copied and renamed by scripts/gemm-ab.sh. On these shared
 * machines a minute's noise moves one implementation's figure by 10-20%; alternating each product
 * between the two builds lets both see the same minute, so their ratio resolves about 1-2% on one
 * thread (about 3% on two; two identical builds differ by that much, the JIT compiling each copy
 * on its own).
 *
 * Arguments: ROWS ROUNDS. The four roberta-base products (Q/K/V projections fused 2304 x 768,
 * attention output 768 x 768, feed-forward 3072 x 768 and 768 x 3072) at ROWS rows, twelve copies
 * of each weight (a forward pass streams every layer's weights from memory), with bias; the first
 * four rounds are warm-up. Prints B/A (above 1: the working tree is faster) and the largest
 * difference between their outputs.
 */
public class GemmAB {
    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), rounds = Integer.parseInt(args[1]);
        int[][] shapes = {{2304, 768}, {768, 768}, {3072, 768}, {768, 3072}}; // n, k
        int copies = 12;
        Random r = new Random(1);
        GemmA.PackedB[][] wa = new GemmA.PackedB[shapes.length][copies];
        GemmB.PackedB[][] wb = new GemmB.PackedB[shapes.length][copies];
        float[][] bias = new float[shapes.length][];
        for (int s = 0; s < shapes.length; s++) {
            int n = shapes[s][0], k = shapes[s][1];
            bias[s] = new float[n];
            for (int i = 0; i < n; i++) bias[s][i] = r.nextFloat() - 0.5f;
            float[] raw = new float[n * k];
            for (int l = 0; l < copies; l++) {
                for (int i = 0; i < raw.length; i++) raw[i] = r.nextFloat() - 0.5f;
                wa[s][l] = GemmA.packB(true, k, n, raw, 0, k);
                wb[s][l] = GemmB.packB(true, k, n, raw, 0, k);
            }
        }
        float[] a = new float[m * 3072];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        float[] ca = new float[m * 3072], cb = new float[m * 3072];
        double sumA = 0, sumB = 0;
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < rounds + 4; round++) {
            double ta = 0, tb = 0;
            for (int l = 0; l < copies; l++)
                for (int s = 0; s < shapes.length; s++) {
                    int n = shapes[s][0], k = shapes[s][1];
                    boolean aFirst = ((l + s + round) & 1) == 0; // neither build always runs on the other's warm caches
                    for (int pass = 0; pass < 2; pass++) {
                        long t0 = System.nanoTime();
                        if (aFirst == (pass == 0)) {
                            GemmA.sgemm(false, m, a, 0, k, wa[s][l], bias[s], ca, 0, n, false);
                            ta += System.nanoTime() - t0;
                        } else {
                            GemmB.sgemm(false, m, a, 0, k, wb[s][l], bias[s], cb, 0, n, false);
                            tb += System.nanoTime() - t0;
                        }
                    }
                }
            if (round < 4) continue;
            sumA += ta;
            sumB += tb;
            ratios.add(ta / tb);
        }
        Collections.sort(ratios);
        float diff = 0;
        for (int i = 0; i < ca.length; i++) diff = Math.max(diff, Math.abs(ca[i] - cb[i]));
        double flops = 2.0 * m * copies * rounds * (2304 * 768 + 768 * 768 + 2 * 3072 * 768);
        System.out.printf("%d rows, %d threads: A %.1f GFLOP/s, B %.1f GFLOP/s; B/A %.3f over %d rounds (median round %.3f, range %.3f-%.3f); max |A - B| %g%n",
                m, Parallel.threads(), flops / sumA, flops / sumB, sumA / sumB, ratios.size(), ratios.get(ratios.size() / 2),
                ratios.get(0), ratios.get(ratios.size() - 1), diff);
    }
}
