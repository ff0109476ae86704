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
// -DASCENDPY_SIM_PORTABLE, portable scalar loops do the same arithmetic. Exp uses AVX-512 where present
// (-DASCENDPY_SIM_NO_AVX512 keeps it on AVX2). -DASCENDPY_SIM_SCALAR_REF keeps the original per-element
// reference loops (vec.h), which tests compare the others against bit for bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "fp16.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(ASCENDPY_SIM_PORTABLE) && !defined(ASCENDPY_SIM_SCALAR_REF)
#include <immintrin.h>
#define ASCENDPY_SIM_HAVE_AVX2 1
#define ASCENDPY_SIM_AVX2 __attribute__((target("avx2,f16c")))
#define ASCENDPY_SIM_AVX2_FMA __attribute__((target("avx2,f16c,fma")))  // only where the result is an estimate
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
inline bool cpu_fma() {
  static const bool ok = cpu_avx2_f16c() && __builtin_cpu_supports("fma");
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
// f16_to_f32 exactly: vcvtph2ps, then a signalling NaN's quiet bit cleared again.
ASCENDPY_SIM_AVX2 inline void f16_to_f32_exact_avx2(float* d, const uint16_t* s, uint64_t n) {
  uint64_t i = 0;
  const __m256i e = _mm256_set1_epi32(0x7e00), snan_e = _mm256_set1_epi32(0x7c00), m = _mm256_set1_epi32(0x3ff);
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m256i w = _mm256_cvtepu16_epi32(h);
    const __m256i snan = _mm256_andnot_si256(_mm256_cmpeq_epi32(_mm256_and_si256(w, m), _mm256_setzero_si256()),
                                             _mm256_cmpeq_epi32(_mm256_and_si256(w, e), snan_e));
    const __m256 f = _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_and_si256(snan, _mm256_set1_epi32(0x00400000))),
                                      _mm256_cvtph_ps(h));
    _mm256_storeu_ps(d + i, f);
  }
  for (; i < n; ++i) d[i] = f16_to_f32(s[i]);
}
#endif

// half bits -> float exactly (f16_to_f32: a signalling NaN stays signalling, as the reference Cast keeps it).
inline void f16_to_f32_exact_n(float* d, const uint16_t* s, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return f16_to_f32_exact_avx2(d, s, n);
#endif
  for (uint64_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]);
}

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

// ---------------------------------------------------------------- unary
// The unary operations of the level-2 instructions, on the double the element widens to (the reference).
struct UExp { static constexpr bool unary = true; double operator()(double x) const { return std::exp(x); } };
struct ULn { static constexpr bool unary = true; double operator()(double x) const { return std::log(x); } };
struct UAbs { static constexpr bool unary = true; double operator()(double x) const { return std::fabs(x); } };
struct USqrt { static constexpr bool unary = true; double operator()(double x) const { return std::sqrt(x); } };
struct URsqrt { static constexpr bool unary = true; double operator()(double x) const { return 1.0 / std::sqrt(x); } };
struct URecip { static constexpr bool unary = true; double operator()(double x) const { return 1.0 / x; } };
struct URelu { static constexpr bool unary = true; template <class X> X operator()(X x) const { return x > 0 ? x : X(0); } };

template <typename F, typename = void>
struct is_uop : std::false_type {};
template <typename F>
struct is_uop<F, decltype(void(F::unary))> : std::true_type {};

// The reference result of F for every half bit pattern (built on first use).
template <typename F>
inline const uint16_t* half_unary_table() {
  struct Table {
    uint16_t v[65536];
    Table() {
      for (uint32_t h = 0; h < 65536; ++h) v[h] = half(F{}(static_cast<double>(f16_to_f32(static_cast<uint16_t>(h))))).val;
    }
  };
  static const Table t;
  return t.v;
}

#if defined(ASCENDPY_SIM_HAVE_AVX2)
// e^x for |x| <= 88 with a relative error below 2^-44 (fused multiply-adds are fine: it is an estimate, see
// exp4_f32): x = k ln2 + r, |r| <= 0.347, a degree-11 Taylor polynomial (truncation 7e-15), 2^k by exponent bits.
ASCENDPY_SIM_AVX2_FMA inline __m256d exp4_approx(__m256d x) {
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d r = _mm256_sub_pd(x, _mm256_mul_pd(k, _mm256_set1_pd(0.6931471805599453)));
  // Horner, written out: a loop here is not unrolled at -O2, which serialises the four chains of exp_f32_avx2.
#define ASCENDPY_SIM_H(p, c) _mm256_fmadd_pd(p, r, _mm256_set1_pd(c))
  __m256d p = ASCENDPY_SIM_H(_mm256_set1_pd(1.0 / 39916800), 1.0 / 3628800);
  p = ASCENDPY_SIM_H(p, 1.0 / 362880);
  p = ASCENDPY_SIM_H(p, 1.0 / 40320);
  p = ASCENDPY_SIM_H(p, 1.0 / 5040);
  p = ASCENDPY_SIM_H(p, 1.0 / 720);
  p = ASCENDPY_SIM_H(p, 1.0 / 120);
  p = ASCENDPY_SIM_H(p, 1.0 / 24);
  p = ASCENDPY_SIM_H(p, 1.0 / 6);
  p = ASCENDPY_SIM_H(p, 1.0 / 2);
  p = ASCENDPY_SIM_H(p, 1.0);
  p = ASCENDPY_SIM_H(p, 1.0);
#undef ASCENDPY_SIM_H
  const __m256i e = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)),
                                                       _mm256_set1_epi64x(1023)), 52);
  return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
}

// How near (in units of 2^-52 of the result's binade) a rounding boundary of float the estimate may lie and
// still decide: 2^16, a relative distance of at least 2^-37, far above the estimate's error plus libm's.
constexpr long long kExpGuard = 1ll << 16;

// 4 floats of float(exp(double(x))): the approximation decides unless it lies within 2^-36 (relative) of a
// rounding boundary of float or x is outside [-87, 88] (NaN, overflow, float subnormal results), where the
// C library's exp is called as the reference does. The approximation and any libm within 2^-40 of e^x then
// round to the same float, so this is bit-identical to the reference loop (tests: all 2^32 floats).
ASCENDPY_SIM_AVX2_FMA inline int exp4_f32(float* d, const float* s) {
  const __m256d x = _mm256_cvtps_pd(_mm_loadu_ps(s));
  const __m256d e = exp4_approx(x);
  const __m256i b = _mm256_castpd_si256(e);
  const __m256i low = _mm256_set1_epi64x((1ll << 29) - 1), g = _mm256_set1_epi64x(kExpGuard);
  const __m256i u = _mm256_and_si256(_mm256_add_epi64(_mm256_sub_epi64(_mm256_and_si256(b, low),
                                                                      _mm256_set1_epi64x(1ll << 28)), g), low);
  const __m256d near = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_add_epi64(g, g), u));
  const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(-87.0), _CMP_GE_OQ),
                                   _mm256_cmp_pd(x, _mm256_set1_pd(88.0), _CMP_LE_OQ));
  _mm_storeu_ps(d, _mm256_cvtpd_ps(e));
  return _mm256_movemask_pd(_mm256_andnot_pd(near, ok)) ^ 0xf;
}

ASCENDPY_SIM_AVX2_FMA inline void exp_f32_avx2(float* d, const float* s, uint64_t n) {
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {  // four independent chains: the polynomial is latency-bound
    float in[16];  // the inputs of lanes the library computes (d may be s)
    std::memcpy(in, s + i, sizeof in);
    const int b0 = exp4_f32(d + i, s + i), b1 = exp4_f32(d + i + 4, s + i + 4);
    const int b2 = exp4_f32(d + i + 8, s + i + 8), b3 = exp4_f32(d + i + 12, s + i + 12);
    const int bad = b0 | (b1 << 4) | (b2 << 8) | (b3 << 12);
    if (bad) {
      for (int j = 0; j < 16; ++j)
        if ((bad >> j) & 1) d[i + j] = static_cast<float>(std::exp(static_cast<double>(in[j])));
    }
  }
  for (; i < n; ++i) d[i] = static_cast<float>(std::exp(static_cast<double>(s[i])));
}

#define ASCENDPY_SIM_AVX512 __attribute__((target("avx512f,avx2,f16c,fma")))
inline bool cpu_avx512() {  // -DASCENDPY_SIM_NO_AVX512 tests the AVX2 path on a host that has AVX-512
#if defined(ASCENDPY_SIM_NO_AVX512)
  return false;
#else
  static const bool ok = cpu_fma() && __builtin_cpu_supports("avx512f");
  return ok;
#endif
}

// exp4_approx / exp4_f32 on 8 lanes. The maskz forms (all lanes on) are the plain intrinsics without the
// undefined source operand g++ 12 warns about (-Wmaybe-uninitialized).
constexpr __mmask8 kAll8 = 0xff;

ASCENDPY_SIM_AVX512 inline __m512d exp8_approx(__m512d x) {
  const __m512d k = _mm512_maskz_roundscale_pd(kAll8, _mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)),
                                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512d r = _mm512_sub_pd(x, _mm512_mul_pd(k, _mm512_set1_pd(0.6931471805599453)));
#define ASCENDPY_SIM_H(p, c) _mm512_fmadd_pd(p, r, _mm512_set1_pd(c))
  __m512d p = ASCENDPY_SIM_H(_mm512_set1_pd(1.0 / 39916800), 1.0 / 3628800);
  p = ASCENDPY_SIM_H(p, 1.0 / 362880);
  p = ASCENDPY_SIM_H(p, 1.0 / 40320);
  p = ASCENDPY_SIM_H(p, 1.0 / 5040);
  p = ASCENDPY_SIM_H(p, 1.0 / 720);
  p = ASCENDPY_SIM_H(p, 1.0 / 120);
  p = ASCENDPY_SIM_H(p, 1.0 / 24);
  p = ASCENDPY_SIM_H(p, 1.0 / 6);
  p = ASCENDPY_SIM_H(p, 1.0 / 2);
  p = ASCENDPY_SIM_H(p, 1.0);
  p = ASCENDPY_SIM_H(p, 1.0);
#undef ASCENDPY_SIM_H
  const __m512i k32 = _mm512_maskz_cvtepi32_epi64(kAll8, _mm512_maskz_cvtpd_epi32(kAll8, k));
  const __m512i e = _mm512_maskz_slli_epi64(kAll8, _mm512_add_epi64(k32, _mm512_set1_epi64(1023)), 52);
  return _mm512_mul_pd(p, _mm512_castsi512_pd(e));
}

ASCENDPY_SIM_AVX512 inline unsigned exp8_f32(float* d, const float* s) {
  const __m512d x = _mm512_maskz_cvtps_pd(kAll8, _mm256_loadu_ps(s));
  const __m512d e = exp8_approx(x);
  const __m512i low = _mm512_set1_epi64((1ll << 29) - 1), g = _mm512_set1_epi64(kExpGuard);
  const __m512i u = _mm512_and_si512(
      _mm512_add_epi64(_mm512_sub_epi64(_mm512_and_si512(_mm512_castpd_si512(e), low), _mm512_set1_epi64(1ll << 28)), g),
      low);
  const __mmask8 near = _mm512_cmplt_epi64_mask(u, _mm512_add_epi64(g, g));
  const __mmask8 ok = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-87.0), _CMP_GE_OQ) &
                      _mm512_cmp_pd_mask(x, _mm512_set1_pd(88.0), _CMP_LE_OQ);
  _mm256_storeu_ps(d, _mm512_maskz_cvtpd_ps(kAll8, e));
  return static_cast<unsigned>(static_cast<uint8_t>(~(ok & ~near)));
}

ASCENDPY_SIM_AVX512 inline void exp_f32_avx512(float* d, const float* s, uint64_t n) {
  uint64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    float in[32];  // the inputs of lanes the library computes (d may be s)
    std::memcpy(in, s + i, sizeof in);
    const unsigned b0 = exp8_f32(d + i, s + i), b1 = exp8_f32(d + i + 8, s + i + 8);
    const unsigned b2 = exp8_f32(d + i + 16, s + i + 16), b3 = exp8_f32(d + i + 24, s + i + 24);
    const uint32_t bad = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
    if (bad) {
      for (int j = 0; j < 32; ++j)
        if ((bad >> j) & 1) d[i + j] = static_cast<float>(std::exp(static_cast<double>(in[j])));
    }
  }
  exp_f32_avx2(d + i, s + i, n - i);
}
#endif

// The fast form of a unary level-2 instruction: false leaves it to the reference loop.
template <typename T, typename F>
inline bool fast_unary(T* d, const T* s, uint64_t n) {
#if defined(ASCENDPY_SIM_SCALAR_REF)
  (void)d, (void)s, (void)n;
  return false;
#else
  if constexpr (std::is_same<T, half>::value) {  // a table lookup: sequential, so any overlap is the reference's
    const uint16_t* t = half_unary_table<F>();
    uint16_t* dd = reinterpret_cast<uint16_t*>(d);
    const uint16_t* ss = reinterpret_cast<const uint16_t*>(s);
    for (uint64_t i = 0; i < n; ++i) dd[i] = t[ss[i]];
    return true;
  } else if constexpr (std::is_same<T, float>::value) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
    if constexpr (std::is_same<F, UExp>::value) {
      if (cpu_fma() && !overlaps_apart(d, s, n * sizeof(T))) {
        if (cpu_avx512()) {
          exp_f32_avx512(d, s, n);
        } else {
          exp_f32_avx2(d, s, n);
        }
        return true;
      }
    }
#endif
    for (uint64_t i = 0; i < n; ++i) d[i] = static_cast<float>(F{}(static_cast<double>(s[i])));  // sequential
    return true;
  }
  return false;
#endif
}

// ---------------------------------------------------------------- DMA to global memory
#if defined(ASCENDPY_SIM_HAVE_AVX2)
ASCENDPY_SIM_AVX2 inline void stream_copy_avx2(uint8_t* d, const uint8_t* s, uint64_t n) {
  const uint64_t head = (32 - reinterpret_cast<uintptr_t>(d) % 32) % 32;
  std::memcpy(d, s, head);
  uint64_t i = head;
  for (; i + 128 <= n; i += 128) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32));
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 64));
    const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 96));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i), a);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i + 32), b);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i + 64), c);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + i + 96), e);
  }
  std::memcpy(d + i, s + i, n - i);
  _mm_sfence();  // the streamed stores are ordered before whatever synchronisation follows
}
#endif

// A contiguous on-chip -> global copy (the two never overlap). Large copies stream past the cache: a kernel
// writes its output once, and not reading the destination lines first saves a third of the DRAM traffic
// of a bandwidth-bound kernel.
inline void gm_store_copy(void* d, const void* s, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (n >= 8192 && cpu_avx2_f16c()) return stream_copy_avx2(static_cast<uint8_t*>(d), static_cast<const uint8_t*>(s), n);
#endif
  std::memmove(d, s, n);
}

// ---------------------------------------------------------------- ReduceSum
#if defined(ASCENDPY_SIM_HAVE_AVX2)
// One level of ReduceSum's pairwise tree on 16 floats: [a0+a1, a2+a3, ..., a6+a7, b0+b1, ..., b6+b7].
ASCENDPY_SIM_AVX2 inline __m256 pair_sums(__m256 a, __m256 b) {
  const __m256 even = _mm256_shuffle_ps(a, b, 0x88), odd = _mm256_shuffle_ps(a, b, 0xDD);  // per 128-bit half
  const __m256 sum = bop8<Bop::ADD>(even, odd);  // [a01 a23 b01 b23 | a45 a67 b45 b67]
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(sum), 0xD8));
}

// The tree over one 256-byte repeat of float (64 lanes), level by level as tree_reduce (vec.h) does it.
ASCENDPY_SIM_AVX2 inline float tree64_f32_avx2(const float* v) {
  __m256 l1[4];
  for (int k = 0; k < 4; ++k) l1[k] = pair_sums(_mm256_loadu_ps(v + 16 * k), _mm256_loadu_ps(v + 16 * k + 8));
  const __m256 l3 = pair_sums(pair_sums(l1[0], l1[1]), pair_sums(l1[2], l1[3]));
  float b[8];
  _mm256_storeu_ps(b, l3);
  for (int w = 8; w > 1; w /= 2)
    for (int i = 0; i < w / 2; ++i) b[i] = bop<Bop::ADD>(b[2 * i], b[2 * i + 1]);
  return b[0];
}
#endif

// tree64_f32_avx2 over v[0, n), n <= 64, missing lanes 0; false where there is no such path.
inline bool tree64_f32(const float* v, uint64_t n, float* out) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (!cpu_avx2_f16c()) return false;
  if (n == 64) {
    *out = tree64_f32_avx2(v);
  } else {
    float buf[64] = {};
    std::memcpy(buf, v, n * sizeof(float));
    *out = tree64_f32_avx2(buf);
  }
  return true;
#else
  (void)v, (void)n, (void)out;
  return false;
#endif
}

// ---------------------------------------------------------------- ReduceMax / ReduceMin
// The index the sequential scan of ReduceMax (IS_MAX) / ReduceMin keeps: it starts at element 0 and moves to
// every later element that compares > (<) the one it holds, so it ends at the first element of the extreme
// value (NaN never compares; a NaN element 0 is kept). The fast form finds that value M ignoring NaN (the
// vmaxps/vminps operand order), then the first element equal to M (+0 == -0: the first zero, as the scan).
template <bool IS_MAX>
inline bool beats(float v, float best) { return IS_MAX ? v > best : v < best; }

template <bool IS_MAX, typename T>
inline uint64_t extreme_scan(const T* v, uint64_t from, uint64_t n, uint64_t at, float& best) {
  for (uint64_t i = from; i < n; ++i) {
    float x;
    if constexpr (std::is_same<T, uint16_t>::value) x = f16_to_f32(v[i]); else x = v[i];
    if (beats<IS_MAX>(x, best)) {
      best = x;
      at = i;
    }
  }
  return at;
}

#if defined(ASCENDPY_SIM_HAVE_AVX2)
ASCENDPY_SIM_AVX2 inline __m256 ld8(const uint16_t* p) { return ld_h8(p); }
ASCENDPY_SIM_AVX2 inline __m256 ld8(const float* p) { return _mm256_loadu_ps(p); }

template <bool IS_MAX, typename T>
ASCENDPY_SIM_AVX2 uint64_t extreme_avx2(const T* v, uint64_t n) {
  float best;
  if constexpr (std::is_same<T, uint16_t>::value) best = f16_to_f32(v[0]); else best = v[0];
  if (best != best) return 0;
  // Pass 1: the extreme value M over every non-NaN element (element 0 included).
  __m256 m0 = _mm256_set1_ps(best), m1 = m0;
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m0 = IS_MAX ? _mm256_max_ps(ld8(v + i), m0) : _mm256_min_ps(ld8(v + i), m0);  // x beats m ? x : m
    m1 = IS_MAX ? _mm256_max_ps(ld8(v + i + 8), m1) : _mm256_min_ps(ld8(v + i + 8), m1);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, IS_MAX ? _mm256_max_ps(m0, m1) : _mm256_min_ps(m0, m1));
  float m = best;
  for (int j = 0; j < 8; ++j) m = IS_MAX ? max_of(m, lanes[j]) : min_of(m, lanes[j]);
  for (uint64_t j = i; j < n; ++j) {
    float x;
    if constexpr (std::is_same<T, uint16_t>::value) x = f16_to_f32(v[j]); else x = v[j];
    if (beats<IS_MAX>(x, m)) m = x;
  }
  // Pass 2: the scan ends at the first element equal to M (+0 == -0).
  const __m256 mv = _mm256_set1_ps(m);
  for (i = 0; i + 8 <= n; i += 8) {
    const int hit = _mm256_movemask_ps(_mm256_cmp_ps(ld8(v + i), mv, _CMP_EQ_OQ));
    if (hit) return i + static_cast<uint64_t>(__builtin_ctz(static_cast<unsigned>(hit)));
  }
  for (; i < n; ++i) {
    float x;
    if constexpr (std::is_same<T, uint16_t>::value) x = f16_to_f32(v[i]); else x = v[i];
    if (x == m) return i;
  }
  return 0;  // not reached: M is one of the elements
}
#endif

template <bool IS_MAX, typename T>
inline uint64_t extreme_index(const T* v, uint64_t n) {
#if defined(ASCENDPY_SIM_HAVE_AVX2)
  if (cpu_avx2_f16c()) return extreme_avx2<IS_MAX>(v, n);
#endif
  float best;
  if constexpr (std::is_same<T, uint16_t>::value) best = f16_to_f32(v[0]); else best = v[0];
  return extreme_scan<IS_MAX>(v, 1, n, 0, best);
}

}  // namespace ascendpy_sim
