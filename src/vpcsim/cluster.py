"""Run ``exposure`` and ``matrix`` on a Dask cluster, one shard of the estate per task.

Why: an organisation's estate (hundreds of accounts) outgrows one machine, but it is mostly
islands of VPCs that nothing joins. :mod:`vpcsim.analysis.shards` plans the shards (pure) and
merges their answers into exactly the single-process answer; this module is the thin executor
at the edge: it connects to a scheduler (``--scheduler ADDRESS``) or starts a local cluster of
worker processes listening on 127.0.0.1 only (``--workers N``), sends each worker its shard's
sub-network (model dataclasses -- never the whole estate) and gathers the answers in shard order.

Dask is an optional extra (``pip install 'vpcsim[cluster]'``): it is imported only here, only
when a cluster is asked for, and :class:`ClusterUnavailable` names the extra when it is missing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from .analysis.exposure import ExposureResult, Severity
from .analysis.intervals import Interval
from .analysis.matrix import By, MatrixResult
from .analysis.shards import (
    Shard,
    exposure_shard,
    matrix_shard,
    merge_exposure,
    merge_matrix,
    plan,
    public_addresses,
)
from .engine.flow import LINUX_CLIENT_PORTS
from .model import Network

EXTRA = "vpcsim[cluster]"
"""The optional extra that installs Dask's distributed scheduler."""
SHARDS_PER_WORKER = 2
"""Shards planned per worker: enough to even out parts of unequal cost, few enough that each
shard's fixed cost (compiling its sub-network) stays small."""
CONNECT_TIMEOUT = "30s"

T = TypeVar("T")


class ClusterUnavailable(RuntimeError):
    """No cluster to run on: the extra is not installed, or the scheduler cannot be reached."""


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """Where to run: an existing scheduler's address, or a local cluster of ``workers``
    processes (``processes=False``: threads of this process, for tests)."""

    scheduler: str | None = None
    workers: int | None = None
    processes: bool = True

    def __post_init__(self) -> None:
        if (self.scheduler is None) == (self.workers is None):
            raise ValueError("give a scheduler address or a number of workers (one of them)")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")


def require_distributed() -> Any:
    """Dask's ``distributed`` module, or :class:`ClusterUnavailable` naming the extra."""
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(
            f"running on a cluster needs Dask's distributed scheduler: pip install '{EXTRA}'"
        ) from None
    return distributed


@contextmanager
def connect(spec: ClusterSpec) -> Iterator[tuple[Any, int]]:
    """A Dask client and its number of workers; a local cluster is started and stopped here."""
    distributed = require_distributed()
    if spec.scheduler is not None:
        try:
            client = distributed.Client(spec.scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterUnavailable(f"cannot reach the Dask scheduler at {spec.scheduler}: {exc}") from None
        with client:
            yield client, max(1, len(client.scheduler_info().get("workers", {})))
        return
    assert spec.workers is not None
    with (
        distributed.LocalCluster(
            n_workers=spec.workers,
            threads_per_worker=1,
            processes=spec.processes,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # never 0.0.0.0, never a fixed port
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client, spec.workers


def _run(spec: ClusterSpec, network: Network, task: Callable[..., T], name: str, **kwargs: Any) -> list[T]:
    """``task(shard network, **kwargs)`` on every shard, results in shard order."""
    with connect(spec) as (client, workers):
        shards: list[Shard] = plan(network, workers * SHARDS_PER_WORKER)
        # What every shard needs (the estate's public addresses) is sent to each worker once.
        shared = {
            k: client.scatter([v], broadcast=True)[0] if isinstance(v, frozenset) else v
            for k, v in kwargs.items()
        }
        # Keys unique to this run: a scheduler answers a known key with the result it holds, which
        # may still be another run's (results are released asynchronously).
        run_id = uuid.uuid4().hex
        futures = [
            client.submit(task, shard.network, key=f"vpcsim-{name}-{run_id}-{i}", pure=False, **shared)
            for i, shard in enumerate(shards)
        ]
        results: Sequence[T] = client.gather(futures)
    return list(results)


def exposure_on_cluster(
    spec: ClusterSpec,
    network: Network,
    *,
    skipped: dict[str, int] | None = None,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    min_severity: Severity = "low",
) -> ExposureResult:
    """``exposure(network, ...)``, shard by shard on the cluster: the same answer."""
    results = _run(
        spec,
        network,
        exposure_shard,
        "exposure",
        public=public_addresses(network),
        client_ports=client_ports,
        min_severity=min_severity,
    )
    return merge_exposure(network, results, skipped=skipped)


def matrix_on_cluster(
    spec: ClusterSpec, network: Network, by: By, *, client_ports: Interval = LINUX_CLIENT_PORTS
) -> MatrixResult:
    """``matrix(network, by, ...)``, shard by shard on the cluster: the same answer."""
    results = _run(spec, network, matrix_shard, "matrix", by=by, client_ports=client_ports)
    return merge_matrix(by, results, network, client_ports=client_ports)


__all__ = [
    "EXTRA",
    "ClusterSpec",
    "ClusterUnavailable",
    "connect",
    "exposure_on_cluster",
    "matrix_on_cluster",
    "require_distributed",
]
