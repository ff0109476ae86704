"""Generated documentation matches the code it is generated from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_std_ops_reference_is_up_to_date():
    """docs/std_ops.md lists every public std.ops composite with its signature (tools/gen_std_ops_docs.py)."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_std_ops_docs.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (ROOT / "docs" / "std_ops.md").read_text()
    for name in ("softmax(dst, src, n)", "layernorm(dst, src, gamma, beta, n, eps)", "kl_div("):
        assert f"`std.ops.{name}" in text
