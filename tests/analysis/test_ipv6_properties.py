"""The analyses over IPv6 agree with the engine, on generated dual-stack networks (hypothesis).

As for IPv4 (``test_properties.py``): ``reach`` evaluated from skeletons equals ``reach`` tracing
every atom (the naive method) for IPv6 pairs and the IPv6 internet; a pinned IPv6 flow is
permitted exactly when ``trace`` says reachable; ``exposure``'s IPv6 findings are ``reach``'s
from the internet to each IPv6 address.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.reach import reach
from vpcsim.engine import trace
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_network
from vpcsim.testing.ipv6_generator import sample_ipv6_flows
from vpcsim.testing.strategies import SEEDS

DUAL = PRESETS["dual-stack-small"]


def _v6_hosts(network: Network, limit: int) -> list[str]:
    return sorted(a for e in network.network_interfaces.values() for a in e.ipv6_addresses)[:limit]


@settings(max_examples=12, deadline=None)
@given(SEEDS)
def test_ipv6_reach_agrees_with_the_naive_method(seed: int) -> None:
    network = generate_network(seed, DUAL)
    ends = [*_v6_hosts(network, 3), "internet"]
    for a in ends:
        for b in ends:
            if a != b:
                assert reach(network, a, b).to_dict() == reach(network, a, b, naive=True).to_dict(), (a, b)


@settings(max_examples=12, deadline=None)
@given(SEEDS)
def test_a_pinned_ipv6_flow_is_permitted_iff_trace_is_reachable(seed: int) -> None:
    network = generate_network(seed, DUAL)
    for flow in sample_ipv6_flows(network, seed, 12):
        if flow.has_ports and not flow.pinned:
            flow = dataclasses.replace(flow, source_ports=((40000, 40000),))
        if flow.destination.startswith("fd00:ec2"):
            continue  # a VPC service: reach names ENIs and the internet
        source = flow.source if flow.source_eni else f"internet:{flow.source}"
        destination = flow.destination
        owned = any(destination in e.ipv6_addresses for e in network.network_interfaces.values())
        if not owned:
            destination = f"internet:{destination}"
        if not flow.source_eni and not owned:
            continue
        ports = flow.source_ports[0] if flow.has_ports else (32768, 60999)
        result = reach(network, source, destination, client_ports=ports)
        assert result.permits(flow) == trace(network, flow, record=False).reachable, flow


@settings(max_examples=8, deadline=None)
@given(SEEDS)
def test_ipv6_exposure_findings_are_reach_from_the_internet(seed: int) -> None:
    network = generate_network(seed, DUAL)
    result = exposure(network)
    for eni in network.network_interfaces.values():
        for address in eni.ipv6_addresses:
            expected = reach(network, "internet", address)
            found = {
                (tuple(f.entry.sources), f.entry.traffic.describe(), str(f.bidirectional))
                for f in result.findings
                if f.address == address
            }
            wanted = {
                (tuple(e.sources), e.traffic.describe(), str(bidirectional))
                for name, bidirectional in (("allowed", True), ("one_way", False), ("partial", "partial"))
                for e in getattr(expected, name)
            }
            assert found == wanted, address


def test_families_notes_on_generated_networks() -> None:
    """Generated dual-stack networks meet both family notes (the mistakes the generator seeds)."""
    kinds: set[str] = set()
    for seed in range(10):
        notes = exposure(generate_network(seed, DUAL)).family_notes or ()
        kinds |= {n.kind for n in notes}
    assert kinds == {"ipv6-only", "asymmetric"}


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_why_fixes_for_ipv6_flows_open_the_path(seed: int) -> None:
    """``why`` on IPv6 flows: its changes, applied from their published parameters, open the path
    and each is needed; a fix for the internet's stand-in host names ``::/0``."""
    from tests.support.why_changes import assert_fix_opens_and_each_change_is_needed

    from vpcsim.analysis.why import why

    network = generate_network(seed, DUAL)
    for flow in sample_ipv6_flows(network, seed, 8):
        result = why(network, flow)
        assert_fix_opens_and_each_change_is_needed(network, result)
        assert all("/32" not in c.command or "0.0.0.0" in c.command for c in result.changes)


@settings(max_examples=6, deadline=None)
@given(SEEDS)
def test_matrix_ipv4_cells_are_the_ipv4_halfs_and_diff_says_ipv6_is_not_analysed(seed: int) -> None:
    """A dual-stack network is its IPv4 half with IPv6 added: ``matrix``'s IPv4 cells are the
    IPv4 network's cells; ``diff`` between the two (IPv4 only) is never "same" but "unknown",
    listing the IPv6 resources as incomplete."""
    from vpcsim.analysis import diff, matrix

    v4 = generate_network(seed, PRESETS["small"])
    dual = generate_network(seed, DUAL)
    assert [c.to_dict() for c in matrix(v4).cells] == [
        c.to_dict() for c in matrix(dual).cells if c.family == "ipv4"
    ]
    result = diff(v4, dual)
    assert not result.changed
    has_ipv6 = any(e.ipv6_addresses for e in dual.network_interfaces.values()) or any(
        v.ipv6_cidr_blocks for v in dual.vpcs.values()
    )
    assert result.status == ("unknown" if has_ipv6 else "same")
    assert has_ipv6 == any(item.kind == "ipv6" for _, item in result.incomplete)


@settings(max_examples=10, deadline=None)
@given(SEEDS, st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_ipv6_cells_agree_with_tracing_every_atom(seed: int, by: str) -> None:
    """``matrix``'s IPv6 cells are what tracing every atom of every pair of IPv6 addresses with
    the engine gathers (the naive method), over the same traffic space; and none is left out."""
    from vpcsim.analysis import matrix
    from vpcsim.analysis.matrix import cells_of, host_labels
    from vpcsim.analysis.matrix6 import ipv6_accs
    from vpcsim.analysis.matrix_fast import Acc
    from vpcsim.analysis.naive import naive_outcome
    from vpcsim.analysis.pairs6 import ipv6_hosts
    from vpcsim.engine.compiled import compile_network

    network = generate_network(seed, DUAL)
    result = matrix(network, by)  # type: ignore[arg-type]
    labels_of, owner_of = host_labels(network, by)  # type: ignore[arg-type]
    space, _, _ = ipv6_accs(
        network, labels_of, owner_of, same_owner=by != "instance", client_ports=(32768, 60999)
    )
    got = [c.to_dict() for c in result.cells if c.family == "ipv6"]
    if space is None:
        assert got == []
        return
    accs: dict[tuple[str, str], Acc] = defaultdict(Acc)
    hosts = [h for h in ipv6_hosts(compile_network(network)) if h.eni_id in labels_of]
    for a in hosts:
        for b in hosts:
            ea, eb = a.eni_id or "", b.eni_id or ""
            if ea == eb or (by == "instance" and owner_of[ea] == owner_of[eb]):
                continue
            out = naive_outcome(network, space.space, a.address, b.address, ea)
            if not out.empty:
                for x in labels_of[ea]:
                    for y in labels_of[eb]:
                        accs[(x, y)].add(out)
    assert got == [c.to_dict() for c in cells_of(space.space, accs, "ipv6")]
    assert [c.sort_key() for c in result.cells] == sorted(c.sort_key() for c in result.cells)
