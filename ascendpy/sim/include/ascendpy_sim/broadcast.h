// ascendpy simulator: the advanced API Broadcast<T, dim, axis, isReuseSource> (CANN 8.1
// highlevel_api/lib/pad/broadcast.h; implementation highlevel_api/impl/pad/broadcast, v220 = 910B, v200 = 310P).
//
// Broadcast(dst, src, dstShape, srcShape, sharedTmpBuffer) copies src ([1, cols] for axis 0, [rows, 1] for
// axis 1, dim 2; or [1] / [n] for dim 1) into every row / column of dst [rows, cols]. It only copies bits, so
// the result is exact whatever the vendor's route (Or with a zero block, Brcb + Copy + GatherMask on 910B,
// a transpose on 310P; 1-byte types go through half). The checks are the implementation's requirements:
//  * T int8_t, uint8_t, half or float (the Broadcast page), dim 1 or 2, axis 0 or 1 (static_assert);
//  * a shape src cannot be broadcast to along `axis` -> invalid_argument;
//  * dim 2, axis 0: cols x sizeof(T) (half for 1-byte T) a multiple of 32 bytes; axis 1 on 310P: rows x
//    sizeof(T) a multiple of 32 ("Non-alignment is not supported") -> invalid_argument;
//  * sharedTmpBuffer smaller than what the implementation writes (bytes, by SoC; ascendpy's compiler sizes it
//    with vecops.broadcast_tmp_bytes, the same rule) -> invalid_argument;
//  * dst overlapping src -> invalid_argument; every operand in bounds and 32-byte aligned.
// 910B's axis-1 route reads src in groups of 8 elements (Brcb), so src must hold rows rounded up to 8.
// It leaves normal mode with every lane on (SetMaskNorm, ResetMask).
#pragma once

#include <cstdint>

#include "core.h"
#include "mask.h"
#include "tensor.h"
#include "vec.h"

namespace ascendpy_sim {

// Bytes of sharedTmpBuffer CANN 8.1's Broadcast writes (ascendpy/compiler/vecops.py broadcast_tmp_bytes).
inline uint64_t broadcast_tmp_bytes(bool p310, uint64_t nbytes, uint64_t rows, uint64_t cols, int axis) {
  const uint64_t t = nbytes == 1 ? 2 : nbytes, per = 32 / t;
  const uint64_t src_n = axis == 0 ? cols : rows, dst_n = rows * cols;
  uint64_t inner;
  if (src_n == 1 || src_n == dst_n) {
    inner = 0;
  } else if (axis == 0) {
    inner = 32;
  } else if (!p310) {
    inner = (per * per + (cols % per == 0 ? 0 : per * ((cols + per - 1) / per * per))) * t;
  } else {
    inner = (per + std::max<uint64_t>(dst_n, per * ((cols + 7) / 8) + 1)) * t;
  }
  if (nbytes == 1) inner += 2 * ((src_n + 15) / 16 * 16 + (dst_n + 15) / 16 * 16);
  return (inner + 31) / 32 * 32;
}

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T, int32_t dim, int32_t axis, bool isReuseSource = false>
inline void Broadcast(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const uint32_t dstShape[dim],
                      const uint32_t srcShape[dim], LocalTensor<uint8_t>& sharedTmpBuffer) {
  static_assert(ascendpy_sim::one_of<T, int8_t, uint8_t, half, float>::value,
                "Broadcast supports int8_t, uint8_t, half, float");
  static_assert(dim == 1 || dim == 2, "Broadcast supports dim = 1 or 2");
  static_assert(axis == 0 || axis == 1, "Broadcast supports axis = 0 or 1");
  using ascendpy_sim::cat;
  using ascendpy_sim::fault;
  const char* op = "Broadcast";
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, op);
  const bool p310 = ascendpy_sim::soc_is_310p();
  ascendpy_sim::mask_level2_done();
  const uint64_t rows = dim == 2 ? dstShape[0] : 1, cols = dstShape[dim - 1];
  const uint64_t srows = dim == 2 ? srcShape[0] : 1, scols = srcShape[dim - 1];
  const uint64_t dst_n = rows * cols, src_n = srows * scols;
  const bool along = dim == 2 ? (axis == 0 ? srows == 1 && scols == cols : scols == 1 && srows == rows)
                              : (scols == 1 || scols == cols);
  if (!along && src_n != 1 && src_n != dst_n) {
    fault("invalid_argument", cat(op, "<dim ", dim, ", axis ", axis, ">: srcShape [", srows, ", ", scols,
                                  "] does not broadcast to dstShape [", rows, ", ", cols, "] along axis ", axis));
  }
  const uint64_t t = sizeof(T) == 1 ? 2 : sizeof(T);
  const int ax = dim == 2 ? axis : 0;
  if (dim == 2 && src_n != 1 && src_n != dst_n) {
    if (axis == 0 && cols * t % 32) {
      fault("invalid_argument", cat(op, ": axis 0 needs cols x ", t, " bytes to be a multiple of 32 (CANN 8.1: "
                                    "\"Non-alignment is not supported\"); cols = ", cols));
    }
    if (axis == 1 && p310 && rows * t % 32) {
      fault("invalid_argument", cat(op, ": axis 1 on ", ascendpy_sim::soc_name(), " needs rows x ", t,
                                    " bytes to be a multiple of 32 (CANN 8.1's v200 implementation: \"Non-alignment "
                                    "is not supported\"); rows = ", rows));
    }
  }
  const uint64_t need = ascendpy_sim::broadcast_tmp_bytes(p310, sizeof(T), rows, cols, ax);
  if (need > sharedTmpBuffer.GetSize()) {
    fault("invalid_argument", cat(op, ": sharedTmpBuffer holds ", sharedTmpBuffer.GetSize(), " bytes; CANN 8.1's "
                                  "implementation on ", ascendpy_sim::soc_name(), " uses ", need, " for [", rows,
                                  ", ", cols, "] along axis ", ax));
  }
  const uint64_t src_read = dim == 2 && axis == 1 && !p310 && src_n != 1 && src_n != dst_n ? (rows + 7) / 8 * 8 : src_n;
  ascendpy_sim::check_vec(dstLocal, dst_n, op, "dst");
  ascendpy_sim::check_vec(srcLocal, src_read, op, "src");
  ascendpy_sim::check_vec(sharedTmpBuffer, need, op, "sharedTmpBuffer");
  if (ascendpy_sim::overlaps(dstLocal.sim_addr_, dst_n * sizeof(T), srcLocal.sim_addr_, src_n * sizeof(T))) {
    fault("invalid_argument", cat(op, ": dst overlaps src; CANN 8.1 does not support it"));
  }
  ascendpy_sim::vrd(r, srcLocal, src_read * sizeof(T));
  ascendpy_sim::vwr(r, sharedTmpBuffer, need);
  ascendpy_sim::vwr(r, dstLocal, dst_n * sizeof(T));
  for (uint64_t i = 0; i < rows; ++i) {
    for (uint64_t j = 0; j < cols; ++j) {
      const uint64_t k = src_n == 1 ? 0 : src_n == dst_n ? i * cols + j : (ax == 0 ? j : i);
      ascendpy_sim::store(dstLocal.sim_addr_, i * cols + j, ascendpy_sim::load(srcLocal.sim_addr_, k));
    }
  }
}

}  // namespace AscendC
