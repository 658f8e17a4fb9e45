package roberta.kernels.cuda;

import java.util.List;
import roberta.kernels.cuda.HostKernels.Kernel;
import roberta.kernels.cuda.HostKernels.Param;

/**
 * The Java side's declaration of the test-only kernels in {@code src/test/cuda/warp_test.cu}
 * (a test resource under the sources' root, hence "test/"), as {@link HostKernels#KERNELS}
 * declares the project's: built into a library of their own by {@link HostKernels#load(List)}
 * and checked against nvcc's PTX by {@link CudaSourcesPtxTest}. Every one runs as fibres: all
 * use a warp primitive or __syncthreads.
 */
final class WarpTestKernels {
    static final String FILE = "test/warp_test.cu";

    static final List<Kernel> KERNELS = List.of(
        new Kernel("wt_shfl_f32", FILE, Param.ptr("out", "n"), Param.ptr("in", "n"), Param.i32("n"), Param.i32("kind"), Param.i32("b"),
            Param.i32("width")).withBarriers(),
        new Kernel("wt_shfl_i32", FILE, Param.intPtr("out", "n"), Param.intPtr("in", "n"), Param.i32("n"), Param.i32("kind"), Param.i32("b"),
            Param.i32("width"), Param.i32("as_unsigned")).withBarriers(),
        // double*: declared by 32-bit words, as backend.cu's partials
        new Kernel("wt_shfl_f64", FILE, Param.ptr("out", "words"), Param.ptr("in", "words"), Param.i32("n"), Param.i32("words"),
            Param.i32("kind"), Param.i32("b"), Param.i32("width")).withBarriers(),
        new Kernel("wt_warp0_sum_f32", FILE, Param.ptr("out", "n"), Param.ptr("in", "n"), Param.i32("n")).withBarriers(),
        new Kernel("wt_syncwarp_f32", FILE, Param.ptr("out", "n"), Param.ptr("in", "n"), Param.i32("n")).withBarriers(),
        new Kernel("wt_block_reduce_f32", FILE, Param.ptr("out", "n"), Param.ptr("in", "n"), Param.i32("n"), Param.i32("op")).withBarriers(),
        new Kernel("wt_block_sum_f64", FILE, Param.ptr("out", "words"), Param.ptr("in", "words"), Param.i32("n"), Param.i32("words")).withBarriers(),
        new Kernel("wt_dynamic_shared", FILE, Param.ptr("out", "n"), Param.intPtr("first", "n"), Param.ptr("in", "n"), Param.i32("n")).withBarriers(),
        new Kernel("wt_misuse", FILE, Param.ptr("out", "n"), Param.ptr("in", "n"), Param.i32("n"), Param.i32("how")).withBarriers());

    private WarpTestKernels() {}
}
