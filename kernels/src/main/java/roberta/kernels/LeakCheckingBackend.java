package roberta.kernels;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Wraps a backend and keeps every tensor it hands out until that tensor is released, with the
 * stack that made it. On the CPU a dropped tensor is only garbage; on a GPU it is device memory
 * lost until the process ends. Tests run training steps, evaluation and inference through this
 * and check that what is live afterwards is only what should be (weights, their gradients and
 * optimizer moments). Releasing a tensor twice, or one the backend never made, is an error here.
 */
public final class LeakCheckingBackend {
    private static final Set<String> MAKERS = Set.of("zeros", "empty", "fromHost", "adopt", "packedWeight", "packedHalfWeight", "ints");

    private final Map<Object, Throwable> live = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Backend proxy;

    public LeakCheckingBackend(Backend inner) {
        proxy = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            if (m.getName().equals("release") && args[0] != null) {
                if (live.remove(args[0]) == null)
                    throw new IllegalStateException("release of " + args[0] + " that is not live (released twice, or not made here)");
            }
            Object result;
            try {
                result = m.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (MAKERS.contains(m.getName())) live.put(result, new Throwable("made by " + m.getName()));
            return result;
        });
    }

    public Backend backend() {
        return proxy;
    }

    /** How many tensors are live (made and not released). */
    public int liveCount() {
        return live.size();
    }

    /** The live tensors and integer tensors, in no particular order. */
    public List<Object> live() {
        synchronized (live) {
            return new ArrayList<>(live.keySet());
        }
    }

    /** Where a live tensor was made, for a leak report. */
    public StackTraceElement[] madeAt(Object t) {
        Throwable where = live.get(t);
        return where == null ? new StackTraceElement[0] : where.getStackTrace();
    }

    /** A short report of the live tensors not in {@code expected}: shape and the engine frame that made each. */
    public String leaksBeyond(Set<?> expected) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Object t : live()) {
            if (expected.contains(t)) continue;
            n++;
            if (n <= 10) {
                sb.append("\n  ").append(t);
                int frames = 0; // the first three frames above the backend: the allocator and who called it
                for (StackTraceElement e : madeAt(t)) {
                    String c = e.getClassName();
                    if (c.startsWith("roberta.") && !c.startsWith("roberta.kernels.") && frames++ < 3) sb.append(frames == 1 ? " at " : " < ").append(e);
                }
            }
        }
        return n == 0 ? "" : n + " leaked tensors:" + sb;
    }
}
