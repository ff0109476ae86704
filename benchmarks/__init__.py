"""Speed measurements of ascendpy (issue 14): `python -m benchmarks` runs them all.

A regular package on purpose: xdsl installs a top-level `benchmarks` package of its own, which would
shadow a namespace package of this name.
"""
