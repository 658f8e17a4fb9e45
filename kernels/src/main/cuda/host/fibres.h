// fibres.h: part of the host shim (cuda_host.h says how a launch runs). One block's threads
// as ucontext fibres on the launching OS thread, and the two barriers they can wait at:
//   - the BLOCK barrier (__syncthreads): released when every fibre that has not returned waits
//     there;
//   - a WARP barrier (every warp primitive, warp.h): released when every lane its mask names
//     waits there in the same primitive with the same mask, lanes that have returned (or that
//     a partial last warp lacks) excepted, as CUDA excepts exited threads; only that warp
//     takes part, so a kernel may shuffle inside `if (warp == 0)` while the other warps wait
//     at __syncthreads or have returned.
// A misuse stops the launch with an error code and a message (Block::fail); HostKernels
// turns it into an exception, so a kernel that would hang or read garbage on a GPU fails here.
#pragma once

#include <cstdarg>

namespace hostcuda {
inline thread_local uint3 t_blockIdx, t_threadIdx;
inline thread_local dim3 t_blockDim, t_gridDim;

// Launch return codes besides 0 (success) and -1 (a dimension not positive).
constexpr int kSyncInLoop = -2;     // __syncthreads() in a launch without fibres
constexpr int kWarpInLoop = -3;     // a warp primitive in a launch without fibres
constexpr int kWarpMisuse = -4;     // a warp primitive used as CUDA leaves undefined (message says how)

enum class State : unsigned char { Ready, AtBlock, AtWarp, Done };

// A lane's part in a warp primitive: what it brings (in), whom it reads (src), what it gets (out).
struct WarpOp {
    const char* name = "";  // the primitive, for messages; all participants must be in the same one
    unsigned mask = 0;
    int src = -1;           // lane to read, or -1: its own value (source outside its width segment)
    uint64_t in = 0, out = 0;
};

struct Fibre {
    ucontext_t ctx;
    std::unique_ptr<char[]> stack;
    uint3 idx;
    unsigned linear = 0;  // x + y * blockDim.x + z * blockDim.x * blockDim.y: lane = linear % 32
    State state = State::Ready;
    WarpOp op;
};

constexpr size_t kStack = 128 * 1024;

struct Block {
    ucontext_t sched;
    std::vector<Fibre> fibres;
    std::vector<unsigned> arrived;  // per warp: the lanes waiting at its warp barrier
    std::vector<unsigned> exited;   // per warp: the lanes that have returned
    unsigned threads = 0;           // per block
    Fibre* current = nullptr;       // null: a launch without fibres
    int error = 0;                  // the first misuse's code; the launch returns it
    char message[512] = "";
    void (*body)(void*) = nullptr;
    void* arg = nullptr;

    // The lanes warp `warp` has: all 32, or fewer in a partial last warp.
    unsigned lanes_of(unsigned warp) const {
        unsigned left = threads - warp * 32;
        return left >= 32 ? 0xffffffffu : (1u << left) - 1;
    }

    // Records the first misuse (later ones are consequences). printf-style message.
    void fail(int code, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
        if (error) return;
        error = code;
        int at = std::snprintf(message, sizeof message, "block (%u, %u, %u): ", t_blockIdx.x, t_blockIdx.y, t_blockIdx.z);
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(message + at, sizeof message - at, fmt, ap);
        va_end(ap);
    }

    // The calling fibre gives up for good after a misuse: back to the scheduler, which sees
    // `error` and abandons the block (its fibres' stacks hold nothing that needs unwinding).
    [[noreturn]] void abandon(Fibre* f) {
        swapcontext(&f->ctx, &sched);
        std::abort();  // never resumed
    }
};
inline thread_local Block* t_block = nullptr;

inline void settle(Block& b, unsigned warp);

inline void fibre_entry() {
    Block* b = t_block;
    Fibre* f = b->current;
    b->body(b->arg);
    f->state = State::Done;
    b->exited[f->linear / 32] |= 1u << f->linear % 32;
    settle(*b, f->linear / 32);  // lanes waiting only for this one go on
    swapcontext(&f->ctx, &b->sched);  // never resumed
}

// Why no fibre can run although some have not returned: the first lane stuck in a warp
// primitive, and what the other lanes of its mask do instead: wait at __syncthreads, or in
// another primitive or with another mask.
inline void report_deadlock(Block& b) {
    for (Fibre& f : b.fibres) {
        if (f.state != State::AtWarp) continue;
        unsigned warp = f.linear / 32, lane = f.linear % 32;
        char why[256] = "";
        int at = 0;
        for (unsigned l = 0; l < 32 && at < int(sizeof why) - 64; l++) {
            if (!(f.op.mask >> l & 1) || l == lane) continue;
            const Fibre& o = b.fibres[warp * 32 + l];
            if (o.state == State::AtBlock)
                at += std::snprintf(why + at, sizeof why - at, "%s lane %u waits at __syncthreads", at ? "," : "", l);
            else if (o.op.mask != f.op.mask || std::strcmp(o.op.name, f.op.name) != 0)
                at += std::snprintf(why + at, sizeof why - at, "%s lane %u is in %s with mask 0x%08x", at ? "," : "", l,
                                    o.op.name, o.op.mask);
        }
        b.fail(kWarpMisuse, "thread %u (warp %u, lane %u) waits in %s with mask 0x%08x for lanes that never come:%s",
               f.linear, warp, lane, f.op.name, f.op.mask, why);
        return;
    }
    b.fail(kWarpMisuse, "no thread can run");  // not reached: only warp barriers can deadlock
}

// Runs body(arg) as every thread of one block. Fibres run in linear order, each until it
// waits or returns; a round that runs none releases the block barrier if every live fibre
// waits there, and is a deadlock otherwise. Returns false when a misuse stopped the block.
inline bool run_block(Block& b) {
    size_t n = b.fibres.size();
    for (size_t i = 0; i < n; i++) {
        Fibre& f = b.fibres[i];
        f.state = State::Ready;
        if (!f.stack) {  // once per fibre per launch: makecontext may then reuse the context
            f.stack.reset(new char[kStack]);
            getcontext(&f.ctx);
        }
        f.ctx.uc_stack.ss_sp = f.stack.get();
        f.ctx.uc_stack.ss_size = kStack;
        f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, fibre_entry, 0);
    }
    std::fill(b.arrived.begin(), b.arrived.end(), 0u);
    std::fill(b.exited.begin(), b.exited.end(), 0u);
    size_t live = n;
    while (live > 0) {
        bool ran = false;
        for (size_t i = 0; i < n; i++) {
            Fibre& f = b.fibres[i];
            if (f.state != State::Ready) continue;
            ran = true;
            b.current = &f;
            t_threadIdx = f.idx;
            swapcontext(&b.sched, &f.ctx);
            if (b.error) {
                b.current = nullptr;
                return false;
            }
            if (f.state == State::Done) live--;
        }
        if (ran || live == 0) continue;
        bool all_at_block = true;
        for (Fibre& f : b.fibres) all_at_block &= f.state == State::Done || f.state == State::AtBlock;
        if (!all_at_block) {
            report_deadlock(b);
            b.current = nullptr;
            return false;
        }
        for (Fibre& f : b.fibres)
            if (f.state == State::AtBlock) f.state = State::Ready;
    }
    b.current = nullptr;
    return true;
}

inline void syncthreads() {
    Block* b = t_block;
    Fibre* f = b->current;
    if (f == nullptr) {
        b->fail(kSyncInLoop, "__syncthreads in a launch without fibres");
        return;
    }
    f->state = State::AtBlock;
    swapcontext(&f->ctx, &b->sched);  // back to the scheduler; resumed when all have arrived
}

// Whether the lanes waiting with `mask` in warp `warp` may go on: every lane the mask names
// has arrived, but for lanes the warp lacks and lanes that have returned.
inline bool group_complete(const Block& b, unsigned warp, unsigned mask) {
    return (mask & b.lanes_of(warp) & ~b.exited[warp] & ~b.arrived[warp]) == 0;
}

// Releases the complete group of `mask` in warp `warp`: checks that every waiting lane whose
// mask meets it is in the same primitive with the same mask, then gives each lane of the
// group its source lane's value (all bits set, i.e. NaN or -1, where the source is not in the
// group: CUDA leaves that value undefined, the poison makes a use of it visible) and makes it
// ready, but for lane `self`, which goes on without a switch. False after a mismatch.
inline bool release_group(Block& b, unsigned warp, unsigned mask, int self) {
    Fibre* w = &b.fibres[warp * 32];
    unsigned& arrived = b.arrived[warp];
    unsigned group = arrived & mask;
    int first = __builtin_ctz(group);
    for (unsigned l = 0; l < 32; l++) {
        if (!(arrived >> l & 1) || !(w[l].op.mask & mask)) continue;
        if (w[l].op.mask != mask || std::strcmp(w[l].op.name, w[first].op.name) != 0) {
            b.fail(kWarpMisuse, "warp %u: lane %d is in %s with mask 0x%08x while lane %u is in %s with mask 0x%08x",
                   warp, first, w[first].op.name, mask, l, w[l].op.name, w[l].op.mask);
            return false;
        }
    }
    for (unsigned l = 0; l < 32; l++) {
        if (!(group >> l & 1)) continue;
        int s = w[l].op.src;
        w[l].op.out = s < 0 ? w[l].op.in : (group >> s & 1) ? w[s].op.in : ~uint64_t(0);
        if (int(l) != self) w[l].state = State::Ready;
    }
    arrived &= ~group;
    return true;
}

// After a lane of warp `warp` returned: releases the groups that waited only for it.
inline void settle(Block& b, unsigned warp) {
    Fibre* w = &b.fibres[warp * 32];
    for (unsigned l = 0; l < 32 && !b.error; l++)
        if ((b.arrived[warp] >> l & 1) && group_complete(b, warp, w[l].op.mask)) release_group(b, warp, w[l].op.mask, -1);
}

// The calling lane enters warp primitive `name` with `mask`, bringing `in` and reading lane
// `src` (-1: itself). Returns what it read once its group is complete (release_group).
inline uint64_t warp_exchange(const char* name, unsigned mask, uint64_t in, int src) {
    Block* b = t_block;
    Fibre* f = b->current;
    if (f == nullptr) {
        b->fail(kWarpInLoop, "%s in a launch without fibres", name);
        return in;
    }
    unsigned warp = f->linear / 32, lane = f->linear % 32;
    if (!(mask >> lane & 1)) {
        b->fail(kWarpMisuse, "thread %u (warp %u, lane %u): %s with mask 0x%08x, which does not name the calling lane",
                f->linear, warp, lane, name, mask);
        b->abandon(f);
    }
    f->op.name = name;
    f->op.mask = mask;
    f->op.in = in;
    f->op.src = src;
    b->arrived[warp] |= 1u << lane;
    if (!group_complete(*b, warp, mask)) {  // not the last: wait; the last one does the exchange for all
        f->state = State::AtWarp;
        swapcontext(&f->ctx, &b->sched);
        return f->op.out;
    }
    if (!release_group(*b, warp, mask, int(lane))) b->abandon(f);
    return f->op.out;
}
}  // namespace hostcuda
