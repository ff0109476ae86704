// ascendpy simulator: Gather, GatherMask and Brcb (CANN 8.1 basic_api interface/kernel_operator_vec_gather_intf.h,
// kernel_operator_vec_gather_mask_intf.h, kernel_operator_vec_brcb_intf.h, kernel_struct_gather.h,
// kernel_struct_brcb.h; impl/dav_c220 = 910B, impl/dav_m200 = 310P; semantics from the API pages).
//
// Gather(dst, src, srcOffset, srcBaseAddr, count): dst[i] = the element at byte srcBaseAddr + srcOffset[i] of src.
//   Types: half, int16_t, uint16_t, int32_t, uint32_t, float (and bfloat16_t on 910B). The vendor splits count
//   into count / (256 / sizeof(T)) repeats passed as a uint8_t, so more than 255 repeats is refused here
//   (CANN 8.1 would run the repeat count modulo 256). count == 0 is a no-op.
//   Faults: an offset or base not a multiple of sizeof(T) -> invalid_argument; an element outside src (its
//   GetSize(), as CANN's CPU model bounds it) -> local_out_of_bounds; dst overlapping src -> invalid_argument.
// GatherMask(dst, src0, src1Pattern, reduceMode, mask, GatherMaskParams, rsvdCnt): keeps the elements whose
//   pattern bit is 1 and writes them packed from dst[0]; rsvdCnt = how many. src1Pattern is a fixed pattern
//   (uint8_t 1..7, 1..6 on 310P: even, odd, the 1st/2nd/3rd/4th of every 4, all) or a LocalTensor<U> of bits
//   (U = uint16_t for 2-byte T, uint32_t for 4-byte T; element k of a repeat uses bit k, consumed contiguously).
//   Normal mode (reduceMode false): repeatTimes repeats of 256 bytes; src0 repeat i at i * src0RepeatStride
//   blocks, its 8 blocks src0BlockStride apart; pattern repeat i at byte i * src1RepeatStride * 32.
//   Counter mode (reduceMode true): 910B processes `mask` elements per repeat, repeatTimes times (the API page's
//   "configuration 1"; the 256-byte chunk j of a repeat at j * 8 * src0BlockStride blocks); 310P processes
//   `mask` elements once ("configuration 2", repeatTimes ignored). mask must be 1..2^32-1 there.
//   The mode template argument must be the SoC's default (VERSION_V2 on 910B, VERSION_V1 on 310P).
// Brcb(dst, src, repeatTime, BrcbRepeatParams(dstBlkStride, dstRepStride)): element 8i+j of src fills the
//   32-byte block at (i * dstRepStride + j * dstBlkStride) * 32 bytes of dst. dstBlkStride 0 is refused (the
//   page calls it undefined). On 310P the implementation stages through UB [248 KiB, 256 KiB) (TMP_UB_OFFSET:
//   TPipe buffers there would be overwritten -> ub_overflow), and for 2-byte types with dstBlkStride 1 each
//   repeat transposes a 512-byte block into dst (restoring its upper 256 bytes afterwards), so dst must extend
//   256 bytes past the last repeat's blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "core.h"
#include "mask.h"
#include "tensor.h"
#include "tpipe.h"
#include "types.h"
#include "vec.h"

namespace AscendC {

enum class GatherMaskMode : uint8_t {
  VERSION_V1 = 0,
  VERSION_V2 = 1
};
#if (__CCE_AICORE__ == 220)
const GatherMaskMode defaultGatherMaskMode = GatherMaskMode::VERSION_V2;
#else
const GatherMaskMode defaultGatherMaskMode = GatherMaskMode::VERSION_V1;
#endif

struct GatherMaskParams {
  GatherMaskParams() {}
  GatherMaskParams(const uint8_t src0BlockStrideIn, const uint16_t repeatTimesIn, const uint16_t src0RepeatStrideIn,
                   const uint8_t src1RepeatStrideIn)
      : src0BlockStride(src0BlockStrideIn),
        repeatTimes(repeatTimesIn),
        src0RepeatStride(src0RepeatStrideIn),
        src1RepeatStride(src1RepeatStrideIn) {}
  uint8_t src0BlockStride = DEFAULT_BLK_STRIDE;
  uint16_t repeatTimes = 0;
  uint16_t src0RepeatStride = DEFAULT_REPEAT_STRIDE;
  uint8_t src1RepeatStride = DEFAULT_REPEAT_STRIDE;
};

struct BrcbRepeatParams {
  BrcbRepeatParams() {}
  BrcbRepeatParams(const uint16_t dstBlkStrideIn, const uint16_t dstRepStrideIn)
      : dstRepStride(dstRepStrideIn), dstBlkStride(dstBlkStrideIn) {}
  uint32_t blockNumber = DEFAULT_BLK_NUM;
  uint16_t dstRepStride = DEFAULT_REPEAT_STRIDE;
  uint16_t dstBlkStride = DEFAULT_BLK_STRIDE;
  uint8_t src0BlkStride = DEFAULT_BLK_STRIDE;
  uint8_t src1BlkStride = DEFAULT_BLK_STRIDE;
  uint8_t src0RepStride = DEFAULT_REPEAT_STRIDE;
  uint8_t src1RepStride = DEFAULT_REPEAT_STRIDE;
  bool repeatStrideMode = false;
  bool strideSizeMode = false;
};

}  // namespace AscendC

namespace ascendpy_sim {

template <typename T>
using gather_t = one_of<T, half, bfloat16_t, int16_t, uint16_t, int32_t, uint32_t, float>;  // 2- and 4-byte types

template <typename T>
inline void no_bf16_on_310p(const char* api) {
  if (std::is_same<T, bfloat16_t>::value && soc_is_310p()) unsupported_on_soc(api, "bfloat16_t");
}

// Whether [a, a + na) and [b, b + nb) share a byte.
inline bool overlaps(const void* a, uint64_t na, const void* b, uint64_t nb) {
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  return na && nb && x < y + nb && y < x + na;
}

// The fixed GatherMask patterns as (bits, period): bit k % period of `bits` keeps element k.
inline void fixed_pattern(uint8_t p, uint32_t& bits, uint32_t& period) {
  static const uint32_t b[] = {0, 0x1, 0x2, 0x1, 0x2, 0x4, 0x8, 0x1};
  static const uint32_t q[] = {1, 2, 2, 4, 4, 4, 4, 1};
  bits = b[p];
  period = q[p];
}

template <typename T, typename U>
inline void gather_mask(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src0,
                        const AscendC::LocalTensor<U>* pat, uint8_t fixed, bool reduceMode, uint32_t mask,
                        const AscendC::GatherMaskParams& p, uint64_t& rsvdCnt, AscendC::GatherMaskMode mode) {
  const char* op = "GatherMask";
  const OpRec r = op_begin(PIPE_V, op);
  const bool p310 = soc_is_310p();
  no_bf16_on_310p<T>(op);
  const auto want = p310 ? AscendC::GatherMaskMode::VERSION_V1 : AscendC::GatherMaskMode::VERSION_V2;
  if (mode != want) {
    fault("unsupported_on_soc", cat(op, " with mode = GatherMaskMode::VERSION_V", static_cast<int>(mode) + 1,
                                    " is not available on ", soc_name(), " (CANN 8.1 takes VERSION_V",
                                    static_cast<int>(want) + 1, ", the default, there)"));
  }
  if (!pat && (fixed < 1 || fixed > (p310 ? 6 : 7))) {
    fault("invalid_argument", cat(op, ": src1Pattern = ", static_cast<int>(fixed), " is outside 1..",
                                  p310 ? 6 : 7, " (CANN 8.1 on ", soc_name(), ")"));
  }
  if (reduceMode && mask == 0) fault("invalid_argument", cat(op, ": in counter mode (reduceMode = true) the mask "
                                                                 "is the element count, 1..2^32-1; got 0"));
  mask_level2_undefined(op);  // it leaves normal mode and the mask it set (by SoC and mode)
  constexpr uint64_t sz = sizeof(T), lanes = 256 / sizeof(T), per_blk = 32 / sizeof(T);
  const uint64_t reps = reduceMode && p310 ? 1 : p.repeatTimes;
  const uint64_t per = reduceMode ? mask : lanes;
  check_vec(src0, 0, op, "src0");
  check_vec(dst, 0, op, "dst");
  if (pat) check_vec(*pat, 0, op, "src1Pattern");
  if (reps == 0) {
    rsvdCnt = 0;
    return;
  }
  // src0 byte offset of element k of repeat i
  auto at = [&](uint64_t i, uint64_t k) {
    const uint64_t j = k / lanes, l = k % lanes;
    return (i * p.src0RepeatStride + (j * 8 + l / per_blk) * p.src0BlockStride) * 32 + (l % per_blk) * sz;
  };
  uint64_t src_end = 0;
  // the last 256 bytes' worth of elements of the last repeat hold its highest byte, whatever the block stride
  for (uint64_t k = (per > lanes ? per - lanes : 0); k < per; ++k) src_end = std::max(src_end, at(reps - 1, k) + sz);
  check_vec(src0, (src_end + sz - 1) / sz, op, "src0");
  const uint64_t pat_bytes = (per + lanes - 1) / lanes * lanes / 8;  // whole 256-byte chunks' bits
  const uint64_t pat_end = (reps - 1) * p.src1RepeatStride * 32ull + pat_bytes;
  if (pat) check_vec(*pat, (pat_end + sizeof(U) - 1) / sizeof(U), op, "src1Pattern");
  uint32_t bits = 0, period = 1;
  if (!pat) fixed_pattern(fixed, bits, period);
  const uint8_t* src_b = reinterpret_cast<const uint8_t*>(src0.sim_addr_);
  const uint8_t* pat_b = pat ? reinterpret_cast<const uint8_t*>(pat->sim_addr_) : nullptr;
  std::vector<T> kept;
  for (uint64_t i = 0; i < reps; ++i) {
    for (uint64_t k = 0; k < per; ++k) {
      bool on;
      if (pat) {
        const uint64_t bit = i * p.src1RepeatStride * 256ull + k;
        on = (pat_b[bit / 8] >> (bit % 8)) & 1;
      } else {
        on = (bits >> (k % period)) & 1;
      }
      if (on) kept.push_back(load(reinterpret_cast<const T*>(src_b + at(i, k)), 0));
    }
  }
  check_vec(dst, kept.size(), op, "dst");
  vrd(r, src0, src_end);
  if (pat) vrd(r, *pat, pat_end);
  vwr(r, dst, kept.size() * sz);
  for (uint64_t i = 0; i < kept.size(); ++i) store(dst.sim_addr_, i, kept[i]);
  rsvdCnt = kept.size();
}

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T>
inline void Gather(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<uint32_t>& srcOffset,
                   const uint32_t srcBaseAddr, const uint32_t count) {
  static_assert(ascendpy_sim::gather_t<T>::value,
                "Gather supports half, bfloat16_t (910B), uint16_t, int16_t, float, uint32_t, int32_t");
  const char* op = "Gather";
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, op);
  ascendpy_sim::no_bf16_on_310p<T>(op);
  ascendpy_sim::mask_level2_undefined(op);  // its repeats set the mask to the tail's lanes
  if (count == 0) return;
  constexpr uint32_t per = 256 / sizeof(T);
  if (count / per > 255) {
    ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": count ", count, " is ", count / per,
                        " repeats of ", per, " elements; CANN 8.1 passes the repeat count as a uint8_t (at most 255)"));
  }
  ascendpy_sim::check_vec(dst, count, op, "dst");
  ascendpy_sim::check_vec(srcOffset, count, op, "srcOffset");
  const uint64_t src_bytes = static_cast<uint64_t>(src.GetSize()) * sizeof(T);
  ascendpy_sim::check_vec(src, src.GetSize(), op, "src");
  if (ascendpy_sim::overlaps(dst.sim_addr_, uint64_t(count) * sizeof(T), src.sim_addr_, src_bytes)) {
    ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": dst overlaps src; CANN 8.1 does not support "
                                                                  "source and destination in the same memory"));
  }
  if (srcBaseAddr % sizeof(T)) {
    ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": srcBaseAddr = ", srcBaseAddr, " bytes is not a "
                                                                  "multiple of the element size ", sizeof(T)));
  }
  std::vector<T> out(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t off = ascendpy_sim::load(srcOffset.sim_addr_, i);
    if (off % sizeof(T)) {
      ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": srcOffset[", i, "] = ", off, " bytes is not a "
                                                                    "multiple of the element size ", sizeof(T)));
    }
    const uint64_t at = uint64_t(srcBaseAddr) + off;
    if (at + sizeof(T) > src_bytes) {
      ascendpy_sim::fault("local_out_of_bounds",
                          ascendpy_sim::cat(op, ": srcBaseAddr + srcOffset[", i, "] = ", srcBaseAddr, " + ", off,
                                            " bytes is outside src, which holds ", src_bytes, " bytes (",
                                            src.GetSize(), " elements)"));
    }
    out[i] = ascendpy_sim::load(src.sim_addr_, at / sizeof(T));
  }
  ascendpy_sim::vrd(r, src, src_bytes);
  ascendpy_sim::vrd(r, srcOffset, uint64_t(count) * 4);
  ascendpy_sim::vwr(r, dst, uint64_t(count) * sizeof(T));
  for (uint32_t i = 0; i < count; ++i) ascendpy_sim::store(dst.sim_addr_, i, out[i]);
}

template <typename T, typename U, GatherMaskMode mode = defaultGatherMaskMode>
inline void GatherMask(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<U>& src1Pattern,
                       const bool reduceMode, const uint32_t mask, const GatherMaskParams& gatherMaskParams,
                       uint64_t& rsvdCnt) {
  static_assert(ascendpy_sim::gather_t<T>::value,
                "GatherMask supports half, bfloat16_t (910B), uint16_t, int16_t, float, uint32_t, int32_t");
  static_assert((sizeof(T) == 2 && std::is_same<U, uint16_t>::value) ||
                    (sizeof(T) == 4 && std::is_same<U, uint32_t>::value),
                "GatherMask's src1Pattern tensor is uint16_t for 2-byte types and uint32_t for 4-byte types");
  ascendpy_sim::gather_mask(dst, src0, &src1Pattern, 0, reduceMode, mask, gatherMaskParams, rsvdCnt, mode);
}

template <typename T, GatherMaskMode mode = defaultGatherMaskMode>
inline void GatherMask(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const uint8_t src1Pattern,
                       const bool reduceMode, const uint32_t mask, const GatherMaskParams& gatherMaskParams,
                       uint64_t& rsvdCnt) {
  static_assert(ascendpy_sim::gather_t<T>::value,
                "GatherMask supports half, bfloat16_t (910B), uint16_t, int16_t, float, uint32_t, int32_t");
  ascendpy_sim::gather_mask<T, uint8_t>(dst, src0, nullptr, src1Pattern, reduceMode, mask, gatherMaskParams,
                                        rsvdCnt, mode);
}

template <typename T>
inline void Brcb(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const uint8_t repeatTimes,
                 const BrcbRepeatParams& repeatParams) {
  static_assert(ascendpy_sim::gather_t<T>::value,
                "Brcb supports half, bfloat16_t (910B), int16_t, uint16_t, float, int32_t, uint32_t");
  const char* op = "Brcb";
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, op);
  const bool p310 = ascendpy_sim::soc_is_310p();
  ascendpy_sim::no_bf16_on_310p<T>(op);
  ascendpy_sim::mask_level2_done();  // both implementations end with ResetMask in normal mode
  if (p310) ascendpy_sim::tmp_ub_310p_scratch(op);
  if (repeatTimes == 0) return;
  const uint64_t blk = repeatParams.dstBlkStride, rep = repeatParams.dstRepStride, n = repeatTimes;
  if (blk == 0) {
    ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": dstBlkStride = 0 (the Brcb page: not "
                                                                  "supported, undefined behaviour); use 1"));
  }
  ascendpy_sim::check_vec(src0, 8 * n, op, "src0");
  uint64_t end = ((n - 1) * rep + 7 * blk) * 32 + 32;
  ascendpy_sim::check_vec(dst, end / sizeof(T), op, "dst");
  if (p310 && sizeof(T) == 2 && blk == 1) {  // the 16 x 16 transpose writes 512 bytes per repeat
    const uint64_t touched = (n - 1) * rep * 32 + 512;
    if (touched > ascendpy_sim::room_bytes(dst.sim_addr_, dst.sim_buf_)) {
      ascendpy_sim::fault("local_out_of_bounds", ascendpy_sim::cat(
          op, ": on ", ascendpy_sim::soc_name(), " a 2-byte Brcb transposes 512 bytes per repeat into dst (and "
          "restores the upper 256), so dst needs ", touched, " bytes from its start; it has ",
          ascendpy_sim::room_bytes(dst.sim_addr_, dst.sim_buf_)));
    }
    end = std::max(end, touched);
  }
  if (ascendpy_sim::overlaps(dst.sim_addr_, end, src0.sim_addr_, 8 * n * sizeof(T))) {
    ascendpy_sim::fault("invalid_argument", ascendpy_sim::cat(op, ": dst overlaps src0; CANN 8.1 does not support "
                                                                  "source and destination in the same memory"));
  }
  ascendpy_sim::vrd(r, src0, 8 * n * sizeof(T));
  ascendpy_sim::vwr(r, dst, end);
  constexpr uint64_t per = 32 / sizeof(T);
  for (uint64_t i = 0; i < n; ++i) {
    for (uint64_t j = 0; j < 8; ++j) {
      const T v = ascendpy_sim::load(src0.sim_addr_, i * 8 + j);
      const uint64_t at = (i * rep + j * blk) * per;
      for (uint64_t e = 0; e < per; ++e) ascendpy_sim::store(dst.sim_addr_, at + e, v);
    }
  }
}

}  // namespace AscendC
