// Tests of the simulated AscendC API (ascendpy/sim/include/kernel_operator.h).
//
// Built and run by tests/test_sim_header.py together with add_custom.cpp.
// Prints one line per test: "PASS name" or "FAIL name: reason", then
// "SUMMARY passed=N failed=M seed=S"; exits non-zero on any failure.
// Expected values are computed independently in plain C++: float math, and
// the compiler's own _Float16 (libgcc, correctly rounded) as the binary16
// oracle when available.
#include "kernel_operator.h"

#include <cfloat>
#include <cinttypes>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

// ---------------------------------------------------------------------------
// Stubs of the functions libascendcl_sim.so provides.
static int64_t g_block_idx = 0;
static int64_t g_block_num = 1;
static const char* g_soc = "Ascend910B3";
static uint64_t g_ub_bytes = 192 * 1024;
static __ascendpy_sim_core_t g_core = {0, 1, 0, 1, 2 /* AIV */, 0 /* KERNEL_TYPE_AIV_ONLY */};
extern "C" int64_t __ascendpy_sim_block_idx(void) { return g_block_idx; }
extern "C" int64_t __ascendpy_sim_block_num(void) { return g_block_num; }
extern "C" const __ascendpy_sim_core_t* __ascendpy_sim_core(void) {
  g_core.block_idx = g_block_idx;
  g_core.block_num = g_block_num;
  return &g_core;
}
// Cross-core flags outside a mix launch (the real ones are tested through the simulator library).
static const char* no_scheduler(const char** what, void** other) {
  *what = "no cross-core scheduler outside a mix launch";
  *other = nullptr;
  return "unsupported_kernel_type";
}
extern "C" const char* __ascendpy_sim_cross_core_set(int32_t, int32_t, const char*, void*, const char** what,
                                                     void** other) {
  return no_scheduler(what, other);
}
extern "C" const char* __ascendpy_sim_cross_core_wait(int32_t, void*, const char** what, void** other) {
  return no_scheduler(what, other);
}
// One thread, no launch: the atomic-store lock has nothing to exclude, and a SyncAll has no scheduler.
extern "C" void __ascendpy_sim_atomic_lock(void) {}
extern "C" void __ascendpy_sim_atomic_unlock(void) {}
extern "C" const char* __ascendpy_sim_sync_all(int32_t, int32_t, int32_t*, int32_t, int32_t, void*, const char** what,
                                               void** other) {
  return no_scheduler(what, other);
}
extern "C" const char* __ascendpy_sim_soc_name(void) { return g_soc; }
extern "C" uint64_t __ascendpy_sim_ub_bytes(void) { return g_ub_bytes; }
// Host arrays stand in for device memory here: every pointer is "live" over the whole address space.
extern "C" int __ascendpy_sim_gm_lookup(const void*, uint64_t* base, uint64_t* size) {
  *base = 0;
  *size = ~uint64_t(0);
  return 1;
}
// No launch passes views here: every pointer's extent is the whole "allocation" above.
extern "C" void __ascendpy_sim_gm_extent(const void* p, __ascendpy_sim_gm_extent_t* out) {
  *out = __ascendpy_sim_gm_extent_t{0, 0, 0, 0, 0, -1, 0};
  out->state = __ascendpy_sim_gm_lookup(p, &out->alloc_base, &out->alloc_size);
  out->base = out->alloc_base;
  out->size = out->alloc_size;
}
extern "C" int __ascendpy_sim_fast(void) { return 0; }
// No launch is ever cancelled here (aclrtStreamAbort is tested through the simulator library).
extern "C" {
int __ascendpy_sim_cancel_pending = 0;
}
extern "C" int __ascendpy_sim_cancelled(void) { return 0; }

extern "C" void add_custom(GM_ADDR x, GM_ADDR y, GM_ADDR z);  // tests/sim_cpp/add_custom.cpp

using namespace AscendC;

// ---------------------------------------------------------------------------
// Tiny test framework.
struct Failure {
  std::string msg;
};
struct TestCase {
  const char* name;
  void (*fn)();
};
static std::vector<TestCase>& registry() {
  static std::vector<TestCase> r;
  return r;
}
struct Register {
  Register(const char* n, void (*f)()) { registry().push_back({n, f}); }
};
#define TEST(name)                              \
  static void name();                           \
  static Register register_##name(#name, name); \
  static void name()

// Out of line so that each CHECK costs one call (keeps this file quick to compile).
[[noreturn]] __attribute__((noinline, format(printf, 3, 4))) static void failf(int line, const char* cond,
                                                                               const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  throw Failure{std::string("line ") + std::to_string(line) + ": " + cond + " -- " + buf};
}
#define CHECK(cond, ...)                               \
  do {                                                 \
    if (!(cond)) failf(__LINE__, #cond, __VA_ARGS__);  \
  } while (0)

// Runs f and requires a KernelFault of `kind`; returns its message. (A plain
// function pointer + context rather than std::function: cheaper to compile.)
static std::string expect_fault_impl(const char* kind, void (*call)(const void*), const void* ctx) {
  try {
    call(ctx);
  } catch (const ascendpy_sim::KernelFault& e) {
    if (e.kind != kind)
      throw Failure{std::string("expected fault '") + kind + "', got '" + e.kind + "': " + e.what()};
    return e.what();
  }
  throw Failure{std::string("expected fault '") + kind + "', none raised"};
}
template <typename F>
static std::string expect_fault(const char* kind, const F& f) {
  return expect_fault_impl(kind, [](const void* c) { (*static_cast<const F*>(c))(); }, &f);
}

static uint32_t g_seed = 0;
static std::mt19937& rng() {
  static std::mt19937 r;
  return r;
}
static float urand(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng()); }
static uint32_t u32() { return rng()(); }

struct SocScope {  // temporarily simulate another SoC
  const char* soc;
  uint64_t ub;
  SocScope(const char* s, uint64_t u) : soc(g_soc), ub(g_ub_bytes) {
    g_soc = s;
    g_ub_bytes = u;
  }
  ~SocScope() {
    g_soc = soc;
    g_ub_bytes = ub;
  }
};

// ---------------------------------------------------------------------------
// binary16 oracle.
static uint16_t bits(half h) { return h.val; }
static half from_bits(uint16_t b) {
  half h;
  h.val = b;
  return h;
}
#if defined(__FLT16_MAX__)
#define HAVE_F16_ORACLE 1
static uint16_t ref_f16(float f) {
  volatile float vf = f;
  _Float16 h = static_cast<_Float16>(vf);
  uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}
static uint16_t ref_f16d(double d) {
  volatile double vd = d;
  _Float16 h = static_cast<_Float16>(vd);
  uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}
static float ref_f16_to_f32(uint16_t u) {
  _Float16 h;
  std::memcpy(&h, &u, 2);
  return static_cast<float>(h);
}
#else
#define HAVE_F16_ORACLE 0
static uint16_t ref_f16(float f) { return half(f).val; }
static uint16_t ref_f16d(double d) { return half(d).val; }
static float ref_f16_to_f32(uint16_t u) { return float(from_bits(u)); }
#endif
static bool f16_isnan(uint16_t u) { return (u & 0x7c00) == 0x7c00 && (u & 0x3ff) != 0; }
static uint32_t fbits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static float ffrom(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// Distance in ulps between two finite floats of the same sign class.
static int64_t ulp_f32(float a, float b) {
  auto key = [](float x) {
    int32_t i;
    std::memcpy(&i, &x, 4);
    return i < 0 ? int64_t(INT32_MIN) - i : int64_t(i);
  };
  return std::llabs(key(a) - key(b));
}
static int64_t ulp_f16(uint16_t a, uint16_t b) {
  auto key = [](uint16_t x) { return (x & 0x8000) ? -int64_t(x & 0x7fff) : int64_t(x); };
  return std::llabs(key(a) - key(b));
}
// Reference float -> bfloat16 (round to nearest even), the classic bias trick.
static uint16_t ref_bf16(float f) {
  uint32_t x = fbits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// ---------------------------------------------------------------------------
// Unified Buffer helper: TBuf-backed tensors of exactly n elements.
struct Ub {
  TPipe pipe;
  TBuf<TPosition::VECCALC> bufs[16];
  int used = 0;
  template <typename T>
  LocalTensor<T> get(uint32_t n) {
    TBuf<TPosition::VECCALC>& b = bufs[used++];
    pipe.InitBuffer(b, static_cast<uint32_t>(n * sizeof(T)));
    return b.Get<T>(n);
  }
};

template <typename T>
static void fill(const LocalTensor<T>& t, uint32_t n, float lo, float hi) {
  for (uint32_t i = 0; i < n; ++i) t.SetValue(i, static_cast<T>(urand(lo, hi)));
}
template <typename T>
static void fill_int(const LocalTensor<T>& t, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) t.SetValue(i, static_cast<T>(u32()));
}

// =========================================================================== half / bfloat16
TEST(half_known_bit_patterns) {
  struct {
    float f;
    uint16_t h;
  } cases[] = {
      {0.0f, 0x0000},           {-0.0f, 0x8000},          {1.0f, 0x3c00},       {-2.0f, 0xc000},
      {65504.0f, 0x7bff},       {65519.99f, 0x7bff},      {65520.0f, 0x7c00},   {-65520.0f, 0xfc00},
      {1e6f, 0x7c00},           {INFINITY, 0x7c00},       {-INFINITY, 0xfc00},  {5.9604644775390625e-8f, 0x0001},
      {2.98023223876953125e-8f, 0x0000},  // 2^-25: tie between 0 and the smallest subnormal -> even (0)
      {2.9802326e-8f, 0x0001},            // just above 2^-25
      {8.940696716308594e-8f, 0x0002},    // 3 * 2^-25: tie -> even (2 * 2^-24)
      {6.097555160522461e-5f, 0x03ff},    // largest subnormal
      {6.103515625e-5f, 0x0400},          // smallest normal
      {1.00048828125f, 0x3c00},           // 1 + 2^-11: tie -> even
      {1.00146484375f, 0x3c02},           // 1 + 3 * 2^-11: tie -> even (up)
      {0.1f, 0x2e66},           {-3.14159265f, 0xc248},
  };
  for (auto& c : cases) {
    CHECK(half(c.f).val == c.h, "half(%.10g) = 0x%04x, want 0x%04x", double(c.f), half(c.f).val, c.h);
    CHECK(half(double(c.f)).val == c.h, "half(double %.10g) = 0x%04x, want 0x%04x", double(c.f),
          half(double(c.f)).val, c.h);
  }
  CHECK(f16_isnan(half(NAN).val), "NaN -> 0x%04x", half(NAN).val);
  CHECK(f16_isnan(half(-NAN).val) && (half(-NAN).val & 0x8000), "-NaN -> 0x%04x", half(-NAN).val);
  // half -> float
  CHECK(float(from_bits(0x0001)) == 5.9604644775390625e-8f, "%g", double(float(from_bits(0x0001))));
  CHECK(float(from_bits(0x7bff)) == 65504.0f, "%g", double(float(from_bits(0x7bff))));
  CHECK(std::isinf(float(from_bits(0xfc00))) && float(from_bits(0xfc00)) < 0, "-inf");
  CHECK(std::isnan(float(from_bits(0x7e00))), "nan");
  CHECK(std::signbit(float(from_bits(0x8000))) && float(from_bits(0x8000)) == 0.0f, "-0");
  CHECK(float(half(3)) == 3.0f && float(half(-7)) == -7.0f, "int ctor");
  // conversions are constexpr, as with bisheng's built-in half
  constexpr half k1 = 1.0, k2 = 65520.0f, k3 = -3;
  constexpr float kf = half(0.1f);
  constexpr bfloat16_t kb = 1.00390625;
  static_assert(k1.val == 0x3c00 && k2.val == 0x7c00 && k3.val == 0xc200 && kf == 0.0999755859375f &&
                    kb.val == 0x3f80,
                "constexpr conversions");
  CHECK(static_cast<int>(half(2.75f)) == 2, "conversion to int");
}

TEST(half_conversions_match_oracle) {
  CHECK(HAVE_F16_ORACLE, "this compiler has no _Float16; the oracle is the implementation itself");
  // every binary16 value -> float is exact, and back
  for (uint32_t u = 0; u < 0x10000; ++u) {
    const float f = float(from_bits(static_cast<uint16_t>(u)));
    const float r = ref_f16_to_f32(static_cast<uint16_t>(u));
    if (f16_isnan(static_cast<uint16_t>(u))) {
      CHECK(std::isnan(f), "0x%04x should be NaN", u);
      continue;
    }
    CHECK(fbits(f) == fbits(r), "0x%04x -> %g, oracle %g", u, double(f), double(r));
    CHECK(half(f).val == u, "round trip of 0x%04x gave 0x%04x", u, half(f).val);
  }
  // random floats over the whole range, and near the half range
  for (int i = 0; i < 400000; ++i) {
    float f = (i & 1) ? ffrom(u32()) : urand(-70000.0f, 70000.0f) * std::ldexp(1.0f, -int(u32() % 40));
    const uint16_t got = half(f).val, want = ref_f16(f);
    if (std::isnan(f)) {
      CHECK(f16_isnan(got), "NaN %08x -> 0x%04x", fbits(f), got);
      continue;
    }
    CHECK(got == want, "half(%.9g [%08x]) = 0x%04x, oracle 0x%04x", double(f), fbits(f), got, want);
  }
  // doubles: one rounding, not two
  for (int i = 0; i < 200000; ++i) {
    const double d = double(urand(-70000.0f, 70000.0f)) * std::ldexp(1.0, -int(u32() % 30)) +
                     double(urand(-1, 1)) * 1e-9;
    CHECK(half(d).val == ref_f16d(d), "half(double %.17g) = 0x%04x, oracle 0x%04x", d, half(d).val, ref_f16d(d));
  }
  // the classic double-rounding trap: 1 + 2^-11 + 2^-40 must round up
  CHECK(half(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)).val == 0x3c01, "double rounding");
}

TEST(half_arithmetic_rounds_once) {
  for (int i = 0; i < 100000; ++i) {
    const half a(urand(-300, 300)), b(urand(-300, 300));
    const float fa = float(a), fb = float(b);
    CHECK(bits(a + b) == ref_f16(fa + fb), "%g + %g", double(fa), double(fb));
    CHECK(bits(a - b) == ref_f16(fa - fb), "%g - %g", double(fa), double(fb));
    CHECK(bits(a * b) == ref_f16(fa * fb), "%g * %g", double(fa), double(fb));
    if (fb != 0) CHECK(bits(a / b) == ref_f16(fa / fb), "%g / %g", double(fa), double(fb));
    half c = a;
    c += b;
    CHECK(bits(c) == bits(a + b), "+=");
    CHECK((a < b) == (fa < fb) && (a == b) == (fa == fb) && (a >= b) == (fa >= fb), "compare");
  }
  static_assert(std::is_same<decltype(half(1) + half(2)), half>::value, "half + half is half");
  static_assert(std::is_same<decltype(half(1) + 1), half>::value, "half + int is half");
  static_assert(std::is_same<decltype(half(1) * 2.0f), float>::value, "half * float is float");
  static_assert(std::is_same<decltype(2.0 * half(1)), double>::value, "double * half is double");
  CHECK(float(half(1.5f) + 1) == 2.5f && (half(2) > 1) && (0.5f < half(1)), "mixed");
  CHECK(bits(-half(1.0f)) == 0xbc00, "negation");
  CHECK(bits(half(65504.0f) + half(32.0f)) == 0x7c00, "overflow to inf");
  AscendC::half inside_namespace = 1.0f;
  CHECK(bits(inside_namespace) == 0x3c00, "AscendC::half");
}

TEST(bfloat16_conversions) {
  struct {
    float f;
    uint16_t b;
  } cases[] = {{1.0f, 0x3f80},        {-0.0f, 0x8000},    {1.00390625f, 0x3f80} /* tie -> even */,
               {1.01171875f, 0x3f82} /* 1+3*2^-8: tie -> even (up) */,
               {FLT_MAX, 0x7f80},     {INFINITY, 0x7f80}, {3.0f, 0x4040}};
  for (auto& c : cases) CHECK(bfloat16_t(c.f).val == c.b, "bf16(%g) = 0x%04x want 0x%04x", double(c.f),
                               bfloat16_t(c.f).val, c.b);
  const uint16_t qn = bfloat16_t(NAN).val;
  CHECK((qn & 0x7f80) == 0x7f80 && (qn & 0x7f) != 0, "NaN -> 0x%04x", qn);
  for (int i = 0; i < 200000; ++i) {
    const float f = ffrom(u32());
    if (std::isnan(f)) continue;
    CHECK(bfloat16_t(f).val == ref_bf16(f), "bf16(%08x) = 0x%04x want 0x%04x", fbits(f), bfloat16_t(f).val,
          ref_bf16(f));
    const bfloat16_t b = bfloat16_t(f);
    CHECK(fbits(float(b)) == uint32_t(b.val) << 16, "bf16 -> float exact");
  }
  const bfloat16_t a(1.5f), b(2.25f);
  CHECK(float(a * b) == 3.375f, "bf16 multiply");
}

// =========================================================================== vector ops
template <typename T>
static uint64_t elem_bits(T v) {
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof(T));
  return u;
}

enum class Op { Add, Sub, Mul, Max, Min, Div };
static const char* op_name(Op op) {
  static const char* const n[] = {"Add", "Sub", "Mul", "Max", "Min", "Div"};
  return n[int(op)];
}
template <typename C>
static C ref_op(Op op, C a, C b) {
  switch (op) {
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Max: return a > b ? a : b;
    case Op::Min: return a < b ? a : b;
    case Op::Div: return a / b;
  }
  return a;
}
// Expected value of a binary op for T: float math rounded once to T, or
// wrap-around integer math.
template <typename T>
static T expect_bin(Op op, T a, T b) {
  if constexpr (std::is_same<T, half>::value) {
    return from_bits(ref_f16(ref_op<float>(op, float(a), float(b))));
  } else if constexpr (std::is_same<T, float>::value) {
    return ref_op<float>(op, a, b);
  } else {
    using U = typename std::make_unsigned<T>::type;
    return static_cast<T>(static_cast<U>(ref_op<int64_t>(op, a, b)));
  }
}

template <typename T>
static void check_binary_ops(uint32_t n) {
  Ub ub;
  auto x = ub.get<T>(n), y = ub.get<T>(n), z = ub.get<T>(n);
  if constexpr (std::is_integral<T>::value) {
    fill_int(x, n);
    fill_int(y, n);
  } else {
    fill(x, n, -100, 100);
    fill(y, n, -100, 100);
  }
  const int32_t cnt = static_cast<int32_t>(n);
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Max, Op::Min, Op::Div}) {
    switch (op) {
      case Op::Add: Add(z, x, y, cnt); break;
      case Op::Sub: Sub(z, x, y, cnt); break;
      case Op::Mul: Mul(z, x, y, cnt); break;
      case Op::Max: Max(z, x, y, cnt); break;
      case Op::Min: Min(z, x, y, cnt); break;
      case Op::Div:
        if constexpr (std::is_integral<T>::value) continue;
        else Div(z, x, y, cnt);
        break;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const T want = expect_bin<T>(op, x.GetValue(i), y.GetValue(i));
      CHECK(elem_bits(z.GetValue(i)) == elem_bits(want), "%s[%u] got %llx want %llx", op_name(op), i,
            (unsigned long long)elem_bits(z.GetValue(i)), (unsigned long long)elem_bits(want));
    }
  }
  // in place: z = z + y
  for (uint32_t i = 0; i < n; ++i) z.SetValue(i, x.GetValue(i));
  Add(z, z, y, cnt);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(elem_bits(z.GetValue(i)) == elem_bits(expect_bin<T>(Op::Add, x.GetValue(i), y.GetValue(i))),
          "in-place Add[%u]", i);
}

TEST(binary_ops_float) { check_binary_ops<float>(1000); }
TEST(binary_ops_half) { check_binary_ops<half>(1000); }
TEST(binary_ops_int32) { check_binary_ops<int32_t>(512); }
TEST(binary_ops_int16) { check_binary_ops<int16_t>(512); }

template <typename T>
static void check_scalar_ops(uint32_t n) {
  Ub ub;
  auto x = ub.get<T>(n), z = ub.get<T>(n);
  fill(x, n, -50, 50);
  const T s = static_cast<T>(urand(-10, 10));
  const int32_t cnt = static_cast<int32_t>(n);
  for (Op op : {Op::Add, Op::Mul, Op::Max, Op::Min}) {
    switch (op) {
      case Op::Add: Adds(z, x, s, cnt); break;
      case Op::Mul: Muls(z, x, s, cnt); break;
      case Op::Max: Maxs(z, x, s, cnt); break;
      default: Mins(z, x, s, cnt); break;
    }
    for (uint32_t i = 0; i < n; ++i)
      CHECK(elem_bits(z.GetValue(i)) == elem_bits(expect_bin<T>(op, x.GetValue(i), s)), "%ss[%u]", op_name(op), i);
  }
}
TEST(scalar_ops_float) { check_scalar_ops<float>(777); }
TEST(scalar_ops_half) { check_scalar_ops<half>(777); }
TEST(scalar_ops_int32) { check_scalar_ops<int32_t>(256); }

TEST(unary_ops_float) {
  const uint32_t n = 2048;
  Ub ub;
  auto x = ub.get<float>(n), p = ub.get<float>(n), z = ub.get<float>(n);
  fill(x, n, -20, 20);
  fill(p, n, 1e-3f, 1000);
  Exp(z, x, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f32(z.GetValue(i), std::exp(x.GetValue(i))) <= 1, "Exp(%g)", double(x.GetValue(i)));
  Ln(z, p, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f32(z.GetValue(i), std::log(p.GetValue(i))) <= 1, "Ln(%g)", double(p.GetValue(i)));
  Sqrt(z, p, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == std::sqrt(p.GetValue(i)), "Sqrt(%g)", double(p.GetValue(i)));
  Rsqrt(z, p, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f32(z.GetValue(i), 1.0f / std::sqrt(p.GetValue(i))) <= 1, "Rsqrt(%g)", double(p.GetValue(i)));
  Reciprocal(z, x, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == 1.0f / x.GetValue(i), "Reciprocal");
  Abs(z, x, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == std::fabs(x.GetValue(i)), "Abs");
  Relu(z, x, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == (x.GetValue(i) > 0 ? x.GetValue(i) : 0.0f), "Relu");
  CHECK(std::isnan([&] { p.SetValue(0, -1.0f); Sqrt(z, p, 1); return z.GetValue(0); }()), "Sqrt(-1) is NaN");
}

TEST(unary_ops_half) {
  const uint32_t n = 2048;
  Ub ub;
  auto x = ub.get<half>(n), p = ub.get<half>(n), z = ub.get<half>(n);
  fill(x, n, -8, 8);
  fill(p, n, 1e-2f, 1000);
  Exp(z, x, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f16(bits(z.GetValue(i)), ref_f16(std::exp(float(x.GetValue(i))))) <= 1, "Exp(%g)",
          double(float(x.GetValue(i))));
  Ln(z, p, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f16(bits(z.GetValue(i)), ref_f16(std::log(float(p.GetValue(i))))) <= 1, "Ln");
  Sqrt(z, p, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(bits(z.GetValue(i)) == ref_f16(std::sqrt(float(p.GetValue(i)))), "Sqrt");
  Rsqrt(z, p, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(ulp_f16(bits(z.GetValue(i)), ref_f16(1.0f / std::sqrt(float(p.GetValue(i))))) <= 1, "Rsqrt");
  Reciprocal(z, x, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(bits(z.GetValue(i)) == ref_f16(1.0f / float(x.GetValue(i))), "Reciprocal");
  Abs(z, x, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(bits(z.GetValue(i)) == (bits(x.GetValue(i)) & 0x7fff), "Abs");
  Relu(z, x, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK(float(z.GetValue(i)) == std::max(0.0f, float(x.GetValue(i))), "Relu");
}

TEST(duplicate_and_count_zero) {
  Ub ub;
  auto f = ub.get<float>(100);
  auto h = ub.get<half>(100);
  auto i32 = ub.get<int32_t>(100);
  Duplicate(f, 2.5f, 100);
  Duplicate(h, half(-1.5f), 64);
  Duplicate(i32, int32_t(-7), 100);
  for (uint32_t i = 0; i < 100; ++i) {
    CHECK(f.GetValue(i) == 2.5f && i32.GetValue(i) == -7, "[%u]", i);
    CHECK(float(h.GetValue(i)) == (i < 64 ? -1.5f : 0.0f), "half [%u]", i);
  }
  Add(f, f, f, 0);  // count 0: no-op
  Exp(f, f, 0);
  ReduceSum(f, f, f, 0);
  CHECK(f.GetValue(0) == 2.5f, "count 0 changed data");
  expect_fault("invalid_argument", [&] { Add(f, f, f, -1); });
}

// --------------------------------------------------------------------------- Cast
// Reference: the neighbours of f on the binary16 grid, chosen per mode.
static uint16_t ref_f16_mode(float f, RoundMode m) {
  const uint16_t r = ref_f16(f);
  const float rf = ref_f16_to_f32(r);
  if (rf == f) return r;
  auto step = [](uint16_t h, bool up_in_value) -> uint16_t {
    const bool neg = h & 0x8000;
    if ((h & 0x7fff) == 0) return up_in_value ? 0x0001 : 0x8001;
    return (up_in_value != neg) ? uint16_t(h + 1) : uint16_t(h - 1);
  };
  uint16_t lo, hi;
  if (rf < f) {
    lo = r;
    hi = step(r, true);
  } else {
    hi = r;
    lo = step(r, false);
  }
  const float lof = ref_f16_to_f32(lo), hif = ref_f16_to_f32(hi);
  switch (m) {
    case RoundMode::CAST_NONE:
    case RoundMode::CAST_RINT: return r;
    case RoundMode::CAST_FLOOR: return lo;
    case RoundMode::CAST_CEIL: return hi;
    case RoundMode::CAST_TRUNC: return f > 0 ? lo : hi;
    case RoundMode::CAST_ROUND: {
      const double dl = double(f) - lof, dh = double(hif) - f;
      return dl < dh ? lo : dh < dl ? hi : (f > 0 ? hi : lo);
    }
    case RoundMode::CAST_ODD: return (lo & 1) ? lo : hi;
    default: return r;
  }
}

TEST(cast_float_half_all_modes) {
  const uint32_t n = 4096;
  Ub ub;
  auto f = ub.get<float>(n), back = ub.get<float>(n);
  auto h = ub.get<half>(n);
  for (uint32_t i = 0; i < n; ++i) f.SetValue(i, urand(-60000, 60000) * std::ldexp(1.0f, -int(u32() % 30)));
  f.SetValue(0, 1.00048828125f);  // exact tie
  f.SetValue(1, -2.5f);
  const RoundMode modes[] = {RoundMode::CAST_NONE, RoundMode::CAST_RINT,  RoundMode::CAST_FLOOR, RoundMode::CAST_CEIL,
                             RoundMode::CAST_ROUND, RoundMode::CAST_TRUNC, RoundMode::CAST_ODD};
  for (RoundMode m : modes) {
    Cast(h, f, m, n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint16_t want = ref_f16_mode(f.GetValue(i), m);
      CHECK(bits(h.GetValue(i)) == want, "mode %d: %.9g -> 0x%04x want 0x%04x", int(m), double(f.GetValue(i)),
            bits(h.GetValue(i)), want);
    }
  }
  Cast(back, h, RoundMode::CAST_NONE, n);  // half -> float is exact
  for (uint32_t i = 0; i < n; ++i) CHECK(back.GetValue(i) == float(h.GetValue(i)), "half->float");
  // overflow: RINT -> inf, TRUNC -> max finite
  f.SetValue(0, 70000.0f);
  Cast(h, f, RoundMode::CAST_RINT, 1);
  CHECK(bits(h.GetValue(0)) == 0x7c00, "RINT overflow");
  Cast(h, f, RoundMode::CAST_TRUNC, 1);
  CHECK(bits(h.GetValue(0)) == 0x7bff, "TRUNC overflow");
}

TEST(cast_int_and_bf16) {
  const uint32_t n = 1024;
  Ub ub;
  auto f = ub.get<float>(n), g = ub.get<float>(n);
  auto i = ub.get<int32_t>(n);
  auto b = ub.get<bfloat16_t>(n);
  auto h = ub.get<half>(n);
  for (uint32_t k = 0; k < n; ++k) f.SetValue(k, urand(-1e6f, 1e6f));
  f.SetValue(0, 2.5f);
  f.SetValue(1, -2.5f);
  f.SetValue(2, 3.5f);
  f.SetValue(3, 3e10f);   // saturates
  f.SetValue(4, -3e10f);
  struct {
    RoundMode m;
    double (*ref)(double);
  } modes[] = {{RoundMode::CAST_RINT, [](double v) { return std::nearbyint(v); }},
               {RoundMode::CAST_FLOOR, [](double v) { return std::floor(v); }},
               {RoundMode::CAST_CEIL, [](double v) { return std::ceil(v); }},
               {RoundMode::CAST_ROUND, [](double v) { return std::round(v); }},
               {RoundMode::CAST_TRUNC, [](double v) { return std::trunc(v); }}};
  for (auto& md : modes) {
    Cast(i, f, md.m, n);
    for (uint32_t k = 0; k < n; ++k) {
      const double r = md.ref(f.GetValue(k));
      const int32_t want = r >= 2147483647.0 ? INT32_MAX : r <= -2147483648.0 ? INT32_MIN : int32_t(r);
      CHECK(i.GetValue(k) == want, "mode %d: %.9g -> %d want %d", int(md.m), double(f.GetValue(k)), i.GetValue(k), want);
    }
  }
  for (uint32_t k = 0; k < n; ++k) i.SetValue(k, int32_t(u32()));
  Cast(g, i, RoundMode::CAST_NONE, n);
  for (uint32_t k = 0; k < n; ++k) CHECK(g.GetValue(k) == float(i.GetValue(k)), "int32->float %d", i.GetValue(k));
  Cast(b, f, RoundMode::CAST_RINT, n);
  for (uint32_t k = 0; k < n; ++k) CHECK(b.GetValue(k).val == ref_bf16(f.GetValue(k)), "float->bf16");
  Cast(g, b, RoundMode::CAST_NONE, n);
  for (uint32_t k = 0; k < n; ++k) CHECK(fbits(g.GetValue(k)) == uint32_t(b.GetValue(k).val) << 16, "bf16->float");
  for (uint32_t k = 0; k < n; ++k) h.SetValue(k, half(urand(-1000, 1000)));
  Cast(i, h, RoundMode::CAST_ROUND, n);
  for (uint32_t k = 0; k < n; ++k) CHECK(i.GetValue(k) == int32_t(std::round(float(h.GetValue(k)))), "half->int32");
  Cast(g, f, RoundMode::CAST_FLOOR, n);  // float -> float: integral rounding
  for (uint32_t k = 0; k < 3; ++k) CHECK(g.GetValue(k) == std::floor(f.GetValue(k)), "float floor");
  expect_fault("unsupported_cast", [&] { Cast(i, f, RoundMode::CAST_ODD, n); });  // float -> int32_t: no CAST_ODD
  expect_fault("unsupported_cast", [&] { Cast(i, i, RoundMode::CAST_NONE, n); });
}

// --------------------------------------------------------------------------- Compare / Select
template <typename T>
static void check_compare(uint32_t n) {
  Ub ub;
  auto a = ub.get<T>(n), b = ub.get<T>(n);
  auto mask = ub.get<uint8_t>(n / 8);
  fill(a, n, -4, 4);
  fill(b, n, -4, 4);
  for (uint32_t i = 0; i < n; i += 5) b.SetValue(i, a.GetValue(i));  // plant equal values
  const CMPMODE modes[] = {CMPMODE::LT, CMPMODE::GT, CMPMODE::EQ, CMPMODE::LE, CMPMODE::GE, CMPMODE::NE};
  for (CMPMODE m : modes) {
    Compare(mask, a, b, m, n);
    for (uint32_t i = 0; i < n; ++i) {
      const float x = float(a.GetValue(i)), y = float(b.GetValue(i));
      const bool want = m == CMPMODE::LT ? x < y : m == CMPMODE::GT ? x > y : m == CMPMODE::EQ ? x == y
                      : m == CMPMODE::LE ? x <= y : m == CMPMODE::GE ? x >= y : x != y;
      const bool got = (mask.GetValue(i / 8) >> (i % 8)) & 1;
      CHECK(got == want, "mode %d element %u", int(m), i);
    }
  }
  const T s = a.GetValue(7);
  CompareScalar(mask, a, s, CMPMODE::GE, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK((((mask.GetValue(i / 8) >> (i % 8)) & 1) != 0) == (float(a.GetValue(i)) >= float(s)), "CompareScalar %u", i);
  CompareScalar(mask, a, s, CMPMODE::LT, n);
  for (uint32_t i = 0; i < n; ++i)
    CHECK((((mask.GetValue(i / 8) >> (i % 8)) & 1) != 0) == (float(a.GetValue(i)) < float(s)), "CompareScalar LT %u", i);
}
TEST(compare_float) { check_compare<float>(512); }
TEST(compare_half) { check_compare<half>(1024); }
TEST(compare_requires_256_byte_multiple) {
  Ub ub;
  auto a = ub.get<float>(100), b = ub.get<float>(100);
  auto mask = ub.get<uint8_t>(32);
  std::string msg = expect_fault("misaligned", [&] { Compare(mask, a, b, CMPMODE::LT, 100); });
  CHECK(msg.find("256") != std::string::npos, "%s", msg.c_str());
}

TEST(select_modes) {
  const uint32_t n = 256;
  Ub ub;
  auto a = ub.get<float>(n), b = ub.get<float>(n), z = ub.get<float>(n);
  auto mask = ub.get<uint8_t>(n / 8);
  fill(a, n, -1, 1);
  fill(b, n, -1, 1);
  for (uint32_t i = 0; i < n / 8; ++i) mask.SetValue(i, static_cast<uint8_t>(u32()));
  auto bit = [&](uint32_t i) { return (mask.GetValue(i / 8) >> (i % 8)) & 1; };
  Select(z, mask, a, b, SELMODE::VSEL_TENSOR_TENSOR_MODE, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == (bit(i) ? a.GetValue(i) : b.GetValue(i)), "tensor mode %u", i);
  Select(z, mask, a, 9.0f, SELMODE::VSEL_TENSOR_SCALAR_MODE, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == (bit(i) ? a.GetValue(i) : 9.0f), "scalar mode %u", i);
  // mode 0: the first 64 bits (float) are reused for every 256-byte repeat
  Select(z, mask, a, b, SELMODE::VSEL_CMPMASK_SPR, n);
  for (uint32_t i = 0; i < n; ++i) CHECK(z.GetValue(i) == (bit(i % 64) ? a.GetValue(i) : b.GetValue(i)), "mode 0 %u", i);
}

// --------------------------------------------------------------------------- reductions
static float ref_tree(const std::vector<float>& v, size_t lanes, size_t begin, size_t n) {
  std::vector<float> buf(lanes, 0.0f);
  for (size_t i = 0; i < n; ++i) buf[i] = v[begin + i];
  for (size_t w = lanes; w > 1; w /= 2)
    for (size_t i = 0; i < w / 2; ++i) buf[i] = buf[2 * i] + buf[2 * i + 1];
  return buf[0];
}

TEST(reduce_sum_float_order) {
  const uint32_t n = 1000;  // 15 full repeats of 64 + a tail of 40
  Ub ub;
  auto x = ub.get<float>(n), tmp = ub.get<float>(64), out = ub.get<float>(8);
  std::vector<float> v(n);
  for (uint32_t i = 0; i < n; ++i) {
    v[i] = urand(-1, 1) * std::ldexp(1.0f, int(u32() % 20));
    x.SetValue(i, v[i]);
  }
  ReduceSum(out, x, tmp, n);
  // 910B: tree inside each 64-lane repeat, repeats accumulated sequentially
  float acc = 0;
  for (uint32_t r = 0; r * 64 < n; ++r) {
    const float t = ref_tree(v, 64, r * 64, std::min<uint32_t>(64, n - r * 64));
    acc = r == 0 ? t : acc + t;
  }
  CHECK(fbits(out.GetValue(0)) == fbits(acc), "910B order: got %.9g want %.9g", double(out.GetValue(0)), double(acc));
  double exact = 0;
  for (float f : v) exact += f;
  CHECK(std::fabs(out.GetValue(0) - exact) <= 1e-4 * (1 + std::fabs(exact)) * 1000, "far from the exact sum");
  // 310P: tree again over the 16 repeat results
  {
    SocScope soc("Ascend310P3", 256 * 1024);
    ReduceSum(out[1], x, tmp, n);
  }
  std::vector<float> parts;
  for (uint32_t r = 0; r * 64 < n; ++r) parts.push_back(ref_tree(v, 64, r * 64, std::min<uint32_t>(64, n - r * 64)));
  const float want310 = ref_tree(parts, 64, 0, parts.size());
  CHECK(fbits(out.GetValue(1)) == fbits(want310), "310P order: got %.9g want %.9g", double(out.GetValue(1)),
        double(want310));
  // deterministic
  ReduceSum(out[2], x, tmp, n);
  CHECK(fbits(out.GetValue(2)) == fbits(out.GetValue(0)), "not deterministic");
}

TEST(reduce_sum_half_saturates) {
  Ub ub;
  auto x = ub.get<half>(128), tmp = ub.get<half>(128), out = ub.get<half>(16);
  Duplicate(x, half(0), 128);
  x.SetValue(0, half(60000.0f));
  x.SetValue(1, half(60000.0f));
  x.SetValue(2, half(-30000.0f));
  x.SetValue(3, half(100.0f));
  ReduceSum(out, x, tmp, 4);
  // 60000+60000 saturates to 65504; -30000+100 -> -29904 (half); 65504-29904 = 35600 -> 35584 (tie to even)
  CHECK(float(out.GetValue(0)) == 35584.0f, "got %g", double(float(out.GetValue(0))));
  ReduceSum(out, x, tmp, 2);
  CHECK(float(out.GetValue(0)) == 65504.0f, "saturation: got %g", double(float(out.GetValue(0))));
}

template <typename T>
static void check_reduce_extremes(uint32_t n) {
  Ub ub;
  auto x = ub.get<T>(n), tmp = ub.get<T>(n), out = ub.get<T>(16);
  fill(x, n, -100, 100);
  const uint32_t at = u32() % (n - 10);
  x.SetValue(at, T(500.0f));
  x.SetValue(at + 7, T(500.0f));  // tie: the first index wins
  x.SetValue(n - 1, T(-500.0f));
  ReduceMax(out, x, tmp, n, true);
  CHECK(float(out.GetValue(0)) == 500.0f, "max value %g", double(float(out.GetValue(0))));
  uint64_t idx = 0;
  std::memcpy(&idx, reinterpret_cast<const uint8_t*>(out.GetPhyAddr()) + sizeof(T), sizeof(T));
  CHECK(idx == at, "max index %llu want %u", (unsigned long long)idx, at);
  ReduceMin(out, x, tmp, n, true);
  idx = 0;
  std::memcpy(&idx, reinterpret_cast<const uint8_t*>(out.GetPhyAddr()) + sizeof(T), sizeof(T));
  CHECK(float(out.GetValue(0)) == -500.0f && idx == n - 1, "min %g at %llu", double(float(out.GetValue(0))),
        (unsigned long long)idx);
  out.SetValue(1, T(3.0f));
  ReduceMax(out, x, tmp, n);  // without index: dst[1] untouched
  CHECK(float(out.GetValue(1)) == 3.0f, "dst[1] changed");
  // a scalar result needs only element alignment
  ReduceMax(out[1], x, tmp, n);
  CHECK(float(out.GetValue(1)) == 500.0f, "unaligned dst");
}
TEST(reduce_max_min_float) { check_reduce_extremes<float>(1000); }
TEST(reduce_max_min_half) { check_reduce_extremes<half>(1000); }

// =========================================================================== data movement
TEST(datacopy_round_down_rule) {
  TPipe pipe;
  TQue<TPosition::VECIN, 1> q;
  pipe.InitBuffer(q, 1, 64 * sizeof(float));
  std::vector<float> gm(64), out(64, -1.0f);
  for (int i = 0; i < 64; ++i) gm[i] = float(i + 1);
  GlobalTensor<float> g, o;
  g.SetGlobalBuffer(gm.data(), 64);
  o.SetGlobalBuffer(out.data(), 64);
  LocalTensor<float> t = q.AllocTensor<float>();
  Duplicate(t, -7.0f, 64);
  DataCopy(t, g, 10);  // 40 bytes -> 32 bytes: 8 elements
  for (int i = 0; i < 64; ++i) CHECK(t.GetValue(i) == (i < 8 ? float(i + 1) : -7.0f), "GM->UB [%d]=%g", i, double(t.GetValue(i)));
  DataCopy(t[16], g, 7);  // 28 bytes -> nothing
  CHECK(t.GetValue(16) == -7.0f, "7 floats copied something");
  DataCopy(o, t, 12);  // 48 bytes -> 32 bytes
  for (int i = 0; i < 64; ++i) CHECK(out[i] == (i < 8 ? float(i + 1) : -1.0f), "UB->GM [%d]", i);
  DataCopy(t[32], t, 16);  // UB -> UB
  CHECK(t.GetValue(32) == 1.0f && t.GetValue(39) == 8.0f && t.GetValue(40) == -7.0f, "UB->UB");
  // GM side may be unaligned, UB side may not
  DataCopy(t, g[3], 8);
  CHECK(t.GetValue(0) == 4.0f && t.GetValue(7) == 11.0f, "GM offset 3");
  std::string msg = expect_fault("misaligned", [&] { DataCopy(t[3], g, 8); });
  CHECK(msg.find("32-byte") != std::string::npos, "%s", msg.c_str());
  expect_fault("misaligned", [&] { DataCopy(o, t[1], 8); });
  expect_fault("local_out_of_bounds", [&] { DataCopy(t[48], g, 32); });
  q.FreeTensor(t);
}

TEST(datacopy_strided) {
  Ub ub;
  auto t = ub.get<float>(64);
  Duplicate(t, 0.0f, 64);
  std::vector<float> gm(128), out(128, -1.0f);
  for (int i = 0; i < 128; ++i) gm[i] = float(i);
  GlobalTensor<float> g, o;
  g.SetGlobalBuffer(gm.data());
  o.SetGlobalBuffer(out.data());
  CHECK(g.GetSize() == 0, "SetGlobalBuffer without size");
  DataCopyParams p(3, 1, 1, 2);  // 3 blocks of 8 floats; GM gap 8 floats; UB gap 16 floats
  CHECK(p.srcStride == 1 && p.dstStride == 2, "DataCopyParams(count, len, srcStride, dstStride)");
  DataCopy(t, g, p);
  for (int b = 0; b < 3; ++b)
    for (int k = 0; k < 8; ++k) CHECK(t.GetValue(b * 24 + k) == float(b * 16 + k), "GM->UB block %d elem %d", b, k);
  CHECK(t.GetValue(8) == 0.0f, "gap written");
  DataCopyParams q;
  q.blockCount = 2;
  q.blockLen = 1;
  q.srcStride = 2;  // UB gap 16 floats
  q.dstStride = 1;  // GM gap 8 floats
  DataCopy(o, t, q);
  for (int k = 0; k < 8; ++k) CHECK(out[k] == t.GetValue(k) && out[16 + k] == t.GetValue(24 + k), "UB->GM %d", k);
  CHECK(out[8] == -1.0f, "GM gap written");
}

TEST(datacopy_pad) {
  Ub ub;
  auto t = ub.get<float>(64);
  Duplicate(t, -1.0f, 64);
  std::vector<float> gm(64), out(64, -2.0f);
  for (int i = 0; i < 64; ++i) gm[i] = float(100 + i);
  GlobalTensor<float> g, o;
  g.SetGlobalBuffer(gm.data(), 64);
  o.SetGlobalBuffer(out.data(), 64);
  // 3 blocks of 5 floats (20 B), GM gap 8 B, UB gap 1 block; 1 left / 2 right pad elements of 7.5
  DataCopyExtParams p{3, 20, 8, 1, 0};
  DataCopyPadExtParams<float> pad{true, 1, 2, 7.5f};
  DataCopyPad(t, g, p, pad);
  for (int b = 0; b < 3; ++b) {
    const int base = b * 16;  // each block occupies 32 B of data+pad, then a 32 B gap
    CHECK(t.GetValue(base) == 7.5f, "left pad block %d", b);
    for (int k = 0; k < 5; ++k) CHECK(t.GetValue(base + 1 + k) == float(100 + b * 7 + k), "data b%d k%d", b, k);
    CHECK(t.GetValue(base + 6) == 7.5f && t.GetValue(base + 7) == 7.5f, "right pad / filler block %d", b);
    CHECK(t.GetValue(base + 8) == -1.0f, "gap block %d written", b);
  }
  // no isPad: the filler up to 32 bytes is the block's first element
  Duplicate(t, -1.0f, 64);
  DataCopyPad(t, g, DataCopyExtParams{1, 20, 0, 0, 0}, DataCopyPadExtParams<float>{false, 0, 0, 0.0f});
  for (int k = 0; k < 8; ++k) CHECK(t.GetValue(k) == (k < 5 ? float(100 + k) : 100.0f), "dummy fill %d", k);
  // UB -> GM writes exactly blockLen bytes per block
  for (int i = 0; i < 64; ++i) t.SetValue(i, float(i));
  DataCopyPad(o, t, DataCopyExtParams{2, 12, 1, 4, 0});  // 3 floats; UB gap 1 block; GM gap 4 B
  CHECK(out[0] == 0 && out[1] == 1 && out[2] == 2 && out[3] == -2.0f, "block 0");
  CHECK(out[4] == 16 && out[5] == 17 && out[6] == 18 && out[7] == -2.0f, "block 1: %g %g %g %g", double(out[4]),
        double(out[5]), double(out[6]), double(out[7]));
  expect_fault("invalid_argument", [&] { DataCopyPad(o, t, DataCopyExtParams{1, 6, 0, 0, 0}); });
  // isPad with no padding: the filler is still the block's first element (docs, DataCopyPad GMToUB)
  DataCopyPad(t, g, DataCopyExtParams{1, 20, 0, 0, 0}, DataCopyPadExtParams<float>{true, 0, 0, 9.0f});
  for (int k = 5; k < 8; ++k) CHECK(t.GetValue(k) == 100.0f, "isPad, no padding: dummy %d", k);
  // padding without isPad is "random" (the pad register): the simulator writes NaN there
  DataCopyPad(t, g, DataCopyExtParams{1, 20, 0, 0, 0}, DataCopyPadExtParams<float>{false, 1, 0, 9.0f});
  CHECK(std::isnan(t.GetValue(0)) && t.GetValue(1) == 100.0f && std::isnan(t.GetValue(7)), "unset pad register");
  // the older DataCopyParams overloads: blockLen in bytes; DataCopyPadParams::paddingValue is the element's bits
  DataCopyPad(t, g, DataCopyParams(1, 8, 0, 0), DataCopyPadParams(true, 1, 0, 0x40400000u));  // 3.0f
  CHECK(t.GetValue(0) == 3.0f && t.GetValue(1) == 100.0f && t.GetValue(2) == 101.0f && t.GetValue(3) == 3.0f,
        "old overload: %g %g %g %g", double(t.GetValue(0)), double(t.GetValue(1)), double(t.GetValue(2)),
        double(t.GetValue(3)));
  // 8.1's CheckDataCopyParams: a strided DataCopy takes blockCount in [1, 4095] and blockLen in [1, 65535]
  expect_fault("invalid_argument", [&] { DataCopy(t, g, DataCopyParams(0, 1, 0, 0)); });
  expect_fault("invalid_argument", [&] { DataCopy(o, t, DataCopyParams(1, 0, 0, 0)); });
  expect_fault("invalid_argument", [&] { DataCopy(t, g, DataCopyParams(4096, 1, 0, 0)); });
  // padding over 32 bytes
  expect_fault("invalid_argument", [&] { DataCopyPad(t, g, p, DataCopyPadExtParams<float>{true, 9, 0, 0.0f}); });
  {
    SocScope soc("Ascend310P3", 256 * 1024);
    std::string msg = expect_fault("unsupported_on_soc", [&] { DataCopyPad(o, t, DataCopyExtParams{1, 12, 0, 0, 0}); });
    CHECK(msg.find("DataCopyPad is not available on Ascend310P") != std::string::npos, "%s", msg.c_str());
    expect_fault("unsupported_on_soc", [&] { DataCopyPad(t, g, p, pad); });
  }
}

// =========================================================================== resources
TEST(queue_protocol) {
  TPipe pipe;
  TQue<QuePosition::VECIN, 2> q;
  TQue<QuePosition::VECOUT, 1> q1;
  expect_fault("queue_protocol", [&] { q.AllocTensor<float>(); });  // no InitBuffer yet
  pipe.InitBuffer(q, 2, 100);  // rounded up to 128 bytes
  pipe.InitBuffer(q1, 2, 64);
  LocalTensor<float> a = q.AllocTensor<float>();
  CHECK(a.GetSize() == 32, "size %u", a.GetSize());
  LocalTensor<float> b = q.AllocTensor<float>();
  CHECK(a.GetPhyAddr() != b.GetPhyAddr(), "same buffer twice");
  std::string msg = expect_fault("queue_protocol", [&] { q.AllocTensor<float>(); });
  CHECK(msg.find("all 2 buffers") != std::string::npos, "%s", msg.c_str());
  expect_fault("queue_protocol", [&] { q.DeQue<float>(); });
  q.EnQue(a);
  expect_fault("queue_protocol", [&] { q.EnQue(a); });        // already queued
  expect_fault("queue_protocol", [&] { q.FreeTensor(a); });   // still queued
  q.EnQue(b);
  CHECK(q.GetTensorCountInQue() == 2 && !q.VacantInQue() && q.HasTensorInQue(), "queue state");
  LocalTensor<float> a2 = q.DeQue<float>();
  CHECK(a2.GetPhyAddr() == a.GetPhyAddr(), "FIFO order");
  LocalTensor<float> b2 = q.DeQue<float>();
  CHECK(b2.GetPhyAddr() == b.GetPhyAddr(), "FIFO order 2");
  q.FreeTensor(a2);
  expect_fault("queue_protocol", [&] { q.FreeTensor(a2); });  // double free
  expect_fault("queue_protocol", [&] { a2.GetValue(0); });    // use after free
  expect_fault("queue_protocol", [&] { Add(b2, a2, b2, 8); });
  expect_fault("queue_protocol", [&] { q1.FreeTensor(b2); });  // wrong queue
  q.FreeTensor(b2);
  // depth 1: a second EnQue before DeQue is refused
  LocalTensor<float> c = q1.AllocTensor<float>(), d = q1.AllocTensor<float>();
  q1.EnQue(c);
  msg = expect_fault("queue_protocol", [&] { q1.EnQue(d); });
  CHECK(msg.find("depth is 1") != std::string::npos, "%s", msg.c_str());
  // reallocation after free works
  LocalTensor<float> e = q.AllocTensor<float>();
  e.SetValue(0, 1.0f);
  q.FreeTensor(e);
}

TEST(ub_capacity) {
  {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    TQue<TPosition::VECIN, 2> q;
    pipe.InitBuffer(q, 2, 32 * 1024);
    pipe.InitBuffer(a, 128 * 1024 - 5);    // rounded up to 128 KiB: fills the 192 KiB UB exactly (<=)
    std::string msg = expect_fault("ub_overflow", [&] { pipe.InitBuffer(b, 32); });
    CHECK(msg.find("196640") != std::string::npos && msg.find("196608") != std::string::npos, "%s", msg.c_str());
    CHECK(a.Get<float>().GetSize() == 32 * 1024, "TBuf size");
    pipe.Reset();  // everything released
    pipe.InitBuffer(b, 192 * 1024);
  }
  {
    SocScope soc("Ascend310P3", 256 * 1024);
    TPipe pipe;
    TBuf<TPosition::VECCALC> a;
    pipe.InitBuffer(a, 256 * 1024);
    TBuf<TPosition::A1> l1;
    pipe.InitBuffer(l1, 1024 * 1024);  // 310P L1 is 1 MiB
  }
  {
    TPipe pipe;
    TBuf<TPosition::A1> l1;
    expect_fault("l1_overflow", [&] { pipe.InitBuffer(l1, 512 * 1024 + 32); });
    TBuf<TPosition::CO1> l0c;
    expect_fault("l0c_overflow", [&] { pipe.InitBuffer(l0c, 128 * 1024 + 32); });
    TBuf<TPosition::A1> ok;
    pipe.InitBuffer(ok, 64);
    LocalTensor<float> l = ok.Get<float>();
    expect_fault("bad_position", [&] { Add(l, l, l, 8); });
  }
}

TEST(local_bounds_and_tbuf) {
  TPipe pipe;
  TBuf<> buf;  // default position VECCALC
  expect_fault("uninitialized_tensor", [&] { buf.Get<float>(); });
  pipe.InitBuffer(buf, 256);
  LocalTensor<float> t = buf.Get<float>();
  CHECK(t.GetSize() == 64 && t.GetLength() == 256, "size");
  std::string msg = expect_fault("local_out_of_bounds", [&] { t.GetValue(64); });
  CHECK(msg.find("64") != std::string::npos, "%s", msg.c_str());
  expect_fault("local_out_of_bounds", [&] { t.SetValue(100, 1.0f); });
  expect_fault("local_out_of_bounds", [&] { t(64) = 1.0f; });
  LocalTensor<float> small = buf.Get<float>(16);
  expect_fault("local_out_of_bounds", [&] { small.GetValue(16); });
  expect_fault("local_out_of_bounds", [&] { Add(t, t, t, 65); });
  expect_fault("local_out_of_bounds", [&] { buf.Get<float>(65); });
  LocalTensor<float> w = buf.GetWithOffset<float>(8, 64);
  CHECK(w.GetPhyAddr() == t.GetPhyAddr(16) && w.GetSize() == 8, "GetWithOffset");
  expect_fault("misaligned", [&] { buf.GetWithOffset<float>(8, 4); });
  expect_fault("local_out_of_bounds", [&] { buf.GetWithOffset<float>(8, 256); });
  LocalTensor<float> v = t[60];
  CHECK(v.GetSize() == 4, "view size");
  expect_fault("local_out_of_bounds", [&] { v.GetValue(4); });
  t(3) = 5.0f;
  CHECK(t.ReinterpretCast<uint32_t>().GetValue(3) == fbits(5.0f) && t.ReinterpretCast<half>().GetSize() == 128,
        "ReinterpretCast");
  LocalTensor<float> never;
  expect_fault("uninitialized_tensor", [&] { never.GetValue(0); });
  expect_fault("uninitialized_tensor", [&] { Exp(never, t, 8); });
  GlobalTensor<float> g;
  expect_fault("uninitialized_tensor", [&] { g.GetValue(0); });
  std::vector<float> host(16, 1.0f);
  g.SetGlobalBuffer(host.data(), 16);
  g.SetValue(2, 4.0f);
  CHECK(g.GetValue(2) == 4.0f && g[2].GetValue(0) == 4.0f && g[2].GetSize() == 14 && g(2) == 4.0f, "GlobalTensor");
  CHECK(g.GetPhyAddr(2) == host.data() + 2, "GetPhyAddr");
}

TEST(tpipe_pointer_and_events) {
  CHECK(GetTPipePtr() == nullptr, "no pipe yet");
  {
    TPipe outer;
    CHECK(GetTPipePtr() == &outer, "outer");
    {
      TPipe inner;
      CHECK(GetTPipePtr() == &inner, "inner");
    }
    CHECK(GetTPipePtr() == &outer, "outer again");
    TEventID e0 = outer.AllocEventID<HardEvent::V_MTE3>();
    TEventID e1 = outer.AllocEventID<HardEvent::V_MTE3>();
    CHECK(e0 == 0 && e1 == 1, "%d %d", e0, e1);
    CHECK(outer.FetchEventID(HardEvent::V_MTE3) == 2 && outer.FetchEventID<HardEvent::MTE2_V>() == 0, "fetch");
    outer.ReleaseEventID<HardEvent::V_MTE3>(e0);
    expect_fault("bad_event_id", [&] { outer.ReleaseEventID<HardEvent::V_MTE3>(e0); });
    event_t id = static_cast<event_t>(GetTPipePtr()->FetchEventID(HardEvent::V_MTE3));
    SetFlag<HardEvent::V_MTE3>(id);
    WaitFlag<HardEvent::V_MTE3>(id);
  }
  CHECK(GetTPipePtr() == nullptr, "all gone");
  SetFlag<HardEvent::MTE2_V>(EVENT_ID7);
  WaitFlag<HardEvent::MTE2_V>(EVENT_ID7);
  std::string msg = expect_fault("bad_event_id", [] { SetFlag<HardEvent::MTE2_V>(8); });
  CHECK(msg.find("MTE2_V") != std::string::npos, "%s", msg.c_str());
  expect_fault("bad_event_id", [] { WaitFlag<HardEvent::S_V>(-1); });
  PipeBarrier<PIPE_V>();
  PipeBarrier<PIPE_ALL>();
  TQueSync<PIPE_MTE2, PIPE_V> sync;
  sync.SetFlag(0);
  sync.WaitFlag(0);
  expect_fault("bad_event_id", [&] { sync.SetFlag(9); });
  CHECK(ascendpy_sim::event_src_pipe(HardEvent::MTE3_MTE2) == PIPE_MTE3 &&
            ascendpy_sim::event_dst_pipe(HardEvent::MTE3_MTE2) == PIPE_MTE2 &&
            ascendpy_sim::event_of(PIPE_S, PIPE_V) == HardEvent::S_V,
        "event pipes");
}

TEST(enums_macros_and_blocks) {
  static_assert(int(HardEvent::MTE2_MTE1) == 0 && int(HardEvent::V_MTE3) == 7 && int(HardEvent::S_V) == 21 &&
                    int(HardEvent::FIX_FIX) == 34 && int(HardEvent::MAX) == 35,
                "HardEvent order");
  static_assert(TPosition::LCM == TPosition::VECCALC && TPosition::SHM == TPosition::SPM &&
                    int(TPosition::VECIN) == 9 && int(TPosition::MAX) == 16,
                "TPosition");
  static_assert(std::is_same<QuePosition, TPosition>::value, "QuePosition");
  static_assert(int(RoundMode::CAST_ODD) == 6, "RoundMode");
  static_assert(int(CMPMODE::NE) == 5 && int(SELMODE::VSEL_TENSOR_TENSOR_MODE) == 2 &&
                    int(ReduceOrder::ORDER_ONLY_INDEX) == 3,
                "modes");
  static_assert(KERNEL_TYPE_AIV_ONLY == 0 && KERNEL_TYPE_MIX_VECTOR_CORE == 9, "KernelMetaType");
  static_assert(__CCE_AICORE__ == 220 && __NPU_ARCH__ == 2201 && __ASCENDPY_SIM__, "arch macros");
  static_assert(std::is_same<TEventID, int8_t>::value, "TEventID");
  KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
  int path = 0;
  if ASCEND_IS_AIV { path += 1; }
  if ASCEND_IS_AIC { path += 10; }
  CHECK(path == 1, "ASCEND_IS_AIV/AIC");
  g_block_idx = 5;
  g_block_num = 8;
  CHECK(GetBlockIdx() == 5 && GetBlockNum() == 8 && GetSubBlockIdx() == 0 && GetSubBlockNum() == 1, "blocks");
  CHECK(GetTaskRation() == 1 && g_coreType == AscendC::AIV, "task ration, core type");
  g_core.sub_block_idx = 1;  // AIV 1 of group 5 of a 1:2 mix kernel, then its AIC
  g_core.sub_block_num = 2;
  CHECK(GetBlockIdx() == 11 && GetSubBlockIdx() == 1 && GetSubBlockNum() == 2 && GetTaskRation() == 2, "mix AIV");
  g_core.core_type = AscendC::AIC;
  g_core.sub_block_idx = 0;
  g_core.sub_block_num = 1;
  path = 0;
  if ASCEND_IS_AIV { path += 1; }
  if ASCEND_IS_AIC { path += 10; }
  if ASCEND_IS_NOT_AIV { path += 100; }
  if ASCEND_IS_NOT_AIC { path += 1000; }
  CHECK(path == 110 && GetBlockIdx() == 5 && GetSubBlockIdx() == 0 && g_coreType == AscendC::AIC, "mix AIC");
  g_core.core_type = AscendC::AIV;
  bool threw = false;
  try {
    CrossCoreSetFlag<2, PIPE_MTE3>(0);
  } catch (const ascendpy_sim::KernelFault& e) {
    threw = e.kind == "unsupported_kernel_type";
  }
  CHECK(threw, "CrossCoreSetFlag outside a mix launch");
  threw = false;
  try {
    CrossCoreSetFlag<0, PIPE_S>(0);
  } catch (const ascendpy_sim::KernelFault& e) {
    threw = e.kind == "invalid_argument";
  }
  CHECK(threw, "CrossCoreSetFlag on PIPE_S");
  g_block_idx = 0;
  g_block_num = 1;
  GM_ADDR p = nullptr;
  CHECK(p == nullptr, "GM_ADDR");
}

// =========================================================================== the sample kernel
TEST(add_custom_kernel) {
  const int total = 8 * 2048, blocks = 8;
  std::vector<float> x(total), y(total), z(total, -1.0f);
  for (int i = 0; i < total; ++i) {
    x[i] = urand(-1000, 1000);
    y[i] = urand(-1000, 1000);
  }
  g_block_num = blocks;
  const int order[blocks] = {3, 0, 7, 1, 6, 2, 5, 4};
  for (int k = 0; k < blocks; ++k) {
    g_block_idx = order[k];
    add_custom(reinterpret_cast<GM_ADDR>(x.data()), reinterpret_cast<GM_ADDR>(y.data()),
               reinterpret_cast<GM_ADDR>(z.data()));
    for (int i = 0; i < total; ++i) {
      const int blk = i / (total / blocks);
      bool done = false;
      for (int j = 0; j <= k; ++j) done = done || order[j] == blk;
      CHECK(done ? z[i] == x[i] + y[i] : z[i] == -1.0f, "after block %d: z[%d] = %g", order[k], i, double(z[i]));
    }
  }
  g_block_idx = 0;
  g_block_num = 1;
  CHECK(GetTPipePtr() == nullptr, "the kernel's TPipe outlived it");
}

// ---------------------------------------------------------------------------
int main(int argc, char** argv) {
  g_seed = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : std::random_device{}();
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    if (argc > 2 && std::strcmp(argv[2], t.name) != 0) continue;
    rng().seed(g_seed);
    try {
      t.fn();
      std::printf("PASS %s\n", t.name);
      ++passed;
    } catch (const Failure& f) {
      std::printf("FAIL %s: %s\n", t.name, f.msg.c_str());
      ++failed;
    } catch (const ascendpy_sim::KernelFault& e) {
      std::printf("FAIL %s: unexpected KernelFault %s: %s\n", t.name, e.kind.c_str(), e.what());
      ++failed;
    } catch (const std::exception& e) {
      std::printf("FAIL %s: exception %s\n", t.name, e.what());
      ++failed;
    }
  }
  std::printf("SUMMARY passed=%d failed=%d seed=%" PRIu32 "\n", passed, failed, g_seed);
  return failed ? 1 : 0;
}
// ascendc-check: none (a C++ unit test of the simulator's internals, not an AscendC kernel)
