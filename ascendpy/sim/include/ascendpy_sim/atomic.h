// ascendpy simulator: the store-atomic mode of a core (CANN 8.1 kernel_operator_set_atomic_intf.h):
// SetAtomicAdd<T>() / SetAtomicMax<T>() / SetAtomicMin<T>() / SetAtomicType<T>() / SetAtomicNone().
//
// The mode is a register of each core (dav_c220 / dav_m200 set_atomic_*): while it is on, every DMA from
// on-chip memory to GM of that core (DataCopy and DataCopyPad out, MTE3) combines each element with what GM
// holds, in the atomic type, instead of overwriting it; other cores' combining stores to the same bytes are
// atomic with respect to it (the simulator serialises them under one process-wide lock,
// __ascendpy_sim_atomic_lock). The mode is sampled when the copy is issued, so
// `SetAtomicAdd<float>(); DataCopy(gm, ub, n); SetAtomicNone();` adds, as CANN's own DataCopyWithReduce
// relies on. Scalar GM stores (GlobalTensor::SetValue) never combine.
//
// Types (8.1 impls): 910B (dav_c220) half, float, int16_t, int32_t, int8_t, bfloat16_t for add, max, min and
// SetAtomicType; 310P (dav_m200) SetAtomicAdd / SetAtomicType on float, half, int16_t only, and no
// SetAtomicMax / SetAtomicMin. Anything else is `unsupported_on_soc`. Numerics: float types add as IEEE
// (each element rounded once to the atomic type: inf/nan as IEEE, the INF/NAN mode of 原子操作边界值汇总),
// max/min propagate NaN; integer adds wrap (the documentation does not say; the simulator wraps).
//
// Faults: `atomic_left_on` when a block's kernel returns with the mode still on (reported at the line of the
// Set call that turned it on: the next kernel on that core would combine its stores); `invalid_argument`
// for a combining copy whose bytes are not whole elements of the atomic type.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core.h"
#include "fp16.h"

namespace ascendpy_sim {

enum class AtomicOp : uint8_t { kNone, kAdd, kMax, kMin };
enum class AtomicType : uint8_t { kF32, kF16, kS16, kS32, kS8, kBF16, kUnset };

struct AtomicReg {
  AtomicOp op = AtomicOp::kNone;
  AtomicType type = AtomicType::kUnset;
  const char* api = "";        // the Set call that turned the mode on
  const char* type_name = "";
  void* frames[KernelFault::kMaxFrames] = {};
  int nframes = 0;
};

// The register of the core running on this thread (hidden: not a STB_GNU_UNIQUE symbol).
__attribute__((visibility("hidden"))) inline AtomicReg& atomic_reg() {
  static thread_local AtomicReg r;
  return r;
}

template <typename T>
constexpr AtomicType atomic_type_of() {
  if constexpr (std::is_same<T, float>::value) return AtomicType::kF32;
  if constexpr (std::is_same<T, half>::value) return AtomicType::kF16;
  if constexpr (std::is_same<T, int16_t>::value) return AtomicType::kS16;
  if constexpr (std::is_same<T, int32_t>::value) return AtomicType::kS32;
  if constexpr (std::is_same<T, int8_t>::value) return AtomicType::kS8;
  if constexpr (std::is_same<T, bfloat16_t>::value) return AtomicType::kBF16;
  return AtomicType::kUnset;
}

template <typename T>
constexpr const char* atomic_type_name() {
  if constexpr (std::is_same<T, float>::value) return "float";
  if constexpr (std::is_same<T, half>::value) return "half";
  if constexpr (std::is_same<T, int16_t>::value) return "int16_t";
  if constexpr (std::is_same<T, int32_t>::value) return "int32_t";
  if constexpr (std::is_same<T, int8_t>::value) return "int8_t";
  if constexpr (std::is_same<T, bfloat16_t>::value) return "bfloat16_t";
  if constexpr (std::is_same<T, uint8_t>::value) return "uint8_t";
  if constexpr (std::is_same<T, uint16_t>::value) return "uint16_t";
  if constexpr (std::is_same<T, uint32_t>::value) return "uint32_t";
  if constexpr (std::is_same<T, int64_t>::value) return "int64_t";
  if constexpr (std::is_same<T, uint64_t>::value) return "uint64_t";
  return "this type";
}

inline uint32_t atomic_type_size(AtomicType t) {
  switch (t) {
    case AtomicType::kF32: case AtomicType::kS32: return 4;
    case AtomicType::kF16: case AtomicType::kS16: case AtomicType::kBF16: return 2;
    case AtomicType::kS8: return 1;
    default: return 0;
  }
}

// Whether the simulated SoC's 8.1 impl has `op` on `t` (see the header comment).
inline bool atomic_supported(AtomicOp op, AtomicType t) {
  if (t == AtomicType::kUnset) return false;
  if (!soc_is_310p()) return true;
  return op != AtomicOp::kMax && op != AtomicOp::kMin &&
         (t == AtomicType::kF32 || t == AtomicType::kF16 || t == AtomicType::kS16);
}

template <typename T>
__attribute__((noinline)) inline void set_atomic(AtomicOp op, const char* api) {
  poll_cancel();
  if (soc_is_310p() && (op == AtomicOp::kMax || op == AtomicOp::kMin)) {
    fault("unsupported_on_soc", cat(api, " is not available on ", soc_name(), " (CANN 8.1's dav_m200 reports it "
                                    "unsupported): 310P's store atomics only add"));
  }
  constexpr AtomicType t = atomic_type_of<T>();
  if (!atomic_supported(op == AtomicOp::kNone ? AtomicOp::kAdd : op, t)) {
    fault("unsupported_on_soc",
          cat(api, "<", atomic_type_name<T>(), "> is not available on ", soc_name(), ": CANN 8.1 has store atomics "
              "there on ", soc_is_310p() ? "float, half and int16_t" : "half, float, int16_t, int32_t, int8_t and "
              "bfloat16_t", " only"));
  }
  AtomicReg& r = atomic_reg();
  r.type = t;
  r.type_name = atomic_type_name<T>();
  if (op == AtomicOp::kNone) return;  // SetAtomicType: the type only
  r.op = op;
  r.api = api;
  r.nframes = backtrace(r.frames, KernelFault::kMaxFrames);
}

template <typename E>
inline E atomic_combine_float(AtomicOp op, E a, E b) {
  const float x = static_cast<float>(a), y = static_cast<float>(b);
  if (op == AtomicOp::kAdd) return E(x + y);  // a sum of two halves (bf16s) is exact enough in float: one rounding
  if (std::isnan(x) || std::isnan(y)) return E(std::nanf(""));
  if (op == AtomicOp::kMax) return y > x ? b : a;
  return y < x ? b : a;
}

template <typename I>
inline I atomic_combine_int(AtomicOp op, I a, I b) {
  using U = typename std::make_unsigned<I>::type;
  if (op == AtomicOp::kAdd) return static_cast<I>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  if (op == AtomicOp::kMax) return b > a ? b : a;
  return b < a ? b : a;
}

template <typename E>
inline void atomic_elems(AtomicOp op, uint8_t* d, const uint8_t* s, uint64_t bytes) {
  for (uint64_t i = 0; i + sizeof(E) <= bytes; i += sizeof(E)) {
    E a, b;
    std::memcpy(static_cast<void*>(&a), d + i, sizeof(E));
    std::memcpy(static_cast<void*>(&b), s + i, sizeof(E));
    E c;
    if constexpr (std::is_integral<E>::value) {
      c = atomic_combine_int<E>(op, a, b);
    } else {
      c = atomic_combine_float<E>(op, a, b);
    }
    std::memcpy(d + i, static_cast<const void*>(&c), sizeof(E));
  }
}

// The DMA-out hook of data_copy.h: `blocks` bursts of `block_bytes` from src (every `src_pitch` bytes) to dst
// (every `dst_pitch`). Returns false when the mode is off (the caller copies); otherwise combines and returns true.
__attribute__((noinline)) inline bool atomic_store(uint8_t* dst, const uint8_t* src, uint64_t blocks,
                                                   uint64_t block_bytes, uint64_t src_pitch, uint64_t dst_pitch,
                                                   const char* op) {
  const AtomicReg& r = atomic_reg();
  if (__builtin_expect(r.op == AtomicOp::kNone, 1)) return false;
  const uint32_t es = atomic_type_size(r.type);
  if (es == 0 || block_bytes % es != 0 || reinterpret_cast<uintptr_t>(dst) % es != 0) {
    fault("invalid_argument", cat(op, " to global memory while ", r.api, "<", r.type_name, "> is on moves bursts of ",
                                  block_bytes, " bytes, which are not whole ", r.type_name, " elements: the DMA "
                                  "combines elements of the atomic type"));
  }
  __ascendpy_sim_atomic_lock();
  for (uint64_t b = 0; b < blocks; ++b) {
    uint8_t* d = dst + b * dst_pitch;
    const uint8_t* s = src + b * src_pitch;
    switch (r.type) {
      case AtomicType::kF32: atomic_elems<float>(r.op, d, s, block_bytes); break;
      case AtomicType::kF16: atomic_elems<half>(r.op, d, s, block_bytes); break;
      case AtomicType::kBF16: atomic_elems<bfloat16_t>(r.op, d, s, block_bytes); break;
      case AtomicType::kS32: atomic_elems<int32_t>(r.op, d, s, block_bytes); break;
      case AtomicType::kS16: atomic_elems<int16_t>(r.op, d, s, block_bytes); break;
      case AtomicType::kS8: atomic_elems<int8_t>(r.op, d, s, block_bytes); break;
      default: break;
    }
  }
  __ascendpy_sim_atomic_unlock();
  return true;
}

// The launch stub's scope: each block starts with the mode off; a block whose kernel returns with it on faults
// at the Set call that turned it on.
class AtomicScope {
 public:
  AtomicScope() { atomic_reg() = AtomicReg{}; }
  ~AtomicScope() { atomic_reg() = AtomicReg{}; }
  AtomicScope(const AtomicScope&) = delete;
  AtomicScope& operator=(const AtomicScope&) = delete;
  void finish() {
    AtomicReg& r = atomic_reg();
    if (r.op == AtomicOp::kNone) return;
    KernelFault f("atomic_left_on",
                  cat("the kernel returned with ", r.api, "<", r.type_name, "> still on: the atomic mode is a core "
                      "register that outlives the kernel, so the next kernel on this core would combine its stores "
                      "into global memory instead of writing them; call SetAtomicNone() after the last combining "
                      "copy"));
    for (int i = 0; i < r.nframes; ++i) f.frames[i] = r.frames[i];
    f.nframes = r.nframes;
    r = AtomicReg{};
    throw f;
  }
};

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T>
inline void SetAtomicAdd() {
  ascendpy_sim::set_atomic<T>(ascendpy_sim::AtomicOp::kAdd, "SetAtomicAdd");
}

template <typename T>
inline void SetAtomicMax() {
  ascendpy_sim::set_atomic<T>(ascendpy_sim::AtomicOp::kMax, "SetAtomicMax");
}

template <typename T>
inline void SetAtomicMin() {
  ascendpy_sim::set_atomic<T>(ascendpy_sim::AtomicOp::kMin, "SetAtomicMin");
}

template <typename T>
inline void SetAtomicType() {
  ascendpy_sim::set_atomic<T>(ascendpy_sim::AtomicOp::kNone, "SetAtomicType");
}

inline void SetAtomicNone() {
  ascendpy_sim::poll_cancel();
  ascendpy_sim::atomic_reg().op = ascendpy_sim::AtomicOp::kNone;
}

}  // namespace AscendC
