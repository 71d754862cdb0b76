"""The ends of an analysis: the addresses an endpoint stands for.

Why: ``trace`` needs one address per end, ``reach`` every address: all the private addresses of
all the ENIs of an instance, or the whole internet. Resolution follows the CLI's rule (an id,
then an address, then ``internet[:IP]``, then a Name tag) through the engine's
``resolve_endpoint``, so ambiguity and unknown names fail the same way everywhere.

* An instance or ENI as a source: each of its ENIs sending from each of its private addresses.
* An instance or ENI as a destination: its private addresses; from the internet, its public ones.
  "From the internet" is the engine's rule for ``trace`` (``Endpoint.internet``): the literal
  ``internet``, ``internet:IP`` and a public address nobody owns alike.
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
    on_internet: bool = False
    """On the internet: the whole internet or one internet host (``internet:IP``, a public
    address nobody owns). A destination seen from there is addressed by its public addresses."""
    enis: list[str] = field(default_factory=list)
    """The ENIs the endpoint names (empty for addresses and the internet)."""


def _enis_of(network: Network, ref: str) -> tuple[list[NetworkInterface], str | None, bool]:
    """(ENIs, the one address named, whether the end is on the internet) for an endpoint
    reference; ENIs are empty for an internet host or an address nobody owns."""
    text = ref.strip()
    if text in network.instances:
        instance = network.instances[text]
        return [network.network_interfaces[e] for e in instance.network_interface_ids], None, False
    if text in network.network_interfaces:
        return [network.network_interfaces[text]], None, False
    endpoint = resolve_endpoint(network, text)  # raises EndpointError: unknown or ambiguous
    if _is_address(text):
        if endpoint.network_interface_id is None:
            return [], text, endpoint.internet
        return [network.network_interfaces[endpoint.network_interface_id]], text, False
    if endpoint.internet or endpoint.network_interface_id is None:
        return [], endpoint.address, endpoint.internet
    named = [r for r in network.find_by_name(text) if isinstance(r, Instance)]
    if named:
        return [network.network_interfaces[e] for e in named[0].network_interface_ids], None, False
    return [network.network_interfaces[endpoint.network_interface_id]], None, False


def _is_address(text: str) -> bool:
    try:
        ip_int(text)
    except ValueError:
        return False
    return True


def resolve_source(network: Network, ref: str) -> Side:
    """The sending end: hosts that send (an ENI's private addresses), one outside host, or the
    whole internet."""
    text = ref.strip()
    if text == "internet":
        return Side("internet", internet=True, on_internet=True)
    enis, address, on_internet = _enis_of(network, text)
    if not enis:
        assert address is not None
        return Side(text, [Host(ip_int(address), None)], on_internet=on_internet)
    hosts: list[Host] = []
    for eni in enis:
        for slot in eni.private_ip_addresses:
            if address is not None and address not in (slot.private_ip_address, slot.public_ip):
                continue
            hosts.append(Host(ip_int(slot.private_ip_address), eni.network_interface_id))
    return Side(text, hosts, enis=[e.network_interface_id for e in enis])


def resolve_destination(network: Network, ref: str, *, from_internet: bool) -> Side:
    """The receiving end; ``from_internet`` is the source's :attr:`Side.on_internet`."""
    text = ref.strip()
    if text == "internet":
        if from_internet:
            raise EndpointError("from the internet to the internet: one end must be in the network")
        return Side("internet", internet=True, on_internet=True)
    enis, address, on_internet = _enis_of(network, text)
    if not enis:
        assert address is not None
        return Side(text, [Host(ip_int(address), None)], on_internet=on_internet)
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
