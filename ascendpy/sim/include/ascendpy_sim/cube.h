// ascendpy simulator: the cube unit's data path (CANN 8.1 declarations, reference §1.9).
//
//   GM --DataCopy(Nd2NzParams), MTE2--> L1 (A1/B1, NZ)
//      --LoadData(LoadData2DParams), MTE1--> L0A (A2, "Zz") / L0B (B2, "Zn")
//      --Mmad(MmadParams), M--> L0C (CO1, "Nz")
//      --Fixpipe(FixpipeParamsV220), FIX--> GM (ND or NZ)              910B (dav-c220) only
//      --DataCopy(DataCopyParams, DataCopyEnhancedParams), V--> UB (CO2, NZ) --DataCopy, MTE3--> GM   310P only
//
// The data is stored exactly as the hardware stores it, so a kernel that moves it with the wrong layout
// computes wrong numbers here too. With C0 = 32 bytes / sizeof(T) elements and a fractal = 512 bytes:
//  * L1 after Nd2Nz: element (r, c) of ND matrix i lands at element
//      i * dstNzMatrixStride + ((c / C0) * dstNzC0Stride + r * dstNzNStride) * C0 + c % C0
//    (strides in 32-byte units); the partial last C0 block of a row is zero-filled to 32 bytes.
//  * LoadData: repeat j copies fractal (startIndex + j * srcStride) of the L1 source to fractal
//    j * (1 + dstGap) of L0A/L0B; ifTranspose (16-bit types only) transposes each 16x16 fractal.
//  * L0A ("Zz"): fractal (mb, kb) is fractal mb * Kf + kb, element (m_in, k_in) at m_in * C0 + k_in, where
//    Kf = ceil(k / C0), or ceil(k / 16) * 2 for float with kDirectionAlign.
//  * L0B ("Zn"): fractal (kb, nb) is fractal kb * ceil(n / 16) + nb, element (n_in, k_in) at n_in * C0 + k_in.
//  * L0C ("Nz"): element (m, n) at ((n / 16) * ceil16(m) + m) * 16 + n % 16, in the accumulator type.
//  * Mmad computes every row and column of the whole fractals covering m x n, summing over
//    k < ceil(k / C0) * C0 (the padding of the last k fractal is read as stored): half / bfloat16_t
//    products are exact in float and accumulated in float in k order, float in float, int8 in int32
//    (wrapping). m == 1 is the hardware's GEMV mode: L0A is read as one contiguous row of k elements
//    (ND, not Zz) and only row 0 of each C fractal is written.
//  * Fixpipe NZ2ND (CFG_ROW_MAJOR): row m, column n of ND matrix i (at i * dstNdStride elements) is
//    element (i * srcNdStride * 256) + (n / 16) * srcStride * 16 + m * 16 + n % 16 of L0C
//    (srcStride in 16-element rows, srcNdStride in 16x16 fractals), stored at m * dstStride + n.
//    ReLU (reluEn) is applied first, then the conversion, rounding to nearest even (F322F16,
//    F322BF16); out-of-range values become inf (the non-saturating mode).
//  * 310P L0C -> UB (BLOCK_MODE_MATRIX): blockCount blocks of blockLen 16x16 fractals; srcStride is the
//    gap between blocks in source fractals, dstStride the gap in 32-byte units; the NZ layout is kept,
//    each fractal converted to the destination type.
//
// Alignment (relative to the start of each on-chip memory): L1 operands 32 bytes, L0A/L0B 512 bytes,
// the Mmad destination 1024 bytes (512 for a half accumulator on 310P; CANN 8.1's CheckMmadAlign and
// the Mmad documentation), the Fixpipe / L0C->UB source 64 bytes (8.1's L0C_SRC_ALIGN), the UB side 32.
//
// Race checker: every instruction records its accesses on its pipe (MTE2: GM read + L1 write, MTE1:
// L1 read + L0A/L0B write, M: L0A/L0B read + L0C read when accumulating + L0C write, FIX: L0C read +
// GM write, 310P L0C->UB on V). On 310P, Nd2Nz is a software routine of CANN 8.1 that stages through
// the last 8 KiB of UB (MTE2 -> V -> MTE3) and waits for MTE3 before it returns: its L1 writes are
// recorded on MTE3 and MTE2 is then ordered after them.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core.h"
#include "data_copy.h"
#include "fp16.h"
#include "race.h"
#include "tensor.h"
#include "tpipe.h"
#include "types.h"
#include "vec.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define ASCENDPY_SIM_CUBE_X86 1
#include <immintrin.h>
#else
#define ASCENDPY_SIM_CUBE_X86 0
#endif

// Compiler built-ins of bisheng (the CPU-debug stub declares them in the global namespace, stub_fun.h).
typedef enum {
  NoQuant = 0,
  F322F16 = 1,
  AttachF16Mul = 6,
  VREQ8 = 8,
  REQ8 = 9,
  VDEQF16 = 10,
  DEQF16 = 11,
  VSHIFTS322S16 = 12,
  SHIFTS322S16 = 13,
  F322BF16 = 16,
  VQF162B8_PRE = 17,
  QF162B8_PRE = 18,
  VQF162S4_PRE = 19,
  QF162S4_PRE = 20,
  VREQ4 = 21,
  REQ4 = 22,
  VQF322B8_PRE = 23,
  QF322B8_PRE = 24,
  VQF322S4_PRE = 25,
  QF322S4_PRE = 26,
  VDEQS16 = 27,
  DEQS16 = 28,
  VQF162S16_PRE = 29,
  QF162S16_PRE = 30,
} QuantMode_t;

typedef enum {
  PAD_NONE = 0,
  PAD_MODE1 = 1,
  PAD_MODE2 = 2,
  PAD_MODE3 = 3,
  PAD_MODE4 = 4,
  PAD_MODE5 = 5,
  PAD_MODE6 = 6,
  PAD_MODE7 = 7,
  PAD_MODE8 = 8,
} pad_t;

namespace AscendC {

// impl/utils/kernel_utils_mode.h
enum class BlockMode : uint8_t {
  BLOCK_MODE_NORMAL = 0,
  BLOCK_MODE_MATRIX,
  BLOCK_MODE_VECTOR,
  BLOCK_MODE_SMALL_CHANNEL,
  BLOCK_MODE_DEPTHWISE,
};

enum class DeqScale : uint8_t {
  DEQ_NONE = 0,
  DEQ,
  VDEQ,
  DEQ8,
  VDEQ8,
  DEQ16,
  VDEQ16,
};

// interface/kernel_struct_data_copy.h
struct DataCopyEnhancedParams {
  DataCopyEnhancedParams() {}
  DataCopyEnhancedParams(const BlockMode blockModeIn, const DeqScale deqScaleIn, const uint64_t deqValueIn,
                         const uint8_t sidStoreModeIn, const bool isReluIn, const pad_t padModeIn,
                         const uint64_t padValueIn)
      : blockMode(blockModeIn),
        deqScale(deqScaleIn),
        deqValue(deqValueIn),
        sidStoreMode(sidStoreModeIn),
        isRelu(isReluIn),
        padMode(padModeIn),
        padValue(padValueIn) {}

  BlockMode blockMode = BlockMode::BLOCK_MODE_NORMAL;
  DeqScale deqScale = DeqScale::DEQ_NONE;
  uint64_t deqValue = 0;
  uint8_t sidStoreMode = 0;
  bool isRelu = false;
  pad_t padMode = pad_t::PAD_NONE;
  uint64_t padValue = 0;
  uint64_t deqTensorAddr = 0;
};

struct Nd2NzParams {
  Nd2NzParams() {}
  Nd2NzParams(const uint16_t ndNumIn, const uint16_t nValueIn, const uint16_t dValueIn,
              const uint16_t srcNdMatrixStrideIn, const uint16_t srcDValueIn, const uint16_t dstNzC0StrideIn,
              const uint16_t dstNzNStrideIn, const uint16_t dstNzMatrixStrideIn)
      : ndNum(ndNumIn),
        nValue(nValueIn),
        dValue(dValueIn),
        srcNdMatrixStride(srcNdMatrixStrideIn),
        srcDValue(srcDValueIn),
        dstNzC0Stride(dstNzC0StrideIn),
        dstNzNStride(dstNzNStrideIn),
        dstNzMatrixStride(dstNzMatrixStrideIn) {}

  uint16_t ndNum = 0;
  uint16_t nValue = 0;
  uint16_t dValue = 0;
  uint16_t srcNdMatrixStride = 0;
  uint16_t srcDValue = 0;
  uint16_t dstNzC0Stride = 0;
  uint16_t dstNzNStride = 0;
  uint16_t dstNzMatrixStride = 0;
};

// interface/kernel_struct_mm.h
using LoadData2dParams = struct LoadData2DParams;
struct LoadData2DParams {
  LoadData2DParams() {}
  LoadData2DParams(const uint16_t startIndexIn, const uint8_t repeatTimesIn, const uint16_t srcStrideIn,
                   const uint8_t sidIn, const uint16_t dstGapIn, const bool ifTransposeIn, const uint8_t addrModeIn)
      : startIndex(startIndexIn),  // in member order (the parameters come in another)
        dstGap(dstGapIn),
        srcStride(srcStrideIn),
        ifTranspose(ifTransposeIn),
        repeatTimes(repeatTimesIn),
        sid(sidIn),
        addrMode(addrModeIn) {}

  uint16_t startIndex = 0;
  uint16_t dstGap = 0;
  uint16_t srcStride = 0;
  bool ifTranspose = 0;
  uint8_t repeatTimes = 0;

  uint8_t sid = 0;
  uint8_t addrMode = 0;
};

struct MmadParams {
  MmadParams() {}
  MmadParams(const uint16_t mIn, const uint16_t nIn, const uint16_t kIn, const bool isBiasIn, const int32_t fmOffsetIn,
             const bool enSsparseIn, const bool enWinogradAIn, const bool enWinogradBIn)
      : m(mIn),
        n(nIn),
        k(kIn),
        isBias(isBiasIn),
        fmOffset(fmOffsetIn),
        enSsparse(enSsparseIn),
        enWinogradA(enWinogradAIn),
        enWinogradB(enWinogradBIn) {}
  MmadParams(const uint16_t mIn, const uint16_t nIn, const uint16_t kIn, const uint8_t unitFlagIn,
             const bool cmatrixSourceIn, const bool cmatrixInitValIn)
      : m(mIn), n(nIn), k(kIn), unitFlag(unitFlagIn), cmatrixSource(cmatrixSourceIn), cmatrixInitVal(cmatrixInitValIn) {}

  uint16_t m = 0;
  uint16_t n = 0;
  uint16_t k = 0;
  bool isBias = false;  // deprecated: accumulate onto the C matrix
  int32_t fmOffset = 0;
  bool enSsparse = false;
  bool enWinogradA = false;
  bool enWinogradB = false;
  uint8_t unitFlag = 0;
  bool kDirectionAlign = false;
  bool cmatrixSource = false;  // true: the C matrix comes from the bias table (C2)
  bool cmatrixInitVal = true;  // true: C starts at 0; false: accumulate onto L0C
};

// interface/kernel_struct_fixpipe.h
enum class CO2Layout : uint8_t {
  NZ = 0,
  ROW_MAJOR,     // ND Row
  COLUMN_MAJOR,  // ND Column
};

struct FixpipeConfig {
  CO2Layout format;
};

constexpr FixpipeConfig CFG_NZ = {CO2Layout::NZ};
constexpr FixpipeConfig CFG_ROW_MAJOR = {CO2Layout::ROW_MAJOR};

struct FixpipeParamsV220 {
  FixpipeParamsV220() {}
  FixpipeParamsV220(const uint16_t nSizeIn, const uint16_t mSizeIn, const uint16_t srcStrideIn,
                    const uint32_t dstStrideIn, const bool reluEnIn)
      : nSize(nSizeIn), mSize(mSizeIn), srcStride(srcStrideIn), dstStride(dstStrideIn), reluEn(reluEnIn) {}
  FixpipeParamsV220(const uint16_t nSizeIn, const uint16_t mSizeIn, const uint16_t srcStrideIn,
                    const uint32_t dstStrideIn, const bool reluEnIn, const QuantMode_t quantPreIn,
                    const int64_t deqScalarIn, const uint16_t ndNumIn, const uint16_t srcNdStrideIn,
                    const uint16_t dstNdStrideIn, const uint8_t unitFlagIn)
      : nSize(nSizeIn),
        mSize(mSizeIn),
        srcStride(srcStrideIn),
        dstStride(dstStrideIn),
        quantPre(quantPreIn),
        deqScalar(deqScalarIn),
        ndNum(ndNumIn),
        srcNdStride(srcNdStrideIn),
        dstNdStride(dstNdStrideIn),
        reluEn(reluEnIn),
        unitFlag(unitFlagIn) {}
  FixpipeParamsV220(const uint16_t nSizeIn, const uint16_t mSizeIn, const uint16_t srcStrideIn,
                    const uint32_t dstStrideIn, const bool reluEnIn, const QuantMode_t quantPreIn,
                    const int64_t deqScalarIn, const uint16_t ndNumIn, const uint16_t srcNdStrideIn,
                    const uint16_t dstNdStrideIn, const uint8_t unitFlagIn, const bool isChannelSplitIn)
      : nSize(nSizeIn),
        mSize(mSizeIn),
        srcStride(srcStrideIn),
        dstStride(dstStrideIn),
        quantPre(quantPreIn),
        deqScalar(deqScalarIn),
        ndNum(ndNumIn),
        srcNdStride(srcNdStrideIn),
        dstNdStride(dstNdStrideIn),
        reluEn(reluEnIn),
        unitFlag(unitFlagIn),
        isChannelSplit(isChannelSplitIn) {}

  uint16_t nSize = 0;
  uint16_t mSize = 0;  // M-DirectionSize
  uint16_t srcStride = 0;
  uint32_t dstStride = 0;
  // Params: used for Quant
  QuantMode_t quantPre = QuantMode_t::NoQuant;
  uint64_t deqScalar;
  // Params: used for nz2nd
  uint16_t ndNum = 1;
  uint16_t srcNdStride = 0;
  uint16_t dstNdStride = 0;
  bool reluEn = false;
  uint8_t unitFlag = 0;
  bool isChannelSplit = false;
};

}  // namespace AscendC

namespace ascendpy_sim {

// Element kinds the cube path converts between (one non-template implementation per instruction).
enum class CK : uint8_t { F16, BF16, F32, I8, U8, I16, U16, I32, U32 };

template <typename T>
constexpr CK ck_of() {
  return std::is_same<T, half>::value         ? CK::F16
         : std::is_same<T, bfloat16_t>::value ? CK::BF16
         : std::is_same<T, float>::value      ? CK::F32
         : std::is_same<T, int8_t>::value     ? CK::I8
         : std::is_same<T, uint8_t>::value    ? CK::U8
         : std::is_same<T, int16_t>::value    ? CK::I16
         : std::is_same<T, uint16_t>::value   ? CK::U16
         : std::is_same<T, int32_t>::value    ? CK::I32
                                              : CK::U32;
}

inline const char* ck_name(CK k) {
  switch (k) {
    case CK::F16: return "half";
    case CK::BF16: return "bfloat16_t";
    case CK::F32: return "float";
    case CK::I8: return "int8_t";
    case CK::U8: return "uint8_t";
    case CK::I16: return "int16_t";
    case CK::U16: return "uint16_t";
    case CK::I32: return "int32_t";
    case CK::U32: return "uint32_t";
  }
  return "?";
}

inline uint64_t ck_size(CK k) {
  switch (k) {
    case CK::I8:
    case CK::U8: return 1;
    case CK::F16:
    case CK::BF16:
    case CK::I16:
    case CK::U16: return 2;
    default: return 4;
  }
}

inline bool ck_float(CK k) { return k == CK::F16 || k == CK::BF16 || k == CK::F32; }

// Element i of a raw buffer as float / int64 (exact for every kind here except int32 -> float).
inline float ck_load_f(const uint8_t* p, CK k, uint64_t i) {
  uint16_t h;
  switch (k) {
    case CK::F16: std::memcpy(&h, p + 2 * i, 2); return f16_to_f32(h);
    case CK::BF16: std::memcpy(&h, p + 2 * i, 2); return bf16_to_f32(h);
    case CK::F32: {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      return f;
    }
    default: break;
  }
  return 0.0f;
}
inline int64_t ck_load_i(const uint8_t* p, CK k, uint64_t i) {
  switch (k) {
    case CK::I8: return static_cast<int8_t>(p[i]);
    case CK::U8: return p[i];
    case CK::I16: {
      int16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case CK::U16: {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case CK::I32: {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case CK::U32: {
      uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      return v;
    }
    default: break;
  }
  return 0;
}
// Stores a double rounded once to a float kind (nearest even), or an integer (wrapping).
inline void ck_store(uint8_t* p, CK k, uint64_t i, double v, int64_t iv) {
  switch (k) {
    case CK::F16: {
      const uint16_t h = half(v).val;
      std::memcpy(p + 2 * i, &h, 2);
      return;
    }
    case CK::BF16: {
      const uint16_t h = bfloat16_t(v).val;
      std::memcpy(p + 2 * i, &h, 2);
      return;
    }
    case CK::F32: {
      const float f = static_cast<float>(v);
      std::memcpy(p + 4 * i, &f, 4);
      return;
    }
    case CK::I8:
    case CK::U8: p[i] = static_cast<uint8_t>(iv); return;
    case CK::I16:
    case CK::U16: {
      const uint16_t u = static_cast<uint16_t>(iv);
      std::memcpy(p + 2 * i, &u, 2);
      return;
    }
    case CK::I32:
    case CK::U32: {
      const uint32_t u = static_cast<uint32_t>(iv);
      std::memcpy(p + 4 * i, &u, 4);
      return;
    }
  }
}

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// An operand of a cube instruction: live, in one of the memories `hw_a` / `hw_b`, aligned, `bytes` in bounds.
__attribute__((noinline)) inline void check_cube_operand(const void* addr, const BufDesc* buf, uint32_t gen,
                                                         uint64_t bytes, const char* op, const char* role,
                                                         uint64_t align, Hw hw_a, Hw hw_b, const char* where) {
  check_live(addr, buf, gen, op);
  if (buf->hw != hw_a && buf->hw != hw_b) {
    fault("bad_position", cat(op, ": ", role, " is a TPosition::", pos_name(buf->pos), " tensor in the ",
                              hw_name(buf->hw), "; it must be ", where));
  }
  check_range(addr, buf, gen, bytes, op, role, align, false);
}

// On 910B the cube unit (MTE1, M, FIX and the L0 buffers) belongs to the AIC cores; CANN 8.1 wraps these
// instructions in `if ASCEND_IS_AIC`, so on an AIV they silently do nothing. The simulator refuses them there.
inline void require_aic(const char* op) {
#if __CCE_AICORE__ == 220
  if (block_state() && core_type() == AscendC::AIV) {
    fault("bad_position", cat(op, " is a cube instruction, and this block runs on an AIV (vector) core, where CANN "
                              "8.1 skips it: declare the kernel KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY), or in a "
                              "mix kernel run it under `if ASCEND_IS_AIC`"));
  }
#else
  (void)op;
#endif
}

[[noreturn]] __attribute__((noinline, cold)) inline void bad_param(const char* op, const char* name, uint64_t v,
                                                                     const char* range) {
  fault("invalid_argument", cat(op, ": ", name, " = ", v, " is outside ", range));
}

// Race checker: `blocks` bursts of `block_bytes` every `pitch` bytes of global memory from p, the shadow edited
// once for all of them (data_copy.h's gm_bursts records them one by one).
inline void gm_bursts_strided(const OpRec& r, const void* p, uint64_t blocks, uint64_t block_bytes, uint64_t pitch,
                              bool write) {
  if (!r.st) return;
  if (pitch == block_bytes || blocks < 2) {
    gm_access(r, p, blocks * block_bytes, write);
  } else if (pitch > block_bytes) {
    gm_strided_tracked(r, p, blocks, block_bytes, pitch, write);
  } else {
    gm_bursts(r, p, blocks, block_bytes, pitch, write);  // overlapping bursts: one by one
  }
}

// ---- GM -> L1 with ND -> NZ conversion ----

struct Nd2NzGeom {
  uint64_t c0 = 0, cblocks = 0, nstride = 0;
  uint64_t gm_span = 0;  // bytes read from the source start
  uint64_t l1_span = 0;  // bytes written from the destination start
  uint64_t row_read = 0;  // bytes read per row
};

// Validates the parameters (CANN 8.1 CheckNd2NzParams and the documented ranges); false for a NOP.
__attribute__((noinline)) inline bool nd2nz_geometry(const AscendC::Nd2NzParams& p, uint64_t esize, bool p310,
                                                     Nd2NzGeom* g) {
  const char* op = "DataCopy with Nd2NzParams";
  if (p.ndNum > 4095) bad_param(op, "ndNum", p.ndNum, "[0, 4095]");
  if (p.nValue > 16384) bad_param(op, "nValue", p.nValue, "[0, 16384]");
  if (p.dstNzC0Stride > 16384) bad_param(op, "dstNzC0Stride", p.dstNzC0Stride, "[1, 16384]");
  if (p.dstNzNStride > 16384) bad_param(op, "dstNzNStride", p.dstNzNStride, "[1, 16384]");
  if (p.dstNzMatrixStride > 16384) bad_param(op, "dstNzMatrixStride", p.dstNzMatrixStride, "[0, 16384]");
  if (p.ndNum == 0 || p.nValue == 0 || p.dValue == 0) return false;  // documented NOP
  if (p.srcDValue == 0) bad_param(op, "srcDValue", p.srcDValue, "[1, 65535]");
  if (p.dstNzC0Stride == 0) bad_param(op, "dstNzC0Stride", p.dstNzC0Stride, "[1, 16384]");
  if (p.dstNzNStride == 0) bad_param(op, "dstNzNStride", p.dstNzNStride, "[1, 16384]");
  g->c0 = 32 / esize;
  g->cblocks = ceil_div(p.dValue, g->c0);
  // CANN 8.1's 310P routine stores the rows of each C0 column contiguously (it never reads dstNzNStride),
  // and reads each row from GM in whole 32-byte blocks.
  g->nstride = p310 ? 1 : p.dstNzNStride;
  g->row_read = p310 ? g->cblocks * 32 : p.dValue * esize;
  g->gm_span = ((p.ndNum - 1ull) * p.srcNdMatrixStride + (p.nValue - 1ull) * p.srcDValue) * esize + g->row_read;
  g->l1_span = (p.ndNum - 1ull) * p.dstNzMatrixStride * esize +
               ((g->cblocks - 1) * p.dstNzC0Stride + (p.nValue - 1ull) * g->nstride + 1) * 32;
  return true;
}

__attribute__((noinline)) inline void nd2nz_run(const OpRec& rd, const OpRec& wr, const BufDesc* buf, uint8_t* dst,
                                                const uint8_t* src, const AscendC::Nd2NzParams& p, uint64_t es,
                                                const Nd2NzGeom& g) {
  for (uint64_t i = 0; i < p.ndNum; ++i) {
    gm_bursts_strided(rd, src + i * p.srcNdMatrixStride * es, p.nValue, g.row_read, p.srcDValue * es, false);
    for (uint64_t cb = 0; cb < g.cblocks; ++cb) {
      uint8_t* col = dst + i * p.dstNzMatrixStride * es + cb * p.dstNzC0Stride * 32;
      local_bursts(wr, buf, col, p.nValue, 32, g.nstride * 32, true);
    }
  }
  for (uint64_t i = 0; i < p.ndNum; ++i) {
    const uint8_t* s = src + i * p.srcNdMatrixStride * es;
    uint8_t* d = dst + i * p.dstNzMatrixStride * es;
    for (uint64_t r = 0; r < p.nValue; ++r) {
      const uint8_t* row = s + r * p.srcDValue * es;
      for (uint64_t cb = 0; cb < g.cblocks; ++cb) {
        uint8_t* blk = d + (cb * p.dstNzC0Stride + r * g.nstride) * 32;
        const uint64_t have = p.dValue - cb * g.c0 < g.c0 ? p.dValue - cb * g.c0 : g.c0;
        if (have == g.c0) {
          std::memcpy(blk, row + cb * 32, 32);  // GM -> L1: never the same memory
          continue;
        }
        std::memmove(blk, row + cb * 32, have * es);
        std::memset(blk + have * es, 0, (g.c0 - have) * es);
      }
    }
  }
}

// ---- L1 -> L0A / L0B ----

__attribute__((noinline)) inline void load2d_run(const OpRec& r, const BufDesc* dbuf, uint8_t* dst, uint32_t dgen,
                                                 const BufDesc* sbuf, const uint8_t* src, uint32_t sgen,
                                                 const AscendC::LoadData2DParams& p, uint64_t es, const char* tname) {
  const char* op = "LoadData";
  require_aic(op);
  check_cube_operand(src, sbuf, sgen, 0, op, "src", 32, Hw::L1, Hw::L1, "an A1/B1 tensor in the L1 buffer");
  check_cube_operand(dst, dbuf, dgen, 0, op, "dst", 512, Hw::L0A, Hw::L0B,
                     "an A2 (L0A) or B2 (L0B) tensor");
  if (p.ifTranspose && es != 2) {
    fault("invalid_argument", cat(op, ": ifTranspose on ", tname, ": CANN 8.1 transposes 16x16 fractals of 16-bit "
                                  "types only (half, bfloat16_t, int16_t, uint16_t)"));
  }
  if (p.addrMode != 0) {
    fault("invalid_argument", cat(op, ": addrMode = ", int(p.addrMode), ": L1 -> L0A/L0B always increments the "
                                  "fractal index (only GM -> L1 honours addrMode); set 0"));
  }
  if (p.repeatTimes == 0) return;  // documented NOP
  const uint64_t n = p.repeatTimes;
  const uint64_t src_end = (p.startIndex + (n - 1) * p.srcStride + 1) * 512;
  const uint64_t dst_end = ((n - 1) * (1ull + p.dstGap) + 1) * 512;
  check_range(src, sbuf, sgen, src_end, op, "src", 32, false);
  check_range(dst, dbuf, dgen, dst_end, op, "dst", 512, false);
  if (r.st) {
    if (p.srcStride == 1) {
      local_access(r, sbuf, src + p.startIndex * 512ull, n * 512, false);
    } else {
      for (uint64_t j = 0; j < n; ++j) local_access(r, sbuf, src + (p.startIndex + j * p.srcStride) * 512, 512, false);
    }
    local_bursts(r, dbuf, dst, n, 512, (1ull + p.dstGap) * 512, true);
  }
  for (uint64_t j = 0; j < n; ++j) {
    const uint8_t* s = src + (p.startIndex + j * p.srcStride) * 512;
    uint8_t* d = dst + j * (1ull + p.dstGap) * 512;
    if (!p.ifTranspose) {
      std::memmove(d, s, 512);
      continue;
    }
    uint16_t t[256];
    std::memcpy(t, s, 512);
    for (int a = 0; a < 16; ++a)
      for (int b = 0; b < 16; ++b) std::memcpy(d + (a * 16 + b) * 2, &t[b * 16 + a], 2);
  }
}

// ---- Mmad ----

// C[m][n] (row-major, ld = ldc) += sum_k A[m][k] * B[k][n], k in order; vectorisable over n.
__attribute__((noinline)) inline void gemm_f32(const float* A, const float* B, float* C, uint64_t M, uint64_t N,
                                               uint64_t K) {
  for (uint64_t m = 0; m < M; ++m) {
    float* __restrict c = C + m * N;
    const float* a = A + m * K;
    for (uint64_t k = 0; k < K; ++k) {
      const float av = a[k];
      const float* __restrict b = B + k * N;
      for (uint64_t n = 0; n < N; ++n) c[n] += av * b[n];
    }
  }
}
__attribute__((noinline)) inline void gemm_i32(const int32_t* A, const int32_t* B, uint32_t* C, uint64_t M,
                                               uint64_t N, uint64_t K) {
  for (uint64_t m = 0; m < M; ++m) {
    uint32_t* __restrict c = C + m * N;
    const int32_t* a = A + m * K;
    for (uint64_t k = 0; k < K; ++k) {
      const uint32_t av = static_cast<uint32_t>(a[k]);
      const int32_t* __restrict b = B + k * N;
      for (uint64_t n = 0; n < N; ++n) c[n] += av * static_cast<uint32_t>(b[n]);
    }
  }
}

struct MmadOperands {
  uint8_t* c;
  const BufDesc* cbuf;
  uint32_t cgen;
  const uint8_t* a;
  const BufDesc* abuf;
  uint32_t agen;
  const uint8_t* b;
  const BufDesc* bbuf;
  uint32_t bgen;
  CK ck, ak, bk;
};

// What an Mmad computes once its operands are checked: MR x NC accumulators (whole fractals; one row in GEMV
// mode), KC = ceil(k / c0) * c0 products each, L0A fractal rows kstride fractals apart, L0C column blocks `rows`
// rows high.
struct MmadGeom {
  bool gemv, accumulate;
  uint64_t c0, nf, kstride, rows, MR, NC, KC;
};

// The Mmad element by element (the portable path, and the reference the fast one is tested against):
// dense copies A[m][k], B[k][n], C[m][n], gemm_f32 / gemm_i32, the result stored back.
__attribute__((noinline)) inline void mmad_reference(const MmadOperands& o, const MmadGeom& g) {
  const bool gemv = g.gemv, accumulate = g.accumulate;
  const uint64_t c0 = g.c0, nf = g.nf, kstride = g.kstride, rows = g.rows, MR = g.MR, NC = g.NC, KC = g.KC;
  auto a_index = [&](uint64_t m, uint64_t k) {
    return gemv ? k : ((m / 16) * kstride + k / c0) * 16 * c0 + (m % 16) * c0 + k % c0;
  };
  auto b_index = [&](uint64_t k, uint64_t n) { return ((k / c0) * nf + n / 16) * 16 * c0 + (n % 16) * c0 + k % c0; };
  auto c_index = [&](uint64_t m, uint64_t n) { return ((n / 16) * rows + m) * 16 + n % 16; };
  if (ck_float(o.ak)) {
    std::vector<float> A(MR * KC), B(KC * NC), C(MR * NC, 0.0f);
    for (uint64_t m = 0; m < MR; ++m)
      for (uint64_t k = 0; k < KC; ++k) A[m * KC + k] = ck_load_f(o.a, o.ak, a_index(m, k));
    for (uint64_t k = 0; k < KC; ++k)
      for (uint64_t n = 0; n < NC; ++n) B[k * NC + n] = ck_load_f(o.b, o.bk, b_index(k, n));
    if (accumulate)
      for (uint64_t m = 0; m < MR; ++m)
        for (uint64_t n = 0; n < NC; ++n) C[m * NC + n] = ck_load_f(o.c, o.ck, c_index(m, n));
    gemm_f32(A.data(), B.data(), C.data(), MR, NC, KC);
    for (uint64_t m = 0; m < MR; ++m)
      for (uint64_t n = 0; n < NC; ++n) ck_store(o.c, o.ck, c_index(m, n), C[m * NC + n], 0);
  } else {
    std::vector<int32_t> A(MR * KC), B(KC * NC);
    std::vector<uint32_t> C(MR * NC, 0u);
    for (uint64_t m = 0; m < MR; ++m)
      for (uint64_t k = 0; k < KC; ++k) A[m * KC + k] = static_cast<int32_t>(ck_load_i(o.a, o.ak, a_index(m, k)));
    for (uint64_t k = 0; k < KC; ++k)
      for (uint64_t n = 0; n < NC; ++n) B[k * NC + n] = static_cast<int32_t>(ck_load_i(o.b, o.bk, b_index(k, n)));
    if (accumulate)
      for (uint64_t m = 0; m < MR; ++m)
        for (uint64_t n = 0; n < NC; ++n)
          C[m * NC + n] = static_cast<uint32_t>(ck_load_i(o.c, o.ck, c_index(m, n)));
    gemm_i32(A.data(), B.data(), C.data(), MR, NC, KC);
    for (uint64_t m = 0; m < MR; ++m)
      for (uint64_t n = 0; n < NC; ++n) ck_store(o.c, o.ck, c_index(m, n), 0.0, static_cast<int32_t>(C[m * NC + n]));
  }
}

// ---- Mmad on the host's SIMD unit ----
// ASCENDPY_SIM_CUBE=reference makes every cube instruction take its element-by-element path (tests compare the
// two bit for bit); read per instruction, so a test can switch it between launches.
inline bool cube_reference() {
  const char* e = std::getenv("ASCENDPY_SIM_CUBE");
  return e && std::strcmp(e, "reference") == 0;
}

#if ASCENDPY_SIM_CUBE_X86
// The fast Mmad computes exactly what mmad_reference computes: every accumulator starts at 0 (or its L0C
// value), then c = c + (a * b) for k = 0, 1, ... in order, one rounded multiply and one rounded add each (no
// fused multiply-add: float and bfloat16_t products are not exact), vectorised across 16 columns n, a block of
// 8 rows x 32 columns of C in registers. The operands are first unpacked once per instruction into dense float
// (int32) scratch: A[m][k] and B[k][n].
#define ASCENDPY_SIM_CUBE_AVX512 __attribute__((target("avx512f")))
#define ASCENDPY_SIM_CUBE_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

inline bool have_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
}

// 16 binary16 -> 16 float, bit for bit f16_to_f32 (a signalling NaN stays signalling, unlike F16C's vcvtph2ps).
// The half -> float conversion of fp16.h, vectorised here for the cube until fp16.h has one of its own.
ASCENDPY_SIM_CUBE_AVX512_INLINE __m512 f16x16_to_f32(const uint8_t* p) {
  const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  const __m512i sign = _mm512_slli_epi32(_mm512_and_si512(h, _mm512_set1_epi32(0x8000)), 16);
  const __m512i em = _mm512_and_si512(h, _mm512_set1_epi32(0x7fff));
  const __m512i sh = _mm512_slli_epi32(em, 13);
  __m512i v = _mm512_add_epi32(sh, _mm512_set1_epi32(112 << 23));  // normal: rebias the exponent
  const __mmask16 special = _mm512_cmpge_epu32_mask(em, _mm512_set1_epi32(0x7c00));
  v = _mm512_mask_or_epi32(v, special, sh, _mm512_set1_epi32(0x7f800000));  // inf / NaN, payload kept
  const __mmask16 sub = _mm512_cmplt_epu32_mask(em, _mm512_set1_epi32(0x400));
  const __m512 den = _mm512_mul_ps(_mm512_cvtepi32_ps(em), _mm512_set1_ps(5.9604644775390625e-8f));  // m * 2^-24
  v = _mm512_mask_mov_epi32(v, sub, _mm512_castps_si512(den));
  return _mm512_castsi512_ps(_mm512_or_si512(v, sign));
}

// n contiguous elements of kind k (F16, BF16, F32) -> float.
ASCENDPY_SIM_CUBE_AVX512 inline void widen_f32(const uint8_t* s, CK k, float* d, uint64_t n) {
  uint64_t i = 0;
  if (k == CK::F16) {
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(d + i, f16x16_to_f32(s + 2 * i));
  } else if (k == CK::BF16) {
    for (; i + 16 <= n; i += 16) {
      const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 2 * i));
      _mm512_storeu_si512(d + i, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
  } else if (k == CK::F32) {
    std::memcpy(d, s, n * 4);
    return;
  }
  for (; i < n; ++i) d[i] = ck_load_f(s, k, i);
}
// n contiguous elements of kind k (I8, U8) -> int32.
ASCENDPY_SIM_CUBE_AVX512 inline void widen_i32(const uint8_t* s, CK k, int32_t* d, uint64_t n) {
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    _mm512_storeu_si512(d + i, k == CK::I8 ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b));
  }
  for (; i < n; ++i) d[i] = static_cast<int32_t>(ck_load_i(s, k, i));
}

// The element operations of the two accumulator kinds.
struct SimdF32 {
  using V = __m512;
  using E = float;
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V zero() { return _mm512_setzero_ps(); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V load(const E* p) { return _mm512_loadu_ps(p); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static void store(E* p, V v) { _mm512_storeu_ps(p, v); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V bcast(E x) { return _mm512_set1_ps(x); }
  // (b * a) + c, two roundings, as g++ compiles mmad_reference's `c[n] += av * b[n]` for x86-64: mulss with b
  // as the first source, then addss with the product first. In asm because the order of the sources picks the
  // NaN when both are NaNs (x86 returns the first), which the compiler may swap, and because AVX-512F has FMA
  // instructions that g++ would contract the two into (float and bfloat16_t products are not exact).
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V madd(V c, V a, V b) {
    V p, r;
    __asm__("vmulps %2, %1, %0" : "=v"(p) : "v"(b), "v"(a));
    __asm__("vaddps %2, %1, %0" : "=v"(r) : "v"(p), "v"(c));
    return r;
  }
};
struct SimdI32 {  // wrapping 32-bit arithmetic: the order does not matter, but it is the same
  using V = __m512i;
  using E = int32_t;
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V zero() { return _mm512_setzero_si512(); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V load(const E* p) { return _mm512_loadu_si512(p); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static void store(E* p, V v) { _mm512_storeu_si512(p, v); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V bcast(E x) { return _mm512_set1_epi32(x); }
  ASCENDPY_SIM_CUBE_AVX512_INLINE static V madd(V c, V a, V b) { return _mm512_add_epi32(c, _mm512_mullo_epi32(a, b)); }
};

// R rows x NB column blocks of 16 of C (the L0C Nz layout: row m of block j at c + j * cblk + m * 16),
// from A (row pitch lda) and B[k][n] (row pitch ldb), k = 0 .. K-1 in order.
template <class S, int R, int NB>
ASCENDPY_SIM_CUBE_AVX512_INLINE void mmad_tile(const typename S::E* A, uint64_t lda, const typename S::E* B, uint64_t ldb,
                                          uint64_t K, typename S::E* c, uint64_t cblk, bool acc) {
  typename S::V v[R][NB];  // fully unrolled: registers
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) v[i][j] = acc ? S::load(c + j * cblk + i * 16) : S::zero();
  for (uint64_t k = 0; k < K; ++k) {
    typename S::V b[NB];
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) b[j] = S::load(B + k * ldb + j * 16);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const typename S::V a = S::bcast(A[i * lda + k]);
#pragma GCC unroll 2
      for (int j = 0; j < NB; ++j) v[i][j] = S::madd(v[i][j], a, b[j]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < NB; ++j) S::store(c + j * cblk + i * 16, v[i][j]);
}

// C (Nz, `rows` rows per column block) over MR x NC from dense A[MR][KC] and B[KC][NC]: 32-column strips (B's
// strip stays in the L1 cache), 8-row blocks (1 in GEMV mode), a last strip of 16 columns.
template <class S>
ASCENDPY_SIM_CUBE_AVX512 void mmad_blocks(const typename S::E* A, const typename S::E* B, typename S::E* C,
                                     const MmadGeom& g, bool acc) {
  const uint64_t cblk = g.rows * 16;
  for (uint64_t n = 0; n < g.NC; n += 32) {
    typename S::E* cn = C + (n / 16) * cblk;
    const typename S::E* bn = B + n;
    const bool two = n + 32 <= g.NC;
    if (g.MR == 1) {
      if (two) mmad_tile<S, 1, 2>(A, g.KC, bn, g.NC, g.KC, cn, cblk, acc);
      else mmad_tile<S, 1, 1>(A, g.KC, bn, g.NC, g.KC, cn, cblk, acc);
      continue;
    }
    for (uint64_t m = 0; m < g.MR; m += 8) {  // MR is a multiple of 16
      if (two) mmad_tile<S, 8, 2>(A + m * g.KC, g.KC, bn, g.NC, g.KC, cn + m * 16, cblk, acc);
      else mmad_tile<S, 8, 1>(A + m * g.KC, g.KC, bn, g.NC, g.KC, cn + m * 16, cblk, acc);
    }
  }
}

// Scratch of this thread, kept between instructions.
template <class E>
inline E* cube_scratch(int which, uint64_t n) {
  static thread_local std::vector<E> bufs[3];
  std::vector<E>& v = bufs[which];
  if (v.size() < n) v.resize(n);
  return v.data();
}

// A (Zz, or one ND row in GEMV mode) -> dense [MR][KC]; B (Zn) -> dense [KC][NC], each 16 x c0 fractal
// widened once then transposed.
template <class E, void (*widen)(const uint8_t*, CK, E*, uint64_t)>
ASCENDPY_SIM_CUBE_AVX512 void mmad_unpack(const MmadOperands& o, const MmadGeom& g, E* A, E* B) {
  const uint64_t c0 = g.c0, asz = ck_size(o.ak), bsz = ck_size(o.bk), kf = g.KC / c0;
  if (g.gemv) {
    widen(o.a, o.ak, A, g.KC);
  } else {
    for (uint64_t mb = 0; mb < g.MR / 16; ++mb)
      for (uint64_t kb = 0; kb < kf; ++kb) {
        const uint8_t* f = o.a + (mb * g.kstride + kb) * 16 * c0 * asz;
        for (uint64_t r = 0; r < 16; ++r) widen(f + r * c0 * asz, o.ak, A + (mb * 16 + r) * g.KC + kb * c0, c0);
      }
  }
  E t[16 * 32];  // one fractal, 16 rows n x c0 columns k
  for (uint64_t kb = 0; kb < kf; ++kb)
    for (uint64_t nb = 0; nb < g.nf; ++nb) {
      widen(o.b + (kb * g.nf + nb) * 16 * c0 * bsz, o.bk, t, 16 * c0);
      E* d = B + kb * c0 * g.NC + nb * 16;
      for (uint64_t kk = 0; kk < c0; ++kk)
        for (uint64_t nn = 0; nn < 16; ++nn) d[kk * g.NC + nn] = t[nn * c0 + kk];
    }
}

// False when the host has no AVX-512 (the caller then runs mmad_reference).
ASCENDPY_SIM_CUBE_AVX512 inline bool mmad_fast_avx512(const MmadOperands& o, const MmadGeom& g) {
  const uint64_t cblk = g.rows * 16, c_elems = g.nf * cblk;
  if (ck_float(o.ak)) {
    float* A = cube_scratch<float>(0, g.MR * g.KC);
    float* B = cube_scratch<float>(1, g.KC * g.NC);
    mmad_unpack<float, widen_f32>(o, g, A, B);
    if (o.ck == CK::F32) {  // accumulate in L0C itself
      mmad_blocks<SimdF32>(A, B, reinterpret_cast<float*>(o.c), g, g.accumulate);
      return true;
    }
    // A half accumulator (310P): float scratch in the L0C layout, converted in and out as mmad_reference does.
    float* C = cube_scratch<float>(2, c_elems);
    for (uint64_t j = 0; j < g.nf; ++j)
      for (uint64_t m = 0; m < g.MR && g.accumulate; ++m) widen_f32(o.c + (j * cblk + m * 16) * 2, o.ck, C + j * cblk + m * 16, 16);
    mmad_blocks<SimdF32>(A, B, C, g, g.accumulate);
    for (uint64_t j = 0; j < g.nf; ++j)
      for (uint64_t m = 0; m < g.MR; ++m)
        for (uint64_t i = 0; i < 16; ++i) ck_store(o.c, o.ck, j * cblk + m * 16 + i, C[j * cblk + m * 16 + i], 0);
    return true;
  }
  if (o.ck != CK::I32) return false;
  int32_t* A = cube_scratch<int32_t>(0, g.MR * g.KC);
  int32_t* B = cube_scratch<int32_t>(1, g.KC * g.NC);
  mmad_unpack<int32_t, widen_i32>(o, g, A, B);
  mmad_blocks<SimdI32>(A, B, reinterpret_cast<int32_t*>(o.c), g, g.accumulate);
  return true;
}
#endif

// The fast Mmad where the host has one; false otherwise.
inline bool mmad_fast(const MmadOperands& o, const MmadGeom& g) {
#if ASCENDPY_SIM_CUBE_X86
  if (have_avx512()) return mmad_fast_avx512(o, g);
#endif
  (void)o;
  (void)g;
  return false;
}

__attribute__((noinline)) inline void mmad_run(const OpRec& r, const MmadOperands& o, const AscendC::MmadParams& p) {
  const char* op = "Mmad";
  require_aic(op);
  const bool p310 = soc_is_310p();
  const uint64_t csz = ck_size(o.ck), asz = ck_size(o.ak);
  check_cube_operand(o.c, o.cbuf, o.cgen, 0, op, "dst", o.ck == CK::F16 ? 512 : 1024, Hw::L0C, Hw::L0C,
                     "a CO1 tensor in the L0C buffer");
  check_cube_operand(o.a, o.abuf, o.agen, 0, op, "fm", 512, Hw::L0A, Hw::L0A, "an A2 tensor in the L0A buffer");
  check_cube_operand(o.b, o.bbuf, o.bgen, 0, op, "filter", 512, Hw::L0B, Hw::L0B, "a B2 tensor in the L0B buffer");
  if (p.m > 4095) bad_param(op, "m", p.m, "[0, 4095]");
  if (p.n > 4095) bad_param(op, "n", p.n, "[0, 4095]");
  if (p.k > 4095) bad_param(op, "k", p.k, "[0, 4095]");
  if (p.cmatrixSource) {
    fault(p310 ? "invalid_argument" : "unsupported_position",
          p310 ? cat(op, ": cmatrixSource = true: ", soc_name(), " has no bias table (the C matrix comes from L0C)")
               : cat(op, ": cmatrixSource = true reads the C matrix from the bias table (C2), which the simulator "
                         "does not model; accumulate in L0C (cmatrixInitVal = false) instead"));
  }
  if (p.kDirectionAlign && p310) {
    fault("invalid_argument", cat(op, ": kDirectionAlign = true is not available on ", soc_name()));
  }
  if (p.unitFlag != 0 && (p310 || (p.unitFlag != 2 && p.unitFlag != 3))) {
    fault("invalid_argument", cat(op, ": unitFlag = ", int(p.unitFlag), p310 ? " is not available on Ascend310P"
                                                                             : " must be 0, 2 or 3"));
  }
  if (p.m == 0 || p.n == 0 || p.k == 0) return;  // documented NOP
  const bool accumulate = !(p.cmatrixInitVal && !p.isBias);
  const uint64_t c0 = 32 / asz;
  const uint64_t M = p.m, N = p.n, K = p.k;
  const bool gemv = M == 1;  // the hardware's GEMV mode: L0A holds one ND row of k elements
  const uint64_t mf = ceil_div(M, 16), nf = ceil_div(N, 16), kf = ceil_div(K, c0);
  const uint64_t kstride = (o.ak == CK::F32 && p.kDirectionAlign) ? ceil_div(K, 16) * 2 : kf;
  const uint64_t a_bytes = gemv ? kf * 32 : ((mf - 1) * kstride + kf) * 512;
  const uint64_t b_bytes = kf * nf * 512;
  const uint64_t rows = mf * 16;  // ceil16(m): the row pitch of an L0C column block
  const uint64_t c_bytes = nf * rows * 16 * csz;
  check_range(o.a, o.abuf, o.agen, a_bytes, op, "fm", 512, false);
  check_range(o.b, o.bbuf, o.bgen, b_bytes, op, "filter", 512, false);
  check_range(o.c, o.cbuf, o.cgen, c_bytes, op, "dst", o.ck == CK::F16 ? 512 : 1024, false);
  const uint64_t MR = gemv ? 1 : rows, NC = nf * 16, KC = kf * c0;
  if (r.st) {
    local_access(r, o.abuf, o.a, a_bytes, false);
    local_access(r, o.bbuf, o.b, b_bytes, false);
    if (gemv) {
      if (accumulate) local_bursts(r, o.cbuf, o.c, nf, 16 * csz, rows * 16 * csz, false);
      local_bursts(r, o.cbuf, o.c, nf, 16 * csz, rows * 16 * csz, true);
    } else {
      if (accumulate) local_access(r, o.cbuf, o.c, c_bytes, false);
      local_access(r, o.cbuf, o.c, c_bytes, true);
    }
  }
  const MmadGeom g{gemv, accumulate, c0, nf, kstride, rows, MR, NC, KC};
  if (cube_reference() || !mmad_fast(o, g)) mmad_reference(o, g);
}

// ---- L0C -> GM (Fixpipe, 910B) and L0C -> UB (310P) conversions ----

// How one accumulator element becomes one output element.
struct OutConv {
  CK src, dst;
  bool relu = false;
  bool deq = false;  // multiply by `scale` (int32 -> half dequantisation)
  double scale = 1.0;
  bool reference = cube_reference();  // element by element only (ASCENDPY_SIM_CUBE=reference)
};

inline void conv_elems(const uint8_t* s, uint8_t* d, uint64_t count, const OutConv& c) {
  if (!c.reference && c.src == CK::F32 && c.dst == CK::F32 && !c.deq) {
    // float -> double -> float, bit by bit: the identity, except that a signalling NaN comes back quiet (payload
    // kept), and ReLU zeroes what is below 0 (not -0, not NaN).
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t x;
      std::memcpy(&x, s + 4 * i, 4);
      const uint32_t ax = x & 0x7fffffffu;
      if (ax > 0x7f800000u) x |= 0x00400000u;
      else if (c.relu && (x >> 31) && ax != 0) x = 0;
      std::memcpy(d + 4 * i, &x, 4);
    }
    return;
  }
  if (!c.reference && (c.src == CK::I32 || c.src == CK::U32) && c.src == c.dst && !c.deq && !c.relu) {
    std::memcpy(d, s, count * 4);  // int64 and back: the same bits
    return;
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (ck_float(c.src)) {
      double v = ck_load_f(s, c.src, i);
      if (c.relu && v < 0) v = 0;
      ck_store(d, c.dst, i, v, 0);
    } else {
      const int64_t iv = ck_load_i(s, c.src, i);
      if (c.deq || ck_float(c.dst)) {
        double v = static_cast<double>(iv) * c.scale;
        if (c.relu && v < 0) v = 0;
        ck_store(d, c.dst, i, v, 0);
      } else {
        ck_store(d, c.dst, i, 0.0, c.relu && iv < 0 ? 0 : iv);
      }
    }
  }
}

struct FixGeom {
  bool nd = true;
  uint64_t nblocks = 0;
  uint64_t src_span = 0;  // bytes of L0C read from the source start
  uint64_t gm_span = 0;   // bytes of GM written from the destination start
};

// Validates a FixpipeParamsV220 as CANN 8.1's CheckCommonFixpipeParam / CheckFixpipeL0C2GMParam do;
// false for a NOP. Fills the quantisation into *c.
__attribute__((noinline)) inline bool fixpipe_geometry(const AscendC::FixpipeParamsV220& p, bool row_major, CK sk,
                                                       CK dk, OutConv* c, FixGeom* g) {
  const char* op = "Fixpipe";
  require_aic(op);
  if (soc_is_310p()) {
    fault("unsupported_on_soc", cat(op, " is not available on ", soc_name(), " (CANN 8.1 declares it for dav-c220 "
                                    "only): copy L0C to UB with DataCopy(DataCopyParams, DataCopyEnhancedParams), "
                                    "then UB to GM"));
  }
  if (p.isChannelSplit) {
    fault("invalid_argument", cat(op, ": isChannelSplit = true is not modelled by the simulator"));
  }
  if (p.unitFlag != 0 && p.unitFlag != 2 && p.unitFlag != 3) bad_param(op, "unitFlag", p.unitFlag, "{0, 2, 3}");
  if (p.nSize < 1 || p.nSize > 4095) bad_param(op, "nSize", p.nSize, "[1, 4095]");
  if (!row_major && p.nSize % 16 != 0) {
    fault("invalid_argument", cat(op, ": nSize = ", p.nSize, " must be a multiple of 16 when the format is NZ"));
  }
  if (row_major && (p.mSize < 1 || p.mSize > 8192)) bad_param(op, "mSize", p.mSize, "[1, 8192] (ROW_MAJOR)");
  if (!row_major && p.mSize < 1) bad_param(op, "mSize", p.mSize, "[1, 65535] (NZ)");
  if (p.dstStride == 0) bad_param(op, "dstStride", p.dstStride, "[1, 4294967295]");
  if (row_major && p.ndNum > 1) {
    if (p.srcNdStride < 1 || p.srcNdStride > 512) bad_param(op, "srcNdStride", p.srcNdStride, "[1, 512] (ndNum > 1)");
    if (p.dstNdStride < 1) bad_param(op, "dstNdStride", p.dstNdStride, "[1, 65535] (ndNum > 1)");
  }
  // The quantisation mode must match the types (8.1 checks each pair).
  const QuantMode_t q = p.quantPre;
  c->src = sk;
  c->dst = dk;
  c->relu = p.reluEn;
  auto need = [&](bool ok, const char* modes) {
    if (!ok) {
      fault("invalid_argument", cat(op, ": quantPre = ", int(q), " does not convert ", ck_name(sk), " to ",
                                    ck_name(dk), "; CANN 8.1 requires ", modes));
    }
  };
  auto not_modelled = [&]() {
    fault("unsupported_cast", cat(op, ": quantPre = ", int(q), " (", ck_name(sk), " -> ", ck_name(dk),
                                  ") is not modelled by the simulator"));
  };
  if (sk == CK::F32 && dk == CK::F32) need(q == NoQuant, "NoQuant");
  if (sk == CK::I32 && dk == CK::I32) need(q == NoQuant, "NoQuant");
  if (sk == CK::F32 && dk == CK::F16) need(q == F322F16, "F322F16");
  if (sk == CK::F32 && dk == CK::BF16) need(q == F322BF16, "F322BF16");
  if (sk == CK::F32 && (dk == CK::I8 || dk == CK::U8)) {
    need(q == QF322B8_PRE || q == VQF322B8_PRE, "QF322B8_PRE or VQF322B8_PRE");
    not_modelled();
  }
  if (sk == CK::I32 && (dk == CK::I8 || dk == CK::U8)) {
    need(q == REQ8 || q == VREQ8, "REQ8 or VREQ8");
    not_modelled();
  }
  if (sk == CK::I32 && dk == CK::F16) {
    need(q == DEQF16 || q == VDEQF16, "DEQF16 or VDEQF16");
    if (q == VDEQF16) {
      fault("invalid_argument", cat(op, ": quantPre = VDEQF16 takes its scales from a cbufWorkspace tensor: use the "
                                    "Fixpipe overload with cbufWorkspace"));
    }
    // deqScalar bits [31:13] hold the scale as a float with a 10-bit mantissa.
    c->deq = true;
    c->scale = bits_f32(static_cast<uint32_t>(p.deqScalar) & 0xffffe000u);
  }
  if (row_major && p.ndNum == 0) return false;  // documented NOP
  g->nd = row_major;
  g->nblocks = ceil_div(p.nSize, 16);
  const uint64_t ssz = ck_size(sk), dsz = ck_size(dk);
  const uint64_t nd = row_major ? p.ndNum : 1;
  g->src_span = ((nd - 1) * p.srcNdStride * 256 + (g->nblocks - 1) * p.srcStride * 16 + p.mSize * 16ull) * ssz;
  g->gm_span = row_major ? ((nd - 1) * p.dstNdStride + (p.mSize - 1ull) * p.dstStride + p.nSize) * dsz
                         : ((g->nblocks - 1) * p.dstStride * 32 + p.mSize * 16ull * dsz);
  return true;
}

__attribute__((noinline)) inline void fixpipe_run(const OpRec& r, uint8_t* dst, const BufDesc* sbuf,
                                                  const uint8_t* src, uint32_t sgen,
                                                  const AscendC::FixpipeParamsV220& p, const OutConv& c,
                                                  const FixGeom& g) {
  const char* op = "Fixpipe";
  check_cube_operand(src, sbuf, sgen, g.src_span, op, "src", 64, Hw::L0C, Hw::L0C, "a CO1 tensor in the L0C buffer");
  const uint64_t ssz = ck_size(c.src), dsz = ck_size(c.dst);
  if (!g.nd && reinterpret_cast<uintptr_t>(dst) % 32 != 0) {
    fault("misaligned", cat(op, ": an NZ destination in global memory must be 32-byte aligned"));
  }
  if (p.unitFlag != 0 && r.st) learn(*r.st, PIPE_FIX, snapshot(*r.st, PIPE_M));  // Mmad and Fixpipe interlock
  const uint64_t nd = g.nd ? p.ndNum : 1;
  for (uint64_t i = 0; i < nd; ++i) {
    const uint8_t* s = src + i * p.srcNdStride * 256 * ssz;
    uint8_t* d = dst + i * p.dstNdStride * dsz;
    local_bursts(r, sbuf, s, g.nblocks, p.mSize * 16 * ssz, p.srcStride * 16 * ssz, false);
    if (g.nd) {
      gm_bursts_strided(r, d, p.mSize, p.nSize * dsz, p.dstStride * dsz, true);
    } else {
      gm_bursts_strided(r, d, g.nblocks, p.mSize * 16 * dsz, p.dstStride * 32, true);
    }
  }
  for (uint64_t i = 0; i < nd; ++i) {
    const uint8_t* s = src + i * p.srcNdStride * 256 * ssz;
    uint8_t* d = dst + i * p.dstNdStride * dsz;
    for (uint64_t b = 0; b < g.nblocks; ++b) {
      const uint8_t* sb = s + b * p.srcStride * 16 * ssz;
      if (!g.nd) {  // NZ -> NZ: the column block as it is
        conv_elems(sb, d + b * p.dstStride * 32, p.mSize * 16ull, c);
        continue;
      }
      const uint64_t cols = p.nSize - b * 16 < 16 ? p.nSize - b * 16 : 16;
      for (uint64_t m = 0; m < p.mSize; ++m) conv_elems(sb + m * 16 * ssz, d + (m * p.dstStride + b * 16) * dsz, cols, c);
    }
  }
}

// L0C -> UB on 310P (BLOCK_MODE_MATRIX).
__attribute__((noinline)) inline void co1_to_ub_run(const OpRec& r, const BufDesc* dbuf, uint8_t* dst, uint32_t dgen,
                                                    const BufDesc* sbuf, const uint8_t* src, uint32_t sgen,
                                                    const AscendC::DataCopyParams& p,
                                                    const AscendC::DataCopyEnhancedParams& e, CK sk, CK dk) {
  const char* op = "DataCopy from CO1 to CO2";
  if (!soc_is_310p()) {
    fault("unsupported_on_soc", cat(op, " (L0C -> UB) is not available on ", soc_name(), ": use Fixpipe"));
  }
  check_live(dst, dbuf, dgen, op);
  if (dbuf->hw != Hw::UB) {
    fault("bad_position", cat(op, ": dst is a TPosition::", pos_name(dbuf->pos), " tensor in the ",
                              hw_name(dbuf->hw), "; from CO1 DataCopy goes to CO2 (the Unified Buffer)"));
  }
  if (e.blockMode != AscendC::BlockMode::BLOCK_MODE_MATRIX) {
    fault("invalid_argument", cat(op, ": blockMode = ", int(e.blockMode), ": the simulator models "
                                  "BLOCK_MODE_MATRIX (BLOCK_MODE_VECTOR is not modelled; the others do not exist)"));
  }
  OutConv c;
  c.src = sk;
  c.dst = dk;
  c.relu = e.isRelu;
  const bool same = sk == dk && (sk == CK::F16 || sk == CK::F32 || sk == CK::I32 || sk == CK::U32);
  if (e.deqScale == AscendC::DeqScale::DEQ_NONE) {
    if (!same && !(sk == CK::F32 && dk == CK::F16)) {
      fault("unsupported_cast", cat(op, ": ", ck_name(sk), " -> ", ck_name(dk), " with DEQ_NONE is not modelled by "
                                    "the simulator (it models the same type, and float -> half)"));
    }
    if (sk == CK::U32 && e.isRelu) fault("invalid_argument", cat(op, ": isRelu on uint32_t"));
  } else if (e.deqScale == AscendC::DeqScale::DEQ && sk == CK::I32 && dk == CK::F16) {
    uint16_t h = static_cast<uint16_t>(e.deqValue & 0xffffu);  // bits [15:0]: the scale as a half
    c.deq = true;
    c.scale = f16_to_f32(h);
  } else {
    fault("unsupported_cast", cat(op, ": deqScale = ", int(e.deqScale), " (", ck_name(sk), " -> ", ck_name(dk),
                                  ") is not modelled by the simulator"));
  }
  check_block_count(p.blockCount, op);
  if (p.blockCount == 0 || p.blockLen == 0) return;
  const uint64_t sf = 256 * ck_size(sk), df = 256 * ck_size(dk);
  const uint64_t sblk = p.blockLen * sf, spitch = sblk + p.srcStride * sf;
  const uint64_t dblk = p.blockLen * df, dpitch = dblk + p.dstStride * 32ull;
  check_cube_operand(src, sbuf, sgen, span(p.blockCount, sblk, spitch), op, "src", 64, Hw::L0C, Hw::L0C,
                     "a CO1 tensor in the L0C buffer");
  check_range(dst, dbuf, dgen, span(p.blockCount, dblk, dpitch), op, "dst", 32, true);
  local_bursts(r, sbuf, src, p.blockCount, sblk, spitch, false);
  local_bursts(r, dbuf, dst, p.blockCount, dblk, dpitch, true);
  for (uint64_t b = 0; b < p.blockCount; ++b) conv_elems(src + b * spitch, dst + b * dpitch, p.blockLen * 256ull, c);
}

// CANN 8.1's 310P Nd2Nz stages each matrix through UB bytes [248 KiB, 256 KiB) (TMP_UB_OFFSET:
// tmp_ub_310p_scratch checks that TPipe buffers leave it free).
// The flags of that routine: WaitFlag<MTE3_MTE2> before the GM read, MTE2_V and V_MTE3 between the GM read, the
// transpose in UB and the L1 write (then a final WaitFlag<MTE3_MTE2>, recorded by the caller).
inline void nd2nz_310p_order(BlockState& st) {
  learn(st, PIPE_MTE2, snapshot(st, PIPE_MTE3));
  learn(st, PIPE_V, snapshot(st, PIPE_MTE2));
  learn(st, PIPE_MTE3, snapshot(st, PIPE_V));
}

template <typename T>
constexpr bool nd2nz_type() {
#if __CCE_AICORE__ == 200
  // CANN 8.1's 310P routine transposes through Adds / Duplicate, which exist for these only.
  return one_of<T, half, float, int16_t, int32_t>::value;
#else
  return one_of<T, int8_t, uint8_t, int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float>::value;
#endif
}

}  // namespace ascendpy_sim

namespace AscendC {

// GM (ND) -> L1 (NZ), pipe MTE2.
template <typename T>
inline void DataCopy(const LocalTensor<T>& dstLocal, const GlobalTensor<T>& srcGlobal, const Nd2NzParams& intriParams) {
  static_assert(ascendpy_sim::nd2nz_type<T>(), "DataCopy with Nd2NzParams: CANN 8.1 takes int8_t, uint8_t, int16_t, "
                                               "uint16_t, half, bfloat16_t, int32_t, uint32_t, float on 910B and "
                                               "half, float, int16_t, int32_t on 310P");
  const bool p310 = ascendpy_sim::soc_is_310p();
  const ascendpy_sim::OpRec rd = ascendpy_sim::op_begin(PIPE_MTE2, "DataCopy");
  const ascendpy_sim::OpRec wr = p310 ? ascendpy_sim::op_begin(PIPE_MTE3, "DataCopy") : rd;
  if (p310 && !ascendpy_sim::one_of<T, half, float, int16_t, int32_t>::value) {
    ascendpy_sim::unsupported_on_soc("DataCopy with Nd2NzParams", ascendpy_sim::type_name<T>());
  }
  const char* op = "DataCopy with Nd2NzParams";
  ascendpy_sim::check_live(dstLocal.sim_addr_, dstLocal.sim_buf_, dstLocal.sim_gen_, op);
  if (dstLocal.sim_buf_->hw != ascendpy_sim::Hw::L1) {
    ascendpy_sim::fault("bad_position",
                        ascendpy_sim::cat(op, ": dst is a TPosition::", ascendpy_sim::pos_name(dstLocal.sim_buf_->pos),
                                          " tensor in the ", ascendpy_sim::hw_name(dstLocal.sim_buf_->hw),
                                          "; the simulator implements the A1/B1 (L1) destination"));
  }
  ascendpy_sim::Nd2NzGeom g;
  if (!ascendpy_sim::nd2nz_geometry(intriParams, sizeof(T), p310, &g)) return;
  if (p310) ascendpy_sim::tmp_ub_310p_scratch("DataCopy with Nd2NzParams");
  ascendpy_sim::check_local_range(dstLocal, g.l1_span, op, "dst");
  ascendpy_sim::check_gm(srcGlobal, op, "src");
  srcGlobal.sim_access(srcGlobal.address_, g.gm_span, false, op, false);
  if (p310 && rd.st) ascendpy_sim::nd2nz_310p_order(*rd.st);
  ascendpy_sim::nd2nz_run(rd, wr, dstLocal.sim_buf_, reinterpret_cast<uint8_t*>(dstLocal.sim_addr_),
                          reinterpret_cast<const uint8_t*>(srcGlobal.address_), intriParams, sizeof(T), g);
  if (p310 && rd.st) ascendpy_sim::learn(*rd.st, PIPE_MTE2, ascendpy_sim::snapshot(*rd.st, PIPE_MTE3));
}

// L1 -> L0A / L0B, pipe MTE1.
template <typename T>
inline void LoadData(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal,
                     const LoadData2DParams& loadDataParams) {
  static_assert(ascendpy_sim::one_of<T, uint8_t, int8_t, uint16_t, int16_t, half, bfloat16_t, uint32_t, int32_t,
                                     float>::value,
                "LoadData with LoadData2DParams: CANN 8.1 takes uint8_t, int8_t, uint16_t, int16_t, half, "
                "bfloat16_t, uint32_t, int32_t, float (the last four on 910B only)");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_MTE1, "LoadData");
  if (ascendpy_sim::soc_is_310p() &&
      !ascendpy_sim::one_of<T, uint8_t, int8_t, uint16_t, int16_t, half>::value) {
    ascendpy_sim::unsupported_on_soc("LoadData with LoadData2DParams", ascendpy_sim::type_name<T>());
  }
  ascendpy_sim::load2d_run(r, dstLocal.sim_buf_, reinterpret_cast<uint8_t*>(dstLocal.sim_addr_), dstLocal.sim_gen_,
                           srcLocal.sim_buf_, reinterpret_cast<const uint8_t*>(srcLocal.sim_addr_), srcLocal.sim_gen_,
                           loadDataParams, sizeof(T), ascendpy_sim::type_name<T>());
}

// C (CO1) = A (A2) x B (B2) [+ C], pipe M.
template <typename DstT, typename Src0T, typename Src1T>
inline void Mmad(const LocalTensor<DstT>& dstLocal, const LocalTensor<Src0T>& fmLocal,
                 const LocalTensor<Src1T>& filterLocal, const MmadParams& mmadParams) {
  using ascendpy_sim::one_of;
  constexpr bool c220 = (std::is_same<DstT, int32_t>::value && std::is_same<Src0T, int8_t>::value &&
                         std::is_same<Src1T, int8_t>::value) ||
                        (std::is_same<DstT, float>::value && std::is_same<Src0T, Src1T>::value &&
                         one_of<Src0T, half, float, bfloat16_t>::value);
  constexpr bool m200 = (std::is_same<DstT, int32_t>::value && one_of<Src0T, int8_t, uint8_t>::value &&
                         one_of<Src1T, int8_t, uint8_t>::value &&
                         !(std::is_same<Src0T, int8_t>::value && std::is_same<Src1T, uint8_t>::value)) ||
                        (one_of<DstT, half, float>::value && std::is_same<Src0T, half>::value &&
                         std::is_same<Src1T, half>::value);
  static_assert(c220 || m200, "Mmad: CANN 8.1 takes (dst, fm, filter) = (int32_t, int8_t, int8_t), (float, half, half), "
                              "(float, float, float), (float, bfloat16_t, bfloat16_t) on 910B and (int32_t, int8_t, "
                              "int8_t), (int32_t, uint8_t, int8_t), (int32_t, uint8_t, uint8_t), (half, half, half), "
                              "(float, half, half) on 310P");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_M, "Mmad");
  if (!(ascendpy_sim::soc_is_310p() ? m200 : c220)) {
    ascendpy_sim::fault("unsupported_on_soc",
                        ascendpy_sim::cat("Mmad with dst ", ascendpy_sim::type_name<DstT>(), ", fm ",
                                          ascendpy_sim::type_name<Src0T>(), ", filter ",
                                          ascendpy_sim::type_name<Src1T>(), " is not available on ",
                                          ascendpy_sim::soc_name()));
  }
  ascendpy_sim::MmadOperands o{reinterpret_cast<uint8_t*>(dstLocal.sim_addr_),
                               dstLocal.sim_buf_,
                               dstLocal.sim_gen_,
                               reinterpret_cast<const uint8_t*>(fmLocal.sim_addr_),
                               fmLocal.sim_buf_,
                               fmLocal.sim_gen_,
                               reinterpret_cast<const uint8_t*>(filterLocal.sim_addr_),
                               filterLocal.sim_buf_,
                               filterLocal.sim_gen_,
                               ascendpy_sim::ck_of<DstT>(),
                               ascendpy_sim::ck_of<Src0T>(),
                               ascendpy_sim::ck_of<Src1T>()};
  ascendpy_sim::mmad_run(r, o, mmadParams);
}

#if __CCE_AICORE__ == 220
// L0C (CO1, NZ) -> GM (ND with CFG_ROW_MAJOR, NZ with CFG_NZ), pipe FIX. 910B only, as in CANN 8.1.
template <typename DstT, typename SrcT, const FixpipeConfig& config = CFG_ROW_MAJOR>
inline void Fixpipe(const GlobalTensor<DstT>& dstGlobal, const LocalTensor<SrcT>& srcLocal,
                    const FixpipeParamsV220& intriParams) {
  using ascendpy_sim::one_of;
  static_assert((std::is_same<SrcT, float>::value && one_of<DstT, int8_t, uint8_t, half, bfloat16_t, float>::value) ||
                    (std::is_same<SrcT, int32_t>::value && one_of<DstT, int8_t, uint8_t, half, int32_t>::value),
                "Fixpipe to GM: CANN 8.1 takes src float with dst int8_t, uint8_t, half, bfloat16_t, float, and src "
                "int32_t with dst int8_t, uint8_t, half, int32_t");
  static_assert(config.format == CO2Layout::ROW_MAJOR || config.format == CO2Layout::NZ,
                "Fixpipe: the simulator models CFG_ROW_MAJOR (NZ2ND) and CFG_NZ");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_FIX, "Fixpipe");
  ascendpy_sim::OutConv c;
  ascendpy_sim::FixGeom g;
  if (!ascendpy_sim::fixpipe_geometry(intriParams, config.format == CO2Layout::ROW_MAJOR, ascendpy_sim::ck_of<SrcT>(),
                                      ascendpy_sim::ck_of<DstT>(), &c, &g)) {
    return;
  }
  ascendpy_sim::check_gm(dstGlobal, "Fixpipe", "dst");
  dstGlobal.sim_access(dstGlobal.address_, g.gm_span, true, "Fixpipe", false);
  ascendpy_sim::fixpipe_run(r, reinterpret_cast<uint8_t*>(dstGlobal.address_), srcLocal.sim_buf_,
                            reinterpret_cast<const uint8_t*>(srcLocal.sim_addr_), srcLocal.sim_gen_, intriParams, c, g);
}
#endif

// ---- DataCopy with DataCopyEnhancedParams (CANN 8.1 declares these for every SoC) ----
// Between UB and GM / L1 the enhanced parameters do nothing; CO1 -> CO2 (L0C -> UB) is the 310P way
// out of L0C (on 910B it is refused: Fixpipe is the way there).

template <typename T>
inline void DataCopy(const LocalTensor<T>& dstLocal, const GlobalTensor<T>& srcGlobal, const DataCopyParams& intriParams,
                     const DataCopyEnhancedParams& enhancedParams) {
  (void)enhancedParams;
  DataCopy(dstLocal, srcGlobal, intriParams);
}

template <typename T>
inline void DataCopy(const GlobalTensor<T>& dstGlobal, const LocalTensor<T>& srcLocal, const DataCopyParams& intriParams,
                     const DataCopyEnhancedParams& enhancedParams) {
  (void)enhancedParams;
  DataCopy(dstGlobal, srcLocal, intriParams);
}

template <typename T>
inline void DataCopy(const LocalTensor<T>& dstLocal, const LocalTensor<T>& srcLocal, const DataCopyParams& intriParams,
                     const DataCopyEnhancedParams& enhancedParams) {
  static_assert(!std::is_same<T, int64_t>::value, "DataCopy with DataCopyEnhancedParams: CANN 8.1 has no int64_t form");
  if (srcLocal.sim_buf_ && srcLocal.sim_buf_->hw == ascendpy_sim::Hw::L0C) {
    const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "DataCopy");
    ascendpy_sim::co1_to_ub_run(r, dstLocal.sim_buf_, reinterpret_cast<uint8_t*>(dstLocal.sim_addr_), dstLocal.sim_gen_,
                                srcLocal.sim_buf_, reinterpret_cast<const uint8_t*>(srcLocal.sim_addr_),
                                srcLocal.sim_gen_, intriParams, enhancedParams, ascendpy_sim::ck_of<T>(),
                                ascendpy_sim::ck_of<T>());
    return;
  }
  if (dstLocal.sim_buf_ && dstLocal.sim_buf_->hw == ascendpy_sim::Hw::L0C) {
    ascendpy_sim::fault("bad_position", "DataCopy with DataCopyEnhancedParams into CO1 (L0C) is not modelled by the "
                                        "simulator");
  }
  DataCopy(dstLocal, srcLocal, intriParams);
}

}  // namespace AscendC

namespace ascendpy_sim {
// CO1 -> CO2 with a conversion (the typed overloads below).
template <typename T, typename U>
inline void co1_to_ub(const OpRec& r, const AscendC::LocalTensor<T>& dstLocal, const AscendC::LocalTensor<U>& srcLocal,
                      const AscendC::DataCopyParams& intriParams,
                      const AscendC::DataCopyEnhancedParams& enhancedParams) {
  ascendpy_sim::check_live(srcLocal.sim_addr_, srcLocal.sim_buf_, srcLocal.sim_gen_, "DataCopy");
  ascendpy_sim::co1_to_ub_run(r, dstLocal.sim_buf_, reinterpret_cast<uint8_t*>(dstLocal.sim_addr_), dstLocal.sim_gen_,
                              srcLocal.sim_buf_, reinterpret_cast<const uint8_t*>(srcLocal.sim_addr_),
                              srcLocal.sim_gen_, intriParams, enhancedParams, ascendpy_sim::ck_of<U>(),
                              ascendpy_sim::ck_of<T>());
}
}  // namespace ascendpy_sim

namespace ascendpy_sim {
// The converting CO1 -> CO2 overloads CANN 8.1 declares (dst, src): float -> half, int32_t -> half / int16_t /
// int8_t / uint8_t. One predicate instead of one overload each: the same set of calls compiles.
template <typename T, typename U>
constexpr bool co1_to_ub_converts() {
  if constexpr (std::is_same<U, float>::value) return std::is_same<T, half>::value;
  if constexpr (std::is_same<U, int32_t>::value) {
    return std::is_same<T, half>::value || std::is_same<T, int16_t>::value || std::is_same<T, int8_t>::value ||
           std::is_same<T, uint8_t>::value;
  }
  return false;
}
}  // namespace ascendpy_sim

namespace AscendC {

template <typename T, typename U, typename std::enable_if<ascendpy_sim::co1_to_ub_converts<T, U>(), bool>::type = true>
inline void DataCopy(const LocalTensor<T>& dstLocal, const LocalTensor<U>& srcLocal, const DataCopyParams& intriParams,
                     const DataCopyEnhancedParams& enhancedParams) {
  ascendpy_sim::co1_to_ub(ascendpy_sim::op_begin(PIPE_V, "DataCopy"), dstLocal, srcLocal, intriParams, enhancedParams);
}

}  // namespace AscendC
