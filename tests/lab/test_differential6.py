"""The IPv6 half of the differential run's cases (``vpcsim.fidelity6``), without a kernel.

The kernel comparison itself is ``test_differential.py`` (its networks are dual-stack and its
mutations include the IPv6 ones); here: the share of IPv6 flows the issue asks for (at least
30%), the shapes the IPv6 cases must hold, determinism and validity, and that each IPv6 mutation
changes the engine's verdict of some sampled flow.
"""

from __future__ import annotations

from collections import Counter

from vpcsim.engine import trace
from vpcsim.fidelity import MUTATIONS, network_and_flows
from vpcsim.fidelity6 import MUTATIONS6, dual_stack_case, is_ipv6_flow
from vpcsim.model.validate import ensure_valid

SEEDS = tuple(range(20))
FLOWS = 50


def test_at_least_30_percent_of_the_flows_are_ipv6() -> None:
    total = six = 0
    for seed in SEEDS:
        _, flows, _ = network_and_flows(seed, FLOWS)
        total += len(flows)
        six += sum(is_ipv6_flow(f) for f in flows)
    assert six >= 0.3 * total, (six, total)


def test_the_ipv6_cases_cover_what_the_issue_asks_for() -> None:
    seen: Counter[str] = Counter()
    for seed in SEEDS:
        network, flows, _ = network_and_flows(seed, FLOWS)
        seen["egress-only gateway"] += len(network.egress_only_internet_gateways)
        for group in network.security_groups.values():
            seen["::/0 rule"] += sum(r.cidr_ipv6 == "::/0" for r in group.ingress)
            seen["narrow IPv6 rule"] += sum(
                bool(r.cidr_ipv6) and r.cidr_ipv6 != "::/0" for r in group.ingress
            )
        for acl in network.network_acls.values():
            seen["ACL IPv6 entry"] += sum(
                e.ipv6_cidr_block is not None and e.rule_number < 32767 and not acl.is_default
                for e in acl.entries
            )
        for flow in flows:
            if not is_ipv6_flow(flow):
                continue
            seen[{6: "tcp", 17: "udp", 58: "icmpv6"}.get(flow.protocol, "other")] += 1
            seen["from the internet" if flow.source_eni is None else "from an instance"] += 1
            result = trace(network, flow, record=False)
            seen[result.verdict] += 1
            seen.update(f"code {code}" for code in result.codes)
    for wanted in (
        "egress-only gateway", "::/0 rule", "narrow IPv6 rule", "ACL IPv6 entry", "tcp", "udp", "icmpv6",
        "from the internet", "from an instance", "reachable", "unreachable",
        "code VPCSIM_EIGW_INBOUND_INITIATED", "code SUBNET_ACL_RESTRICTION", "code ENI_SG_RULES_MISMATCH",
    ):  # fmt: skip
        assert seen[wanted] > 0, (wanted, dict(seen))
    assert seen["reachable"] >= 0.4 * (seen["reachable"] + seen["unreachable"]), dict(seen)


def test_dual_stack_cases_are_valid_and_the_same_for_the_same_seed() -> None:
    for seed in SEEDS[:4]:
        case = dual_stack_case(seed, FLOWS)
        ensure_valid(case.network)
        again = dual_stack_case(seed, FLOWS)
        assert again.flows == case.flows and len(case.flows) == FLOWS


def test_each_ipv6_mutation_changes_some_verdict() -> None:
    assert set(MUTATIONS6) <= set(MUTATIONS)
    cases = [network_and_flows(seed, FLOWS)[:2] for seed in SEEDS[:8]]
    for name, mutation in MUTATIONS6.items():
        before = [trace(n, f, record=False).verdict for n, flows in cases for f in flows if is_ipv6_flow(f)]
        with mutation():
            after = [
                trace(n, f, record=False).verdict for n, flows in cases for f in flows if is_ipv6_flow(f)
            ]
        assert before != after, name
