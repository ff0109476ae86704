// ascendpy simulator: AscendC enums, constants and parameter structs.
// Names, order and field layout follow the CANN headers cited in
// shared/reference/ascend-apis.md sections 1.5-1.8.
#pragma once

#include <cstdint>

#include "core.h"

namespace AscendC {

// §1.5 (impl/basic_api/common_types.h)
enum class TPosition : uint8_t {
  GM,
  A1,
  A2,
  B1,
  B2,
  C1,
  C2,
  CO1,
  CO2,
  VECIN,
  VECOUT,
  VECCALC,
  LCM = VECCALC,
  SPM,
  SHM = SPM,
  TSCM,
  C2PIPE2GM,
  C2PIPE2LOCAL,
  MAX,
};
using QuePosition = TPosition;

// §1.8 (impl/basic_api/kernel_event.h), naming SRC_DST.
enum class HardEvent : uint8_t {
  MTE2_MTE1,
  MTE1_MTE2,
  MTE1_M,
  M_MTE1,
  MTE2_V,
  V_MTE2,
  MTE3_V,
  V_MTE3,
  M_V,
  V_M,
  V_V,
  MTE3_MTE1,
  MTE1_MTE3,
  MTE1_V,
  MTE2_M,
  M_MTE2,
  V_MTE1,
  M_FIX,
  FIX_M,
  MTE3_MTE2,
  MTE2_MTE3,
  S_V,
  V_S,
  S_MTE2,
  MTE2_S,
  S_MTE3,
  MTE3_S,
  MTE2_FIX,
  FIX_MTE2,
  FIX_S,
  M_S,
  FIX_MTE3,
  MTE1_FIX,
  FIX_MTE1,
  FIX_FIX,
  MAX,
};

using TEventID = int8_t;

// §1.7 (impl/basic_api/utils/kernel_utils_mode.h)
enum class RoundMode : uint8_t {
  CAST_NONE = 0,  // RINT when the conversion loses precision, no rounding otherwise
  CAST_RINT,      // round half to even
  CAST_FLOOR,
  CAST_CEIL,
  CAST_ROUND,     // round half away from zero
  CAST_TRUNC,     // toward zero
  CAST_ODD,       // von Neumann round-to-odd
};

enum class CMPMODE : uint8_t { LT = 0, GT, EQ, LE, GE, NE };

enum class SELMODE : uint8_t { VSEL_CMPMASK_SPR = 0, VSEL_TENSOR_SCALAR_MODE, VSEL_TENSOR_TENSOR_MODE };

enum class ReduceOrder : uint8_t { ORDER_VALUE_INDEX = 0, ORDER_INDEX_VALUE, ORDER_ONLY_VALUE, ORDER_ONLY_INDEX };

// §1.7 / §1.6 constants (impl/basic_api/utils/kernel_utils_constants.h, kernel_macros.h)
constexpr int32_t ONE_BLK_SIZE = 32;
constexpr int32_t DEFAULT_BLK_STRIDE = 1;
constexpr int32_t DEFAULT_REPEAT_STRIDE = 8;
constexpr int32_t MAX_REPEAT_TIMES = 255;
constexpr int32_t QUE_MAX_EVENT = 8;

// §1.6 (include/basic_api/kernel_struct_data_copy.h)
struct DataCopyParams {
  DataCopyParams() {}
  DataCopyParams(const uint16_t count, const uint16_t len, const uint16_t srcStrideIn, const uint16_t dstStrideIn)
      : blockCount(count), blockLen(len), srcStride(srcStrideIn), dstStride(dstStrideIn) {}

  uint16_t blockCount = 1;
  uint16_t blockLen = 0;
  uint16_t srcStride = 0;  // the gap between blocks, in 32-byte blocks (CANN 9.x also spells it srcGap)
  uint16_t dstStride = 0;
};

struct DataCopyExtParams {
  DataCopyExtParams() {}
  DataCopyExtParams(const uint16_t count, const uint32_t len, const uint32_t srcStrideIn, const uint32_t dstStrideIn,
                    const uint32_t rsvIn)
      : blockCount(count), blockLen(len), srcStride(srcStrideIn), dstStride(dstStrideIn), rsv(rsvIn) {}

  uint16_t blockCount = 1;
  uint32_t blockLen = 0;
  uint32_t srcStride = 0;
  uint32_t dstStride = 0;
  uint32_t rsv = 0;
};

template <typename T>
struct DataCopyPadExtParams {
  DataCopyPadExtParams() {}
  DataCopyPadExtParams(const bool isPadValue, const uint8_t leftPadValue, const uint8_t rightPadValue, T padValue)
      : isPad(isPadValue), leftPadding(leftPadValue), rightPadding(rightPadValue), paddingValue(padValue) {}

  bool isPad = false;
  uint8_t leftPadding = 0;
  uint8_t rightPadding = 0;
  T paddingValue = 0;
};

struct DataCopyPadParams {
  DataCopyPadParams() {}
  DataCopyPadParams(const bool isPadValue, const uint8_t leftPadValue, const uint8_t rightPadValue,
                    const uint64_t padValue)
      : isPad(isPadValue), leftPadding(leftPadValue), rightPadding(rightPadValue), paddingValue(padValue) {}

  bool isPad = false;
  uint8_t leftPadding = 0;
  uint8_t rightPadding = 0;
  uint64_t paddingValue = 0;
};

}  // namespace AscendC

namespace ascendpy_sim {

inline const char* pos_name(AscendC::TPosition p) {
  using AscendC::TPosition;
  switch (p) {
    case TPosition::GM: return "GM";
    case TPosition::A1: return "A1";
    case TPosition::A2: return "A2";
    case TPosition::B1: return "B1";
    case TPosition::B2: return "B2";
    case TPosition::C1: return "C1";
    case TPosition::C2: return "C2";
    case TPosition::CO1: return "CO1";
    case TPosition::CO2: return "CO2";
    case TPosition::VECIN: return "VECIN";
    case TPosition::VECOUT: return "VECOUT";
    case TPosition::VECCALC: return "VECCALC";
    case TPosition::SPM: return "SPM";
    case TPosition::TSCM: return "TSCM";
    case TPosition::C2PIPE2GM: return "C2PIPE2GM";
    case TPosition::C2PIPE2LOCAL: return "C2PIPE2LOCAL";
    case TPosition::MAX: return "MAX";
  }
  return "?";
}

inline const char* event_name(AscendC::HardEvent e) {
  static const char* const names[] = {
      "MTE2_MTE1", "MTE1_MTE2", "MTE1_M",    "M_MTE1",    "MTE2_V",   "V_MTE2",   "MTE3_V",   "V_MTE3",   "M_V",
      "V_M",       "V_V",       "MTE3_MTE1", "MTE1_MTE3", "MTE1_V",   "MTE2_M",   "M_MTE2",   "V_MTE1",   "M_FIX",
      "FIX_M",     "MTE3_MTE2", "MTE2_MTE3", "S_V",       "V_S",      "S_MTE2",   "MTE2_S",   "S_MTE3",   "MTE3_S",
      "MTE2_FIX",  "FIX_MTE2",  "FIX_S",     "M_S",       "FIX_MTE3", "MTE1_FIX", "FIX_MTE1", "FIX_FIX",  "MAX"};
  const unsigned i = static_cast<unsigned>(e);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "?";
}

// Source and destination pipe of a HardEvent (parsed from its SRC_DST name).
inline pipe_t event_pipe_from_token(const char* s, size_t n) {
  if (n == 1 && s[0] == 'S') return PIPE_S;
  if (n == 1 && s[0] == 'V') return PIPE_V;
  if (n == 1 && s[0] == 'M') return PIPE_M;
  if (n == 3 && std::strncmp(s, "FIX", 3) == 0) return PIPE_FIX;
  if (n == 4 && std::strncmp(s, "MTE1", 4) == 0) return PIPE_MTE1;
  if (n == 4 && std::strncmp(s, "MTE2", 4) == 0) return PIPE_MTE2;
  if (n == 4 && std::strncmp(s, "MTE3", 4) == 0) return PIPE_MTE3;
  return PIPE_ALL;
}
inline pipe_t event_src_pipe(AscendC::HardEvent e) {
  const char* n = event_name(e);
  const char* us = std::strchr(n, '_');
  return us ? event_pipe_from_token(n, static_cast<size_t>(us - n)) : PIPE_ALL;
}
inline pipe_t event_dst_pipe(AscendC::HardEvent e) {
  const char* n = event_name(e);
  const char* us = std::strchr(n, '_');
  return us ? event_pipe_from_token(us + 1, std::strlen(us + 1)) : PIPE_ALL;
}

}  // namespace ascendpy_sim

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

// Source / destination pipe of a HardEvent at compile time (PIPE_ALL for MAX).
constexpr pipe_t event_src_c(AscendC::HardEvent e) {
  for (int s = PIPE_S; s < PIPE_ALL; ++s)
    for (int d = PIPE_S; d < PIPE_ALL; ++d)
      if (event_of(static_cast<pipe_t>(s), static_cast<pipe_t>(d)) == e) return static_cast<pipe_t>(s);
  return PIPE_ALL;
}
constexpr pipe_t event_dst_c(AscendC::HardEvent e) {
  for (int s = PIPE_S; s < PIPE_ALL; ++s)
    for (int d = PIPE_S; d < PIPE_ALL; ++d)
      if (event_of(static_cast<pipe_t>(s), static_cast<pipe_t>(d)) == e) return static_cast<pipe_t>(d);
  return PIPE_ALL;
}
}  // namespace ascendpy_sim
