"""Properties of the engine's IPv6 on generated dual-stack networks (hypothesis).

The families never mix: an IPv6 flow is decided by IPv6 rules, routes and entries alone, and an
IPv4 flow by IPv4 ones -- removing every rule, route and ACL entry of the other family changes no
verdict and no blocker.
"""

from __future__ import annotations

import copy

from hypothesis import given, settings

from vpcsim.engine import Flow, trace
from vpcsim.engine.codes import CODES, UNKNOWN_CODES
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_flows, generate_network
from vpcsim.testing.ipv6_generator import sample_ipv6_flows
from vpcsim.testing.strategies import SEEDS

DUAL = PRESETS["dual-stack-small"]


def _without(network: Network, *, ipv6: bool) -> Network:
    """A copy of ``network`` without the rules, routes and ACL entries of one family (group
    references and -1 rules judge both families and stay)."""
    out = copy.deepcopy(network)
    v6_lists = {p.prefix_list_id for p in out.prefix_lists.values() if p.address_family == "IPv6"}
    for group in out.security_groups.values():
        for direction in ("ingress", "egress"):
            rules = getattr(group, direction)
            if ipv6:
                kept = [r for r in rules if not r.cidr_ipv6 and r.prefix_list_id not in v6_lists]
            else:
                kept = [
                    r
                    for r in rules
                    if not r.cidr_ipv4 and not (r.prefix_list_id and r.prefix_list_id not in v6_lists)
                ]
            setattr(group, direction, kept)
    for acl in out.network_acls.values():
        acl.entries = [e for e in acl.entries if (e.ipv6_cidr_block is None) == ipv6]
    for table in out.route_tables.values():
        if ipv6:
            table.routes = [r for r in table.routes if r.destination_ipv6_cidr_block is None]
        else:
            table.routes = [r for r in table.routes if r.destination_ipv6_cidr_block is not None]
    out.touch()
    return out


def _answers(network: Network, flows: list[Flow]) -> list[tuple[str, tuple[tuple[str, str, str], ...]]]:
    """Verdicts and blockers; a group left with no rules at all once the other family's are
    removed says ``SG_HAS_NO_RULES`` where it said ``ENI_SG_RULES_MISMATCH``: the same denial."""
    out = []
    for flow in flows:
        result = trace(network, flow, record=False)
        blockers = tuple(
            ("ENI_SG_RULES_MISMATCH" if b.code == "SG_HAS_NO_RULES" else b.code, b.component, b.path)
            for b in result.blockers
        )
        out.append((result.verdict, blockers))
    return out


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_ipv6_verdicts_follow_blockers_and_recording_changes_nothing(seed: int) -> None:
    network = generate_network(seed, DUAL)
    for flow in sample_ipv6_flows(network, seed, 20):
        full, fast = trace(network, flow), trace(network, flow, record=False)
        assert (full.verdict, full.blockers) == (fast.verdict, fast.blockers)
        assert full.reachable == (not full.blockers)
        assert all(b.code in CODES for b in full.blockers)
        if full.verdict == "unknown":
            assert {b.code for b in full.blockers} <= UNKNOWN_CODES


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_ipv6_flows_ignore_every_ipv4_rule_and_route(seed: int) -> None:
    network = generate_network(seed, DUAL)
    flows = sample_ipv6_flows(network, seed, 20)
    assert _answers(network, flows) == _answers(_without(network, ipv6=False), flows)


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_ipv4_flows_ignore_every_ipv6_rule_and_route(seed: int) -> None:
    network = generate_network(seed, DUAL)
    flows = generate_flows(network, seed, 20)
    assert _answers(network, flows) == _answers(_without(network, ipv6=True), flows)


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_ipv4_answers_of_a_network_are_unchanged_by_adding_ipv6(seed: int) -> None:
    """The dual-stack preset is the small one with IPv6 added: every IPv4 flow answers alike."""
    v4 = generate_network(seed, PRESETS["small"])
    dual = generate_network(seed, DUAL)
    flows = generate_flows(v4, seed, 20)
    assert _answers(v4, flows) == _answers(dual, flows)


def test_the_dual_stack_preset_reaches_every_ipv6_outcome() -> None:
    """Generated dual-stack networks meet the egress-only gateway both ways, IPv6 ACL and group
    denials, and reachable IPv6 flows."""
    seen: set[str] = set()
    verdicts: set[str] = set()
    for seed in range(12):
        network = generate_network(seed, DUAL)
        for flow in sample_ipv6_flows(network, seed, 40):
            result = trace(network, flow, record=False)
            verdicts.add(result.verdict)
            seen |= {b.code for b in result.blockers}
    assert {"reachable", "unreachable"} <= verdicts
    assert {
        "VPCSIM_EIGW_INBOUND_INITIATED",
        "ENI_SG_RULES_MISMATCH",
        "SUBNET_ACL_RESTRICTION",
        "VPCSIM_IPV6_NOT_GLOBAL",
    } <= seen
