"""`python -m benchmarks` (issue 14's speed table) on tiny sizes: every row present, the JSON schema kept.

Speed is never asserted here; the figures of a tiny run mean nothing.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "issue14.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(out.read_text()), proc.stdout


def test_every_row_is_measured_and_judged(tiny_run: tuple[dict, str]) -> None:
    from benchmarks.suite import ROW_IDS, SCHEMA

    results, stdout = tiny_run
    assert results["schema"] == SCHEMA and results["mode"] == "tiny"
    assert {"platform", "cpu_model", "cores", "python", "numpy", "compiler", "git_commit", "soc"} <= set(
        results["machine"])
    assert results["date"] and results["elapsed_s"] > 0
    assert [r["row"] for r in results["rows"]] == list(ROW_IDS)
    for r in results["rows"]:
        assert "error" not in r, r
        assert {"measure", "unit", "value", "baseline", "target", "met", "checked", "details"} <= set(r)
        assert math.isfinite(r["value"]) and r["value"] > 0, r
        assert isinstance(r["met"], bool)
        assert r["target"]["op"] in (">=", "<=") and math.isfinite(r["target"]["value"])
        if r["baseline"] is not None:
            assert r["baseline"]["value"] > 0 and r["baseline"]["name"]
        assert f"{r['row']}. {r['measure']}" in stdout  # the printed table has the row
    assert all(r["baseline"] is not None for r in results["rows"] if r["row"] != 9)
    assert set(results["rows"][8]["details"]["cases"]) == {"f32 multiply", "row softmax"}
    from benchmarks.suite import markdown

    assert [ln.split("|")[1].strip() for ln in markdown(results).splitlines()[2:]] == [str(i) for i in ROW_IDS]


def test_only_picks_rows(tmp_path: Path) -> None:
    from benchmarks import suite

    out = tmp_path / "r.json"
    results = suite.main(["--tiny", "--only", "6", "--json", str(out)])
    assert [r["row"] for r in results["rows"]] == [6]
    assert json.loads(out.read_text())["rows"][0]["row"] == 6


def test_a_missing_peer_is_reported_not_installed(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import peers, suite

    monkeypatch.setattr(peers, "PEERS", [("nobody", "ascendpy-no-such-distribution", {})])
    got = peers.run_all(suite.Plan.make(quick=False, tiny=True, block_dim=4), [])
    assert got["nobody"] == {"version": None, "status": peers.NOT_INSTALLED, "cases": {}}
    peers.print_table(got)
    assert "not installed (pip install -e '.[peers]')" in capsys.readouterr().out
    assert f"| f32 multiply | nobody | - | | | {peers.NOT_INSTALLED} |" in peers.markdown(got)


def test_a_failing_row_is_recorded_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import suite

    def broken(plan: suite.Plan) -> dict:
        raise AssertionError("simulator and numpy disagree")

    monkeypatch.setattr(suite, "row_launch", broken)
    results = suite.main(["--tiny", "--only", "5,6", "--json", str(tmp_path / "r.json")])
    failed, ok = results["rows"]
    assert failed["row"] == 5 and failed["met"] is False and "disagree" in failed["error"]
    assert ok["row"] == 6 and "error" not in ok
