"""``exposure`` and ``matrix`` on a local Dask cluster of 2 worker processes against the single
process, on generated estates of disconnected VPCs (``docs/performance.md``).

Each size is an estate of 16 VPCs that nothing joins (no peering), so it splits into 16 parts.
Figures per size: the single process; the cluster *including* starting it (what ``--workers 2``
costs from the CLI); the cluster already running (what ``--scheduler`` costs); the speed-ups.
Every cluster answer is checked equal to the single-process one. Loading is not timed (both
paths load the same way, in the driver).

``python -m benchmarks cluster`` (sizes 200, 500 and 1,000 ENIs; a few minutes);
``python -m benchmarks.bench_cluster --sizes 1000 5000`` for others.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import TypeVar

from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.matrix import matrix
from vpcsim.analysis.shards import (
    components,
    exposure_shard,
    matrix_shard,
    merge_exposure,
    merge_matrix,
    plan,
    public_addresses,
)
from vpcsim.cluster import ClusterSpec, connect, exposure_on_cluster, matrix_on_cluster
from vpcsim.model import Network
from vpcsim.testing import GeneratorConfig, generate_network

T = TypeVar("T")
SEED = 1
SIZES = (200, 500, 1_000)
WORKERS = 2


def estate(enis: int) -> Network:
    return generate_network(
        SEED,
        GeneratorConfig(
            vpcs=16,
            subnets_per_vpc=6,
            network_interfaces=enis,
            security_groups=max(16, enis // 25),
            rules_per_group=10,
            nacl_rules=20,
            peering=False,
        ),
    )


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _in_turn(net: Network, question: str) -> object:
    """The shards one after another in this process: what sharding alone gains."""
    public = public_addresses(net)
    shards = plan(net, 2 * WORKERS)
    if question == "exposure":
        return merge_exposure(net, [exposure_shard(s.network, public=public) for s in shards])
    return merge_matrix(
        "security-group", [matrix_shard(s.network, "security-group") for s in shards]
    ).to_dict()


def _single(net: Network, question: str) -> object:
    return exposure(net) if question == "exposure" else matrix(net, "security-group").to_dict()


def _cluster(net: Network, question: str, spec: ClusterSpec) -> object:
    if question == "exposure":
        return exposure_on_cluster(spec, net)
    return matrix_on_cluster(spec, net, "security-group").to_dict()


def run(sizes: tuple[int, ...]) -> None:
    print(
        f"{'ENIs':>6} {'parts':>5} {'question':<26} {'single':>8} {'in turn':>8} "
        f"{'--workers 2':>11} {'running':>8}  speed-up (started / running)"
    )
    for enis in sizes:
        net = estate(enis)
        parts = len(components(net))
        for question in ("exposure", "matrix --by security-group"):
            single, t_single = _timed(lambda: _single(net, question))  # noqa: B023
            in_turn, t_turn = _timed(lambda: _in_turn(net, question))  # noqa: B023
            started, t_started = _timed(lambda: _cluster(net, question, ClusterSpec(workers=WORKERS)))  # noqa: B023
            with connect(ClusterSpec(workers=WORKERS)) as (client, _):
                spec = ClusterSpec(scheduler=client.scheduler.address)
                running, t_running = _timed(lambda: _cluster(net, question, spec))  # noqa: B023
            assert in_turn == started == running == single, f"{question} differs at {enis} ENIs"
            print(
                f"{enis:>6} {parts:>5} {question:<26} {t_single:>7.2f}s {t_turn:>7.2f}s {t_started:>10.2f}s"
                f" {t_running:>7.2f}s  {t_single / t_started:.2f} / {t_single / t_running:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_cluster", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    run(tuple(parser.parse_args([]).sizes if __name__ != "__main__" else parser.parse_args().sizes))


if __name__ == "__main__":
    main()
