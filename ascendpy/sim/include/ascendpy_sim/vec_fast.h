// ascendpy simulator: the fast loops behind the level-2 elementwise instructions (vec.h), bit-identical to
// the reference definition there (widen to double, one operation, one rounding to the element type).
//
// Why float arithmetic is exact here. For p-bit operands an operation computed correctly rounded to q >= 2p+2
// bits and then rounded to p bits equals the operation correctly rounded to p bits, for + - * / and sqrt
// (Figueroa, "When is double rounding innocuous?", 1995). So:
//  * float + - * / sqrt computed in double then rounded to float (q = 53 >= 50) is float + - * / sqrt;
//  * half + - * / computed in float then rounded to half (q = 24 >= 24) is the correctly rounded half result,
//    which the reference also produces (double, then round-to-odd to float, then to half). Every product or
//    quotient of two halves is a normal float (2^-48 ... 2^32), so float's exponent range never interferes.
// Max / Min / Relu / Abs select or change the sign of an input: no rounding at all. Everything else (Exp, Ln,
// Rsqrt on float) keeps the reference formula per element, only the loop around it is tighter; unary
// instructions on half read a 65536-entry table built from the reference formula itself.
//
// The fast loops run over hoisted pointers. dst may be exactly a source (in place, common): every 8-lane chunk
// is read before it is written, which is what the sequential loop does. Any other overlap of dst with a source
// runs the sequential reference loop.
//
// On x86-64 the loops are AVX2 + F16C functions chosen at run time (__builtin_cpu_supports); vcvtps2ph with
// round-to-nearest-even gives exactly f32_to_f16 (fp16.h) for every float (checked over all 2^32 floats,
// tests/test_vec_fast.py keeps a sample), vcvtph2ps exactly f16_to_f32_q (all 65536). Elsewhere, or with
// -DASCENDPY_SIM_PORTABLE, portable scalar loops do the same arithmetic; -DASCENDPY_SIM_SCALAR_REF keeps the
// original per-element reference loops (vec.h), which tests compare the two against bit for bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "fp16.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(ASCENDPY_SIM_PORTABLE) && !defined(ASCENDPY_SIM_SCALAR_REF)
#include <immintrin.h>
#define ASCENDPY_SIM_HAVE_AVX2 1
#define ASCENDPY_SIM_AVX2 __attribute__((target("avx2,f16c")))
#endif

namespace ascendpy_sim {

template <typename C>
inline C max_of(C a, C b) { return b > a ? b : a; }
template <typename C>
inline C min_of(C a, C b) { return b < a ? b : a; }

enum class Bop : uint8_t { ADD, SUB, MUL, DIV, MAX, MIN };

// The binary operations of the level-2 instructions: generic for the reference loop, `code` for the fast one.
struct OpAdd { static constexpr Bop code = Bop::ADD; template <class X> X operator()(X a, X b) const { return a + b; } };
struct OpSub { static constexpr Bop code = Bop::SUB; template <class X> X operator()(X a, X b) const { return a - b; } };
struct OpMul { static constexpr Bop code = Bop::MUL; template <class X> X operator()(X a, X b) const { return a * b; } };
struct OpDiv { static constexpr Bop code = Bop::DIV; template <class X> X operator()(X a, X b) const { return a / b; } };
struct OpMax { static constexpr Bop code = Bop::MAX; template <class X> X operator()(X a, X b) const { return max_of(a, b); } };
struct OpMin { static constexpr Bop code = Bop::MIN; template <class X> X operator()(X a, X b) const { return min_of(a, b); } };

inline float quiet_f32(float a) { return bits_f32(f32_bits(a) | 0x00400000u); }
// half bits -> float as the reference widening through double does it: exact, a signaling NaN comes out quiet
// (as vcvtph2ps does).
inline float f16_to_f32_q(uint16_t h) {
  const float f = f16_to_f32(h);
  return f != f ? quiet_f32(f) : f;
}

// a O b in float. For the commutative + and *, a NaN a wins over a NaN b, quieted, as x86 and the double
// reference give: the compiler may swap the operands of a commutative instruction, so it is made explicit.
template <Bop O>
inline float bop(float a, float b) {
  if constexpr (O == Bop::ADD || O == Bop::MUL) {
    if (a != a) return quiet_f32(a);
  }
  if constexpr (O == Bop::ADD) return a + b;
  if constexpr (O == Bop::SUB) return a - b;
  if constexpr (O == Bop::MUL) return a * b;
  if constexpr (O == Bop::DIV) return a / b;
  if constexpr (O == Bop::MAX) return max_of(a, b);
  return min_of(a, b);
}

// [p, p + n) and [q, q + n) share bytes without being the same range.
inline bool overlaps_apart(const void* p, const void* q, uint64_t bytes) {
  const uint8_t* a = static_cast<const uint8_t*>(p);
  const uint8_t* b = static_cast<const uint8_t*>(q);
  return a != b && a < b + bytes && b < a + bytes;
}

#if defined(ASCENDPY_SIM_HAVE_AVX2)
inline bool cpu_avx2_f16c() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  return ok;
}

// Lanes where a is NaN take a, quieted (see bop).
ASCENDPY_SIM_AVX2 inline __m256 first_nan(__m256 r, __m256 a) {
  const __m256 q = _mm256_castsi256_ps(_mm256_set1_epi32(0x00400000));
  return _mm256_blendv_ps(r, _mm256_or_ps(a, q), _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
}

template <Bop O>
ASCENDPY_SIM_AVX2 inline __m256 bop8(__m256 a, __m256 b) {
  if constexpr (O == Bop::ADD) return first_nan(_mm256_add_ps(a, b), a);
  if constexpr (O == Bop::SUB) return _mm256_sub_ps(a, b);
  if constexpr (O == Bop::MUL) return first_nan(_mm256_mul_ps(a, b), a);
  if constexpr (O == Bop::DIV) return _mm256_div_ps(a, b);
  if constexpr (O == Bop::MAX) return _mm256_max_ps(b, a);  // b > a ? b : a, as max_of
  return _mm256_min_ps(b, a);                              // b < a ? b : a, as min_of
}

ASCENDPY_SIM_AVX2 inline __m256 ld_h8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
ASCENDPY_SIM_AVX2 inline void st_h8(uint16_t* p, __m256 v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// d[i] = a[i] O b[i] (b[0] for every i when B_SCALAR), float.
template <Bop O, bool B_SCALAR>
ASCENDPY_SIM_AVX2 void bin_f32_avx2(float* d, const float* a, const float* b, uint64_t n) {
  uint64_t i = 0;
  const __m256 bs = _mm256_set1_ps(b[0]);
  for (; i + 16 <= n; i += 16) {
    const __m256 x0 = _mm256_loadu_ps(a + i), x1 = _mm256_loadu_ps(a + i + 8);
    const __m256 y0 = B_SCALAR ? bs : _mm256_loadu_ps(b + i), y1 = B_SCALAR ? bs : _mm256_loadu_ps(b + i + 8);
    _mm256_storeu_ps(d + i, bop8<O>(x0, y0));
    _mm256_storeu_ps(d + i + 8, bop8<O>(x1, y1));
  }
  for (; i < n; ++i) d[i] = bop<O>(a[i], B_SCALAR ? b[0] : b[i]);
}

// The same on half bits: widen exactly, one float operation, one rounding to half.
template <Bop O, bool B_SCALAR>
ASCENDPY_SIM_AVX2 void bin_f16_avx2(uint16_t* d, const uint16_t* a, const uint16_t* b, uint64_t n) {
  uint64_t i = 0;
  const __m256 bs = _mm256_set1_ps(f16_to_f32_q(b[0]));
  for (; i + 16 <= n; i += 16) {
    const __m256 x0 = ld_h8(a + i), x1 = ld_h8(a + i + 8);
    const __m256 y0 = B_SCALAR ? bs : ld_h8(b + i), y1 = B_SCALAR ? bs : ld_h8(b + i + 8);
    st_h8(d + i, bop8<O>(x0, y0));
    st_h8(d + i + 8, bop8<O>(x1, y1));
  }
  for (; i < n; ++i) d[i] = f32_to_f16(bop<O>(f16_to_f32_q(a[i]), f16_to_f32_q(B_SCALAR ? b[0] : b[i])));
}

ASCENDPY_SIM_AVX2 inline void f32_to_f16_avx2(uint16_t* d, const float* s, uint64_t n) {
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) st_h8(d + i, _mm256_loadu_ps(s + i));
  for (; i < n; ++i) d[i] = f32_to_f16(s[i]);
}
ASCENDPY_SIM_AVX2 inline void f16_to_f32_avx2(float* d, const uint16_t* s, uint64_t n) {
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, ld_h8(s + i));
  for (; i < n; ++i) d[i] = f16_to_f32_q(s[i]);
}
#endif

// Round-to-nearest-even float -> half bits and half bits -> float (f16_to_f32_q), n elements (no overlap).
inline void f32_to_f16_n(uint16_t* d, const float* s, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return f32_to_f16_avx2(d, s, n);
#endif
  for (uint64_t i = 0; i < n; ++i) d[i] = f32_to_f16(s[i]);
}
inline void f16_to_f32_n(float* d, const uint16_t* s, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return f16_to_f32_avx2(d, s, n);
#endif
  for (uint64_t i = 0; i < n; ++i) d[i] = f16_to_f32_q(s[i]);
}

template <Bop O, bool B_SCALAR>
inline void bin_f32(float* d, const float* a, const float* b, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return bin_f32_avx2<O, B_SCALAR>(d, a, b, n);
#endif
  for (uint64_t i = 0; i < n; ++i) d[i] = bop<O>(a[i], B_SCALAR ? b[0] : b[i]);
}

template <Bop O, bool B_SCALAR>
inline void bin_f16(uint16_t* d, const uint16_t* a, const uint16_t* b, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return bin_f16_avx2<O, B_SCALAR>(d, a, b, n);
#endif
  for (uint64_t i = 0; i < n; ++i) d[i] = f32_to_f16(bop<O>(f16_to_f32_q(a[i]), f16_to_f32_q(B_SCALAR ? b[0] : b[i])));
}

// The fast form of a binary (or tensor-scalar, B_SCALAR) level-2 instruction on T, if there is one: false
// leaves the work to the reference loop (other types, a partial overlap, -DASCENDPY_SIM_SCALAR_REF).
template <typename T, typename F, bool B_SCALAR>
inline bool fast_binary(T* d, const T* a, const T* b, uint64_t n) {
#if defined(ASCENDPY_SIM_SCALAR_REF)
  (void)d, (void)a, (void)b, (void)n;
  return false;
#else
  constexpr bool is_f = std::is_same<T, float>::value, is_h = std::is_same<T, half>::value;
  if constexpr (is_f || is_h) {
    if (overlaps_apart(d, a, n * sizeof(T)) || (!B_SCALAR && overlaps_apart(d, b, n * sizeof(T)))) return false;
    if constexpr (is_f) {
      bin_f32<F::code, B_SCALAR>(d, a, b, n);
    } else {
      bin_f16<F::code, B_SCALAR>(reinterpret_cast<uint16_t*>(d), reinterpret_cast<const uint16_t*>(a),
                                 reinterpret_cast<const uint16_t*>(b), n);
    }
    return true;
  }
  return false;
#endif
}

}  // namespace ascendpy_sim
