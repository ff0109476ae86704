// The advanced API Broadcast, included as CANN 8.1 kernels include it (highlevel_api/lib/pad/broadcast.h).
#pragma once

#include "kernel_operator.h"
#include "ascendpy_sim/broadcast.h"
