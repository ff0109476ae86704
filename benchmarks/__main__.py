"""`python -m benchmarks`: issue 14's speed table (see benchmarks/suite.py)."""

from benchmarks.suite import main

main()
