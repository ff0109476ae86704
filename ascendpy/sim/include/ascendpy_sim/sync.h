// ascendpy simulator: block index/count (§1.2), intra-core synchronisation (§1.8) and the
// cross-core flags (CrossCoreSetFlag/CrossCoreWaitFlag, run by the simulator library). On the CPU every instruction completes before the next starts, so
// barriers and flags validate their arguments and feed the race checker and the
// deadlock check (race.h): the ordering they establish between pipes, a WaitFlag
// no SetFlag satisfies, a SetFlag on a flag that is still set.
#pragma once

#include <cstdint>

#include "core.h"
#include "race.h"
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
