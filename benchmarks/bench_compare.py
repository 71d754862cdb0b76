"""The engine against an earlier revision of itself, in one process, interleaved.

Why: on a shared or busy machine two benchmark runs made one after the other differ by more than
the few percent a refactoring may cost. Here the earlier revision is imported beside the current
one (its ``src/vpcsim`` taken with ``git archive`` and renamed ``vpcsim_base``), both trace the
same flows of the same generated network in alternating chunks, and the ratio is taken per pair
of chunks: load that comes and goes hits both sides alike. The median ratio is the figure.

``python -m benchmarks.bench_compare --against REV [--rounds N]``
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

FLOWS, CHUNK = 10_000, 1_000
_IMPORT = re.compile(r"\b(from|import) vpcsim\b")


def _base_package(revision: str, into: Path) -> None:
    """Unpack ``src/vpcsim`` of ``revision`` as the package ``vpcsim_base`` under ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "src/vpcsim"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            relative = Path(member.name).relative_to("src/vpcsim")
            target = into / "vpcsim_base" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member)
            assert data is not None
            content = data.read()
            if target.suffix == ".py":
                content = _IMPORT.sub(r"\1 vpcsim_base", content.decode()).encode()
            target.write_bytes(content)


def _generator(package: str) -> ModuleType:
    """The seeded network generator of a revision (``testing`` today, ``generate`` before)."""
    for name in (f"{package}.testing", f"{package}.generate"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise SystemExit(f"{package} has no network generator")


def _side(package: str) -> tuple[Callable[..., Any], Any, list[Any]]:
    engine = importlib.import_module(f"{package}.engine")
    gen = _generator(package)
    network = gen.generate_network(7, gen.PRESETS["bench"])
    flows = list(dict.fromkeys(gen.generate_flows(network, 11, FLOWS * 2)))[:FLOWS]
    engine.trace(network, flows[0], record=False)
    return engine.trace, network, flows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_compare", description=__doc__)
    parser.add_argument("--against", required=True, help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the flows per mode")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        _base_package(args.against, Path(folder))
        sys.path.insert(0, folder)
        sides = {"new": _side("vpcsim"), "base": _side("vpcsim_base")}
        print(
            f"engine, this tree vs {args.against}: {FLOWS:,} flows of the bench preset, chunks of {CHUNK:,}"
        )
        for record in (False, True):
            ratios: list[float] = []
            totals = {"new": 0.0, "base": 0.0}
            for round_ in range(args.rounds):
                for start in range(0, FLOWS, CHUNK):
                    order = ["new", "base"] if (round_ + start // CHUNK) % 2 == 0 else ["base", "new"]
                    took: dict[str, float] = {}
                    for name in order:
                        trace, network, flows = sides[name]
                        began = time.perf_counter()
                        for flow in flows[start : start + CHUNK]:
                            trace(network, flow, record=record)
                        took[name] = time.perf_counter() - began
                    ratios.append(took["new"] / took["base"])
                    totals["new"] += took["new"]
                    totals["base"] += took["base"]
            low, _, high = statistics.quantiles(ratios, n=4)
            done = args.rounds * FLOWS
            print(
                f"{'full traces' if record else 'verdicts   '}: time new/base median {statistics.median(ratios):.3f}"
                f" (middle half {low:.3f}-{high:.3f}, {len(ratios)} pairs);"
                f" new {done / totals['new']:,.0f}/s, base {done / totals['base']:,.0f}/s"
            )


if __name__ == "__main__":
    main()
