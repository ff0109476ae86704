"""Sum and mean of 1_000_003 f32 values in one launch (kernels.py on 910B, kernels_310p.py on 310P).

Run from the repository root:  python -m examples.global_sum.main   (ASCENDPY_SIM_SOC=Ascend310P3 for 310P)
"""

from __future__ import annotations

import math

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream
from ascendpy.toolchain.targets import get_target

from . import kernels, kernels_310p

N = 1_000_003


def cores(soc: str) -> int:
    """block_dim: every core a SyncAll launch may use at once (910B: the vector cores; 310P: the AI Cores)."""
    t = get_target(soc)
    return int(t.ai_cores if t.family == "310P" else t.vector_cores)  # type: ignore[arg-type]


def tolerance(x: np.ndarray, blocks: int) -> float:
    """Bound on |f32 total - exact total|: each f32 add rounds by at most 2^-24 of what it has summed so far, and
    no element goes through more adds than the deepest path: ReduceSum's tree in a 256-byte repeat (6 levels) and
    its adds over the TILE/64 repeats, the tile sums of a chunk, the block partials in the atomic adds."""
    tiles = math.ceil(math.ceil(len(x) / blocks) / kernels.TILE)
    depth = 6 + kernels.TILE // 64 + tiles + blocks + 1
    return depth * 2.0**-24 * float(np.abs(x.astype(np.float64)).sum())


def run(stream: Stream, soc: str, x: np.ndarray, out_before: np.ndarray | None = None) -> tuple[float, float, int]:
    """(total, mean, block_dim) of one launch; `out` starts as `out_before` (default: NaNs, which must not matter)."""
    blocks = cores(soc)
    out = DeviceBuffer.from_numpy(np.full(8, np.nan, np.float32) if out_before is None else out_before)
    if get_target(soc).family == "310P":
        ws = DeviceBuffer.zeros(np.int32, 8 * blocks)  # the software SyncAll's workspace: zero before the launch
        kernel = KernelLoader.from_module(kernels_310p, soc=soc).get_kernel("global_sum_ws")
        kernel[blocks, stream](DeviceBuffer.from_numpy(x), out, ws, len(x))
    else:
        kernel = KernelLoader.from_module(kernels, soc=soc).get_kernel("global_sum")
        kernel[blocks, stream](DeviceBuffer.from_numpy(x), out, len(x))
    stream.synchronize()
    got = out.to_numpy()
    assert (got[2:] == 0).all(), got
    return float(got[0]), float(got[1]), blocks


def main(seed: int = 0) -> None:
    x = np.random.default_rng(seed).standard_normal(N).astype(np.float32)
    exact = float(x.astype(np.float64).sum())
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        soc = device.soc_name
        total, mean, blocks = run(stream, soc, x)
        tol = tolerance(x, blocks)
        print(f"global_sum on {soc} ({acl.driver}): {N} f32 in one launch of {blocks} blocks")
        print(f"  sum  {total:.6f}  (float64 {exact:.6f}, error {abs(total - exact):.2e}, bound {tol:.2e})")
        print(f"  mean {mean:.9f}  (float64 {exact / N:.9f}, error {abs(mean - exact / N):.2e})")
        assert abs(total - exact) <= tol and abs(mean - exact / N) <= tol / N + 2.0**-24 * abs(exact / N)


if __name__ == "__main__":
    main()
