// The contract between a kernel shared library built for the `sim` target and
// libascendcl_sim.so (the CPU implementation of the ACL C ABI).
//
// A kernel library is one translation unit made by the toolchain: it #includes
// the user's AscendC source (compiled against ascendpy/sim/include), then, for
// every entry `extern "C" __global__ __aicore__ void NAME(P0 a0, P1 a1, ...)`,
// appends
//
//   struct __ascendpy_args_NAME { alignas(A0) P0 a0; alignas(A1) P1 a1; ... };
//       // Ai = max(4, alignof(Pi)): the bisheng kernel-argument ABI
//   extern "C" void __ascendpy_entry_NAME(const uint8_t* args, uint64_t size);
//       // unpacks the struct and calls NAME(a0, a1, ...)
//   extern "C" const uint64_t __ascendpy_layout_NAME[];
//       // {param_count, sizeof(args struct), off0, size0, off1, size1, ...}
//
// The kernel library is linked against libascendcl_sim.so, so the state below
// lives once per process, in the simulator library.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The built-in block_idx / block_num of the core running on the calling thread (see
// __ascendpy_sim_core); 0 / 1 on a thread that is not running a block.
int64_t __ascendpy_sim_block_idx(void);
int64_t __ascendpy_sim_block_num(void);

// The core the calling thread simulates, as the 8.1 headers see it (set by the launch workers for
// each core they run; outside a launch: block 0 of 1, an AIV of an AIV-only kernel).
//   block_idx      the built-in block_idx: the block of an AIV-/AIC-only kernel, the group of a mix one
//   block_num      numBlocks of the launch (GetBlockNum on every core)
//   sub_block_idx  the AIV's index in its group (0, 1 in a 1:2 mix); 0 on an AIC
//   sub_block_num  the built-in subblockdim (GetTaskRation/GetSubBlockNum): AIVs per group on an AIV
//                  (2 in a 1:2 mix, else 1), 1 on an AIC
//   core_type      AscendC::MIX (0: a coupled 310P AI Core), AIC (1) or AIV (2)
//   kernel_type    the KernelMetaType the kernel was launched as (KERNEL_TYPE_AIV_ONLY .. KERNEL_TYPE_MIX_AIC_1_2)
typedef struct {
  int64_t block_idx, block_num;
  int32_t sub_block_idx, sub_block_num;
  int32_t core_type, kernel_type;
} __ascendpy_sim_core_t;
const __ascendpy_sim_core_t* __ascendpy_sim_core(void);

// CrossCoreSetFlag<mode, pipe>(flag) / CrossCoreWaitFlag(flag) of the calling core (flag already
// reduced to its low 4 bits, as the hardware does; `pipe` names the Set's pipe for messages, `site`
// is the return address into the caller, for later messages). A wait blocks until the core's counter
// of `flag` is nonzero. NULL when done; otherwise the fault kind to raise ("deadlock", "flag_overflow",
// "unsupported_kernel_type", "invalid_argument", "cancelled"), with *what its text and *other a return
// address the text names (ASCENDPY_SIM_OTHER_AT) or NULL; both valid until the next call on this thread.
const char* __ascendpy_sim_cross_core_set(int32_t mode, int32_t flag, const char* pipe, void* site,
                                          const char** what, void** other);
const char* __ascendpy_sim_cross_core_wait(int32_t flag, void* site, const char** what, void** other);

// Cross-block work (SyncAll, store atomics; sync.h, atomic.h).
// __ascendpy_sim_atomic_lock/unlock: the process-wide lock a combining (atomic) DMA store holds while it
// reads, combines and writes global memory, so the stores of blocks on parallel threads are atomic.
void __ascendpy_sim_atomic_lock(void);
void __ascendpy_sim_atomic_unlock(void);
// SyncAll of the calling core. `form` 0: the hard SyncAll<aiv_only>() (910B: cross-core flags 11..14 of a mix
// kernel, as dav_c220's SyncAllImpl); 1: the soft SyncAll(gm, ub, used) (every core of the launch; `slots`
// is the GM workspace, `total` the cores it counts, `index` this core's slot; the simulator does what
// SoftSyncAllImpl does to the workspace, waiting on a condition instead of polling). `site` is the return
// address into the caller. A wait blocks until every core of the sync has arrived; NULL when done, else the
// fault kind ("deadlock", "unsupported_kernel_type", "flag_overflow", "cancelled") with *what and *other as for
// the cross-core flags. A launch whose kernel uses SyncAll (__ascendpy_kernel_sync_all_NAME) runs every block
// on a thread of its own, all at once.
const char* __ascendpy_sim_sync_all(int32_t form, int32_t aiv_only, int32_t* slots, int32_t total, int32_t index,
                                    void* site, const char** what, void** other);

// Kernel libraries export, per entry NAME, `extern "C" const int32_t __ascendpy_kernel_type_NAME`: the
// KernelMetaType the toolchain found for it (its __vector__/__cube__/__mix__(c, v) qualifier or its
// KERNEL_TASK_TYPE_DEFAULT). A library without it is KERNEL_TYPE_AIV_ONLY.
// Likewise `extern "C" const int32_t __ascendpy_kernel_sync_all_NAME = 1` when the entry's unit calls SyncAll
// (the toolchain finds it in the source): its blocks must all be resident at once.

// On-chip memory for a TPipe's arena (tpipe.h): `bytes` (a multiple of 64) of 64-byte-aligned, zero-filled host
// memory, NULL when out of memory. The simulator keeps what __ascendpy_sim_arena_put returns in a small per-thread
// cache, so the blocks of later launches on the same worker thread reuse it instead of allocating and zeroing fresh
// pages. `dirty`: how many bytes from the start may have been written (the buffers the TPipe carved); put zeroes
// them again, so a reused arena reads exactly like a fresh one. Weak: a program that uses the headers without the
// simulator library (tests/sim_cpp) allocates with aligned_alloc instead.
void* __ascendpy_sim_arena_get(uint64_t bytes) __attribute__((weak));
void __ascendpy_sim_arena_put(void* p, uint64_t bytes, uint64_t dirty) __attribute__((weak));

// Name of the SoC whose limits the simulator enforces (ASCENDPY_SIM_SOC,
// default "Ascend910B3") and its Unified Buffer size in bytes.
const char* __ascendpy_sim_soc_name(void);
uint64_t __ascendpy_sim_ub_bytes(void);

// The device allocation containing p: 1 if live, 2 if freed (its last extent), with *base and *size
// (the bytes the caller asked aclrtMalloc for); 0 if p lies in no device allocation.
int __ascendpy_sim_gm_lookup(const void* p, uint64_t* base, uint64_t* size);

// The global memory a GlobalTensor whose pointer is p may access, for the launch running on the
// calling thread. A launch may say how many bytes each pointer argument reaches (the runtime does,
// through ascendpySimKernelArgsSetExtent: a view buf[a:b] reaches its own elements only); those
// regions, overlapping ones merged (the most permissive wins), bound the pointers inside them.
// `state`: 1 live (`base`/`size` the region, or the allocation when p is in no region), 2 freed
// allocation, 0 no device memory, 3 inside an allocation that this launch was given only as views,
// outside each of them (`base`/`size` the nearest such view below p, else the first one). `alloc_*`
// is the allocation holding p; `arg` the first argument whose region `base`/`size` is (-1: none),
// `args` how many overlapping argument regions were merged into it.
typedef struct {
  uint64_t base, size;
  uint64_t alloc_base, alloc_size;
  int32_t state, arg, args;
} __ascendpy_sim_gm_extent_t;
void __ascendpy_sim_gm_extent(const void* p, __ascendpy_sim_gm_extent_t* out);

// 1 when ASCENDPY_SIM_CHECKS=0 (read by aclInit): per-element checks (scalar global-memory
// bounds) and the pipe race checker are skipped for speed; everything else is still checked.
int __ascendpy_sim_fast(void);

// aclrtStreamAbort cancels a running launch cooperatively. __ascendpy_sim_cancel_pending is
// nonzero while some launch is being cancelled (read it with a relaxed atomic load); only then
// does the simulated AscendC API call __ascendpy_sim_cancelled(), which is 1 when the launch of
// the block on the calling thread is cancelled: the API then throws the fault "cancelled".
extern int __ascendpy_sim_cancel_pending;
int __ascendpy_sim_cancelled(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#ifdef __cplusplus
#define ASCENDPY_SIM_OTHER_AT "@{other}"
#include <stdexcept>
#include <string>
namespace ascendpy_sim {
// Thrown by the simulated AscendC API (and generated checks) when a kernel
// does something the hardware would turn into garbage or an AI core
// exception. The launch worker catches it, stops the launch and reports
// "kernel NAME block B: <kind>: <what>" through the stream's error.
//
// Where: `file`/`line` when the thrower knows them (generated checks pass
// __FILE__/__LINE__, which #line maps to the user's Python), otherwise the
// return addresses in `frames`, which the simulator resolves through the
// kernel library's debug line table (`#line` directives included) to the
// innermost frame outside the simulator headers and the apy_ helpers.
struct KernelFault : std::runtime_error {
  static constexpr int kMaxFrames = 32;
  std::string kind;  // e.g. "ub_overflow", "local_out_of_bounds", "division_by_zero"
  const char* file = nullptr;
  int line = 0;
  void* frames[kMaxFrames] = {};
  int nframes = 0;
  // A second source location the fault names (the other instruction of a pipe race, the earlier
  // SetFlag/WaitFlag of a deadlock): the simulator resolves these frames like `frames` and
  // replaces ASCENDPY_SIM_OTHER_AT in what() by " at FILE:LINE" (or by nothing if unknown).
  void* other_frames[kMaxFrames] = {};
  int other_nframes = 0;
  KernelFault(std::string k, const std::string& what)
      : std::runtime_error(what), kind(std::move(k)) {}
};
}  // namespace ascendpy_sim
#endif
