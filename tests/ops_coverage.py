"""pytest hooks: a run of the whole suite fails when an ascendpy.ops operator has no passing test.

Tests name what they verify with `@pytest.mark.op("relu", ...)` (or `marks=pytest.mark.op(...)` on a param).
A run counts as the whole suite when it has no -k, -m, --lf, --ff or --deselect and its paths are the root
or the configured testpaths; then every operator of ascendpy.ops.registry.OPERATORS must have passed at least
one marked test, or the run's exit status is "tests failed" and the missing operators are printed. With
pytest-xdist the workers' reports reach the controller, which decides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_passed: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "op(*names): the ascendpy.ops operators the test verifies (coverage table)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        names = tuple(n for m in item.iter_markers("op") for n in m.args)
        if names:
            report.user_properties.append(("ops", names))
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for key, value in report.user_properties:
            if key == "ops":
                _passed.update(value)


def whole_suite(config: pytest.Config) -> bool:
    opt = config.option
    if getattr(opt, "keyword", "") or getattr(opt, "markexpr", "") or getattr(opt, "lf", False) \
            or getattr(opt, "failedfirst", False) or getattr(opt, "deselect", None):
        return False
    root = config.rootpath
    full = {root, *(root / p for p in config.getini("testpaths"))}
    return all(Path(a).resolve() in full for a in config.args)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput") or not whole_suite(session.config):
        return  # an xdist worker reports to the controller; a partial run checks nothing
    import ascendpy.ops  # noqa: F401 - registers every operator
    from ascendpy.ops.registry import OPERATORS

    missing = sorted(set(OPERATORS) - _passed)
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"ascendpy.ops: {len(missing)} registered operator(s) have no passing test "
                                f"(@pytest.mark.op): {', '.join(missing)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
