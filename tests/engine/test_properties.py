"""Properties of the reference engine on random networks and flows (hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from vpcsim.engine import Flow, trace
from vpcsim.engine.codes import CODES, UNKNOWN_CODES
from vpcsim.model import Network
from vpcsim.testing import PRESETS
from vpcsim.testing.strategies import network_and_flows

CASES = network_and_flows(PRESETS["small"], max_flows=8)


@given(CASES)
def test_verdict_follows_blockers(case: tuple[Network, list[Flow]]) -> None:
    network, flows = case
    for flow in flows:
        result = trace(network, flow)
        assert result.reachable == (not result.blockers)
        assert all(b.code in CODES for b in result.blockers)
        if result.verdict == "unknown":
            assert {b.code for b in result.blockers} <= UNKNOWN_CODES
        if result.verdict == "unreachable":
            assert any(b.code not in UNKNOWN_CODES for b in result.blockers)


@given(CASES)
def test_recording_does_not_change_the_answer(case: tuple[Network, list[Flow]]) -> None:
    network, flows = case
    for flow in flows:
        full, fast = trace(network, flow), trace(network, flow, record=False)
        assert (full.verdict, full.blockers) == (fast.verdict, fast.blockers)
        assert fast.forward == () and fast.return_ == ()


@given(CASES, st.data())
def test_a_range_works_iff_every_pinned_port_in_it_works(
    case: tuple[Network, list[Flow]], data: st.DataObject
) -> None:
    """A client range is reachable exactly when its pinned ports are; a failing port listed by a
    return-path blocker fails when pinned."""
    network, flows = case
    for flow in flows:
        if not flow.has_ports:
            continue
        lo, hi = 32768, 60999
        ranged = trace(network, dataclasses.replace(flow, source_ports=((lo, hi),)))
        ports = {lo, hi, data.draw(st.integers(lo, hi))}
        for blocker in ranged.blockers:
            for a, b in blocker.ports or ():
                ports.update({a, b})
        pinned = {p: trace(network, dataclasses.replace(flow, source_ports=((p, p),))) for p in sorted(ports)}
        if ranged.reachable:
            assert all(t.reachable for t in pinned.values())
        for blocker in ranged.blockers:
            # through a NAT gateway the listed ports are the NAT's, not the client's
            if (
                blocker.path == "return"
                and blocker.ports
                and blocker.code == "SUBNET_ACL_RESTRICTION"
                and all(lo <= a and b <= hi for a, b in blocker.ports)
            ):
                first = blocker.ports[0][0]
                failing = pinned.get(first) or trace(
                    network, dataclasses.replace(flow, source_ports=((first, first),))
                )
                assert not failing.reachable
        if all(t.reachable for t in pinned.values()) and not ranged.reachable:
            # some other port must fail: the range failure names the ports
            assert any(b.ports for b in ranged.blockers) or any(
                b.code not in ("SUBNET_ACL_RESTRICTION",) for b in ranged.blockers
            )
