// ascendpy simulator: block index/count (§1.2), intra-core synchronisation (§1.8) and the
// cross-core flags (CrossCoreSetFlag/CrossCoreWaitFlag, run by the simulator library). On the CPU every instruction completes before the next starts, so
// barriers and flags validate their arguments and feed the race checker and the
// deadlock check (race.h): the ordering they establish between pipes, a WaitFlag
// no SetFlag satisfies, a SetFlag on a flag that is still set.
#pragma once

#include <cstdint>

#include "core.h"
#include "race.h"
#include "tensor.h"
#include "types.h"

namespace AscendC {

// As dav_c220's GetBlockIdxImpl/GetSubBlockIdxImpl/GetTaskRationImpl (CPU-debug branch) and 8.1's
// GetBlockNum (the built-in block_num, numBlocks on every core): an AIV of a mix kernel is
// block_idx * subblockdim + sub_block_idx (0 .. 2*numBlocks-1 in a 1:2 mix), an AIC is its group.
// dav_m200 (310P): block_idx, 0, 1 and 1 (the launch gives every coupled core sub-block 0 of 1).
inline int64_t GetBlockIdx() {
  const __ascendpy_sim_core_t* c = __ascendpy_sim_core();
  return c->core_type == AIV ? c->block_idx * c->sub_block_num + c->sub_block_idx : c->block_idx;
}
inline int64_t GetBlockNum() { return __ascendpy_sim_core()->block_num; }
inline int64_t GetSubBlockIdx() {
  const __ascendpy_sim_core_t* c = __ascendpy_sim_core();
  return c->core_type == AIV ? c->sub_block_idx : 0;
}
inline int64_t GetSubBlockNum() { return __ascendpy_sim_core()->sub_block_num; }
inline int64_t GetTaskRation() { return __ascendpy_sim_core()->sub_block_num; }

// PipeBarrier<PIPE_ALL> orders everything before it before everything after it; a barrier on
// one pipe orders that pipe with itself, which the race checker already assumes.
template <pipe_t pipe>
inline void PipeBarrier() {
  ascendpy_sim::poll_cancel();
  if constexpr (pipe == PIPE_ALL) ascendpy_sim::barrier_all();
}

}  // namespace AscendC

namespace ascendpy_sim {
inline void check_event_id(const char* api, AscendC::HardEvent event, int32_t id) {
  poll_cancel();  // every SetFlag/WaitFlag form starts here
  if (id < 0 || id >= AscendC::QUE_MAX_EVENT) {
    fault("bad_event_id", cat(api, "<HardEvent::", event_name(event), ">(", id, "): event ids are 0..",
                              AscendC::QUE_MAX_EVENT - 1));
  }
}
}  // namespace ascendpy_sim

namespace AscendC {

template <HardEvent event>
inline void SetFlag(int32_t eventID) {
  ascendpy_sim::check_event_id("SetFlag", event, eventID);
  constexpr pipe_t src = ascendpy_sim::event_src_c(event);
  ascendpy_sim::on_set_flag(event, eventID, src, "SetFlag");
}

template <HardEvent event>
inline void WaitFlag(int32_t eventID) {
  ascendpy_sim::check_event_id("WaitFlag", event, eventID);
  constexpr pipe_t dst = ascendpy_sim::event_dst_c(event);
  ascendpy_sim::on_wait_flag(event, eventID, dst, "WaitFlag");
}

}  // namespace AscendC

namespace AscendC {

// Portable SetFlag/WaitFlag wrapper keyed by pipes (§1.8).
template <pipe_t src, pipe_t dst>
class TQueSync {
 public:
  void SetFlag(TEventID eventID) {
    constexpr HardEvent evt = ascendpy_sim::event_of(src, dst);
    ascendpy_sim::check_event_id("TQueSync::SetFlag", evt, eventID);
    ascendpy_sim::on_set_flag(evt, eventID, src, "TQueSync::SetFlag");
  }
  void WaitFlag(TEventID eventID) {
    constexpr HardEvent evt = ascendpy_sim::event_of(src, dst);
    ascendpy_sim::check_event_id("TQueSync::WaitFlag", evt, eventID);
    ascendpy_sim::on_wait_flag(evt, eventID, dst, "TQueSync::WaitFlag");
  }
};

}  // namespace AscendC

// ---------------------------------------------------------------------------------------- cross-core
// CrossCoreSetFlag<modeId, pipe>(flagId) / CrossCoreWaitFlag<modeId = 0, pipe = PIPE_S>(flagId)
// (8.1 kernel_operator_common_intf.h; dav_c220: ffts_cross_core_sync(pipe, mode/flag message) and
// wait_flag_dev(flagId)). Every AIC and AIV has 16 flags (flagId's low 4 bits), each a counter of 0..15
// that CrossCoreWaitFlag waits on being nonzero and then decrements; the wait ignores modeId and pipe on
// 910B. What raises a counter (run by the simulator library, per launch, asc-devkit
// 同步控制/核间同步/关键特性说明.md):
//   mode 0  once every AIC (every AIV) of the launch has set the flag, each AIC's (AIV's) counter
//   mode 1  once both AIVs of a group have set it, each of the two AIVs' counters
//   mode 2  an AIC's set raises the counter of each AIV of its group; once every AIV of a group has
//           set it, the group's AIC's counter
// Only kernels with the cross-core scheduler may use them (mix kernels: KERNEL_TYPE_MIX_*, __mix__;
// modes 1 and 2 only in the 1:1 and 1:2 ones). A wait no core can satisfy any more is a deadlock; a
// counter beyond 15 is flag_overflow; both stop the launch (other waiting cores are released).
namespace ascendpy_sim {
[[noreturn]] __attribute__((noinline, cold)) inline void cross_core_fault(const char* kind, const char* what,
                                                                          void* other) {
  if (other) fault_with_other(kind, what, &other, 1);
  fault(kind, what);
}
__attribute__((noinline)) inline void cross_core_set(int32_t mode, uint16_t flag, pipe_t pipe) {
  void* site = __builtin_return_address(0);
  poll_cancel();
  if (pipe == PIPE_S || pipe == PIPE_ALL) {
    fault("invalid_argument", cat("CrossCoreSetFlag<", mode, ", ", pipe_name(pipe), ">(", flag, "): modes 0, 1 and 2 "
                                  "take PIPE_V, PIPE_M, PIPE_MTE1, PIPE_MTE2, PIPE_MTE3 or PIPE_FIX: the set happens "
                                  "once that pipe's earlier instructions are done"));
  }
  const char* what = nullptr;
  void* other = nullptr;
  const char* kind = __ascendpy_sim_cross_core_set(mode, flag & 0xF, pipe_name(pipe), site, &what, &other);
  if (kind) cross_core_fault(kind, what, other);
}
__attribute__((noinline)) inline void cross_core_wait(uint16_t flag) {
  void* site = __builtin_return_address(0);
  poll_cancel();
  const char* what = nullptr;
  void* other = nullptr;
  const char* kind = __ascendpy_sim_cross_core_wait(flag & 0xF, site, &what, &other);
  if (kind) cross_core_fault(kind, what, other);
}
}  // namespace ascendpy_sim

namespace AscendC {

#if __CCE_AICORE__ == 220
template <uint8_t modeId, pipe_t pipe>
inline void CrossCoreSetFlag(uint16_t flagId) {
  ascendpy_sim::cross_core_set(modeId, flagId, pipe);
}

template <uint8_t modeId = 0, pipe_t pipe = PIPE_S>
inline void CrossCoreWaitFlag(uint16_t flagId) {
  ascendpy_sim::cross_core_wait(flagId);
}

// The FFTS base address a mix kernel built by hand installs (dav_c220 kernel_operator_sync_impl.h); the
// simulator's cross-core flags need none.
inline void SetSyncBaseAddr(uint64_t config) {
  (void)config;
  ascendpy_sim::poll_cancel();
}
#else
// dav_m200 (310P, coupled cores): declared, but ASCENDC_REPORT_NOT_SUPPORT at run time.
template <uint8_t modeId, pipe_t pipe>
inline void CrossCoreSetFlag(uint16_t flagId) {
  (void)flagId;
  ascendpy_sim::unsupported_on_soc("CrossCoreSetFlag", "any core");
}

template <uint8_t modeId = 0, pipe_t pipe = PIPE_S>
inline void CrossCoreWaitFlag(uint16_t flagId) {
  (void)flagId;
  ascendpy_sim::unsupported_on_soc("CrossCoreWaitFlag", "any core");
}

inline void SetSyncBaseAddr(uint64_t config) {
  (void)config;
  ascendpy_sim::unsupported_on_soc("SetSyncBaseAddr", "any core");
}
#endif

}  // namespace AscendC

// ------------------------------------------------------------------------------------------------ SyncAll
// SyncAll (8.1 kernel_operator_common_intf.h; dav_c220 / dav_m200 kernel_operator_sync_impl.h), run by the
// simulator library over the cores of the launch, which are all resident (a launch of a kernel whose source
// calls SyncAll runs every block on a thread of its own, and may not ask for more blocks than the SoC has
// cores for them). Both forms start with PipeBarrier<PIPE_ALL>, so every global-memory write a core made
// before its SyncAll is visible to every core after theirs.
//  * Hard, SyncAll<isAIVOnly = true>(): 910B only (dav_m200 reports "Hardware SyncAll" unsupported:
//    unsupported_on_soc). dav_c220 builds it from the cross-core flags: <true> is CrossCoreSetFlag<0,
//    PIPE_MTE3>(14) + CrossCoreWaitFlag(14) (every AIV, or every AIC, of the launch); <false> pairs each AIC
//    with its AIVs (flags 12 and 13) around an all-AIC sync (flag 11). So it needs a mix kernel (__mix__(0, 1)
//    / KERNEL_TYPE_MIX_AIV_1_0 for a vector kernel, as the documentation says): in an AIV-only kernel the NPU
//    starts no cross-core scheduler and the wait never ends (unsupported_kernel_type).
//  * Soft, SyncAll<isAIVOnly>(gmWorkspace, ubWorkspace, usedCores = 0): 910B (the AIVs; an AIC returns at
//    once) and 310P. As SoftSyncAllImpl: the cores counted are usedCores, else GetBlockNum() (isAIVOnly) or
//    GetBlockNum() * GetTaskRation(); each adds one to its int32 slot gmWorkspace[idx * 8] and waits until the
//    slots add up to `cores * its own new value`, then ubWorkspace holds the workspace's first cores * 8 values.
//    The workspace must be zero before the first SyncAll of a launch (the caller's job, as the documentation
//    says); both tensors need cores * 32 bytes.
// A core that finishes while others wait in a SyncAll, or calls it fewer times, leaves them waiting:
// `deadlock` at the waiting SyncAll's line, found as soon as no core of the launch runs.
namespace ascendpy_sim {
__attribute__((noinline)) inline void sync_all_call(int32_t form, bool aiv_only, int32_t* slots, int32_t total,
                                                    int32_t index, void* site) {
  const char* what = nullptr;
  void* other = nullptr;
  const char* kind = __ascendpy_sim_sync_all(form, aiv_only ? 1 : 0, slots, total, index, site, &what, &other);
  if (kind) cross_core_fault(kind, what, other);
}

__attribute__((noinline)) inline void sync_all_hard(bool aiv_only) {
  void* site = __builtin_return_address(0);
  poll_cancel();
  barrier_all();  // SyncAllImpl: PipeBarrier<PIPE_ALL>() first
  sync_all_call(0, aiv_only, nullptr, 0, 0, site);
}

template <bool isAIVOnly>
__attribute__((noinline)) inline void sync_all_soft(const AscendC::GlobalTensor<int32_t>& gm,
                                                    const AscendC::LocalTensor<int32_t>& ub, int32_t used) {
  void* site = __builtin_return_address(0);
  poll_cancel();
  if (core_type() == AscendC::AIC) return;  // SoftSyncAllImpl: `if ASCEND_IS_AIC { return; }`
  barrier_all();
  const int64_t cores = isAIVOnly ? AscendC::GetBlockNum() : AscendC::GetTaskRation() * AscendC::GetBlockNum();
  const int64_t index = isAIVOnly ? __ascendpy_sim_core()->block_idx : AscendC::GetBlockIdx();
  if (used < 0 || used > AscendC::GetBlockNum() * AscendC::GetTaskRation()) {
    fault("invalid_argument", cat("SyncAll(gmWorkspace, ubWorkspace, usedCores = ", used, "): usedCores must be in [0, ",
                                  AscendC::GetBlockNum() * AscendC::GetTaskRation(), "] (GetBlockNum() * "
                                  "GetTaskRation(); 0 means all of them)"));
  }
  const int64_t total = used != 0 ? used : cores;
  if (index >= total) {
    fault("invalid_argument", cat("SyncAll(gmWorkspace, ubWorkspace, ", used, ") on block ", index, ": only the first ",
                                  total, " blocks take part (usedCores), but this block calls it too: its slot lies "
                                  "outside the workspace the others count, so they never see it"));
  }
  const uint64_t bytes = static_cast<uint64_t>(total) * 32;
  gm.sim_check("SyncAll");
  gm.sim_access(gm.address_, bytes, true, "SyncAll (gmWorkspace)", false);
  check_range(ub.sim_addr_, ub.sim_buf_, ub.sim_gen_, bytes, "SyncAll", "ubWorkspace", 32, true);
  sync_all_call(1, isAIVOnly, reinterpret_cast<int32_t*>(gm.address_), static_cast<int32_t>(total),
                static_cast<int32_t>(index), site);
  std::memcpy(static_cast<void*>(ub.sim_addr_), static_cast<const void*>(gm.address_), bytes);  // the last poll
}
}  // namespace ascendpy_sim

namespace AscendC {

template <bool isAIVOnly = true>
inline void SyncAll() {
#if __CCE_AICORE__ == 220
  ascendpy_sim::sync_all_hard(isAIVOnly);
#else
  ascendpy_sim::unsupported_on_soc("SyncAll() (the hardware SyncAll)", "any core");
#endif
}

template <bool isAIVOnly = true>
inline void SyncAll(const GlobalTensor<int32_t>& gmWorkspace, const LocalTensor<int32_t>& ubWorkspace,
                    const int32_t usedCores = 0) {
  ascendpy_sim::sync_all_soft<isAIVOnly>(gmWorkspace, ubWorkspace, usedCores);
}

}  // namespace AscendC
