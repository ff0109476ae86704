// ascendpy simulator: the "level 0" vector forms (a mask, repeatTimes and repeat strides), the per-repeat and
// per-DataBlock sums WholeReduceSum / BlockReduceSum, and the level-2 forms with isSetMask = false.
//
// Signatures, parameter structs and defaults are CANN 8.1's (basic_api interface/kernel_operator_vec_*_intf.h,
// kernel_struct_binary.h, kernel_struct_unary.h; unchanged in 9.x, where WholeReduceSum / BlockReduceSum are
// kept as deprecated names of ReduceRepeat / ReduceDataBlock); every one exists for 910B (dav-c220) and 310P
// (dav-m200) in both generations.
//
// Addressing. A repeat covers 8 DataBlocks of 32 bytes (256 / sizeof(T) lanes, 32 / sizeof(T) per block).
// Lane j of repeat r of an operand with block stride B and repeat stride R (both in 32-byte blocks) is at byte
//   r * R * 32 + (j / (32 / sizeof(T))) * B * 32 + (j % (32 / sizeof(T))) * sizeof(T)
// from the operand's start. Which lanes run is the mask register's business (mask.h): normal mode, the same
// lanes in each of repeatTimes repeats; counter mode, the first `count` elements in repeats of 256 bytes.
// Lanes that do not run are neither read nor written. A repeat reads all of its lanes before it writes any.
//
// WholeReduceSum writes one value per repeat, the sum of its active lanes, at dst + r * dstRepStride elements.
// BlockReduceSum writes one value per DataBlock, at dst + (r * dstRepStride * 8 + block) elements (its
// dstRepStride unit is 8 elements: 16 bytes of half, 32 of float). Both sum by the pairwise tree of ReduceSum
// (vec.h), inactive lanes counting as 0, half partial sums saturating at +-65504. A repeat (WholeReduceSum) or
// DataBlock (BlockReduceSum) with no active lane is not written on 910B (documented); 310P's documentation does
// not say what it writes there, so a simulated 310P writes a quiet NaN there (a kernel that reads it shows it).
//
// Checks (KernelFault): operands live Unified Buffer tensors, the sources and elementwise destinations 32-byte
// aligned, WholeReduceSum's dst element-aligned, BlockReduceSum's 8-element aligned; every byte an active lane
// touches inside the operand's buffer; repeatTimes in [0, 255] and strides in [0, 65535] for the reductions;
// a negative continuous mask; in counter mode a count larger than the Unified Buffer holds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "core.h"
#include "mask.h"
#include "tensor.h"
#include "types.h"
#include "vec.h"

namespace AscendC {

// impl/utils/kernel_utils_constants.h
const int32_t DEFAULT_BLK_NUM = 8;

// interface/kernel_struct_binary.h
struct BinaryRepeatParams {
  BinaryRepeatParams() {}

  BinaryRepeatParams(const uint8_t dstBlkStrideIn, const uint8_t src0BlkStrideIn, const uint8_t src1BlkStrideIn,
                     const uint8_t dstRepStrideIn, const uint8_t src0RepStrideIn, const uint8_t src1RepStrideIn)
      : dstBlkStride(dstBlkStrideIn),
        src0BlkStride(src0BlkStrideIn),
        src1BlkStride(src1BlkStrideIn),
        dstRepStride(dstRepStrideIn),
        src0RepStride(src0RepStrideIn),
        src1RepStride(src1RepStrideIn) {}

  uint32_t blockNumber = DEFAULT_BLK_NUM;
  uint8_t dstBlkStride = DEFAULT_BLK_STRIDE;
  uint8_t src0BlkStride = DEFAULT_BLK_STRIDE;
  uint8_t src1BlkStride = DEFAULT_BLK_STRIDE;
  uint8_t dstRepStride = DEFAULT_REPEAT_STRIDE;
  uint8_t src0RepStride = DEFAULT_REPEAT_STRIDE;
  uint8_t src1RepStride = DEFAULT_REPEAT_STRIDE;
  bool repeatStrideMode = false;
  bool strideSizeMode = false;
};

// interface/kernel_struct_unary.h
struct UnaryRepeatParams {
  UnaryRepeatParams() {}

  UnaryRepeatParams(const uint16_t dstBlkStrideIn, const uint16_t srcBlkStrideIn, const uint8_t dstRepStrideIn,
                    const uint8_t srcRepStrideIn)
      : dstBlkStride(dstBlkStrideIn),
        srcBlkStride(srcBlkStrideIn),
        dstRepStride(dstRepStrideIn),
        srcRepStride(srcRepStrideIn) {}

  UnaryRepeatParams(const uint16_t dstBlkStrideIn, const uint16_t srcBlkStrideIn, const uint8_t dstRepStrideIn,
                    const uint8_t srcRepStrideIn, const bool halfBlockIn)
      : dstBlkStride(dstBlkStrideIn),
        srcBlkStride(srcBlkStrideIn),
        dstRepStride(dstRepStrideIn),
        srcRepStride(srcRepStrideIn),
        halfBlock(halfBlockIn) {}

  uint32_t blockNumber = DEFAULT_BLK_NUM;
  uint16_t dstBlkStride = DEFAULT_BLK_STRIDE;
  uint16_t srcBlkStride = DEFAULT_BLK_STRIDE;
  uint8_t dstRepStride = DEFAULT_REPEAT_STRIDE;
  uint8_t srcRepStride = DEFAULT_REPEAT_STRIDE;
  bool repeatStrideMode = false;
  bool strideSizeMode = false;
  bool halfBlock = false;
};

}  // namespace AscendC

namespace ascendpy_sim {

// The lanes one instruction runs, read from the mask register when it issues.
template <typename T>
struct Lanes {
  static constexpr uint64_t kLanes = 256 / sizeof(T);    // per repeat
  static constexpr uint64_t kPerBlock = 32 / sizeof(T);  // per DataBlock
  uint64_t repeats = 0;
  bool counter = false;
  uint64_t count = 0;      // counter mode: elements
  uint64_t hi = 0, lo = 0;  // normal mode: lane j <- bit j (16-bit types use both words, 32-bit types lo only)
  bool on(uint64_t r, uint64_t j) const {
    if (counter) return r * kLanes + j < count;
    return ((j < 64 ? lo >> j : hi >> (j - 64)) & 1u) != 0;
  }
};

// `set_by_call`: the call wrote the register from its own mask argument (isSetMask = true).
template <typename T>
inline Lanes<T> lanes_now(uint64_t repeat_times, const char* op, bool set_by_call) {
  const VecMaskReg& m = vmask();
  if (m.undefined_by && !set_by_call) {
    fault("invalid_argument", cat(op, " with isSetMask = false uses the mask register, which ", m.undefined_by,
                                  " left undefined: set it with SetVectorMask (or ResetMask) after ", m.undefined_by));
  }
  Lanes<T> l;
  l.counter = m.counter;
  if (!m.counter) {
    l.repeats = repeat_times;
    l.lo = m.lo;
    l.hi = sizeof(T) == 2 ? m.hi : 0;
    return l;
  }
  const uint64_t cap = __ascendpy_sim_ub_bytes() / sizeof(T);
  if (m.lo > cap) {
    fault("invalid_argument",
          cat(op, ": in counter mode (SetMaskCount) the mask register is an element count, and it holds ", m.lo,
              ", more elements of ", sizeof(T), " bytes than the ", cap * sizeof(T), "-byte Unified Buffer holds",
              set_by_call ? " (this call wrote it from its own mask argument: in counter mode call it with "
                            "isSetMask = false after SetVectorMask<T, MaskMode::COUNTER>(0, n))"
                          : ": set it with SetVectorMask<T, MaskMode::COUNTER>(0, n), or call SetMaskNorm()"));
  }
  l.count = m.lo;
  l.repeats = (m.lo + Lanes<T>::kLanes - 1) / Lanes<T>::kLanes;
  return l;
}

// Sets the register from a level-0 call's mask argument (a bit mask when `bits`, else the continuous `cont`).
template <typename T, bool isSetMask>
inline Lanes<T> call_lanes(const uint64_t* bits, uint64_t cont, uint64_t repeat_times, const char* op) {
  if constexpr (isSetMask) {
    if (bits) {
      write_mask_reg(bits[1], bits[0]);
    } else {
      write_mask_len<T>(static_cast<int32_t>(cont), op);
    }
  }
  return lanes_now<T>(repeat_times, op, isSetMask);
}

// One operand: start, buffer, and the byte distance between DataBlocks of a repeat and between repeats.
struct Opnd {
  uint8_t* base = nullptr;
  const BufDesc* buf = nullptr;
  uint32_t gen = 0;
  uint64_t blk = 0, rep = 0;
};

template <typename T>
inline Opnd opnd(const AscendC::LocalTensor<T>& t, uint64_t blk_stride, uint64_t rep_stride) {
  Opnd o;
  o.base = reinterpret_cast<uint8_t*>(t.sim_addr_);
  o.buf = t.sim_buf_;
  o.gen = t.sim_gen_;
  o.blk = blk_stride * 32;
  o.rep = rep_stride * 32;
  return o;
}

template <typename T>
inline uint64_t lane_off(const Opnd& o, uint64_t r, uint64_t j) {
  constexpr uint64_t e = Lanes<T>::kPerBlock;
  return r * o.rep + (j / e) * o.blk + (j % e) * sizeof(T);
}

template <typename T>
inline T load_at(const uint8_t* p) {
  T v;
  std::memcpy(static_cast<void*>(&v), p, sizeof(T));
  return v;
}
template <typename T>
inline void store_at(uint8_t* p, const T& v) {
  std::memcpy(p, static_cast<const void*>(&v), sizeof(T));
}

// End of the active lanes of repeat r, in bytes from the repeat's start (0: none).
template <typename T>
inline uint64_t repeat_end(const Opnd& o, const Lanes<T>& l, uint64_t r) {
  uint64_t end = 0;
  for (uint64_t j = 0; j < Lanes<T>::kLanes; ++j)
    if (l.on(r, j)) end = std::max<uint64_t>(end, lane_off<T>(o, 0, j) + sizeof(T));
  return end;
}

// Bytes from the operand's start to the end of the last one an active lane touches. Normal mode repeats
// alike; in counter mode every repeat but the last is whole.
template <typename T>
inline uint64_t lanes_extent(const Opnd& o, const Lanes<T>& l) {
  if (l.repeats == 0) return 0;
  const uint64_t last = l.repeats - 1;
  const uint64_t tail = repeat_end(o, l, last);
  uint64_t ext = tail ? last * o.rep + tail : 0;
  if (l.counter && last > 0) ext = std::max(ext, (last - 1) * o.rep + repeat_end(o, l, 0));
  return ext;
}

template <typename T>
inline void check_lanes(const Opnd& o, const Lanes<T>& l, const char* op, const char* role) {
  check_range(o.base, o.buf, o.gen, lanes_extent(o, l), op, role, 32, true);
}

// Byte ranges for the race checker, adjacent ones merged.
class Runs {
 public:
  Runs(const OpRec& r, const Opnd& o, bool write) : r_(r), o_(o), write_(write) {}
  ~Runs() { flush(); }
  Runs(const Runs&) = delete;
  Runs& operator=(const Runs&) = delete;
  void add(uint64_t lo, uint64_t hi) {
    if (have_ && lo == hi_) {
      hi_ = hi;
      return;
    }
    flush();
    lo_ = lo;
    hi_ = hi;
    have_ = true;
  }
  void flush() {
    if (have_) local_access(r_, o_.buf, o_.base + lo_, hi_ - lo_, write_);
    have_ = false;
  }

 private:
  const OpRec& r_;
  const Opnd& o_;
  bool write_;
  bool have_ = false;
  uint64_t lo_ = 0, hi_ = 0;
};

// The active lanes' bytes, DataBlock by DataBlock (first to last active lane of each).
template <typename T>
inline void lanes_access(const OpRec& r, const Opnd& o, const Lanes<T>& l, bool write) {
  if (!r.st) return;
  constexpr uint64_t e = Lanes<T>::kPerBlock;
  Runs runs(r, o, write);
  for (uint64_t rr = 0; rr < l.repeats; ++rr) {
    for (uint64_t b = 0; b < 8; ++b) {
      uint64_t first = e, last = 0;
      for (uint64_t k = 0; k < e; ++k) {
        if (l.on(rr, b * e + k)) {
          first = std::min(first, k);
          last = k;
        }
      }
      if (first == e) continue;
      runs.add(lane_off<T>(o, rr, b * e + first), lane_off<T>(o, rr, b * e + last) + sizeof(T));
    }
  }
}

// dst lane <- value(repeat, lane) for every active lane, a repeat's values computed before it stores them.
template <typename T, typename G>
inline void lanes_store(const Opnd& d, const Lanes<T>& l, G value) {
  T out[Lanes<T>::kLanes];
  for (uint64_t rr = 0; rr < l.repeats; ++rr) {
    for (uint64_t j = 0; j < Lanes<T>::kLanes; ++j)
      if (l.on(rr, j)) out[j] = value(rr, j);
    for (uint64_t j = 0; j < Lanes<T>::kLanes; ++j)
      if (l.on(rr, j)) store_at(d.base + lane_off<T>(d, rr, j), out[j]);
  }
}

template <typename T, bool isSetMask, typename F>
inline void vec_binary0(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src0,
                        const AscendC::LocalTensor<T>& src1, const uint64_t* bits, uint64_t cont, uint8_t repeat,
                        const AscendC::BinaryRepeatParams& p, const char* op, F f) {
  const OpRec r = op_begin(PIPE_V, op);
  const Lanes<T> l = call_lanes<T, isSetMask>(bits, cont, repeat, op);
  const Opnd od = opnd(dst, p.dstBlkStride, p.dstRepStride);
  const Opnd o0 = opnd(src0, p.src0BlkStride, p.src0RepStride);
  const Opnd o1 = opnd(src1, p.src1BlkStride, p.src1RepStride);
  check_lanes(od, l, op, "dst");
  check_lanes(o0, l, op, "src0");
  check_lanes(o1, l, op, "src1");
  lanes_access(r, o0, l, false);
  lanes_access(r, o1, l, false);
  lanes_access(r, od, l, true);
  lanes_store(od, l, [&](uint64_t rr, uint64_t j) {
    return VT<T>::down(f(VT<T>::up(load_at<T>(o0.base + lane_off<T>(o0, rr, j))),
                         VT<T>::up(load_at<T>(o1.base + lane_off<T>(o1, rr, j)))));
  });
}

template <typename T, bool isSetMask, typename F>
inline void vec_unary0(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, const uint64_t* bits,
                       uint64_t cont, uint8_t repeat, const AscendC::UnaryRepeatParams& p, const char* op, F f) {
  const OpRec r = op_begin(PIPE_V, op);
  const Lanes<T> l = call_lanes<T, isSetMask>(bits, cont, repeat, op);
  const Opnd od = opnd(dst, p.dstBlkStride, p.dstRepStride);
  const Opnd os = opnd(src, p.srcBlkStride, p.srcRepStride);
  check_lanes(od, l, op, "dst");
  check_lanes(os, l, op, "src");
  lanes_access(r, os, l, false);
  lanes_access(r, od, l, true);
  lanes_store(od, l, [&](uint64_t rr, uint64_t j) {
    return VT<T>::down(f(VT<T>::up(load_at<T>(os.base + lane_off<T>(os, rr, j)))));
  });
}

template <typename T, bool isSetMask, typename F>
inline void vec_scalar0(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, const T& scalar,
                        const uint64_t* bits, uint64_t cont, uint8_t repeat, const AscendC::UnaryRepeatParams& p,
                        const char* op, F f) {
  const auto s = VT<T>::up(scalar);
  vec_unary0<T, isSetMask>(dst, src, bits, cont, repeat, p, op, [&](auto x) { return f(x, s); });
}

// Adds<T, false>(dst, src, scalar, count) and friends: one repeat with default strides under the mask register
// (counter mode: its count; normal mode: its lanes); `count` is not used.
template <typename T, typename F>
void scalar_unmasked(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, const T& scalar,
                     const char* op, F f) {
  vec_scalar0<T, false>(dst, src, scalar, nullptr, 0, 1, AscendC::UnaryRepeatParams(), op, f);
}

template <typename T, bool isSetMask>
inline void duplicate0(const AscendC::LocalTensor<T>& dst, const T& scalar, const uint64_t* bits, uint64_t cont,
                       uint8_t repeat, uint16_t blk_stride, uint8_t rep_stride) {
  const char* op = "Duplicate";
  const OpRec r = op_begin(PIPE_V, op);
  if (std::is_same<T, bfloat16_t>::value && soc_is_310p()) {  // as the level-2 form (vec.h)
    fault("unsupported_on_soc", cat("Duplicate on bfloat16_t is not available on ", soc_name(),
                                    " (CANN 8.1 declares it only for other SoCs)"));
  }
  const Lanes<T> l = call_lanes<T, isSetMask>(bits, cont, repeat, op);
  const Opnd od = opnd(dst, blk_stride, rep_stride);
  check_lanes(od, l, op, "dst");
  lanes_access(r, od, l, true);
  lanes_store(od, l, [&](uint64_t, uint64_t) { return scalar; });
}

// The functions the level-0 forms compute (the same as their level-2 forms in vec.h).
struct FAdd { template <typename C> C operator()(C a, C b) const { return a + b; } };
struct FSub { template <typename C> C operator()(C a, C b) const { return a - b; } };
struct FMul { template <typename C> C operator()(C a, C b) const { return a * b; } };
struct FDiv { template <typename C> C operator()(C a, C b) const { return a / b; } };
struct FMax { template <typename C> C operator()(C a, C b) const { return max_of(a, b); } };
struct FMin { template <typename C> C operator()(C a, C b) const { return min_of(a, b); } };
struct FExp { double operator()(double x) const { return std::exp(x); } };
struct FLn { double operator()(double x) const { return std::log(x); } };
struct FAbs { double operator()(double x) const { return std::fabs(x); } };
struct FSqrt { double operator()(double x) const { return std::sqrt(x); } };
struct FRsqrt { double operator()(double x) const { return 1.0 / std::sqrt(x); } };
struct FReciprocal { double operator()(double x) const { return 1.0 / x; } };
struct FRelu { template <typename C> C operator()(C x) const { return x > 0 ? x : C(0); } };
template <typename T>
using relu_t = one_of<T, half, int32_t, float>;

// ---- reductions
inline void check_reduce_args(const char* op, int32_t repeat, int32_t dst_rep, int32_t src_blk, int32_t src_rep) {
  if (repeat < 0 || repeat > 255) {
    fault("invalid_argument", cat(op, ": repeatTimes ", repeat, " is outside [0, 255]"));
  }
  const int32_t v[3] = {dst_rep, src_blk, src_rep};
  const char* const names[3] = {"dstRepStride", "srcBlkStride", "srcRepStride"};
  for (int i = 0; i < 3; ++i)
    if (v[i] < 0 || v[i] > 65535) fault("invalid_argument", cat(op, ": ", names[i], " ", v[i], " is outside [0, 65535]"));
}

// A repeat (WholeReduceSum) or DataBlock (BlockReduceSum) without an active lane: 910B writes nothing there
// (documented); 310P's result is not documented, so the simulator writes a quiet NaN, which a kernel that reads
// it will show.
inline bool poison_empty() { return soc_is_310p(); }
template <typename T>
inline T poison() {
  return T(std::numeric_limits<float>::quiet_NaN());
}

template <typename T, bool isSetMask>
inline void whole_reduce_sum(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src,
                             const uint64_t* bits, int32_t cont, int32_t repeat, int32_t dst_rep, int32_t src_blk,
                             int32_t src_rep) {
  const char* op = "WholeReduceSum";
  const OpRec r = op_begin(PIPE_V, op);
  check_reduce_args(op, repeat, dst_rep, src_blk, src_rep);
  if (isSetMask && !bits && cont > 128) {  // ReduceRepeatParams shifts by mask - 64 >= 64 there
    fault("invalid_argument", cat(op, ": mask ", cont, " is outside [0, ", 256 / sizeof(T), "]"));
  }
  const Lanes<T> l = call_lanes<T, isSetMask>(bits, static_cast<uint64_t>(static_cast<int64_t>(cont)),
                                              static_cast<uint64_t>(repeat), op);
  const Opnd os = opnd(src, src_blk, src_rep);
  check_lanes(os, l, op, "src");
  // Normal mode: every repeat has the same lanes; counter mode: every repeat has some.
  const bool active = l.repeats > 0 && repeat_end(os, l, l.repeats - 1) > 0;
  const uint64_t n_out = active || poison_empty() ? l.repeats : 0;
  const uint64_t step = static_cast<uint64_t>(dst_rep) * sizeof(T);
  uint8_t* d = reinterpret_cast<uint8_t*>(dst.sim_addr_);
  check_range(d, dst.sim_buf_, dst.sim_gen_, n_out ? (n_out - 1) * step + sizeof(T) : 0, op, "dst", sizeof(T), true);
  lanes_access(r, os, l, false);
  if (r.st) {
    const Opnd od = opnd(dst, 0, 0);
    Runs runs(r, od, true);
    for (uint64_t rr = 0; rr < n_out; ++rr) runs.add(rr * step, rr * step + sizeof(T));
  }
  T buf[Lanes<T>::kLanes];
  for (uint64_t rr = 0; rr < n_out; ++rr) {
    for (uint64_t j = 0; j < Lanes<T>::kLanes; ++j)
      buf[j] = l.on(rr, j) ? load_at<T>(os.base + lane_off<T>(os, rr, j)) : T(0);
    store_at(d + rr * step, active ? tree_reduce(buf, Lanes<T>::kLanes) : poison<T>());
  }
}

template <typename T, bool isSetMask>
inline void block_reduce_sum(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, int32_t repeat,
                             const uint64_t* bits, int32_t cont, int32_t dst_rep, int32_t src_blk, int32_t src_rep) {
  const char* op = "BlockReduceSum";
  constexpr uint64_t e = Lanes<T>::kPerBlock;
  const OpRec r = op_begin(PIPE_V, op);
  check_reduce_args(op, repeat, dst_rep, src_blk, src_rep);
  const Lanes<T> l = call_lanes<T, isSetMask>(bits, static_cast<uint64_t>(static_cast<int64_t>(cont)),
                                              static_cast<uint64_t>(repeat), op);
  const Opnd os = opnd(src, src_blk, src_rep);
  check_lanes(os, l, op, "src");
  const bool poison_all = poison_empty();
  // Is DataBlock b of repeat rr written (normal mode: repeats alike; counter mode: all but the last whole)?
  auto written = [&](uint64_t rr, uint64_t b) {
    if (poison_all) return true;
    for (uint64_t k = 0; k < e; ++k)
      if (l.on(rr, b * e + k)) return true;
    return false;
  };
  const uint64_t step = static_cast<uint64_t>(dst_rep) * 8 * sizeof(T);
  uint64_t extent = 0;
  for (uint64_t rr = l.repeats > 2 ? l.repeats - 2 : 0; rr < l.repeats; ++rr)
    for (uint64_t b = 0; b < 8; ++b)
      if (written(rr, b)) extent = std::max<uint64_t>(extent, rr * step + (b + 1) * sizeof(T));
  uint8_t* d = reinterpret_cast<uint8_t*>(dst.sim_addr_);
  check_range(d, dst.sim_buf_, dst.sim_gen_, extent, op, "dst", 8 * sizeof(T), true);
  lanes_access(r, os, l, false);
  if (r.st) {
    const Opnd od = opnd(dst, 0, 0);
    Runs runs(r, od, true);
    for (uint64_t rr = 0; rr < l.repeats; ++rr)
      for (uint64_t b = 0; b < 8; ++b)
        if (written(rr, b)) runs.add(rr * step + b * sizeof(T), rr * step + (b + 1) * sizeof(T));
  }
  T buf[e];
  for (uint64_t rr = 0; rr < l.repeats; ++rr) {
    T out[8];
    bool has[8];
    for (uint64_t b = 0; b < 8; ++b) {  // the whole repeat is read before any result is stored
      has[b] = false;
      for (uint64_t k = 0; k < e; ++k) {
        const bool on = l.on(rr, b * e + k);
        has[b] = has[b] || on;
        buf[k] = on ? load_at<T>(os.base + lane_off<T>(os, rr, b * e + k)) : T(0);
      }
      out[b] = has[b] ? tree_reduce(buf, e) : poison<T>();
    }
    for (uint64_t b = 0; b < 8; ++b)
      if (has[b] || poison_all) store_at(d + rr * step + b * sizeof(T), out[b]);
  }
}

}  // namespace ascendpy_sim

namespace AscendC {

// Level-0 binary: Add Sub Mul Div Max Min.
#define ASCENDPY_SIM_BINARY0(NAME, TRAIT, TYPES, FN)                                                               \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& src0Local, const LocalTensor<T>& src1Local, \
                   uint64_t mask[], const uint8_t repeatTimes, const BinaryRepeatParams& repeatParams) {           \
    static_assert(ascendpy_sim::TRAIT<T>::value, #NAME " supports " TYPES);                                        \
    ascendpy_sim::vec_binary0<T, isSetMask>(dstLocal, src0Local, src1Local, mask, 0, repeatTimes, repeatParams,    \
                                            #NAME, ascendpy_sim::FN());                                            \
  }                                                                                                                \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& src0Local, const LocalTensor<T>& src1Local, \
                   uint64_t mask, const uint8_t repeatTimes, const BinaryRepeatParams& repeatParams) {             \
    static_assert(ascendpy_sim::TRAIT<T>::value, #NAME " supports " TYPES);                                        \
    ascendpy_sim::vec_binary0<T, isSetMask>(dstLocal, src0Local, src1Local, nullptr, mask, repeatTimes,            \
                                            repeatParams, #NAME, ascendpy_sim::FN());                              \
  }
ASCENDPY_SIM_BINARY0(Add, arith_t, "int16_t, half, int32_t, float", FAdd)
ASCENDPY_SIM_BINARY0(Sub, arith_t, "int16_t, half, int32_t, float", FSub)
ASCENDPY_SIM_BINARY0(Mul, arith_t, "int16_t, half, int32_t, float", FMul)
ASCENDPY_SIM_BINARY0(Div, float_t_, "half, float", FDiv)
ASCENDPY_SIM_BINARY0(Max, arith_t, "int16_t, half, int32_t, float", FMax)
ASCENDPY_SIM_BINARY0(Min, arith_t, "int16_t, half, int32_t, float", FMin)
#undef ASCENDPY_SIM_BINARY0

// Level-0 tensor-scalar: Adds Muls Maxs Mins.
#define ASCENDPY_SIM_SCALAR0(NAME, FN)                                                                             \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const T& scalarValue,           \
                   uint64_t mask[], const uint8_t repeatTimes, const UnaryRepeatParams& repeatParams) {            \
    static_assert(ascendpy_sim::arith_t<T>::value, #NAME " supports int16_t, half, int32_t, float");               \
    ascendpy_sim::vec_scalar0<T, isSetMask>(dstLocal, srcLocal, scalarValue, mask, 0, repeatTimes, repeatParams,   \
                                            #NAME, ascendpy_sim::FN());                                            \
  }                                                                                                                \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const T& scalarValue,           \
                   uint64_t mask, const uint8_t repeatTimes, const UnaryRepeatParams& repeatParams) {              \
    static_assert(ascendpy_sim::arith_t<T>::value, #NAME " supports int16_t, half, int32_t, float");               \
    ascendpy_sim::vec_scalar0<T, isSetMask>(dstLocal, srcLocal, scalarValue, nullptr, mask, repeatTimes,           \
                                            repeatParams, #NAME, ascendpy_sim::FN());                              \
  }
ASCENDPY_SIM_SCALAR0(Adds, FAdd)
ASCENDPY_SIM_SCALAR0(Muls, FMul)
ASCENDPY_SIM_SCALAR0(Maxs, FMax)
ASCENDPY_SIM_SCALAR0(Mins, FMin)
#undef ASCENDPY_SIM_SCALAR0

// Level-0 unary: Exp Ln Abs Sqrt Rsqrt Reciprocal Relu.
#define ASCENDPY_SIM_UNARY0(NAME, TRAIT, TYPES, FN)                                                                \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, uint64_t mask[],                \
                   const uint8_t repeatTimes, const UnaryRepeatParams& repeatParams) {                             \
    static_assert(TRAIT::value, #NAME " supports " TYPES);                                                         \
    ascendpy_sim::vec_unary0<T, isSetMask>(dstLocal, srcLocal, mask, 0, repeatTimes, repeatParams, #NAME,          \
                                           ascendpy_sim::FN());                                                    \
  }                                                                                                                \
  template <typename T, bool isSetMask = true>                                                                     \
  inline void NAME(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, uint64_t mask,                  \
                   const uint8_t repeatTimes, const UnaryRepeatParams& repeatParams) {                             \
    static_assert(TRAIT::value, #NAME " supports " TYPES);                                                         \
    ascendpy_sim::vec_unary0<T, isSetMask>(dstLocal, srcLocal, nullptr, mask, repeatTimes, repeatParams, #NAME,    \
                                           ascendpy_sim::FN());                                                    \
  }
ASCENDPY_SIM_UNARY0(Exp, ascendpy_sim::float_t_<T>, "half, float", FExp)
ASCENDPY_SIM_UNARY0(Ln, ascendpy_sim::float_t_<T>, "half, float", FLn)
ASCENDPY_SIM_UNARY0(Abs, ascendpy_sim::float_t_<T>, "half, float", FAbs)
ASCENDPY_SIM_UNARY0(Sqrt, ascendpy_sim::float_t_<T>, "half, float", FSqrt)
ASCENDPY_SIM_UNARY0(Rsqrt, ascendpy_sim::float_t_<T>, "half, float", FRsqrt)
ASCENDPY_SIM_UNARY0(Reciprocal, ascendpy_sim::float_t_<T>, "half, float", FReciprocal)
ASCENDPY_SIM_UNARY0(Relu, ascendpy_sim::relu_t<T>, "half, int32_t, float", FRelu)
#undef ASCENDPY_SIM_UNARY0

// Level-0 fill.
template <typename T, bool isSetMask = true>
inline void Duplicate(const LocalTensor<T>& dstLocal, const T& scalarValue, uint64_t mask, const uint8_t repeatTimes,
                      const uint16_t dstBlockStride, const uint8_t dstRepeatStride) {
  static_assert(ascendpy_sim::one_of<T, int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float>::value,
                "Duplicate supports int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float");
  ascendpy_sim::duplicate0<T, isSetMask>(dstLocal, scalarValue, nullptr, mask, repeatTimes, dstBlockStride,
                                         dstRepeatStride);
}
template <typename T, bool isSetMask = true>
inline void Duplicate(const LocalTensor<T>& dstLocal, const T& scalarValue, uint64_t mask[], const uint8_t repeatTimes,
                      const uint16_t dstBlockStride, const uint8_t dstRepeatStride) {
  static_assert(ascendpy_sim::one_of<T, int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float>::value,
                "Duplicate supports int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float");
  ascendpy_sim::duplicate0<T, isSetMask>(dstLocal, scalarValue, mask, 0, repeatTimes, dstBlockStride,
                                         dstRepeatStride);
}

// dst[r * dstRepStride] = sum of the active lanes of repeat r (see the top of this file).
template <typename T, bool isSetMask = true>
inline void WholeReduceSum(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const uint64_t mask[],
                           const int32_t repeatTimes, const int32_t dstRepStride, const int32_t srcBlkStride,
                           const int32_t srcRepStride) {
  static_assert(ascendpy_sim::float_t_<T>::value, "WholeReduceSum supports half, float");
  ascendpy_sim::whole_reduce_sum<T, isSetMask>(dstLocal, srcLocal, mask, 0, repeatTimes, dstRepStride, srcBlkStride,
                                               srcRepStride);
}
template <typename T, bool isSetMask = true>
inline void WholeReduceSum(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const int32_t mask,
                           const int32_t repeatTimes, const int32_t dstRepStride, const int32_t srcBlkStride,
                           const int32_t srcRepStride) {
  static_assert(ascendpy_sim::float_t_<T>::value, "WholeReduceSum supports half, float");
  ascendpy_sim::whole_reduce_sum<T, isSetMask>(dstLocal, srcLocal, nullptr, mask, repeatTimes, dstRepStride,
                                               srcBlkStride, srcRepStride);
}

// dst[r * dstRepStride * 8 + b] = sum of the active lanes of DataBlock b of repeat r.
template <typename T, bool isSetMask = true>
inline void BlockReduceSum(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const int32_t repeat,
                           const int32_t mask, const int32_t dstRepStride, const int32_t srcBlkStride,
                           const int32_t srcRepStride) {
  static_assert(ascendpy_sim::float_t_<T>::value, "BlockReduceSum supports half, float");
  ascendpy_sim::block_reduce_sum<T, isSetMask>(dstLocal, srcLocal, repeat, nullptr, mask, dstRepStride, srcBlkStride,
                                               srcRepStride);
}
template <typename T, bool isSetMask = true>
inline void BlockReduceSum(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const int32_t repeat,
                           const uint64_t mask[], const int32_t dstRepStride, const int32_t srcBlkStride,
                           const int32_t srcRepStride) {
  static_assert(ascendpy_sim::float_t_<T>::value, "BlockReduceSum supports half, float");
  ascendpy_sim::block_reduce_sum<T, isSetMask>(dstLocal, srcLocal, repeat, mask, 0, dstRepStride, srcBlkStride,
                                               srcRepStride);
}

}  // namespace AscendC
