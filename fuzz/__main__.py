"""The fuzz campaign: ``python -m fuzz [SURFACE ...] --examples N`` (``make fuzz`` runs it).

Prints, per surface, the inputs run, their rate, the exit statuses and every distinct failure
(an exit status outside the contract, a traceback, an unlocated or Python-worded rejection) with
the path of a kept input that reproduces it. Exits 1 when anything failed. ``docs/fuzzing.md``
records the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .campaign import run_surface
from .surfaces import SURFACES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument(
        "surfaces", nargs="*", metavar="SURFACE", help=f"of {', '.join(SURFACES)} (default: all)"
    )
    parser.add_argument("--examples", type=int, default=100_000, help="inputs per surface")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis' seed (default: random)")
    parser.add_argument(
        "--derandomize", action="store_true", help="the same inputs on every run (as make test does)"
    )
    parser.add_argument(
        "--sample", type=int, default=300, help="accepted inputs also run through the other commands"
    )
    parser.add_argument(
        "--processes", type=int, default=10, help="sampled inputs also run through a vpcsim subprocess"
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop a surface after this long (even short of --examples)",
    )
    parser.add_argument("--progress", type=int, default=10_000, help="print a progress line every N inputs")
    parser.add_argument("--batch", type=int, default=50, help="inputs per hypothesis example")
    parser.add_argument(
        "--failures", type=Path, default=Path("fuzz-failures"), help="where failing inputs go"
    )
    args = parser.parse_args(argv)
    names = args.surfaces or list(SURFACES)
    total = 0
    start = time.perf_counter()
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"vpcsim-fuzz-{name}-") as work:
            stats = run_surface(
                name,
                Path(work),
                examples=args.examples,
                derandomize=args.derandomize,
                seed=args.seed,
                sample=args.sample,
                processes=args.processes,
                failures_dir=args.failures.resolve(),
                batch=args.batch,
                progress=args.progress,
                max_seconds=args.max_minutes * 60 if args.max_minutes else None,
            )
        print(stats.summary(), flush=True)
        total += sum(stats.failures.values())
    print(
        f"== total: {len(names)} surface(s) in {time.perf_counter() - start:.0f} s, {total} failing input(s)"
    )
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
