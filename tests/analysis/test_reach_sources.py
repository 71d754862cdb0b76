"""``reach`` agrees with ``trace`` whatever form an end takes.

* From the internet, whichever way it is written -- the literal ``internet``, ``internet:IP``, a
  bare public address nobody owns -- to an instance, an ENI or a Name tag: a flow is permitted by
  ``reach`` iff ``trace`` of the same flow (built by the engine's ``make_flow``) is reachable.
* From an instance to the VPC's own services (the DNS resolver at the VPC's base + 2 and at
  169.254.169.253, instance metadata, Time Sync) on the ports they answer on, their neighbours
  and a random one: the same agreement, and the skeleton method equals tracing every atom.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.analysis import reach
from vpcsim.engine import Flow, trace
from vpcsim.engine.compiled import ip_int, is_internet_routable
from vpcsim.engine.flow import make_flow
from vpcsim.formats.loader import load_example
from vpcsim.model import Network
from vpcsim.testing import PRESETS, FlowSampler
from vpcsim.testing.strategies import network_and_flows, networks

CASES = network_and_flows(PRESETS["small"], max_flows=6)
SERVICE_ADDRESSES = ("169.254.169.254", "169.254.169.253", "169.254.169.123")
#: The ports the services answer on, their neighbours, and ports nobody serves.
SERVICE_PORTS = (52, 53, 54, 79, 80, 81, 122, 123, 124, 443)


def _outside_hosts(network: Network) -> list[str]:
    """Internet addresses no ENI owns (rules' CIDRs give edges worth probing)."""
    return [
        h
        for h in FlowSampler(network).internet_hosts
        if is_internet_routable(ip_int(h))
        and network.owner_of_public_ip(h) is None
        and not network.owners_of_private_ip(h)
    ]


def _targets(network: Network) -> list[str]:
    """Every way to name a destination: instance ids, ENI ids, unique Name tags."""
    out = sorted(network.instances)
    out += sorted(e for e, eni in network.network_interfaces.items() if eni.interface_type == "interface")
    for instance in network.instances.values():
        if instance.name and len(network.find_by_name(instance.name)) == 1:
            out.append(instance.name)
    return out


@settings(max_examples=25)
@given(CASES, st.data())
def test_reach_from_any_internet_source_agrees_with_trace(
    case: tuple[Network, list[Flow]], data: st.DataObject
) -> None:
    network, flows = case
    hosts = _outside_hosts(network)
    targets = _targets(network)
    for flow in flows:
        host = data.draw(st.sampled_from(hosts), label="internet host")
        target = data.draw(st.sampled_from(targets), label="destination")
        port = 40000
        probe = make_flow(
            network,
            f"internet:{host}",
            target,
            protocol=flow.protocol,
            port=flow.destination_port,
            # client ports apply to tcp and udp only (make_flow refuses them elsewhere)
            client_ports=(port, port) if flow.has_ports else None,
            icmp_type=flow.icmp_type,
            icmp_code=flow.icmp_code,
        )
        expected = trace(network, probe, record=False).reachable
        for source in ("internet", f"internet:{host}", host):
            result = reach(network, source, target, client_ports=(port, port))
            assert result.permits(probe) == expected, (source, target, probe)


def test_every_internet_form_gives_the_bastion_its_public_address() -> None:
    """The issue's example: SSH from 8.8.8.8 to the bastion, however the source is written."""
    network = load_example("bastion-nat").network
    for source in ("internet", "internet:8.8.8.8", "8.8.8.8"):
        result = reach(network, source, "bastion")
        assert [e.describe() for e in result.allowed] == ["tcp 22"], source
        assert result.allowed[0].destinations == ("203.0.113.10/32",), source


def _service_destinations(network: Network, eni_id: str) -> list[str]:
    """The services an ENI can address: its VPC's resolver (base + 2), the link-local ones, and
    another VPC's base + 2 (not a service from here)."""
    own = network.network_interfaces[eni_id].vpc_id
    out = list(SERVICE_ADDRESSES)
    for vpc in sorted(network.vpcs.values(), key=lambda v: v.vpc_id):
        base = ipaddress.IPv4Network(vpc.cidr_block).network_address
        out.append(str(base + 2))
        if vpc.vpc_id != own:
            break
    return out


@settings(max_examples=20)
@given(networks(PRESETS["small"]), st.data())
def test_reach_to_vpc_services_agrees_with_trace(network: Network, data: st.DataObject) -> None:
    instances = sorted(network.instances)
    source = data.draw(st.sampled_from(instances), label="source")
    eni = network.primary_network_interface(source)
    destination = data.draw(st.sampled_from(_service_destinations(network, eni.network_interface_id)))
    result = reach(network, source, destination)
    assert result.to_dict() == reach(network, source, destination, naive=True).to_dict()
    ports = [*SERVICE_PORTS, data.draw(st.integers(0, 65535), label="port")]
    for protocol in ("tcp", "udp"):
        for port in ports:
            flow = make_flow(network, source, destination, protocol=protocol, port=port)
            assert result.permits(flow) == trace(network, flow, record=False).reachable, flow
    ping = make_flow(network, source, destination, protocol="icmp")
    assert result.permits(ping) == trace(network, ping, record=False).reachable


def test_the_resolver_and_metadata_answer_from_an_instance() -> None:
    """The issue's example: udp/53 to the VPC base + 2 and tcp/80 to metadata are reachable."""
    network = load_example("bastion-nat").network
    resolver = reach(network, "bastion", "10.0.0.2")
    assert [e.describe() for e in resolver.allowed] == ["tcp 53", "udp 53"]
    metadata = reach(network, "bastion", "169.254.169.254")
    assert [e.describe() for e in metadata.allowed] == ["tcp 80"]
    time_sync = reach(network, "app", "169.254.169.123")
    assert [e.describe() for e in time_sync.allowed] == ["udp 123"]


def test_a_flow_without_ports_is_judged_whatever_the_client_ports() -> None:
    """ICMP has no source port: a result computed for other client ports still answers for it
    (make_flow refuses client ports for it, so its flow carries only the default range)."""
    network = load_example("bastion-nat").network
    result = reach(network, "internet", "bastion", client_ports=(40000, 40000))
    probe = make_flow(network, "internet:8.8.8.8", "bastion", protocol="icmp", icmp_type=8, icmp_code=0)
    assert result.permits(probe) == trace(network, probe, record=False).reachable
    tcp = make_flow(network, "internet:8.8.8.8", "bastion", protocol="tcp", port=22)
    with pytest.raises(ValueError, match="outside the client ports"):
        result.permits(tcp)
