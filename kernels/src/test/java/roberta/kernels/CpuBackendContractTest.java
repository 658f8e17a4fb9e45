package roberta.kernels;

/** The CPU backend held to the contract (with -Droberta.scalar=true, its scalar twins are). */
class CpuBackendContractTest extends BackendContract {
    @Override
    Backend backend() {
        return CpuBackend.INSTANCE;
    }
}
