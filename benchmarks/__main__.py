"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (``make bench`` runs them all).

Each benchmark prints its figures and a ratio against a baseline measured in the same run, and
its closing lines are what ``docs/performance.md`` records.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "engine": "benchmarks.bench_engine",
    "import": "benchmarks.bench_import",
    "analysis": "benchmarks.bench_analysis",
    "warm": "benchmarks.bench_warm",
    "cluster": "benchmarks.bench_cluster",
    "serve": "benchmarks.bench_serve",
    "console": "benchmarks.bench_console",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"== {name}")
        module.main()


if __name__ == "__main__":
    main()
