// ascendpy simulator: `half` (IEEE binary16) and `bfloat16_t` on the CPU.
//
// Both are 2-byte trivially copyable classes holding the bit pattern.
// Conversions are done on the bits (no F16C): float -> half/bf16 rounds to
// nearest even (or any Cast RoundMode), handles subnormals, infinities, NaN
// (quieted, payload kept) and overflow (to inf); half/bf16 -> float is exact.
// double -> half/bf16 rounds once: the double is first rounded to float with
// round-to-odd, which makes the second rounding exact (24 >= 11 + 2 bits).
//
// Arithmetic mirrors the device types: half op half computes in float and
// rounds to half once per operation (float has enough precision for this to
// equal a correctly rounded binary16 + - * / sqrt); half op int yields half;
// half op float yields float; half op double yields double.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace ascendpy_sim {

// Rounding used by the converters (maps 1:1 to AscendC::RoundMode values).
enum class Rnd : uint8_t { RNE, AWAY, FLOOR, CEIL, TRUNC, ODD };

// constexpr bit casts (GCC >= 11 and clang provide __builtin_bit_cast in C++17 mode), so that
// `constexpr half k = 1.0;` compiles as it does with bisheng's built-in half.
constexpr uint32_t f32_bits(float f) { return __builtin_bit_cast(uint32_t, f); }
constexpr float bits_f32(uint32_t u) { return __builtin_bit_cast(float, u); }

// Neighbouring floats (f finite, not NaN).
constexpr float next_up(float f) {
  if (f == 0.0f) return bits_f32(1u);
  const uint32_t b = f32_bits(f);
  return bits_f32(f > 0 ? b + 1u : b - 1u);
}
constexpr float next_down(float f) { return -next_up(-f); }

// Whether a truncated magnitude must be incremented, given its lowest bit, the
// discarded remainder and the value of half an ulp in the same units.
constexpr bool round_increments(Rnd m, bool neg, uint32_t lsb, uint64_t rem, uint64_t halfway) {
  if (rem == 0) return false;
  switch (m) {
    case Rnd::RNE: return rem > halfway || (rem == halfway && lsb != 0);
    case Rnd::AWAY: return rem >= halfway;
    case Rnd::FLOOR: return neg;
    case Rnd::CEIL: return !neg;
    case Rnd::TRUNC: return false;
    case Rnd::ODD: return false;  // handled by the callers (sets the lowest bit)
  }
  return false;
}

// float -> binary16 bits.
constexpr uint16_t f32_to_f16(float f, Rnd m = Rnd::RNE) {
  const uint32_t x = f32_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const bool neg = sign != 0;
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {                              // inf or NaN
    if (ax == 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u);
    return static_cast<uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // quiet NaN
  }
  const int e = static_cast<int>(ax >> 23);             // biased float exponent
  if (e >= 143) {                                       // |f| >= 65536: beyond every finite half
    const bool to_inf = m == Rnd::RNE || m == Rnd::AWAY || (m == Rnd::FLOOR && neg) || (m == Rnd::CEIL && !neg);
    return static_cast<uint16_t>(sign | (to_inf ? 0x7c00u : 0x7bffu));
  }
  uint32_t h = 0;
  uint64_t rem = 0, halfway = 1;
  if (e >= 113) {                                       // normal half: 2^-14 <= |f| < 2^16
    const uint32_t mant = ax & 0x7fffffu;
    h = (static_cast<uint32_t>(e - 112) << 10) | (mant >> 13);
    rem = mant & 0x1fffu;
    halfway = 0x1000u;
  } else if (e >= 102) {                                // half subnormal: 2^-25 <= |f| < 2^-14
    const uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
    const int shift = 126 - e;                          // 14..24
    h = mant >> shift;
    rem = mant & ((1u << shift) - 1u);
    halfway = 1u << (shift - 1);
  } else {                                              // |f| < 2^-25 (below half the smallest subnormal)
    h = 0;
    rem = ax != 0 ? 1 : 0;
    halfway = 2;
  }
  if (m == Rnd::ODD) {
    if (rem != 0) h |= 1u;
  } else if (round_increments(m, neg, h & 1u, rem, halfway)) {
    h += 1;                                             // may carry into the exponent, up to inf
  }
  return static_cast<uint16_t>(sign | h);
}

// binary16 bits -> float (exact).
constexpr float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu;
  const uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) return bits_f32(sign | 0x7f800000u | (m << 13));
  if (e == 0) {
    if (m == 0) return bits_f32(sign);
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
    return sign ? -v : v;
  }
  return bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

// float -> bfloat16 bits.
constexpr uint16_t f32_to_bf16(float f, Rnd m = Rnd::RNE) {
  const uint32_t x = f32_bits(f);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  if (ax == 0x7f800000u) return static_cast<uint16_t>(x >> 16);
  const bool neg = (x >> 31) != 0;
  uint32_t h = ax >> 16;
  const uint32_t rem = ax & 0xffffu;
  if (m == Rnd::ODD) {
    if (rem != 0) h |= 1u;
  } else if (round_increments(m, neg, h & 1u, rem, 0x8000u)) {
    h += 1;                                             // 0x7f7f + 1 = 0x7f80 = inf
  }
  return static_cast<uint16_t>((neg ? 0x8000u : 0u) | h);
}

constexpr float bf16_to_f32(uint16_t b) { return bits_f32(static_cast<uint32_t>(b) << 16); }

// double -> float with any rounding mode.
constexpr float f64_to_f32(double d, Rnd m = Rnd::RNE) {
  const float f = static_cast<float>(d);                // round to nearest even
  if (d != d || static_cast<double>(f) == d) return f;  // NaN or exact
  constexpr float inf = std::numeric_limits<float>::infinity();
  const bool f_inf = f == inf || f == -inf;
  if (f_inf && (m == Rnd::RNE || m == Rnd::AWAY)) return f;
  float lo = f, hi = f;
  if (static_cast<double>(f) < d) {
    hi = f == -inf ? -std::numeric_limits<float>::max() : next_up(f);
  } else {
    lo = f == inf ? std::numeric_limits<float>::max() : next_down(f);
  }
  switch (m) {
    case Rnd::RNE: return f;
    case Rnd::FLOOR: return lo;
    case Rnd::CEIL: return hi;
    case Rnd::TRUNC: return d > 0 ? lo : hi;
    case Rnd::AWAY: {
      const double dl = d - static_cast<double>(lo), dh = static_cast<double>(hi) - d;
      if (dl < dh) return lo;
      if (dh < dl) return hi;
      return d > 0 ? hi : lo;
    }
    case Rnd::ODD: return (f32_bits(lo) & 1u) ? lo : hi;
  }
  return f;
}

constexpr uint16_t f64_to_f16(double d, Rnd m = Rnd::RNE) { return f32_to_f16(f64_to_f32(d, Rnd::ODD), m); }
constexpr uint16_t f64_to_bf16(double d, Rnd m = Rnd::RNE) { return f32_to_bf16(f64_to_f32(d, Rnd::ODD), m); }

struct half_bits_tag {};

}  // namespace ascendpy_sim

// ---------------------------------------------------------------------------
struct half {
  uint16_t val;  // the binary16 bit pattern

  constexpr half() noexcept : val(0) {}
  constexpr half(uint16_t bits, ascendpy_sim::half_bits_tag) noexcept : val(bits) {}
  constexpr half(float f) noexcept : val(ascendpy_sim::f32_to_f16(f)) {}
  constexpr half(double d) noexcept : val(ascendpy_sim::f64_to_f16(d)) {}
  constexpr half(long double d) noexcept : val(ascendpy_sim::f64_to_f16(static_cast<double>(d))) {}
  template <typename I, typename std::enable_if<std::is_integral<I>::value, int>::type = 0>
  constexpr half(I i) noexcept : val(ascendpy_sim::f64_to_f16(static_cast<double>(i))) {}

  constexpr operator float() const noexcept { return ascendpy_sim::f16_to_f32(val); }

  constexpr half operator-() const noexcept { return half(static_cast<uint16_t>(val ^ 0x8000u), ascendpy_sim::half_bits_tag{}); }
  constexpr half operator+() const noexcept { return *this; }
  half& operator++() noexcept { return *this = half(float(*this) + 1.0f); }
  half& operator--() noexcept { return *this = half(float(*this) - 1.0f); }
  half operator++(int) noexcept { half t = *this; ++*this; return t; }
  half operator--(int) noexcept { half t = *this; --*this; return t; }
};

struct bfloat16_t {
  uint16_t val;  // the bfloat16 bit pattern

  constexpr bfloat16_t() noexcept : val(0) {}
  constexpr bfloat16_t(uint16_t bits, ascendpy_sim::half_bits_tag) noexcept : val(bits) {}
  constexpr bfloat16_t(float f) noexcept : val(ascendpy_sim::f32_to_bf16(f)) {}
  constexpr bfloat16_t(double d) noexcept : val(ascendpy_sim::f64_to_bf16(d)) {}
  constexpr bfloat16_t(long double d) noexcept : val(ascendpy_sim::f64_to_bf16(static_cast<double>(d))) {}
  template <typename I, typename std::enable_if<std::is_integral<I>::value, int>::type = 0>
  constexpr bfloat16_t(I i) noexcept : val(ascendpy_sim::f64_to_bf16(static_cast<double>(i))) {}

  constexpr operator float() const noexcept { return ascendpy_sim::bf16_to_f32(val); }

  constexpr bfloat16_t operator-() const noexcept {
    return bfloat16_t(static_cast<uint16_t>(val ^ 0x8000u), ascendpy_sim::half_bits_tag{});
  }
  constexpr bfloat16_t operator+() const noexcept { return *this; }
};

static_assert(sizeof(half) == 2 && std::is_trivially_copyable<half>::value, "half layout");
static_assert(sizeof(bfloat16_t) == 2 && std::is_trivially_copyable<bfloat16_t>::value, "bfloat16_t layout");

namespace ascendpy_sim {
template <typename T> struct is_f16like : std::false_type {};
template <> struct is_f16like<half> : std::true_type {};
template <> struct is_f16like<bfloat16_t> : std::true_type {};

// Result type of (16-bit float) op U for an arithmetic U: integers convert to
// the 16-bit type, floating types win.
template <typename H, typename U, bool = std::is_floating_point<U>::value>
struct mixed { using type = H; using calc = float; };
template <typename H, typename U>
struct mixed<H, U, true> { using type = typename std::common_type<float, U>::type; using calc = type; };

template <typename U>
using arith_only = typename std::enable_if<std::is_arithmetic<U>::value, int>::type;
}  // namespace ascendpy_sim

#define ASCENDPY_SIM_F16_OPS(H)                                                                        \
  inline H operator+(H a, H b) noexcept { return H(float(a) + float(b)); }                             \
  inline H operator-(H a, H b) noexcept { return H(float(a) - float(b)); }                             \
  inline H operator*(H a, H b) noexcept { return H(float(a) * float(b)); }                             \
  inline H operator/(H a, H b) noexcept { return H(float(a) / float(b)); }                             \
  inline bool operator==(H a, H b) noexcept { return float(a) == float(b); }                           \
  inline bool operator!=(H a, H b) noexcept { return float(a) != float(b); }                           \
  inline bool operator<(H a, H b) noexcept { return float(a) < float(b); }                             \
  inline bool operator>(H a, H b) noexcept { return float(a) > float(b); }                             \
  inline bool operator<=(H a, H b) noexcept { return float(a) <= float(b); }                           \
  inline bool operator>=(H a, H b) noexcept { return float(a) >= float(b); }                           \
  inline H& operator+=(H& a, H b) noexcept { return a = a + b; }                                       \
  inline H& operator-=(H& a, H b) noexcept { return a = a - b; }                                       \
  inline H& operator*=(H& a, H b) noexcept { return a = a * b; }                                       \
  inline H& operator/=(H& a, H b) noexcept { return a = a / b; }                                       \
  ASCENDPY_SIM_F16_MIXED(H, +)                                                                         \
  ASCENDPY_SIM_F16_MIXED(H, -)                                                                         \
  ASCENDPY_SIM_F16_MIXED(H, *)                                                                         \
  ASCENDPY_SIM_F16_MIXED(H, /)                                                                         \
  ASCENDPY_SIM_F16_CMP(H, ==)                                                                          \
  ASCENDPY_SIM_F16_CMP(H, !=)                                                                          \
  ASCENDPY_SIM_F16_CMP(H, <)                                                                           \
  ASCENDPY_SIM_F16_CMP(H, >)                                                                           \
  ASCENDPY_SIM_F16_CMP(H, <=)                                                                          \
  ASCENDPY_SIM_F16_CMP(H, >=)

// H op U and U op H for arithmetic U, plus H op= U.
#define ASCENDPY_SIM_F16_MIXED(H, OP)                                                                  \
  template <typename U, ascendpy_sim::arith_only<U> = 0>                                               \
  inline typename ascendpy_sim::mixed<H, U>::type operator OP(H a, U b) noexcept {                     \
    using C = typename ascendpy_sim::mixed<H, U>::calc;                                                \
    using R = typename ascendpy_sim::mixed<H, U>::type;                                                \
    if constexpr (std::is_integral<U>::value) {                                                        \
      return R(static_cast<C>(float(a)) OP static_cast<C>(float(H(b))));                               \
    } else {                                                                                           \
      return R(static_cast<C>(float(a)) OP static_cast<C>(b));                                         \
    }                                                                                                  \
  }                                                                                                    \
  template <typename U, ascendpy_sim::arith_only<U> = 0>                                               \
  inline typename ascendpy_sim::mixed<H, U>::type operator OP(U a, H b) noexcept {                     \
    using C = typename ascendpy_sim::mixed<H, U>::calc;                                                \
    using R = typename ascendpy_sim::mixed<H, U>::type;                                                \
    if constexpr (std::is_integral<U>::value) {                                                        \
      return R(static_cast<C>(float(H(a))) OP static_cast<C>(float(b)));                               \
    } else {                                                                                           \
      return R(static_cast<C>(a) OP static_cast<C>(float(b)));                                         \
    }                                                                                                  \
  }                                                                                                    \
  template <typename U, ascendpy_sim::arith_only<U> = 0>                                               \
  inline H& operator OP##=(H& a, U b) noexcept {                                                       \
    using C = typename std::common_type<float, U>::type;                                               \
    if constexpr (std::is_integral<U>::value) {                                                        \
      a = H(float(a) OP float(H(b)));                                                                  \
    } else {                                                                                           \
      a = H(static_cast<C>(float(a)) OP static_cast<C>(b));                                            \
    }                                                                                                  \
    return a;                                                                                          \
  }

#define ASCENDPY_SIM_F16_CMP(H, OP)                                                                    \
  template <typename U, ascendpy_sim::arith_only<U> = 0>                                               \
  inline bool operator OP(H a, U b) noexcept {                                                         \
    using C = typename std::common_type<float, U>::type;                                               \
    if constexpr (std::is_integral<U>::value) {                                                        \
      return static_cast<double>(float(a)) OP static_cast<double>(b);                                  \
    } else {                                                                                           \
      return static_cast<C>(float(a)) OP static_cast<C>(b);                                            \
    }                                                                                                  \
  }                                                                                                    \
  template <typename U, ascendpy_sim::arith_only<U> = 0>                                               \
  inline bool operator OP(U a, H b) noexcept {                                                         \
    using C = typename std::common_type<float, U>::type;                                               \
    if constexpr (std::is_integral<U>::value) {                                                        \
      return static_cast<double>(a) OP static_cast<double>(float(b));                                  \
    } else {                                                                                           \
      return static_cast<C>(a) OP static_cast<C>(float(b));                                            \
    }                                                                                                  \
  }

ASCENDPY_SIM_F16_OPS(half)
ASCENDPY_SIM_F16_OPS(bfloat16_t)

#undef ASCENDPY_SIM_F16_OPS
#undef ASCENDPY_SIM_F16_MIXED
#undef ASCENDPY_SIM_F16_CMP

namespace AscendC {
using ::bfloat16_t;
using ::half;
}  // namespace AscendC
