package roberta.engine;

import roberta.kernels.Backend;
import roberta.kernels.Tensor;

/**
 * A named weight, with Hugging Face's name ("encoder.layer.3.attention.self.query.weight",
 * without the "roberta." prefix that RobertaFor* classes add). Frozen parameters get no
 * gradient and no optimizer state; a parameter shared by two places (the MLM decoder and the
 * word embeddings) is one Param, so its gradient sums both uses.
 */
public final class Param extends Var {
    final String name;
    boolean trainable;
    /** AdamW moments, created on the first update. */
    Tensor m, v;

    Param(String name, Tensor value) {
        super(value, true);
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean trainable() {
        return trainable;
    }

    @Override
    boolean needsGrad() {
        return trainable;
    }

    /** Releases the gradient and the AdamW moments (a parameter being frozen). */
    void dropTrainingState(Backend be) {
        be.release(grad);
        be.release(m);
        be.release(v);
        grad = m = v = null;
    }
}
