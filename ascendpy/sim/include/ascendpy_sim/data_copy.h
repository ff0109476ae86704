// ascendpy simulator: DataCopy and DataCopyPad (reference §1.6).
//
// Rules enforced:
//  * the on-chip side of every copy starts 32-byte aligned (relative to the
//    start of its on-chip memory) -> KernelFault("misaligned");
//  * the GM side is aligned to sizeof(T) (no 32-byte rule) -> "misaligned";
//  * the on-chip range must lie inside the tensor's buffer -> "local_out_of_bounds";
//  * contiguous DataCopy moves whole 32-byte blocks: when count*sizeof(T) is
//    not a multiple of 32 the length is silently rounded DOWN to a multiple of
//    32 bytes, exactly as the hardware does (the tail is not copied at all);
//  * DataCopyPad does not exist on Ascend310P -> "unsupported_on_soc";
//  * strided DataCopy (DataCopyParams): blockCount in [1, 4095] and blockLen in [1, 65535], as CANN 8.1's
//    CheckDataCopyParams (dav_c220 and dav_m200) requires -> "invalid_argument" (the 9.x docs call 0 a
//    no-op on A2/A3; 8.1 rejects it);
//  * DataCopyPad: blockCount in [0, 4095], blockLen in [0, 2097151] bytes and a multiple of sizeof(T),
//    leftPadding / rightPadding at most 32 bytes each; 0 rows or 0 bytes is a no-op.
//
// Units (kernel_struct_data_copy.h, 8.1 dav_c220 impl, docs "DataCopyPad"/"DataCopy 高维切分"):
//   DataCopy + DataCopyParams, any direction: blockLen, srcStride, dstStride in 32-byte blocks (the gaps
//     between the end of one block and the start of the next);
//   DataCopyPad GM -> UB: blockLen and srcStride (GM gap) in bytes, dstStride (UB gap) in 32-byte blocks,
//     each UB block [leftPadding][blockLen bytes][rightPadding] filled up to a whole 32 bytes;
//   DataCopyPad UB -> GM: blockLen and dstStride (GM gap) in bytes, srcStride (UB gap) in 32-byte blocks,
//     each UB block read as blockLen bytes rounded up to 32.
#pragma once

#include <cstdint>
#include <cstring>

#include "atomic.h"
#include "core.h"
#include "tensor.h"
#include "types.h"
#include "vec_fast.h"

namespace ascendpy_sim {

// Checks an on-chip operand covering `bytes` bytes from its start (see check_range).
template <typename T>
inline void check_local_range(const AscendC::LocalTensor<T>& t, uint64_t bytes, const char* op, const char* role,
                              uint64_t align = 32) {
  check_range(t.sim_addr_, t.sim_buf_, t.sim_gen_, bytes, op, role, align, false);
}

template <typename T>
inline void check_gm(const AscendC::GlobalTensor<T>& g, const char* op, const char* role) {
  if (!g.address_) fault("uninitialized_tensor", cat(op, ": ", role, " GlobalTensor has no SetGlobalBuffer"));
  if (reinterpret_cast<uintptr_t>(g.address_) % alignof(T) != 0 ||
      reinterpret_cast<uintptr_t>(g.address_) % sizeof(T) != 0) {
    fault("misaligned", cat(op, ": ", role, " GlobalTensor address is not aligned to its element size ", sizeof(T)));
  }
}

// Bytes a contiguous DataCopy of `count` elements really moves.
template <typename T>
inline uint64_t dma_bytes(uint32_t count) {
  return static_cast<uint64_t>(count) * sizeof(T) / 32u * 32u;  // rounded DOWN to whole 32-byte blocks
}

inline void strided_copy(uint8_t* d, const uint8_t* s, uint64_t blocks, uint64_t block_bytes, uint64_t src_pitch,
                         uint64_t dst_pitch) {
  for (uint64_t i = 0; i < blocks; ++i) std::memmove(d + i * dst_pitch, s + i * src_pitch, block_bytes);
}

inline uint64_t span(uint64_t blocks, uint64_t block_bytes, uint64_t pitch) {
  return blocks ? (blocks - 1) * pitch + block_bytes : 0;
}

// Race checker: `blocks` bursts of `block_bytes` every `pitch` bytes from p (on-chip / global).
inline void local_bursts(const OpRec& r, const BufDesc* buf, const void* p, uint64_t blocks, uint64_t block_bytes,
                         uint64_t pitch, bool write) {
  if (!r.st) return;
  if (pitch == block_bytes) {
    local_access(r, buf, p, blocks * block_bytes, write);
    return;
  }
  for (uint64_t i = 0; i < blocks; ++i) local_access(r, buf, static_cast<const uint8_t*>(p) + i * pitch, block_bytes, write);
}
inline void gm_bursts(const OpRec& r, const void* p, uint64_t blocks, uint64_t block_bytes, uint64_t pitch,
                      bool write) {
  if (!r.st) return;
  if (pitch == block_bytes) {
    gm_access(r, p, blocks * block_bytes, write);
    return;
  }
  for (uint64_t i = 0; i < blocks; ++i) gm_access(r, static_cast<const uint8_t*>(p) + i * pitch, block_bytes, write);
}

inline void check_block_count(uint32_t n, const char* op) {
  if (n > 4095) fault("invalid_argument", cat(op, ": blockCount ", n, " is outside [0, 4095]"));
}

// DataCopyParams of a strided DataCopy: CANN 8.1's CheckDataCopyParams takes blockCount in [1, 4095] and
// blockLen in [1, 65535] (its CPU-debug build aborts on 0).
inline void check_copy_params(const AscendC::DataCopyParams& p) {
  if (p.blockCount < 1 || p.blockCount > 4095) {
    fault("invalid_argument", cat("DataCopy: DataCopyParams.blockCount ", p.blockCount, " is outside [1, 4095]"));
  }
  if (p.blockLen < 1) fault("invalid_argument", "DataCopy: DataCopyParams.blockLen 0 is outside [1, 65535]");
}

// What DataCopyPad fills a UB block with besides the data: the docs ("DataCopyPad GMToUB") say
// leftPadding/rightPadding and the filler up to 32 bytes are paddingValue when isPad is set; with no
// padding the filler is the block's first element; padding with isPad unset is "random" (whatever
// SetPadValue left in the pad register): the simulator writes all-ones bits (NaN for floats), which a
// kernel that reads them will show.
template <typename T>
inline T pad_fill(bool isPad, uint32_t left, uint32_t right, T padValue, const uint8_t* block) {
  T fill;
  if (left == 0 && right == 0) {
    std::memcpy(static_cast<void*>(&fill), block, sizeof(T));
  } else if (isPad) {
    fill = padValue;
  } else {
    std::memset(static_cast<void*>(&fill), 0xFF, sizeof(T));
  }
  return fill;
}

template <typename T>
inline pipe_t local_copy_pipe(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src) {
  const bool ub = dst.sim_buf_ && src.sim_buf_ && dst.sim_buf_->hw == Hw::UB && src.sim_buf_->hw == Hw::UB;
  return ub ? PIPE_V : PIPE_MTE1;
}

inline void require_datacopypad() {
  if (soc_is_310p()) {
    fault("unsupported_on_soc",
          cat("DataCopyPad is not available on Ascend310P (", soc_name(),
              "): handle tails there by copying whole 32-byte blocks with DataCopy"));
  }
}

// GM -> on-chip with padding. blockLen in bytes; GM gap in bytes; UB gap in 32-byte blocks.
// Each block lands in UB as [leftPadding elements][blockLen bytes][rightPadding elements],
// padded up to a whole number of 32-byte blocks. The padding and the filler up to
// 32 bytes are `padValue` when isPad is set, otherwise the block's first element
// (the hardware's "dummy data").
template <typename T>
inline void pad_gm_to_local(const OpRec& r, const AscendC::LocalTensor<T>& dst, const AscendC::GlobalTensor<T>& src,
                            uint32_t blockCount, uint32_t blockLen, uint64_t srcGapBytes, uint64_t dstGapBlocks,
                            bool isPad, uint32_t left, uint32_t right, T padValue) {
  const char* op = "DataCopyPad";
  check_block_count(blockCount, op);
  if (blockLen > 2097151u || blockLen % sizeof(T) != 0) {
    fault("invalid_argument", cat(op, ": blockLen ", blockLen, " bytes must be in [0, 2097151] and a multiple of ",
                                  sizeof(T), " (the element size)"));
  }
  if (left * sizeof(T) > 32 || right * sizeof(T) > 32) {
    fault("invalid_argument", cat(op, ": leftPadding ", left, " / rightPadding ", right,
                                  " elements exceed 32 bytes each"));
  }
  if (blockCount == 0 || blockLen == 0) return;
  const uint64_t ub_block = round_up(left * sizeof(T) + blockLen + right * sizeof(T), 32);
  const uint64_t ub_pitch = ub_block + dstGapBlocks * 32;
  const uint64_t gm_pitch = blockLen + srcGapBytes;
  check_local_range(dst, span(blockCount, ub_block, ub_pitch), op, "dst");
  check_gm(src, op, "src");
  src.sim_access(src.address_, span(blockCount, blockLen, gm_pitch), false, op, false);
  gm_bursts(r, src.address_, blockCount, blockLen, gm_pitch, false);
  local_bursts(r, dst.sim_buf_, dst.sim_addr_, blockCount, ub_block, ub_pitch, true);
  uint8_t* d = reinterpret_cast<uint8_t*>(dst.sim_addr_);
  const uint8_t* s = reinterpret_cast<const uint8_t*>(src.address_);
  const uint64_t elems = ub_block / sizeof(T);
  for (uint64_t b = 0; b < blockCount; ++b) {
    uint8_t* db = d + b * ub_pitch;
    const uint8_t* sb = s + b * gm_pitch;
    const T fill = pad_fill(isPad, left, right, padValue, sb);
    for (uint64_t i = 0; i < elems; ++i) std::memcpy(db + i * sizeof(T), static_cast<const void*>(&fill), sizeof(T));
    std::memmove(db + left * sizeof(T), sb, blockLen);
  }
}

// on-chip -> GM: exactly blockLen bytes per block. UB gap in 32-byte blocks, GM gap in bytes.
template <typename T>
inline void pad_local_to_gm(const OpRec& r, const AscendC::GlobalTensor<T>& dst, const AscendC::LocalTensor<T>& src,
                            uint32_t blockCount, uint32_t blockLen, uint64_t srcGapBlocks, uint64_t dstGapBytes) {
  const char* op = "DataCopyPad";
  check_block_count(blockCount, op);
  if (blockLen > 2097151u || blockLen % sizeof(T) != 0) {
    fault("invalid_argument", cat(op, ": blockLen ", blockLen, " bytes must be in [0, 2097151] and a multiple of ",
                                  sizeof(T), " (the element size)"));
  }
  if (blockCount == 0 || blockLen == 0) return;
  const uint64_t ub_pitch = round_up(blockLen, 32) + srcGapBlocks * 32;
  const uint64_t gm_pitch = blockLen + dstGapBytes;
  // CANN 8.1 (CheckDataCopyPadTensorSizeOverflow) bounds the UB side by whole 32-byte blocks, last block too.
  check_local_range(src, span(blockCount, round_up(blockLen, 32), ub_pitch), op, "src");
  check_gm(dst, op, "dst");
  dst.sim_access(dst.address_, span(blockCount, blockLen, gm_pitch), true, op, false);
  local_bursts(r, src.sim_buf_, src.sim_addr_, blockCount, blockLen, ub_pitch, false);
  gm_bursts(r, dst.address_, blockCount, blockLen, gm_pitch, true);
  if (atomic_store(reinterpret_cast<uint8_t*>(dst.address_), reinterpret_cast<const uint8_t*>(src.sim_addr_), blockCount, blockLen, ub_pitch, gm_pitch, op)) return;  // SetAtomicAdd/Max/Min on
  strided_copy(reinterpret_cast<uint8_t*>(dst.address_), reinterpret_cast<const uint8_t*>(src.sim_addr_), blockCount,
               blockLen, ub_pitch, gm_pitch);
}

}  // namespace ascendpy_sim

namespace AscendC {

// ---- contiguous ("level 2"): count elements, moved in whole 32-byte blocks ----

// GM -> on-chip (MTE2).
template <typename T>
inline void DataCopy(const LocalTensor<T>& dst, const GlobalTensor<T>& src, const uint32_t count) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE2, "DataCopy");
  const uint64_t bytes = ascendpy_sim::dma_bytes<T>(count);
  if (bytes == 0) return;
  ascendpy_sim::check_local_range(dst, bytes, "DataCopy", "dst");
  ascendpy_sim::check_gm(src, "DataCopy", "src");
  src.sim_access(src.address_, bytes, false, "DataCopy", false);
  ascendpy_sim::gm_access(r, src.address_, bytes, false);
  ascendpy_sim::local_access(r, dst.sim_buf_, dst.sim_addr_, bytes, true);
  std::memmove(static_cast<void*>(dst.sim_addr_), static_cast<const void*>(src.address_), bytes);
}

// on-chip -> GM (MTE3).
template <typename T>
inline void DataCopy(const GlobalTensor<T>& dst, const LocalTensor<T>& src, const uint32_t count) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE3, "DataCopy");
  const uint64_t bytes = ascendpy_sim::dma_bytes<T>(count);
  if (bytes == 0) return;
  ascendpy_sim::check_local_range(src, bytes, "DataCopy", "src");
  ascendpy_sim::check_gm(dst, "DataCopy", "dst");
  dst.sim_access(dst.address_, bytes, true, "DataCopy", false);
  ascendpy_sim::local_access(r, src.sim_buf_, src.sim_addr_, bytes, false);
  ascendpy_sim::gm_access(r, dst.address_, bytes, true);
  if (ascendpy_sim::atomic_store(reinterpret_cast<uint8_t*>(dst.address_), reinterpret_cast<const uint8_t*>(src.sim_addr_), 1, bytes, bytes, bytes, "DataCopy")) return;  // SetAtomicAdd/Max/Min on
  ascendpy_sim::gm_store_copy(static_cast<void*>(dst.address_), static_cast<const void*>(src.sim_addr_), bytes);
}

// on-chip -> on-chip.
template <typename T>
inline void DataCopy(const LocalTensor<T>& dst, const LocalTensor<T>& src, const uint32_t count) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(ascendpy_sim::local_copy_pipe(dst, src), "DataCopy");
  const uint64_t bytes = ascendpy_sim::dma_bytes<T>(count);
  if (bytes == 0) return;
  ascendpy_sim::check_local_range(dst, bytes, "DataCopy", "dst");
  ascendpy_sim::check_local_range(src, bytes, "DataCopy", "src");
  ascendpy_sim::local_access(r, src.sim_buf_, src.sim_addr_, bytes, false);
  ascendpy_sim::local_access(r, dst.sim_buf_, dst.sim_addr_, bytes, true);
  std::memmove(static_cast<void*>(dst.sim_addr_), static_cast<const void*>(src.sim_addr_), bytes);
}

// ---- strided ("level 0"): blockLen / srcStride / dstStride in 32-byte blocks ----

template <typename T>
inline void DataCopy(const LocalTensor<T>& dst, const GlobalTensor<T>& src, const DataCopyParams& p) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE2, "DataCopy");
  ascendpy_sim::check_copy_params(p);
  const uint64_t blk = uint64_t(p.blockLen) * 32, sp = blk + uint64_t(p.srcStride) * 32, dp = blk + uint64_t(p.dstStride) * 32;
  ascendpy_sim::check_local_range(dst, ascendpy_sim::span(p.blockCount, blk, dp), "DataCopy", "dst");
  ascendpy_sim::check_gm(src, "DataCopy", "src");
  src.sim_access(src.address_, ascendpy_sim::span(p.blockCount, blk, sp), false, "DataCopy", false);
  ascendpy_sim::gm_bursts(r, src.address_, p.blockCount, blk, sp, false);
  ascendpy_sim::local_bursts(r, dst.sim_buf_, dst.sim_addr_, p.blockCount, blk, dp, true);
  ascendpy_sim::strided_copy(reinterpret_cast<uint8_t*>(dst.sim_addr_), reinterpret_cast<const uint8_t*>(src.address_),
                             p.blockCount, blk, sp, dp);
}

template <typename T>
inline void DataCopy(const GlobalTensor<T>& dst, const LocalTensor<T>& src, const DataCopyParams& p) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE3, "DataCopy");
  ascendpy_sim::check_copy_params(p);
  const uint64_t blk = uint64_t(p.blockLen) * 32, sp = blk + uint64_t(p.srcStride) * 32, dp = blk + uint64_t(p.dstStride) * 32;
  ascendpy_sim::check_local_range(src, ascendpy_sim::span(p.blockCount, blk, sp), "DataCopy", "src");
  ascendpy_sim::check_gm(dst, "DataCopy", "dst");
  dst.sim_access(dst.address_, ascendpy_sim::span(p.blockCount, blk, dp), true, "DataCopy", false);
  ascendpy_sim::local_bursts(r, src.sim_buf_, src.sim_addr_, p.blockCount, blk, sp, false);
  ascendpy_sim::gm_bursts(r, dst.address_, p.blockCount, blk, dp, true);
  if (ascendpy_sim::atomic_store(reinterpret_cast<uint8_t*>(dst.address_), reinterpret_cast<const uint8_t*>(src.sim_addr_), p.blockCount, blk, sp, dp, "DataCopy")) return;  // SetAtomicAdd/Max/Min on
  ascendpy_sim::strided_copy(reinterpret_cast<uint8_t*>(dst.address_), reinterpret_cast<const uint8_t*>(src.sim_addr_),
                             p.blockCount, blk, sp, dp);
}

template <typename T>
inline void DataCopy(const LocalTensor<T>& dst, const LocalTensor<T>& src, const DataCopyParams& p) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(ascendpy_sim::local_copy_pipe(dst, src), "DataCopy");
  ascendpy_sim::check_copy_params(p);
  const uint64_t blk = uint64_t(p.blockLen) * 32, sp = blk + uint64_t(p.srcStride) * 32, dp = blk + uint64_t(p.dstStride) * 32;
  ascendpy_sim::check_local_range(dst, ascendpy_sim::span(p.blockCount, blk, dp), "DataCopy", "dst");
  ascendpy_sim::check_local_range(src, ascendpy_sim::span(p.blockCount, blk, sp), "DataCopy", "src");
  ascendpy_sim::local_bursts(r, src.sim_buf_, src.sim_addr_, p.blockCount, blk, sp, false);
  ascendpy_sim::local_bursts(r, dst.sim_buf_, dst.sim_addr_, p.blockCount, blk, dp, true);
  ascendpy_sim::strided_copy(reinterpret_cast<uint8_t*>(dst.sim_addr_), reinterpret_cast<const uint8_t*>(src.sim_addr_),
                             p.blockCount, blk, sp, dp);
}

// ---- non-aligned copies (910B only) ----

template <typename T>
inline void DataCopyPad(const LocalTensor<T>& dst, const GlobalTensor<T>& src, const DataCopyExtParams& p,
                        const DataCopyPadExtParams<T>& pad) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE2, "DataCopyPad");
  ascendpy_sim::require_datacopypad();
  ascendpy_sim::pad_gm_to_local(r, dst, src, p.blockCount, p.blockLen, p.srcStride, p.dstStride, pad.isPad,
                                pad.leftPadding, pad.rightPadding, pad.paddingValue);
}

template <typename T>
inline void DataCopyPad(const GlobalTensor<T>& dst, const LocalTensor<T>& src, const DataCopyExtParams& p) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE3, "DataCopyPad");
  ascendpy_sim::require_datacopypad();
  ascendpy_sim::pad_local_to_gm(r, dst, src, p.blockCount, p.blockLen, p.srcStride, p.dstStride);
}

// Older overloads: DataCopyParams with blockLen in bytes. DataCopyPadParams::paddingValue (uint64_t) goes to
// the pad register as it is (8.1 dav_c220: set_mov_pad_val(padParams.paddingValue)), so its low sizeof(T)
// bytes are the bits of the pad element (the Ext form converts a T value to its bits instead).
template <typename T>
inline void DataCopyPad(const LocalTensor<T>& dst, const GlobalTensor<T>& src, const DataCopyParams& p,
                        const DataCopyPadParams& pad) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE2, "DataCopyPad");
  ascendpy_sim::require_datacopypad();
  T value;
  std::memcpy(static_cast<void*>(&value), &pad.paddingValue, sizeof(T));  // little-endian: the low bytes
  ascendpy_sim::pad_gm_to_local(r, dst, src, p.blockCount, p.blockLen, p.srcStride, p.dstStride, pad.isPad,
                                pad.leftPadding, pad.rightPadding, value);
}

template <typename T>
inline void DataCopyPad(const GlobalTensor<T>& dst, const LocalTensor<T>& src, const DataCopyParams& p) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE3, "DataCopyPad");
  ascendpy_sim::require_datacopypad();
  ascendpy_sim::pad_local_to_gm(r, dst, src, p.blockCount, p.blockLen, p.srcStride, p.dstStride);
}

}  // namespace AscendC
