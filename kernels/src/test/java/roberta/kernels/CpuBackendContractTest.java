package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The CPU backend held to the contract (with -Droberta.scalar=true, its scalar twins are). */
class CpuBackendContractTest extends BackendContract {
    @Override
    Backend backend() {
        return CpuBackend.INSTANCE;
    }

    @Test
    void inferenceAttentionGivesTheTrainingPathsContextToTheBit() {
        // without probabilities to keep, a pair's scores are made a block of query rows at a time;
        // each output is still the same dot products in the same order as over the whole matrix
        Backend be = backend();
        int heads = 3, hidden = 3 * 64;
        int[] start = {0, 5, 205, 905}, len = {5, 200, 700, 181};
        int n = start[3] + len[3];
        java.util.Random r = new java.util.Random(7);
        float[][] qkv = new float[3][n * hidden];
        for (float[] m : qkv) for (int i = 0; i < m.length; i++) m[i] = (float) r.nextGaussian() * 3;
        Tensor q = be.fromHost(qkv[0], n, hidden), k = be.fromHost(qkv[1], n, hidden), v = be.fromHost(qkv[2], n, hidden);
        Tensor kept = be.empty(n, hidden), unkept = be.empty(n, hidden), probs = be.empty(Backend.attentionProbsSize(len, heads));
        be.attention(kept, probs, probs, q, k, v, be.ints(start), be.ints(len), heads, 0f, 0);
        be.attention(unkept, null, null, q, k, v, be.ints(start), be.ints(len), heads, 0f, 0);
        assertArrayEquals(be.toHost(kept), be.toHost(unkept));
    }
}
