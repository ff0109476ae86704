// ascendpy simulator: the AscendC device API on the CPU — core macros and helpers.
//
// Everything a kernel compiled for the `sim` target sees before the AscendC
// classes: the device qualifiers (defined empty, as CANN's own CPU-debug stub
// does), the architecture macros kernels test, the compiler built-in enums
// `pipe_t` / `event_t`, and the ascendpy_sim helpers that raise KernelFault.
//
// Fault kinds raised by this header (KernelFault::kind):
//   ub_overflow, l1_overflow, l0a_overflow, l0b_overflow, l0c_overflow
//                          on-chip buffers requested by TPipe::InitBuffer exceed the SoC capacity
//   too_many_buffers       more than 64 buffers in one TPipe
//   local_out_of_bounds    a LocalTensor element / range outside its buffer
//   uninitialized_tensor   a LocalTensor that was never allocated, or a GlobalTensor without SetGlobalBuffer
//   misaligned             on-chip operand not 32-byte aligned (L0A/L0B: 512, Mmad's L0C: 1024, Fixpipe's
//                          L0C: 64), GM operand not element aligned,
//                          Compare count not a multiple of 256 bytes
//   queue_protocol         TQue misuse: Alloc with no idle buffer, DeQue of an empty queue,
//                          EnQue beyond depth, double FreeTensor, tensor used after FreeTensor
//   bad_event_id           SetFlag/WaitFlag/ReleaseEventID with an id outside 0..7, or event ids exhausted
//   bad_position           operand in a buffer position the instruction cannot access (a cube operand
//                          outside A1/B1, A2, B2 or CO1)
//   unsupported_position   TPipe::InitBuffer for a TPosition the simulator does not model
//   unsupported_on_soc     API not available on the simulated SoC (DataCopyPad on Ascend310P, L0C -> UB
//                          DataCopy on 910B, an Mmad / LoadData / Nd2Nz type pair the SoC lacks)
//   unsupported_cast       Cast between a pair of types the simulator does not implement (also a Fixpipe
//                          quantPre / L0C -> UB deqScale mode it does not model)
//   invalid_argument       an out-of-range API parameter (negative count, bad DataCopyPad length...)
// and by the checkers of race.h (per block, at launch only):
//   pipe_race              two pipes touch the same on-chip or global bytes, at least one writing, with no
//                          SetFlag/WaitFlag, TQue EnQue/DeQue or FreeTensor/AllocTensor, or
//                          PipeBarrier<PIPE_ALL> ordering them (off with ASCENDPY_SIM_CHECKS=0)
//   deadlock               WaitFlag with no pending SetFlag of the same event and id (the NPU hangs), or a
//                          second SetFlag while the first is still pending (undefined: a set is lost)
//   tensor_leak            a TQue tensor still allocated or queued when the kernel returns
// and by the cross-core flags (CrossCoreSetFlag/CrossCoreWaitFlag, sync.h; per launch):
//   deadlock               a CrossCoreWaitFlag that nothing can satisfy any more: every other core of the
//                          launch has finished or waits on a flag itself (the NPU hangs)
//   flag_overflow          a cross-core flag counter (or the scheduler's count of one core's sets not yet
//                          matched by the other cores of its mode) would exceed 15
//   unsupported_kernel_type  a cross-core flag in a kernel type without the cross-core scheduler
//                          (KERNEL_TYPE_AIV_ONLY / AIC_ONLY), or a mode the kernel type lacks
//   invalid_argument       a modeId other than 0, 1, 2, mode 1 on an AIC, CrossCoreSetFlag on PIPE_S/PIPE_ALL
//   unsupported_on_soc     cross-core flags and SetSyncBaseAddr on Ascend310P
// and by every API call of a launch that aclrtStreamAbort cancels (poll_cancel):
//   cancelled              the block stopped at this call (reported by the abort, not as a fault)
#pragma once

#ifndef __ASCENDPY_SIM__
#define __ASCENDPY_SIM__ 1
#endif

// Architecture macros kernels test. Default: Atlas A2 (910B, dav-c220).
// The toolchain passes -D__CCE_AICORE__=200 -D__NPU_ARCH__=2002 for 310P.
#ifndef __CCE_AICORE__
#define __CCE_AICORE__ 220
#endif
#ifndef __NPU_ARCH__
#define __NPU_ARCH__ 2201
#endif

#include <execinfo.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "../ascendpy_sim_abi.h"

// ---------------------------------------------------------------------------
// Device qualifiers: empty on the CPU (same as CANN's tikicpulib stub_def.h).
// `__inline__` is a GNU keyword and is deliberately left alone.
#ifndef __global__
#define __global__
#endif
#ifndef __aicore__
#define __aicore__
#endif
#ifndef __gm__
#define __gm__
#endif
#ifndef __ubuf__
#define __ubuf__
#endif
#ifndef __cbuf__
#define __cbuf__
#endif
#ifndef __ca__
#define __ca__
#endif
#ifndef __cb__
#define __cb__
#endif
#ifndef __cc__
#define __cc__
#endif
#ifndef __fbuf__
#define __fbuf__
#endif
#ifndef __inout_pipe__
#define __inout_pipe__(pipe)
#endif
#ifndef __in_pipe__
#define __in_pipe__(pipe)
#endif
#ifndef __out_pipe__
#define __out_pipe__(pipe)
#endif

// `#define GM_ADDR __gm__ uint8_t*` (impl/basic_api/utils/kernel_utils_macros.h)
#ifndef GM_ADDR
#define GM_ADDR __gm__ uint8_t*
#endif

// Old-style kernel type tag: a statement inside the kernel; nothing to do on the CPU.
#ifndef KERNEL_TASK_TYPE_DEFAULT
#define KERNEL_TASK_TYPE_DEFAULT(value)
#endif

// The core type (kernel_utils_macros.h of 8.1): AscendC::MIX / AIC / AIV, `g_coreType`, and
// ASCEND_IS_AIV / ASCEND_IS_AIC / ASCEND_IS_NOT_AIV / ASCEND_IS_NOT_AIC, usable exactly where 8.1's
// device build allows them: right after `if` (`if ASCEND_IS_AIC { ... } else { ... }`), where the device
// macro expands to `constexpr(g_coreType == AscendC::AIC)`.
//  * 910B (split cores): as CANN's CPU-debug build, a runtime test of the core the calling thread
//    simulates (a launch runs an AIV-only kernel's blocks as AIVs, an AIC-only kernel's as AICs, a mix
//    kernel's groups as 1 AIC + 1 or 2 AIVs, see __ascendpy_sim_core). The macro is an if-statement's
//    init-statement and condition, `(bool v = ...; v)`, so `bool b = ASCEND_IS_AIV;` or
//    `if (ASCEND_IS_AIV)`, which the device build rejects, do not compile here either. g_coreType
//    converts to the core type but is not a constant (`if constexpr (g_coreType == AIV)` is refused, as
//    in the CPU-debug build, whose g_coreType is an extern variable).
//  * 310P (coupled, __CCE_AICORE__ 200): the device definition: g_coreType is the constant MIX (neither
//    __DAV_C220_CUBE__ nor __DAV_C220_VEC__ is defined for dav-m200), so both ASCEND_IS_AIV and
//    ASCEND_IS_AIC are false and code inside them does not run; __mix__/__cube__/KERNEL_TASK_TYPE_DEFAULT
//    have no effect there (every kernel runs numBlocks AI Cores).
namespace AscendC {
constexpr int32_t MIX = 0;
constexpr int32_t AIC = 1;
constexpr int32_t AIV = 2;
}  // namespace AscendC

namespace ascendpy_sim {
// AscendC::MIX / AIC / AIV: the core the calling thread simulates.
inline int32_t core_type() { return __ascendpy_sim_core()->core_type; }
inline const char* core_name(int32_t t) { return t == AscendC::AIC ? "AIC" : t == AscendC::AIV ? "AIV" : "AI Core"; }
}  // namespace ascendpy_sim

#if __CCE_AICORE__ == 220
namespace ascendpy_sim {
struct CoreTypeVar {
  operator int32_t() const { return core_type(); }  // NOLINT: converts like 8.1's int32_t g_coreType
};
}  // namespace ascendpy_sim
inline constexpr ::ascendpy_sim::CoreTypeVar g_coreType{};
#define ASCEND_IS_AIV (bool apy_core_is_ = ::ascendpy_sim::core_type() == ::AscendC::AIV; apy_core_is_)
#define ASCEND_IS_AIC (bool apy_core_is_ = ::ascendpy_sim::core_type() == ::AscendC::AIC; apy_core_is_)
#define ASCEND_IS_NOT_AIV (bool apy_core_is_ = ::ascendpy_sim::core_type() != ::AscendC::AIV; apy_core_is_)
#define ASCEND_IS_NOT_AIC (bool apy_core_is_ = ::ascendpy_sim::core_type() != ::AscendC::AIC; apy_core_is_)
#else
constexpr int32_t g_coreType = AscendC::MIX;
#define ASCEND_IS_AIV constexpr(g_coreType == AscendC::AIV)
#define ASCEND_IS_AIC constexpr(g_coreType == AscendC::AIC)
#define ASCEND_IS_NOT_AIV constexpr(g_coreType != AscendC::AIV)
#define ASCEND_IS_NOT_AIC constexpr(g_coreType != AscendC::AIC)
#endif

#ifndef __PLUGIN__KERNEL_META_TYPE_ENUME_DEFINED__
#define __PLUGIN__KERNEL_META_TYPE_ENUME_DEFINED__
// Argument of KERNEL_TASK_TYPE_DEFAULT (enum order per kernel_utils_macros.h).
enum KernelMetaType : uint8_t {
  KERNEL_TYPE_AIV_ONLY,
  KERNEL_TYPE_AIC_ONLY,
  KERNEL_TYPE_MIX_AIV_1_0,
  KERNEL_TYPE_MIX_AIC_1_0,
  KERNEL_TYPE_MIX_AIC_1_1,
  KERNEL_TYPE_MIX_AIC_1_2,
  KERNEL_TYPE_AICORE,
  KERNEL_TYPE_VECTORCORE,
  KERNEL_TYPE_MIX_AICORE,
  KERNEL_TYPE_MIX_VECTOR_CORE,
  KERNEL_TYPE_MAX,
};
#endif

// Compiler built-ins of bisheng (numeric values are compiler-internal; only
// the names matter to kernel source).
enum pipe_t { PIPE_S, PIPE_V, PIPE_M, PIPE_MTE1, PIPE_MTE2, PIPE_MTE3, PIPE_FIX, PIPE_ALL };
enum event_t { EVENT_ID0, EVENT_ID1, EVENT_ID2, EVENT_ID3, EVENT_ID4, EVENT_ID5, EVENT_ID6, EVENT_ID7 };

namespace ascendpy_sim {

// Raises a fault; the return addresses let the simulator name the kernel source line.
[[noreturn]] __attribute__((noinline, cold)) inline void fault(const char* kind, const std::string& what) {
  KernelFault f(kind, what);
  f.nframes = backtrace(f.frames, KernelFault::kMaxFrames);
  throw f;
}

// aclrtStreamAbort stops a launch cooperatively: the simulated AscendC API polls here (scalar and
// tensor element accesses, DataCopy, vector ops, queue ops, barriers and flags), and each block of
// a cancelled launch stops at its next such call with the fault "cancelled". A loop that makes no
// API call cannot be stopped this way: the simulator then marks its stream failed.
inline void poll_cancel() {
  if (__builtin_expect(__atomic_load_n(&__ascendpy_sim_cancel_pending, __ATOMIC_RELAXED) != 0, 0) &&
      __ascendpy_sim_cancelled()) {
    fault("cancelled", "the launch was cancelled by aclrtStreamAbort (in ascendpy: Ctrl-C during a wait, or "
                       "Stream.abort()); the block stopped at this call");
  }
}

inline const char* pipe_name(pipe_t p) {
  switch (p) {
    case PIPE_S: return "PIPE_S";
    case PIPE_V: return "PIPE_V";
    case PIPE_M: return "PIPE_M";
    case PIPE_MTE1: return "PIPE_MTE1";
    case PIPE_MTE2: return "PIPE_MTE2";
    case PIPE_MTE3: return "PIPE_MTE3";
    case PIPE_FIX: return "PIPE_FIX";
    case PIPE_ALL: return "PIPE_ALL";
  }
  return "PIPE_?";
}

// The SoC whose limits are enforced (ASCENDPY_SIM_SOC in the simulator library).
inline const char* soc_name() {
  const char* s = __ascendpy_sim_soc_name();
  return s ? s : "Ascend910B3";
}
inline bool soc_is_310p() { return std::strncmp(soc_name(), "Ascend310P", 10) == 0; }

inline uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Fault message builder: cat("a", 1, "b") -> "a1b". Arguments are taken by
// value (string literals decay), and every piece goes through a few
// non-template appenders, to keep the per-kernel compile cost low.
struct Msg {
  std::string s;
  Msg& operator<<(const char* v) {
    s += v ? v : "(null)";
    return *this;
  }
  Msg& operator<<(const std::string& v) {
    s += v;
    return *this;
  }
  Msg& operator<<(long long v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%lld", v);  // not std::to_string: it pulls in a STB_GNU_UNIQUE table
    s += buf;                                    // that would make kernel libraries impossible to dlclose
    return *this;
  }
  Msg& operator<<(unsigned long long v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llu", v);
    s += buf;
    return *this;
  }
  template <typename I, typename std::enable_if<std::is_integral<I>::value || std::is_enum<I>::value, int>::type = 0>
  Msg& operator<<(I v) {
    if constexpr (std::is_enum<I>::value || std::is_signed<I>::value) {
      return *this << static_cast<long long>(v);
    } else {
      return *this << static_cast<unsigned long long>(v);
    }
  }
};
template <typename... A>
__attribute__((noinline, cold)) std::string cat(A... a) {
  Msg m;
  (void)(m << ... << a);
  return std::move(m.s);
}
// An API the vendor headers of the simulated SoC do not offer for this element type.
[[noreturn]] inline void unsupported_on_soc(const char* api, const char* type) {
  fault("unsupported_on_soc", cat(api, " on ", type, " is not available on ", soc_name(),
                                  " (CANN 8.1 declares it only for other SoCs)"));
}

}  // namespace ascendpy_sim
