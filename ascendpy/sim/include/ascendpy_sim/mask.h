// ascendpy simulator: the vector mask register and its mode (CANN 8.1 basic_api interface/kernel_common.h,
// impl/kernel_reg.h, impl/kernel_utils.h AscendCUtils::SetMask; the same in 9.x, on 910B and 310P).
//
// The vector unit holds a 128-bit mask (high and low 64 bits) and a mode, per block:
//  * normal mode (the default; SetMaskNorm): a level-0 instruction runs repeatTimes repeats of 256 bytes and
//    lane j of every repeat takes part when bit j of the mask is set (16-bit types: 128 lanes, low word
//    first; 32-bit types: 64 lanes, the low word only);
//  * counter mode (SetMaskCount): the low word is an element count; the repeatTimes argument is ignored,
//    the unit runs ceil(count / lanes) repeats and the last one takes only the remaining lanes.
// Who writes the register:
//  * SetVectorMask<T, mode>(maskHigh, maskLow) writes it as given (mode is not switched);
//    SetVectorMask<T, MaskMode::COUNTER>(len) writes (0, len); SetVectorMask<T, MaskMode::NORMAL>(len)
//    writes the first `len` lanes' bits (AscendCUtils::SetMask<T>(len): 64 -> (0, ~0), 128 or the type's
//    lane count or more -> all ones); ResetMask() writes all ones. None of them changes the mode.
//  * a level-0 call with isSetMask = true (the default) writes it from its own mask argument first, the same
//    way (a `uint64_t mask[2]` as {mask[1], mask[0]}); with isSetMask = false it uses what is there, and its
//    mask argument (MASK_PLACEHOLDER) is ignored. In counter mode a call with isSetMask = true therefore turns
//    its per-repeat mask into a count (e.g. mask = 0 runs nothing).
//  * every level-2 ("first count elements") call of vec.h's elementwise ops, Duplicate and Cast leaves normal mode
//    with all lanes on (the vendor implementations switch to counter mode for the call, then SetMaskNorm and
//    reset the mask); ReduceSum/ReduceMax/ReduceMin leave normal mode and a mask that depends on their inputs,
//    which the simulator treats as undefined: an isSetMask = false call must write the mask again first.
// A block starts in normal mode with every lane on.
#pragma once

#include <cstdint>

#include "core.h"
#include "race.h"
#include "tensor.h"

namespace AscendC {

// impl/kernel_reg.h
constexpr uint64_t MASK_PLACEHOLDER = 0;
constexpr uint64_t MASK_PLACEHOLDER_LIST[2] = {0, 0};

enum class MaskMode : uint8_t {
  NORMAL = 0,
  COUNTER
};

}  // namespace AscendC

namespace ascendpy_sim {

// The calling block's register (a thread-local one outside a launch, e.g. in a C++ test program).
__attribute__((visibility("hidden"))) inline VecMaskReg& vmask() {
  BlockState* st = block_state();
  if (st) return st->vmask;
  static thread_local VecMaskReg outside;
  return outside;
}

inline void write_mask_reg(uint64_t hi, uint64_t lo) {
  VecMaskReg& m = vmask();
  m.hi = hi;
  m.lo = lo;
  m.undefined_by = nullptr;
}

// AscendCUtils::SetMask<T>(len): the first `len` lanes (a negative len shifts by a negative amount there).
template <typename T>
inline void write_mask_len(int32_t len, const char* api) {
  if (len < 0) {
    fault("invalid_argument", cat(api, ": mask ", len, " is negative: a continuous mask is the number of leading "
                                       "lanes of a repeat, in [0, ", 256 / sizeof(T), "]"));
  }
  constexpr int32_t type_len = static_cast<int32_t>(256 / sizeof(T));
  if (len == 64) {
    write_mask_reg(0, ~0ull);
  } else if (len == type_len || len >= 128) {
    write_mask_reg(~0ull, ~0ull);
  } else {
    write_mask_reg(len > 64 ? (1ull << (len - 64)) - 1 : 0, len > 64 ? ~0ull : (1ull << len) - 1);
  }
}

// Adds<T, false>(dst, src, scalar, count) and the other level-2 forms with isSetMask = false (vec_level0.h).
template <typename T, typename F>
void scalar_unmasked(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src, const T& scalar,
                     const char* op, F f);

// What a level-2 call leaves behind: normal mode, every lane on.
inline void mask_level2_done() {
  VecMaskReg& m = vmask();
  m.counter = false;
  m.hi = m.lo = ~0ull;
  m.undefined_by = nullptr;
}

// What the level-2 reductions leave behind: normal mode and whatever mask their last internal step used
// (the vendor code differs by SoC and path), so a later isSetMask = false call must set the mask first.
inline void mask_level2_undefined(const char* api) {
  VecMaskReg& m = vmask();
  m.counter = false;
  m.undefined_by = api;
}

}  // namespace ascendpy_sim

namespace AscendC {

template <typename T, MaskMode mode = MaskMode::NORMAL>
static inline void SetVectorMask(const uint64_t maskHigh, const uint64_t maskLow) {
  ascendpy_sim::write_mask_reg(maskHigh, maskLow);
}

template <typename T, MaskMode mode = MaskMode::NORMAL>
static inline void SetVectorMask(int32_t len) {
  if constexpr (mode == MaskMode::COUNTER) {
    ascendpy_sim::write_mask_reg(0, static_cast<uint64_t>(static_cast<int64_t>(len)));
  } else {
    ascendpy_sim::write_mask_len<T>(len, "SetVectorMask");
  }
}

inline void ResetMask() { ascendpy_sim::write_mask_reg(~0ull, ~0ull); }

inline void SetMaskCount() { ascendpy_sim::vmask().counter = true; }

inline void SetMaskNorm() { ascendpy_sim::vmask().counter = false; }

}  // namespace AscendC
