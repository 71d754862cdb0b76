"""Agreement with the reference engine on generated networks with load balancers
(``PRESETS["small-elb"]``): the analyses walk the engine's legs to the targets, so reach,
exposure and matrix must give what tracing every atom gives."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.analysis.test_properties import _ends, _exposure_agrees, _matrix_agrees

from vpcsim.analysis import reach
from vpcsim.engine import Flow, trace
from vpcsim.engine.flow import TCP, UDP
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_network
from vpcsim.testing.strategies import SEEDS, networks

ELB = PRESETS["small-elb"]


def _nodes(network: Network) -> list[tuple[str, str, int, int]]:
    """(node ENI, address to use from the internet or the VPC, protocol, listener port)."""
    out = []
    for lb in network.load_balancers.values():
        for eni in network.network_interfaces.values():
            if eni.description != f"ELB {lb.node_key}":
                continue
            for listener in lb.listeners:
                proto = UDP if listener.protocol == "UDP" else TCP
                out.append((eni.network_interface_id, eni.private_ip_address, proto, listener.port))
                if eni.public_ip:
                    out.append((eni.network_interface_id, eni.public_ip, proto, listener.port))
    return out


def _lb_flows(network: Network, rng: random.Random) -> list[Flow]:
    """Flows to every node address: from the internet and from instances, on the listener's
    port and on another port, pinned and unpinned."""
    flows = []
    senders = [
        network.primary_network_interface(i)
        for i in sorted(network.instances)
        if network.instances[i].network_interface_ids
    ]
    for node, address, proto, port in _nodes(network):
        vpc_id = network.network_interfaces[node].vpc_id
        near = [e for e in senders if e.vpc_id == vpc_id] or senders
        for dport in (port, rng.choice((22, 443, 8080, port + 1))):
            pinned = ((rng.randint(32768, 60999),) * 2,) if rng.random() < 0.5 else ((32768, 60999),)
            if network.owner_of_public_ip(address) is not None or rng.random() < 0.1:
                flows.append(
                    Flow(
                        protocol=proto,
                        source="198.51.100.7",
                        destination=address,
                        destination_port=dport,
                        source_ports=pinned,
                    )
                )
            if near and network.owner_of_public_ip(address) is None:
                eni = rng.choice(near)
                flows.append(
                    Flow(
                        protocol=proto,
                        source=eni.private_ip_address,
                        destination=address,
                        destination_port=dport,
                        source_ports=pinned,
                        source_eni=eni.network_interface_id,
                    )
                )
    return flows


@settings(max_examples=15)
@given(SEEDS)
def test_reach_permits_a_flow_to_a_load_balancer_iff_trace_is_reachable(seed: int) -> None:
    network = generate_network(seed, ELB)
    rng = random.Random(seed)
    for flow in _lb_flows(network, rng):
        if not flow.pinned:
            flow = dataclasses.replace(flow, source_ports=((40000, 40000),))
        src, dst = _ends(network, flow)
        result = reach(network, src, dst, client_ports=flow.source_ports[0])
        assert result.permits(flow) == trace(network, flow, record=False).reachable, flow


@settings(max_examples=8)
@given(SEEDS)
def test_reach_to_load_balancers_agrees_with_the_naive_method(seed: int) -> None:
    network = generate_network(seed, ELB)
    instances = sorted(network.instances)[:3]
    addresses = sorted({address for _, address, _, _ in _nodes(network)})[:4]
    for source in [*instances, "internet"]:
        for destination in addresses:
            fast = reach(network, source, destination).to_dict()
            assert fast == reach(network, source, destination, naive=True).to_dict(), (source, destination)


@settings(max_examples=8)
@given(networks(ELB))
def test_exposure_agrees_with_per_pair_reach_with_load_balancers(network: Network) -> None:
    _exposure_agrees(network)


@settings(max_examples=5)
@given(networks(ELB), st.sampled_from(["instance", "subnet", "security-group"]))
def test_matrix_agrees_with_per_pair_reach_with_load_balancers(network: Network, by: str) -> None:
    _matrix_agrees(network, by)


def test_the_generator_makes_every_kind_of_load_balancer() -> None:
    kinds = set()
    for seed in range(30):
        network = generate_network(seed, ELB)
        kinds |= {(lb.type, lb.scheme) for lb in network.load_balancers.values()}
        assert _nodes(network) or not network.load_balancers
    assert {k for k, _ in kinds} == {"application", "network", "classic"}
    assert {s for _, s in kinds} == {"internet-facing", "internal"}


def test_exposure_of_a_node_whose_target_replies_through_an_appliance() -> None:
    """Found by a random draw: an internet-facing NLB node, whose target answers 192.0.2.0/24
    through an appliance subnet's ACL (deny tcp 1024-40000), was reported one-way from
    everywhere. The question's own atoms did not hold that ACL's boundaries (the legs to the
    targets are walked per atom, not listed in the skeletons): a load balancer's question now
    uses the network's atoms."""
    _exposure_agrees(generate_network(1517957437, ELB))
