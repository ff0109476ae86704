"""Shared fixtures. The whole session uses one private artifact cache.

`ASCENDPY_CACHE_DIR` may be set by the caller (CI keeps one across runs to
measure warm starts); otherwise a fresh directory per test session is used.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

if "ASCENDPY_CACHE_DIR" not in os.environ:
    os.environ["ASCENDPY_CACHE_DIR"] = tempfile.mkdtemp(prefix="ascendpy-test-cache-")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A fresh random generator; its seed is printed when the test fails."""
    seed = int.from_bytes(os.urandom(4), "little")
    request.node.user_properties.append(("seed", seed))
    print(f"random seed: {seed}")
    return np.random.default_rng(seed)


@pytest.fixture
def runtime():
    """An (acl, device, context, stream) quadruple on the default device, closed afterwards."""
    from ascendpy import Acl, Context, Device, Stream

    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        yield acl, device, ctx, stream


@pytest.fixture
def runtime310(monkeypatch: pytest.MonkeyPatch):
    """A stream on a simulated Ascend310P3, whatever the caller's environment says."""
    from ascendpy import Acl, Context, Device, Stream

    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend310P3")
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        assert device.soc_name == "Ascend310P3"
        yield stream



# ascendpy.ops coverage: a registered operator without a passing test fails a whole-suite run (tests/ops_coverage.py)
from tests.ops_coverage import (  # noqa: E402,F401 - pytest finds hooks by name here
    pytest_configure,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_sessionfinish,
)
