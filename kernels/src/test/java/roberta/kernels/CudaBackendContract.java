package roberta.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import roberta.kernels.cuda.CudaBackend;
import roberta.kernels.cuda.DeviceApi;

/** The contract for {@link CudaBackend} over some device; after each test, closing frees all it allocated. */
abstract class CudaBackendContract<D extends DeviceApi> extends BackendContract {
    final D device = newDevice();
    final CudaBackend cuda = new CudaBackend(device);

    /** A fresh device per test (each test closes its own). */
    abstract D newDevice();

    @Override
    Backend backend() {
        return cuda;
    }

    @AfterEach
    void closeFreesEverything() {
        cuda.close();
        assertEquals(0, device.liveAllocations(), "the backend's close frees all it allocated");
        device.close();
    }
}
