// ascendpy simulator: the AscendC device API implemented on the CPU.
//
// Real AscendC kernel source (`#include "kernel_operator.h"`) compiles
// unchanged against this header with a host C++17 compiler:
//   g++ -std=c++17 -O2 -fPIC -shared -I ascendpy/sim/include kernel.cpp
// and the resulting library is linked against libascendcl_sim.so, which
// provides the functions of ascendpy_sim_abi.h (block index/count, SoC).
//
// Defines __ASCENDPY_SIM__ so generated code can tell it is being simulated.
// Misuse the hardware would turn into garbage or an AI-core exception raises
// ascendpy_sim::KernelFault (kinds listed in ascendpy_sim/core.h).
#pragma once

#include "ascendpy_sim_abi.h"
#include "ascendpy_sim/core.h"
#include "ascendpy_sim/fp16.h"
#include "ascendpy_sim/macros.h"
#include "ascendpy_sim/types.h"
#include "ascendpy_sim/tensor.h"
#include "ascendpy_sim/tpipe.h"
#include "ascendpy_sim/sync.h"
#include "ascendpy_sim/data_copy.h"
#include "ascendpy_sim/mask.h"
#include "ascendpy_sim/vec.h"
#include "ascendpy_sim/vec_level0.h"
#include "ascendpy_sim/cube.h"
#include "ascendpy_sim/math_adv.h"  // scans and erf: CumSum, Erf (8.1 pulls lib/kernel_api.h in here)
#include "ascendpy_sim/gather.h"  // Gather, GatherMask, Brcb (issue 13)
