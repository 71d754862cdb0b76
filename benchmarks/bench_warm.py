"""Warm answers: one ``vpcsim trace`` from the CLI, end to end, on the 50,000-ENI estate written as
an AWS describe-* folder -- cold (nothing cached: read, validate, compile) and then warm (the
network cache, ``vpcsim.cache``), each in a fresh process (``docs/performance.md``).

Targets: cold <= 10 s, warm <= 1 s. Prints wall time and CPU time (user + system) of each run:
on a shared machine the CPU time is what the command itself costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vpcsim.formats.aws import export_aws
from vpcsim.testing import PRESETS, generate_network, messy_config

COLD_TARGET, WARM_TARGET = 10.0, 1.0


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench_warm", description=__doc__)
    parser.add_argument("--preset", choices=("estate", "messy"), default="estate", help="the estate's kind")
    parser.add_argument("--enis", type=int, default=50_000, help="ENIs in a messy estate (default 50,000)")
    options = parser.parse_args()
    config = PRESETS["estate"] if options.preset == "estate" else messy_config(options.enis)
    network = generate_network(3, config)
    print(f"{options.preset} estate: {len(network.network_interfaces):,} ENIs")
    running = [i.instance_id for i in network.instances.values() if i.state == "running"]
    src, dst = running[0], running[-1]
    vpcsim = shutil.which("vpcsim") or str(Path(sys.executable).with_name("vpcsim"))
    with tempfile.TemporaryDirectory(prefix="vpcsim-bench-warm-") as tmp:
        folder = Path(tmp) / "estate"
        export_aws(network, folder)
        del network
        env = {**os.environ, "VPCSIM_CACHE_DIR": str(Path(tmp) / "cache")}
        command = [vpcsim, "trace", str(folder), "--from", src, "--to", dst, "--port", "22"]
        print("command:", " ".join(["vpcsim", *command[1:]]))
        cold = _run(command, env)
        # The cold run writes its entry from a forked child: wait until it is there.
        deadline = time.monotonic() + 120
        while not list((Path(tmp) / "cache").glob("*.entry")) and time.monotonic() < deadline:
            time.sleep(0.2)
        warm = [_run(command, env) for _ in range(3)]
        uncached = _run([*command, "--no-cache"], env)
    for name, (wall, cpu, status), target in (
        ("cold", cold, COLD_TARGET),
        *((f"warm #{i + 1}", w, WARM_TARGET) for i, w in enumerate(warm)),
        ("--no-cache", uncached, COLD_TARGET),
    ):
        verdict = "met" if wall <= target else "MISSED"
        print(
            f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, exit {status} (target <= {target:.0f} s: {verdict})"
        )


if __name__ == "__main__":
    main()
