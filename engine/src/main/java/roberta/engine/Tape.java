package roberta.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode autograd as a list: each operation that has something trainable upstream
 * records its backward step; {@link #backward()} runs them newest first. Operations whose
 * inputs are all frozen record nothing and keep no activations.
 */
public final class Tape {
    private final List<Runnable> steps = new ArrayList<>();

    void record(Runnable backwardStep) {
        steps.add(backwardStep);
    }

    public int size() {
        return steps.size();
    }

    /** Runs every recorded backward step in reverse order, then forgets them. */
    public void backward() {
        for (int i = steps.size() - 1; i >= 0; i--) steps.get(i).run();
        steps.clear();
    }
}
