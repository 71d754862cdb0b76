"""``exposure`` and ``matrix`` on a Dask cluster (``vpcsim.cluster``, ``--scheduler``,
``--workers``): the same answers as the single process, on a local cluster of two worker
processes listening on 127.0.0.1 only; and a clear error without the extra."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner

from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.matrix import BY_CHOICES, matrix
from vpcsim.analysis.shards import components
from vpcsim.cluster import EXTRA, ClusterSpec, ClusterUnavailable, exposure_on_cluster, matrix_on_cluster
from vpcsim.formats.spec_dump import dump_spec
from vpcsim.model import Network
from vpcsim.testing.network_generator import PRESETS, generate_network

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Two worker processes, one thread each, on 127.0.0.1."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=50,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        assert all(w.startswith("tcp://127.0.0.1:") for w in cluster.scheduler_info["workers"])
        yield address


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 160)


def _estate(seed: int, *, peering: bool) -> Network:
    return generate_network(seed, replace(PRESETS["small"], vpcs=5, min_vpcs=4, peering=peering))


@pytest.mark.parametrize(("seed", "peering"), [(1, False), (2, False), (3, True)])
def test_cluster_answers_equal_the_single_process(scheduler: str, seed: int, peering: bool) -> None:
    net = _estate(seed, peering=peering)
    if not peering:
        assert len(components(net)) >= 4
    spec = ClusterSpec(scheduler=scheduler)
    single = exposure(net)
    assert exposure_on_cluster(spec, net) == single
    assert exposure_on_cluster(spec, net, min_severity="high") == exposure(net, min_severity="high")
    for by in BY_CHOICES:
        assert matrix_on_cluster(spec, net, by).to_dict() == matrix(net, by).to_dict()


def test_a_key_held_on_the_scheduler_never_answers_a_run(scheduler: str) -> None:
    # A scheduler answers a key it still holds with that key's result (another client's, or a
    # previous run's not released yet): each run's keys must be its own.
    net = _estate(6, peering=False)
    want = matrix(net, "subnet").to_dict()
    with distributed.Client(scheduler) as other:
        held = [other.submit(str, "stale", key=f"vpcsim-matrix-{i}", pure=False) for i in range(8)]
        other.gather(held)
        for _ in range(2):
            assert matrix_on_cluster(ClusterSpec(scheduler=scheduler), net, "subnet").to_dict() == want


def test_cli_workers_output_is_byte_identical(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "estate.yaml"
    spec.write_text(dump_spec(_estate(4, peering=False)))
    for command in (["exposure", str(spec), "--json"], ["matrix", str(spec), "--by", "security-group"]):
        single = cli(*command)
        scaled = cli(*command, "--workers", "2")
        assert (scaled.status, scaled.out) == (single.status, single.out)
        assert single.out


def test_cli_scheduler_output_is_byte_identical(cli: CliRunner, tmp_path: Path, scheduler: str) -> None:
    spec = tmp_path / "estate.yaml"
    spec.write_text(dump_spec(_estate(5, peering=False)))
    single = cli("matrix", str(spec), "--csv")
    scaled = cli("matrix", str(spec), "--csv", "--scheduler", scheduler)
    assert (scaled.status, scaled.out) == (single.status, single.out)


def test_without_the_extra_workers_is_a_usage_error_naming_it(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    for command in ("exposure", "matrix"):
        run = cli(command, "bastion-nat", "--workers", "2", "--json")
        assert run.status == 2
        assert run.json["error"]["code"] == "VPCSIM_CLUSTER"
        assert EXTRA in run.json["error"]["message"]
    with pytest.raises(ClusterUnavailable, match=r"vpcsim\[cluster\]"):
        exposure_on_cluster(ClusterSpec(workers=1), _estate(1, peering=False))
    # The single process needs no extra.
    assert cli("exposure", "bastion-nat", "--json").status in (0, 1)


def test_flags_are_checked(cli: CliRunner) -> None:
    run = cli("exposure", "bastion-nat", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "--json")
    assert run.status == 2 and "exclude each other" in run.json["error"]["message"]
    assert cli("matrix", "bastion-nat", "--workers", "0").status == 2
    with pytest.raises(ValueError):
        ClusterSpec()
    with pytest.raises(ValueError):
        ClusterSpec(workers=0)
