// ascendpy simulator: vector instructions, "level 2" contiguous forms (reference §1.7).
//
// Numerics. half / float / bfloat16 elements are widened exactly to double,
// the operation is done once in double and the result is rounded once to the
// element type (round to nearest even). double has more than 2p+2 bits for
// both float (p=24) and half (p=11), so + - * / sqrt give the correctly
// rounded result of the element type, i.e. what the hardware's
// single-rounding instructions produce. Exp/Ln/Rsqrt are computed with the C
// library's double functions and rounded once: within 1 ulp of the
// mathematically exact value (the hardware uses its own approximations).
// int16/int32 arithmetic wraps modulo 2^16 / 2^32.
//
// That is the definition; the loops that run are vec_fast.h's wherever they give the same bits (float and
// half in float arithmetic, F16C conversions, tables, an Exp estimate that defers to libm near a rounding
// boundary). -DASCENDPY_SIM_SCALAR_REF builds the per-element definition below instead (tests compare them).
//
// ReduceSum order (documented by CANN, ReduceSum page): inside each 256-byte
// repeat (128 half / 64 float lanes, missing tail lanes are 0) a pairwise
// binary tree of adjacent elements; then the repeat results are accumulated
// sequentially on 910B ("method 2", the level-2 API) and again by a binary
// tree per 256 bytes on 310P ("method 1"). Every partial sum is rounded to T;
// half partial sums saturate to +-65504 instead of overflowing to inf.
//
// Operands must be allocated Unified Buffer tensors starting 32-byte aligned
// (a reduction's dst needs only element alignment), and the `count` elements
// must lie inside the tensor's buffer. count == 0 does nothing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core.h"
#include "data_copy.h"
#include "fp16.h"
#include "mask.h"
#include "tensor.h"
#include "types.h"
#include "vec_fast.h"

namespace ascendpy_sim {

template <typename T, typename... U>
struct one_of : std::false_type {};
template <typename T, typename U0, typename... U>
struct one_of<T, U0, U...> : std::integral_constant<bool, std::is_same<T, U0>::value || one_of<T, U...>::value> {};

// Value traits: exact widening `up` to a computation type C and one rounding `down`.
template <typename T, typename Enable = void>
struct VT;
template <>
struct VT<half> {
  using C = double;
  static double up(half v) { return static_cast<double>(static_cast<float>(v)); }
  static half down(double c) { return half(c); }
};
template <>
struct VT<bfloat16_t> {
  using C = double;
  static double up(bfloat16_t v) { return static_cast<double>(static_cast<float>(v)); }
  static bfloat16_t down(double c) { return bfloat16_t(c); }
};
template <>
struct VT<float> {
  using C = double;
  static double up(float v) { return static_cast<double>(v); }
  static float down(double c) { return static_cast<float>(c); }
};
template <typename T>
struct VT<T, typename std::enable_if<std::is_integral<T>::value>::type> {
  using C = int64_t;
  static int64_t up(T v) { return static_cast<int64_t>(v); }
  static T down(int64_t c) {  // wrap modulo 2^bits
    using UT = typename std::make_unsigned<T>::type;
    return static_cast<T>(static_cast<UT>(static_cast<uint64_t>(c)));
  }
};

// Validates a vector operand of `elems` elements (Unified Buffer, aligned, in bounds).
template <typename T>
inline void check_vec(const AscendC::LocalTensor<T>& t, uint64_t elems, const char* op, const char* role,
                      uint64_t align = 32) {
  check_range(t.sim_addr_, t.sim_buf_, t.sim_gen_, elems * sizeof(T), op, role, align, true);
}

// Race checker: the instruction r reads / writes `bytes` bytes of t from its start.
template <typename T>
inline void vrd(const OpRec& r, const AscendC::LocalTensor<T>& t, uint64_t bytes) {
  local_access(r, t.sim_buf_, t.sim_addr_, bytes, false);
}
template <typename T>
inline void vwr(const OpRec& r, const AscendC::LocalTensor<T>& t, uint64_t bytes) {
  local_access(r, t.sim_buf_, t.sim_addr_, bytes, true);
}

// false for count == 0 (no-op); faults for a negative count.
inline bool check_count(int64_t count, const char* op) {
  if (count < 0) fault("invalid_argument", cat(op, ": count ", count, " is negative"));
  return count > 0;
}

// F is one of the Op structs of vec_fast.h (it names its operation).
template <typename F, typename = void>
struct has_bop : std::false_type {};
template <typename F>
struct has_bop<F, decltype(void(F::code))> : std::true_type {};

template <typename T, typename F>
inline void vec_binary(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& a,
                       const AscendC::LocalTensor<T>& b, int32_t count, const char* op, F f) {
  const OpRec r = op_begin(PIPE_V, op);
  mask_level2_done();
  if (!check_count(count, op)) return;
  const uint64_t n = static_cast<uint64_t>(count);
  check_vec(dst, n, op, "dst");
  check_vec(a, n, op, "src0");
  check_vec(b, n, op, "src1");
  vrd(r, a, n * sizeof(T));
  vrd(r, b, n * sizeof(T));
  vwr(r, dst, n * sizeof(T));
  if constexpr (has_bop<F>::value) {
    if (fast_binary<T, F, false>(dst.sim_addr_, a.sim_addr_, b.sim_addr_, n)) return;
  }
  for (uint64_t i = 0; i < n; ++i) {
    store(dst.sim_addr_, i, VT<T>::down(f(VT<T>::up(load(a.sim_addr_, i)), VT<T>::up(load(b.sim_addr_, i)))));
  }
}

template <typename T, typename F>
inline void vec_unary(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, int32_t count,
                      const char* op, F f) {
  const OpRec r = op_begin(PIPE_V, op);
  mask_level2_done();
  if (!check_count(count, op)) return;
  const uint64_t n = static_cast<uint64_t>(count);
  check_vec(dst, n, op, "dst");
  check_vec(src, n, op, "src");
  vrd(r, src, n * sizeof(T));
  vwr(r, dst, n * sizeof(T));
  if constexpr (is_uop<F>::value) {
    if (fast_unary<T, F>(dst.sim_addr_, src.sim_addr_, n)) return;
  }
  for (uint64_t i = 0; i < n; ++i) store(dst.sim_addr_, i, VT<T>::down(f(VT<T>::up(load(src.sim_addr_, i)))));
}

template <typename T, typename F>
inline void vec_scalar(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, const T& scalar,
                       int32_t count, const char* op, F f) {
  const OpRec r = op_begin(PIPE_V, op);
  mask_level2_done();
  if (!check_count(count, op)) return;
  const uint64_t n = static_cast<uint64_t>(count);
  check_vec(dst, n, op, "dst");
  check_vec(src, n, op, "src");
  vrd(r, src, n * sizeof(T));
  vwr(r, dst, n * sizeof(T));
  if constexpr (has_bop<F>::value) {
    const T sv = scalar;
    if (fast_binary<T, F, true>(dst.sim_addr_, src.sim_addr_, &sv, n)) return;
  }
  const auto s = VT<T>::up(scalar);
  for (uint64_t i = 0; i < n; ++i) store(dst.sim_addr_, i, VT<T>::down(f(VT<T>::up(load(src.sim_addr_, i)), s)));
}

template <typename T>
using arith_t = one_of<T, half, float, int16_t, int32_t>;  // Add Sub Mul Max Min Adds Muls Maxs Mins
template <typename T>
using float_t_ = one_of<T, half, float>;                    // Div Abs Reciprocal Exp Ln Sqrt Rsqrt, reductions, Select

}  // namespace ascendpy_sim

namespace AscendC {

// ---------------------------------------------------------------- binary
template <typename T>
inline void Add(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Add supports int16_t, half, int32_t, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Add", ascendpy_sim::OpAdd{});
}
template <typename T>
inline void Sub(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Sub supports int16_t, half, int32_t, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Sub", ascendpy_sim::OpSub{});
}
template <typename T>
inline void Mul(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Mul supports int16_t, half, int32_t, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Mul", ascendpy_sim::OpMul{});
}
template <typename T>
inline void Div(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Div supports half, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Div", ascendpy_sim::OpDiv{});
}
template <typename T>
inline void Max(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Max supports int16_t, half, int32_t, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Max", ascendpy_sim::OpMax{});
}
template <typename T>
inline void Min(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Min supports int16_t, half, int32_t, float");
  ascendpy_sim::vec_binary(dst, src0, src1, count, "Min", ascendpy_sim::OpMin{});
}

// ---------------------------------------------------------------- tensor-scalar
template <typename T, bool isSetMask = true>
inline void Adds(const LocalTensor<T>& dst, const LocalTensor<T>& src, const T& scalarValue, const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Adds supports int16_t, half, int32_t, float");
  if constexpr (!isSetMask) {
    ascendpy_sim::scalar_unmasked(dst, src, scalarValue, "Adds", [](auto a, auto s) { return a + s; });
  } else {
    ascendpy_sim::vec_scalar(dst, src, scalarValue, count, "Adds", ascendpy_sim::OpAdd{});
  }
}
template <typename T, bool isSetMask = true>
inline void Muls(const LocalTensor<T>& dst, const LocalTensor<T>& src, const T& scalarValue, const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Muls supports int16_t, half, int32_t, float");
  if constexpr (!isSetMask) {
    ascendpy_sim::scalar_unmasked(dst, src, scalarValue, "Muls", [](auto a, auto s) { return a * s; });
  } else {
    ascendpy_sim::vec_scalar(dst, src, scalarValue, count, "Muls", ascendpy_sim::OpMul{});
  }
}
template <typename T, bool isSetMask = true>
inline void Maxs(const LocalTensor<T>& dst, const LocalTensor<T>& src, const T& scalarValue, const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Maxs supports int16_t, half, int32_t, float");
  auto f = ascendpy_sim::OpMax{};
  if constexpr (!isSetMask) {
    ascendpy_sim::scalar_unmasked(dst, src, scalarValue, "Maxs", f);
  } else {
    ascendpy_sim::vec_scalar(dst, src, scalarValue, count, "Maxs", f);
  }
}
template <typename T, bool isSetMask = true>
inline void Mins(const LocalTensor<T>& dst, const LocalTensor<T>& src, const T& scalarValue, const int32_t& count) {
  static_assert(ascendpy_sim::arith_t<T>::value, "Mins supports int16_t, half, int32_t, float");
  auto f = ascendpy_sim::OpMin{};
  if constexpr (!isSetMask) {
    ascendpy_sim::scalar_unmasked(dst, src, scalarValue, "Mins", f);
  } else {
    ascendpy_sim::vec_scalar(dst, src, scalarValue, count, "Mins", f);
  }
}

// ---------------------------------------------------------------- unary
template <typename T>
inline void Exp(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Exp supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Exp", ascendpy_sim::UExp{});
}
template <typename T>
inline void Ln(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Ln supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Ln", ascendpy_sim::ULn{});
}
template <typename T>
inline void Abs(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Abs supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Abs", ascendpy_sim::UAbs{});
}
template <typename T>
inline void Sqrt(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Sqrt supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Sqrt", ascendpy_sim::USqrt{});
}
template <typename T>
inline void Rsqrt(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Rsqrt supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Rsqrt", ascendpy_sim::URsqrt{});
}
template <typename T>
inline void Reciprocal(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Reciprocal supports half, float");
  ascendpy_sim::vec_unary(dst, src, count, "Reciprocal", ascendpy_sim::URecip{});
}
template <typename T>
inline void Relu(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
  static_assert(ascendpy_sim::one_of<T, half, int32_t, float>::value, "Relu supports half, int32_t, float");
  ascendpy_sim::vec_unary(dst, src, count, "Relu", ascendpy_sim::URelu{});
}

// ---------------------------------------------------------------- fill
template <typename T>
inline void Duplicate(const LocalTensor<T>& dst, const T& scalarValue, const int32_t& count) {
  static_assert(ascendpy_sim::one_of<T, int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float>::value,
                "Duplicate supports int16_t, uint16_t, half, bfloat16_t, int32_t, uint32_t, float");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "Duplicate");
  ascendpy_sim::mask_level2_done();
  if (std::is_same<T, bfloat16_t>::value && ascendpy_sim::soc_is_310p())
    ascendpy_sim::unsupported_on_soc("Duplicate", "bfloat16_t");
  if (!ascendpy_sim::check_count(count, "Duplicate")) return;
  const uint64_t n = static_cast<uint64_t>(count);
  ascendpy_sim::check_vec(dst, n, "Duplicate", "dst");
  ascendpy_sim::vwr(r, dst, n * sizeof(T));
  for (uint64_t i = 0; i < n; ++i) ascendpy_sim::store(dst.sim_addr_, i, scalarValue);
}

}  // namespace AscendC

// ================================================================ Cast
namespace ascendpy_sim {

inline Rnd rnd_of(AscendC::RoundMode m) {
  using AscendC::RoundMode;
  switch (m) {
    case RoundMode::CAST_NONE:
    case RoundMode::CAST_RINT: return Rnd::RNE;
    case RoundMode::CAST_FLOOR: return Rnd::FLOOR;
    case RoundMode::CAST_CEIL: return Rnd::CEIL;
    case RoundMode::CAST_ROUND: return Rnd::AWAY;
    case RoundMode::CAST_TRUNC: return Rnd::TRUNC;
    case RoundMode::CAST_ODD: return Rnd::ODD;
    default: break;
  }
  fault("invalid_argument", cat("Cast: RoundMode value ", static_cast<int>(m), " is not supported"));
}

inline const char* round_mode_name(AscendC::RoundMode m) {
  switch (m) {
    case AscendC::RoundMode::CAST_NONE: return "CAST_NONE";
    case AscendC::RoundMode::CAST_RINT: return "CAST_RINT";
    case AscendC::RoundMode::CAST_FLOOR: return "CAST_FLOOR";
    case AscendC::RoundMode::CAST_CEIL: return "CAST_CEIL";
    case AscendC::RoundMode::CAST_ROUND: return "CAST_ROUND";
    case AscendC::RoundMode::CAST_TRUNC: return "CAST_TRUNC";
    case AscendC::RoundMode::CAST_ODD: return "CAST_ODD";
    default: return "UNKNOWN";
  }
}

template <typename T>
struct cast_type : std::integral_constant<bool, one_of<T, half, bfloat16_t, float, int8_t, uint8_t, int16_t,
                                                       uint16_t, int32_t, uint32_t, int64_t>::value> {};

// Round-mode sets of the Cast pairs, bit m for RoundMode value m.
constexpr uint32_t kCastNone = 1u << 0, kCastOdd = 1u << 6;
constexpr uint32_t kCastR5 = 0x3eu;  // CAST_RINT CAST_FLOOR CAST_CEIL CAST_ROUND CAST_TRUNC
constexpr uint32_t kCastAll = 0x7fu;

template <typename T, typename U, typename D, typename S>
constexpr bool cast_is() { return std::is_same<T, D>::value && std::is_same<U, S>::value; }

// The round modes CANN 8.1 implements for Cast to T from U on each SoC (0: no such pair): the cases of
// CastIntrinsicsImpl that issue a vconv in basic_api/impl/dav_c220 (910B) and dav_m200 (310P)
// kernel_operator_vec_vconv_impl.h, within the pairs CheckCastDatatype admits. int32_t -> half is vconv_deq on
// both (its round mode is not read; CANN scales by SetDeqScale, which the simulator does not model: scale 1).
// Pairs that compile but only report "not supported" (int16_t -> int8_t, and on 310P every int64_t pair,
// float -> float, float <-> int16_t) are not pairs. Probed by tools/sim_api.py (the type matrix).
template <typename T, typename U>
constexpr uint32_t cast_modes(bool on_310p) {
  if (cast_is<T, U, half, int32_t>()) return kCastAll;
  if (cast_is<T, U, half, int8_t>() || cast_is<T, U, half, uint8_t>() || cast_is<T, U, float, half>()) return kCastNone;
  if (cast_is<T, U, int32_t, half>() || cast_is<T, U, int32_t, float>()) return kCastR5;
  if (cast_is<T, U, int16_t, int32_t>()) return kCastNone;
  if (on_310p) {
    if (cast_is<T, U, float, int32_t>() || cast_is<T, U, half, int16_t>()) return kCastNone;
    if (cast_is<T, U, int8_t, half>() || cast_is<T, U, uint8_t, half>()) return kCastNone | (kCastR5 & ~0x2u);
    if (cast_is<T, U, half, float>()) return kCastNone | kCastOdd;
    if (cast_is<T, U, int16_t, half>()) return 0x2u;  // CAST_RINT only
    return 0;
  }
  if (cast_is<T, U, float, int32_t>() || cast_is<T, U, half, int16_t>() || cast_is<T, U, int8_t, half>() ||
      cast_is<T, U, uint8_t, half>())
    return kCastNone | kCastR5;
  if (cast_is<T, U, half, float>()) return kCastAll;
  if (cast_is<T, U, int16_t, half>() || cast_is<T, U, float, float>() || cast_is<T, U, bfloat16_t, float>() ||
      cast_is<T, U, int32_t, bfloat16_t>() || cast_is<T, U, int16_t, float>() || cast_is<T, U, int64_t, float>() ||
      cast_is<T, U, float, int64_t>())
    return kCastR5;
  if (cast_is<T, U, float, bfloat16_t>() || cast_is<T, U, float, int16_t>() || cast_is<T, U, int64_t, int32_t>() ||
      cast_is<T, U, int32_t, int64_t>())
    return kCastNone;
  return 0;
}

template <typename T>
inline const char* type_name() {
  if (std::is_same<T, half>::value) return "half";
  if (std::is_same<T, bfloat16_t>::value) return "bfloat16_t";
  if (std::is_same<T, float>::value) return "float";
  if (std::is_same<T, int8_t>::value) return "int8_t";
  if (std::is_same<T, uint8_t>::value) return "uint8_t";
  if (std::is_same<T, int16_t>::value) return "int16_t";
  if (std::is_same<T, uint16_t>::value) return "uint16_t";
  if (std::is_same<T, int32_t>::value) return "int32_t";
  if (std::is_same<T, uint32_t>::value) return "uint32_t";
  if (std::is_same<T, int64_t>::value) return "int64_t";
  if (std::is_same<T, uint64_t>::value) return "uint64_t";
  if (std::is_same<T, double>::value) return "double";
  return "?";
}

template <typename U>
inline double to_double(U v) {
  if constexpr (is_f16like<U>::value) {
    return static_cast<double>(static_cast<float>(v));
  } else if constexpr (std::is_same<U, int64_t>::value) {
    // Exact below 2^53; above, rounded to odd in double (53 >= 24 + 2 bits), so that the one rounding to
    // float that follows gives the correctly rounded result in every mode, as int64_t -> float does.
    const uint64_t a = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    int len = 0;
    while (len < 64 && (a >> len) != 0) ++len;
    if (len <= 53) return static_cast<double>(v);
    const int sh = len - 53;
    uint64_t q = a >> sh;
    if (a & ((uint64_t(1) << sh) - 1)) q |= 1;
    const double d = std::ldexp(static_cast<double>(q), sh);
    return v < 0 ? -d : d;
  } else {
    return static_cast<double>(v);
  }
}

// Round a finite double to an integral double with the given mode.
inline double round_integral(double v, Rnd m) {
  switch (m) {
    case Rnd::FLOOR: return std::floor(v);
    case Rnd::CEIL: return std::ceil(v);
    case Rnd::TRUNC: return std::trunc(v);
    case Rnd::AWAY: return std::round(v);
    case Rnd::RNE: {  // the result keeps v's sign, as IEEE rint does: -0.3 -> -0.0
      const double f = std::floor(v), diff = v - f;
      const double r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : std::fmod(f, 2.0) == 0 ? f : f + 1;
      return std::copysign(r, v);
    }
    case Rnd::ODD: break;
  }
  return v;
}

// One element: source value (exact in double) -> T with mode m.
// Floating -> integer saturates to the integer range; NaN becomes 0.
template <typename T>
inline T cast_from_double(double v, Rnd m) {
  if constexpr (std::is_same<T, float>::value) {
    return f64_to_f32(v, m);
  } else if constexpr (std::is_same<T, half>::value) {
    return half(f32_to_f16(f64_to_f32(v, Rnd::ODD), m), half_bits_tag{});
  } else if constexpr (std::is_same<T, bfloat16_t>::value) {
    return bfloat16_t(f32_to_bf16(f64_to_f32(v, Rnd::ODD), m), half_bits_tag{});
  } else {
    if (std::isnan(v)) return T(0);
    const double r = round_integral(v, m);
    if (r <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (r >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
}

}  // namespace ascendpy_sim

namespace AscendC {

// dst[i] = src[i] converted with roundMode, for exactly the pairs and round modes of cast_modes (CANN 8.1 per
// SoC); any other pair or mode is an unsupported_cast fault. CAST_NONE means CAST_RINT where precision is lost.
// Out-of-range values saturate (integer results; NaN becomes 0), as the hardware does; float -> float rounds to
// an integral value.
template <typename T, typename U>
inline void Cast(const LocalTensor<T>& dst, const LocalTensor<U>& src, const RoundMode& roundMode,
                 const uint32_t count) {
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "Cast");
  ascendpy_sim::mask_level2_done();
  if (count == 0) return;
  if ((std::is_same<T, bfloat16_t>::value || std::is_same<U, bfloat16_t>::value) && ascendpy_sim::soc_is_310p()) {
    ascendpy_sim::fault("unsupported_on_soc", ascendpy_sim::cat("Cast ", ascendpy_sim::type_name<U>(), " -> ",
                                                                ascendpy_sim::type_name<T>(), ": ",
                                                                ascendpy_sim::soc_name(), " has no bfloat16_t"));
  }
  const uint32_t modes = ascendpy_sim::cast_type<T>::value && ascendpy_sim::cast_type<U>::value
                             ? ascendpy_sim::cast_modes<T, U>(ascendpy_sim::soc_is_310p())
                             : 0;
  if (modes == 0) {
    ascendpy_sim::fault("unsupported_cast", ascendpy_sim::cat("Cast from ", ascendpy_sim::type_name<U>(), " to ",
                                                              ascendpy_sim::type_name<T>(), " does not exist on ",
                                                              ascendpy_sim::soc_name(), " in CANN 8.1"));
  }
  const ascendpy_sim::Rnd m = ascendpy_sim::rnd_of(roundMode);
  if (!((modes >> static_cast<unsigned>(roundMode)) & 1u)) {
    std::string have;
    for (unsigned k = 0; k < 7; ++k)
      if ((modes >> k) & 1u)
        have += std::string(have.empty() ? "" : ", ") + ascendpy_sim::round_mode_name(static_cast<RoundMode>(k));
    ascendpy_sim::fault("unsupported_cast", ascendpy_sim::cat("Cast from ", ascendpy_sim::type_name<U>(), " to ",
                                                              ascendpy_sim::type_name<T>(), " with RoundMode::",
                                                              ascendpy_sim::round_mode_name(roundMode),
                                                              " does not exist on ", ascendpy_sim::soc_name(),
                                                              " in CANN 8.1 (it has ", have, ")"));
  }
  ascendpy_sim::check_vec(dst, count, "Cast", "dst");
  ascendpy_sim::check_vec(src, count, "Cast", "src");
  ascendpy_sim::vrd(r, src, uint64_t(count) * sizeof(U));
  ascendpy_sim::vwr(r, dst, uint64_t(count) * sizeof(T));
#if !defined(ASCENDPY_SIM_SCALAR_REF)
  // half <-> float by F16C where it gives the same bits: float -> half rounding to nearest even, half -> float
  // (exact in every mode); not when the two ranges overlap (the sequential loop's business).
  constexpr bool h_from_f = std::is_same<T, half>::value && std::is_same<U, float>::value;
  constexpr bool f_from_h = std::is_same<T, float>::value && std::is_same<U, half>::value;
  if constexpr (h_from_f || f_from_h) {
    const uint8_t* d0 = reinterpret_cast<const uint8_t*>(dst.sim_addr_);
    const uint8_t* s0 = reinterpret_cast<const uint8_t*>(src.sim_addr_);
    const bool apart = d0 + uint64_t(count) * sizeof(T) <= s0 || s0 + uint64_t(count) * sizeof(U) <= d0;
    if (apart && (f_from_h || m == ascendpy_sim::Rnd::RNE)) {
      if constexpr (h_from_f) {
        ascendpy_sim::f32_to_f16_n(reinterpret_cast<uint16_t*>(dst.sim_addr_),
                                   reinterpret_cast<const float*>(src.sim_addr_), count);
      } else {
        ascendpy_sim::f16_to_f32_exact_n(reinterpret_cast<float*>(dst.sim_addr_),
                                   reinterpret_cast<const uint16_t*>(src.sim_addr_), count);
      }
      return;
    }
  }
#endif
  for (uint64_t i = 0; i < count; ++i) {
    const double v = ascendpy_sim::to_double(ascendpy_sim::load(src.sim_addr_, i));
    T out;
    if constexpr (std::is_same<T, U>::value && !std::is_integral<T>::value) {
      out = std::isfinite(v) ? ascendpy_sim::cast_from_double<T>(ascendpy_sim::round_integral(v, m),
                                                                 ascendpy_sim::Rnd::RNE)
                             : ascendpy_sim::load(src.sim_addr_, i);
    } else {
      out = ascendpy_sim::cast_from_double<T>(v, m);
    }
    ascendpy_sim::store(dst.sim_addr_, i, out);
  }
}

}  // namespace AscendC

// ================================================================ Compare / Select
namespace ascendpy_sim {

template <typename C>
inline bool cmp(C a, C b, AscendC::CMPMODE mode) {
  switch (mode) {
    case AscendC::CMPMODE::LT: return a < b;
    case AscendC::CMPMODE::GT: return a > b;
    case AscendC::CMPMODE::EQ: return a == b;
    case AscendC::CMPMODE::LE: return a <= b;
    case AscendC::CMPMODE::GE: return a >= b;
    case AscendC::CMPMODE::NE: return a != b;
  }
  fault("invalid_argument", cat("Compare: CMPMODE value ", static_cast<int>(mode), " is not supported"));
}

// Writes count bits (bit i of byte i/8 <- element i) into dst.
template <typename T, typename U, typename Get>
inline void write_mask(const OpRec& r, const AscendC::LocalTensor<U>& dst, uint64_t count, const char* op, Get pred) {
  const uint64_t bytes = (count + 7) / 8;
  check_vec(dst, (bytes + sizeof(U) - 1) / sizeof(U), op, "dst");
  vwr(r, dst, bytes);
  uint8_t* d = reinterpret_cast<uint8_t*>(dst.sim_addr_);
  for (uint64_t byte = 0; byte < bytes; ++byte) {
    uint8_t v = 0;
    for (uint64_t bit = 0; bit < 8 && byte * 8 + bit < count; ++bit)
      if (pred(byte * 8 + bit)) v = static_cast<uint8_t>(v | (1u << bit));
    d[byte] = v;
  }
}

inline bool mask_bit(const uint8_t* m, uint64_t i) { return (m[i / 8] >> (i % 8)) & 1u; }

}  // namespace ascendpy_sim

namespace AscendC {

// dst (uint8_t bit mask, 1 bit per element, element i -> bit i%8 of byte i/8)
// = src0 cmpMode src1. count * sizeof(T) must be a multiple of 256 bytes.
template <typename T, typename U>
inline void Compare(const LocalTensor<U>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1, CMPMODE cmpMode,
                    uint32_t count) {
  static_assert(ascendpy_sim::one_of<T, half, float, int32_t>::value, "Compare supports half, float, int32_t");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "Compare");
  if (std::is_same<T, int32_t>::value && ascendpy_sim::soc_is_310p())
    ascendpy_sim::unsupported_on_soc("Compare", "int32_t");
  if (count == 0) return;
  if (static_cast<uint64_t>(count) * sizeof(T) % 256 != 0) {
    ascendpy_sim::fault("misaligned", ascendpy_sim::cat("Compare: count ", count, " x ", sizeof(T), " bytes = ",
                                                        uint64_t(count) * sizeof(T),
                                                        " bytes is not a multiple of 256 bytes"));
  }
  ascendpy_sim::check_vec(src0, count, "Compare", "src0");
  ascendpy_sim::check_vec(src1, count, "Compare", "src1");
  ascendpy_sim::vrd(r, src0, uint64_t(count) * sizeof(T));
  ascendpy_sim::vrd(r, src1, uint64_t(count) * sizeof(T));
  using VT = ascendpy_sim::VT<T>;
  ascendpy_sim::write_mask<T>(r, dst, count, "Compare", [&](uint64_t i) {
    return ascendpy_sim::cmp(VT::up(ascendpy_sim::load(src0.sim_addr_, i)), VT::up(ascendpy_sim::load(src1.sim_addr_, i)),
                             cmpMode);
  });
}

// dst bit mask = src0 cmpMode scalar.
template <typename T, typename U>
inline void CompareScalar(const LocalTensor<U>& dst, const LocalTensor<T>& src0, const T src1Scalar, CMPMODE cmpMode,
                          uint32_t count) {
  static_assert(ascendpy_sim::one_of<T, half, float, int32_t>::value, "CompareScalar supports half, float, int32_t");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "CompareScalar");
  if (std::is_same<T, int32_t>::value && ascendpy_sim::soc_is_310p())
    ascendpy_sim::unsupported_on_soc("CompareScalar", "int32_t");
  if (count == 0) return;
  ascendpy_sim::check_vec(src0, count, "CompareScalar", "src0");
  ascendpy_sim::vrd(r, src0, uint64_t(count) * sizeof(T));
  using VT = ascendpy_sim::VT<T>;
  const auto s = VT::up(src1Scalar);
  ascendpy_sim::write_mask<T>(r, dst, count, "CompareScalar", [&](uint64_t i) {
    return ascendpy_sim::cmp(VT::up(ascendpy_sim::load(src0.sim_addr_, i)), s, cmpMode);
  });
}

}  // namespace AscendC

namespace ascendpy_sim {
// Bit index of selMask used for element i: VSEL_CMPMASK_SPR reuses the first
// 256/sizeof(T) bits for every 256-byte repeat; the other modes consume the
// mask continuously.
template <typename T>
inline uint64_t sel_bit(uint64_t i, AscendC::SELMODE mode) {
  return mode == AscendC::SELMODE::VSEL_CMPMASK_SPR ? i % (256 / sizeof(T)) : i;
}
template <typename T, typename U>
inline void check_sel_mask(const OpRec& r, const AscendC::LocalTensor<U>& m, uint64_t count, AscendC::SELMODE mode,
                           const char* op) {
  const uint64_t bits = mode == AscendC::SELMODE::VSEL_CMPMASK_SPR ? std::min<uint64_t>(count, 256 / sizeof(T)) : count;
  check_vec(m, ((bits + 7) / 8 + sizeof(U) - 1) / sizeof(U), op, "selMask");
  vrd(r, m, (bits + 7) / 8);
}
}  // namespace ascendpy_sim

namespace AscendC {

// dst[i] = selMask bit ? src0[i] : src1[i]
template <typename T, typename U>
inline void Select(const LocalTensor<T>& dst, const LocalTensor<U>& selMask, const LocalTensor<T>& src0,
                   const LocalTensor<T>& src1, SELMODE selMode, uint32_t count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Select supports half, float");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "Select");
  if (count == 0) return;
  ascendpy_sim::check_vec(dst, count, "Select", "dst");
  ascendpy_sim::check_sel_mask<T>(r, selMask, count, selMode, "Select");
  ascendpy_sim::check_vec(src0, count, "Select", "src0");
  ascendpy_sim::check_vec(src1, count, "Select", "src1");
  ascendpy_sim::vrd(r, src0, uint64_t(count) * sizeof(T));
  ascendpy_sim::vrd(r, src1, uint64_t(count) * sizeof(T));
  ascendpy_sim::vwr(r, dst, uint64_t(count) * sizeof(T));
  const uint8_t* m = reinterpret_cast<const uint8_t*>(selMask.sim_addr_);
  for (uint64_t i = 0; i < count; ++i) {
    const bool b = ascendpy_sim::mask_bit(m, ascendpy_sim::sel_bit<T>(i, selMode));
    ascendpy_sim::store(dst.sim_addr_, i, ascendpy_sim::load(b ? src0.sim_addr_ : src1.sim_addr_, i));
  }
}

// dst[i] = selMask bit ? src0[i] : src1 (scalar)
template <typename T, typename U>
inline void Select(const LocalTensor<T>& dst, const LocalTensor<U>& selMask, const LocalTensor<T>& src0, T src1,
                   SELMODE selMode, uint32_t count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "Select supports half, float");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "Select");
  if (count == 0) return;
  ascendpy_sim::check_vec(dst, count, "Select", "dst");
  ascendpy_sim::check_sel_mask<T>(r, selMask, count, selMode, "Select");
  ascendpy_sim::check_vec(src0, count, "Select", "src0");
  ascendpy_sim::vrd(r, src0, uint64_t(count) * sizeof(T));
  ascendpy_sim::vwr(r, dst, uint64_t(count) * sizeof(T));
  const uint8_t* m = reinterpret_cast<const uint8_t*>(selMask.sim_addr_);
  for (uint64_t i = 0; i < count; ++i) {
    const bool b = ascendpy_sim::mask_bit(m, ascendpy_sim::sel_bit<T>(i, selMode));
    ascendpy_sim::store(dst.sim_addr_, i, b ? ascendpy_sim::load(src0.sim_addr_, i) : src1);
  }
}

}  // namespace AscendC

// ================================================================ reductions
namespace ascendpy_sim {

// One partial sum of ReduceSum, rounded to T (half saturates to +-65504).
template <typename T>
inline T rsum_add(T a, T b) {
#if !defined(ASCENDPY_SIM_SCALAR_REF)
  // In float: the correctly rounded sum either way (vec_fast.h).
  if constexpr (std::is_same<T, float>::value) {
    return bop<Bop::ADD>(a, b);
  } else if constexpr (std::is_same<T, half>::value) {
    const float r = bop<Bop::ADD>(f16_to_f32_q(a.val), f16_to_f32_q(b.val));
    const uint16_t t = f32_to_f16(r);
    if ((t & 0x7fffu) == 0x7c00u && (a.val & 0x7c00u) != 0x7c00u && (b.val & 0x7c00u) != 0x7c00u)
      return half(static_cast<uint16_t>(r > 0 ? 0x7bffu : 0xfbffu), half_bits_tag{});  // saturate to +-65504
    return half(t, half_bits_tag{});
  }
#endif
  const double r = VT<T>::up(a) + VT<T>::up(b);
  T t = VT<T>::down(r);
  if constexpr (std::is_same<T, half>::value) {
    if (std::isinf(static_cast<float>(t)) && std::isfinite(static_cast<float>(a)) &&
        std::isfinite(static_cast<float>(b))) {
      t = half(r > 0 ? 65504.0f : -65504.0f);
    }
  }
  return t;
}

// Pairwise tree of adjacent elements over buf[0, n), n a power of two, in place (ReduceSum, WholeReduceSum,
// BlockReduceSum).
template <typename T>
inline T tree_reduce(T* buf, uint64_t n) {
  for (uint64_t w = n; w > 1; w /= 2)
    for (uint64_t i = 0; i < w / 2; ++i) buf[i] = rsum_add(buf[2 * i], buf[2 * i + 1]);
  return buf[0];
}

// The tree over one 256-byte repeat; lanes beyond n are 0.
template <typename T>
inline T tree_sum(const T* v, uint64_t n) {
  constexpr uint64_t lanes = 256 / sizeof(T);
#if !defined(ASCENDPY_SIM_SCALAR_REF)
  if constexpr (std::is_same<T, float>::value) {
    float f;
    if (tree64_f32(v, n, &f)) return f;
  }
#endif
  T buf[lanes];
  std::memcpy(static_cast<void*>(buf), static_cast<const void*>(v), n * sizeof(T));
  for (uint64_t i = n; i < lanes; ++i) buf[i] = T(0);
  return tree_reduce(buf, lanes);
}

template <typename T>
inline T reduce_sum(const T* v, uint64_t n, bool tree_across_repeats) {
  constexpr uint64_t lanes = 256 / sizeof(T);
  if (!tree_across_repeats) {  // 910B level-2: sequential over the repeat results, as they are made
    T acc = tree_sum(v, std::min<uint64_t>(lanes, n));
    for (uint64_t i = lanes; i < n; i += lanes) acc = rsum_add(acc, tree_sum(v + i, std::min<uint64_t>(lanes, n - i)));
    return acc;
  }
  std::vector<T> level;
  level.reserve((n + lanes - 1) / lanes);
  for (uint64_t i = 0; i < n; i += lanes) level.push_back(tree_sum(v + i, std::min<uint64_t>(lanes, n - i)));
  if (!tree_across_repeats) {  // 910B level-2: sequential over repeat results
    T acc = level[0];
    for (size_t j = 1; j < level.size(); ++j) acc = rsum_add(acc, level[j]);
    return acc;
  }
  while (level.size() > 1) {  // 310P: tree again over the repeat results
    std::vector<T> next;
    for (size_t i = 0; i < level.size(); i += lanes)
      next.push_back(tree_sum(level.data() + i, std::min<uint64_t>(lanes, level.size() - i)));
    level.swap(next);
  }
  return level[0];
}

template <typename T>
inline void reduce_checks(const OpRec& r, const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src,
                          const AscendC::LocalTensor<T>& tmp, uint64_t count, uint64_t dst_elems, const char* op) {
  check_vec(src, count, op, "src");
  check_vec(tmp, 0, op, "sharedTmpBuffer");
  check_vec(dst, dst_elems, op, "dst", sizeof(T));  // the scalar result needs only element alignment
  vrd(r, src, count * sizeof(T));
  vwr(r, dst, dst_elems * sizeof(T));
}

// Elements of sharedTmpBuffer ReduceMax / ReduceMin need for n elements (the ReduceMax page's rule): the first
// round's [value, index] pairs, rounded up to 32 bytes; with calIndex also each later round's (kept for the index).
template <typename T>
inline uint64_t reduce_work_elems(uint64_t n, bool cal_index) {
  constexpr uint64_t per_repeat = 256 / sizeof(T), per_block = 32 / sizeof(T);
  auto up = [](uint64_t v, uint64_t k) { return (v + k - 1) / k * k; };
  const uint64_t first = 2 * ((n + per_repeat - 1) / per_repeat);
  if (!cal_index) return up(first, per_block);
  const uint64_t second = 2 * ((first + per_repeat - 1) / per_repeat);
  uint64_t need = up(first, per_block) + up(second, per_block);
  if (second > 2) need += up(2 * ((second + per_repeat - 1) / per_repeat), per_block);
  return need;
}

template <typename T, bool is_max>
inline void reduce_extreme(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src,
                           const AscendC::LocalTensor<T>& tmp, int32_t count, bool calIndex, const char* op) {
  const OpRec r = op_begin(PIPE_V, op);
  mask_level2_undefined(op);
  if (!check_count(count, op)) return;
  const uint64_t n = static_cast<uint64_t>(count);
  if (calIndex && std::is_same<T, half>::value && n > 65536) {
    fault("invalid_argument", cat(op, ": with calIndex, half inputs are limited to 65536 elements (got ", n, ")"));
  }
  reduce_checks(r, dst, src, tmp, n, calIndex ? 2 : 1, op);
  check_vec(tmp, reduce_work_elems<T>(n, calIndex), op, "sharedTmpBuffer");  // the sizes the vendor writes
  vwr(r, tmp, reduce_work_elems<T>(n, calIndex) * sizeof(T));
  T best = load(src.sim_addr_, 0);
  uint64_t at = 0;
#if !defined(ASCENDPY_SIM_SCALAR_REF)
  if constexpr (std::is_same<T, float>::value) {
    at = extreme_index<is_max>(src.sim_addr_, n);
  } else {
    at = extreme_index<is_max>(reinterpret_cast<const uint16_t*>(src.sim_addr_), n);
  }
  best = load(src.sim_addr_, at);
#else
  for (uint64_t i = 1; i < n; ++i) {
    const T v = load(src.sim_addr_, i);
    if (is_max ? VT<T>::up(v) > VT<T>::up(best) : VT<T>::up(v) < VT<T>::up(best)) {
      best = v;
      at = i;
    }
  }
#endif
  store(dst.sim_addr_, 0, best);
  if (calIndex) {  // the index is stored in the bits of the second element
    if constexpr (sizeof(T) == 2) {
      const uint16_t idx = static_cast<uint16_t>(at);
      std::memcpy(reinterpret_cast<uint8_t*>(dst.sim_addr_) + sizeof(T), &idx, sizeof idx);
    } else {
      const uint32_t idx = static_cast<uint32_t>(at);
      std::memcpy(reinterpret_cast<uint8_t*>(dst.sim_addr_) + sizeof(T), &idx, sizeof idx);
    }
  }
}

}  // namespace ascendpy_sim

namespace AscendC {

// dst[0] = max(src[0..count)); with calIndex, dst[1] holds the index of the
// first maximum in its bits (uint16_t for half, uint32_t for float).
template <typename T>
inline void ReduceMax(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<T>& sharedTmpBuffer,
                      const int32_t count, bool calIndex = 0) {
  static_assert(ascendpy_sim::float_t_<T>::value, "ReduceMax supports half, float");
  ascendpy_sim::reduce_extreme<T, true>(dst, src, sharedTmpBuffer, count, calIndex, "ReduceMax");
}

template <typename T>
inline void ReduceMin(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<T>& sharedTmpBuffer,
                      const int32_t count, bool calIndex = 0) {
  static_assert(ascendpy_sim::float_t_<T>::value, "ReduceMin supports half, float");
  ascendpy_sim::reduce_extreme<T, false>(dst, src, sharedTmpBuffer, count, calIndex, "ReduceMin");
}

// dst[0] = sum(src[0..count)) in the hardware's order (see the top of this file).
template <typename T, bool isSetMask = true>
inline void ReduceSum(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<T>& sharedTmpBuffer,
                      const int32_t count) {
  static_assert(ascendpy_sim::float_t_<T>::value, "ReduceSum supports half, float");
  const ascendpy_sim::OpRec r = ascendpy_sim::op_begin(PIPE_V, "ReduceSum");
  ascendpy_sim::mask_level2_undefined("ReduceSum");
  if (!ascendpy_sim::check_count(count, "ReduceSum")) return;
  const uint64_t n = static_cast<uint64_t>(count);
  ascendpy_sim::reduce_checks(r, dst, src, sharedTmpBuffer, n, 1, "ReduceSum");
  ascendpy_sim::store(dst.sim_addr_, 0, ascendpy_sim::reduce_sum(src.sim_addr_, n, ascendpy_sim::soc_is_310p()));
}

}  // namespace AscendC
