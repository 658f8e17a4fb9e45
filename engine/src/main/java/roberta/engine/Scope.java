package roberta.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import roberta.kernels.Backend;
import roberta.kernels.IntTensor;
import roberta.kernels.Tensor;

/**
 * Who owns a forward pass's memory: every activation, activation gradient and uploaded batch
 * integer a {@link Graph} made, handed back to the backend on {@link #close} (or earlier, a
 * layer at a time, by {@link #releaseSince}). Tensors a recorded backward step will read are
 * marked captured and outlive their layer.
 */
final class Scope implements AutoCloseable {
    private final Backend be;
    private final List<Tensor> owned = new ArrayList<>();
    /** Host integer arrays uploaded (a batch's ids and layout: once each). */
    private final IdentityHashMap<int[], IntTensor> uploaded = new IdentityHashMap<>();
    /** Tensors that recorded backward steps hold on to: the memory the tape costs. */
    private final Set<Tensor> captured = Collections.newSetFromMap(new IdentityHashMap<>());

    Scope(Backend be) {
        this.be = be;
    }

    /** A tensor whose values the caller overwrites entirely, owned here. */
    Tensor empty(int... shape) {
        return own(be.empty(shape));
    }

    Tensor zeros(int... shape) {
        return own(be.zeros(shape));
    }

    Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /** The backend's copy of host integers, uploaded the first time this scope sees that array. */
    IntTensor ints(int[] host) {
        return uploaded.computeIfAbsent(host, be::ints);
    }

    /** Marks tensors a backward step will read, so they outlive their layer. */
    void capture(Tensor... ts) {
        for (Tensor t : ts) if (t != null) captured.add(t);
    }

    /** Floats the recorded backward steps hold (activations kept for the backward pass). */
    long capturedFloats() {
        long n = 0;
        for (Tensor t : captured) n += t.size();
        return n;
    }

    /** A position in the allocation list, for {@link #releaseSince}. */
    int mark() {
        return owned.size();
    }

    /**
     * Hands back every tensor allocated since mark that no backward step captured and that is
     * not one of keep: a frozen layer's intermediates die with the layer, so memory falls
     * with every frozen layer, and inference holds one layer's scratch at a time.
     */
    void releaseSince(int mark, Collection<Var> keep) {
        Set<Tensor> keepSet = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Var v : keep) keepSet.add(v.value);
        List<Tensor> tail = owned.subList(mark, owned.size());
        List<Tensor> stay = new ArrayList<>();
        for (Tensor t : tail) {
            if (captured.contains(t) || keepSet.contains(t)) stay.add(t);
            else be.release(t);
        }
        tail.clear();
        owned.addAll(stay);
    }

    /** Gives everything back to the backend: copy out what you need first. */
    @Override
    public void close() {
        for (Tensor t : owned) be.release(t);
        owned.clear();
        for (IntTensor t : uploaded.values()) be.release(t);
        uploaded.clear();
    }
}
