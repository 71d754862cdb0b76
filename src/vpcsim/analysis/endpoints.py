"""The ends of an analysis: the addresses an endpoint stands for.

Why: ``trace`` needs one address per end, ``reach`` every address: all the private addresses of
all the ENIs of an instance, or the whole internet. Resolution follows the CLI's rule (an id,
then an address, then ``internet[:IP]``, then a Name tag) through the engine's
``resolve_endpoint``, so ambiguity and unknown names fail the same way everywhere.

* An instance or ENI as a source: each of its ENIs sending from each of its private addresses.
* An instance or ENI as a destination: its private addresses; from the internet, its public ones.
* ``internet``: every internet address (see :mod:`vpcsim.analysis.addresses`); ``internet:IP``
  or a public address nobody owns: that one host.
* Any other address: that address (a private address nobody holds is reported unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.compiled import ip_int
from ..engine.flow import EndpointError, resolve_endpoint
from ..model import Instance, Network, NetworkInterface


@dataclass(frozen=True, slots=True)
class Host:
    address: int
    eni_id: str | None
    """The ENI that sends (sources) or holds the address (destinations); None on the internet."""


@dataclass(slots=True)
class Side:
    label: str
    hosts: list[Host] = field(default_factory=list)
    internet: bool = False
    """The whole internet (no hosts)."""
    enis: list[str] = field(default_factory=list)
    """The ENIs the endpoint names (empty for addresses and the internet)."""


def _enis_of(network: Network, ref: str) -> tuple[list[NetworkInterface], str | None]:
    """(ENIs, the one address named) for an endpoint reference; ([], None) for the internet."""
    text = ref.strip()
    if text in network.instances:
        instance = network.instances[text]
        return [network.network_interfaces[e] for e in instance.network_interface_ids], None
    if text in network.network_interfaces:
        return [network.network_interfaces[text]], None
    endpoint = resolve_endpoint(network, text)  # raises EndpointError: unknown or ambiguous
    if _is_address(text):
        if endpoint.network_interface_id is None:
            return [], text
        return [network.network_interfaces[endpoint.network_interface_id]], text
    if endpoint.internet or endpoint.network_interface_id is None:
        return [], endpoint.address
    named = [r for r in network.find_by_name(text) if isinstance(r, Instance)]
    if named:
        return [network.network_interfaces[e] for e in named[0].network_interface_ids], None
    return [network.network_interfaces[endpoint.network_interface_id]], None


def _is_address(text: str) -> bool:
    try:
        ip_int(text)
    except ValueError:
        return False
    return True


def resolve_source(network: Network, ref: str) -> Side:
    text = ref.strip()
    if text == "internet":
        return Side("internet", internet=True)
    enis, address = _enis_of(network, text)
    if not enis:
        assert address is not None
        return Side(text, [Host(ip_int(address), None)])
    hosts: list[Host] = []
    for eni in enis:
        for slot in eni.private_ip_addresses:
            if address is not None and address not in (slot.private_ip_address, slot.public_ip):
                continue
            hosts.append(Host(ip_int(slot.private_ip_address), eni.network_interface_id))
    return Side(text, hosts, enis=[e.network_interface_id for e in enis])


def resolve_destination(network: Network, ref: str, *, from_internet: bool) -> Side:
    text = ref.strip()
    if text == "internet":
        if from_internet:
            raise EndpointError("from the internet to the internet: one end must be in the network")
        return Side("internet", internet=True)
    enis, address = _enis_of(network, text)
    if not enis:
        assert address is not None
        return Side(text, [Host(ip_int(address), None)])
    hosts: list[Host] = []
    for eni in enis:
        for slot in eni.private_ip_addresses:
            if address is not None:
                if address in (slot.private_ip_address, slot.public_ip):
                    hosts.append(Host(ip_int(address), eni.network_interface_id))
                continue
            if from_internet:
                if slot.public_ip:
                    hosts.append(Host(ip_int(slot.public_ip), eni.network_interface_id))
            else:
                hosts.append(Host(ip_int(slot.private_ip_address), eni.network_interface_id))
    return Side(text, hosts, enis=[e.network_interface_id for e in enis])


__all__ = ["EndpointError", "Host", "Side", "resolve_destination", "resolve_source"]
