"""Agreement with the reference engine on generated networks (``docs/symbolic.md``).

* A flow with a pinned source port is permitted by ``reach(A, B)`` iff ``trace`` says reachable.
* An unpinned flow (a client range): ``allowed`` iff ``trace`` is reachable for the range; a
  ``partial`` entry's client ports are exactly the pinned ports that work; ``one_way`` means the
  request is delivered and every pinned port fails.
* ``exposure`` and ``matrix`` agree with per-pair reach computed by tracing every atom (the
  naive method) on small networks.

Derandomized under ``CI=true`` through the profile in ``tests/conftest.py``.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.variants import (
    add_managed_interfaces,
    add_nat_instance,
    move_a_peer_to_another_region,
    self_flows,
)

from vpcsim.analysis import exposure, matrix, reach
from vpcsim.analysis.bulk import Bulk
from vpcsim.analysis.endpoints import Host
from vpcsim.analysis.entries import EntryBuilder
from vpcsim.analysis.exposure import severity
from vpcsim.analysis.matrix import _labels, cells_of
from vpcsim.analysis.matrix_fast import Acc
from vpcsim.analysis.naive import naive_outcome
from vpcsim.analysis.reach import add_outcome
from vpcsim.engine import Flow, trace
from vpcsim.engine.compiled import ip_str
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_flows, generate_network
from vpcsim.testing.strategies import SEEDS, network_and_flows, networks

CASES = network_and_flows(PRESETS["small"], max_flows=10)
#: Rules like real accounts' (random port ranges, group and prefix-list peers, overlapping prefixes).
MESSY_CASES = network_and_flows(PRESETS["messy-small"], max_flows=10)


def _ends(network: Network, flow: Flow) -> tuple[str, str]:
    """The reach endpoints of a flow: the sending ENI's address (or the internet host) and the
    destination address."""
    source = flow.source if flow.source_eni else f"internet:{flow.source}"
    if flow.source_eni is None and network.owner_of_public_ip(flow.source) is not None:
        source = flow.source
    return source, flow.destination


def _forward_ok(result: object) -> bool:
    return not any(b.path == "forward" for b in result.blockers)  # type: ignore[attr-defined]


@given(CASES)
def test_pinned_flow_is_permitted_iff_trace_is_reachable(case: tuple[Network, list[Flow]]) -> None:
    _pinned_flows_agree(*case)


def _pinned_flows_agree(network: Network, flows: list[Flow]) -> None:
    for flow in flows:
        if flow.has_ports and not flow.pinned:
            flow = dataclasses.replace(flow, source_ports=((40000, 40000),))
        src, dst = _ends(network, flow)
        ports = flow.source_ports[0] if flow.has_ports else (32768, 60999)
        result = reach(network, src, dst, client_ports=ports)
        assert result.permits(flow) == trace(network, flow, record=False).reachable, flow


@given(CASES, st.data())
def test_unpinned_flows_agree_over_the_client_range(
    case: tuple[Network, list[Flow]], data: st.DataObject
) -> None:
    network, flows = case
    for flow in flows:
        if not flow.has_ports:
            continue
        lo, hi = 32768, 60999
        flow = dataclasses.replace(flow, source_ports=((lo, hi),))
        src, dst = _ends(network, flow)
        result = reach(network, src, dst, client_ports=(lo, hi))
        ranged = trace(network, flow, record=False)
        found = result.classify(flow)
        name = found[0] if found else None
        assert (name == "allowed") == ranged.reachable, flow
        probes = {lo, hi, data.draw(st.integers(lo, hi))}
        if name == "partial":
            entry = found[1]  # type: ignore[index]
            assert entry.source_ports is not None
            for a, b in entry.source_ports:
                probes.update({a, b, max(lo, a - 1), min(hi, b + 1)})
        pinned = {
            p: trace(network, dataclasses.replace(flow, source_ports=((p, p),)), record=False) for p in probes
        }
        if name == "one_way":
            assert _forward_ok(ranged) and not any(t.reachable for t in pinned.values()), flow
        elif name == "partial":
            works = entry.source_ports  # type: ignore[union-attr]
            for p, t in pinned.items():
                assert t.reachable == any(a <= p <= b for a, b in works), (flow, p)
        elif name is None:
            assert not _forward_ok(ranged) or ranged.verdict == "unknown", flow


@settings(max_examples=15)
@given(networks(PRESETS["small"]))
def test_exposure_agrees_with_per_pair_reach(network: Network) -> None:
    """Every public address: exposure's findings are the entries of the naive per-atom reach from
    the internet (delivered flows, with bidirectional set by the list)."""
    _exposure_agrees(network)


def _exposure_agrees(network: Network) -> None:
    bulk = Bulk(network)
    result = exposure(network, bulk=bulk)
    got: dict[tuple[str, str], set[tuple[object, ...]]] = defaultdict(set)
    for f in result.findings:
        got[(f.eni, f.address)].add((f.entry.traffic, f.entry.sources, f.bidirectional, f.entry.source_ports))
        assert f.severity == severity(f.entry.traffic, f.entry.sources, bulk.universe.index)
    expected: dict[tuple[str, str], set[tuple[object, ...]]] = defaultdict(set)
    for eni in bulk.c.enis.values():
        for public in eni.public_of.values():
            builders = {k: EntryBuilder(bulk.space) for k in ("allowed", "one_way", "partial", "unknown")}
            for piece, _ in bulk.internet(Host(public, eni.eni_id), internet_is_source=True):
                rep = bulk.universe.index.first_in(*piece[0])
                assert rep is not None
                add_outcome(builders, naive_outcome(network, bulk.space, rep, public, None), piece, ((0, 0),))
            for name, bidi in (("allowed", True), ("one_way", False), ("partial", "partial")):
                for e in builders[name].build(bulk.universe.index, None):
                    expected[(eni.eni_id, ip_str(public))].add((e.traffic, e.sources, bidi, e.source_ports))
    assert dict(got) == dict(expected)


@settings(max_examples=10)
@given(networks(PRESETS["small"]), st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_agrees_with_per_pair_reach(network: Network, by: str) -> None:
    _matrix_agrees(network, by)


def _matrix_agrees(network: Network, by: str) -> None:
    bulk = Bulk(network)
    rows = matrix(network, by, bulk=bulk)  # type: ignore[arg-type]
    pairwise = matrix(network, by, bulk=Bulk(network), rows=False)  # type: ignore[arg-type]
    accs: dict[tuple[str, str], Acc] = defaultdict(Acc)
    hosts = [
        (Host(a, e.eni_id), _labels(e, by), e.instance_id or e.eni_id)  # type: ignore[arg-type]
        for e in bulk.c.enis.values()
        if e.nat_gateway is None and e.managed is None and _labels(e, by)  # type: ignore[arg-type]
        for a in sorted(e.addresses)
    ]
    for a, la, oa in hosts:
        for b, lb, ob in hosts:
            if a.eni_id == b.eni_id or (by == "instance" and oa == ob):
                continue
            out = naive_outcome(network, bulk.space, a.address, b.address, a.eni_id)
            if not out.empty:
                for x in la:
                    for y in lb:
                        accs[(x, y)].add(out)
    expected = [c.to_dict() for c in cells_of(bulk.space, accs)]
    assert [c.to_dict() for c in rows.cells] == expected
    assert [c.to_dict() for c in pairwise.cells] == expected


@settings(max_examples=10)
@given(SEEDS)
def test_reach_between_instances_agrees_with_the_naive_method(seed: int) -> None:
    from vpcsim.testing import generate_network

    network = generate_network(seed, PRESETS["small"])
    instances = sorted(network.instances)
    ends = [*instances[:4], "internet"]
    for a in ends:
        for b in ends:
            if a == b or "internet" == a == b:
                continue
            assert reach(network, a, b).to_dict() == reach(network, a, b, naive=True).to_dict()


@settings(max_examples=4)
@given(SEEDS)
def test_reach_between_instances_agrees_with_the_naive_method_on_messy_networks(seed: int) -> None:
    from vpcsim.testing import generate_network

    network = generate_network(seed, PRESETS["messy-small"])
    instances = sorted(network.instances)
    ends = [*instances[:3], "internet"]
    for a in ends:
        for b in ends:
            if a != b:
                assert reach(network, a, b).to_dict() == reach(network, a, b, naive=True).to_dict()


# ------------------------------------------------------------------ NAT instances, inter-region peerings, managed ENIs, loopback


def _with_special_components(seed: int) -> tuple[Network, list[Flow]]:
    """A generated network with a NAT instance, an inter-region peering and ENIs AWS manages for
    services (tests/support/variants.py), and flows that meet them, and flows to the sender's
    own addresses."""
    network = generate_network(seed, PRESETS["small"])
    rng = random.Random(seed)
    nat = add_nat_instance(network, rng)
    move_a_peer_to_another_region(network, rng)
    managed = add_managed_interfaces(network, rng)
    flows = generate_flows(network, seed, 8) + self_flows(network, rng, 3)
    hosts = sorted(e for e, eni in network.network_interfaces.items() if eni.interface_type == "interface")
    hosts = [e for e in hosts if e not in managed]
    for target in managed[:4]:
        sender = network.network_interfaces[rng.choice(hosts)]
        flows.append(
            Flow(
                protocol=6,
                source=sender.private_ip_address,
                destination=network.network_interfaces[target].private_ip_address,
                destination_port=443,
                source_ports=((40000, 40000),),
                source_eni=sender.network_interface_id,
            )
        )
    if nat is not None:
        vpc = network.network_interfaces[nat].vpc_id
        for eni_id in [e for e in hosts if network.network_interfaces[e].vpc_id == vpc and e != nat][:3]:
            eni = network.network_interfaces[eni_id]
            flows.append(
                Flow(
                    protocol=17,
                    source=eni.private_ip_address,
                    destination="8.8.8.8",
                    destination_port=53,
                    source_ports=((40000, 40000),),
                    source_eni=eni_id,
                )
            )
    return network, flows


@settings(max_examples=20)
@given(SEEDS)
def test_reach_agrees_with_trace_on_nat_instances_peerings_managed_enis_and_loopback(seed: int) -> None:
    network, flows = _with_special_components(seed)
    _pinned_flows_agree(network, flows)
    for eni in network.network_interfaces.values():
        if eni.interface_type == "interface":
            eni.source_dest_check = True  # the NAT instance's and appliances' checks on
    network.touch()
    _pinned_flows_agree(network, flows)


@settings(max_examples=8)
@given(SEEDS, st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_and_exposure_agree_on_networks_with_managed_enis(seed: int, by: str) -> None:
    network, _ = _with_special_components(seed)
    _matrix_agrees(network, by)
    _exposure_agrees(network)
    # Pair classes keep a managed ENI apart from a host's ENI beside it (the walk stops there).
    bulk = Bulk(network)
    c = bulk.c
    hosts = sorted(
        (e for e in c.enis.values() if e.managed is None and e.nat_gateway is None), key=lambda e: e.eni_id
    )
    for managed in sorted((e for e in c.enis.values() if e.managed is not None), key=lambda e: e.eni_id):
        neighbours = [e for e in hosts if e.subnet is managed.subnet]
        for sender in hosts[:3]:
            a = Host(min(sender.addresses), sender.eni_id)
            for b_eni in (*neighbours[:1], managed):
                b = Host(min(b_eni.addresses), b_eni.eni_id)
                if a == b:
                    continue
                expected = naive_outcome(network, bulk.space, a.address, b.address, a.eni_id)
                assert bulk.pair(a, b).key() == expected.key(), (a, b)


# ------------------------------------------------------------------ messy rule sets


@settings(max_examples=15)
@given(MESSY_CASES)
def test_pinned_flow_is_permitted_iff_trace_is_reachable_on_messy_networks(
    case: tuple[Network, list[Flow]],
) -> None:
    _pinned_flows_agree(*case)


@settings(max_examples=5)
@given(networks(PRESETS["messy-small"]))
def test_exposure_agrees_with_per_pair_reach_on_messy_networks(network: Network) -> None:
    _exposure_agrees(network)


@settings(max_examples=5)
@given(networks(PRESETS["messy-small"]), st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_agrees_with_per_pair_reach_on_messy_networks(network: Network, by: str) -> None:
    _matrix_agrees(network, by)


# ------------------------------------------------------------------ transit gateways


def _with_transit_gateway(seed: int) -> tuple[Network, list[Flow]]:
    """A generated network whose VPCs a transit gateway joins (``transit-small``), sampled flows,
    and flows between hosts of different VPCs (the paths through the gateway)."""
    network = generate_network(seed, PRESETS["transit-small"])
    rng = random.Random(seed)
    flows = generate_flows(network, seed, 6)
    hosts = sorted(e for e, eni in network.network_interfaces.items() if eni.interface_type == "interface")
    for group_id in sorted(network.security_groups):
        if rng.random() < 0.6:  # open to the private ranges: paths get past the groups to the gateway
            for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"):
                network.authorize_security_group_ingress(group_id, ip_protocol="-1", cidr_ipv4=block)
    for _ in range(8):
        if len(hosts) < 2:
            break
        a, b = (network.network_interfaces[e] for e in rng.sample(hosts, 2))
        if a.vpc_id == b.vpc_id:
            continue
        protocol, port = rng.choice([(6, 22), (6, 443), (17, 53), (1, None)])
        flows.append(
            Flow(
                protocol=protocol,
                source=a.private_ip_address,
                destination=b.private_ip_address,
                destination_port=port,
                source_ports=((40000, 40000),),
                source_eni=a.network_interface_id,
            )
        )
    return network, flows


@settings(max_examples=25)
@given(SEEDS)
def test_reach_agrees_with_trace_through_transit_gateways(seed: int) -> None:
    network, flows = _with_transit_gateway(seed)
    assert network.transit_gateways
    _pinned_flows_agree(network, flows)


@settings(max_examples=8)
@given(SEEDS, st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_agrees_through_transit_gateways(seed: int, by: str) -> None:
    network, _ = _with_transit_gateway(seed)
    _matrix_agrees(network, by)


@settings(max_examples=8)
@given(SEEDS)
def test_exposure_agrees_through_transit_gateways(seed: int) -> None:
    network, _ = _with_transit_gateway(seed)
    _exposure_agrees(network)
