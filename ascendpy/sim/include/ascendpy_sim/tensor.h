// ascendpy simulator: GlobalTensor<T> and LocalTensor<T> (reference §1.3, §1.4).
#pragma once

#include <cstdint>
#include <cstring>

#include "core.h"
#include "fp16.h"
#include "race.h"
#include "types.h"

namespace ascendpy_sim {

// Physical memory behind a TPosition.
enum class Hw : uint8_t { UB, L1, L0A, L0B, L0C, COUNT };

inline const char* hw_name(Hw h) {
  switch (h) {
    case Hw::UB: return "Unified Buffer";
    case Hw::L1: return "L1 buffer";
    case Hw::L0A: return "L0A buffer";
    case Hw::L0B: return "L0B buffer";
    case Hw::L0C: return "L0C buffer";
    case Hw::COUNT: break;
  }
  return "?";
}

enum class BufState : uint8_t { FREE, OCCUPIED, ENQUE, DEQUE };

// One on-chip buffer handed out by TPipe::InitBuffer (owned by the TPipe).
struct BufDesc {
  uint8_t* start = nullptr;   // first byte
  uint32_t len = 0;           // bytes, a multiple of 32
  uint8_t* arena = nullptr;   // base of the on-chip memory it lives in (alignment is relative to it)
  Hw hw = Hw::UB;
  AscendC::TPosition pos = AscendC::TPosition::VECCALC;
  BufState state = BufState::FREE;
  uint32_t gen = 1;           // bumped on AllocTensor / FreeTensor / TPipe::Reset: stale tensors are detected
  const void* owner = nullptr;
  const char* owner_kind = "";  // "TQue" / "TBuf"
  int32_t depth = 0;            // TQue depth
  Shadow* shadow = nullptr;     // access history of the on-chip memory it lives in (race checker)
  QueSync sync;                 // TQue ordering snapshots and leak sites
};

// "TQue<VECIN, 2> buffer at Unified Buffer byte 1024" / "TBuf<VECCALC> at ..."
__attribute__((noinline, cold)) inline std::string buf_label(const BufDesc* b) {
  if (!b) return "an on-chip buffer";
  const uint64_t at = static_cast<uint64_t>(b->start - b->arena);
  if (std::strcmp(b->owner_kind, "TQue") == 0) {
    return cat("TQue<", pos_name(b->pos), ", ", b->depth, "> buffer at ", hw_name(b->hw), " byte ", at);
  }
  return cat(b->owner_kind, "<", pos_name(b->pos), "> at ", hw_name(b->hw), " byte ", at);
}

// The on-chip range [addr, addr + bytes) of `buf` accessed by op (race checker).
__attribute__((noinline)) inline void local_access_tracked(const OpRec& op, const BufDesc* buf, const void* addr,
                                                           uint64_t bytes, bool write) {
  if (!buf || !buf->shadow) return;
  const uint64_t lo = static_cast<uint64_t>(static_cast<const uint8_t*>(addr) - buf->arena);
  Conflict c;
  if (shadow_access(*op.st, *buf->shadow, op, lo, lo + bytes, write, &c)) {
    const uint64_t b0 = static_cast<uint64_t>(buf->start - buf->arena);
    std::string mem = c.lo >= b0 && c.hi <= b0 + buf->len
                          ? cat("bytes [", c.lo - b0, ", ", c.hi - b0, ") of the ", buf_label(buf))
                          : cat(hw_name(buf->hw), " bytes [", c.lo, ", ", c.hi, ")");
    race_fault(op, write, c, mem);
  }
}
inline void local_access(const OpRec& op, const BufDesc* buf, const void* addr, uint64_t bytes, bool write) {
  if (op.st && bytes) local_access_tracked(op, buf, addr, bytes, write);
}

// Bytes from addr to the end of buf (0 if addr is outside it).
inline uint64_t room_bytes(const void* addr, const BufDesc* buf) {
  if (!buf) return 0;
  const uint8_t* end = buf->start + buf->len;
  const uint8_t* p = static_cast<const uint8_t*>(addr);
  return p >= buf->start && p <= end ? static_cast<uint64_t>(end - p) : 0;
}

// Faults unless (addr, buf, gen) names a live buffer. Out of line and not a
// template: every API calls it, and kernels should compile quickly.
__attribute__((noinline)) inline void check_live(const void* addr, const BufDesc* buf, uint32_t gen,
                                                 const char* what) {
  if (!buf || !addr) {
    fault("uninitialized_tensor",
          cat(what, ": LocalTensor was never allocated (use TQue::AllocTensor, TQue::DeQue or TBuf::Get)"));
  }
  if (buf->state == BufState::FREE || gen != buf->gen) {
    fault("queue_protocol", cat(what, ": LocalTensor used after its buffer was released (FreeTensor or "
                                      "TPipe::Reset); allocate it again"));
  }
}

// Checks an on-chip operand covering `bytes` bytes from addr: live, `align`-byte
// aligned relative to its on-chip memory, inside its buffer, and (need_ub) in
// the Unified Buffer.
__attribute__((noinline)) inline void check_range(const void* addr, const BufDesc* buf, uint32_t gen, uint64_t bytes,
                                                  const char* op, const char* role, uint64_t align, bool need_ub) {
  check_live(addr, buf, gen, op);
  if (need_ub && buf->hw != Hw::UB) {
    fault("bad_position", cat(op, ": ", role, " is a TPosition::", pos_name(buf->pos), " tensor in the ",
                              hw_name(buf->hw), "; vector instructions work on the Unified Buffer"));
  }
  const uint64_t off = static_cast<uint64_t>(static_cast<const uint8_t*>(addr) - buf->arena);
  if (off % align != 0) {
    fault("misaligned", cat(op, ": ", role, " LocalTensor starts at byte ", off, " of the ", hw_name(buf->hw),
                            ", which is not ", align, "-byte aligned"));
  }
  const uint64_t room = room_bytes(addr, buf);
  if (bytes > room) {
    fault("local_out_of_bounds", cat(op, ": ", role, " LocalTensor range of ", bytes, " bytes exceeds the ", room,
                                     " bytes from its start to the end of its buffer"));
  }
}

__attribute__((noinline)) inline void check_elem(const void* addr, const BufDesc* buf, uint32_t gen, uint32_t index,
                                                 uint32_t size, uint64_t elem_bytes, const char* what) {
  check_live(addr, buf, gen, what);
  if (index >= size || (static_cast<uint64_t>(index) + 1) * elem_bytes > room_bytes(addr, buf)) {
    fault("local_out_of_bounds",
          cat("LocalTensor::", what, " index ", index, " is out of range for a tensor of ", size, " elements"));
  }
}

template <typename T>
inline T load(const T* p, uint64_t i) {
  T v;
  std::memcpy(static_cast<void*>(&v), static_cast<const void*>(p + i), sizeof(T));
  return v;
}
template <typename T>
inline void store(T* p, uint64_t i, const T& v) {
  std::memcpy(static_cast<void*>(p + i), static_cast<const void*>(&v), sizeof(T));
}


// Explains an access outside the device allocation a GlobalTensor's pointer came from.
[[noreturn]] __attribute__((noinline, cold)) inline void gm_fault(int state, uint64_t base, uint64_t size,
                                                                   uint64_t tensor, uint64_t addr, uint64_t bytes,
                                                                   uint64_t elem, bool write, const char* op) {
  // operator() hands out a reference: the simulator cannot tell a read from a write there.
  const char* verb = std::strstr(op, "operator()") ? "accesses" : write ? "writes" : "reads";
  if (state == 0) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(tensor));
    fault("not_device_memory", cat(op, " ", verb, " ", bytes, " bytes through a GlobalTensor whose pointer (", hex,
                                   ") is in no device allocation: pass SetGlobalBuffer a pointer from "
                                   "aclrtMalloc (a kernel argument)"));
  }
  const int64_t off = static_cast<int64_t>(addr - base);
  const int64_t first = off >= 0 ? off / static_cast<int64_t>(elem) : -((-off + static_cast<int64_t>(elem) - 1) /
                                                                         static_cast<int64_t>(elem));
  const int64_t last = first + static_cast<int64_t>((bytes + elem - 1) / elem) - 1;
  const uint64_t n = size / elem;
  if (state == 2) {
    fault("freed_memory", cat(op, " ", verb, " element ", first, " of a ", size, "-byte device allocation that "
                              "was freed before the kernel ran (use after free)"));
  }
  // A view the launch was given as an argument (state 1) or the nearest one (state 3): name it.
  __ascendpy_sim_gm_extent_t ext;
  __ascendpy_sim_gm_extent(reinterpret_cast<const void*>(static_cast<uintptr_t>(state == 3 ? tensor : base)), &ext);
  const bool view = ext.arg >= 0 && ext.base == base && ext.size == size &&
                    (ext.base != ext.alloc_base || ext.size != ext.alloc_size);
  const std::string which = ext.args > 1 ? cat("kernel argument ", ext.arg, " and ", ext.args - 1,
                                               " overlapping one(s), merged")
                                         : cat("kernel argument ", ext.arg);
  const std::string where = cat("bytes [", base - ext.alloc_base, ", ", base - ext.alloc_base + size, ") of a ",
                                ext.alloc_size, "-byte device allocation");
  if (state == 3) {
    fault("global_out_of_bounds",
          cat(op, " ", verb, " ", bytes, " bytes at byte offset ", static_cast<int64_t>(addr - ext.alloc_base),
              " of a ", ext.alloc_size, "-byte device allocation through a pointer outside every view of it this "
              "launch was given (", which, " is the ", size, "-byte view of ", where,
              "): a kernel may only access the elements of the buffers and views it is passed"));
  }
  if (view) {
    fault("global_out_of_bounds",
          cat(op, " ", verb, " elements [", first, ", ", last, "] (", bytes, " bytes at byte offset ", off, ") of a ",
              size, "-byte view holding ", n, " elements of ", elem, " bytes: valid indices are [0, ", n, "); the view (",
              which, ") is ", where));
  }
  fault("global_out_of_bounds",
        cat(op, " ", verb, " elements [", first, ", ", last, "] (", bytes, " bytes at byte offset ", off, ") of a ",
            size, "-byte device allocation holding ", n, " elements of ", elem, " bytes: valid indices are [0, ", n,
            ")"));
}
}  // namespace ascendpy_sim

namespace AscendC {

template <typename T>
class LocalTensor {
 public:
  using PrimType = T;

  LocalTensor() = default;

  PrimType GetValue(const uint32_t index) const {
    sim_check_elem(index, "GetValue");
    ascendpy_sim::scalar_sync(sim_buf_->shadow, sim_buf_->arena, sim_addr_ + index, sizeof(T), false);
    return ascendpy_sim::load(sim_addr_, index);
  }
  __ubuf__ PrimType& operator()(const uint32_t offset) const {
    sim_check_elem(offset, "operator()");
    ascendpy_sim::scalar_sync(sim_buf_->shadow, sim_buf_->arena, sim_addr_ + offset, sizeof(T), true);
    return sim_addr_[offset];
  }
  template <typename S>
  void SetValue(const uint32_t index, const S value) const {
    sim_check_elem(index, "SetValue");
    ascendpy_sim::scalar_sync(sim_buf_->shadow, sim_buf_->arena, sim_addr_ + index, sizeof(T), true);
    ascendpy_sim::store(sim_addr_, index, static_cast<PrimType>(value));
  }
  // Sub-view starting `offset` elements further.
  LocalTensor operator[](const uint32_t offset) const {
    LocalTensor t = *this;
    t.sim_addr_ = sim_addr_ + offset;
    t.sim_size_ = offset < sim_size_ ? sim_size_ - offset : 0;
    return t;
  }
  template <typename U>
  LocalTensor<U> ReinterpretCast() const {
    LocalTensor<U> t;
    t.sim_addr_ = reinterpret_cast<U*>(sim_addr_);
    t.sim_size_ = static_cast<uint32_t>(static_cast<uint64_t>(sim_size_) * sizeof(T) / sizeof(U));
    t.sim_buf_ = sim_buf_;
    t.sim_gen_ = sim_gen_;
    return t;
  }
  // On the device this is the UB byte address; here it is the host address of
  // the simulated buffer, so casting it to a pointer works and differences /
  // 32-byte alignment are preserved (the arena is 64-byte aligned).
  uint64_t GetPhyAddr() const { return reinterpret_cast<uint64_t>(sim_addr_); }
  uint64_t GetPhyAddr(const uint32_t offset) const { return reinterpret_cast<uint64_t>(sim_addr_ + offset); }
  int32_t GetPosition() const { return sim_buf_ ? static_cast<int32_t>(sim_buf_->pos) : 0; }
  void SetSize(const uint32_t size) {
    const uint64_t room = sim_room_bytes();
    if (sim_buf_ && static_cast<uint64_t>(size) * sizeof(T) > room) {
      ascendpy_sim::fault("local_out_of_bounds",
                          ascendpy_sim::cat("LocalTensor::SetSize(", size, ") needs ", uint64_t(size) * sizeof(T),
                                            " bytes but only ", room, " bytes of the buffer remain"));
    }
    sim_size_ = size;
  }
  uint32_t GetSize() const { return sim_size_; }
  uint32_t GetLength() const { return static_cast<uint32_t>(sim_size_ * sizeof(T)); }  // deprecated in CANN: bytes
  void SetBufferLen(uint32_t dataLen) { SetSize(static_cast<uint32_t>(dataLen / sizeof(T))); }

  // ---- simulator state (not AscendC API) ----
  T* sim_addr_ = nullptr;
  uint32_t sim_size_ = 0;  // elements
  ascendpy_sim::BufDesc* sim_buf_ = nullptr;
  uint32_t sim_gen_ = 0;

  uint64_t sim_room_bytes() const { return ascendpy_sim::room_bytes(sim_addr_, sim_buf_); }
  void sim_check_live(const char* what) const { ascendpy_sim::check_live(sim_addr_, sim_buf_, sim_gen_, what); }
  void sim_check_elem(uint32_t index, const char* what) const {
    ascendpy_sim::poll_cancel();
    const ascendpy_sim::BufDesc* b = sim_buf_;
    if (b && sim_addr_ && sim_gen_ == b->gen && b->state != ascendpy_sim::BufState::FREE && index < sim_size_ &&
        reinterpret_cast<const uint8_t*>(sim_addr_ + index + 1) <= b->start + b->len &&
        reinterpret_cast<const uint8_t*>(sim_addr_) >= b->start) {
      return;  // fast path
    }
    ascendpy_sim::check_elem(sim_addr_, sim_buf_, sim_gen_, index, sim_size_, sizeof(T), what);
  }
};

template <typename T>
class GlobalTensor {
 public:
  using PrimType = T;

  GlobalTensor() = default;

  void SetGlobalBuffer(__gm__ PrimType* buffer, uint64_t bufferSize) {
    address_ = buffer;
    bufferSize_ = bufferSize;
    sim_origin();
  }
  void SetGlobalBuffer(__gm__ PrimType* buffer) {
    address_ = buffer;
    bufferSize_ = 0;
    sim_origin();
  }
  const __gm__ PrimType* GetPhyAddr() const { return address_; }
  __gm__ PrimType* GetPhyAddr(const uint64_t offset) const { return address_ + offset; }

  PrimType GetValue(const uint64_t offset) const {
    sim_check("GetValue");
    sim_access(address_ + offset, sizeof(T), false, "GlobalTensor::GetValue", true);
    ascendpy_sim::scalar_sync_gm(address_ + offset, sizeof(T), false);
    return ascendpy_sim::load(address_, offset);
  }
  __gm__ PrimType& operator()(const uint64_t offset) const {
    sim_check("operator()");
    sim_access(address_ + offset, sizeof(T), true, "GlobalTensor::operator()", true);
    ascendpy_sim::scalar_sync_gm(address_ + offset, sizeof(T), true);
    return address_[offset];
  }
  void SetValue(const uint64_t offset, PrimType value) {
    sim_check("SetValue");
    sim_access(address_ + offset, sizeof(T), true, "GlobalTensor::SetValue", true);
    ascendpy_sim::scalar_sync_gm(address_ + offset, sizeof(T), true);
    ascendpy_sim::store(address_, offset, value);
  }
  uint64_t GetSize() const { return bufferSize_; }
  GlobalTensor operator[](const uint64_t offset) const {
    GlobalTensor t = *this;
    t.address_ = address_ + offset;
    t.bufferSize_ = bufferSize_ > offset ? bufferSize_ - offset : 0;
    return t;
  }

  // Public data members, as in CANN (kernels read address_ directly).
  __gm__ PrimType* address_ = nullptr;
  uint64_t bufferSize_ = 0;  // elements

  // The global memory the pointer may reach (views and casts keep it): the kernel argument region
  // it lies in (a view passed to the launch is its own region), else its device allocation. Every
  // access is checked against it, so running off the end into a neighbour is caught too.
  uint64_t sim_base_ = 0;
  uint64_t sim_bytes_ = 0;
  int sim_state_ = 0;  // 1 live, 2 freed allocation, 0 not device memory, 3 outside the launch's views

  void sim_origin() {
    __ascendpy_sim_gm_extent_t ext;
    __ascendpy_sim_gm_extent(address_, &ext);  // the view the launch was given, or the whole allocation
    sim_base_ = ext.base;
    sim_bytes_ = ext.size;
    sim_state_ = ext.state;
  }
  // Checks `bytes` at `p` (a scalar access when `scalar`, else a DMA range) against the allocation.
  void sim_access(const void* p, uint64_t bytes, bool write, const char* op, bool scalar) const {
    if (scalar && __ascendpy_sim_fast()) return;
    const uint64_t a = reinterpret_cast<uint64_t>(p);
    if (sim_state_ == 1 && a >= sim_base_ && a + bytes <= sim_base_ + sim_bytes_) return;
    ascendpy_sim::gm_fault(sim_state_, sim_base_, sim_bytes_, reinterpret_cast<uint64_t>(address_), a, bytes,
                           sizeof(T), write, op);
  }

  void sim_check(const char* what) const {
    ascendpy_sim::poll_cancel();
    if (!address_) {
      ascendpy_sim::fault("uninitialized_tensor",
                          ascendpy_sim::cat("GlobalTensor::", what, ": SetGlobalBuffer was never called"));
    }
  }
};

}  // namespace AscendC
