// ascendpy simulator: TPipe, TQueBind/TQue, TBuf, GetTPipePtr (reference §1.5).
//
// Each TPipe owns one arena per on-chip memory (UB, L1, L0A, L0B, L0C), sized
// for the simulated SoC and allocated on first use. InitBuffer hands out
// 32-byte-rounded buffers from the arena and faults when the total would
// exceed capacity (the check is `<=`, so filling the memory exactly is fine).
//
// Capacities: UB = __ascendpy_sim_ub_bytes(); 910B: L1 512 KiB, L0A/L0B 64 KiB,
// L0C 128 KiB; Ascend310P*: L1 1 MiB, L0A/L0B 64 KiB, L0C 256 KiB.
// Position -> memory: VECIN/VECOUT/VECCALC -> UB; A1/B1 -> L1; A2 -> L0A;
// B2 -> L0B; CO1 -> L0C; C1 -> UB on 310P, L1 on 910B; CO2 -> UB on 310P
// (on 910B CO2 is GM and is not modelled).
//
// Queues implement the real protocol: AllocTensor takes an idle buffer (fault
// if all `num` buffers are allocated), EnQue appends (fault beyond `depth`
// tensors queued), DeQue pops (fault if empty), FreeTensor returns the buffer
// (fault on double free or on a tensor still queued).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core.h"
#include "tensor.h"
#include "types.h"

namespace AscendC {
class TPipe;
template <TPosition pos>
class TBuf;
}  // namespace AscendC

namespace ascendpy_sim {

inline uint64_t hw_capacity(Hw hw) {
  const bool p310 = soc_is_310p();
  switch (hw) {
    case Hw::UB: return __ascendpy_sim_ub_bytes();
    case Hw::L1: return p310 ? (1u << 20) : (512u << 10);
    case Hw::L0A: return 64u << 10;
    case Hw::L0B: return 64u << 10;
    case Hw::L0C: return p310 ? (256u << 10) : (128u << 10);
    case Hw::COUNT: break;
  }
  return 0;
}

inline const char* hw_fault_kind(Hw hw) {
  switch (hw) {
    case Hw::UB: return "ub_overflow";
    case Hw::L1: return "l1_overflow";
    case Hw::L0A: return "l0a_overflow";
    case Hw::L0B: return "l0b_overflow";
    case Hw::L0C: return "l0c_overflow";
    case Hw::COUNT: break;
  }
  return "ub_overflow";
}

// Physical memory of a buffer position on the simulated SoC.
inline Hw hw_of(AscendC::TPosition pos) {
  using AscendC::TPosition;
  switch (pos) {
    case TPosition::VECIN:
    case TPosition::VECOUT:
    case TPosition::VECCALC: return Hw::UB;
    case TPosition::A1:
    case TPosition::B1: return Hw::L1;
    case TPosition::A2: return Hw::L0A;
    case TPosition::B2: return Hw::L0B;
    case TPosition::CO1: return Hw::L0C;
    case TPosition::C1: return soc_is_310p() ? Hw::UB : Hw::L1;
    case TPosition::CO2:
      if (soc_is_310p()) return Hw::UB;
      break;
    default: break;
  }
  fault("unsupported_position",
        cat("TPipe::InitBuffer: TPosition::", pos_name(pos), " is not modelled by the simulator on ", soc_name()));
}

// One on-chip memory of a TPipe. It reads as zeros until written, as a fresh allocation always did; the memory
// comes from the simulator's per-thread arena cache (__ascendpy_sim_arena_get), which hands back only zeroed
// memory: the destructor returns it with the high-water mark of the buffers carved from it (every on-chip access
// is checked to lie inside a carved buffer), and those bytes are zeroed again before any reuse.
struct Arena {
  uint8_t* base = nullptr;
  uint64_t cap = 0;
  uint64_t used = 0;
  uint64_t bytes = 0;  // allocated (cap rounded up to 64)
  uint64_t hwm = 0;    // highest `used` since allocation: bytes [hwm, bytes) were never handed out
  Shadow shadow;       // access history for the race checker (offsets from base)

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    if (!base) return;
    if (&__ascendpy_sim_arena_put) {
      __ascendpy_sim_arena_put(base, bytes, hwm > used ? hwm : used);
    } else {
      std::free(base);
    }
  }

  void ensure(Hw hw) {
    if (base) return;
    cap = hw_capacity(hw);
    bytes = round_up(cap ? cap : 64, 64);
    if (&__ascendpy_sim_arena_get) {
      base = static_cast<uint8_t*>(__ascendpy_sim_arena_get(bytes));
    } else {
      base = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(bytes)));
      if (base) std::memset(base, 0, static_cast<size_t>(bytes));
    }
    if (!base) fault("ub_overflow", "the simulator could not allocate host memory for an on-chip buffer");
  }
};

struct PipeState {
  Arena arenas[static_cast<int>(Hw::COUNT)];
  std::deque<BufDesc> bufs;   // stable addresses; released only with the TPipe
  uint32_t live_buffers = 0;  // buffers handed out since Init/Reset (limit 64)
  uint8_t events[static_cast<int>(AscendC::HardEvent::MAX) + 1] = {};  // allocated-id bit masks

  // Carve `num` buffers of `len` bytes (len already a multiple of 32) for `what`.
  BufDesc* carve(AscendC::TPosition pos, uint32_t num, uint32_t len, const void* owner, const char* owner_kind,
                 const std::string& what) {
    const Hw hw = hw_of(pos);
    Arena& a = arenas[static_cast<int>(hw)];
    a.ensure(hw);
    const uint64_t need = static_cast<uint64_t>(num) * len;
    if (a.used + need > a.cap) {
      fault(hw_fault_kind(hw),
            cat(hw_name(hw), " overflow: ", what, " needs ", need, " bytes; total requested ", a.used + need,
                " bytes > capacity ", a.cap, " bytes on ", soc_name(), " (", a.used, " bytes already in use)"));
    }
    if (live_buffers + num > 64) {
      fault("too_many_buffers", cat(what, ": a TPipe holds at most 64 buffers; this would make ",
                                    live_buffers + num));
    }
    BufDesc* first = nullptr;
    for (uint32_t i = 0; i < num; ++i) {
      bufs.emplace_back();
      BufDesc& d = bufs.back();
      d.start = a.base + a.used + static_cast<uint64_t>(i) * len;
      d.len = len;
      d.arena = a.base;
      d.hw = hw;
      d.pos = pos;
      d.state = BufState::FREE;
      d.owner = owner;
      d.owner_kind = owner_kind;
      d.shadow = &a.shadow;
      if (!first) first = &d;
    }
    a.used += need;
    live_buffers += num;
    return first;
  }

  // At the end of the kernel (TPipe's destructor): a queue tensor still allocated or queued is a
  // leak, reported when the kernel returns (see race.h).
  void check_leaks() const {
    const BufDesc* leak = nullptr;
    size_t count = 0;
    for (const BufDesc& d : bufs) {
      if (d.owner && std::strcmp(d.owner_kind, "TQue") == 0 && d.state != BufState::FREE) {
        if (!leak) leak = &d;
        ++count;
      }
    }
    if (!leak || !block_state()) return;
    const std::string que = cat("TQue<", pos_name(leak->pos), ", ", leak->depth, ">");
    const std::string more = count > 1 ? cat(" (", count, " queue tensors in all)") : std::string();
    if (leak->state == BufState::ENQUE) {
      defer_fault("tensor_leak", cat(que, ": a tensor EnQue'd here was never DeQue'd before the kernel ended", more,
                                     "; DeQue and FreeTensor every queued tensor"),
                  leak->sync.enq_site);
    } else {
      defer_fault("tensor_leak", cat(que, ": a tensor allocated here by AllocTensor was never released with "
                                          "FreeTensor before the kernel ended", more),
                  leak->sync.alloc_site);
    }
  }

  // Release every buffer (TPipe::Reset / Init / Destroy): tensors still
  // referring to them fault on use.
  void release_all() {
    for (BufDesc& d : bufs) {
      d.state = BufState::FREE;
      d.owner = nullptr;
      ++d.gen;
    }
    for (Arena& a : arenas) {
      if (a.used > a.hwm) a.hwm = a.used;
      a.used = 0;
    }
    live_buffers = 0;
    std::memset(events, 0, sizeof events);
  }
};

// Hidden so the function-local thread_local is not a STB_GNU_UNIQUE symbol
// (which would make kernel libraries impossible to dlclose).
__attribute__((visibility("hidden"))) inline std::vector<AscendC::TPipe*>& pipe_stack() {
  static thread_local std::vector<AscendC::TPipe*> stack;
  return stack;
}

template <AscendC::TPosition src, AscendC::TPosition dst>
constexpr AscendC::TPosition buffer_pos() {
  return src == AscendC::TPosition::GM ? dst : src;
}

// The pipe that fills a queue buffer of position `src` (EnQue follows it), and the pipe that
// drains one of position `dst` (DeQue precedes it): TQue<VECIN> MTE2 -> V, TQue<VECOUT>
// V -> MTE3, TQueBind<VECIN, VECOUT> MTE2 -> MTE3, A1/B1 MTE2 -> MTE1, A2/B2 MTE1 -> M,
// CO1 M -> FIX (910B) or V (310P), CO2 V -> MTE3 (310P). PIPE_ALL where the simulator cannot tell.
inline pipe_t que_producer(AscendC::TPosition src) {
  using AscendC::TPosition;
  switch (src) {
    case TPosition::GM:
    case TPosition::VECIN:
    case TPosition::A1:
    case TPosition::B1:
    case TPosition::C1: return PIPE_MTE2;
    case TPosition::VECOUT:
    case TPosition::VECCALC: return PIPE_V;
    case TPosition::A2:
    case TPosition::B2: return PIPE_MTE1;
    case TPosition::CO1: return PIPE_M;
    case TPosition::CO2: return soc_is_310p() ? PIPE_V : PIPE_ALL;  // 310P: L0C -> UB runs on V
    default: return PIPE_ALL;
  }
}
inline pipe_t que_consumer(AscendC::TPosition dst) {
  using AscendC::TPosition;
  switch (dst) {
    case TPosition::VECIN:
    case TPosition::VECCALC: return PIPE_V;
    case TPosition::GM:
    case TPosition::VECOUT:
    case TPosition::CO2: return PIPE_MTE3;
    case TPosition::A1:
    case TPosition::B1:
    case TPosition::C1: return PIPE_MTE1;
    case TPosition::A2:
    case TPosition::B2: return PIPE_M;
    case TPosition::CO1: return soc_is_310p() ? PIPE_V : PIPE_FIX;
    default: return PIPE_ALL;
  }
}

}  // namespace ascendpy_sim

namespace AscendC {

template <TPosition src, TPosition dst, int32_t depth, auto mask = 0>
class TQueBind {
 public:
  TQueBind() = default;

  template <typename T>
  LocalTensor<T> AllocTensor() {
    LocalTensor<T> t;
    sim_alloc(t);
    t.sim_buf_->sync.alloc_site = ascendpy_sim::here_site("TQue::AllocTensor", PIPE_S);
    return t;
  }
  template <typename T>
  void FreeTensor(LocalTensor<T>& tensor) {
    ascendpy_sim::BufDesc* d = sim_own(tensor, "FreeTensor");
    if (d->state == ascendpy_sim::BufState::ENQUE) {
      ascendpy_sim::fault("queue_protocol", ascendpy_sim::cat(sim_name(), "::FreeTensor: the tensor is still in the "
                                                                          "queue (EnQue'd but not DeQue'd)"));
    }
    d->state = ascendpy_sim::BufState::FREE;
    ++d->gen;
    if (ascendpy_sim::BlockState* st = ascendpy_sim::race_state()) {  // the consumer is done with it
      d->sync.freed = ascendpy_sim::snapshot(*st, ascendpy_sim::que_consumer(dst));
      d->sync.has_free = true;
    }
  }
  template <typename T>
  bool EnQue(const LocalTensor<T>& tensor) {
    ascendpy_sim::BufDesc* d = sim_own(tensor, "EnQue");
    if (d->state == ascendpy_sim::BufState::ENQUE) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::EnQue: the tensor is already in the queue"));
    }
    if (depth > 0 && sim_fifo_.size() >= static_cast<size_t>(depth)) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::EnQue: the queue already holds ", sim_fifo_.size(),
                                            " tensors, its depth is ", depth, "; DeQue before the next EnQue"));
    }
    d->state = ascendpy_sim::BufState::ENQUE;
    sim_fifo_.push_back(d);
    d->sync.enq_site = ascendpy_sim::here_site("TQue::EnQue", PIPE_S);
    if (ascendpy_sim::BlockState* st = ascendpy_sim::race_state()) {  // what the producer wrote so far
      d->sync.enq = ascendpy_sim::snapshot(*st, ascendpy_sim::que_producer(src));
      d->sync.has_enq = true;
    }
    return true;
  }
  // CANN 8.1 has only the returning forms of AllocTensor and DeQue (the in-place ones are 9.x, and
  // there only for depth-0 queues), so the simulator offers nothing else.
  template <typename T>
  LocalTensor<T> DeQue() {
    LocalTensor<T> t;
    sim_deque(t);
    return t;
  }

 private:
  template <typename T>
  void sim_deque(LocalTensor<T>& tensor) {
    ascendpy_sim::poll_cancel();
    if (sim_fifo_.empty()) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::DeQue: the queue is empty (no tensor was EnQue'd)"));
    }
    ascendpy_sim::BufDesc* d = sim_fifo_.front();
    sim_fifo_.pop_front();
    d->state = ascendpy_sim::BufState::DEQUE;
    sim_fill(tensor, d);
    ascendpy_sim::BlockState* st = ascendpy_sim::race_state();
    if (st && d->sync.has_enq) ascendpy_sim::learn(*st, ascendpy_sim::que_consumer(dst), d->sync.enq);
  }

 public:
  bool VacantInQue() { return depth <= 0 || sim_fifo_.size() < static_cast<size_t>(depth); }
  bool HasTensorInQue() { return !sim_fifo_.empty(); }
  int32_t GetTensorCountInQue() { return static_cast<int32_t>(sim_fifo_.size()); }
  bool HasIdleBuffer() {
    for (ascendpy_sim::BufDesc* d : sim_bufs_)
      if (d->owner == this && d->state == ascendpy_sim::BufState::FREE) return true;
    return false;
  }
  void FreeAllEvent() {}

  // ---- simulator internals ----
  static constexpr TPosition sim_pos = ascendpy_sim::buffer_pos<src, dst>();

  void sim_init(ascendpy_sim::PipeState* st, uint8_t num, uint32_t len) {
    ascendpy_sim::BufDesc* first =
        st->carve(sim_pos, num, len, this, "TQue",
                  ascendpy_sim::cat("TPipe::InitBuffer(", sim_name(), ", num=", num, ", len=", len, ")"));
    sim_bufs_.clear();
    sim_fifo_.clear();
    sim_cursor_ = 0;
    // carve() appended `num` consecutive deque entries starting at `first`.
    auto it = st->bufs.end() - num;
    (void)first;
    for (uint32_t i = 0; i < num; ++i, ++it) {
      it->depth = depth;
      sim_bufs_.push_back(&*it);
    }
  }
  std::string sim_name() const {
    return ascendpy_sim::cat("TQue<", ascendpy_sim::pos_name(sim_pos), ", ", depth, ">");
  }

 protected:
  template <typename T>
  void sim_fill(LocalTensor<T>& t, ascendpy_sim::BufDesc* d) const {
    t.sim_addr_ = reinterpret_cast<T*>(d->start);
    t.sim_size_ = static_cast<uint32_t>(d->len / sizeof(T));
    t.sim_buf_ = d;
    t.sim_gen_ = d->gen;
  }
  template <typename T>
  void sim_alloc(LocalTensor<T>& t) {
    ascendpy_sim::poll_cancel();
    if (sim_bufs_.empty() || sim_bufs_.front()->owner != this) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::AllocTensor: the queue has no buffers; call "
                                                        "TPipe::InitBuffer on it first"));
    }
    const size_t n = sim_bufs_.size();
    for (size_t k = 0; k < n; ++k) {
      ascendpy_sim::BufDesc* d = sim_bufs_[(sim_cursor_ + k) % n];
      if (d->state == ascendpy_sim::BufState::FREE) {
        sim_cursor_ = static_cast<uint32_t>((sim_cursor_ + k + 1) % n);
        d->state = ascendpy_sim::BufState::OCCUPIED;
        ++d->gen;
        sim_fill(t, d);
        ascendpy_sim::BlockState* st = ascendpy_sim::race_state();  // the last consumer is done with it
        if (st && d->sync.has_free) ascendpy_sim::learn(*st, ascendpy_sim::que_producer(src), d->sync.freed);
        return;
      }
    }
    ascendpy_sim::fault("queue_protocol",
                        ascendpy_sim::cat(sim_name(), "::AllocTensor: all ", n, " buffers are in use (allocated and "
                                                      "not yet freed); FreeTensor one before allocating again"));
  }
  template <typename T>
  ascendpy_sim::BufDesc* sim_own(const LocalTensor<T>& t, const char* what) const {
    ascendpy_sim::poll_cancel();
    ascendpy_sim::BufDesc* d = t.sim_buf_;
    if (!d || !t.sim_addr_) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::", what, ": the tensor was never allocated"));
    }
    if (d->owner != this) {
      ascendpy_sim::fault("queue_protocol",
                          ascendpy_sim::cat(sim_name(), "::", what, ": the tensor does not belong to this queue"));
    }
    if (d->state == ascendpy_sim::BufState::FREE || t.sim_gen_ != d->gen) {
      ascendpy_sim::fault("queue_protocol", ascendpy_sim::cat(sim_name(), "::", what,
                                                              ": the tensor was already freed (double FreeTensor "
                                                              "or use after FreeTensor)"));
    }
    return d;
  }

  std::vector<ascendpy_sim::BufDesc*> sim_bufs_;
  std::deque<ascendpy_sim::BufDesc*> sim_fifo_;
  uint32_t sim_cursor_ = 0;
};

template <TPosition pos, int32_t depth, auto mask = 0>
class TQue : public TQueBind<pos, pos, depth, mask> {
 public:
  TQue() = default;
};

template <TPosition pos = TPosition::LCM>
class TBuf {
 public:
  TBuf() = default;

  template <typename T>
  LocalTensor<T> Get() {
    sim_check("Get");
    return Get<T>(static_cast<uint32_t>(sim_buf_->len / sizeof(T)));
  }
  // len in elements.
  template <typename T>
  LocalTensor<T> Get(uint32_t len) {
    sim_check("Get");
    if (static_cast<uint64_t>(len) * sizeof(T) > sim_buf_->len) {
      ascendpy_sim::fault("local_out_of_bounds",
                          ascendpy_sim::cat("TBuf::Get(", len, ") asks for ", uint64_t(len) * sizeof(T),
                                            " bytes from a buffer of ", sim_buf_->len, " bytes"));
    }
    return sim_make<T>(sim_buf_->start, len);
  }
  // size in elements, bufOffset in bytes (32-byte aligned).
  template <typename T>
  LocalTensor<T> GetWithOffset(uint32_t size, uint32_t bufOffset) {
    sim_check("GetWithOffset");
    if (bufOffset % 32 != 0) {
      ascendpy_sim::fault("misaligned", ascendpy_sim::cat("TBuf::GetWithOffset: bufOffset ", bufOffset,
                                                          " bytes is not a multiple of 32"));
    }
    if (static_cast<uint64_t>(size) * sizeof(T) + bufOffset > sim_buf_->len) {
      ascendpy_sim::fault("local_out_of_bounds",
                          ascendpy_sim::cat("TBuf::GetWithOffset(", size, ", ", bufOffset, ") reaches byte ",
                                            uint64_t(size) * sizeof(T) + bufOffset, " of a buffer of ",
                                            sim_buf_->len, " bytes"));
    }
    return sim_make<T>(sim_buf_->start + bufOffset, size);
  }

  // ---- simulator internals ----
  static constexpr TPosition sim_pos = pos;
  ascendpy_sim::BufDesc* sim_buf_ = nullptr;

  void sim_init(ascendpy_sim::PipeState* st, uint32_t len) {
    sim_buf_ = st->carve(pos, 1, len, this, "TBuf",
                         ascendpy_sim::cat("TPipe::InitBuffer(TBuf<", ascendpy_sim::pos_name(pos), ">, len=", len,
                                           ")"));
    sim_buf_->state = ascendpy_sim::BufState::OCCUPIED;
  }

 private:
  void sim_check(const char* what) const {
    if (!sim_buf_ || sim_buf_->owner != this) {
      ascendpy_sim::fault("uninitialized_tensor",
                          ascendpy_sim::cat("TBuf::", what, ": the TBuf has no buffer; call TPipe::InitBuffer on it "
                                                            "first"));
    }
  }
  template <typename T>
  LocalTensor<T> sim_make(uint8_t* p, uint32_t size) const {
    LocalTensor<T> t;
    t.sim_addr_ = reinterpret_cast<T*>(p);
    t.sim_size_ = size;
    t.sim_buf_ = sim_buf_;
    t.sim_gen_ = sim_buf_->gen;
    return t;
  }
};

class TPipe {
 public:
  TPipe() : st_(new ascendpy_sim::PipeState) {
    ascendpy_sim::pipe_stack().push_back(this);
    for (ascendpy_sim::Arena& a : st_->arenas) a.shadow.block = ascendpy_sim::race_state();
  }
  ~TPipe() {
    st_->check_leaks();
    auto& s = ascendpy_sim::pipe_stack();
    for (size_t i = s.size(); i-- > 0;) {
      if (s[i] == this) {
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
  }
  TPipe(const TPipe&) = delete;
  TPipe& operator=(const TPipe&) = delete;

  // Releasing the buffers also counts as PipeBarrier<PIPE_ALL> for the race checker: memory handed
  // out again after a Reset is not reported against what the previous stage did with it.
  void Init() {
    ascendpy_sim::barrier_all();
    st_->release_all();
  }
  void Destroy() {
    ascendpy_sim::barrier_all();
    st_->release_all();
  }
  void Reset() {
    ascendpy_sim::barrier_all();
    st_->release_all();
  }

  // `num` buffers of `len` bytes (rounded up to 32) for a queue.
  template <class T>
  bool InitBuffer(T& que, uint8_t num, uint32_t len) {
    if (num == 0 || len == 0) {
      ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat("TPipe::InitBuffer(", que.sim_name(), ", num=", num,
                                                                ", len=", len, "): num and len must be positive"));
    }
    que.sim_init(st_.get(), num, static_cast<uint32_t>(ascendpy_sim::round_up(len, 32)));
    return true;
  }
  template <TPosition pos>
  bool InitBuffer(TBuf<pos>& buf, uint32_t len) {
    if (len == 0) {
      ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat("TPipe::InitBuffer(TBuf<", ascendpy_sim::pos_name(pos),
                                                                ">, len=0): len must be positive"));
    }
    buf.sim_init(st_.get(), static_cast<uint32_t>(ascendpy_sim::round_up(len, 32)));
    return true;
  }

  template <HardEvent evt>
  TEventID AllocEventID() {
    uint8_t& m = st_->events[static_cast<int>(evt)];
    for (int id = 0; id < QUE_MAX_EVENT; ++id) {
      if (!(m & (1u << id))) {
        m = static_cast<uint8_t>(m | (1u << id));
        return static_cast<TEventID>(id);
      }
    }
    ascendpy_sim::fault("bad_event_id", ascendpy_sim::cat("TPipe::AllocEventID<HardEvent::", ascendpy_sim::event_name(evt),
                                                          ">: all ", QUE_MAX_EVENT, " event ids are allocated"));
  }
  template <HardEvent evt>
  void ReleaseEventID(TEventID id) {
    uint8_t& m = st_->events[static_cast<int>(evt)];
    if (id < 0 || id >= QUE_MAX_EVENT || !(m & (1u << id))) {
      ascendpy_sim::fault("bad_event_id", ascendpy_sim::cat("TPipe::ReleaseEventID<HardEvent::",
                                                            ascendpy_sim::event_name(evt), ">(", int(id),
                                                            "): the id was not allocated with AllocEventID"));
    }
    m = static_cast<uint8_t>(m & ~(1u << id));
  }
  template <HardEvent evt>
  TEventID FetchEventID() {
    return FetchEventID(evt);
  }
  TEventID FetchEventID(HardEvent evt) {
    const uint8_t m = st_->events[static_cast<int>(evt)];
    for (int id = 0; id < QUE_MAX_EVENT; ++id)
      if (!(m & (1u << id))) return static_cast<TEventID>(id);
    ascendpy_sim::fault("bad_event_id", ascendpy_sim::cat("TPipe::FetchEventID(HardEvent::", ascendpy_sim::event_name(evt),
                                                          "): all ", QUE_MAX_EVENT, " event ids are allocated"));
  }

  // ---- simulator internals ----
  ascendpy_sim::PipeState* sim_state() const { return st_.get(); }

 private:
  std::unique_ptr<ascendpy_sim::PipeState> st_;
};

}  // namespace AscendC

// The most recently constructed TPipe still alive on this thread (nullptr if none). A global
// function, outside namespace AscendC, as in CANN (basic_api/interface/kernel_common.h).
inline AscendC::TPipe* GetTPipePtr() {
  auto& s = ascendpy_sim::pipe_stack();
  return s.empty() ? nullptr : s.back();
}

namespace ascendpy_sim {

// CANN 8.1's 310P code that stages through UB [TMP_UB_OFFSET, +8 KiB): TPipe buffers there would be overwritten.
__attribute__((noinline)) inline void tmp_ub_310p_scratch(const char* api) {
  constexpr uint64_t kTmp = 248u << 10;
  const AscendC::TPipe* pipe = ::GetTPipePtr();
  const PipeState* st = pipe ? pipe->sim_state() : nullptr;
  if (!st) return;
  const Arena& ub = st->arenas[static_cast<int>(Hw::UB)];
  if (ub.used > kTmp) {
    fault("ub_overflow", cat(api, " on ", soc_name(), " stages its data through Unified Buffer bytes [", kTmp, ", ",
                             kTmp + 8192, ") (CANN 8.1's TMP_UB_OFFSET), but this TPipe's UB buffers reach byte ",
                             ub.used, ": leave the last 8 KiB of UB free"));
  }
}

}  // namespace ascendpy_sim
