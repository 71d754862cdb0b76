"""Differential testing: the engine against the Linux kernel (``docs/fidelity.md``).

20 seeded networks of the generator's ``dual-stack-small`` preset, reshaped toward paths that
almost work (:mod:`vpcsim.fidelity_bias` for IPv4, :mod:`vpcsim.fidelity6` for IPv6: half the flows
of a dual-stack network), x 50 flows each are realised as labs (several at once, distinct
names) and probed; every probe must agree with the engine's trace, and at least 40% of the
probes must complete their exchange (random networks mostly block: 14% did).
The kernel's observations do not depend on the engine, so they are gathered once (shared by
pytest-xdist's workers through a file lock) and then compared with the real engine and with
deliberately broken ones: the comparison must be able to fail, and each mutation must be caught
(the transit gateway mutations over networks with transit gateways: ``test_transit.py``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from tests.lab.runs import shared_runs
from tests.support.builders import INTERNET_HOST, AclRule, custom_acl, public_private_vpc

import vpcsim
from vpcsim.engine import trace
from vpcsim.fidelity import (
    ELB_MUTATIONS,
    EXCLUSIONS,
    KNOWN_ENGINE_ISSUES,
    MUTATIONS,
    NetworkRun,
    edge_ports,
    engine_expects,
    nat_side_blockers,
    network_and_flows,
    plan_cases,
    report,
    run_many,
)
from vpcsim.fidelity_bias import biased_case
from vpcsim.model.validate import ensure_valid

SEEDS = tuple(range(20))
FLOWS = 50
PARALLEL = 3
#: The share of probes whose exchange must complete (at least 40%).
DELIVERED_SHARE = 0.4


# ---------------------------------------------------------------------------- without a kernel


def test_the_generated_cases_cover_what_the_issue_asks_for() -> None:
    """Peering, NAT gateways, partial port ranges, blackholes, group references, public and
    private ENIs; TCP, UDP and ICMP flows, pinned and unpinned, to and from the internet."""
    seen: Counter[str] = Counter()
    for seed in SEEDS:
        network, flows, _ = network_and_flows(seed, FLOWS)
        seen["active peering"] += sum(p.status == "active" for p in network.vpc_peering_connections.values())
        seen["nat gateway"] += sum(g.state == "available" for g in network.nat_gateways.values())
        seen["blackhole route"] += sum(
            r.state == "blackhole" for t in network.route_tables.values() for r in t.routes
        )
        for acl in network.network_acls.values():
            for entry in acl.entries:
                if entry.port_range and entry.port_range[0] <= 60999 and entry.port_range[1] >= 32768:
                    partial = entry.port_range[0] > 32768 or entry.port_range[1] < 60999
                    seen["ACL range cutting the client range"] += partial
                seen["ACL deny"] += entry.rule_action == "deny" and entry.rule_number < 32767
        for group in network.security_groups.values():
            seen["group reference"] += sum(bool(r.referenced_group_id) for r in group.ingress + group.egress)
        for eni in network.network_interfaces.values():
            seen["public ENI" if eni.public_ip else "private ENI"] += 1
        for flow in flows:
            seen[{6: "tcp", 17: "udp", 1: "icmp"}.get(flow.protocol, "other protocol")] += 1
            if flow.protocol in (6, 17):
                seen["pinned" if flow.pinned else "unpinned"] += 1
            seen["from the internet" if flow.source_eni is None else "from an instance"] += 1
        planned = plan_cases(network, flows)
        seen["probes"] += len(planned.cases)
    missing = [k for k in (
        "active peering", "nat gateway", "blackhole route", "ACL range cutting the client range", "ACL deny",
        "group reference", "public ENI", "private ENI", "tcp", "udp", "icmp", "pinned", "unpinned",
        "from the internet", "from an instance",
    ) if seen[k] == 0]  # fmt: skip
    assert not missing, f"the generator left out {missing}: {dict(seen)}"
    assert seen["probes"] >= len(SEEDS) * FLOWS


def test_unpinned_flows_are_probed_at_the_edges_of_the_failing_ranges() -> None:
    from vpcsim.engine import trace

    for seed in SEEDS:
        network, flows, _ = network_and_flows(seed, FLOWS)
        for flow in flows:
            if flow.protocol not in (6, 17) or flow.pinned:
                continue
            result = trace(network, flow, record=False)
            ranges = [r for b in result.blockers for r in b.ports or ()]
            if not ranges:
                continue
            ports = edge_ports(flow, result)
            lo, hi = ranges[0]
            assert {32768, 60999} <= set(ports)
            assert {max(lo, 1), hi} <= set(ports)
            return
    pytest.fail("no unpinned flow with a partly failing client range in the seeded networks")


def test_the_biased_networks_are_valid_and_the_same_for_the_same_seed() -> None:
    for seed in SEEDS[:5]:
        case = biased_case(seed, FLOWS)
        ensure_valid(case.network)
        again = biased_case(seed, FLOWS)
        assert again.flows == case.flows and again.stats == case.stats
        assert len(case.flows) == FLOWS


def test_the_engine_expects_most_probes_to_complete_and_nudges_to_close_paths() -> None:
    """Without a kernel: the biased flows' probes the engine calls reachable (the kernel run
    must then agree), and nudged paths that stay closed -- near misses, one component away."""
    probes = reachable = closing = opened = 0
    for seed in SEEDS:
        case = biased_case(seed, FLOWS)
        for planned in plan_cases(case.network, case.flows).cases:
            probes += 1
            reachable += trace(case.network, planned.flow, record=False).reachable
        closing += case.stats.nudges_closing
        opened += case.stats.opened + case.stats.already_open
    assert reachable >= DELIVERED_SHARE * probes, (reachable, probes)
    assert reachable <= 0.85 * probes, "hardly anything blocks: the near misses are missing"
    assert closing >= 0.1 * opened, (closing, opened)


def test_blockers_before_a_nat_gateways_reverse_translation_name_its_ports() -> None:
    """A reply blocked past the NAT gateway names the client's own port (pinned 442 here), not
    the one the gateway picked (42087): the probe's exchange must count as failing."""
    p = public_private_vpc()
    custom_acl(
        p.net,
        p.public,
        inbound=[AclRule(100, "allow")],
        outbound=[AclRule(90, "deny", "tcp", ports=(442, 442)), AclRule(100, "allow")],
    )
    result = vpcsim.trace(p.net, p.app, f"internet:{INTERNET_HOST}", port=443, source_port=442)
    assert [(b.code, b.path, b.ports) for b in result.blockers] == [
        ("SUBNET_ACL_RESTRICTION", "return", ((442, 442),))
    ]
    assert nat_side_blockers(p.net, result, 42087) == frozenset()
    assert engine_expects(result, 42087, nat_side_blockers(p.net, result, 42087)) == (True, False)


# ---------------------------------------------------------------------------- with the kernel


@pytest.fixture(scope="session")
def kernel_runs(tmp_path_factory: pytest.TempPathFactory, lab_environment: None) -> list[NetworkRun]:
    """The labs' observations, gathered once per test run (xdist workers share them)."""
    return shared_runs(
        tmp_path_factory, "differential", lambda: run_many(SEEDS, flows=FLOWS, parallel=PARALLEL)
    )


@pytest.mark.lab
def test_the_kernel_agrees_with_the_engine(kernel_runs: list[NetworkRun]) -> None:
    result = report(kernel_runs)
    assert len(kernel_runs) == len(SEEDS) and result.flows == len(SEEDS) * FLOWS
    delivered = sum(p.delivered for run in kernel_runs for p in run.results)
    arrived_only = sum(p.forward and not p.delivered for run in kernel_runs for p in run.results)
    assert delivered >= DELIVERED_SHARE * result.probes, f"{delivered} of {result.probes} probes delivered"
    assert arrived_only > 20, "too few exchanges half-completed to mean much"
    assert set(result.excluded) <= {e.name for e in EXCLUSIONS}
    assert not result.disagreements, "engine and kernel disagree:\n" + "\n".join(
        d.describe() for d in result.disagreements
    )


@pytest.mark.lab
@pytest.mark.parametrize(
    "mutation", sorted(m for m in set(MUTATIONS) - ELB_MUTATIONS if not m.startswith("tgw-"))
)
def test_a_broken_engine_is_caught(kernel_runs: list[NetworkRun], mutation: str) -> None:
    with MUTATIONS[mutation]():
        caught = report(kernel_runs).disagreements
    assert caught, f"the differential run did not notice the engine mutation {mutation!r}"


@pytest.mark.lab
def test_reported_engine_issues_still_occur(kernel_runs: list[NetworkRun]) -> None:
    """A known issue that no longer shows up has been fixed: remove it from KNOWN_ENGINE_ISSUES."""
    seen = Counter(d.known_issue for d in report(kernel_runs).known)
    gone = [issue.name for issue in KNOWN_ENGINE_ISSUES if seen[issue.name] == 0]
    assert not gone, f"no longer seen (fixed in the engine?): {gone}; remove them from vpcsim.fidelity"
