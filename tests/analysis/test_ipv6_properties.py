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
from tests.support.traces import tcp_between

from vpcsim.analysis.diff import DiffResult
from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.reach import reach
from vpcsim.engine import Flow, trace
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
def test_a_dual_stack_network_is_its_ipv4_half_and_the_ipv6_pairs(seed: int) -> None:
    """A dual-stack network is its IPv4 half with IPv6 added: ``matrix``'s IPv4 cells are the
    IPv4 network's cells; ``diff`` between the two changes IPv6 pairs only, analyses IPv6 (no
    ``ipv6`` incomplete item) and says "changed" exactly when some IPv6 flow is delivered."""
    from vpcsim.analysis import diff, matrix

    v4 = generate_network(seed, PRESETS["small"])
    dual = generate_network(seed, DUAL)
    by_subnet = matrix(dual)
    assert [c.to_dict() for c in matrix(v4).cells] == [
        c.to_dict() for c in by_subnet.cells if c.family == "ipv4"
    ]
    result = diff(v4, dual)
    assert {p.family for p in result.pairs} <= {"ipv6"}
    assert not any(item.kind == "ipv6" for _, item in result.incomplete)
    assert result.changed == any(p.changed for p in result.pairs)
    # Whatever IPv6 cell the matrix holds between two hosts is a change from nothing.
    if any(c.family == "ipv6" and (c.allowed or c.partial or c.one_way) for c in by_subnet.cells):
        assert result.changed


def _mutated(network: Network, seed: int) -> tuple[Network, list[Flow]]:
    """A copy of ``network`` with IPv6 changes: a group opened over ``::/0`` on a port, another
    group's IPv6 rules removed, a route table's ``::/0`` route removed or added; and flows aimed
    at the changes (from the internet and other ENIs to the changed groups' IPv6 addresses)."""
    import copy
    import random

    from vpcsim.model import SecurityGroupRule

    rng = random.Random(seed)
    new = copy.deepcopy(network)
    groups = sorted(new.security_groups.values(), key=lambda g: g.group_id)
    aimed: list[tuple[str, int]] = []  # (group, port)
    if groups:
        opened = rng.choice(groups)
        port = rng.choice((22, 80, 443, 5432, rng.randrange(1, 65536)))
        opened.ingress.append(
            SecurityGroupRule(ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv6="::/0")
        )
        aimed.append((opened.group_id, port))
        closed = rng.choice(groups)
        aimed += [
            (closed.group_id, r.from_port)
            for r in closed.ingress
            if r.cidr_ipv6 is not None and r.ip_protocol == "tcp" and r.from_port is not None
        ]
        closed.ingress = [r for r in closed.ingress if r.cidr_ipv6 is None]
    tables = sorted(new.route_tables.values(), key=lambda t: t.route_table_id)
    if tables:
        table = rng.choice(tables)
        default6 = [r for r in table.routes if r.destination_ipv6_cidr_block == "::/0"]
        igw = new.internet_gateway_of_vpc(table.vpc_id)
        if default6:
            table.routes.remove(default6[0])
        elif igw is not None and any(
            v.ipv6_cidr_blocks for v in new.vpcs.values() if v.vpc_id == table.vpc_id
        ):
            from vpcsim.model.network import set_route_target
            from vpcsim.model.resources import Route

            route = Route(destination_ipv6_cidr_block="::/0")
            set_route_target(route, igw.internet_gateway_id)
            table.routes.append(route)
    new.touch()
    senders = sorted(
        (a, e.network_interface_id) for e in new.network_interfaces.values() for a in e.ipv6_addresses
    )
    flows: list[Flow] = []
    for group, port in aimed:
        for eni in sorted(new.network_interfaces.values(), key=lambda e: e.network_interface_id):
            if group not in eni.groups:
                continue
            for address in eni.ipv6_addresses:
                ends: list[tuple[str, str | None]] = [("2606:4700::1111", None)]
                ends += rng.sample(senders, min(2, len(senders)))
                for source, source_eni in ends:
                    if source != address:
                        flows.append(
                            Flow(
                                protocol=6,
                                source=source,
                                destination=address,
                                destination_port=port,
                                source_ports=((40000, 40000),),
                                source_eni=source_eni,
                            )
                        )
    return new, flows


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_diff_ipv6_pairs_agree_with_trace(seed: int) -> None:
    """For IPv6 flows with a pinned client port, between two ENIs or an ENI and the internet:
    ``diff`` lists the flow as newly allowed iff ``trace`` says reachable in the new network and
    not in the old, and as newly blocked iff the reverse (the per-packet engine is the truth)."""
    from vpcsim.analysis import diff
    from vpcsim.analysis.addresses import internet_universe
    from vpcsim.engine.compiled import compile_network, ip_int

    old = generate_network(seed, DUAL)
    new, aimed = _mutated(old, seed)
    result = diff(old, new)
    universes = [internet_universe(compile_network(n), ipv6=True).index for n in (old, new)]
    owner = {a: e for e in new.network_interfaces.values() for a in e.ipv6_addresses}
    instance = {
        e.network_interface_id: (e.attachment.instance_id if e.attachment else None) or e.network_interface_id
        for e in new.network_interfaces.values()
    }
    for flow in [*sample_ipv6_flows(new, seed, 24), *aimed]:
        if flow.destination.startswith("fd00:ec2"):
            continue
        if flow.has_ports:
            flow = dataclasses.replace(flow, source_ports=((40000, 40000),))
        dst_eni = owner.get(flow.destination)
        if flow.source_eni is None and dst_eni is None:
            continue
        if (
            flow.source_eni is not None
            and dst_eni is not None
            and instance[flow.source_eni] == instance[dst_eni.network_interface_id]
        ):
            continue  # one instance's ENIs are no pair
        before, after = trace(old, flow, record=False), trace(new, flow, record=False)
        if "unknown" in (before.verdict, after.verdict):
            continue
        src, dst = ip_int(flow.source), ip_int(flow.destination)
        outside = dst if dst_eni is None else src if flow.source_eni is None else None
        if outside is not None and not all(outside in u for u in universes):
            continue  # not the internet (a ULA...): entries are read within the internet universe
        to_eni = dst_eni.network_interface_id if dst_eni is not None else None
        listed = {name: _listed(result, name, flow, to_eni) for name in ("newly_allowed", "newly_blocked")}
        assert listed["newly_allowed"] == (after.reachable and not before.reachable), flow
        assert listed["newly_blocked"] == (before.reachable and not after.reachable), flow


def _listed(result: DiffResult, name: str, flow: Flow, to_eni: str | None) -> bool:
    """Whether a list of ``result``'s IPv6 pairs holds the flow (pinned at client port 40000)."""
    from vpcsim.analysis.entries import in_cidrs
    from vpcsim.engine.compiled import ip_int

    src, dst = ip_int(flow.source), ip_int(flow.destination)
    for pair in result.pairs:
        if pair.family != "ipv6" or pair.source_eni != flow.source_eni or pair.destination_eni != to_eni:
            continue
        for e in getattr(pair, name):
            if (
                e.traffic.contains(flow.protocol, flow.destination_port, flow.icmp_type, flow.icmp_code)
                and in_cidrs(src, e.sources)
                and in_cidrs(dst, e.destinations)
                and (e.source_ports is None or any(a <= 40000 <= b for a, b in e.source_ports))
            ):
                return True
    return False


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


@settings(max_examples=8, deadline=None)
@given(SEEDS)
def test_check_over_ipv6_agrees_with_trace(seed: int) -> None:
    """An assertion over IPv6 between two ENIs: ``deny tcp/P`` fails iff ``trace`` delivers the
    request for some pair of their IPv6 addresses, and ``allow tcp/P`` passes iff ``trace`` says
    reachable (every client port) for every pair; and ``over: ipv4`` ignores IPv6 entirely."""
    import random

    from vpcsim.analysis import check
    from vpcsim.model.policy import Policy

    network = generate_network(seed, DUAL)
    rng = random.Random(seed)
    holders = sorted(e.network_interface_id for e in network.network_interfaces.values() if e.ipv6_addresses)
    if len(holders) < 2:
        return
    instance = {
        e.network_interface_id: (e.attachment.instance_id if e.attachment else None) or e.network_interface_id
        for e in network.network_interfaces.values()
    }
    for _ in range(4):
        a, b = rng.sample(holders, 2)
        if instance[a] == instance[b]:
            continue
        port = rng.choice((22, 80, 443, 3306, 8080, rng.randrange(1, 65536)))
        answer = tcp_between(network, a, b, port, lambda e: network.network_interfaces[e].ipv6_addresses)
        if answer is None:
            continue
        delivered, reachable = answer
        ends = {"from": {"eni": [a]}, "to": {"eni": [b]}}
        policy = Policy.model_validate(
            {
                "assertions": [
                    {"name": "deny", **ends, "deny": [f"tcp/{port}"], "over": "ipv6"},
                    {"name": "allow", **ends, "allow": [f"tcp/{port}"], "over": "ipv6"},
                    {"name": "v4", **ends, "deny": ["all"], "over": "ipv4"},
                ]
            }
        )
        deny, allow, v4 = check(network, policy).assertions
        assert deny.status == ("fail" if delivered else "pass"), (a, b, port)
        assert allow.status == ("pass" if reachable else "fail"), (a, b, port)
        assert all(v.family == "ipv4" for v in v4.violations)


@settings(max_examples=8, deadline=None)
@given(SEEDS)
def test_ipv6_class_mates_equal_walking_every_pair(seed: int) -> None:
    """A pair evaluated on its class pair's walk (with its own ENIs and addresses substituted)
    has the outcome of walking the pair itself, atom for atom."""
    from vpcsim.analysis.pairs6 import Side6, Space6, ipv6_hosts

    network = generate_network(seed, DUAL)
    by_class, walked = Side6.of(network), Side6.of(network)
    walked.bounds = None
    hosts = ipv6_hosts(by_class.c)
    pairs = [(by_class.pair(a, b), walked.pair(a, b)) for a in hosts for b in hosts if a.eni_id != b.eni_id]
    contexts = {id(p.ctx): p.ctx for pair in pairs for p in pair}
    space = Space6(contexts.values(), (32768, 60999), by_class.host_rules())
    for shared, own in pairs:
        assert own.subst is None
        assert space.pair_outcome(network, shared).key() == space.pair_outcome(network, own).key(), (
            shared.source,
            shared.destination,
        )


def test_ipv6_classes_are_shared_on_generated_networks() -> None:
    """The class pairs do share walks (the test above is not vacuous)."""
    from vpcsim.analysis.pairs6 import Side6, ipv6_hosts

    shared = 0
    for seed in range(6):
        side = Side6.of(generate_network(seed, DUAL))
        hosts = ipv6_hosts(side.c)
        shared += sum(side.pair(a, b).subst is not None for a in hosts for b in hosts if a.eni_id != b.eni_id)
    assert shared > 0
