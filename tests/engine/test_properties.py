"""Properties of the reference engine on random networks and flows (hypothesis)."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import assume, given
from hypothesis import strategies as st
from tests.support.variants import (
    OTHER_REGION,
    add_managed_interfaces,
    add_nat_instance,
    move_a_peer_to_another_region,
    self_flows,
)

from vpcsim.engine import Flow, trace
from vpcsim.engine.codes import CODES, UNKNOWN_CODES
from vpcsim.engine.compiled import compile_network
from vpcsim.engine.result import Blocker
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_flows, generate_network
from vpcsim.testing.strategies import SEEDS, network_and_flows

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


# ------------------------------------------------------------------ rules of a class: NAT instances, inter-region references, loopback, managed ENIs

SDC = "ENI_SOURCE_DEST_CHECK_RESTRICTION"


def _key(b: Blocker) -> tuple[object, ...]:
    return (b.code, b.component, b.path, b.direction, b.ports, b.detail)


@given(SEEDS, st.integers(0, 2**16))
def test_a_nat_instance_s_source_dest_check_is_its_only_blocker(seed: int, flow_seed: int) -> None:
    """On generated networks with a NAT instance: turning its source/destination check on adds
    exactly that one blocker to any flow (the walk goes on as if the check were off, the instance
    translating as before), and turning it off removes exactly it."""
    network = generate_network(seed, PRESETS["small"])
    rng = random.Random(seed)
    eni_id = add_nat_instance(network, rng)
    assume(eni_id is not None)
    assert eni_id is not None
    vpc = network.network_interfaces[eni_id].vpc_id
    clients = [
        e for e, eni in sorted(network.network_interfaces.items()) if eni.vpc_id == vpc and e != eni_id
    ]
    flows = generate_flows(network, flow_seed, 6)
    for client in clients[:6]:
        eni = network.network_interfaces[client]
        for protocol, port in ((6, 443), (17, 53), (1, None)):
            flows.append(
                Flow(
                    protocol=protocol,
                    source=eni.private_ip_address,
                    destination="8.8.8.8",
                    destination_port=port,
                    icmp_type=8 if protocol == 1 else None,
                    icmp_code=0 if protocol == 1 else None,
                    source_eni=client,
                )
            )
    off = [trace(network, flow) for flow in flows]
    network.network_interfaces[eni_id].source_dest_check = True
    network.touch()
    on = [trace(network, flow) for flow in flows]
    crossed = 0
    for flow, a, b in zip(flows, off, on, strict=True):
        added = [x for x in b.blockers if x.code == SDC and x.component == eni_id]
        assert len(added) <= 1, flow
        assert [_key(x) for x in b.blockers if x not in added] == [_key(x) for x in a.blockers], flow
        crossed += bool(added)
        if added and not a.blockers:
            assert b.verdict == "unreachable" and b.blockers == tuple(added), flow
    assume(crossed)


@given(SEEDS)
def test_a_group_reference_across_an_inter_region_peering_matches_nothing(seed: int) -> None:
    """On generated networks where a peered VPC moves to another region: every rule referencing
    a group across regions compiles to no member, and traces agree with the same network where
    those rules are simply absent."""
    network = generate_network(seed, PRESETS["small"])
    pcx_id = move_a_peer_to_another_region(network, random.Random(seed))
    assume(pcx_id is not None)
    groups = network.security_groups

    def across(group_id: str, ref_id: str | None) -> bool:
        ref = groups.get(ref_id or "")
        return ref is not None and (ref.region == OTHER_REGION) != (groups[group_id].region == OTHER_REGION)

    crossing = [
        (group, rule)
        for group in groups.values()
        for rule in (*group.ingress, *group.egress)
        if across(group.group_id, rule.referenced_group_id)
    ]
    assume(crossing)
    for group, rule in crossing:
        assert not network.group_reference_resolves(group, groups[rule.referenced_group_id or ""])
    c = compile_network(network)
    for eni in c.enis.values():
        for compiled in (*eni.ingress, *eni.egress):
            if across(compiled.group_id, compiled.peer):
                assert compiled.members == frozenset()
    flows = generate_flows(network, seed, 12)
    before = [trace(network, flow, record=False).verdict for flow in flows]
    for group in groups.values():
        group.ingress = [r for r in group.ingress if not across(group.group_id, r.referenced_group_id)]
        group.egress = [r for r in group.egress if not across(group.group_id, r.referenced_group_id)]
    network.touch()
    assert [trace(network, flow, record=False).verdict for flow in flows] == before


@given(SEEDS)
def test_traffic_to_the_sender_s_own_address_is_loopback(seed: int) -> None:
    """Whatever the groups, ACLs and routes: a running ENI reaches its own addresses (every
    protocol, port and ICMP type), a stopped instance's ENI does not (BAD_STATE only)."""
    network = generate_network(seed, PRESETS["small"])
    for flow in self_flows(network, random.Random(seed), 10):
        result = trace(network, flow)
        eni = network.network_interfaces[flow.source_eni or ""]
        instance = network.instance_of_eni(eni.network_interface_id)
        if instance is None or instance.state == "running":
            assert result.verdict == "reachable" and not result.blockers, flow
            assert [h.component for h in result.forward] == [eni.network_interface_id]
        else:
            assert {b.code for b in result.blockers} == {"BAD_STATE"}, flow


@given(SEEDS, st.integers(0, 2**16))
def test_an_eni_aws_manages_for_a_service_never_answers_as_a_host(seed: int, flow_seed: int) -> None:
    """On generated networks with transit gateway attachment, load balancer, endpoint and Lambda
    ENIs: no flow addressed to one is reachable, and the request stops there (no reply path)."""
    network = generate_network(seed, PRESETS["small"])
    managed = add_managed_interfaces(network, random.Random(seed))
    c = compile_network(network)
    rng = random.Random(flow_seed)
    senders = sorted(e for e, eni in c.enis.items() if eni.managed is None and eni.nat_gateway is None)
    for eni_id in managed:
        assert c.enis[eni_id].managed is not None
        target = network.network_interfaces[eni_id]
        for _ in range(3):
            sender = network.network_interfaces[rng.choice(senders)]
            flow = Flow(
                protocol=6,
                source=sender.private_ip_address,
                destination=target.private_ip_address,
                destination_port=rng.choice((80, 443, 5432)),
                source_eni=sender.network_interface_id,
            )
            result = trace(network, flow)
            assert not result.reachable and not result.return_, flow
        if target.public_ip:
            result = trace(
                network,
                Flow(protocol=6, source="8.8.8.8", destination=target.public_ip, destination_port=443),
            )
            assert not result.reachable
