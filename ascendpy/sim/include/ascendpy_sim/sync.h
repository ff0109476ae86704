// ascendpy simulator: block index/count (§1.2) and intra-core synchronisation
// (§1.8). On the CPU every instruction completes before the next starts, so
// barriers and flags validate their arguments and feed the race checker and the
// deadlock check (race.h): the ordering they establish between pipes, a WaitFlag
// no SetFlag satisfies, a SetFlag on a flag that is still set.
#pragma once

#include <cstdint>

#include "core.h"
#include "race.h"
#include "types.h"

namespace AscendC {

inline int64_t GetBlockIdx() { return __ascendpy_sim_block_idx(); }
inline int64_t GetBlockNum() { return __ascendpy_sim_block_num(); }
inline int64_t GetSubBlockIdx() { return 0; }
inline int64_t GetSubBlockNum() { return 1; }

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
