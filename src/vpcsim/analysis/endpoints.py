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
* A subnet or a security group (its id, its Name tag, or a group's name), as policies take them:
  every ENI in it (a NAT gateway's ENI excepted, as in policies) -- as a source each of them
  sending, as a destination each of them receiving. ``trace`` needs one ENI: it takes a subnet or
  a group that holds exactly one (:func:`single_eni`) and lists the candidates otherwise.
* A load balancer (its name or ARN): its nodes, as a destination each receiving (the engine
  follows each listener to the targets); ``trace`` takes its first node.
* Any other address: that address. As a destination a private address nobody holds is reported
  unreachable; as a source it is refused (:func:`require_sender`): nothing in the network sends
  from it, and it is not an internet address either. ``internet:IP`` says "an internet host with
  this address" explicitly, whatever the address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.compiled import ip_int
from ..engine.flow import Endpoint, EndpointError, resolve_endpoint
from ..model import Instance, ModelError, Network, NetworkInterface, SecurityGroup, Subnet
from ..model.addressing import managed_interface


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


def group_of(network: Network, ref: str) -> Subnet | SecurityGroup | None:
    """The subnet or security group ``ref`` names (its id; else, when no instance or ENI has that
    Name tag, a subnet's or group's Name tag or a group's name), or None.

    Several subnets or groups of that name raise :class:`EndpointError` listing them."""
    text = ref.strip()
    if text == "internet" or text.startswith("internet:"):
        return None  # the keyword names the internet, whatever a group or subnet is called
    if text in network.subnets:
        return network.subnets[text]
    if text in network.security_groups:
        return network.security_groups[text]
    if text in network.instances or text in network.network_interfaces or _is_address(text):
        return None
    named = network.find_by_name(text)
    if any(isinstance(r, Instance | NetworkInterface) for r in named):
        return None  # the engine's rule: an instance's or ENI's Name tag comes first
    found: list[Subnet | SecurityGroup] = [r for r in named if isinstance(r, Subnet | SecurityGroup)]
    found += [g for g in network.security_groups.values() if g.group_name == text and g not in found]
    if len(found) > 1:
        raise EndpointError(
            f"{text!r} names several subnets or security groups", candidates=[r.id for r in found]
        )
    return found[0] if found else None


def group_enis(network: Network, group: Subnet | SecurityGroup) -> list[NetworkInterface]:
    """The ENIs in a subnet or a security group, in id order (a NAT gateway's ENI and the other
    ENIs AWS manages for a service excepted, as in policies: they are no hosts)."""
    nat_enis = {g.network_interface_id for g in network.nat_gateways.values()}
    out = []
    for eni_id in sorted(network.network_interfaces):
        eni = network.network_interfaces[eni_id]
        if eni_id in nat_enis or managed_interface(eni.interface_type, eni.description) is not None:
            continue
        inside = (
            eni.subnet_id == group.subnet_id if isinstance(group, Subnet) else group.group_id in eni.groups
        )
        if inside:
            out.append(eni)
    return out


def single_eni(network: Network, ref: str) -> str | None:
    """The one ENI of a subnet or security group ``ref`` names, for a flow (``trace``): None when
    ``ref`` names no subnet or group; an :class:`EndpointError` listing the candidates when it
    holds none or several."""
    group = group_of(network, ref)
    if group is None:
        return None
    kind = "subnet" if isinstance(group, Subnet) else "security group"
    enis = group_enis(network, group)
    if len(enis) == 1:
        return enis[0].network_interface_id
    if not enis:
        raise EndpointError(
            f"{ref!r} is a {kind} without a network interface: nothing in it sends or receives"
        )
    raise EndpointError(
        f"{ref!r} is a {kind} of {len(enis)} network interfaces; a flow has one: name one of them "
        "(reach takes the whole set)",
        candidates=[_eni_label(network, e) for e in enis],
    )


def _eni_label(network: Network, eni: NetworkInterface) -> str:
    instance = network.instance_of_eni(eni.network_interface_id)
    owner = instance.name or instance.instance_id if instance is not None else eni.name
    return f"{eni.network_interface_id} ({owner})" if owner else eni.network_interface_id


def require_sender(network: Network, ref: str, endpoint: Endpoint | None = None) -> None:
    """Refuse a source nothing can send from: a bare address that no ENI holds and that is not
    an internet address (a private address, say). ``internet:IP`` is explicit and passes."""
    text = ref.strip()
    if not _is_address(text):
        return
    found = endpoint if endpoint is not None else resolve_endpoint(network, text)
    if found.network_interface_id is None and not found.internet:
        raise EndpointError(
            f"{text} is not held by any network interface of the network, and it is not an internet "
            "address: nothing sends from it. Name the instance or ENI that should, or write "
            f"internet:{text} for an outside host with that address"
        )


def _enis_of(network: Network, ref: str) -> tuple[list[NetworkInterface], str | None, bool]:
    """(ENIs, the one address named, whether the end is on the internet) for an endpoint
    reference; ENIs are empty for an internet host or an address nobody owns."""
    text = ref.strip()
    if text in network.instances:
        instance = network.instances[text]
        return [network.network_interfaces[e] for e in instance.network_interface_ids], None, False
    if text in network.network_interfaces:
        return [network.network_interfaces[text]], None, False
    try:
        lb = network.load_balancer_named(text) if not network.find_by_name(text) else None
    except ModelError as exc:
        raise EndpointError(str(exc)) from None
    if lb is not None:  # a load balancer (name or ARN): its nodes
        nodes = network.load_balancer_nodes(lb)
        if not nodes:
            raise EndpointError(f"load balancer {text!r} has no node in the input: nothing receives for it")
        return nodes, None, False
    group = group_of(network, text)
    if group is not None:
        enis = group_enis(network, group)
        if not enis:
            kind = "subnet" if isinstance(group, Subnet) else "security group"
            raise EndpointError(
                f"{text!r} is a {kind} without a network interface: nothing in it sends or receives"
            )
        return enis, None, False
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
    require_sender(network, text)
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
        hosts += _ipv6_hosts(eni, address)
    return Side(text, hosts, enis=[e.network_interface_id for e in enis])


def _ipv6_hosts(eni: NetworkInterface, address: str | None) -> list[Host]:
    """An ENI's IPv6 addresses as hosts (only the one named, when ``address`` is): the same as
    seen from inside the network and from the internet (no NAT)."""
    wanted = ip_int(address) if address is not None else None
    return [
        Host(ip, eni.network_interface_id)
        for ip in (ip_int(a) for a in eni.ipv6_addresses)
        if wanted is None or ip == wanted
    ]


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
        hosts += _ipv6_hosts(eni, address)
    return Side(text, hosts, enis=[e.network_interface_id for e in enis])


__all__ = [
    "EndpointError",
    "Host",
    "Side",
    "group_enis",
    "group_of",
    "require_sender",
    "resolve_destination",
    "resolve_source",
    "single_eni",
]
