package roberta.engine;

import roberta.kernels.Backend;
import roberta.kernels.Tensor;

/**
 * A value in the computation graph: a tensor and, when something upstream is trainable,
 * a gradient of the same shape (allocated on first use, then accumulated into).
 */
public class Var {
    final Tensor value;
    private final boolean requiresGrad;
    Tensor grad;

    Var(Tensor value, boolean requiresGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    /** True if a gradient must flow into this value. */
    boolean needsGrad() {
        return requiresGrad;
    }

    /** The gradient tensor, created as zeros if absent; null when this value needs none. */
    Tensor gradFor(Backend be) {
        if (!needsGrad()) return null;
        if (grad == null) grad = be.zeros(value.shape());
        return grad;
    }
}
