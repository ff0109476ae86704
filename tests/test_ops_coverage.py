"""The ops coverage check itself: a whole-suite run fails when a registered operator has no passing test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_registered_operator_is_named_by_a_test():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from gen_ops_coverage import op_tests
    finally:
        sys.path.remove(str(ROOT / "tools"))
    from ascendpy.ops.registry import OPERATORS

    named = op_tests()
    assert sorted(set(OPERATORS) - set(named)) == []
    assert sorted(set(named) - set(OPERATORS)) == [], "tests name operators that are not registered"


def test_coverage_table_is_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_ops_coverage.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _suite(tmp_path: Path, body: str) -> Path:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.ops_coverage import (pytest_configure, pytest_runtest_logreport, pytest_runtest_makereport,
                                        pytest_sessionfinish)
    """))
    (tmp_path / "test_planted.py").write_text(textwrap.dedent(body))
    return tmp_path


def _run(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=where,
                          capture_output=True, text=True, timeout=120)


PLANTED = """
    import pytest

    @pytest.mark.op("relu")
    def test_relu_only():
        assert True

    @pytest.mark.op("sigmoid")
    def test_sigmoid_fails():
        assert False
"""


def test_a_missing_operator_fails_the_whole_run(tmp_path):
    """Planted: only relu passes (sigmoid's test fails): the run fails and names sigmoid, not relu."""
    done = _run(_suite(tmp_path, PLANTED))
    assert done.returncode == pytest.ExitCode.TESTS_FAILED
    line = next(ln for ln in done.stdout.splitlines() if "have no passing test" in ln)
    missing = line.rsplit(": ", 1)[1].split(", ")
    assert "sigmoid" in missing and "relu" not in missing and "leaky_relu" in missing


def test_a_partial_run_checks_nothing(tmp_path):
    done = _run(_suite(tmp_path, PLANTED), "-k", "relu")
    assert done.returncode == 0, done.stdout
    assert "have no passing test" not in done.stdout
