// ascendpy simulator: ASSERT (CANN 8.1 and 9.x basic_api impl/kernel_macros.h, every SoC).
//
// CANN's CPU-debug build (ASCENDC_CPU_DEBUG=1) defines `ASSERT(x)` as `assert(x)`, which aborts the process;
// its device build defines it to nothing, inside `#ifndef ASSERT`, so a kernel's own definition wins. The
// simulator checks it like the CPU-debug build, but a false ASSERT raises KernelFault("assert_failed") at the
// ASSERT's line (the launch fails; the process and the device stay usable). Like the CPU-debug build it
// evaluates x, which the NPU never does: an ASSERT with side effects behaves differently there.
#pragma once

#include <execinfo.h>

#include "core.h"

namespace ascendpy_sim {

[[noreturn]] __attribute__((noinline, cold)) inline void assert_failed(const char* expr, const char* file, int line) {
  KernelFault f("assert_failed", cat("ASSERT(", expr, ") failed"));
  f.file = file;
  f.line = line;
  f.nframes = backtrace(f.frames, KernelFault::kMaxFrames);
  throw f;
}

}  // namespace ascendpy_sim

#ifndef ASSERT
#define ASSERT(x) \
  (static_cast<bool>(x) ? static_cast<void>(0) : ::ascendpy_sim::assert_failed(#x, __FILE__, __LINE__))
#endif
