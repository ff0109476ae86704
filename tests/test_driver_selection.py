"""Driver choice: one ctypes binding loads the simulator or CANN's libascendcl.so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ascendpy.sim.build import sim_library

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
from ascendpy import Acl, Device
with Acl() as acl, Device(acl) as d:
    print(acl.driver, d.soc_name)
"""


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME",
                                                              "ASCENDPY_DEVICE")}
    return subprocess.run([sys.executable, "-c", PROBE], env={**base, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, timeout=120)


def test_default_without_cann_is_the_simulator():
    out = _run({})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["sim", "Ascend910B3"]


def test_npu_requested_without_cann_says_what_to_do():
    out = _run({"ASCENDPY_DEVICE": "npu"})
    assert out.returncode != 0
    assert "ASCENDPY_DEVICE=npu but CANN was not found" in out.stderr and "set_env.sh" in out.stderr


def test_unknown_device_choice():
    out = _run({"ASCENDPY_DEVICE": "gpu"})
    assert out.returncode != 0 and "use 'npu' or 'sim'" in out.stderr


def test_cann_install_is_found_and_loaded(tmp_path):
    """A CANN layout (here holding the simulator under libascendcl.so's name) is picked by default."""
    (tmp_path / "lib64").mkdir()
    shutil.copy(sim_library(), tmp_path / "lib64" / "libascendcl.so")
    out = _run({"ASCEND_HOME_PATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["npu", "Ascend910B3"]
    forced = _run({"ASCEND_HOME_PATH": str(tmp_path), "ASCENDPY_DEVICE": "sim"})
    assert forced.stdout.split()[0] == "sim"
