"""Hand-written lab scenarios: what AWS does with each probe, checked against the kernel and
against the engine (``test_lab_semantics.py`` for IPv4, ``test_lab_ipv6.py`` for IPv6, ``test_transit.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vpcsim.engine import Flow, trace
from vpcsim.fidelity import engine_expects
from vpcsim.lab import ProbeResult, ProbeSpec
from vpcsim.model import Network


@dataclass(frozen=True)
class Expect:
    """A probe and its outcome in AWS (``seen_from``/``seen_port``: the source the destination
    sees, when it says)."""

    why: str
    spec: ProbeSpec
    delivered: bool
    arrived: bool
    seen_from: str | None = None
    seen_port: int | None = None


def flow_of(spec: ProbeSpec) -> Flow:
    """The engine's flow of a probe (unpinned: the Linux client ports)."""
    return Flow(
        protocol=spec.protocol,
        source=spec.source,
        destination=spec.destination,
        destination_port=spec.destination_port,
        source_ports=((spec.source_port, spec.source_port),)
        if spec.source_port is not None
        else ((32768, 60999),),
        icmp_type=spec.icmp_type,
        icmp_code=spec.icmp_code,
        source_eni=spec.source_eni,
    )


def kernel_disagreements(observed: Iterable[tuple[Expect, ProbeResult]]) -> list[str]:
    """The probes whose kernel outcome is not AWS's (a wrong source seen fails at once)."""
    wrong = []
    for expect, result in observed:
        got = (result.delivered, result.forward)
        if got != (expect.delivered, expect.arrived):
            wrong.append(
                f"{expect.why}: expected {(expect.delivered, expect.arrived)}, got {got} ({result.detail})"
            )
            continue
        if expect.seen_from is not None:
            assert result.observed_source == expect.seen_from, expect.why
        if expect.seen_port is not None:
            assert result.observed_source_port == expect.seen_port, expect.why
    return wrong


def engine_disagreements(network: Network, observed: Iterable[tuple[Expect, ProbeResult]]) -> list[str]:
    """The probes whose outcome in the engine's trace of the same flow is not AWS's."""
    wrong = []
    for expect, result in observed:
        engine = engine_expects(trace(network, flow_of(expect.spec)), result.observed_source_port)
        if engine != (expect.arrived, expect.delivered):
            wrong.append(
                f"{expect.why}: engine says arrives/completes {engine}, AWS {(expect.arrived, expect.delivered)}"
            )
    return wrong
