"""Import of a generated 50,000-ENI estate in AWS describe-* format (``docs/performance.md``).

Target: at most 3x the time of merely parsing the same files with orjson (measured in the same
run, garbage collector as the importer runs it: paused); ceiling 60 s and 4 GiB.
"""

from __future__ import annotations

import gc
import resource
import tempfile
import time
from pathlib import Path

import orjson

from vpcsim.formats.aws import export_aws, load_aws
from vpcsim.testing import PRESETS, generate_network

TARGET_RATIO, CEILING_SECONDS, CEILING_BYTES = 3.0, 60.0, 4 << 30


def _parse_only(root: Path) -> float:
    files = sorted(root.rglob("*.json"))
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for path in files:
            orjson.loads(path.read_bytes())
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def main() -> None:
    start = time.perf_counter()
    network = generate_network(3, PRESETS["estate"])
    print(f"generated {len(network.network_interfaces):,} ENIs in {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory(prefix="vpcsim-bench-import-") as tmp:
        root = Path(tmp)
        written = export_aws(network, root)
        size = sum(p.stat().st_size for p in written)
        del network
        gc.collect()
        parse = _parse_only(root)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        start = time.perf_counter()
        loaded = load_aws(root)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    enis = len(loaded.network.network_interfaces)
    ratio = seconds / parse
    print(f"files: {len(written)} ({size / 1e6:,.0f} MB); imported {enis:,} ENIs")
    print(
        f"orjson parse only: {parse:.2f} s; import: {seconds:.2f} s; ratio {ratio:.2f}x "
        f"(target <= {TARGET_RATIO:.0f}x: {'met' if ratio <= TARGET_RATIO else 'MISSED'})"
    )
    print(
        f"peak RSS of the process: {peak / 2**30:.2f} GiB (before import {before / 2**30:.2f} GiB); "
        f"ceiling 60 s / 4 GiB: {'met' if seconds <= CEILING_SECONDS and peak <= CEILING_BYTES else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
