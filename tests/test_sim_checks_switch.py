"""ASCENDPY_SIM_CHECKS=0 skips the per-element checks (and only those), for speed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import numpy as np
    import ascendpy
    from ascendpy import Acl, Device, Context, Stream, DeviceBuffer, KernelLoader
    from tests.kernels import gm_poke
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
        k = KernelLoader.from_module(gm_poke).get_kernel("poke")
        x = DeviceBuffer.from_numpy(np.zeros(8, np.float32))
        try:
            k[1, s](x, 8)      # one past the end: lands in the allocation's padding
            s.synchronize()
            print("no fault")
        except ascendpy.GlobalMemoryFault as e:
            print("fault", e.kind, e.lineno)
""")


def _run(checks: str | None) -> str:
    env = dict(os.environ)
    env.pop("ASCENDPY_SIM_CHECKS", None)
    if checks is not None:
        env["ASCENDPY_SIM_CHECKS"] = checks
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=root, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_scalar_bounds_checked_by_default_and_skipped_when_switched_off():
    assert _run(None) == "fault global_out_of_bounds 9"
    assert _run("1") == "fault global_out_of_bounds 9"
    assert _run("0") == "no fault"
