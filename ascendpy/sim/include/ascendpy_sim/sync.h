// ascendpy simulator: block index/count (§1.2) and intra-core synchronisation
// (§1.8). On the CPU every instruction completes before the next starts, so
// barriers and flags only validate their arguments and report to the hooks.
#pragma once

#include <cstdint>

#include "core.h"
#include "types.h"

namespace AscendC {

inline int64_t GetBlockIdx() { return __ascendpy_sim_block_idx(); }
inline int64_t GetBlockNum() { return __ascendpy_sim_block_num(); }
inline int64_t GetSubBlockIdx() { return 0; }
inline int64_t GetSubBlockNum() { return 1; }

template <pipe_t pipe>
inline void PipeBarrier() {
  ascendpy_sim::on_op(pipe, "PipeBarrier");
}

}  // namespace AscendC

namespace ascendpy_sim {
inline void check_event_id(const char* api, AscendC::HardEvent event, int32_t id) {
  if (id < 0 || id >= AscendC::QUE_MAX_EVENT) {
    fault("bad_event_id", cat(api, "<HardEvent::", event_name(event), ">(", id, "): event ids are 0..",
                              AscendC::QUE_MAX_EVENT - 1));
  }
}
}  // namespace ascendpy_sim

namespace AscendC {

template <HardEvent event>
inline void SetFlag(int32_t eventID) {
  ascendpy_sim::on_op(ascendpy_sim::event_src_pipe(event), "SetFlag");
  ascendpy_sim::check_event_id("SetFlag", event, eventID);
  ascendpy_sim::on_flag(false, event, eventID);
}

template <HardEvent event>
inline void WaitFlag(int32_t eventID) {
  ascendpy_sim::on_op(ascendpy_sim::event_dst_pipe(event), "WaitFlag");
  ascendpy_sim::check_event_id("WaitFlag", event, eventID);
  ascendpy_sim::on_flag(true, event, eventID);
}

}  // namespace AscendC

namespace ascendpy_sim {
// HardEvent for a (src, dst) pipe pair; HardEvent::MAX when there is none.
constexpr AscendC::HardEvent event_of(pipe_t src, pipe_t dst) {
  using AscendC::HardEvent;
  return (src == PIPE_MTE2 && dst == PIPE_MTE1)   ? HardEvent::MTE2_MTE1
         : (src == PIPE_MTE1 && dst == PIPE_MTE2) ? HardEvent::MTE1_MTE2
         : (src == PIPE_MTE1 && dst == PIPE_M)    ? HardEvent::MTE1_M
         : (src == PIPE_M && dst == PIPE_MTE1)    ? HardEvent::M_MTE1
         : (src == PIPE_MTE2 && dst == PIPE_V)    ? HardEvent::MTE2_V
         : (src == PIPE_V && dst == PIPE_MTE2)    ? HardEvent::V_MTE2
         : (src == PIPE_MTE3 && dst == PIPE_V)    ? HardEvent::MTE3_V
         : (src == PIPE_V && dst == PIPE_MTE3)    ? HardEvent::V_MTE3
         : (src == PIPE_M && dst == PIPE_V)       ? HardEvent::M_V
         : (src == PIPE_V && dst == PIPE_M)       ? HardEvent::V_M
         : (src == PIPE_V && dst == PIPE_V)       ? HardEvent::V_V
         : (src == PIPE_MTE3 && dst == PIPE_MTE1) ? HardEvent::MTE3_MTE1
         : (src == PIPE_MTE1 && dst == PIPE_MTE3) ? HardEvent::MTE1_MTE3
         : (src == PIPE_MTE1 && dst == PIPE_V)    ? HardEvent::MTE1_V
         : (src == PIPE_MTE2 && dst == PIPE_M)    ? HardEvent::MTE2_M
         : (src == PIPE_M && dst == PIPE_MTE2)    ? HardEvent::M_MTE2
         : (src == PIPE_V && dst == PIPE_MTE1)    ? HardEvent::V_MTE1
         : (src == PIPE_M && dst == PIPE_FIX)     ? HardEvent::M_FIX
         : (src == PIPE_FIX && dst == PIPE_M)     ? HardEvent::FIX_M
         : (src == PIPE_MTE3 && dst == PIPE_MTE2) ? HardEvent::MTE3_MTE2
         : (src == PIPE_MTE2 && dst == PIPE_MTE3) ? HardEvent::MTE2_MTE3
         : (src == PIPE_S && dst == PIPE_V)       ? HardEvent::S_V
         : (src == PIPE_V && dst == PIPE_S)       ? HardEvent::V_S
         : (src == PIPE_S && dst == PIPE_MTE2)    ? HardEvent::S_MTE2
         : (src == PIPE_MTE2 && dst == PIPE_S)    ? HardEvent::MTE2_S
         : (src == PIPE_S && dst == PIPE_MTE3)    ? HardEvent::S_MTE3
         : (src == PIPE_MTE3 && dst == PIPE_S)    ? HardEvent::MTE3_S
         : (src == PIPE_MTE2 && dst == PIPE_FIX)  ? HardEvent::MTE2_FIX
         : (src == PIPE_FIX && dst == PIPE_MTE2)  ? HardEvent::FIX_MTE2
         : (src == PIPE_FIX && dst == PIPE_S)     ? HardEvent::FIX_S
         : (src == PIPE_M && dst == PIPE_S)       ? HardEvent::M_S
         : (src == PIPE_FIX && dst == PIPE_MTE3)  ? HardEvent::FIX_MTE3
         : (src == PIPE_MTE1 && dst == PIPE_FIX)  ? HardEvent::MTE1_FIX
         : (src == PIPE_FIX && dst == PIPE_MTE1)  ? HardEvent::FIX_MTE1
         : (src == PIPE_FIX && dst == PIPE_FIX)   ? HardEvent::FIX_FIX
                                                  : HardEvent::MAX;
}
}  // namespace ascendpy_sim

namespace AscendC {

// Portable SetFlag/WaitFlag wrapper keyed by pipes (§1.8).
template <pipe_t src, pipe_t dst>
class TQueSync {
 public:
  void SetFlag(TEventID eventID) {
    constexpr HardEvent evt = ascendpy_sim::event_of(src, dst);
    ascendpy_sim::on_op(src, "TQueSync::SetFlag");
    ascendpy_sim::check_event_id("TQueSync::SetFlag", evt, eventID);
    ascendpy_sim::on_flag(false, evt, eventID);
  }
  void WaitFlag(TEventID eventID) {
    constexpr HardEvent evt = ascendpy_sim::event_of(src, dst);
    ascendpy_sim::on_op(dst, "TQueSync::WaitFlag");
    ascendpy_sim::check_event_id("TQueSync::WaitFlag", evt, eventID);
    ascendpy_sim::on_flag(true, evt, eventID);
  }
};

}  // namespace AscendC
