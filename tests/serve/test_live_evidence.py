"""The watchdog's kernel evidence: each namespace's neighbour cache is read once per check, and
every disagreement of the check carries the caches of its own namespaces (no root needed: the
reader is replaced)."""

from __future__ import annotations

from collections import Counter

import pytest

from vpcsim.lab.errors import LabError
from vpcsim.lab.probe import ProbeResult, ProbeSpec
from vpcsim.lab.state import LabState, VpcRecord
from vpcsim.serve import live as live_module
from vpcsim.serve.live import kernel_evidence

ROUTERS = ("vs-t-vpc-1", "vs-t-vpc-2")


def _state() -> LabState:
    return LabState(
        name="t",
        namespaces=[],
        vpcs={
            f"vpc-{i}": VpcRecord(f"vpc-{i}", ns, None, [f"10.{i}.0.0/16"], None)
            for i, ns in enumerate(ROUTERS, start=1)
        },
    )


def _observed(client: str, *servers: str) -> ProbeResult:
    spec = ProbeSpec(6, "10.1.0.10", "10.2.0.10", destination_port=22)
    return ProbeResult(spec, client_namespace=client, server_namespaces=list(servers))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the neighbour-cache reads per namespace; ``vs-t-i-bad`` cannot be read."""
    counted: Counter[str] = Counter()

    def neighbours(namespace: str) -> list[str]:
        counted[namespace] += 1
        if namespace == "vs-t-i-bad":
            raise LabError(f"{namespace}: no such namespace")
        return [f"{namespace} entry {n}" for n in range(live_module.EVIDENCE_LINES + 5)]

    monkeypatch.setattr(live_module, "lab_neighbours", neighbours)
    return counted


def test_one_check_reads_each_namespace_once(reads: Counter[str]) -> None:
    state = _state()
    probes = [_observed("vs-t-i-a", "vs-t-i-b"), _observed("vs-t-i-b", "vs-t-i-c"), _observed("vs-t-i-a")]
    alone = [kernel_evidence(state, observed) for observed in probes]
    assert reads == Counter({**dict.fromkeys(ROUTERS, 3), "vs-t-i-a": 2, "vs-t-i-b": 2, "vs-t-i-c": 1})
    reads.clear()
    caches: dict[str, list[str]] = {}
    shared = [kernel_evidence(state, observed, caches) for observed in probes]
    assert shared == alone  # the same evidence, in the same order of namespaces
    assert [list(e["neighbours"]) for e in shared] == [
        ["vs-t-i-a", "vs-t-i-b", *ROUTERS],
        ["vs-t-i-b", "vs-t-i-c", *ROUTERS],
        ["vs-t-i-a", *ROUTERS],
    ]
    assert reads == Counter(dict.fromkeys(["vs-t-i-a", "vs-t-i-b", "vs-t-i-c", *ROUTERS], 1))
    assert all(len(lines) == live_module.EVIDENCE_LINES for e in shared for lines in e["neighbours"].values())


def test_an_unreadable_namespace_says_why_once(reads: Counter[str]) -> None:
    state = _state()
    caches: dict[str, list[str]] = {}
    first = kernel_evidence(state, _observed("vs-t-i-bad"), caches)
    second = kernel_evidence(state, _observed("vs-t-i-bad", "vs-t-i-a"), caches)
    assert first["neighbours"]["vs-t-i-bad"] == ["unreadable: vs-t-i-bad: no such namespace"]
    assert second["neighbours"]["vs-t-i-bad"] == first["neighbours"]["vs-t-i-bad"]
    assert reads["vs-t-i-bad"] == 1
    # A record's lists are its own: changing one leaves the other disagreements' evidence alone.
    first["neighbours"]["vs-t-vpc-1"].append("edited")
    assert "edited" not in second["neighbours"]["vs-t-vpc-1"]
