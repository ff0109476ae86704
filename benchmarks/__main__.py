"""`python -m benchmarks`: issue 14's speed table (see benchmarks/suite.py)."""

import sys

from benchmarks.suite import main

results = main()
sys.exit(1 if results and any("error" in r for r in results["rows"]) else 0)
