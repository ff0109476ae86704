// ascendpy simulator: the scan and erf advanced APIs of CANN 8.1 (highlevel_api lib/math/cumsum.h,
// lib/math/erf.h; 8.1's kernel_operator.h pulls both in through lib/kernel_api.h, on 910B and 310P).
//
// Each computes what the vendor implementation (highlevel_api impl/math/cumsum, impl/math/erf) computes,
// operation by operation, every step rounded to the type the vendor code works in:
//
// CumSum<T, config>(dst, lastRow, src, sharedTmpBuffer, CumSumInfo{outter, inner}) over a row-major
// [outter, inner] tile.
//  * isLastAxis (along each row): the rows are transposed 16 at a time into the tmp buffer, and the
//    columns added one after another, column j = column j-1 + column j, in float (half is widened exactly
//    first and rounded to half once, round to nearest even, CAST_NONE), then transposed back and copied
//    into dst by Adds(x, 0), which turns -0 into +0. So each element is the sequential float sum of its
//    row's prefix, x0 + x1 + ... in that order.
//  * first axis (down the columns): float: row 0 = src row 0 + 0 (Adds), then row i = row i-1 + src row i;
//    half: the tile is widened into the tmp buffer as float, the rows accumulated there in the same order,
//    and each element rounded to half once (no +0 step: -0 stays -0).
//  * outputLastRow: lastRow[0, inner) = the last row of dst + 0 (Adds).
//  Requirements (faults): inner > 0, inner * sizeof(T) a multiple of 32 (misaligned), outter > 0,
//  outter * inner within src and dst, 32-byte aligned Unified Buffer operands; sharedTmpBuffer.GetSize()
//  bytes at least 16 * inner * (2 * sizeof(T) [+ 2 for half]) along the last axis (the vendor code
//  divides by that: less is a division by zero) and outter * inner * 4 for half on the first axis
//  (invalid_argument); along the last axis, the transposes' repeat count (inner / (32 / sizeof(T)),
//  or rows / 16 for a pass of more rows than inner) is a uint8_t, so at most 255 (invalid_argument).
//  After the call the mask is in normal mode, all lanes on; except half on the first axis without
//  outputLastRow, which leaves counter mode with the count outter * inner (as the vendor code does).
//
// Erf<T>(dst, src, sharedTmpBuffer, calCount): x clipped to [-3.92, 3.92] (Mins, then Maxs), then
// P(x) / Q(x) in float with the vendor's coefficients and op order (Horner in x^2, one rounding per
// Mul/Muls/Adds/Div); half is widened exactly and the quotient rounded to half with CAST_ROUND (round half
// away from zero) on 910B (__CCE_AICORE__ 220) and CAST_NONE (nearest even) on 310P. The tmp buffer is cut
// into 3 float temporaries (float) or 4 (half) of calSize elements each, calSize =
// GetSize() / sizeof(T) / (3 | 8) rounded down to a multiple of 32; calSize == 0 faults (invalid_argument:
// the vendor code divides by it). calCount must lie within src and dst.
#pragma once

#include <cstdint>
#include <vector>

#include "vec.h"

namespace AscendC {

// lib/math/cumsum_utils.h (8.1: three fields; 9.x adds `algorithm`)
struct CumSumConfig {
  bool isLastAxis{true};
  bool isReuseSource{false};
  bool outputLastRow{false};
};

// impl/math/cumsum/cumsum_common_impl.h
struct CumSumInfo {
  uint32_t outter{0};
  uint32_t inner{0};  // 32-byte aligned
};

constexpr CumSumConfig defaultCumSumConfig = {true, false, true};

}  // namespace AscendC

namespace ascendpy_sim {

// One float instruction: exact in double, rounded once (vec.h).
inline float f32_add(float a, float b) { return static_cast<float>(static_cast<double>(a) + static_cast<double>(b)); }
inline float f32_mul(float a, float b) { return static_cast<float>(static_cast<double>(a) * static_cast<double>(b)); }
inline float f32_div(float a, float b) { return static_cast<float>(static_cast<double>(a) / static_cast<double>(b)); }
// Adds(x, 0) in T (-0 becomes +0).
template <typename T>
inline T plus_zero(T v) { return VT<T>::down(VT<T>::up(v) + 0.0); }
template <typename T>
inline float widen(T v) { return static_cast<float>(v); }
// Cast float -> T with the given rounding (identity for float).
template <typename T>
inline T narrow(float v, Rnd m) {
  if constexpr (std::is_same<T, float>::value) {
    (void)m;
    return v;
  } else {
    return cast_from_double<T>(static_cast<double>(v), m);
  }
}

// The repeat count of one of CumSum's last-axis transposes: a uint8_t in the vendor code.
inline void cumsum_repeat(uint64_t rep, uint32_t rows, uint32_t inner, const char* which) {
  if (rep > 255) {
    fault("invalid_argument", cat("CumSum: along the last axis, ", which, " transpose of a pass of ", rows,
                                  " rows x ", inner, " needs a TransDataTo5HD repeat count of ", rep,
                                  ", which the vendor code holds in a uint8_t (at most 255): use shorter rows"));
  }
}

template <typename T>
inline void cumsum_last_axis(T* dst, const T* src, uint32_t rows, uint32_t inner) {
  std::vector<T> out(inner);
  for (uint32_t r = 0; r < rows; ++r) {
    float acc = 0.0f;
    for (uint32_t j = 0; j < inner; ++j) {
      const float x = widen(load(src, uint64_t(r) * inner + j));
      acc = j == 0 ? x : f32_add(acc, x);
      out[j] = plus_zero(narrow<T>(acc, Rnd::RNE));
    }
    for (uint32_t j = 0; j < inner; ++j) store(dst, uint64_t(r) * inner + j, out[j]);
  }
}

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T, const CumSumConfig& config = defaultCumSumConfig>
inline void CumSum(LocalTensor<T>& dstTensor, LocalTensor<T>& lastRowTensor, const LocalTensor<T>& srcTensor,
                   LocalTensor<uint8_t>& sharedTmpBuffer, const CumSumInfo& cumSumInfo) {
  static_assert(ascendpy_sim::float_t_<T>::value, "CumSum supports half, float");
  namespace s = ascendpy_sim;
  const s::OpRec r = s::op_begin(PIPE_V, "CumSum");
  if (s::core_type() == AIC) return;  // `if ASCEND_IS_AIC { return; }` (never true on 310P: MIX cores)
  const uint32_t outter = cumSumInfo.outter, inner = cumSumInfo.inner;
  constexpr uint32_t sz = sizeof(T);
  if (inner == 0) s::fault("invalid_argument", "CumSum: cumSumInfo.inner is 0; it must be positive");
  if (uint64_t(inner) * sz % 32 != 0) {
    s::fault("misaligned", s::cat("CumSum: cumSumInfo.inner x sizeof(T) = ", inner, " x ", sz,
                                  " bytes is not a multiple of 32 bytes"));
  }
  if (outter == 0) s::fault("invalid_argument", "CumSum: cumSumInfo.outter is 0; it must be positive");
  const uint64_t n = uint64_t(outter) * inner;
  s::check_vec(srcTensor, n, "CumSum", "src");
  s::check_vec(dstTensor, n, "CumSum", "dst");
  if (config.outputLastRow) s::check_vec(lastRowTensor, inner, "CumSum", "lastRow");
  s::check_vec(sharedTmpBuffer, 0, "CumSum", "sharedTmpBuffer");
  const uint64_t tmp_size = sharedTmpBuffer.GetSize();
  uint64_t used = 0;
  if (config.isLastAxis) {
    const uint64_t per16 = 16ull * inner * (2 * sz + (sz == 2 ? 2 : 0));
    if (tmp_size < per16) {
      s::fault("invalid_argument", s::cat("CumSum: sharedTmpBuffer holds ", tmp_size, " bytes; along the last axis "
                                          "it needs at least 16 x inner x ", per16 / 16 / inner, " = ", per16,
                                          " bytes (16 rows per pass)"));
    }
    const uint64_t pass = tmp_size / per16 * 16;  // rows per pass
    const uint64_t blk = 32 / sz;
    for (uint64_t rows : {pass <= outter ? pass : 0, uint64_t(outter) % pass}) {
      if (rows == 0) continue;
      const uint64_t a16 = (rows + 15) / 16 * 16;
      s::cumsum_repeat(rows == a16 && a16 > inner ? a16 / 16 : inner / blk, uint32_t(rows), inner, "the forward");
      s::cumsum_repeat(a16 > inner ? a16 / 16 : inner / blk, uint32_t(rows), inner, "the backward");
      used = std::max<uint64_t>(used, a16 * inner * (2 * sz + (sz == 2 ? 2 : 0)));
    }
  } else if (sz == 2) {
    used = n * 4;
    if (tmp_size < used) {
      s::fault("invalid_argument", s::cat("CumSum: sharedTmpBuffer holds ", tmp_size, " bytes; half on the first "
                                          "axis accumulates in float and needs outter x inner x 4 = ", used,
                                          " bytes"));
    }
  }
  s::check_vec(sharedTmpBuffer, used, "CumSum", "sharedTmpBuffer");
  s::vrd(r, srcTensor, n * sz);
  s::vwr(r, sharedTmpBuffer, used);
  s::vwr(r, dstTensor, n * sz);
  if (config.outputLastRow) s::vwr(r, lastRowTensor, uint64_t(inner) * sz);

  T* dst = dstTensor.sim_addr_;
  const T* src = srcTensor.sim_addr_;
  if (config.isLastAxis) {
    const uint64_t pass = tmp_size / (16ull * inner * (2 * sz + (sz == 2 ? 2 : 0))) * 16;
    for (uint64_t row = 0; row < outter; row += pass) {  // pass by pass, as the vendor loop goes
      const uint32_t rows = uint32_t(std::min<uint64_t>(pass, outter - row));
      s::cumsum_last_axis(dst + row * inner, src + row * inner, rows, inner);
    }
  } else if constexpr (sz == 2) {
    std::vector<float> acc(n);
    for (uint64_t i = 0; i < n; ++i) acc[i] = s::widen(s::load(src, i));
    for (uint64_t i = inner; i < n; ++i) acc[i] = s::f32_add(acc[i - inner], acc[i]);
    for (uint64_t i = 0; i < n; ++i) s::store(dst, i, s::narrow<T>(acc[i], s::Rnd::RNE));
  } else {
    for (uint32_t j = 0; j < inner; ++j) s::store(dst, j, s::plus_zero(s::load(src, j)));
    for (uint64_t i = inner; i < n; ++i) s::store(dst, i, s::f32_add(s::load(dst, i - inner), s::load(src, i)));
  }
  if (config.outputLastRow) {
    for (uint32_t j = 0; j < inner; ++j)
      s::store(lastRowTensor.sim_addr_, j, s::plus_zero(s::load(dst, uint64_t(outter - 1) * inner + j)));
  }
  if (!config.isLastAxis && sz == 2 && !config.outputLastRow) {  // left in counter mode, count outter * inner
    s::write_mask_reg(0, n);
    s::vmask().counter = true;
  } else {
    s::mask_level2_done();
  }
}

}  // namespace AscendC

namespace ascendpy_sim {

// Erf of one element, in float (impl/math/erf: ErfClip, ErfComputeP, ErfComputeQ, Div).
inline float erf_f32(float x) {
  // The vendor's constants are double literals converted to float (constexpr float X = 0.1e1;), as here.
  constexpr float kMax = 3.92;
  constexpr float P0 = 0.29639384698e5, P1 = 0.50637915060e4, P2 = 0.13938061484e4, P3 = 0.10162808918e3,
                  P4 = 0.75517016694e1, P5 = 0.053443748819;
  constexpr float Q0 = 0.26267224157e5, Q1 = 0.13243365831e5, Q2 = 0.30231248150e4, Q3 = 0.39856963806e3,
                  Q4 = 0.31212858877e2;
  x = static_cast<float>(max_of<double>(min_of<double>(x, kMax), -kMax));
  const float x2 = f32_mul(x, x);
  float p = f32_mul(x2, P5);
  for (float c : {P4, P3, P2, P1}) p = f32_mul(x2, f32_add(p, c));
  p = f32_mul(x, f32_add(p, P0));
  float q = f32_add(x2, Q4);
  for (float c : {Q3, Q2, Q1}) q = f32_add(f32_mul(x2, q), c);
  q = f32_add(f32_mul(x2, q), Q0);
  return f32_div(p, q);
}

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T, bool isReuseSource = false>
inline void Erf(const LocalTensor<T>& dstTensor, const LocalTensor<T>& srcTensor,
                const LocalTensor<uint8_t>& sharedTmpBuffer, const uint32_t calCount) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Erf supports half, float");
  namespace s = ascendpy_sim;
  const s::OpRec r = s::op_begin(PIPE_V, "Erf");
  if (s::core_type() == AIC) return;  // `if ASCEND_IS_AIC { return; }` (never true on 310P: MIX cores)
  s::check_vec(srcTensor, calCount, "Erf", "src");
  s::check_vec(dstTensor, calCount, "Erf", "dst");
  s::check_vec(sharedTmpBuffer, 0, "Erf", "sharedTmpBuffer");
  constexpr uint32_t temporaries = sizeof(T) == 2 ? 8 : 3;  // ERF_HALF / ERF_FLOAT_CALC_PROCEDURE, T-sized units
  const uint64_t cal = sharedTmpBuffer.GetSize() / sizeof(T) / temporaries / 32 * 32;
  if (cal == 0) {
    s::fault("invalid_argument", s::cat("Erf: sharedTmpBuffer holds ", sharedTmpBuffer.GetSize(), " bytes; ",
                                        s::type_name<T>(), " needs at least ", 32 * temporaries * sizeof(T),
                                        " (", sizeof(T) == 2 ? 4 : 3, " float temporaries of 32 elements)"));
  }
  const uint64_t used = cal * 4 * (sizeof(T) == 2 ? 4 : 3);
  s::check_vec(sharedTmpBuffer, used, "Erf", "sharedTmpBuffer");
  s::vrd(r, srcTensor, uint64_t(calCount) * sizeof(T));
  s::vwr(r, sharedTmpBuffer, used);
  s::vwr(r, dstTensor, uint64_t(calCount) * sizeof(T));
  // GetErfCastType(): CAST_ROUND on dav-c220 (910B), CAST_NONE elsewhere. Decided by the simulated SoC at run
  // time, not by __CCE_AICORE__: an inline template must mean the same in every kernel library of a process.
  const s::Rnd to_half = s::soc_is_310p() ? s::Rnd::RNE : s::Rnd::AWAY;
  std::vector<T> out(cal);
  for (uint64_t at = 0; at < calCount; at += cal) {  // pass by pass, as the vendor loop goes
    const uint64_t len = std::min<uint64_t>(cal, calCount - at);
    for (uint64_t i = 0; i < len; ++i) out[i] = s::narrow<T>(s::erf_f32(s::widen(s::load(srcTensor.sim_addr_, at + i))),
                                                            to_half);
    for (uint64_t i = 0; i < len; ++i) s::store(dstTensor.sim_addr_, at + i, out[i]);
  }
  s::mask_level2_done();
}

template <typename T, bool isReuseSource = false>
inline void Erf(const LocalTensor<T>& dstTensor, const LocalTensor<T>& srcTensor,
                const LocalTensor<uint8_t>& sharedTmpBuffer) {
  Erf<T, isReuseSource>(dstTensor, srcTensor, sharedTmpBuffer, srcTensor.GetSize());
}

}  // namespace AscendC
