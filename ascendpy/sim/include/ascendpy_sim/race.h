// ascendpy simulator: the pipe race checker, flag deadlocks and queue-tensor leaks (per block).
//
// On the NPU the scalar unit issues every instruction in program order into one queue per pipe
// (MTE2 GM->UB, V vector, MTE3 UB->GM, S scalar, M cube, MTE1 L1->L0, FIX L0C->GM), and the
// pipes run asynchronously. The simulator runs each instruction to completion, so it computes
// right answers for code the NPU would race on; this checker finds those races.
//
// Model (one BlockState per block, i.e. per call of the kernel on one thread):
//  * Vector clocks. Every memory-touching instruction on pipe P (other than S) bumps
//    vc[P][P]; vc[P][Q] is the latest instruction of pipe Q that pipe P is known to run after.
//    An earlier access (Q, clock c) is ordered before the current instruction on P iff
//    Q == P (a pipe is in order with itself: V->V, MTE2->MTE2, MTE3->MTE3 are never reported;
//    bisheng's auto-sync inserts the PipeBarrier<PIPE_V> real code may omit) or vc[P][Q] >= c.
//  * Ordering comes from SetFlag<Q_P>(id) (snapshots vc[Q] into the event slot) and
//    WaitFlag<Q_P>(id) (merges the slot into vc[P]); from PipeBarrier<PIPE_ALL> (everything into
//    everything); from a WaitFlag whose destination is PIPE_S (the scalar unit stalls, so every
//    instruction issued afterwards, on any pipe, runs after the source: such knowledge goes to a
//    vector `g` that every pipe shares, so vc[P] is really max(vc[P], g)); and from TQue:
//    EnQue snapshots the queue's producer pipe, DeQue merges it into the consumer pipe
//    (VECIN: MTE2 -> V, VECOUT: V -> MTE3, TQueBind<VECIN, VECOUT>: MTE2 -> MTE3, L1/L0
//    positions: MTE2 -> MTE1 -> M -> FIX), FreeTensor snapshots the consumer and the next
//    AllocTensor of that buffer merges it into the producer (VECIN: V -> MTE2, VECOUT: MTE3 -> V).
//  * Shadow memory. Per on-chip memory of a TPipe (offsets in the arena) and per block for
//    global memory (absolute addresses), a sorted list of byte segments records the last
//    writer (pipe, clock, call site) and, per pipe, the last reader since that write. A read
//    unordered after the last writer of another pipe is a read-after-write race; a write
//    unordered after a reader or writer of another pipe is write-after-read / write-after-write.
//    Segments are exact byte ranges (strided DMAs record each burst), so accesses to different
//    bytes of one 32-byte block never conflict. Work per access is O(log segments + segments
//    touched); writes collapse segments, and when a list grows long, segments whose accesses
//    every pipe using that memory already runs after are dropped. TPipe::Init/Reset/Destroy
//    count as PipeBarrier<PIPE_ALL>.
//  * The scalar pipe. bisheng's automatic synchronisation (--cce-auto-sync, on by default)
//    orders scalar reads and writes (GetValue/SetValue/operator() on LocalTensor and
//    GlobalTensor) against the other pipes, so scalar accesses are never reported. They are
//    modelled as what auto-sync inserts: a scalar access that conflicts with an unordered
//    access of pipe Q first waits for Q (like SetFlag/WaitFlag<Q_S>), which orders every later
//    instruction after it.
//  * Call sites: each recorded instruction keeps up to kSiteFrames return addresses, taken by
//    walking the frame-pointer chain up to the launch stub (the toolchain compiles kernels with
//    -fno-omit-frame-pointer unless ASCENDPY_SIM_CHECKS=0; without frame pointers only the
//    innermost one), interned per block; they are resolved to a source line only when a fault
//    names them (KernelFault::other_frames, resolved by the simulator library). SetFlag/WaitFlag
//    keep just their caller's return address.
//
// Also per block, always on (even with ASCENDPY_SIM_CHECKS=0):
//  * deadlock: WaitFlag<E>(id) with no SetFlag<E>(id) pending (set and not yet waited for) would
//    hang the NPU; a second SetFlag<E>(id) while the first is still pending is undefined on the
//    NPU (flags do not count: one of the two sets is lost and the pipe can hang), and is also
//    reported as "deadlock".
//  * tensor_leak: a TQue tensor still allocated (AllocTensor without FreeTensor) or still
//    queued (EnQue without DeQue) when the kernel returns. TPipe's destructor records it; the
//    launch stub raises it after the kernel has returned (never on top of another fault).
//
// Race tracking is off when ASCENDPY_SIM_CHECKS=0, and everything here is inactive outside a
// launch (no BlockScope), e.g. when the header is used directly by a C++ test program.
#pragma once

#include <execinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "core.h"
#include "types.h"

namespace ascendpy_sim {

constexpr int kPipes = 7;       // PIPE_S .. PIPE_FIX
constexpr int kSiteFrames = 8;  // return addresses kept per call site
using Clock = int32_t;  // instructions per pipe and block: far below 2^31
constexpr int kLanes = 8;  // VClock lanes: kPipes padded to 8 so the merges vectorise

inline bool real_pipe(pipe_t p) { return static_cast<int>(p) >= 0 && static_cast<int>(p) < kPipes; }

struct VClock {
  alignas(32) Clock c[kLanes] = {};
  void merge(const VClock& o) {
    for (int i = 0; i < kLanes; ++i) c[i] = o.c[i] > c[i] ? o.c[i] : c[i];
  }
  // Is any lane above `o`'s?
  bool above(const VClock& o) const {
    int any = 0;
    for (int i = 0; i < kLanes; ++i) any |= c[i] > o.c[i];
    return any != 0;
  }
};

// One API call site: API name, pipe and the return addresses leading to it.
struct Site {
  const char* name = nullptr;
  pipe_t pipe = PIPE_S;
  int nframes = 0;
  void* frames[kSiteFrames] = {};
  uint64_t hash = 0;
};

struct Acc {
  Clock clock = 0;  // 0: none
  uint32_t site = 0;
};

struct SegState {
  Acc w;              // last writer
  Acc r[kPipes];      // last reader per pipe since that write (r[PIPE_S] unused)
  uint8_t wpipe = 0;  // pipe of the last writer
  bool same(const SegState& o) const {
    if (wpipe != o.wpipe || w.clock != o.w.clock || w.site != o.w.site) return false;
    for (int i = 0; i < kPipes; ++i)
      if (r[i].clock != o.r[i].clock || r[i].site != o.r[i].site) return false;
    return true;
  }
};

struct Seg {
  uint64_t lo = 0, hi = 0;  // [lo, hi) bytes
  SegState s;
};

enum class Hazard : uint8_t { NONE, RAW, WAR, WAW };

struct Conflict {
  Hazard hz = Hazard::NONE;
  pipe_t other = PIPE_S;
  uint32_t other_site = 0;
  uint64_t lo = 0, hi = 0;  // overlap of the two accesses
};

// The access history of one memory (an on-chip arena, or global memory).
struct BlockState;

class Shadow {
 public:
  BlockState* block = nullptr;  // the block whose clocks the entries use (on-chip shadows: the TPipe's)
  std::vector<Seg> segs;     // sorted, disjoint
  VClock max;                // largest clock recorded per pipe (max.c[PIPE_S] stays 0)
  uint8_t pipes_seen = 0;    // pipes that accessed this memory (bit mask)
  uint8_t pipes_always = 0;  // pipes assumed to access it when pruning (GM: MTE2 | MTE3)
  size_t prune_at = 256;

  // Index of the first segment ending after lo.
  size_t first_after(uint64_t lo) const {
    size_t a = 0, b = segs.size();
    while (a < b) {
      const size_t m = (a + b) / 2;
      if (segs[m].hi <= lo) a = m + 1;
      else b = m;
    }
    return a;
  }

  // Is any access of pipe Q (!= S) recorded here that `known` (a pipe's vector clock) does not cover?
  bool maybe_unordered(const VClock& known) const { return max.above(known); }

  static bool check(const SegState& s, pipe_t p, const VClock& vc, bool write, Conflict* c) {
    const int pi = static_cast<int>(p);
    if (s.w.clock && s.wpipe != pi && s.wpipe != PIPE_S && s.w.clock > vc.c[s.wpipe]) {
      c->hz = write ? Hazard::WAW : Hazard::RAW;
      c->other = static_cast<pipe_t>(s.wpipe);
      c->other_site = s.w.site;
      return true;
    }
    if (write) {
      for (int q = 1; q < kPipes; ++q) {
        if (q != pi && s.r[q].clock > vc.c[q]) {
          c->hz = Hazard::WAR;
          c->other = static_cast<pipe_t>(q);
          c->other_site = s.r[q].site;
          return true;
        }
      }
    }
    return false;
  }

  static void apply(SegState& s, int pi, Clock clock, uint32_t site, bool write) {
    if (write) {
      s = SegState{};
      s.w.clock = clock;
      s.w.site = site;
      s.wpipe = static_cast<uint8_t>(pi);
    } else {
      s.r[pi].clock = clock;
      s.r[pi].site = site;
    }
  }

  // Appends s to tmp, merged into tmp's last segment when they touch and hold the same state.
  static void push_merged(std::vector<Seg>& tmp, const Seg& s) {
    if (s.hi <= s.lo) return;
    if (!tmp.empty() && tmp.back().hi == s.lo && tmp.back().s.same(s.s)) {
      tmp.back().hi = s.hi;
    } else {
      tmp.push_back(s);
    }
  }

  // Records the access [lo, hi) over the ascending segments [first, last) it touches: their parts outside it
  // kept, the parts inside and the gaps between them updated, all pushed (merged) onto tmp in order.
  static void record_over(const Seg* first, const Seg* last, uint64_t lo, uint64_t hi, int pi, Clock clock,
                          uint32_t site, bool write, std::vector<Seg>& tmp) {
    uint64_t cur = lo;
    for (const Seg* sp = first; sp != last; ++sp) {
      const Seg& s = *sp;
      if (s.lo < lo) {
        Seg left = s;
        left.hi = lo;
        push_merged(tmp, left);
      }
      if (s.lo > cur) {
        Seg gap;
        gap.lo = cur;
        gap.hi = s.lo;
        apply(gap.s, pi, clock, site, write);
        push_merged(tmp, gap);
      }
      Seg mid = s;
      mid.lo = s.lo > lo ? s.lo : lo;
      mid.hi = s.hi < hi ? s.hi : hi;
      apply(mid.s, pi, clock, site, write);
      push_merged(tmp, mid);
      cur = mid.hi;
      if (s.hi > hi) {
        Seg right = s;
        right.lo = hi;
        push_merged(tmp, right);
      }
    }
    if (cur < hi) {
      Seg gap;
      gap.lo = cur;
      gap.hi = hi;
      apply(gap.s, pi, clock, site, write);
      push_merged(tmp, gap);
    }
  }


  // Checks the access of [lo, hi) by the instruction (p, clock, site) whose pipe knows `vc`;
  // returns true with *c filled on a hazard, otherwise records the access.
  bool access(pipe_t p, const VClock& vc, Clock clock, uint32_t site, uint64_t lo, uint64_t hi, bool write,
              Conflict* c, std::vector<Seg>& tmp) {
    if (hi <= lo) return false;
    const int pi = static_cast<int>(p);
    const size_t n = segs.size();
    const size_t i0 = first_after(lo);
    size_t i1 = i0;
    for (; i1 < n && segs[i1].lo < hi; ++i1) {
      if (check(segs[i1].s, p, vc, write, c)) {
        c->lo = segs[i1].lo > lo ? segs[i1].lo : lo;
        c->hi = segs[i1].hi < hi ? segs[i1].hi : hi;
        return true;
      }
    }
    if (clock > max.c[pi]) max.c[pi] = clock;
    pipes_seen = static_cast<uint8_t>(pipes_seen | (1u << pi));
    if (i1 == i0) {  // untouched bytes
      Seg g;
      g.lo = lo;
      g.hi = hi;
      apply(g.s, pi, clock, site, write);
      if (i0 > 0 && segs[i0 - 1].hi == lo && segs[i0 - 1].s.same(g.s)) {
        segs[i0 - 1].hi = hi;
      } else {
        segs.insert(segs.begin() + static_cast<std::ptrdiff_t>(i0), g);
      }
      return false;
    }
    if (i1 == i0 + 1 && segs[i0].lo == lo && segs[i0].hi == hi) {  // exactly one segment
      apply(segs[i0].s, pi, clock, site, write);
      return false;
    }
    // Rebuild the window [w0, w1) (the touched segments and one neighbour on each side).
    const size_t w0 = i0 > 0 ? i0 - 1 : 0;
    const size_t w1 = i1 < n ? i1 + 1 : n;
    tmp.clear();
    auto push = [&tmp](const Seg& s) { push_merged(tmp, s); };
    if (w0 < i0) push(segs[w0]);
    record_over(segs.data() + i0, segs.data() + i1, lo, hi, pi, clock, site, write, tmp);
    if (i1 < w1) push(segs[i1]);
    const size_t old = w1 - w0;
    if (tmp.size() == old) {
      std::copy(tmp.begin(), tmp.end(), segs.begin() + static_cast<std::ptrdiff_t>(w0));
    } else {
      segs.erase(segs.begin() + static_cast<std::ptrdiff_t>(w0), segs.begin() + static_cast<std::ptrdiff_t>(w1));
      segs.insert(segs.begin() + static_cast<std::ptrdiff_t>(w0), tmp.begin(), tmp.end());
    }
    return false;
  }

  // `count` accesses [lo + i * pitch, lo + i * pitch + len) of one instruction, i from *next on, pitch >= len
  // (disjoint, ascending): the same checks, segments and result as `access` on each in turn, but the list is
  // edited once per call instead of once per access (a strided DMA of many rows moved the whole tail of a long
  // list per row). The window of segments the accesses can touch (with one neighbour each side) is copied out,
  // streamed through (`out`: done, `rest`: still to pass), and put back. Returns 1 on a hazard (*c filled, the
  // accesses before it recorded), 2 when the list outgrew prune_at (the caller prunes, then calls again from
  // *next), 0 when all are recorded.
  int access_strided(pipe_t p, const VClock& vc, Clock clock, uint32_t site, uint64_t lo, uint64_t count,
                     uint64_t len, uint64_t pitch, bool write, Conflict* c, uint64_t* next, std::vector<Seg>& tmp,
                     std::vector<Seg>& out, std::vector<Seg>& rest) {
    const int pi = static_cast<int>(p);
    const uint64_t end = lo + (count - 1) * pitch + len;
    const size_t n = segs.size();
    size_t a = first_after(lo + *next * pitch);
    if (a > 0) --a;  // the first access's left neighbour
    size_t b = a;
    {
      size_t hi_i = n;  // first segment starting at or after `end`
      while (b < hi_i) {
        const size_t m = (b + hi_i) / 2;
        if (segs[m].lo < end) b = m + 1;
        else hi_i = m;
      }
    }
    if (b < n) ++b;  // the last access's right neighbour (merges can move it further: taken then)
    rest.assign(segs.begin() + static_cast<std::ptrdiff_t>(a), segs.begin() + static_cast<std::ptrdiff_t>(b));
    out.clear();
    size_t cur = 0;
    int status = 0;
    auto push = [&tmp](const Seg& s) { push_merged(tmp, s); };
    for (uint64_t i = *next; i < count; ++i) {
      const uint64_t blo = lo + i * pitch, bhi = blo + len;
      while (cur < rest.size() && rest[cur].hi <= blo) out.push_back(rest[cur++]);
      size_t t = cur;  // [cur, t): the segments this access touches
      for (; t < rest.size() && rest[t].lo < bhi; ++t) {
        if (check(rest[t].s, p, vc, write, c)) {
          c->lo = rest[t].lo > blo ? rest[t].lo : blo;
          c->hi = rest[t].hi < bhi ? rest[t].hi : bhi;
          status = 1;
          break;
        }
      }
      if (status == 1) break;
      if (clock > max.c[pi]) max.c[pi] = clock;
      pipes_seen = static_cast<uint8_t>(pipes_seen | (1u << pi));
      if (t == cur) {  // untouched bytes
        Seg g;
        g.lo = blo;
        g.hi = bhi;
        apply(g.s, pi, clock, site, write);
        if (!out.empty() && out.back().hi == blo && out.back().s.same(g.s)) {
          out.back().hi = bhi;
        } else {
          out.push_back(g);
        }
      } else if (t == cur + 1 && rest[cur].lo == blo && rest[cur].hi == bhi) {  // exactly one segment
        apply(rest[cur].s, pi, clock, site, write);
        out.push_back(rest[cur++]);
      } else {  // `access`'s window rebuild: the left neighbour (out's last), the touched, the right neighbour
        tmp.clear();
        if (!out.empty()) {
          push(out.back());
          out.pop_back();
        }
        record_over(rest.data() + cur, rest.data() + t, blo, bhi, pi, clock, site, write, tmp);
        size_t used = t;
        if (t == rest.size() && b < n) rest.push_back(segs[b++]);  // a merge moved the right neighbour out
        if (t < rest.size()) push(rest[used++]);
        // What ends past this access may be touched by the next one: back into `rest`, in the slots consumed.
        size_t keep = tmp.size();
        while (keep > 0 && tmp[keep - 1].hi > bhi) --keep;
        out.insert(out.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(keep));
        const size_t back = tmp.size() - keep;
        if (back <= used - cur) {
          cur = used - back;
          std::copy(tmp.begin() + static_cast<std::ptrdiff_t>(keep), tmp.end(),
                    rest.begin() + static_cast<std::ptrdiff_t>(cur));
        } else {
          rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(cur), rest.begin() + static_cast<std::ptrdiff_t>(used));
          rest.insert(rest.begin() + static_cast<std::ptrdiff_t>(cur), tmp.begin() + static_cast<std::ptrdiff_t>(keep),
                      tmp.end());
        }
      }
      *next = i + 1;
      if (n - (b - a) + out.size() + (rest.size() - cur) > prune_at) {
        status = 2;
        break;
      }
    }
    out.insert(out.end(), rest.begin() + static_cast<std::ptrdiff_t>(cur), rest.end());
    if (out.size() == b - a) {
      std::copy(out.begin(), out.end(), segs.begin() + static_cast<std::ptrdiff_t>(a));
    } else {
      segs.erase(segs.begin() + static_cast<std::ptrdiff_t>(a), segs.begin() + static_cast<std::ptrdiff_t>(b));
      segs.insert(segs.begin() + static_cast<std::ptrdiff_t>(a), out.begin(), out.end());
    }
    return status;
  }

  // Drops segments every access of which all the pipes using this memory already run after
  // (they can no longer race with anything). Keeps the list short for streaming kernels.
  void prune(const VClock* vc) {
    const uint8_t users = static_cast<uint8_t>((pipes_seen | pipes_always) & ~1u);
    auto retired = [&](int q, Clock c) {
      if (!c) return true;
      for (int p = 1; p < kPipes; ++p)
        if (p != q && (users & (1u << p)) && vc[p].c[q] < c) return false;
      return true;
    };
    size_t out = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
      const SegState& s = segs[i].s;
      bool done = retired(s.wpipe, s.w.clock);
      for (int q = 1; done && q < kPipes; ++q) done = retired(q, s.r[q].clock);
      if (!done) segs[out++] = segs[i];
    }
    segs.resize(out);
    if (segs.size() > 65536) {  // pathological: forget the oldest half (may miss races, never invents one)
      segs.erase(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(segs.size() / 2));
    }
    prune_at = segs.size() * 2 > 256 ? segs.size() * 2 : 256;
  }
};

// Snapshot of a TQue buffer's synchronisation (EnQue -> DeQue, FreeTensor -> AllocTensor).
struct QueSync {
  VClock enq;            // producer pipe at EnQue
  VClock freed;          // consumer pipe at FreeTensor
  bool has_enq = false;
  bool has_free = false;
  uint32_t alloc_site = 0;  // where the current tensor was allocated / queued (for leak reports)
  uint32_t enq_site = 0;
};

struct EventSlot {
  VClock vc;                // source pipe at SetFlag
  void* set_at = nullptr;   // return address into the caller of the pending SetFlag
  void* wait_at = nullptr;  // ... of the last WaitFlag
  bool set = false;
};

constexpr int kEvents = static_cast<int>(AscendC::HardEvent::MAX) + 1;

// The vector unit's mask register and mode (mask.h): each block starts in normal mode with every lane on.
struct VecMaskReg {
  uint64_t hi = ~0ull, lo = ~0ull;  // set_vector_mask(hi, lo); in counter mode lo is the element count
  bool counter = false;             // SetMaskCount / SetMaskNorm
  const char* undefined_by = nullptr;  // the level-2 API that left hi/lo undocumented (until rewritten)
};

struct BlockState {
  uintptr_t entry_fp = 0;  // frame of the launch stub: call-site walks stop there
  bool race_on = false;
  VClock vc[kPipes];  // per pipe, what it is known to run after (without g)
  VClock g;           // what every instruction issued from now on runs after (scalar-unit waits)
  EventSlot events[kEvents][AscendC::QUE_MAX_EVENT];
  Shadow gm;
  std::vector<Site> sites;           // [0] unused
  std::vector<uint32_t> site_index;  // open addressing, power of two
  struct SiteCacheEntry {
    uint64_t hash = 0;
    uint32_t id = 0;
  };
  SiteCacheEntry site_cache[256];  // direct-mapped by hash: a repeated call site skips the table
  std::vector<Seg> tmp;
  bool pending = false;  // a fault found where it cannot be thrown (TPipe's destructor)
  std::string pending_kind, pending_what;
  uint32_t pending_site = 0;
  VecMaskReg vmask;  // per block, like the hardware register
};

// The state of the block running on this thread (nullptr outside a launch). Hidden so the
// function-local thread_local is not a STB_GNU_UNIQUE symbol.
__attribute__((visibility("hidden"))) inline BlockState*& block_state() {
  static thread_local BlockState* p = nullptr;
  return p;
}

__attribute__((visibility("hidden"))) inline std::atomic<bool>& race_flag() {
  static std::atomic<bool> on{false};
  return on;
}
// True once any block of this kernel library ran with race tracking (never with ASCENDPY_SIM_CHECKS=0):
// lets the fast mode skip the thread-local lookup.
__attribute__((visibility("hidden"))) inline bool any_race_on() { return race_flag().load(std::memory_order_relaxed); }

inline BlockState* race_state() {
  BlockState* st = block_state();
  return st && st->race_on ? st : nullptr;
}

// Interns the call site whose innermost return address is the caller of `fp0`'s function.
// Kernels built with frame pointers (ASCENDPY_SIM_FRAME_POINTERS, set by the toolchain with
// -fno-omit-frame-pointer) get the whole chain up to the launch stub; otherwise only the
// innermost return address, which names the right line whenever the API call was inlined.
__attribute__((noinline)) inline uint32_t intern_site(BlockState& st, const char* name, pipe_t pipe, void* fp0) {
  void* fr[kSiteFrames];
  int n = 0;
  uint64_t h = reinterpret_cast<uintptr_t>(name) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(pipe);
  void** fp = static_cast<void**>(fp0);
#ifdef ASCENDPY_SIM_FRAME_POINTERS
  constexpr int depth = kSiteFrames;
#else
  constexpr int depth = 1;
#endif
  while (n < depth && reinterpret_cast<uintptr_t>(fp) < st.entry_fp) {
    void* ret = fp[1];
    fr[n++] = ret;
    h = (h ^ reinterpret_cast<uintptr_t>(ret)) * 0x100000001B3ull;
    void** next = static_cast<void**>(fp[0]);
    if (next <= fp || (reinterpret_cast<uintptr_t>(next) & (sizeof(void*) - 1)) != 0) break;
    fp = next;
  }
  h |= 1;
  BlockState::SiteCacheEntry& hit = st.site_cache[(h >> 8) & 255];
  if (hit.hash == h) return hit.id;  // 64-bit hash of name, pipe and every frame
  if (st.sites.empty()) {
    st.sites.emplace_back();
    st.site_index.assign(256, 0);
  }
  size_t mask = st.site_index.size() - 1;
  size_t slot = h & mask;
  for (;; slot = (slot + 1) & mask) {
    const uint32_t id = st.site_index[slot];
    if (!id) break;
    const Site& o = st.sites[id];
    if (o.hash == h && o.name == name && o.pipe == pipe && o.nframes == n &&
        std::memcmp(o.frames, fr, sizeof(void*) * static_cast<size_t>(n)) == 0) {
      hit.hash = h;
      hit.id = id;
      return id;
    }
  }
  const uint32_t id = static_cast<uint32_t>(st.sites.size());
  st.sites.emplace_back();
  Site& s = st.sites.back();
  s.name = name;
  s.pipe = pipe;
  s.nframes = n;
  s.hash = h;
  std::memcpy(s.frames, fr, sizeof(void*) * static_cast<size_t>(n));
  if (st.sites.size() * 2 > st.site_index.size()) {  // grow and rehash
    st.site_index.assign(st.site_index.size() * 2, 0);
    mask = st.site_index.size() - 1;
    for (uint32_t k = 1; k < st.sites.size(); ++k) {
      size_t i = st.sites[k].hash & mask;
      while (st.site_index[i]) i = (i + 1) & mask;
      st.site_index[i] = k;
    }
  } else {
    st.site_index[slot] = id;
  }
  hit.hash = h;
  hit.id = id;
  return id;
}

// The call site of the API function that calls this (any block state, race tracking or not).
__attribute__((noinline)) inline uint32_t here_site(const char* name, pipe_t pipe) {
  BlockState* st = block_state();
  return st ? intern_site(*st, name, pipe, __builtin_frame_address(0)) : 0;
}

// One instruction on a pipe, as the race checker sees it.
struct OpRec {
  BlockState* st = nullptr;  // nullptr: not tracked
  pipe_t pipe = PIPE_S;
  const char* name = nullptr;
  Clock clock = 0;
  uint32_t site = 0;
};

// Starts an instruction of `name` on `pipe` (called first thing by every API function that
// touches memory on a pipe other than S).
__attribute__((noinline)) inline OpRec op_begin(pipe_t pipe, const char* name) {
  poll_cancel();
  OpRec r;
  if (!any_race_on()) return r;
  BlockState* st = race_state();
  if (!st || !real_pipe(pipe) || pipe == PIPE_S) return r;
  r.st = st;
  r.pipe = pipe;
  r.name = name;
  r.clock = ++st->vc[pipe].c[pipe];
  r.site = intern_site(*st, name, pipe, __builtin_frame_address(0));
  return r;
}

// ---- ordering ----
// What pipe p is known to run after.
inline VClock known(const BlockState& st, pipe_t p) {
  VClock k = st.g;
  if (real_pipe(p)) k.merge(st.vc[p]);
  return k;
}
inline VClock snapshot(const BlockState& st, pipe_t src) {
  if (real_pipe(src)) return known(st, src);
  VClock all = st.g;
  for (int p = 0; p < kPipes; ++p) all.merge(st.vc[p]);
  return all;
}
// dst learns `snap`. A wait on the scalar unit (or PIPE_ALL) holds back everything issued later.
inline void learn(BlockState& st, pipe_t dst, const VClock& snap) {
  if (real_pipe(dst) && dst != PIPE_S) {
    st.vc[dst].merge(snap);
  } else {
    st.g.merge(snap);
  }
}

inline void barrier_all() {
  if (!any_race_on()) return;
  BlockState* st = race_state();
  if (st) learn(*st, PIPE_ALL, snapshot(*st, PIPE_ALL));
}

// Shadow for an access of `p`; a long segment list prunes itself.
inline bool shadow_access(BlockState& st, Shadow& sh, const OpRec& op, uint64_t lo, uint64_t hi, bool write,
                          Conflict* c) {
  const bool hit = sh.access(op.pipe, known(st, op.pipe), op.clock, op.site, lo, hi, write, c, st.tmp);
  if (!hit && sh.segs.size() > sh.prune_at) {
    VClock all[kPipes];
    for (int p = 0; p < kPipes; ++p) all[p] = known(st, static_cast<pipe_t>(p));
    sh.prune(all);
  }
  return hit;
}

// `count` accesses of `len` bytes every `pitch` bytes from lo (pitch >= len): shadow_access on each in turn
// (pruning where it would), with the list edited once per call (Shadow::access_strided).
inline bool shadow_strided(BlockState& st, Shadow& sh, const OpRec& op, uint64_t lo, uint64_t count, uint64_t len,
                           uint64_t pitch, bool write, Conflict* c) {
  if (count == 0 || len == 0) return false;
  static thread_local std::vector<Seg> out, rest;
  uint64_t next = 0;
  while (next < count) {
    const int r = sh.access_strided(op.pipe, known(st, op.pipe), op.clock, op.site, lo, count, len, pitch, write, c,
                                    &next, st.tmp, out, rest);
    if (r == 1) return true;
    if (r == 2) {
      VClock all[kPipes];
      for (int p = 0; p < kPipes; ++p) all[p] = known(st, static_cast<pipe_t>(p));
      sh.prune(all);
    }
  }
  return false;
}

// A scalar access of [lo, hi): waits (as auto-sync would) for every pipe with an unordered
// conflicting access there.
__attribute__((noinline)) inline void scalar_sync_slow(BlockState& st, Shadow& sh, uint64_t lo, uint64_t hi,
                                                       bool write) {
  const VClock& seen = st.g;
  unsigned wait = 0;
  for (size_t i = sh.first_after(lo); i < sh.segs.size() && sh.segs[i].lo < hi; ++i) {
    const SegState& s = sh.segs[i].s;
    if (s.w.clock && s.w.clock > seen.c[s.wpipe]) wait |= 1u << s.wpipe;
    if (write)
      for (int q = 1; q < kPipes; ++q)
        if (s.r[q].clock > seen.c[q]) wait |= 1u << q;
  }
  for (int q = 1; q < kPipes; ++q) {
    if (wait & (1u << q)) {
      const VClock snap = known(st, static_cast<pipe_t>(q));
      learn(st, PIPE_S, snap);
    }
  }
}
inline void scalar_sync(Shadow* sh, const void* base, const void* p, uint64_t bytes, bool write) {
  BlockState* st = sh ? sh->block : nullptr;  // no thread-local lookup on this per-element path
  if (!st || !st->race_on || !sh->maybe_unordered(st->g)) return;
  const uint64_t lo = static_cast<uint64_t>(static_cast<const uint8_t*>(p) - static_cast<const uint8_t*>(base));
  scalar_sync_slow(*st, *sh, lo, lo + bytes, write);
}
__attribute__((noinline)) inline void scalar_sync_gm_tracked(const void* p, uint64_t bytes, bool write) {
  BlockState* st = race_state();
  if (!st || !st->gm.maybe_unordered(st->g)) return;
  const uint64_t lo = reinterpret_cast<uintptr_t>(p);
  scalar_sync_slow(*st, st->gm, lo, lo + bytes, write);
}
inline void scalar_sync_gm(const void* p, uint64_t bytes, bool write) {
  if (any_race_on()) scalar_sync_gm_tracked(p, bytes, write);
}

// ---- reports ----
inline const char* site_name(const BlockState& st, uint32_t id) {
  return id && id < st.sites.size() && st.sites[id].name ? st.sites[id].name : "an instruction";
}

[[noreturn]] __attribute__((noinline, cold)) inline void fault_with_other(const char* kind, const std::string& what,
                                                                          void* const* other, int nother) {
  KernelFault f(kind, what);
  f.nframes = backtrace(f.frames, KernelFault::kMaxFrames);
  for (int i = 0; i < nother && i < KernelFault::kMaxFrames; ++i) f.other_frames[i] = other[i];
  f.other_nframes = other ? nother : 0;
  throw f;
}
[[noreturn]] inline void fault_with_site(const char* kind, const std::string& what, const BlockState& st,
                                         uint32_t site) {
  if (site && site < st.sites.size()) fault_with_other(kind, what, st.sites[site].frames, st.sites[site].nframes);
  fault_with_other(kind, what, nullptr, 0);
}

inline const char* pipe_short(pipe_t p) {
  const char* n = pipe_name(p);
  return std::strncmp(n, "PIPE_", 5) == 0 ? n + 5 : n;
}

// `mem` describes the memory, e.g. "bytes [0, 256) of TBuf<VECCALC> (Unified Buffer bytes [0, 256))".
[[noreturn]] __attribute__((noinline, cold)) inline void race_fault(const OpRec& op, bool write, const Conflict& c,
                                                                    const std::string& mem) {
  const BlockState& st = *op.st;
  const char* other = site_name(st, c.other_site);
  const char* hz = c.hz == Hazard::RAW ? "read-after-write" : c.hz == Hazard::WAR ? "write-after-read"
                                                                                  : "write-after-write";
  const char* other_did = c.hz == Hazard::RAW ? "wrote" : c.hz == Hazard::WAR ? "read" : "also wrote";
  const AscendC::HardEvent e = event_of(c.other, op.pipe);
  std::string fix;
  if (e != AscendC::HardEvent::MAX) {
    fix = cat("SetFlag<HardEvent::", event_name(e), ">(id) after the ", other, " and WaitFlag<HardEvent::",
              event_name(e), ">(id) before the ", op.name);
    if ((c.other == PIPE_MTE2 && op.pipe == PIPE_V) || (c.other == PIPE_V && op.pipe == PIPE_MTE3)) {
      fix += cat(", or pass the tensor through a TQue<", c.other == PIPE_MTE2 ? "VECIN" : "VECOUT",
                 "> (EnQue/DeQue)");
    } else if ((c.other == PIPE_V && op.pipe == PIPE_MTE2) || (c.other == PIPE_MTE3 && op.pipe == PIPE_V)) {
      fix += ", or FreeTensor/AllocTensor it through a TQue";
    }
  } else {
    fix = "PipeBarrier<PIPE_ALL>() between them";
  }
  fault_with_site("pipe_race",
                   cat(hz, " race between ", pipe_name(c.other), " and ", pipe_name(op.pipe), ": ", op.name, " (",
                       pipe_short(op.pipe), ") ", write ? "writes " : "reads ", mem, " that ", other, " (",
                       pipe_short(c.other), ") ", other_did, ASCENDPY_SIM_OTHER_AT,
                       ", and nothing orders the two pipes: add ", fix),
                   st, c.other_site);
}

[[noreturn]] __attribute__((noinline, cold)) inline void gm_race_fault(const OpRec& op, bool write, const Conflict& c) {
  uint64_t base = 0, size = 0;
  const int state = __ascendpy_sim_gm_lookup(reinterpret_cast<const void*>(static_cast<uintptr_t>(c.lo)), &base,
                                             &size);
  std::string mem = state ? cat("global memory bytes [", c.lo - base, ", ", c.hi - base, ") of a ", size,
                                "-byte device allocation")
                          : cat("global memory bytes [0x", c.lo, ", +", c.hi - c.lo, ")");
  race_fault(op, write, c, mem);
}

// Global memory [p, p + bytes) accessed by op.
__attribute__((noinline)) inline void gm_access_tracked(const OpRec& op, const void* p, uint64_t bytes, bool write) {
  BlockState& st = *op.st;
  const uint64_t lo = reinterpret_cast<uintptr_t>(p);
  Conflict c;
  if (shadow_access(st, st.gm, op, lo, lo + bytes, write, &c)) gm_race_fault(op, write, c);
}
// `count` bursts of `len` bytes every `pitch` bytes (>= len) of global memory from p, accessed by op: the same
// as gm_access_tracked on each in turn.
__attribute__((noinline)) inline void gm_strided_tracked(const OpRec& op, const void* p, uint64_t count, uint64_t len,
                                                         uint64_t pitch, bool write) {
  Conflict c;
  if (shadow_strided(*op.st, op.st->gm, op, reinterpret_cast<uintptr_t>(p), count, len, pitch, write, &c)) {
    gm_race_fault(op, write, c);
  }
}
inline void gm_access(const OpRec& op, const void* p, uint64_t bytes, bool write) {
  if (op.st && bytes) gm_access_tracked(op, p, bytes, write);
}

// ---- flags ----
[[noreturn]] __attribute__((noinline, cold)) inline void double_set_fault(AscendC::HardEvent e, int32_t id,
                                                                          const char* api, void* earlier) {
  fault_with_other("deadlock",
                   cat(api, "<HardEvent::", event_name(e), ">(", id, ") while the flag is still set by the SetFlag",
                       ASCENDPY_SIM_OTHER_AT, " with no WaitFlag<HardEvent::", event_name(e), ">(", id,
                       ") in between: NPU flags do not count, so one of the two sets is lost and a WaitFlag meant for "
                       "it hangs"),
                   &earlier, 1);
}
[[noreturn]] __attribute__((noinline, cold)) inline void unset_wait_fault(AscendC::HardEvent e, int32_t id, pipe_t dst,
                                                                          const char* api, void* last_wait) {
  const pipe_t src = event_src_pipe(e);
  if (last_wait) {
    fault_with_other("deadlock",
                     cat(api, "<HardEvent::", event_name(e), ">(", id, ") waits for a flag that no SetFlag has set "
                         "since the WaitFlag", ASCENDPY_SIM_OTHER_AT, " consumed the last one: on the NPU ",
                         pipe_name(dst), " would wait forever; set it again on ", pipe_name(src), " before each wait"),
                     &last_wait, 1);
  }
  fault("deadlock", cat(api, "<HardEvent::", event_name(e), ">(", id, ") waits for a flag that no SetFlag<HardEvent::",
                        event_name(e), ">(", id, ") has set: on the NPU ", pipe_name(dst),
                        " would wait forever; call SetFlag on ", pipe_name(src), " first"));
}

__attribute__((noinline)) inline void set_flag_race(BlockState& st, EventSlot& slot, pipe_t src) {
  slot.vc = snapshot(st, src);
}
__attribute__((noinline)) inline void learn_slow(BlockState& st, pipe_t dst, const VClock& snap) { learn(st, dst, snap); }

// Called by SetFlag/WaitFlag (noinline, so the return address is in the caller: the flag's line).
__attribute__((noinline)) inline void on_set_flag(AscendC::HardEvent e, int32_t id, pipe_t src, const char* api) {
  BlockState* st = block_state();
  if (!st) return;
  EventSlot& slot = st->events[static_cast<int>(e)][id];
  if (slot.set) double_set_fault(e, id, api, slot.set_at);
  slot.set = true;
  slot.set_at = __builtin_return_address(0);
  if (st->race_on) set_flag_race(*st, slot, src);
}

__attribute__((noinline)) inline void on_wait_flag(AscendC::HardEvent e, int32_t id, pipe_t dst, const char* api) {
  BlockState* st = block_state();
  if (!st) return;
  EventSlot& slot = st->events[static_cast<int>(e)][id];
  if (!slot.set) unset_wait_fault(e, id, dst, api, slot.wait_at);
  slot.set = false;
  slot.set_at = nullptr;
  slot.wait_at = __builtin_return_address(0);
  if (st->race_on) learn_slow(*st, dst, slot.vc);
}

// ---- the launch stub's scope ----
class BlockScope {
 public:
  explicit BlockScope(void* entry_frame) : prev_(block_state()) {
    st_.entry_fp = reinterpret_cast<uintptr_t>(entry_frame);
    st_.race_on = __ascendpy_sim_fast() == 0;
    if (st_.race_on && !any_race_on()) race_flag().store(true, std::memory_order_relaxed);
    st_.gm.pipes_always = static_cast<uint8_t>((1u << PIPE_MTE2) | (1u << PIPE_MTE3));
    block_state() = &st_;
  }
  ~BlockScope() { block_state() = prev_; }
  BlockScope(const BlockScope&) = delete;
  BlockScope& operator=(const BlockScope&) = delete;

  // After the kernel returned: raises what could not be raised where it was found.
  void finish() {
    if (!st_.pending) return;
    KernelFault f(st_.pending_kind, st_.pending_what);
    if (st_.pending_site && st_.pending_site < st_.sites.size()) {
      const Site& s = st_.sites[st_.pending_site];
      for (int i = 0; i < s.nframes; ++i) f.frames[i] = s.frames[i];
      f.nframes = s.nframes;
    }
    throw f;
  }

 private:
  BlockState* prev_;
  BlockState st_;
};

// Records a fault to raise when the kernel returns (first one wins; none while unwinding).
inline void defer_fault(const char* kind, const std::string& what, uint32_t site) {
  BlockState* st = block_state();
  if (!st || st->pending || std::uncaught_exceptions() > 0) return;
  st->pending = true;
  st->pending_kind = kind;
  st->pending_what = what;
  st->pending_site = site;
}

}  // namespace ascendpy_sim
