package roberta.kernels;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps a backend and adds up the wall time of each operation, for {@code bench --profile}.
 * Each call waits for its work to finish ({@link Backend#synchronize}), so an asynchronous
 * backend is timed for its work, not for queueing it.
 */
public final class ProfilingBackend {
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final Backend proxy;

    public ProfilingBackend(Backend inner) {
        proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            long t0 = System.nanoTime();
            try {
                Object result = m.invoke(inner, args);
                inner.synchronize();
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                nanos.computeIfAbsent(m.getName(), k -> new LongAdder()).add(System.nanoTime() - t0);
                calls.computeIfAbsent(m.getName(), k -> new LongAdder()).increment();
            }
        });
    }

    public Backend backend() {
        return proxy;
    }

    public void reset() {
        nanos.clear();
        calls.clear();
    }

    /** Milliseconds per operation name, divided by runs. */
    public Map<String, Double> millisPer(int runs) {
        Map<String, Double> out = new TreeMap<>();
        nanos.forEach((k, v) -> out.put(k, v.sum() / 1e6 / runs));
        return out;
    }
}
