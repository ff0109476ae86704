// libascendcl_sim.so: the ACL runtime C API (reference/ascend-apis.md section 5)
// implemented on the CPU, with the real signatures, enum values and error codes,
// so that ascendpy.runtime (and any C program written for libascendcl.so) runs
// unchanged on a machine without an NPU.
//
// Model
// - Devices: ASCENDPY_SIM_DEVICES (default 1) devices of the SoC named by
//   ASCENDPY_SIM_SOC (default Ascend910B3); both are read by aclInit, so an
//   aclFinalize + aclInit picks up new values. Device memory is host memory,
//   tracked per allocation so copies, frees and kernel arguments are checked.
// - Contexts are per thread, as in ACL: aclrtSetDevice makes the device's
//   default context current, aclrtCreateContext a new one.
// - Streams are in order and asynchronous: one worker thread per stream runs its
//   queue (copies, memsets, launches, event records and waits). A NULL stream is
//   the current context's default stream.
// - A launch runs its blocks on a shared pool of max(2, cores) threads; each
//   block sees its index through __ascendpy_sim_block_idx(). A block that throws
//   stops the launch; the fault is reported by the next synchronisation of the
//   stream as ACL_ERROR_RT_VECTOR_CORE_EXCEPTION, with the text in
//   aclGetRecentErrMsg(), and the stream stays usable. At most that many blocks
//   run at once: a one-block launch runs on its stream's worker when a pool core
//   is free and no launch waits for one (no hand-off), else it queues like any.
// - Speed: ascendpySimLaunch is a whole launch in one call (ascendpy.runtime's path;
//   the ACL args calls stay for C programs and the NPU), stream waits and workers
//   spin briefly (yielding) before they block, and TPipe arenas come from a
//   per-thread cache of zeroed memory (__ascendpy_sim_arena_get/put).
// - The kernel's type (its library's __ascendpy_kernel_type_NAME) decides the cores on 910B: an AIV-only
//   kernel's blocks are AIVs, an AIC-only kernel's AICs (both on the pool); a mix kernel's (KERNEL_TYPE_MIX_*)
//   blocks are groups of 1 AIC + 2 (1:2) or 1 (1:1) AIVs, or single AIVs / AICs (MIX_AIV_1_0 / MIX_AIC_1_0),
//   whose cores run together on threads of their own (Gang) so that they can wait for each other's
//   cross-core flags; a 1:1 / 1:2 launch may not ask for more groups than the SoC has AI Cores. A 310P
//   (coupled) runs every kernel as numBlocks AI Cores. __ascendpy_sim_core() tells the headers which core
//   the calling thread is.
// - aclrtStreamAbort drops a stream's queued tasks and cancels its running
//   launch: each block stops at its next AscendC API call (poll_cancel in the
//   headers). A kernel that makes no API call cannot be stopped; its stream is
//   then failed (all later work refused) and its pool threads are replaced.
//   The *WithTimeout waits let a caller wait in slices (Ctrl-C in ascendpy).
// - Handles are opaque ids that are never reused, so a destroyed stream, event,
//   context, binary, function or args handle is reported, never dereferenced.
// - After fork() the child sees a fresh, uninitialized simulator (the parent's
//   threads do not exist there), so it fails cleanly instead of hanging.
// - Kernel libraries (see ascendpy_sim_abi.h) must also export
//   `extern "C" const char* const __ascendpy_kernel_names[]` (NULL-terminated):
//   aclrtBinaryLoadFromFile requires it, and uses it to name the kernels a
//   library has when a lookup fails.
#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "acl_sim_defs.h"
#include "ascendpy_sim_abi.h"

#pragma GCC visibility push(hidden)

#define APY_API extern "C" __attribute__((visibility("default")))

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- SoC table
struct SocInfo {
  const char* name;
  int64_t ai_cores;      // aclDeviceInfo AI_CORE_NUM
  int64_t vector_cores;  // aclDeviceInfo VECTOR_CORE_NUM
  uint64_t ub_bytes;
  uint64_t l2_bytes;
  uint64_t hbm_bytes;
};

constexpr uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;

// reference/ascend-apis.md section 2 (CANN 8.1.RC1 platform_config/*.ini).
// Ascend910B2C has a blank HBM field there; it is given Ascend910B2's 64 GiB.
const SocInfo kSocs[] = {
    {"Ascend310P1", 10, 8, 256 * kKiB, 16 * kMiB, 24 * kGiB},
    {"Ascend310P3", 8, 7, 256 * kKiB, 16 * kMiB, 24 * kGiB},
    {"Ascend910B1", 24, 48, 192 * kKiB, 192 * kMiB, 64 * kGiB},
    {"Ascend910B2", 24, 48, 192 * kKiB, 192 * kMiB, 64 * kGiB},
    {"Ascend910B2C", 24, 48, 192 * kKiB, 192 * kMiB, 64 * kGiB},
    {"Ascend910B3", 20, 40, 192 * kKiB, 192 * kMiB, 64 * kGiB},
    {"Ascend910B4", 20, 40, 192 * kKiB, 96 * kMiB, 32 * kGiB},
    {"Ascend910_9392", 24, 48, 192 * kKiB, 192 * kMiB, 64 * kGiB},
};
constexpr const char* kDefaultSoc = "Ascend910B3";

const SocInfo* find_soc(const char* name) {
  for (const SocInfo& s : kSocs) {
    if (std::strcmp(s.name, name) == 0) return &s;
  }
  return nullptr;
}

std::string soc_names() {
  std::string out;
  for (const SocInfo& s : kSocs) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

// The SoC the kernels see: the one aclInit chose, else what the environment says.
std::atomic<const SocInfo*> g_soc{nullptr};

const SocInfo* effective_soc() {
  const SocInfo* s = g_soc.load(std::memory_order_acquire);
  if (s) return s;
  const char* env = std::getenv("ASCENDPY_SIM_SOC");
  if (env && *env) {
    if (const SocInfo* e = find_soc(env)) return e;
  }
  return find_soc(kDefaultSoc);
}

// ------------------------------------------------------------ per-thread state
thread_local std::string tl_err;      // message of the last failure on this thread
thread_local std::string tl_err_out;  // what aclGetRecentErrMsg last returned
thread_local uint64_t tl_ctx = 0;     // current context id (0: none)
// The core the calling thread simulates (__ascendpy_sim_core); outside a launch block 0 of 1 of an AIV.
constexpr int32_t kCoreMix = 0, kCoreAic = 1, kCoreAiv = 2;  // AscendC::MIX / AIC / AIV
// KernelMetaType (kernel_utils_macros.h), as kernel libraries export it per entry.
enum : int32_t { kAivOnly = 0, kAicOnly, kMixAiv10, kMixAic10, kMixAic11, kMixAic12, kKernelTypes = 10 };
const char* ktype_name(int32_t t) {
  static const char* const names[] = {"KERNEL_TYPE_AIV_ONLY", "KERNEL_TYPE_AIC_ONLY", "KERNEL_TYPE_MIX_AIV_1_0",
                                      "KERNEL_TYPE_MIX_AIC_1_0", "KERNEL_TYPE_MIX_AIC_1_1", "KERNEL_TYPE_MIX_AIC_1_2",
                                      "KERNEL_TYPE_AICORE", "KERNEL_TYPE_VECTORCORE", "KERNEL_TYPE_MIX_AICORE",
                                      "KERNEL_TYPE_MIX_VECTOR_CORE"};
  return t >= 0 && t < kKernelTypes ? names[t] : "KERNEL_TYPE_?";
}
constexpr __ascendpy_sim_core_t kNoCore = {0, 1, 0, 1, kCoreAiv, kAivOnly};
thread_local __ascendpy_sim_core_t tl_core = kNoCore;

// The global memory each pointer argument of a launch reaches, when the caller said so
// (ascendpySimKernelArgsSetExtent): sorted by base, overlapping regions merged.
struct GmRegion {
  uint64_t base = 0, size = 0;
  int32_t arg = 0;   // the first argument merged into it
  int32_t args = 1;  // how many were
};
using GmRegions = std::vector<GmRegion>;
thread_local const GmRegions* tl_regions = nullptr;  // of the launch whose block runs on this thread

template <class... A>
std::string cat(const A&... a) {
  std::ostringstream o;
  (o << ... << a);
  return o.str();
}

struct Hex {
  uint64_t v;
};
std::ostream& operator<<(std::ostream& o, Hex h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(h.v));
  return o << buf;
}
Hex hexp(const void* p) { return Hex{static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p))}; }

aclError fail(int64_t code, std::string msg) {
  tl_err = std::move(msg);
  return static_cast<aclError>(code);
}

const char* memcpy_kind_name(int32_t k) {
  switch (k) {
    case ACL_MEMCPY_HOST_TO_HOST: return "ACL_MEMCPY_HOST_TO_HOST";
    case ACL_MEMCPY_HOST_TO_DEVICE: return "ACL_MEMCPY_HOST_TO_DEVICE";
    case ACL_MEMCPY_DEVICE_TO_HOST: return "ACL_MEMCPY_DEVICE_TO_HOST";
    case ACL_MEMCPY_DEVICE_TO_DEVICE: return "ACL_MEMCPY_DEVICE_TO_DEVICE";
    case ACL_MEMCPY_DEFAULT: return "ACL_MEMCPY_DEFAULT";
    case ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE: return "ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE";
    case ACL_MEMCPY_INNER_DEVICE_TO_DEVICE: return "ACL_MEMCPY_INNER_DEVICE_TO_DEVICE";
    case ACL_MEMCPY_INTER_DEVICE_TO_DEVICE: return "ACL_MEMCPY_INTER_DEVICE_TO_DEVICE";
    default: return nullptr;
  }
}

// ------------------------------------------------------------------- handles
enum Kind : uint64_t { kCtx = 1, kStream, kEvent, kBinary, kFunc, kArgs, kParam };

const char* kind_name(uint64_t k) {
  switch (k) {
    case kCtx: return "context";
    case kStream: return "stream";
    case kEvent: return "event";
    case kBinary: return "binary";
    case kFunc: return "function";
    case kArgs: return "kernel args";
    case kParam: return "kernel param";
    default: return "unknown";
  }
}

void* to_handle(uint64_t id) { return reinterpret_cast<void*>(static_cast<uintptr_t>(id)); }
uint64_t from_handle(const void* h) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(h)); }

// ---------------------------------------------------------------- allocations
struct Alloc {
  uintptr_t base = 0;
  size_t size = 0;      // what the caller asked for: the checked extent
  size_t reserved = 0;  // rounded up (+ pad), as the real ACL reserves
  int device = -1;      // -1: host memory from aclrtMallocHost
  void* mem = nullptr;
  ~Alloc() { std::free(mem); }
};

size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

std::shared_ptr<Alloc> make_alloc(size_t size, size_t reserved, int device) {
  void* mem = std::aligned_alloc(64, round_up(reserved, 64));
  if (!mem) return nullptr;
  auto a = std::make_shared<Alloc>();
  a->mem = mem;
  a->base = reinterpret_cast<uintptr_t>(mem);
  a->size = size;
  a->reserved = reserved;
  a->device = device;
  return a;
}

using AllocMap = std::map<uintptr_t, std::shared_ptr<Alloc>>;

// The allocation whose reserved extent contains p, or null.
std::shared_ptr<Alloc> find_alloc(const AllocMap& m, const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  auto it = m.upper_bound(a);
  if (it == m.begin()) return nullptr;
  --it;
  return a < it->second->base + it->second->reserved ? it->second : nullptr;
}

// ------------------------------------------------------------ streams, events
struct Stream;
struct Job;
using Task = std::function<void(Stream&)>;

// What Stream::wait saw.
enum class Waited { kDone, kTimeout, kAborted };

// A short busy wait before blocking on a condition variable: an empty launch completes within
// microseconds, and a futex sleep + wake costs as much again on each side of a hand-off (a
// launch + synchronize crosses two). Bounded (kSpin), so a long wait still sleeps.
constexpr auto kSpin = std::chrono::microseconds(30);
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
// Yields between polls: on a loaded machine the thread it waits for may need this very core.
template <class P>
bool spin_until(P&& ready) {
  const Clock::time_point end = Clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (Clock::now() >= end) return ready();
    std::this_thread::yield();
  }
}

struct Stream {
  uint64_t id = 0;
  uint64_t ctx = 0;
  int device = 0;
  bool is_default = false;

  // A queued task, and what aclrtStreamAbort runs instead when it drops the task (may be empty).
  struct Queued {
    Task run;
    std::function<void()> discard;
  };

  std::mutex m;
  std::condition_variable cv;
  std::deque<Queued> q;
  // Written under `m`; atomic so that the spins before blocking (spin_until) can read them without it.
  std::atomic<uint64_t> enq{0}, done{0};
  bool stop = false;
  aclError fault_code = 0;
  std::string fault_msg;
  uint64_t more_faults = 0;
  std::thread th;
  std::function<void()> after_done;  // set by a task, run by the worker right after the task counts as done

  // aclrtStreamAbort (abort_stream below). `running` is the launch now running (run_launch sets
  // it), which an abort cancels; while `aborting`, pushes are refused and a task waiting for an
  // event gives up. `aborts` counts aborts, so a wait that one interrupted reports it. `failed`
  // is set when the cancelled kernel did not stop: the stream then refuses all work.
  std::shared_ptr<Job> running;
  std::string running_name;
  std::atomic<bool> aborting{false};
  uint64_t aborts = 0;
  std::string failed;
  std::string abort_report;  // what the last abort cancelled (ascendpySimAbortReport)

  void start() {
    th = std::thread([this] { loop(); });
  }

  void loop() {
    std::unique_lock<std::mutex> lk(m);
    for (;;) {
      if (q.empty() && !stop) {  // back-to-back launches: the next push usually comes within microseconds
        const uint64_t seen = enq.load(std::memory_order_relaxed);
        lk.unlock();
        spin_until([&] { return enq.load(std::memory_order_acquire) != seen; });
        lk.lock();
      }
      cv.wait(lk, [&] { return !q.empty() || stop; });
      if (q.empty()) return;  // stopping, and drained
      Task task = std::move(q.front().run);
      q.pop_front();
      lk.unlock();
      try {
        task(*this);
      } catch (const std::exception& e) {
        fault(ACL_ERROR_RT_INTERNAL_ERROR, cat("simulator task failed: ", e.what()));
      } catch (...) {
        fault(ACL_ERROR_RT_INTERNAL_ERROR, "simulator task failed");
      }
      task = nullptr;  // drop what the task pinned before it counts as done
      lk.lock();
      ++done;
      cv.notify_all();
      if (after_done) {  // e.g. an event completes only once its stream counts the record as done
        std::function<void()> f = std::move(after_done);
        after_done = nullptr;
        lk.unlock();
        f();
        lk.lock();
      }
    }
  }

  // Callers hold the global state lock, so a stream found in the registry
  // cannot be stopping (it is removed from the registry before shutdown).
  // A failed stream, or one being aborted, refuses the task (ACL_ERROR_RT_STREAM_ABORT).
  aclError push(Task t, std::function<void()> discard = nullptr) {
    std::lock_guard<std::mutex> g(m);
    if (!failed.empty()) return fail(ACL_ERROR_RT_STREAM_ABORT, failed);
    if (aborting) {
      return fail(ACL_ERROR_RT_STREAM_ABORT, cat("stream ", Hex{id}, " is being aborted (aclrtStreamAbort) on "
                                                 "another thread; work queued meanwhile is refused"));
    }
    if (stop) return fail(ACL_ERROR_RT_INTERNAL_ERROR, cat("stream ", Hex{id}, " is being destroyed"));
    q.push_back(Queued{std::move(t), std::move(discard)});
    ++enq;
    cv.notify_all();
    return ACL_SUCCESS;
  }

  void fault(int64_t code, std::string msg) {
    std::lock_guard<std::mutex> g(m);
    if (fault_code == 0) {
      fault_code = static_cast<aclError>(code);
      fault_msg = std::move(msg);
    } else {
      ++more_faults;
    }
  }

  // Wait for everything queued before the call. timeout_ms < 0: no limit. kAborted: an
  // aclrtStreamAbort dropped or cancelled that work meanwhile (or the stream has failed).
  Waited wait(int64_t timeout_ms) {
    std::unique_lock<std::mutex> lk(m);
    const uint64_t target = enq, gen = aborting ? aborts - 1 : aborts;  // an abort under way counts
    auto ready = [&] { return (done >= target && !aborting) || !failed.empty(); };
    if (!ready() && timeout_ms != 0) {
      lk.unlock();
      spin_until([&] { return done.load(std::memory_order_acquire) >= target; });
      lk.lock();
    }
    if (timeout_ms < 0) {
      cv.wait(lk, ready);
    } else if (!cv.wait_for(lk, std::chrono::milliseconds(timeout_ms), ready)) {
      return Waited::kTimeout;
    }
    return aborts != gen || !failed.empty() ? Waited::kAborted : Waited::kDone;
  }

  uint64_t pending() {
    std::lock_guard<std::mutex> g(m);
    return enq - done;
  }

  aclError take_fault(std::string* msg) {
    std::lock_guard<std::mutex> g(m);
    if (!failed.empty()) {
      *msg = failed;
      return ACL_ERROR_RT_STREAM_ABORT;
    }
    const aclError code = fault_code;
    if (code != 0) {
      *msg = fault_msg;
      if (more_faults) *msg += cat(" (and ", more_faults, " later fault(s) on this stream)");
      fault_code = 0;
      fault_msg.clear();
      more_faults = 0;
    }
    return code;
  }

  // Runs what is queued, then joins the worker (a failed stream's worker is stuck in a kernel
  // that ignored the abort: it is left running, and the stream is kept in failed_streams()).
  void shutdown() {
    bool stuck;
    {
      std::lock_guard<std::mutex> g(m);
      stop = true;
      stuck = !failed.empty();
      cv.notify_all();
    }
    if (th.joinable()) {
      if (stuck || th.get_id() == std::this_thread::get_id()) {
        th.detach();
      } else {
        th.join();
      }
    }
  }
};

struct Event {
  uint64_t id = 0;
  uint64_t ctx = 0;
  uint32_t flags = 0;
  bool timeline = true;

  std::mutex m;
  std::condition_variable cv;
  uint64_t rec_enq = 0;   // records requested
  uint64_t rec_done = 0;  // highest record that has executed
  Clock::time_point ts{};
  bool destroyed = false;
  bool aborted = false;  // the latest completed record was dropped by aclrtStreamAbort

  void complete(uint64_t seq, bool by_abort = false) {
    const Clock::time_point now = Clock::now();
    std::lock_guard<std::mutex> g(m);
    if (seq > rec_done) {
      rec_done = seq;
      ts = now;
      aborted = by_abort;
    }
    cv.notify_all();
  }
  // Until record `target` has completed; false if timeout_ms (>= 0) passed first.
  bool wait_for(uint64_t target, int64_t timeout_ms = -1) {
    std::unique_lock<std::mutex> lk(m);
    auto ready = [&] { return rec_done >= target || destroyed; };
    if (timeout_ms < 0) {
      cv.wait(lk, ready);
      return true;
    }
    return cv.wait_for(lk, std::chrono::milliseconds(timeout_ms), ready);
  }
  void destroy() {
    std::lock_guard<std::mutex> g(m);
    destroyed = true;
    cv.notify_all();
  }
};

struct Ctx {
  uint64_t id = 0;
  int device = 0;
  bool is_default = false;
  uint64_t default_stream = 0;
};

// ------------------------------------------------------------ kernel binaries
using EntryFn = void (*)(const uint8_t*, uint64_t);

struct Binary {
  uint64_t id = 0;
  void* dl = nullptr;
  std::string path;
  int device = 0;
  std::vector<std::string> kernels;
  std::map<std::string, uint64_t> funcs;
  std::vector<uint64_t> args;
  ~Binary() {
    if (dl) dlclose(dl);
  }
};

struct Func {
  uint64_t id = 0;
  std::shared_ptr<Binary> bin;  // keeps the library loaded while launches use it
  std::string name;
  EntryFn entry = nullptr;
  int32_t ktype = 0;                                   // KernelMetaType (__ascendpy_kernel_type_NAME)
  bool sync_all = false;                               // its unit calls SyncAll (__ascendpy_kernel_sync_all_NAME)
  uint64_t size = 0;                                   // bytes of the args struct
  std::vector<std::pair<uint64_t, uint64_t>> params;  // (offset, size)
};

struct Args {
  uint64_t id = 0;
  uint64_t func_id = 0;
  std::shared_ptr<Func> func;
  std::vector<uint8_t> blob;
  uint64_t appended = 0;
  bool finalized = false;
  bool had_placeholder = false;
  std::vector<uint8_t> is_placeholder;
  std::vector<std::vector<uint8_t>> ph_data;
  std::vector<uint8_t> ph_ready;
  std::vector<uint64_t> param_ids;
  std::vector<uint64_t> extent;  // bytes a pointer parameter reaches (ascendpySimKernelArgsSetExtent)
  std::vector<uint8_t> has_extent;
};

struct Param {
  uint64_t id = 0;
  uint64_t args_id = 0;
  uint64_t index = 0;
  bool placeholder = false;
};

// ------------------------------------------------------------- global state
struct Dev {
  int set_count = 0;
  uint64_t default_ctx = 0;
  uint64_t live_count = 0;
  uint64_t live_bytes = 0;
  uint64_t reserved_bytes = 0;
};

template <class T>
using Registry = std::unordered_map<uint64_t, std::shared_ptr<T>>;

// Device allocations for the kernels' global-memory checks, under their own lock: kernels look
// pointers up while other threads may hold State::mu (e.g. waiting for a stream).
struct AllocIndex {
  std::mutex mu;
  std::map<uintptr_t, uint64_t> live;                  // base -> requested bytes
  std::deque<std::pair<uintptr_t, uint64_t>> freed;    // most recent last
};
AllocIndex& alloc_index() {
  static AllocIndex* idx = new AllocIndex();  // never destroyed (see g_state)
  return *idx;
}
void index_alloc(uintptr_t base, uint64_t size, bool live) {
  AllocIndex& idx = alloc_index();
  std::lock_guard<std::mutex> lk(idx.mu);
  if (live) {
    idx.live[base] = size;
    return;
  }
  idx.live.erase(base);
  idx.freed.emplace_back(base, size);
  if (idx.freed.size() > 4096) idx.freed.pop_front();
}
std::atomic<int> g_fast{0};  // ASCENDPY_SIM_CHECKS=0

struct State {
  std::mutex mu;
  bool inited = false;
  const SocInfo* soc = nullptr;
  std::vector<Dev> devs;
  uint64_t next_seq = 1;
  AllocMap dev_allocs;
  AllocMap host_allocs;
  Registry<Ctx> ctxs;
  Registry<Stream> streams;
  Registry<Event> events;
  Registry<Binary> bins;
  Registry<Func> funcs;
  Registry<Args> args;
  Registry<Param> params;

  uint64_t new_id(Kind k) { return (next_seq++ << 4) | k; }

  bool is_live(uint64_t id) const {
    switch (id & 15) {
      case kCtx: return ctxs.count(id) != 0;
      case kStream: return streams.count(id) != 0;
      case kEvent: return events.count(id) != 0;
      case kBinary: return bins.count(id) != 0;
      case kFunc: return funcs.count(id) != 0;
      case kArgs: return args.count(id) != 0;
      case kParam: return params.count(id) != 0;
      default: return false;
    }
  }

  bool valid_device(int64_t d) const { return d >= 0 && d < static_cast<int64_t>(devs.size()); }

  void register_alloc(const std::shared_ptr<Alloc>& a) {
    index_alloc(a->base, a->size, true);
    // A launch drained after aclFinalize / aclrtResetDevice may still register
    // its placeholder memory: the device table can be gone by then.
    if (a->device < 0 || static_cast<size_t>(a->device) >= devs.size()) return;
    dev_allocs[a->base] = a;
    Dev& d = devs[static_cast<size_t>(a->device)];
    d.live_count += 1;
    d.live_bytes += a->size;
    d.reserved_bytes += a->reserved;
  }
  void unregister_alloc(const std::shared_ptr<Alloc>& a) {
    auto it = dev_allocs.find(a->base);
    if (it == dev_allocs.end() || it->second != a) return;
    dev_allocs.erase(it);
    index_alloc(a->base, a->size, false);
    if (a->device >= 0 && static_cast<size_t>(a->device) < devs.size()) {
      Dev& d = devs[static_cast<size_t>(a->device)];
      d.live_count -= 1;
      d.live_bytes -= a->size;
      d.reserved_bytes -= a->reserved;
    }
  }
};

// Never destroyed: stream workers and pool threads may outlive static
// destruction at process exit. Replaced (not freed) in a forked child.
State* g_state = new State();

State& st() { return *g_state; }

using Lock = std::unique_lock<std::mutex>;

// What a teardown released; destroyed after the global lock is dropped, since
// draining a stream may need the lock.
struct Graveyard {
  std::vector<std::shared_ptr<Stream>> streams;
  std::vector<std::shared_ptr<Event>> events;
  std::vector<std::shared_ptr<void>> other;
  void bury() {
    for (auto& e : events) e->destroy();
    for (auto& s : streams) s->shutdown();
    streams.clear();
    events.clear();
    other.clear();
  }
};

// Keep an API call from ever throwing into C.
template <class F>
aclError guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(ACL_ERROR_BAD_ALLOC, "the simulator ran out of host memory");
  } catch (const std::exception& e) {
    return fail(ACL_ERROR_INTERNAL_ERROR, cat("simulator internal error: ", e.what()));
  } catch (...) {
    return fail(ACL_ERROR_INTERNAL_ERROR, "simulator internal error");
  }
}

aclError not_initialized() {
  return fail(ACL_ERROR_UNINITIALIZE, "ACL is not initialized: call aclInit first (aclFinalize ends it)");
}

aclError null_arg(const char* name) { return fail(ACL_ERROR_INVALID_PARAM, cat(name, " is NULL")); }

aclError bad_device(const State& s, int64_t id) {
  return fail(ACL_ERROR_RT_INVALID_DEVICEID,
              cat("device id ", id, " is invalid: the simulator has ", s.devs.size(),
                  " device(s) (ASCENDPY_SIM_DEVICES), so valid ids are 0..", s.devs.size() - 1));
}

template <class T>
aclError lookup(State& s, Registry<T>& reg, const void* h, Kind k, std::shared_ptr<T>* out) {
  if (!h) return fail(ACL_ERROR_INVALID_PARAM, cat("the ", kind_name(k), " handle is NULL"));
  const uint64_t id = from_handle(h);
  auto it = reg.find(id);
  if (it != reg.end()) {
    *out = it->second;
    return ACL_SUCCESS;
  }
  const uint64_t hk = id & 15;
  if (hk != k && s.is_live(id)) {
    return fail(ACL_ERROR_RT_PARAM_INVALID, cat(kind_name(k), " handle ", Hex{id}, " is a live ",
                                                kind_name(hk), " handle, not a ", kind_name(k), " handle"));
  }
  return fail(ACL_ERROR_RT_PARAM_INVALID,
              cat(kind_name(k), " handle ", Hex{id}, " is not a live ", kind_name(k),
                  " (it was destroyed, released by aclrtResetDevice/aclrtBinaryUnLoad/aclFinalize, "
                  "or never created)"));
}

aclError current_ctx(State& s, std::shared_ptr<Ctx>* out) {
  if (tl_ctx == 0) {
    return fail(ACL_ERROR_RT_CONTEXT_NULL,
                "no current context on this thread: call aclrtSetDevice or aclrtCreateContext "
                "(or aclrtSetCurrentContext) on this thread first");
  }
  auto it = s.ctxs.find(tl_ctx);
  if (it == s.ctxs.end()) {
    return fail(ACL_ERROR_RT_CONTEXT_NULL,
                cat("the current context ", Hex{tl_ctx}, " of this thread was destroyed (aclrtDestroyContext, "
                    "aclrtResetDevice or aclFinalize); set another one"));
  }
  *out = it->second;
  return ACL_SUCCESS;
}

std::shared_ptr<Ctx> new_ctx(State& s, int device, bool is_default) {
  auto c = std::make_shared<Ctx>();
  c->id = s.new_id(kCtx);
  c->device = device;
  c->is_default = is_default;
  s.ctxs[c->id] = c;
  return c;
}

std::shared_ptr<Stream> new_stream(State& s, const Ctx& c, bool is_default) {
  auto str = std::make_shared<Stream>();
  str->id = s.new_id(kStream);
  str->ctx = c.id;
  str->device = c.device;
  str->is_default = is_default;
  str->start();
  s.streams[str->id] = str;
  return str;
}

// A NULL stream is the current context's default stream, made on first use.
aclError resolve_stream(State& s, aclrtStream h, std::shared_ptr<Stream>* out) {
  if (h) return lookup(s, s.streams, h, kStream, out);
  std::shared_ptr<Ctx> c;
  if (aclError e = current_ctx(s, &c)) return e;
  auto it = s.streams.find(c->default_stream);
  if (c->default_stream == 0 || it == s.streams.end()) {
    auto str = new_stream(s, *c, true);
    c->default_stream = str->id;
    *out = str;
  } else {
    *out = it->second;
  }
  return ACL_SUCCESS;
}

void release_binary(State& s, uint64_t bid, Graveyard& g) {
  auto it = s.bins.find(bid);
  if (it == s.bins.end()) return;
  std::shared_ptr<Binary> b = it->second;
  for (auto& kv : b->funcs) {
    auto f = s.funcs.find(kv.second);
    if (f != s.funcs.end()) {
      g.other.push_back(f->second);
      s.funcs.erase(f);
    }
  }
  for (uint64_t aid : b->args) {
    auto a = s.args.find(aid);
    if (a == s.args.end()) continue;
    for (uint64_t pid : a->second->param_ids) s.params.erase(pid);
    g.other.push_back(a->second);
    s.args.erase(a);
  }
  b->funcs.clear();
  b->args.clear();
  g.other.push_back(b);
  s.bins.erase(it);
}

void release_ctx(State& s, uint64_t cid, Graveyard& g) {
  auto it = s.ctxs.find(cid);
  if (it == s.ctxs.end()) return;
  for (auto i = s.streams.begin(); i != s.streams.end();) {
    if (i->second->ctx == cid) {
      g.streams.push_back(i->second);
      i = s.streams.erase(i);
    } else {
      ++i;
    }
  }
  for (auto i = s.events.begin(); i != s.events.end();) {
    if (i->second->ctx == cid) {
      g.events.push_back(i->second);
      i = s.events.erase(i);
    } else {
      ++i;
    }
  }
  g.other.push_back(it->second);
  s.ctxs.erase(it);
  if (tl_ctx == cid) tl_ctx = 0;
}

void release_device(State& s, int dev, Graveyard& g) {
  std::vector<uint64_t> ids;
  for (auto& kv : s.ctxs) {
    if (kv.second->device == dev) ids.push_back(kv.first);
  }
  for (uint64_t id : ids) release_ctx(s, id, g);
  ids.clear();
  for (auto& kv : s.bins) {
    if (kv.second->device == dev) ids.push_back(kv.first);
  }
  for (uint64_t id : ids) release_binary(s, id, g);
  for (auto i = s.dev_allocs.begin(); i != s.dev_allocs.end();) {
    if (i->second->device == dev) {
      index_alloc(i->second->base, i->second->size, false);
      g.other.push_back(i->second);
      i = s.dev_allocs.erase(i);
    } else {
      ++i;
    }
  }
  s.devs[static_cast<size_t>(dev)] = Dev{};
}

// ------------------------------------------------------------ launch pool
struct Gang;

struct Job {
  // Runs one core (block `b`, or one AIC/AIV of a mix kernel's group); "" or a fault text.
  std::function<std::string(const __ascendpy_sim_core_t&)> body;
  __ascendpy_sim_core_t core = kNoCore;  // what the pool's blocks are (block_idx set per block)
  int64_t num = 0, next = 0, active = 0;
  bool stop = false, done = false;
  std::string fault;
  std::condition_variable cv;
  // aclrtStreamAbort: `cancel` is what the blocks poll (__ascendpy_sim_cancelled); `fault_is_cancel`
  // says the first fault is a block stopping for it. `abandoned`: blocks that ignored the cancel
  // hold their threads, so those were replaced, and leave the pool when (if ever) they return.
  std::atomic<bool> cancel{false};
  bool fault_is_cancel = false;
  bool abandoned = false;
  bool inline_run = false;     // its one block ran on the stream's worker thread (Pool::run)
  std::shared_ptr<Gang> gang;  // a mix kernel's launch: run by run_gang on threads of its own, not the pool
};

// The cancel flag of the launch whose block runs on this thread, and whether that block has been
// told it is cancelled (it then throws the "cancelled" fault). `tl_halt`: a mix launch that stopped
// (one core faulted or deadlocked): its other cores stop at their next API call, as if cancelled.
thread_local const std::atomic<bool>* tl_cancel = nullptr;
thread_local bool tl_cancel_seen = false;
thread_local const std::atomic<bool>* tl_halt = nullptr;

// -------------------------------------------------------- mix kernels: cores that run together
// A mix kernel's launch (KERNEL_TYPE_MIX_*, 910B) runs as units that start together, each core on a
// thread of its own, so the cores of a unit can wait for each other (a pool of 2 workers would starve):
// a unit is one group (1 AIC + 1 or 2 AIVs) of a 1:1 / 1:2 kernel, one AIV (AIC) of a 1:0 one. At most
// `cap` units run at once (the physical cores; a 1:1 / 1:2 launch may not ask for more, a 1:0 one runs
// in waves as the hardware would). The cross-core flags (sync.h) live here, under the gang's lock.
constexpr int kXcFlags = 16;  // flags per core (flagId's low 4 bits)
constexpr int kXcMax = 15;    // a flag counter's range is 0..15

struct GangCore {
  int32_t core = kCoreAiv;  // AIC / AIV
  int64_t block = 0;        // the built-in block_idx: the unit
  int32_t sub = 0;          // AIV index in its group
  enum State : uint8_t { kUnstarted, kRunning, kWaiting, kDone } state = kUnstarted;
  int32_t wait_flag = -1;
  uint8_t counter[kXcFlags] = {};   // what CrossCoreWaitFlag(f) consumes
  uint8_t held[3][kXcFlags] = {};   // sets the scheduler holds until the others of the mode set too:
                                    // [0] mode 0, [1] mode 1, [2] mode 2 on an AIV (towards its AIC)
  void* raised_by[kXcFlags] = {};   // the CrossCoreSetFlag that last raised counter[f]
  std::string error;
  bool cancel_seen = false;
  // SyncAll: the wait is one of a SyncAll (messages say so); a soft one waits for its workspace's slots
  // (`soft_slots[i * 8]`, i < soft_total) to add up to soft_target.
  bool in_sync_all = false;
  int32_t* soft_slots = nullptr;
  int32_t soft_total = 0;
  int64_t soft_target = 0;
};

struct Gang {
  std::mutex m;
  std::condition_variable cv;
  std::string kernel;
  int32_t ktype = kMixAic12;
  int aic = 1, aiv = 2;  // cores per unit
  int64_t units = 0, cap = 0;
  std::vector<GangCore> cores;  // unit-major: [AIC][AIV 0][AIV 1]
  std::vector<int> alive;       // per unit: its cores not done
  int64_t next_unit = 0, live_units = 0;
  int running = 0, waiting = 0;
  size_t done = 0;
  bool stopped = false, deadlocked = false, halt_counted = false;
  int primary = -1;  // the core whose fault is the launch's
  std::string deadlock_what;
  void* deadlock_other = nullptr;
  std::atomic<bool> halt{false};
  const std::atomic<bool>* cancel = nullptr;
  bool xc = true;  // a mix kernel on 910B: the cross-core scheduler runs (else a resident SyncAll launch)

  int per_unit() const { return aic + aiv; }
  // Whether waiting core c may go on. Caller holds m.
  bool ready(const GangCore& c) const {
    if (c.soft_slots) {
      int64_t sum = 0;
      for (int32_t i = 0; i < c.soft_total; ++i) sum += c.soft_slots[static_cast<ptrdiff_t>(i) * 8];
      return sum >= c.soft_target;
    }
    return c.wait_flag >= 0 && c.counter[c.wait_flag] > 0;
  }
  GangCore& at(int64_t unit, int k) { return cores[static_cast<size_t>(unit * per_unit() + k)]; }
  bool grouped() const { return ktype == kMixAic11 || ktype == kMixAic12; }

  std::string describe(const GangCore& c) const {
    if (!xc) return cat("block ", c.block);
    if (grouped()) {
      return c.core == kCoreAic ? cat("the AIC of block ", c.block)
                                : cat("AIV ", c.sub, " of block ", c.block);
    }
    return cat(c.core == kCoreAic ? "AIC" : "AIV", " block ", c.block);
  }

  // Stops the launch with core `i`'s fault: no unit starts any more, waiting cores are released and
  // running ones stop at their next API call (tl_halt). Caller holds m.
  void stop(int i) {
    if (stopped) return;
    stopped = true;
    primary = i;
    halt.store(true);
    if (!halt_counted) {
      halt_counted = true;
      __atomic_fetch_add(&__ascendpy_sim_cancel_pending, 1, __ATOMIC_RELAXED);
    }
    drop_unstarted();
    cv.notify_all();
  }
  void drop_unstarted() {
    for (; next_unit < units; ++next_unit) {
      for (int k = 0; k < per_unit(); ++k) at(next_unit, k).state = GangCore::kDone;
      done += static_cast<size_t>(per_unit());
    }
  }

  // A deadlock: no core runs, and every waiting one waits on a flag that is zero. The first waiting core (in
  // block, then AIC-before-AIV order: deterministic whatever order the threads ran in) reports it. Caller holds m.
  void check_deadlock() {
    if (stopped || running > 0 || waiting == 0) return;
    int first = -1;
    for (size_t i = 0; i < cores.size(); ++i) {
      const GangCore& c = cores[i];
      if (c.state != GangCore::kWaiting) continue;
      if (ready(c)) return;  // raised, the waiter is about to run
      if (first < 0) first = static_cast<int>(i);  // the first core of the launch that waits reports it
    }
    if (first < 0) return;
    deadlocked = true;
    deadlock_what = deadlock_text(cores[static_cast<size_t>(first)]);
    stop(first);
  }

  std::string who_raises(const GangCore& c, int f) const {
    if (c.core == kCoreAiv) {
      std::string out = grouped() ? cat("an AIV's flag ", f, " is raised by CrossCoreSetFlag<2, pipe>(", f,
                                        ") on its group's AIC, by <1, pipe>(", f, ") once every AIV of its group "
                                        "has called it, and by <0, pipe>(", f, ") once every AIV of the launch has")
                                  : cat("an AIV's flag ", f, " is raised by CrossCoreSetFlag<0, pipe>(", f,
                                        ") once every AIV of the launch has called it");
      return out;
    }
    return grouped() ? cat("an AIC's flag ", f, " is raised by CrossCoreSetFlag<2, pipe>(", f, ") once every AIV of "
                           "its group has called it, and by <0, pipe>(", f, ") once every AIC of the launch has")
                     : cat("an AIC's flag ", f, " is raised by CrossCoreSetFlag<0, pipe>(", f, ") once every AIC of "
                           "the launch has called it");
  }

  std::string sync_all_deadlock_text(const GangCore& c);
  std::string deadlock_text(const GangCore& c) {
    if (c.in_sync_all) return sync_all_deadlock_text(c);
    const int f = c.wait_flag;
    std::vector<std::string> fin, wait;
    for (const GangCore& o : cores) {
      if (&o == &c) continue;
      if (o.state == GangCore::kDone) fin.push_back(describe(o));
      if (o.state == GangCore::kWaiting) wait.push_back(cat(describe(o), " (flag ", o.wait_flag, ")"));
    }
    auto list = [](const std::vector<std::string>& v) {
      std::string out;
      for (size_t i = 0; i < v.size() && i < 4; ++i) out += (i ? ", " : "") + v[i];
      if (v.size() > 4) out += cat(" and ", v.size() - 4, " more");
      return out;
    };
    std::string others;
    if (!fin.empty()) others += cat("finished: ", list(fin));
    if (!wait.empty()) others += cat(others.empty() ? "" : "; ", "waiting: ", list(wait));
    if (next_unit < units) others += cat("; ", units - next_unit, " unit(s) cannot start while ", live_units,
                                         " hold the ", cap, " physical cores");
    std::string text = cat("CrossCoreWaitFlag(", f, ") on ", describe(c), " waits for its flag ", f,
                           ", which no core can raise any more: every core of the launch has finished or waits on "
                           "a cross-core flag", others.empty() ? std::string() : cat(" (", others, ")"), ". ",
                           who_raises(c, f), ", and none of those is pending");
    deadlock_other = nullptr;
    for (int g = 0; g < kXcFlags; ++g) {
      if (g != f && c.counter[g] > 0) {
        text += cat(". Its flag ", g, " holds ", static_cast<int>(c.counter[g]), " set(s) no wait consumed, raised "
                    "by the CrossCoreSetFlag", ASCENDPY_SIM_OTHER_AT, ": a wrong flag id?");
        deadlock_other = c.raised_by[g];
        break;
      }
    }
    return text + ". On the NPU the core would hang until the task times out";
  }
};

// A SyncAll that no core can complete any more: who finished without arriving, who waits elsewhere.
std::string Gang::sync_all_deadlock_text(const GangCore& c) {
  std::vector<std::string> fin, elsewhere;
  size_t arrived = 0, counted = 0;
  for (size_t i = 0; i < cores.size(); ++i) {
    const GangCore& o = cores[i];
    if (&o == &c) continue;
    if (c.soft_slots && o.core == kCoreAic) continue;  // the soft SyncAll counts the AIVs (AI Cores on 310P)
    if (!c.soft_slots && o.core != c.core) continue;  // the hard SyncAll<true> waits for the cores of its type
    ++counted;
    if (o.state == GangCore::kDone) fin.push_back(describe(o));
    else if (o.state == GangCore::kWaiting && !o.in_sync_all) elsewhere.push_back(describe(o));
    else if (o.state == GangCore::kWaiting) ++arrived;
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < 4; ++i) out += (i ? ", " : "") + v[i];
    if (v.size() > 4) out += cat(" and ", v.size() - 4, " more");
    return out;
  };
  std::string text = cat(c.soft_slots ? "SyncAll(gmWorkspace, ubWorkspace)" : "SyncAll()", " on ", describe(c),
                         " waits for ", c.soft_slots ? cat("the ", c.soft_total, " cores its workspace counts")
                                                     : std::string("every core of the launch"),
                         " to reach a SyncAll, but no core of the launch runs any more: ", arrived,
                         " other core(s) wait in a SyncAll");
  if (!fin.empty()) text += cat("; finished without arriving: ", list(fin));
  if (!elsewhere.empty()) text += cat("; waiting on a cross-core flag instead: ", list(elsewhere));
  if (next_unit < units) text += cat("; ", units - next_unit, " block(s) could not start");
  if (c.soft_slots) {
    int64_t sum = 0;
    for (int32_t i = 0; i < c.soft_total; ++i) sum += c.soft_slots[static_cast<ptrdiff_t>(i) * 8];
    text += cat(" (the workspace slots add up to ", sum, " of the ", c.soft_target, " this SyncAll needs; a "
                "workspace that was not zero before the launch also shows this way)");
  }
  deadlock_other = nullptr;
  return text + ". Every block must call SyncAll the same number of times (an early return skips it); on the NPU "
                "the cores would hang until the task times out";
}

void start_gang_units(const std::shared_ptr<Job>& job, Gang& g);

thread_local Gang* tl_gang = nullptr;
std::mutex g_atomic_mu;  // combining (atomic) DMA stores into GM: __ascendpy_sim_atomic_lock
thread_local int tl_gang_core = -1;
thread_local std::string tl_xc_what;  // what __ascendpy_sim_cross_core_* returned

// Threads for the cores of mix launches: an idle one takes a core at once, otherwise a new one starts;
// idle threads leave after a while. A core never waits behind another for a thread.
class CoreThreads {
 public:
  void spawn(std::function<void()> f) {
    Lock lk(m_);
    tasks_.push_back(std::move(f));
    if (idle_ >= tasks_.size()) {
      cv_.notify_one();
      return;
    }
    std::thread([this] { loop(); }).detach();
  }

 private:
  void loop() {
    Lock lk(m_);
    for (;;) {
      if (tasks_.empty()) {
        ++idle_;
        const bool got = cv_.wait_for(lk, std::chrono::seconds(10), [&] { return !tasks_.empty(); });
        --idle_;
        if (!got) return;
      }
      std::function<void()> f = std::move(tasks_.front());
      tasks_.pop_front();
      lk.unlock();
      f();
      f = nullptr;
      lk.lock();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  size_t idle_ = 0;
};

CoreThreads* g_core_threads = new CoreThreads();

// Runs one core of `job`'s gang on this thread.
void run_gang_core(const std::shared_ptr<Job>& job, Gang& g, int i) {
  GangCore& c = g.cores[static_cast<size_t>(i)];
  __ascendpy_sim_core_t core{c.block, job->num, c.sub, c.core == kCoreAiv && g.xc ? g.aiv : 1, c.core, g.ktype};
  tl_gang = &g;
  tl_gang_core = i;
  tl_cancel = &job->cancel;
  tl_cancel_seen = false;
  tl_halt = &g.halt;
  std::string err = job->body(core);
  const bool seen = tl_cancel_seen;
  tl_gang = nullptr;
  tl_gang_core = -1;
  tl_cancel = nullptr;
  tl_halt = nullptr;
  Lock lk(g.m);
  c.state = GangCore::kDone;
  --g.running;
  ++g.done;
  if (!err.empty()) {
    c.error = std::move(err);
    c.cancel_seen = seen;
    g.stop(i);
  }
  if (--g.alive[static_cast<size_t>(c.block)] == 0) --g.live_units;
  start_gang_units(job, g);
  g.check_deadlock();
  g.cv.notify_all();
}

// Starts units while physical cores are free. Caller holds g.m.
void start_gang_units(const std::shared_ptr<Job>& job, Gang& g) {
  if (g.stopped || job->cancel.load()) {
    g.drop_unstarted();
    return;
  }
  while (g.live_units < g.cap && g.next_unit < g.units) {
    const int64_t u = g.next_unit++;
    ++g.live_units;
    g.alive[static_cast<size_t>(u)] = g.per_unit();
    for (int k = 0; k < g.per_unit(); ++k) {
      g.at(u, k).state = GangCore::kRunning;
      ++g.running;
      const int i = static_cast<int>(u * g.per_unit() + k);
      std::shared_ptr<Gang> keep = job->gang;
      g_core_threads->spawn([job, keep, i] { run_gang_core(job, *keep, i); });
    }
  }
}

// Runs every core of a mix launch and returns when all are done; the first fault is the launch's.
void run_gang(const std::shared_ptr<Job>& job) {
  Gang& g = *job->gang;
  Lock lk(g.m);
  start_gang_units(job, g);
  g.cv.wait(lk, [&] { return g.done == g.cores.size(); });
  job->next = g.next_unit;
  int first = g.primary;
  if (first < 0 || g.cores[static_cast<size_t>(first)].error.empty()) {
    first = -1;
    for (size_t i = 0; i < g.cores.size() && first < 0; ++i) {
      if (!g.cores[i].error.empty()) first = static_cast<int>(i);
    }
  }
  if (first >= 0) {
    job->fault = g.cores[static_cast<size_t>(first)].error;
    job->fault_is_cancel = g.cores[static_cast<size_t>(first)].cancel_seen;
  }
  if (g.halt_counted) __atomic_fetch_sub(&__ascendpy_sim_cancel_pending, 1, __ATOMIC_RELAXED);
}

// aclrtStreamAbort of a mix launch: waiting cores give up, no unit starts any more.
void cancel_gang(Gang& g) {
  Lock lk(g.m);
  g.drop_unstarted();
  g.cv.notify_all();
}

class Pool {
 public:
  // Stops `job`: no block starts any more, and running ones stop at their next AscendC API call.
  void cancel(const std::shared_ptr<Job>& job) {
    Lock lk(m_);
    if (job->done || job->cancel.load()) return;
    job->cancel.store(true);
    __atomic_fetch_add(&__ascendpy_sim_cancel_pending, 1, __ATOMIC_RELAXED);
    job->stop = true;
    if (job->gang) {  // run_gang (through run) finishes it
      lk.unlock();
      cancel_gang(*job->gang);
      return;
    }
    if (job->active == 0) finish(*job);  // no block had started
  }

  // The blocks of cancelled `job` did not stop: give the pool new threads for the ones they hold, and their
  // cores back (an inline block holds its stream's worker, which stays with the failed stream: no new thread).
  // A gang's cores hold threads of their own.
  void abandon(const std::shared_ptr<Job>& job) {
    Lock lk(m_);
    if (job->done || job->abandoned || job->gang) return;
    job->abandoned = true;
    running_ -= job->active;
    if (!job->inline_run) {
      for (int64_t i = 0; i < job->active; ++i) std::thread([this] { worker(); }).detach();
    }
    cv_.notify_all();
  }

  // Runs every block of `job` (until one faults) and returns when all are done. A launch of one block runs on
  // the calling thread (the stream's worker) when a core is free and no launch waits for one: handing it to a
  // pool thread and back costs two futex wakes. It holds a core meanwhile, so at most `cores_` blocks run at
  // once either way, and a launch that must wait for a core still waits in the same queue.
  void run(const std::shared_ptr<Job>& job) {
    if (job->gang) {
      run_gang(job);
      Lock lk(m_);
      finish(*job);
      return;
    }
    Lock lk(m_);
    if (job->num == 1 && jobs_.empty() && running_ < cores_) {
      run_inline(*job, lk);
      return;
    }
    if (!started_) {
      started_ = true;
      for (int64_t i = 0; i < cores_; ++i) std::thread([this] { worker(); }).detach();
    }
    jobs_.push_back(job);
    cv_.notify_all();
    job->cv.wait(lk, [&] { return job->done; });
  }

 private:
  void worker() {
    Lock lk(m_);
    for (;;) {
      cv_.wait(lk, [&] { return !jobs_.empty() && running_ < cores_; });
      std::shared_ptr<Job> job = jobs_.front();
      if (job->stop || job->next >= job->num) {
        jobs_.pop_front();
        continue;
      }
      const int64_t b = job->next++;
      ++job->active;
      ++running_;
      lk.unlock();
      tl_cancel = &job->cancel;
      tl_cancel_seen = false;
      __ascendpy_sim_core_t core = job->core;
      core.block_idx = b;
      std::string fault = job->body(core);
      tl_cancel = nullptr;
      lk.lock();
      if (!fault.empty()) {
        if (job->fault.empty()) {
          job->fault = std::move(fault);
          job->fault_is_cancel = tl_cancel_seen;
        }
        job->stop = true;
      }
      const bool replaced = job->abandoned;
      if (!replaced) --running_;  // else abandon() gave the core back
      if (--job->active == 0 && (job->stop || job->next >= job->num)) finish(*job);
      if (replaced) return;  // another thread took this one's place in the pool
    }
  }

  // What worker() does for one block, on the calling thread (`lk` holds m_); cancel() and finish() see the
  // same state.
  void run_inline(Job& job, Lock& lk) {
    if (job.stop || job.done) return finish(job);  // cancelled before it started
    job.next = 1;
    ++job.active;
    ++running_;
    job.inline_run = true;
    lk.unlock();
    tl_cancel = &job.cancel;
    tl_cancel_seen = false;
    __ascendpy_sim_core_t core = job.core;
    core.block_idx = 0;
    std::string fault = job.body(core);
    tl_cancel = nullptr;
    lk.lock();
    if (!fault.empty()) {
      job.fault = std::move(fault);
      job.fault_is_cancel = tl_cancel_seen;
      job.stop = true;
    }
    if (!job.abandoned) {
      --running_;
      if (!jobs_.empty()) cv_.notify_all();  // a worker may be waiting for this core
    }
    --job.active;
    finish(job);
  }

  void finish(Job& job) {
    if (job.done) return;
    job.done = true;
    if (job.cancel.load()) __atomic_fetch_sub(&__ascendpy_sim_cancel_pending, 1, __ATOMIC_RELAXED);
    job.cv.notify_all();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  bool started_ = false;
  const int64_t cores_ = std::max(2u, std::thread::hardware_concurrency());  // the pool's threads
  int64_t running_ = 0;  // blocks running now, on pool threads or inline (at most cores_)
};

Pool* g_pool = new Pool();

Pool& pool() { return *g_pool; }

// A forked child has only the thread that called fork: the parent's stream
// workers and pool threads are gone, and their locks may be held forever. The
// child starts from a fresh, uninitialized simulator (handle ids keep counting,
// so the parent's handles stay invalid) instead of hanging on them.
void after_fork_in_child() {
  const uint64_t seq = g_state->next_seq;
  g_state = new State();
  g_state->next_seq = seq;
  g_pool = new Pool();
  g_core_threads = new CoreThreads();
  g_soc.store(nullptr);
  tl_ctx = 0;
}

[[maybe_unused]] const int g_atfork = pthread_atfork(nullptr, nullptr, after_fork_in_child);

// ---------------------------------------------------------------- fault locations
// "file:line" of the kernel source that made the faulting call: the first frame, innermost first
// and through inlined calls, that is not simulator header code or a generated apy_ helper. The
// kernel library carries -g line tables, in which #line directives map generated C++ back to
// the user's Python. Resolved by addr2line (binutils); empty if it is unavailable.
std::string frames_location(void* const* frames, int nframes) {
  Dl_info self{};
  dladdr(reinterpret_cast<void*>(&frames_location), &self);
  std::string object;
  std::vector<uintptr_t> offsets;
  for (int i = 0; i < nframes; ++i) {
    Dl_info info{};
    if (!dladdr(frames[i], &info) || !info.dli_fname) continue;
    if (self.dli_fname && std::strcmp(info.dli_fname, self.dli_fname) == 0) continue;
    if (object.empty()) object = info.dli_fname;
    if (object != info.dli_fname) continue;
    offsets.push_back(reinterpret_cast<uintptr_t>(frames[i]) - reinterpret_cast<uintptr_t>(info.dli_fbase) - 1);
  }
  if (object.empty() || offsets.empty() || object.find('\'') != std::string::npos) return "";
  std::string cmd = cat("addr2line -a -f -i -C -e '", object, "'");
  for (uintptr_t off : offsets) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " 0x%llx", static_cast<unsigned long long>(off));
    cmd += buf;
  }
  cmd += " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return "";
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) {
    std::string l(buf);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    lines.push_back(l);
  }
  pclose(pipe);
  // Output: "0xADDR" then (function, file:line) pairs, innermost inlined call first.
  std::string found;
  for (size_t i = 0; i < lines.size() && found.empty(); ++i) {
    if (lines[i].rfind("0x", 0) == 0) continue;
    if (i + 1 >= lines.size()) break;
    const std::string& fn = lines[i];
    const std::string& where = lines[++i];
    // The launch stub: nothing of the kernel's own is further out. (With -g1 a kernel inlined into its
    // stub is named after the stub, so the stub is told by its file, not by the function name.)
    if (where.find("<ascendpy launch stubs>") != std::string::npos) break;
    const size_t helper = fn.find("apy_");  // generated helpers: "apy_copy_in<float>(...)", "void apy_..."
    if ((helper != std::string::npos && (helper == 0 || fn[helper - 1] == ' ')) ||
        where.find("/ascendpy_sim/") != std::string::npos ||
        where.find("kernel_operator.h") != std::string::npos || where.rfind("??", 0) == 0) {
      continue;
    }
    std::string w = where;
    const size_t disc = w.find(" (discriminator");
    if (disc != std::string::npos) w.erase(disc);
    if (w.size() > 2 && w.compare(w.size() - 2, 2, ":0") == 0) continue;
    found = w;
  }
  return found;
}

std::string fault_location(const ascendpy_sim::KernelFault& e) {
  if (e.file) return cat(e.file, ":", e.line);
  return frames_location(e.frames, e.nframes);
}

// what(), with the fault's second location (KernelFault::other_frames) filled in.
std::string fault_detail(const ascendpy_sim::KernelFault& e) {
  std::string what = e.what();
  const std::string marker = ASCENDPY_SIM_OTHER_AT;
  const size_t at = what.find(marker);
  if (at == std::string::npos) return what;
  const std::string other = e.other_nframes > 0 ? frames_location(e.other_frames, e.other_nframes) : "";
  what.replace(at, marker.size(), other.empty() ? std::string() : cat(" at ", other));
  return what;
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && d) ? d : name;
  std::free(d);
  return out;
}

struct LaunchSpec {
  std::shared_ptr<Func> func;
  int64_t num_blocks = 1;
  std::vector<uint8_t> blob;
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> placeholders;  // (offset, host data)
  std::shared_ptr<Alloc> dev_args;  // aclrtLaunchKernel: args read from device memory at run time
  uintptr_t dev_args_ptr = 0;
  size_t dev_args_size = 0;
  std::vector<std::shared_ptr<Alloc>> pins;  // allocations the arguments point into
  std::shared_ptr<const GmRegions> regions;   // what the pointer arguments reach, if the caller said
};

// The physical cores a launch of f runs its blocks on at once, and their name: SyncAll's block limit.
int64_t sync_all_limit(const Func& f, const SocInfo& soc) {
  if (std::strncmp(soc.name, "Ascend310P", 10) == 0) return soc.ai_cores;
  return f.ktype == kMixAiv10 || f.ktype == kAivOnly ? soc.vector_cores : soc.ai_cores;
}
const char* sync_all_cores(const Func& f, const SocInfo& soc) {
  if (std::strncmp(soc.name, "Ascend310P", 10) == 0) return "AI Cores";
  if (f.ktype == kMixAiv10 || f.ktype == kAivOnly) return "vector cores (AIVs)";
  return f.ktype == kMixAic11 || f.ktype == kMixAic12 ? "AI Cores (AIC + AIV groups)" : "cube cores (AICs)";
}

// The cores of a mix launch of `num` blocks (see Gang).
// A kernel that calls SyncAll but is not a mix kernel on 910B (an AIV-only or AIC-only one, or any kernel on a
// coupled 310P) runs as a gang too, one core per unit, without the cross-core scheduler: its blocks must all be
// resident to meet in a (soft) SyncAll.
std::shared_ptr<Gang> make_gang(const Func& f, int64_t num, const SocInfo& soc, const std::atomic<bool>* cancel) {
  auto g = std::make_shared<Gang>();
  const bool coupled = std::strncmp(soc.name, "Ascend310P", 10) == 0;
  g->kernel = f.name;
  g->ktype = f.ktype;
  g->xc = !coupled && f.ktype >= kMixAiv10 && f.ktype <= kMixAic12;
  g->aic = f.ktype == kMixAiv10 || f.ktype == kAivOnly || coupled ? 0 : 1;
  g->aiv = g->aic == 0 ? 1 : f.ktype == kMixAic12 ? 2 : f.ktype == kMixAic10 || f.ktype == kAicOnly ? 0 : 1;
  g->units = num;
  g->cap = sync_all_limit(f, soc);
  g->cancel = cancel;
  g->alive.assign(static_cast<size_t>(num), 0);
  g->cores.resize(static_cast<size_t>(num * g->per_unit()));
  for (int64_t u = 0; u < num; ++u) {
    for (int k = 0; k < g->per_unit(); ++k) {
      GangCore& c = g->at(u, k);
      c.block = u;
      c.core = coupled ? kCoreMix : k < g->aic ? kCoreAic : kCoreAiv;
      c.sub = k - g->aic < 0 ? 0 : k - g->aic;
    }
  }
  return g;
}

void run_launch(Stream& stream, LaunchSpec& spec) {
  State& s = st();
  std::vector<uint8_t> blob;
  if (spec.dev_args) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(spec.dev_args_ptr);
    blob.assign(p, p + spec.dev_args_size);
  } else {
    blob = spec.blob;
  }
  std::vector<std::shared_ptr<Alloc>> temps;
  for (auto& ph : spec.placeholders) {
    const size_t n = ph.second.size();
    auto a = make_alloc(n, round_up(n, 32) + 32, stream.device);
    if (!a) {
      stream.fault(ACL_ERROR_RT_MEMORY_ALLOCATION,
                   cat("kernel '", spec.func->name, "': no memory for a placeholder of ", n, " bytes"));
      break;
    }
    std::memcpy(a->mem, ph.second.data(), n);
    const uint64_t addr = a->base;
    std::memcpy(blob.data() + ph.first, &addr, sizeof addr);
    temps.push_back(a);
  }
  if (temps.size() == spec.placeholders.size()) {
    {
      Lock lk(s.mu);
      for (auto& a : temps) s.register_alloc(a);
    }
    if (blob.empty()) blob.resize(8, 0);
    const Func* f = spec.func.get();
    const uint8_t* args = blob.data();
    const uint64_t size = blob.size();
    const int64_t num = spec.num_blocks;
    const GmRegions* regions = spec.regions.get();
    auto job = std::make_shared<Job>();
    job->num = num;
    // The kernel's type decides which cores run (910B); a coupled 310P runs numBlocks AI Cores whatever it says.
    const int32_t ktype = f->ktype;
    const SocInfo* soc = effective_soc();
    const bool coupled = std::strncmp(soc->name, "Ascend310P", 10) == 0;
    job->core = __ascendpy_sim_core_t{0, num, 0, 1, coupled ? kCoreMix : ktype == kAicOnly ? kCoreAic : kCoreAiv,
                                      ktype};
    if ((!coupled && ktype >= kMixAiv10 && ktype <= kMixAic12) || f->sync_all) {
      job->gang = make_gang(*f, num, *soc, &job->cancel);
    }
    const bool split = job->gang != nullptr && job->gang->xc;
    job->body = [f, args, size, num, regions, split](const __ascendpy_sim_core_t& core) -> std::string {
      tl_core = core;
      tl_regions = regions;
      const int64_t b = core.block_idx;
      // "block B" for a block of an AIV-only kernel (and a coupled core); "block B AIC", "block B AIV S" else.
      // Built only for a fault: an ostringstream per block would cost AIV-only launches 0.2 us a block.
      auto who = [&core, b, split] {
        return core.core_type == kCoreAic ? cat(b, " AIC")
               : split && core.kernel_type >= kMixAic11 ? cat(b, " AIV ", core.sub_block_idx)
               : split ? cat(b, " AIV") : cat(b);
      };
      std::string err;
      try {
        f->entry(args, size);
      } catch (const ascendpy_sim::KernelFault& e) {
        const std::string where = fault_location(e);
        err = cat("kernel '", f->name, "' block ", who(), ": ", e.kind, where.empty() ? "" : " at ", where, ": ",
                  fault_detail(e));
      } catch (abi::__forced_unwind&) {
        tl_core = kNoCore;
        tl_regions = nullptr;
        throw;
      } catch (const std::exception& e) {
        err = cat("kernel '", f->name, "' block ", who(), ": ", demangle(typeid(e).name()), ": ", e.what());
      } catch (...) {
        err = cat("kernel '", f->name, "' block ", who(), ": unknown exception: the kernel threw a value that is "
                  "not a std::exception");
      }
      tl_core = kNoCore;
      tl_regions = nullptr;
      return err;
    };
    bool cancelled;
    {
      std::lock_guard<std::mutex> g(stream.m);
      cancelled = stream.aborting;  // an abort began after this task left the queue: do not start it
      if (!cancelled) {
        stream.running = job;
        stream.running_name = f->name;
      }
    }
    if (!cancelled) {
      pool().run(job);
      std::lock_guard<std::mutex> g(stream.m);
      stream.running = nullptr;
      stream.running_name.clear();
      cancelled = job->cancel.load();
    }
    // A block stopped by aclrtStreamAbort is no fault of the kernel: abort_stream reports it.
    if (!job->fault.empty() && !(cancelled && job->fault_is_cancel)) {
      stream.fault(ACL_ERROR_RT_VECTOR_CORE_EXCEPTION, job->fault);
    }
    if (cancelled) {
      std::string report = job->fault_is_cancel ? job->fault
                                                : cat("kernel '", f->name, "': cancelled when ", job->next, " of its ",
                                                      num, " block(s) had started");
      std::lock_guard<std::mutex> g(stream.m);
      stream.abort_report = std::move(report);
    }
  }
  Lock lk(s.mu);
  for (auto& a : temps) s.unregister_alloc(a);
}

// Pin every live device allocation an 8-byte-aligned word of the arguments
// points into, so that freeing a buffer while a queued launch uses it cannot
// pull the memory from under the kernel.
std::vector<std::shared_ptr<Alloc>> pin_pointers(State& s, const std::vector<uint8_t>& blob) {
  std::vector<std::shared_ptr<Alloc>> pins;
  for (size_t off = 0; off + 8 <= blob.size(); off += 8) {
    uint64_t v;
    std::memcpy(&v, blob.data() + off, 8);
    if (v == 0) continue;
    auto a = find_alloc(s.dev_allocs, reinterpret_cast<const void*>(static_cast<uintptr_t>(v)));
    if (a && std::find(pins.begin(), pins.end(), a) == pins.end()) pins.push_back(a);
  }
  return pins;
}

// ------------------------------------------------------------- memory checks
aclError check_device_range(State& s, const void* p, size_t count, const char* role,
                            std::shared_ptr<Alloc>* out) {
  auto a = find_alloc(s.dev_allocs, p);
  if (!a) {
    if (find_alloc(s.host_allocs, p)) {
      return fail(ACL_ERROR_INVALID_PARAM, cat(role, " ", hexp(p), " is host memory from aclrtMallocHost, "
                                               "not device memory"));
    }
    return fail(ACL_ERROR_INVALID_PARAM,
                cat(role, " ", hexp(p), " is not inside a live device allocation (never allocated with "
                    "aclrtMalloc, already freed, or released by aclrtResetDevice/aclFinalize)"));
  }
  const size_t off = static_cast<size_t>(reinterpret_cast<uintptr_t>(p) - a->base);
  if (off > a->size || count > a->size - off) {
    return fail(ACL_ERROR_INVALID_PARAM,
                cat(role, " range [", hexp(p), ", +", count, " bytes) runs past the end of its device "
                    "allocation of ", a->size, " bytes at ", Hex{a->base}, " (offset ", off, ", device ",
                    a->device, ")"));
  }
  *out = a;
  return ACL_SUCCESS;
}

aclError check_host_side(State& s, const void* p, const char* role, int32_t kind) {
  if (auto a = find_alloc(s.dev_allocs, p)) {
    return fail(ACL_ERROR_INVALID_PARAM,
                cat(role, " ", hexp(p), " is device memory (allocation of ", a->size, " bytes at ",
                    Hex{a->base}, " on device ", a->device, "), but the copy kind ", memcpy_kind_name(kind),
                    " says it is host memory"));
  }
  return ACL_SUCCESS;
}

struct CopyPlan {
  void* dst = nullptr;
  const void* src = nullptr;
  size_t count = 0;
  std::shared_ptr<Alloc> dpin, spin;
};

aclError plan_copy(State& s, void* dst, size_t destMax, const void* src, size_t count, int32_t kind,
                   bool async, CopyPlan* plan) {
  if (!dst) return null_arg("dst");
  if (!src) return null_arg("src");
  const char* kname = memcpy_kind_name(kind);
  if (!kname) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("kind ", kind, " is not an aclrtMemcpyKind (valid: 0..7)"));
  }
  if (count > destMax) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("count ", count, " exceeds destMax ", destMax));
  }
  bool dst_dev = false, src_dev = false;
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST: break;
    case ACL_MEMCPY_HOST_TO_DEVICE:
    case ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE: dst_dev = true; break;
    case ACL_MEMCPY_DEVICE_TO_HOST: src_dev = true; break;
    case ACL_MEMCPY_DEFAULT:
      dst_dev = find_alloc(s.dev_allocs, dst) != nullptr;
      src_dev = find_alloc(s.dev_allocs, src) != nullptr;
      break;
    default: dst_dev = src_dev = true; break;
  }
  if (dst_dev) {
    if (aclError e = check_device_range(s, dst, count, "dst", &plan->dpin)) return e;
  } else if (aclError e = check_host_side(s, dst, "dst", kind)) {
    return e;
  }
  if (src_dev) {
    if (aclError e = check_device_range(s, src, count, "src", &plan->spin)) return e;
  } else if (aclError e = check_host_side(s, src, "src", kind)) {
    return e;
  }
  if (kind == ACL_MEMCPY_INNER_DEVICE_TO_DEVICE && plan->dpin->device != plan->spin->device) {
    return fail(ACL_ERROR_INVALID_PARAM,
                cat("ACL_MEMCPY_INNER_DEVICE_TO_DEVICE copies within one device, but dst is on device ",
                    plan->dpin->device, " and src on device ", plan->spin->device,
                    "; use ACL_MEMCPY_INTER_DEVICE_TO_DEVICE"));
  }
  if (async && dst_dev && src_dev &&
      ((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 63u) != 0) {
    return fail(ACL_ERROR_RT_ADDR_UNALIGNED,
                cat("an asynchronous device-to-device copy needs 64-byte aligned addresses; dst ", hexp(dst),
                    ", src ", hexp(src), " (use aclrtMemcpy, or align the offsets)"));
  }
  plan->dst = dst;
  plan->src = src;
  plan->count = count;
  return ACL_SUCCESS;
}

aclError plan_set(State& s, void* p, size_t maxCount, size_t count, std::shared_ptr<Alloc>* pin) {
  if (!p) return null_arg("devPtr");
  if (count > maxCount) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("count ", count, " exceeds maxCount ", maxCount));
  }
  if (auto h = find_alloc(s.host_allocs, p)) {
    const size_t off = static_cast<size_t>(reinterpret_cast<uintptr_t>(p) - h->base);
    if (off > h->size || count > h->size - off) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("devPtr range [", hexp(p), ", +", count,
                                               " bytes) runs past the end of its host allocation of ",
                                               h->size, " bytes"));
    }
    *pin = h;
    return ACL_SUCCESS;
  }
  return check_device_range(s, p, count, "devPtr", pin);
}

bool valid_policy(int32_t policy) {
  const uint32_t u = static_cast<uint32_t>(policy);
  const uint32_t flags = u & ~0xFFu;
  if ((u & 0xFFu) > 7u) return false;
  if (flags & ~(0x100u | 0x1000u | 0x100000u)) return false;
  if ((flags & 0x100u) && (flags & 0x1000u)) return false;  // low and high band width at once
  return true;
}

aclError do_malloc(void** devPtr, size_t size, int32_t policy, bool pad) {
  State& s = st();
  Lock lk(s.mu);
  if (!s.inited) return not_initialized();
  if (!devPtr) return null_arg("devPtr");
  if (size == 0) return fail(ACL_ERROR_INVALID_PARAM, "size is 0: ACL does not allocate empty buffers");
  if (!valid_policy(policy)) {
    return fail(ACL_ERROR_INVALID_PARAM,
                cat("policy ", Hex{static_cast<uint32_t>(policy)}, " is not an aclrtMemMallocPolicy: a base "
                    "policy 0..7 (ACL_MEM_MALLOC_*), optionally or-ed with one of ACL_MEM_TYPE_LOW_BAND_WIDTH "
                    "(0x100) / ACL_MEM_TYPE_HIGH_BAND_WIDTH (0x1000) and ACL_MEM_ACCESS_USER_SPACE_READONLY "
                    "(0x100000)"));
  }
  std::shared_ptr<Ctx> c;
  if (aclError e = current_ctx(s, &c)) return e;
  if (size > (SIZE_MAX >> 2)) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, cat("cannot allocate ", size, " bytes"));
  }
  const size_t reserved = round_up(size, 32) + (pad ? 32 : 0);
  Dev& d = s.devs[static_cast<size_t>(c->device)];
  if (d.reserved_bytes + reserved > s.soc->hbm_bytes) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                cat("out of device memory on device ", c->device, ": ", size, " bytes requested, ",
                    s.soc->hbm_bytes - d.reserved_bytes, " of ", s.soc->hbm_bytes, " bytes free (", s.soc->name,
                    ")"));
  }
  auto a = make_alloc(size, reserved, c->device);
  if (!a) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                cat("the host could not provide ", reserved, " bytes for a simulated device allocation"));
  }
  s.register_alloc(a);
  *devPtr = a->mem;
  return ACL_SUCCESS;
}

std::string constants_text() {
  std::ostringstream o;
#define APY_EMIT(name, value) o << #name << '=' << static_cast<int64_t>(value) << '\n';
  ASCENDPY_ACL_ERROR_CODES(APY_EMIT)
  ASCENDPY_ACL_ENUM_VALUES(APY_EMIT)
#undef APY_EMIT
  return o.str();
}

}  // namespace

// ============================================================ init / devices

APY_API aclError aclInit(const char* configPath) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (s.inited) return fail(ACL_ERROR_REPEAT_INITIALIZE, "aclInit was already called (call aclFinalize first)");
    const char* checks_env = std::getenv("ASCENDPY_SIM_CHECKS");
    g_fast.store(checks_env && std::strcmp(checks_env, "0") == 0 ? 1 : 0);
    const char* soc_env = std::getenv("ASCENDPY_SIM_SOC");
    const char* soc_name = (soc_env && *soc_env) ? soc_env : kDefaultSoc;
    const SocInfo* soc = find_soc(soc_name);
    if (!soc) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("ASCENDPY_SIM_SOC='", soc_name, "' is not a SoC the simulator knows; "
                                               "valid names: ", soc_names()));
    }
    int64_t ndev = 1;
    const char* dev_env = std::getenv("ASCENDPY_SIM_DEVICES");
    if (dev_env && *dev_env) {
      char* end = nullptr;
      const long long v = std::strtoll(dev_env, &end, 10);
      if (!end || *end != '\0' || v < 1 || v > 64) {
        return fail(ACL_ERROR_INVALID_PARAM,
                    cat("ASCENDPY_SIM_DEVICES='", dev_env, "' must be an integer between 1 and 64"));
      }
      ndev = v;
    }
    if (configPath && *configPath) {
      std::FILE* f = std::fopen(configPath, "rb");
      if (!f) {
        return fail(ACL_ERROR_INVALID_FILE, cat("cannot open the aclInit config file '", configPath, "': ",
                                                std::strerror(errno)));
      }
      std::fclose(f);
    }
    s.soc = soc;
    g_soc.store(soc, std::memory_order_release);
    s.devs.assign(static_cast<size_t>(ndev), Dev{});
    s.inited = true;
    tl_ctx = 0;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclFinalize(void) {
  return guarded([&]() -> aclError {
    State& s = st();
    Graveyard g;
    {
      Lock lk(s.mu);
      if (!s.inited) {
        return fail(ACL_ERROR_REPEAT_FINALIZE, "aclFinalize without a matching aclInit (already finalized?)");
      }
      for (size_t d = 0; d < s.devs.size(); ++d) release_device(s, static_cast<int>(d), g);
      std::vector<uint64_t> rest;
      for (auto& kv : s.bins) rest.push_back(kv.first);
      for (uint64_t id : rest) release_binary(s, id, g);
      for (auto& kv : s.host_allocs) g.other.push_back(kv.second);
      s.host_allocs.clear();
      s.devs.clear();
      s.inited = false;
      tl_ctx = 0;
    }
    g.bury();
    return ACL_SUCCESS;
  });
}

APY_API const char* aclGetRecentErrMsg(void) {
  tl_err_out = std::move(tl_err);
  tl_err.clear();
  return tl_err_out.empty() ? nullptr : tl_err_out.c_str();
}

APY_API aclError aclrtGetVersion(int32_t* majorVersion, int32_t* minorVersion, int32_t* patchVersion) {
  if (!majorVersion || !minorVersion || !patchVersion) return null_arg("a version pointer");
  // ACL_MAJOR/MINOR/PATCH_VERSION of the acl_rt.h the simulator follows.
  *majorVersion = 1;
  *minorVersion = 17;
  *patchVersion = 0;
  return ACL_SUCCESS;
}

APY_API const char* aclrtGetSocName(void) {
  State& s = st();
  Lock lk(s.mu);
  if (!s.inited) {
    tl_err = "ACL is not initialized: call aclInit first";
    return nullptr;
  }
  return s.soc->name;
}

APY_API aclError aclrtGetDeviceCount(uint32_t* count) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!count) return null_arg("count");
    *count = static_cast<uint32_t>(s.devs.size());
    return ACL_SUCCESS;
  });
}

// The simulator runs kernels in the host process, like a program on the host side of a card.
APY_API aclError aclrtGetRunMode(int32_t* runMode) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!runMode) return null_arg("runMode");
    *runMode = ACL_HOST;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtSetDevice(int32_t deviceId) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!s.valid_device(deviceId)) return bad_device(s, deviceId);
    Dev& d = s.devs[static_cast<size_t>(deviceId)];
    if (d.default_ctx == 0 || !s.ctxs.count(d.default_ctx)) d.default_ctx = new_ctx(s, deviceId, true)->id;
    d.set_count += 1;
    tl_ctx = d.default_ctx;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtResetDevice(int32_t deviceId) {
  return guarded([&]() -> aclError {
    State& s = st();
    Graveyard g;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (!s.valid_device(deviceId)) return bad_device(s, deviceId);
      Dev& d = s.devs[static_cast<size_t>(deviceId)];
      if (d.set_count > 1) {  // aclrtSetDevice is reference counted
        d.set_count -= 1;
        return ACL_SUCCESS;
      }
      release_device(s, deviceId, g);
    }
    g.bury();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtGetDevice(int32_t* deviceId) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!deviceId) return null_arg("deviceId");
    std::shared_ptr<Ctx> c;
    if (aclError e = current_ctx(s, &c)) return e;
    *deviceId = c->device;
    return ACL_SUCCESS;
  });
}

namespace {
// The *WithTimeout functions take -1 (no limit), 0 (poll) or a positive number of milliseconds.
aclError check_timeout(int32_t timeout) {
  if (timeout >= -1) return ACL_SUCCESS;
  return fail(ACL_ERROR_INVALID_PARAM, cat("timeout ", timeout, " ms is invalid: use -1 (no limit), 0 (poll) "
                                           "or a positive number of milliseconds"));
}

std::string stream_timeout_text(Stream& str, int64_t timeout_ms) {
  return cat("stream ", Hex{str.id}, " still has ", str.pending(), " unfinished task(s) after ", timeout_ms, " ms");
}

std::string aborted_while_waiting(const Stream& str) {
  return cat("stream ", Hex{str.id}, " was aborted (aclrtStreamAbort) while this call waited for it: the work it "
             "waited for was dropped or cancelled");
}

// Waits for every stream (all within timeout_ms when >= 0: no fault is taken if one is late),
// then reports the first fault, failure or abort among them.
aclError sync_streams(std::vector<std::shared_ptr<Stream>> streams, int64_t timeout_ms = -1) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  std::vector<Waited> how;
  for (auto& str : streams) {
    int64_t left = -1;
    if (timeout_ms >= 0) {
      left = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    }
    const Waited w = str->wait(left);
    if (w == Waited::kTimeout) return fail(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT, stream_timeout_text(*str, timeout_ms));
    how.push_back(w);
  }
  std::string first;
  aclError code = ACL_SUCCESS;
  size_t more = 0;
  for (size_t i = 0; i < streams.size(); ++i) {
    Stream* str = streams[i].get();
    std::string msg;
    aclError e = str->take_fault(&msg);
    if (!e && how[i] == Waited::kAborted) {
      e = ACL_ERROR_RT_STREAM_ABORT;
      msg = aborted_while_waiting(*str);
    }
    if (e) {
      if (code == ACL_SUCCESS) {
        code = e;
        first = std::move(msg);
      } else {
        ++more;
      }
    }
  }
  if (code != ACL_SUCCESS) {
    if (more) first += cat(" (and faults on ", more, " other stream(s))");
    return fail(code, first);
  }
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtSynchronizeDevice(void) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::vector<std::shared_ptr<Stream>> streams;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      std::shared_ptr<Ctx> c;
      if (aclError e = current_ctx(s, &c)) return e;
      for (auto& kv : s.streams) {
        if (kv.second->device == c->device) streams.push_back(kv.second);
      }
    }
    return sync_streams(std::move(streams));
  });
}

// ACL_ERROR_RT_STREAM_SYNC_TIMEOUT when the device's streams are not all done within `timeout` ms.
APY_API aclError aclrtSynchronizeDeviceWithTimeout(int32_t timeout) {
  return guarded([&]() -> aclError {
    if (aclError e = check_timeout(timeout)) return e;
    State& s = st();
    std::vector<std::shared_ptr<Stream>> streams;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      std::shared_ptr<Ctx> c;
      if (aclError e = current_ctx(s, &c)) return e;
      for (auto& kv : s.streams) {
        if (kv.second->device == c->device) streams.push_back(kv.second);
      }
    }
    return sync_streams(std::move(streams), timeout);
  });
}

APY_API aclError aclGetDeviceCapability(uint32_t deviceId, aclDeviceInfo deviceInfo, int64_t* value) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!value) return null_arg("value");
    if (!s.valid_device(deviceId)) return bad_device(s, deviceId);
    switch (deviceInfo) {
      case ACL_DEVICE_INFO_AI_CORE_NUM: *value = s.soc->ai_cores; return ACL_SUCCESS;
      case ACL_DEVICE_INFO_VECTOR_CORE_NUM: *value = s.soc->vector_cores; return ACL_SUCCESS;
      case ACL_DEVICE_INFO_L2_SIZE: *value = static_cast<int64_t>(s.soc->l2_bytes); return ACL_SUCCESS;
      default:
        return fail(ACL_ERROR_INVALID_PARAM, cat("deviceInfo ", deviceInfo, " is not an aclDeviceInfo "
                                                 "(AI_CORE_NUM=0, VECTOR_CORE_NUM=1, L2_SIZE=2)"));
    }
  });
}

APY_API aclError aclrtGetDeviceInfo(uint32_t deviceId, aclrtDevAttr attr, int64_t* value) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!value) return null_arg("value");
    if (!s.valid_device(deviceId)) return bad_device(s, deviceId);
    switch (attr) {
      case ACL_DEV_ATTR_AICORE_CORE_NUM:
      case ACL_DEV_ATTR_CUBE_CORE_NUM: *value = s.soc->ai_cores; return ACL_SUCCESS;
      case ACL_DEV_ATTR_VECTOR_CORE_NUM: *value = s.soc->vector_cores; return ACL_SUCCESS;
      case ACL_DEV_ATTR_UBUF_PER_VECTOR_CORE: *value = static_cast<int64_t>(s.soc->ub_bytes); return ACL_SUCCESS;
      case ACL_DEV_ATTR_TOTAL_GLOBAL_MEM_SIZE: *value = static_cast<int64_t>(s.soc->hbm_bytes); return ACL_SUCCESS;
      case ACL_DEV_ATTR_L2_CACHE_SIZE: *value = static_cast<int64_t>(s.soc->l2_bytes); return ACL_SUCCESS;
      default:
        return fail(ACL_ERROR_FEATURE_UNSUPPORTED,
                    cat("aclrtDevAttr ", attr, " is not simulated (supported: 101, 102, 201, 204, 301, 302)"));
    }
  });
}

// ================================================================== contexts

APY_API aclError aclrtCreateContext(aclrtContext* context, int32_t deviceId) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!context) return null_arg("context");
    if (!s.valid_device(deviceId)) return bad_device(s, deviceId);
    auto c = new_ctx(s, deviceId, false);
    tl_ctx = c->id;
    *context = to_handle(c->id);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtDestroyContext(aclrtContext context) {
  return guarded([&]() -> aclError {
    State& s = st();
    Graveyard g;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      std::shared_ptr<Ctx> c;
      if (aclError e = lookup(s, s.ctxs, context, kCtx, &c)) return e;
      if (c->is_default) {
        return fail(ACL_ERROR_INVALID_PARAM, cat("context ", Hex{c->id}, " is the default context of device ",
                                                 c->device, " (made by aclrtSetDevice); aclrtResetDevice "
                                                 "releases it"));
      }
      release_ctx(s, c->id, g);
    }
    g.bury();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtSetCurrentContext(aclrtContext context) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Ctx> c;
    if (aclError e = lookup(s, s.ctxs, context, kCtx, &c)) return e;
    tl_ctx = c->id;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtGetCurrentContext(aclrtContext* context) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!context) return null_arg("context");
    std::shared_ptr<Ctx> c;
    if (aclError e = current_ctx(s, &c)) return e;
    *context = to_handle(c->id);
    return ACL_SUCCESS;
  });
}

// =================================================================== streams

APY_API aclError aclrtCreateStream(aclrtStream* stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!stream) return null_arg("stream");
    std::shared_ptr<Ctx> c;
    if (aclError e = current_ctx(s, &c)) return e;
    *stream = to_handle(new_stream(s, *c, false)->id);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtCreateStreamWithConfig(aclrtStream* stream, uint32_t priority, uint32_t flag) {
  return guarded([&]() -> aclError {
    (void)priority;  // the simulator schedules streams fairly
    const uint32_t known = ACL_STREAM_FAST_LAUNCH | ACL_STREAM_FAST_SYNC | ACL_STREAM_PERSISTENT | ACL_STREAM_HUGE |
                           ACL_STREAM_CPU_SCHEDULE | ACL_STREAM_DEVICE_USE_ONLY;
    if (flag & ~known) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("stream flag ", Hex{flag}, " has bits that are not ACL_STREAM_* "
                                               "flags (known: ", Hex{known}, ")"));
    }
    return aclrtCreateStream(stream);
  });
}

APY_API aclError aclrtDestroyStream(aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Stream> str;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (aclError e = lookup(s, s.streams, stream, kStream, &str)) return e;
      s.streams.erase(str->id);
    }
    str->shutdown();  // runs what is still queued
    return ACL_SUCCESS;
  });
}

namespace {
aclError sync_one(aclrtStream stream, int64_t timeout_ms) {
  State& s = st();
  std::shared_ptr<Stream> str;
  {
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (aclError e = resolve_stream(s, stream, &str)) return e;
  }
  const Waited w = str->wait(timeout_ms);
  if (w == Waited::kTimeout) return fail(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT, stream_timeout_text(*str, timeout_ms));
  std::string msg;
  if (aclError e = str->take_fault(&msg)) return fail(e, msg);
  if (w == Waited::kAborted) return fail(ACL_ERROR_RT_STREAM_ABORT, aborted_while_waiting(*str));
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtSynchronizeStream(aclrtStream stream) {
  return guarded([&]() -> aclError { return sync_one(stream, -1); });
}

// aclrtStreamStatus: ACL_STREAM_STATUS_COMPLETE = 0, ACL_STREAM_STATUS_NOT_READY = 1.
APY_API aclError aclrtStreamQuery(aclrtStream stream, int32_t* status) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!status) return null_arg("status");
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    std::lock_guard<std::mutex> g(str->m);
    *status = str->done == str->enq ? 0 : 1;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout) {
  return guarded([&]() -> aclError {
    if (aclError e = check_timeout(timeout)) return e;
    return sync_one(stream, timeout);
  });
}

namespace {
// How long aclrtStreamAbort waits for a cancelled kernel to reach its next AscendC API call.
constexpr int64_t kAbortGraceMs = 400;

// Streams whose worker is stuck in a kernel that ignored an abort. Never freed: that thread
// still runs in them (and in the kernel library, which their queued launch keeps loaded).
void keep_failed_stream(std::shared_ptr<Stream> str) {
  static std::mutex* mu = new std::mutex();
  static auto* kept = new std::vector<std::shared_ptr<Stream>>();
  std::lock_guard<std::mutex> g(*mu);
  kept->push_back(std::move(str));
}

// aclrtStreamAbort: drops the queued tasks (an event record among them completes as aborted),
// cancels the running launch (its blocks stop at their next AscendC API call, or were not
// started), and waits up to kAbortGraceMs for it. A kernel that does not stop leaves the stream
// failed: every later use is refused with ACL_ERROR_RT_STREAM_ABORT, and the pool threads its
// blocks hold are replaced, so other streams keep running.
aclError abort_stream(const std::shared_ptr<Stream>& str) {
  std::deque<Stream::Queued> dropped;
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> g(str->m);
    if (!str->failed.empty()) return fail(ACL_ERROR_RT_STREAM_ABORT, str->failed);
    if (str->aborting) {
      return fail(ACL_ERROR_RT_STREAM_ABORT, cat("stream ", Hex{str->id}, " is already being aborted on another "
                                                 "thread"));
    }
    str->aborting = true;
    ++str->aborts;
    str->abort_report.clear();
    dropped.swap(str->q);
    str->done += dropped.size();
    job = str->running;
    str->cv.notify_all();
  }
  for (auto& d : dropped) {
    if (d.discard) d.discard();
  }
  if (job) pool().cancel(job);
  std::string failed;
  {
    std::unique_lock<std::mutex> lk(str->m);
    const bool stopped =
        str->cv.wait_for(lk, std::chrono::milliseconds(kAbortGraceMs), [&] { return str->done >= str->enq; });
    const std::string dropped_text = cat(dropped.size(), " queued task(s) dropped");
    if (stopped) {
      str->abort_report = str->abort_report.empty() ? dropped_text : cat(str->abort_report, "; ", dropped_text);
    } else {
      const std::string what = str->running_name.empty() ? std::string("the running task")
                                                         : cat("kernel '", str->running_name, "'");
      failed = cat("stream ", Hex{str->id}, " was aborted (aclrtStreamAbort) but ", what, " did not stop within ",
                   kAbortGraceMs, " ms: the simulator stops a kernel at its next AscendC API call, and this one runs "
                   "a loop that makes none. The stream is failed and refuses all work: destroy it and use a new "
                   "stream (other streams are not affected; the kernel's thread runs on until the process exits)");
      str->failed = failed;
      str->abort_report = failed;
    }
    str->aborting = false;
    str->cv.notify_all();
  }
  if (failed.empty()) return ACL_SUCCESS;
  keep_failed_stream(str);
  if (job) pool().abandon(job);
  return fail(ACL_ERROR_RT_STREAM_ABORT, failed);
}
}  // namespace

// Stops the stream's running task and drops its queued ones (CANN 8.1 acl_rt.h; NULL is refused,
// as in 8.1). A wait that the abort interrupts returns ACL_ERROR_RT_STREAM_ABORT.
APY_API aclError aclrtStreamAbort(aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Stream> str;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (!stream) {
        return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamAbort does not take the NULL (default) stream: pass the "
                                             "stream to abort");
      }
      if (aclError e = lookup(s, s.streams, stream, kStream, &str)) return e;
    }
    return abort_stream(str);
  });
}

// ==================================================================== events

namespace {
aclError create_event(aclrtEvent* event, uint32_t flags, bool timeline) {
  State& s = st();
  Lock lk(s.mu);
  if (!s.inited) return not_initialized();
  if (!event) return null_arg("event");
  std::shared_ptr<Ctx> c;
  if (aclError e = current_ctx(s, &c)) return e;
  auto ev = std::make_shared<Event>();
  ev->id = s.new_id(kEvent);
  ev->ctx = c->id;
  ev->flags = flags;
  ev->timeline = timeline;
  s.events[ev->id] = ev;
  *event = to_handle(ev->id);
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtCreateEvent(aclrtEvent* event) {
  return guarded([&]() -> aclError { return create_event(event, ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE, true); });
}

APY_API aclError aclrtCreateEventWithFlag(aclrtEvent* event, uint32_t flag) {
  return guarded([&]() -> aclError {
    const uint32_t known = ACL_EVENT_SYNC | ACL_EVENT_CAPTURE_STREAM_PROGRESS | ACL_EVENT_TIME_LINE |
                           ACL_EVENT_DEVICE_USE_ONLY | ACL_EVENT_EXTERNAL | ACL_EVENT_IPC;
    if (flag & ~known) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("event flag ", Hex{flag}, " has bits that are not ACL_EVENT_* flags "
                                               "(known: ", Hex{known}, ")"));
    }
    return create_event(event, flag, (flag & ACL_EVENT_TIME_LINE) != 0);
  });
}

APY_API aclError aclrtDestroyEvent(aclrtEvent event) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Event> ev;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (aclError e = lookup(s, s.events, event, kEvent, &ev)) return e;
      s.events.erase(ev->id);
    }
    ev->destroy();  // releases streams waiting on it
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Event> ev;
    if (aclError e = lookup(s, s.events, event, kEvent, &ev)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    uint64_t seq;
    {
      std::lock_guard<std::mutex> g(ev->m);
      seq = ++ev->rec_enq;
    }
    // Completed after the stream counts the record as done: whoever sees the event complete
    // then also sees the stream idle if nothing was queued after it (aclrtStreamQuery).
    aclError e = str->push([ev, seq](Stream& self) { self.after_done = [ev, seq] { ev->complete(seq); }; },
                           [ev, seq] { ev->complete(seq, true); });
    if (e) ev->complete(seq, true);  // refused by a failed stream: waiting for this record must not hang
    return e;
  });
}

namespace {
aclError sync_event(aclrtEvent event, int64_t timeout_ms) {
  State& s = st();
  std::shared_ptr<Event> ev;
  {
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (aclError e = lookup(s, s.events, event, kEvent, &ev)) return e;
  }
  uint64_t target;
  {
    std::lock_guard<std::mutex> g(ev->m);
    target = ev->rec_enq;
  }
  if (!ev->wait_for(target, timeout_ms)) {
    return fail(ACL_ERROR_RT_EVENT_SYNC_TIMEOUT,
                cat("event ", Hex{ev->id}, " has not completed after ", timeout_ms, " ms: the work queued before its "
                    "record is still running"));
  }
  std::lock_guard<std::mutex> g(ev->m);
  if (ev->aborted && !ev->destroyed && target > 0) {
    return fail(ACL_ERROR_RT_STREAM_ABORT, cat("event ", Hex{ev->id}, " will not complete: the stream it was recorded "
                                               "on was aborted (aclrtStreamAbort) before reaching the record"));
  }
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtSynchronizeEvent(aclrtEvent event) {
  return guarded([&]() -> aclError { return sync_event(event, -1); });
}

// ACL_ERROR_RT_EVENT_SYNC_TIMEOUT when the event has not completed within `timeout` ms.
APY_API aclError aclrtSynchronizeEventWithTimeout(aclrtEvent event, int32_t timeout) {
  return guarded([&]() -> aclError {
    if (aclError e = check_timeout(timeout)) return e;
    return sync_event(event, timeout);
  });
}

APY_API aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!status) return null_arg("status");
    std::shared_ptr<Event> ev;
    if (aclError e = lookup(s, s.events, event, kEvent, &ev)) return e;
    std::lock_guard<std::mutex> g(ev->m);
    *status = (ev->rec_enq > 0 && ev->rec_done >= ev->rec_enq) ? ACL_EVENT_RECORDED_STATUS_COMPLETE
                                                               : ACL_EVENT_RECORDED_STATUS_NOT_READY;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtEventElapsedTime(float* ms, aclrtEvent startEvent, aclrtEvent endEvent) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!ms) return null_arg("ms");
    std::shared_ptr<Event> ev[2];
    if (aclError e = lookup(s, s.events, startEvent, kEvent, &ev[0])) return e;
    if (aclError e = lookup(s, s.events, endEvent, kEvent, &ev[1])) return e;
    Clock::time_point t[2];
    const char* which[2] = {"startEvent", "endEvent"};
    for (int i = 0; i < 2; ++i) {
      std::lock_guard<std::mutex> g(ev[i]->m);
      if (!ev[i]->timeline) {
        return fail(ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID,
                    cat(which[i], " was created without ACL_EVENT_TIME_LINE, so it carries no timestamp"));
      }
      if (ev[i]->rec_enq == 0) {
        return fail(ACL_ERROR_RT_EVENT_NOT_COMPLETE, cat(which[i], " was never recorded (aclrtRecordEvent)"));
      }
      if (ev[i]->rec_done < ev[i]->rec_enq) {
        return fail(ACL_ERROR_RT_EVENT_NOT_COMPLETE,
                    cat(which[i], " has not completed yet: synchronize its stream or the event first"));
      }
      t[i] = ev[i]->ts;
    }
    if (t[1] < t[0]) {
      return fail(ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL, "endEvent completed before startEvent");
    }
    *ms = std::chrono::duration<float, std::milli>(t[1] - t[0]).count();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Event> ev;
    if (aclError e = lookup(s, s.events, event, kEvent, &ev)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    uint64_t target;
    {
      std::lock_guard<std::mutex> g(ev->m);
      target = ev->rec_enq;
    }
    if (target == 0) return ACL_SUCCESS;  // never recorded: nothing to wait for
    return str->push([ev, target](Stream& self) {
      while (!ev->wait_for(target, 10)) {
        if (self.aborting) return;  // aclrtStreamAbort of the waiting stream
      }
    });
  });
}

// ==================================================================== memory

APY_API aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  return guarded([&]() -> aclError { return do_malloc(devPtr, size, policy, true); });
}

APY_API aclError aclrtMallocAlign32(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  return guarded([&]() -> aclError { return do_malloc(devPtr, size, policy, false); });
}

APY_API aclError aclrtFree(void* devPtr) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Alloc> a;  // released after the lock
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!devPtr) return null_arg("devPtr");
    auto it = s.dev_allocs.find(reinterpret_cast<uintptr_t>(devPtr));
    if (it == s.dev_allocs.end()) {
      if (auto inner = find_alloc(s.dev_allocs, devPtr)) {
        return fail(ACL_ERROR_INVALID_PARAM,
                    cat("devPtr ", hexp(devPtr), " is ", reinterpret_cast<uintptr_t>(devPtr) - inner->base,
                        " bytes into the allocation at ", Hex{inner->base}, "; aclrtFree takes the address "
                        "aclrtMalloc returned"));
      }
      if (find_alloc(s.host_allocs, devPtr)) {
        return fail(ACL_ERROR_INVALID_PARAM, cat("devPtr ", hexp(devPtr), " is host memory from aclrtMallocHost; "
                                                 "free it with aclrtFreeHost"));
      }
      return fail(ACL_ERROR_INVALID_PARAM,
                  cat("devPtr ", hexp(devPtr), " is not a live device allocation (already freed, released by "
                      "aclrtResetDevice/aclFinalize, or never allocated with aclrtMalloc)"));
    }
    a = it->second;
    s.unregister_alloc(a);
    lk.unlock();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtMallocHost(void** hostPtr, size_t size) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!hostPtr) return null_arg("hostPtr");
    if (size == 0) return fail(ACL_ERROR_INVALID_PARAM, "size is 0");
    if (size > (SIZE_MAX >> 2)) return fail(ACL_ERROR_BAD_ALLOC, cat("cannot allocate ", size, " bytes"));
    auto a = make_alloc(size, round_up(size, 32), -1);
    if (!a) return fail(ACL_ERROR_BAD_ALLOC, cat("the host could not provide ", size, " bytes"));
    s.host_allocs[a->base] = a;
    *hostPtr = a->mem;
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtFreeHost(void* hostPtr) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Alloc> a;
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!hostPtr) return null_arg("hostPtr");
    auto it = s.host_allocs.find(reinterpret_cast<uintptr_t>(hostPtr));
    if (it == s.host_allocs.end()) {
      if (find_alloc(s.dev_allocs, hostPtr)) {
        return fail(ACL_ERROR_INVALID_PARAM, cat("hostPtr ", hexp(hostPtr), " is device memory; free it with "
                                                 "aclrtFree"));
      }
      return fail(ACL_ERROR_INVALID_PARAM, cat("hostPtr ", hexp(hostPtr), " is not a live allocation of "
                                               "aclrtMallocHost (already freed?)"));
    }
    a = it->second;
    s.host_allocs.erase(it);
    lk.unlock();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  return guarded([&]() -> aclError {
    State& s = st();
    CopyPlan plan;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (aclError e = plan_copy(s, dst, destMax, src, count, kind, false, &plan)) return e;
    }
    if (plan.count) std::memmove(plan.dst, plan.src, plan.count);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                                  aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    auto plan = std::make_shared<CopyPlan>();
    if (aclError e = plan_copy(s, dst, destMax, src, count, kind, true, plan.get())) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    return str->push([plan](Stream&) {
      if (plan->count) std::memmove(plan->dst, plan->src, plan->count);
    });
  });
}

APY_API aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  return guarded([&]() -> aclError {
    State& s = st();
    std::shared_ptr<Alloc> pin;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (aclError e = plan_set(s, devPtr, maxCount, count, &pin)) return e;
    }
    if (count) std::memset(devPtr, value, count);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtMemsetAsync(void* devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Alloc> pin;
    if (aclError e = plan_set(s, devPtr, maxCount, count, &pin)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    return str->push([pin, devPtr, value, count](Stream&) {
      if (count) std::memset(devPtr, value, count);
    });
  });
}

APY_API aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t* free, size_t* total) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    if (!free) return null_arg("free");
    if (!total) return null_arg("total");
    if (attr < ACL_DDR_MEM || attr > ACL_MEM_P2P_HUGE1G) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("attr ", attr, " is not an aclrtMemAttr (0..17)"));
    }
    std::shared_ptr<Ctx> c;
    if (aclError e = current_ctx(s, &c)) return e;
    const Dev& d = s.devs[static_cast<size_t>(c->device)];
    *total = static_cast<size_t>(s.soc->hbm_bytes);
    *free = static_cast<size_t>(s.soc->hbm_bytes - d.reserved_bytes);
    return ACL_SUCCESS;
  });
}

// ============================================================ kernel binaries

APY_API aclError aclrtBinaryLoadFromFile(const char* binPath, aclrtBinaryLoadOptions* options,
                                         aclrtBinHandle* binHandle) {
  return guarded([&]() -> aclError {
    State& s = st();
    int device = 0;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      if (!binPath || !*binPath) return null_arg("binPath");
      if (!binHandle) return null_arg("binHandle");
      if (options) {
        if (options->numOpt && !options->options) return null_arg("options->options");
        for (size_t i = 0; i < options->numOpt; ++i) {
          const aclrtBinaryLoadOption& o = options->options[i];
          if (o.type == ACL_RT_BINARY_LOAD_OPT_LAZY_LOAD || o.type == ACL_RT_BINARY_LOAD_OPT_CPU_KERNEL_MODE) continue;
          if (o.type == ACL_RT_BINARY_LOAD_OPT_MAGIC) {
            const uint32_t m = o.value.magic;
            if (m == ACL_RT_BINARY_MAGIC_ELF_AICORE || m == ACL_RT_BINARY_MAGIC_ELF_VECTOR_CORE ||
                m == ACL_RT_BINARY_MAGIC_ELF_CUBE_CORE) {
              continue;
            }
            return fail(ACL_ERROR_INVALID_PARAM, cat("options[", i, "]: magic ", Hex{m}, " is not an "
                                                     "ACL_RT_BINARY_MAGIC_* value"));
          }
          return fail(ACL_ERROR_INVALID_PARAM, cat("options[", i, "]: type ", o.type, " is not an "
                                                   "aclrtBinaryLoadOptionType (1..3)"));
        }
      }
      std::shared_ptr<Ctx> c;
      if (aclError e = current_ctx(s, &c)) return e;
      device = c->device;
    }
    // dlopen runs the library's constructors, which may call into this library:
    // never under the global lock.
    std::string path = binPath;
    if (path.find('/') == std::string::npos) path = "./" + path;
    void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
      const char* why = dlerror();
      return fail(ACL_ERROR_INVALID_FILE, cat("cannot load kernel binary '", binPath, "': ", why ? why : "dlopen failed"));
    }
    auto b = std::make_shared<Binary>();
    b->dl = dl;
    b->path = binPath;
    b->device = device;
    auto names = reinterpret_cast<const char* const*>(dlsym(dl, "__ascendpy_kernel_names"));
    if (!names) {
      return fail(ACL_ERROR_INVALID_FILE,
                  cat("'", binPath, "' does not export __ascendpy_kernel_names, so it is not a kernel library built "
                      "for the ascendpy simulator (ascendpy.toolchain builds them; see ascendpy_sim_abi.h)"));
    }
    for (size_t i = 0; names[i] && i < 100000; ++i) b->kernels.emplace_back(names[i]);
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    b->id = s.new_id(kBinary);
    s.bins[b->id] = b;
    *binHandle = to_handle(b->id);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtBinaryUnLoad(aclrtBinHandle binHandle) {
  return guarded([&]() -> aclError {
    State& s = st();
    Graveyard g;
    {
      Lock lk(s.mu);
      if (!s.inited) return not_initialized();
      std::shared_ptr<Binary> b;
      if (aclError e = lookup(s, s.bins, binHandle, kBinary, &b)) return e;
      release_binary(s, b->id, g);
    }
    g.bury();  // queued launches keep the library loaded until they finish
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtBinaryGetFunction(const aclrtBinHandle binHandle, const char* kernelName,
                                        aclrtFuncHandle* funcHandle) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Binary> b;
    if (aclError e = lookup(s, s.bins, binHandle, kBinary, &b)) return e;
    if (!kernelName) return null_arg("kernelName");
    if (!funcHandle) return null_arg("funcHandle");
    auto known = b->funcs.find(kernelName);
    if (known != b->funcs.end() && s.funcs.count(known->second)) {
      *funcHandle = to_handle(known->second);
      return ACL_SUCCESS;
    }
    const std::string name = kernelName;
    auto entry = reinterpret_cast<EntryFn>(dlsym(b->dl, ("__ascendpy_entry_" + name).c_str()));
    const bool listed = std::find(b->kernels.begin(), b->kernels.end(), name) != b->kernels.end();
    if (!entry || !listed) {
      std::string have;
      for (auto& k : b->kernels) have += (have.empty() ? "" : ", ") + k;
      return fail(ACL_ERROR_RT_KERNEL_LOOKUP, cat("no kernel '", name, "' in ", b->path, "; it has: ",
                                                  have.empty() ? "(no kernels)" : have));
    }
    auto layout = reinterpret_cast<const uint64_t*>(dlsym(b->dl, ("__ascendpy_layout_" + name).c_str()));
    if (!layout) {
      return fail(ACL_ERROR_INVALID_FILE, cat(b->path, " exports __ascendpy_entry_", name,
                                              " but not __ascendpy_layout_", name));
    }
    auto f = std::make_shared<Func>();
    f->bin = b;
    f->name = name;
    f->entry = entry;
    if (auto kt = reinterpret_cast<const int32_t*>(dlsym(b->dl, ("__ascendpy_kernel_type_" + name).c_str()))) {
      if (*kt < 0 || *kt >= kKernelTypes) {
        return fail(ACL_ERROR_INVALID_FILE, cat("__ascendpy_kernel_type_", name, " in ", b->path, " is ", *kt,
                                                ", not a KernelMetaType (0..", kKernelTypes - 1, ")"));
      }
      // The 310P types (KERNEL_TYPE_AICORE...) mean nothing on 910B (CANN's op compiler ignores them there).
      f->ktype = *kt <= kMixAic12 ? *kt : kAivOnly;
    }
    if (auto sa = reinterpret_cast<const int32_t*>(dlsym(b->dl, ("__ascendpy_kernel_sync_all_" + name).c_str()))) {
      f->sync_all = *sa != 0;
    }
    const uint64_t n = layout[0];
    f->size = layout[1];
    if (n > 128 || f->size > (1u << 20)) {
      return fail(ACL_ERROR_INVALID_FILE, cat("__ascendpy_layout_", name, " in ", b->path, " is corrupt (", n,
                                              " params, ", f->size, " bytes)"));
    }
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t off = layout[2 + 2 * i], size = layout[3 + 2 * i];
      if (off + size > f->size || size == 0) {
        return fail(ACL_ERROR_INVALID_FILE, cat("__ascendpy_layout_", name, " in ", b->path, ": parameter ", i,
                                                " (offset ", off, ", ", size, " bytes) lies outside the ",
                                                f->size, "-byte argument struct"));
      }
      f->params.emplace_back(off, size);
    }
    f->id = s.new_id(kFunc);
    s.funcs[f->id] = f;
    b->funcs[name] = f->id;
    *funcHandle = to_handle(f->id);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtKernelArgsInit(aclrtFuncHandle funcHandle, aclrtArgsHandle* argsHandle) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    if (!argsHandle) return null_arg("argsHandle");
    auto a = std::make_shared<Args>();
    a->id = s.new_id(kArgs);
    a->func_id = f->id;
    a->func = f;
    a->blob.assign(f->size, 0);
    const size_t n = f->params.size();
    a->is_placeholder.assign(n, 0);
    a->ph_data.resize(n);
    a->ph_ready.assign(n, 0);
    a->extent.assign(n, 0);
    a->has_extent.assign(n, 0);
    s.args[a->id] = a;
    f->bin->args.push_back(a->id);
    *argsHandle = to_handle(a->id);
    return ACL_SUCCESS;
  });
}

namespace {
aclError append_param(aclrtArgsHandle argsHandle, const void* param, size_t paramSize, bool placeholder,
                      aclrtParamHandle* paramHandle) {
  State& s = st();
  Lock lk(s.mu);
  if (!s.inited) return not_initialized();
  std::shared_ptr<Args> a;
  if (aclError e = lookup(s, s.args, argsHandle, kArgs, &a)) return e;
  if (!paramHandle) return null_arg("paramHandle");
  const Func& f = *a->func;
  if (a->finalized) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("the args of kernel '", f.name, "' were already finalized; make a new "
                                             "args handle with aclrtKernelArgsInit"));
  }
  const uint64_t i = a->appended;
  if (i >= f.params.size()) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("kernel '", f.name, "' takes ", f.params.size(), " parameter(s); "
                                             "parameter ", i, " is one too many"));
  }
  const uint64_t off = f.params[i].first, expected = f.params[i].second;
  if (placeholder) {
    if (expected != sizeof(void*)) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", i, " of kernel '", f.name, "' is ", expected,
                                               " bytes; a placeholder must be a pointer (", sizeof(void*), " bytes)"));
    }
  } else {
    if (a->had_placeholder) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", i, " of kernel '", f.name, "': placeholders must come "
                                               "after all normal parameters"));
    }
    if (paramSize != expected) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", i, " of kernel '", f.name, "' is ", expected,
                                               " bytes, but paramSize is ", paramSize));
    }
    if (!param) return null_arg("param");
    std::memcpy(a->blob.data() + off, param, paramSize);
  }
  auto p = std::make_shared<Param>();
  p->id = s.new_id(kParam);
  p->args_id = a->id;
  p->index = i;
  p->placeholder = placeholder;
  s.params[p->id] = p;
  a->param_ids.push_back(p->id);
  if (placeholder) {
    a->is_placeholder[i] = 1;
    a->had_placeholder = true;
  }
  a->appended = i + 1;
  *paramHandle = to_handle(p->id);
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtKernelArgsAppend(aclrtArgsHandle argsHandle, void* param, size_t paramSize,
                                       aclrtParamHandle* paramHandle) {
  return guarded([&]() -> aclError { return append_param(argsHandle, param, paramSize, false, paramHandle); });
}

APY_API aclError aclrtKernelArgsAppendPlaceHolder(aclrtArgsHandle argsHandle, aclrtParamHandle* paramHandle) {
  return guarded([&]() -> aclError { return append_param(argsHandle, nullptr, 0, true, paramHandle); });
}

APY_API aclError aclrtKernelArgsGetPlaceHolderBuffer(aclrtArgsHandle argsHandle, aclrtParamHandle paramHandle,
                                                     size_t dataSize, void** bufferAddr) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Args> a;
    if (aclError e = lookup(s, s.args, argsHandle, kArgs, &a)) return e;
    std::shared_ptr<Param> p;
    if (aclError e = lookup(s, s.params, paramHandle, kParam, &p)) return e;
    if (!bufferAddr) return null_arg("bufferAddr");
    if (p->args_id != a->id) {
      return fail(ACL_ERROR_INVALID_PARAM, "paramHandle belongs to another args handle");
    }
    if (!p->placeholder) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", p->index, " was appended with aclrtKernelArgsAppend, "
                                               "not as a placeholder"));
    }
    if (dataSize == 0 || dataSize > (64u << 20)) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("dataSize ", dataSize, " must be in [1, 64 MiB]"));
    }
    auto& buf = a->ph_data[p->index];
    buf.assign(dataSize, 0);
    a->ph_ready[p->index] = 1;
    *bufferAddr = buf.data();
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtKernelArgsFinalize(aclrtArgsHandle argsHandle) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Args> a;
    if (aclError e = lookup(s, s.args, argsHandle, kArgs, &a)) return e;
    const Func& f = *a->func;
    if (a->appended != f.params.size()) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("kernel '", f.name, "' takes ", f.params.size(), " parameter(s), but ",
                                               a->appended, " were appended"));
    }
    for (size_t i = 0; i < f.params.size(); ++i) {
      if (a->is_placeholder[i] && !a->ph_ready[i]) {
        return fail(ACL_ERROR_INVALID_PARAM, cat("placeholder parameter ", i, " of kernel '", f.name, "' has no data: "
                                                 "call aclrtKernelArgsGetPlaceHolderBuffer"));
      }
    }
    a->finalized = true;
    return ACL_SUCCESS;
  });
}

namespace {
// The regions the pointer arguments with a known extent reach, overlapping ones merged; null when
// the caller gave none (every pointer is then bounded by its whole allocation).
// `blob` is the argument struct; `extent[i]` counts where has_extent[i] is set.
std::shared_ptr<const GmRegions> argument_regions(const Func& f, const uint8_t* blob, const uint64_t* extent,
                                                  const uint8_t* has_extent) {
  GmRegions r;
  for (size_t i = 0; i < f.params.size(); ++i) {
    if (!has_extent[i]) continue;
    uint64_t p = 0;
    std::memcpy(&p, blob + f.params[i].first, sizeof p);
    r.push_back(GmRegion{p, extent[i], static_cast<int32_t>(i), 1});
  }
  if (r.empty()) return nullptr;
  std::sort(r.begin(), r.end(), [](const GmRegion& x, const GmRegion& y) {
    return x.base != y.base ? x.base < y.base : x.size > y.size;
  });
  GmRegions merged;
  for (const GmRegion& g : r) {
    if (!merged.empty()) {
      GmRegion& m = merged.back();
      // Overlapping (or a zero-byte region inside another): a pointer in both may use either.
      if (g.base < m.base + m.size || (g.base == m.base && g.size == 0)) {
        m.size = std::max(m.size, g.base + g.size - m.base);
        m.arg = std::min(m.arg, g.arg);
        m.args += 1;
        continue;
      }
    }
    merged.push_back(g);
  }
  return std::make_shared<const GmRegions>(std::move(merged));
}

aclError check_blocks(uint32_t numBlocks, const Func& f) {
  if (numBlocks < 1 || numBlocks > 65535) {
    return fail(ACL_ERROR_INVALID_PARAM, cat("numBlocks ", numBlocks, " is outside [1, 65535]"));
  }
  // SyncAll: every block must be running at once (asc-devkit SyncAll.md: numBlocks may not exceed the cores that
  // run the kernel, or the scheduler's second wave waits for the first forever).
  if (f.sync_all) {
    const SocInfo* soc = effective_soc();
    const int64_t limit = sync_all_limit(f, *soc);
    if (numBlocks > limit) {
      return fail(ACL_ERROR_INVALID_PARAM,
                  cat("numBlocks ", numBlocks, " of kernel '", f.name, "' exceeds the ", limit, " ", sync_all_cores(f, *soc),
                      " of ", soc->name, ": the kernel calls SyncAll, which waits until every block has arrived, so "
                      "all of its blocks must run at once; launch it with at most ", limit, " blocks"));
    }
  }
  // A 1:1 / 1:2 mix kernel's blocks are groups that run together, one per physical AI Core (asc-devkit
  // 核函数.md, numBlocks: "不能超过物理核的核数"); a coupled 310P ignores the kernel type.
  const SocInfo* soc = effective_soc();
  if ((f.ktype == kMixAic11 || f.ktype == kMixAic12) && std::strncmp(soc->name, "Ascend310P", 10) != 0 &&
      numBlocks > soc->ai_cores) {
    return fail(ACL_ERROR_INVALID_PARAM,
                cat("numBlocks ", numBlocks, " of kernel '", f.name, "' (", ktype_name(f.ktype), ": each block is 1 AIC + ",
                    f.ktype == kMixAic12 ? 2 : 1, " AIV) exceeds the ", soc->ai_cores, " physical AI Cores of ", soc->name,
                    ": a mix kernel's blocks must all run at once, so numBlocks may not exceed the AIC count "
                    "(split the work into at most that many blocks)"));
  }
  return ACL_SUCCESS;
}

aclError check_cfg(const aclrtLaunchKernelCfg* cfg) {
  if (!cfg) return ACL_SUCCESS;
  if (cfg->numAttrs && !cfg->attrs) return null_arg("cfg->attrs");
  for (size_t i = 0; i < cfg->numAttrs; ++i) {
    const int32_t id = cfg->attrs[i].id;
    if (id < ACL_RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE || id > ACL_RT_LAUNCH_KERNEL_ATTR_ENABLE_PROFILING) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("cfg->attrs[", i, "].id ", id, " is not an aclrtLaunchKernelAttrId"));
    }
  }
  return ACL_SUCCESS;
}
}  // namespace

APY_API aclError aclrtLaunchKernelWithConfig(aclrtFuncHandle funcHandle, uint32_t numBlocks, aclrtStream stream,
                                             aclrtLaunchKernelCfg* cfg, aclrtArgsHandle argsHandle, void* reserve) {
  return guarded([&]() -> aclError {
    (void)reserve;
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    std::shared_ptr<Args> a;
    if (aclError e = lookup(s, s.args, argsHandle, kArgs, &a)) return e;
    if (a->func_id != f->id) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("argsHandle was made for kernel '", a->func->name,
                                               "', not for '", f->name, "'"));
    }
    if (!a->finalized) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("the args of kernel '", f->name, "' are not finalized (", a->appended,
                                               " of ", f->params.size(), " parameter(s) appended); call "
                                               "aclrtKernelArgsFinalize"));
    }
    if (aclError e = check_blocks(numBlocks, *f)) return e;
    if (aclError e = check_cfg(cfg)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    auto spec = std::make_shared<LaunchSpec>();
    spec->func = f;
    spec->num_blocks = numBlocks;
    spec->blob = a->blob;
    for (size_t i = 0; i < f->params.size(); ++i) {
      if (a->is_placeholder[i]) spec->placeholders.emplace_back(f->params[i].first, a->ph_data[i]);
    }
    spec->pins = pin_pointers(s, spec->blob);
    spec->regions = argument_regions(*f, spec->blob.data(), a->extent.data(), a->has_extent.data());
    if (aclError e = str->push([spec](Stream& on) { run_launch(on, *spec); })) return e;
    // aclrtKernelArgsInit memory is system-managed: the launch took a copy of the
    // arguments, so the handle is released here and a later use of it is reported.
    for (uint64_t pid : a->param_ids) s.params.erase(pid);
    auto& owned = f->bin->args;
    owned.erase(std::remove(owned.begin(), owned.end(), a->id), owned.end());
    s.args.erase(a->id);
    return ACL_SUCCESS;
  });
}

APY_API aclError aclrtLaunchKernel(aclrtFuncHandle funcHandle, uint32_t numBlocks, const void* argsData,
                                   size_t argsSize, aclrtStream stream) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    if (aclError e = check_blocks(numBlocks, *f)) return e;
    if (!argsData) return null_arg("argsData");
    if (argsSize < f->size) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("argsSize ", argsSize, " is smaller than the ", f->size,
                                               "-byte arguments of kernel '", f->name, "'"));
    }
    auto spec = std::make_shared<LaunchSpec>();
    if (aclError e = check_device_range(s, argsData, argsSize, "argsData", &spec->dev_args)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    spec->func = f;
    spec->num_blocks = numBlocks;
    spec->dev_args_ptr = reinterpret_cast<uintptr_t>(argsData);
    spec->dev_args_size = argsSize;
    return str->push([spec](Stream& on) { run_launch(on, *spec); });
  });
}

// One launch in one call, for ascendpy.runtime on the simulator: what aclrtKernelArgsInit, an
// aclrtKernelArgsAppend per parameter (ascendpySimKernelArgsSetExtent for the pointers whose reach is
// known), aclrtKernelArgsFinalize and aclrtLaunchKernelWithConfig(cfg NULL) do, with the same checks,
// errors and launch, without the args and param handles (five or more C calls and registry entries a
// launch). `args` is the whole argument struct (argsSize bytes: the kernel's, as
// ascendpySimKernelLayout gives it; padding zero); `extents` NULL or one entry per parameter: the bytes
// pointer parameter i reaches, or UINT64_MAX for "its whole allocation".
APY_API aclError ascendpySimLaunch(aclrtFuncHandle funcHandle, uint32_t numBlocks, aclrtStream stream,
                                   const void* args, size_t argsSize, const uint64_t* extents) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    if (argsSize != f->size) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("argsSize ", argsSize, " is not the ", f->size, "-byte argument struct "
                                               "of kernel '", f->name, "' (", f->params.size(), " parameter(s))"));
    }
    if (argsSize && !args) return null_arg("args");
    const size_t n = f->params.size();
    std::vector<uint8_t> has(n, 0);
    std::vector<uint64_t> ext(n, 0);
    for (size_t i = 0; extents && i < n; ++i) {
      if (extents[i] == UINT64_MAX) continue;
      if (f->params[i].second != sizeof(void*)) {
        return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", i, " of kernel '", f->name, "' is not a pointer (",
                                                 f->params[i].second, " bytes): it has no extent"));
      }
      has[i] = 1;
      ext[i] = extents[i];
    }
    if (aclError e = check_blocks(numBlocks, *f)) return e;
    std::shared_ptr<Stream> str;
    if (aclError e = resolve_stream(s, stream, &str)) return e;
    auto spec = std::make_shared<LaunchSpec>();
    spec->func = f;
    spec->num_blocks = numBlocks;
    const uint8_t* p = static_cast<const uint8_t*>(args);
    spec->blob.assign(p, p + argsSize);
    spec->pins = pin_pointers(s, spec->blob);
    spec->regions = argument_regions(*f, spec->blob.data(), ext.data(), has.data());
    return str->push([spec](Stream& on) { run_launch(on, *spec); });
  });
}

// The argument struct of a kernel: out[0] its parameter count, out[1] its size in bytes, then per
// parameter (offset, size), as far as `cap` entries of `out` reach.
APY_API aclError ascendpySimKernelLayout(aclrtFuncHandle funcHandle, uint64_t* out, uint64_t cap) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    if (!out) return null_arg("out");
    std::vector<uint64_t> v{f->params.size(), f->size};
    for (const auto& pr : f->params) {
      v.push_back(pr.first);
      v.push_back(pr.second);
    }
    for (uint64_t i = 0; i < cap && i < v.size(); ++i) out[i] = v[i];
    return ACL_SUCCESS;
  });
}

// ================================================= contract with kernel libraries

APY_API int64_t __ascendpy_sim_block_idx(void) { return tl_core.block_idx; }
APY_API int64_t __ascendpy_sim_block_num(void) { return tl_core.block_num; }
APY_API const __ascendpy_sim_core_t* __ascendpy_sim_core(void) { return &tl_core; }
APY_API const char* __ascendpy_sim_soc_name(void) { return effective_soc()->name; }
APY_API int __ascendpy_sim_fast(void) { return g_fast.load(std::memory_order_relaxed); }
extern "C" {
__attribute__((visibility("default"))) int __ascendpy_sim_cancel_pending = 0;
}
APY_API int __ascendpy_sim_cancelled(void) {
  if (tl_cancel && tl_cancel->load(std::memory_order_relaxed)) {
    tl_cancel_seen = true;
    return 1;
  }
  return tl_halt && tl_halt->load(std::memory_order_relaxed) ? 1 : 0;  // another core of a mix launch stopped it
}
namespace {
// The cross-core flags of mix launches (sync.h's CrossCoreSetFlag/CrossCoreWaitFlag; see Gang).
const char* xc_fail(const char* kind, std::string text, const char** what, void** other, void* at = nullptr) {
  tl_xc_what = std::move(text);
  *what = tl_xc_what.c_str();
  *other = at;
  return kind;
}

// Outside a mix launch: why the kernel has no cross-core scheduler.
const char* xc_no_scheduler(const char* call, const char** what, void** other) {
  return xc_fail("unsupported_kernel_type",
                 cat(call, " in a ", ktype_name(tl_core.kernel_type), " kernel: the NPU starts the cross-core "
                     "scheduler only for mix kernels, so nothing would ever raise the flag. Declare the kernel "
                     "__mix__(1, 2) or KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2) (1:1 and the one-sided "
                     "KERNEL_TYPE_MIX_AIV_1_0 / MIX_AIC_1_0 for mode 0 among AIVs / AICs work too)"),
                 what, other);
}

const char* xc_released(const char** what, void** other) {
  return xc_fail("cancelled", "another core of the launch faulted or deadlocked; this core was stopped here", what,
                 other);
}

// Raises core c's flag f (a set reached it). Caller holds g.m. Returns false on overflow.
bool xc_raise(Gang& g, GangCore& c, int f, void* site, std::string* text, const std::string& call) {
  if (c.counter[f] >= kXcMax) {
    *text = cat(call, " would raise flag ", f, " of ", g.describe(c), " to ", kXcMax + 1, ": a core's cross-core flag "
                "counts at most ", kXcMax, " sets that its CrossCoreWaitFlag(", f, ") has not consumed yet (",
                g.describe(c), c.state == GangCore::kDone ? " has finished" : " has not waited for them", "); on the "
                "NPU the counter overflows and the task fails. Wait once per set, or set less often");
    return false;
  }
  ++c.counter[f];
  c.raised_by[f] = site;
  return true;
}
}  // namespace

namespace {
// The body of CrossCoreSetFlag<mode, pipe>(flag) on core `me` of gang g (also the sets of SyncAll); `call` names
// it in messages.
const char* xc_set(Gang& g, int me, int32_t mode, int32_t flag, void* site, const std::string& call,
                   const char** what, void** other) {
  if (mode < 0 || mode > 2) {
    return xc_fail("invalid_argument", cat(call, ": 910B's cross-core modes are 0 (every AIC, or every AIV, of the "
                                           "launch), 1 (the AIVs of a group) and 2 (a group's AIC with its AIVs)"),
                   what, other);
  }
  if (mode != 0 && !g.grouped()) {
    return xc_fail("unsupported_kernel_type",
                   cat(call, " in a ", ktype_name(g.ktype), " kernel: mode ", mode, " synchronises the cores of a "
                       "group, which only the 1:1 and 1:2 mix kernels have (KERNEL_TYPE_MIX_AIC_1_1/1_2, "
                       "__mix__(1, 1) / __mix__(1, 2)); use mode 0"),
                   what, other);
  }
  Lock lk(g.m);
  GangCore& c = g.cores[static_cast<size_t>(me)];
  if (mode == 1 && c.core == kCoreAic) {
    return xc_fail("invalid_argument", cat(call, " on ", g.describe(c), ": mode 1 synchronises the AIVs of a group "
                                           "with each other; the AIC takes no part in it (mode 2 pairs it with its "
                                           "AIVs)"),
                   what, other);
  }
  if (g.stopped) return xc_released(what, other);
  std::string text;
  bool ok = true;
  bool raised = false;
  // The cores the scheduler waits for (`peers`, all of which must set) and the ones it then raises.
  std::vector<GangCore*> peers, targets;
  int slot = -1;
  if (mode == 0) {
    slot = 0;
    for (GangCore& o : g.cores) {
      if (o.core == c.core) peers.push_back(&o);
    }
    targets = peers;
  } else if (mode == 1) {
    slot = 1;
    for (int k = g.aic; k < g.per_unit(); ++k) peers.push_back(&g.at(c.block, k));
    targets = peers;
  } else if (c.core == kCoreAic) {  // mode 2, AIC -> each AIV of its group
    for (int k = g.aic; k < g.per_unit(); ++k) {
      ok = xc_raise(g, g.at(c.block, k), flag, site, &text, call);
      if (!ok) break;
      raised = true;
    }
  } else {  // mode 2, every AIV of the group -> the AIC
    slot = 2;
    for (int k = g.aic; k < g.per_unit(); ++k) peers.push_back(&g.at(c.block, k));
    targets.push_back(&g.at(c.block, 0));
  }
  if (slot >= 0) {
    if (c.held[slot][flag] >= kXcMax) {
      size_t missing = 0;
      for (GangCore* o : peers) missing += o->held[slot][flag] == 0;
      text = cat(call, " on ", g.describe(c), ": more than ", kXcMax, " of this core's sets of flag ", flag,
                 " in mode ", mode, " are pending, because ", missing, " of the ", peers.size(),
                 " cores that must all set it (", mode == 0 ? "every " : "every AIV of the group",
                 mode == 0 ? (c.core == kCoreAic ? "AIC of the launch" : "AIV of the launch") : "",
                 ") have not: the scheduler counts at most ", kXcMax, " outstanding sets; on the NPU the task fails");
      ok = false;
    } else {
      ++c.held[slot][flag];
      bool all = true;
      for (GangCore* o : peers) all = all && o->held[slot][flag] > 0;
      if (all) {
        for (GangCore* o : peers) --o->held[slot][flag];
        for (GangCore* t : targets) {
          ok = xc_raise(g, *t, flag, site, &text, call);
          if (!ok) break;
          raised = true;
        }
      }
    }
  }
  if (!ok) {
    g.stop(me);
    return xc_fail("flag_overflow", std::move(text), what, other);
  }
  if (raised) g.cv.notify_all();
  return nullptr;
}

// Blocks core `me` of gang g until `ready` (under g.m, which `lk` holds); `c.wait_*` say what it waits for.
const char* gang_wait(Gang& g, Lock& lk, int me, const char* in, const char** what, void** other) {
  GangCore& c = g.cores[static_cast<size_t>(me)];
  c.state = GangCore::kWaiting;
  --g.running;
  ++g.waiting;
  g.check_deadlock();
  g.cv.wait(lk, [&] { return g.ready(c) || g.stopped || g.cancel->load(); });
  c.state = GangCore::kRunning;
  ++g.running;
  --g.waiting;
  if (g.cancel->load()) {
    tl_cancel_seen = true;
    c.wait_flag = -1;
    c.soft_slots = nullptr;
    return xc_fail("cancelled", cat("the launch was cancelled by aclrtStreamAbort (in ascendpy: Ctrl-C during a wait, "
                                    "or Stream.abort()) while this core waited in ", in), what, other);
  }
  if (g.stopped) {
    c.wait_flag = -1;
    c.soft_slots = nullptr;
    if (g.deadlocked && g.primary == me) return xc_fail("deadlock", g.deadlock_what, what, other, g.deadlock_other);
    return xc_released(what, other);
  }
  return nullptr;
}

// The body of CrossCoreWaitFlag(flag) on core `me` (also the waits of SyncAll, `sync_all` set).
const char* xc_wait(Gang& g, int me, int32_t flag, bool sync_all, const char** what, void** other) {
  Lock lk(g.m);
  GangCore& c = g.cores[static_cast<size_t>(me)];
  if (g.stopped) return xc_released(what, other);
  if (c.counter[flag] == 0) {
    c.wait_flag = flag;
    c.in_sync_all = sync_all;
    if (const char* kind = gang_wait(g, lk, me, sync_all ? "SyncAll" : "CrossCoreWaitFlag", what, other)) return kind;
    c.wait_flag = -1;
  }
  --c.counter[flag];
  return nullptr;
}
}  // namespace

APY_API const char* __ascendpy_sim_cross_core_set(int32_t mode, int32_t flag, const char* pipe, void* site,
                                                  const char** what, void** other) {
  *what = nullptr;
  *other = nullptr;
  const std::string call = cat("CrossCoreSetFlag<", mode, ", ", pipe ? pipe : "?", ">(", flag, ")");
  Gang* gp = tl_gang;
  if (!gp || !gp->xc) return xc_no_scheduler(call.c_str(), what, other);
  return xc_set(*gp, tl_gang_core, mode, flag, site, call, what, other);
}

APY_API const char* __ascendpy_sim_cross_core_wait(int32_t flag, void* site, const char** what, void** other) {
  (void)site;
  *what = nullptr;
  *other = nullptr;
  Gang* gp = tl_gang;
  if (!gp || !gp->xc) return xc_no_scheduler(cat("CrossCoreWaitFlag(", flag, ")").c_str(), what, other);
  return xc_wait(*gp, tl_gang_core, flag, false, what, other);
}

APY_API void __ascendpy_sim_atomic_lock(void) { g_atomic_mu.lock(); }
APY_API void __ascendpy_sim_atomic_unlock(void) { g_atomic_mu.unlock(); }

// SyncAll (sync.h): the hard form through the cross-core flags dav_c220's SyncAllImpl uses, the soft form on the
// GM workspace as SoftSyncAllImpl does, waiting on the gang's condition instead of polling.
APY_API const char* __ascendpy_sim_sync_all(int32_t form, int32_t aiv_only, int32_t* slots, int32_t total,
                                            int32_t index, void* site, const char** what, void** other) {
  *what = nullptr;
  *other = nullptr;
  Gang* gp = tl_gang;
  if (form == 0) {
    const char* call = aiv_only ? "SyncAll()" : "SyncAll<false>()";
    if (!gp || !gp->xc) {
      return xc_fail("unsupported_kernel_type",
                     cat(call, " in a ", ktype_name(tl_core.kernel_type), " kernel: the hardware SyncAll is built "
                         "from cross-core flags, and the NPU starts the cross-core scheduler only for mix kernels, so "
                         "the wait would never end. Declare a vector kernel __mix__(0, 1) or "
                         "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0) (CANN's SyncAll documentation), a mix "
                         "kernel __mix__(1, 1) / (1, 2) with SyncAll<false>(); or use the software "
                         "SyncAll(gmWorkspace, ubWorkspace)"),
                     what, other);
    }
    Gang& g = *gp;
    const int me = tl_gang_core;
    const std::string label = call;
    const GangCore& c = g.cores[static_cast<size_t>(me)];
    // dav_c220 SyncAllImpl: SYNC_AIV_FLAG 12, SYNC_AIC_FLAG 11, SYNC_AIC_AIV_FLAG 13, SYNC_AIV_ONLY_ALL 14.
    if (aiv_only) {
      if (const char* k = xc_set(g, me, 0, 14, site, label, what, other)) return k;
      return xc_wait(g, me, 14, true, what, other);
    }
    if (c.core == kCoreAic) {
      if (const char* k = xc_wait(g, me, 12, true, what, other)) return k;
      if (const char* k = xc_set(g, me, 0, 11, site, label, what, other)) return k;
      if (const char* k = xc_wait(g, me, 11, true, what, other)) return k;
      return xc_set(g, me, 2, 13, site, label, what, other);
    }
    if (const char* k = xc_set(g, me, 2, 12, site, label, what, other)) return k;
    return xc_wait(g, me, 13, true, what, other);
  }
  if (!gp) {
    return xc_fail("invalid_argument",
                   cat("SyncAll(gmWorkspace, ubWorkspace) in a kernel whose library does not say that it calls "
                       "SyncAll (no __ascendpy_kernel_sync_all_", tl_core.kernel_type >= 0 ? "NAME" : "?", "): its "
                       "blocks were not started all at once, so they cannot wait for each other; build it with "
                       "ascendpy's toolchain, which finds SyncAll in the source"),
                   what, other);
  }
  Gang& g = *gp;
  const int me = tl_gang_core;
  Lock lk(g.m);
  GangCore& c = g.cores[static_cast<size_t>(me)];
  if (g.stopped) return xc_released(what, other);
  int32_t* mine = slots + static_cast<ptrdiff_t>(index) * 8;
  const int32_t cur = *mine + 1;  // SoftSyncAllImpl: curValue = its slot + 1, written back
  *mine = cur;
  c.soft_slots = slots;
  c.soft_total = total;
  c.soft_target = static_cast<int64_t>(total) * cur;
  c.in_sync_all = true;
  g.cv.notify_all();
  if (!g.ready(c)) {
    if (const char* kind = gang_wait(g, lk, me, "SyncAll", what, other)) return kind;
  }
  c.soft_slots = nullptr;
  return nullptr;
}

// The KernelMetaType the simulator runs `funcHandle` as (its library's __ascendpy_kernel_type_NAME).
APY_API aclError ascendpySimKernelType(aclrtFuncHandle funcHandle, int32_t* type) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Func> f;
    if (aclError e = lookup(s, s.funcs, funcHandle, kFunc, &f)) return e;
    if (!type) return null_arg("type");
    *type = f->ktype;
    return ACL_SUCCESS;
  });
}

APY_API int __ascendpy_sim_gm_lookup(const void* p, uint64_t* base, uint64_t* size) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  AllocIndex& idx = alloc_index();
  std::lock_guard<std::mutex> lk(idx.mu);
  auto it = idx.live.upper_bound(a);
  if (it != idx.live.begin()) {
    --it;
    if (a < it->first + std::max<uint64_t>(it->second, 1)) {
      *base = it->first;
      *size = it->second;
      return 1;
    }
  }
  for (auto f = idx.freed.rbegin(); f != idx.freed.rend(); ++f) {
    if (a >= f->first && a < f->first + std::max<uint64_t>(f->second, 1)) {
      *base = f->first;
      *size = f->second;
      return 2;
    }
  }
  return 0;
}
APY_API uint64_t __ascendpy_sim_ub_bytes(void) { return effective_soc()->ub_bytes; }

namespace {
// The TPipe arenas a thread returned (tpipe.h), all zero-filled: a block_dim-48 launch used to allocate and zero
// 48 fresh 192 KiB arenas (page faults and kernel page zeroing, as much system time as kernel time). A handful
// per thread covers nested TPipes' UB, L1 and L0 memories; beyond that the oldest is freed. Thread-local, so no
// lock: a pool worker (or a stream's worker, for inline blocks) takes back what its previous block returned.
struct ArenaCache {
  static constexpr size_t kMax = 12;
  std::vector<std::pair<void*, uint64_t>> free;  // (memory, bytes), all zero
  ~ArenaCache() {
    for (auto& f : free) std::free(f.first);
  }
};
thread_local ArenaCache tl_arenas;
}  // namespace

APY_API void* __ascendpy_sim_arena_get(uint64_t bytes) {
  auto& free = tl_arenas.free;
  for (size_t i = free.size(); i-- > 0;) {
    if (free[i].second == bytes) {
      void* p = free[i].first;
      free.erase(free.begin() + static_cast<std::ptrdiff_t>(i));
      return p;
    }
  }
  void* p = std::aligned_alloc(64, static_cast<size_t>(bytes));
  if (p) std::memset(p, 0, static_cast<size_t>(bytes));
  return p;
}

APY_API void __ascendpy_sim_arena_put(void* p, uint64_t bytes, uint64_t dirty) {
  if (!p) return;
  auto& free = tl_arenas.free;
  if (free.size() >= ArenaCache::kMax) {  // the oldest goes (e.g. sizes of a SoC an earlier aclInit chose)
    std::free(free.front().first);
    free.erase(free.begin());
  }
  std::memset(p, 0, static_cast<size_t>(std::min(dirty, bytes)));
  free.emplace_back(p, bytes);
}
APY_API void __ascendpy_sim_gm_extent(const void* p, __ascendpy_sim_gm_extent_t* out) {
  *out = __ascendpy_sim_gm_extent_t{0, 0, 0, 0, 0, -1, 0};
  out->state = __ascendpy_sim_gm_lookup(p, &out->alloc_base, &out->alloc_size);
  out->base = out->alloc_base;
  out->size = out->alloc_size;
  const GmRegions* regions = tl_regions;
  if (!regions || out->state != 1) return;
  const uint64_t a = reinterpret_cast<uintptr_t>(p);
  const GmRegion* below = nullptr;  // the nearest region of this allocation at or below p
  const GmRegion* first = nullptr;  // the first region of this allocation
  for (const GmRegion& g : *regions) {
    if (g.base < out->alloc_base || g.base >= out->alloc_base + std::max<uint64_t>(out->alloc_size, 1)) continue;
    if (!first) first = &g;
    if (g.base <= a) below = &g;
  }
  const GmRegion* pick = below ? below : first;
  if (!pick) return;  // the launch was not given this allocation as an argument: bounded by all of it
  if (!(a >= pick->base && a < pick->base + std::max<uint64_t>(pick->size, 1))) out->state = 3;
  out->base = pick->base;
  out->size = pick->size;
  out->arg = pick->arg;
  out->args = pick->args;
}

// ======================================================== simulator extensions

// Device allocations alive (aclrtMalloc'd and not freed), over all devices.
APY_API uint64_t ascendpySimLiveAllocations(void) {
  State& s = st();
  Lock lk(s.mu);
  uint64_t n = 0;
  for (const Dev& d : s.devs) n += d.live_count;
  return n;
}

// Bytes requested by the live device allocations.
APY_API uint64_t ascendpySimLiveBytes(void) {
  State& s = st();
  Lock lk(s.mu);
  uint64_t n = 0;
  for (const Dev& d : s.devs) n += d.live_bytes;
  return n;
}

// Host allocations of aclrtMallocHost alive.
APY_API uint64_t ascendpySimLiveHostAllocations(void) {
  State& s = st();
  Lock lk(s.mu);
  return s.host_allocs.size();
}

// Streams, events, binaries and contexts made by aclrtCreate*/aclrtBinaryLoad*
// that are alive (default contexts and default streams are not counted).
APY_API uint64_t ascendpySimLiveHandles(void) {
  State& s = st();
  Lock lk(s.mu);
  uint64_t n = s.events.size() + s.bins.size();
  for (auto& kv : s.ctxs) n += kv.second->is_default ? 0 : 1;
  for (auto& kv : s.streams) n += kv.second->is_default ? 0 : 1;
  return n;
}

// 1 if p lies inside a live device allocation: then *base and *size (either may
// be NULL) receive the allocation's start and requested size. For checkers in
// the simulated AscendC API that bound global-memory accesses.
APY_API int32_t ascendpySimDeviceRange(const void* p, void** base, uint64_t* size) {
  State& s = st();
  Lock lk(s.mu);
  auto a = find_alloc(s.dev_allocs, p);
  if (!a || reinterpret_cast<uintptr_t>(p) >= a->base + a->size) return 0;
  if (base) *base = a->mem;
  if (size) *size = a->size;
  return 1;
}

// Says that pointer parameter `paramHandle` of a launch reaches `bytes` bytes from its value (a view
// passed as an argument reaches only its own elements): the kernel's GlobalTensors made from it are
// bounded by that instead of by the whole allocation. The runtime calls it when the driver has it.
APY_API aclError ascendpySimKernelArgsSetExtent(aclrtArgsHandle argsHandle, aclrtParamHandle paramHandle,
                                                uint64_t bytes) {
  return guarded([&]() -> aclError {
    State& s = st();
    Lock lk(s.mu);
    if (!s.inited) return not_initialized();
    std::shared_ptr<Args> a;
    if (aclError e = lookup(s, s.args, argsHandle, kArgs, &a)) return e;
    std::shared_ptr<Param> p;
    if (aclError e = lookup(s, s.params, paramHandle, kParam, &p)) return e;
    if (p->args_id != a->id) return fail(ACL_ERROR_INVALID_PARAM, "paramHandle belongs to another args handle");
    if (p->placeholder || a->func->params[p->index].second != sizeof(void*)) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("parameter ", p->index, " of kernel '", a->func->name, "' is not a ",
                                               "pointer appended with aclrtKernelArgsAppend (",
                                               p->placeholder ? "a placeholder" : cat(
                                                   a->func->params[p->index].second, " bytes"), ")"));
    }
    if (a->finalized) {
      return fail(ACL_ERROR_INVALID_PARAM, cat("the args of kernel '", a->func->name, "' were already finalized"));
    }
    a->extent[p->index] = bytes;
    a->has_extent[p->index] = 1;
    return ACL_SUCCESS;
  });
}

// What the last aclrtStreamAbort of `stream` cancelled and dropped ("" if none, or not a live stream):
// the kernel, block and source line a cancelled kernel stopped at, or why the stream failed.
APY_API const char* ascendpySimAbortReport(aclrtStream stream) {
  static thread_local std::string out;
  out.clear();
  State& s = st();
  Lock lk(s.mu);
  auto it = s.streams.find(from_handle(stream));
  if (it == s.streams.end()) return out.c_str();
  std::lock_guard<std::mutex> g(it->second->m);
  out = it->second->abort_report;
  return out.c_str();
}

// "NAME=value\n" for every error code and enum value compiled into this
// library, so tests can compare them with the Python binding.
APY_API const char* ascendpySimConstants(void) {
  static const std::string* text = new std::string(constants_text());
  return text->c_str();
}

#pragma GCC visibility pop
