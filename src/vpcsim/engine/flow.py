"""A concrete flow, and how users' endpoints (instances, ENIs, addresses, the internet) become one.

A flow is what a client sends: protocol, source and destination address, destination port,
and the client's source port -- pinned, or a range (the client's ephemeral ports) all of which
must work. ICMP without a type is an echo request (ping).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..model import Instance, ModelError, Network, NetworkInterface, Resource, protocol_name, protocol_number
from .compiled import ip_int, is_internet_routable

TCP, UDP, ICMP = 6, 17, 1
ICMPV6 = 58

#: The client's ephemeral ranges. ``linux`` is the kernel's default (32768-60999).
CLIENT_PORT_RANGES: dict[str, tuple[int, int]] = {
    "linux": (32768, 60999),
    "windows": (49152, 65535),
    "nat": (1024, 65535),
}
LINUX_CLIENT_PORTS = CLIENT_PORT_RANGES["linux"]
NAT_GATEWAY_PORTS = CLIENT_PORT_RANGES["nat"]

#: ``internet`` alone: a documented default outside host (TEST-NET-2).
DEFAULT_INTERNET_HOST = "198.51.100.1"
#: ``internet`` alone in an IPv6 flow: a host of the documentation prefix 2001:db8::/32.
DEFAULT_INTERNET_HOST6 = "2001:db8:ffff::1"

ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
#: ICMP requests and the type of their reply; other types get no reply.
ICMP_REPLIES = {8: 0, 13: 14, 15: 16, 17: 18}
#: ICMP error messages: destination unreachable, source quench, redirect, time exceeded, parameter problem.
ICMP_ERRORS = frozenset({3, 4, 5, 11, 12})

ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY = 128, 129
#: ICMPv6 requests and the type of their reply (echo; node information queries are not modelled).
ICMPV6_REPLIES = {128: 129}
#: ICMPv6 error messages: destination unreachable, packet too big, time exceeded, parameter problem.
ICMPV6_ERRORS = frozenset({1, 2, 3, 4})

PortRanges = tuple[tuple[int, int], ...]


class EndpointError(ValueError):
    """An endpoint that names nothing, or several things."""

    def __init__(
        self, message: str, *, candidates: list[str] | None = None, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.candidates = candidates or []
        self.parameter = parameter
        """The keyword argument of :func:`make_flow` at fault, when not the source or destination."""


@dataclass(frozen=True, slots=True)
class Flow:
    """One request flow, as the sender puts it on the wire."""

    protocol: int
    source: str
    """The sender's address (an instance's private address; an outside host's address)."""
    destination: str
    destination_port: int | None = None
    source_ports: PortRanges = (LINUX_CLIENT_PORTS,)
    """One range ``((p, p),)`` when pinned; otherwise the client's range, all of which must work."""
    icmp_type: int | None = None
    icmp_code: int | None = None
    source_eni: str | None = None
    """The sending ENI; None when the sender is on the internet."""

    def __post_init__(self) -> None:
        if self.protocol == ICMP and self.icmp_type is None:
            object.__setattr__(self, "icmp_type", ICMP_ECHO_REQUEST)
            if self.icmp_code is None:
                object.__setattr__(self, "icmp_code", 0)
        elif self.protocol == ICMPV6 and self.icmp_type is None:
            object.__setattr__(self, "icmp_type", ICMPV6_ECHO_REQUEST)
            if self.icmp_code is None:
                object.__setattr__(self, "icmp_code", 0)

    @property
    def has_ports(self) -> bool:
        return self.protocol in (TCP, UDP)

    @property
    def pinned(self) -> bool:
        return len(self.source_ports) == 1 and self.source_ports[0][0] == self.source_ports[0][1]

    def describe(self) -> str:
        proto = protocol_name(self.protocol)
        if self.has_ports:
            return f"{proto} {self.source} -> {self.destination}:{self.destination_port}"
        if self.protocol in (ICMP, ICMPV6):
            return f"{proto} type {self.icmp_type} code {self.icmp_code} {self.source} -> {self.destination}"
        return f"protocol {proto} {self.source} -> {self.destination}"

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": protocol_name(self.protocol),
            "source": self.source,
            "destination": self.destination,
            "destination_port": self.destination_port,
            "source_ports": [list(r) for r in self.source_ports] if self.has_ports else None,
            "icmp_type": self.icmp_type,
            "icmp_code": self.icmp_code,
            "source_eni": self.source_eni,
        }


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved end of a flow."""

    address: str
    network_interface_id: str | None = None
    """None for an outside (internet) host or an address nobody owns."""
    instance_id: str | None = None
    label: str = ""
    internet: bool = False
    candidates: list[str] = field(default_factory=list)


def parse_client_ports(spec: str | tuple[int, int] | None) -> tuple[int, int]:
    """``linux``, ``windows``, ``nat``, ``LO-HI`` or a pair."""
    if spec is None:
        return LINUX_CLIENT_PORTS
    if isinstance(spec, tuple):
        lo, hi = spec
    elif spec in CLIENT_PORT_RANGES:
        return CLIENT_PORT_RANGES[spec]
    else:
        try:
            lo_text, hi_text = spec.split("-", 1)
            lo, hi = int(lo_text), int(hi_text)
        except ValueError:
            raise ValueError(
                f"client ports {spec!r}: use linux, windows or LO-HI (e.g. 1024-65535)"
            ) from None
    if not 0 <= lo <= hi <= 65535:
        raise ValueError(f"client ports {lo}-{hi}: need 0 <= LO <= HI <= 65535")
    return (lo, hi)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_ipv6_address(text: str) -> bool:
    """Whether ``text`` is an IPv6 address (``2600:1f18::10``)."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _eni_endpoint(network: Network, eni: NetworkInterface, label: str, *, ipv6: bool = False) -> Endpoint:
    instance = network.instance_of_eni(eni.network_interface_id)
    if ipv6:
        if not eni.ipv6_addresses:
            raise EndpointError(f"{label} ({eni.network_interface_id}) has no IPv6 address")
        address = str(ipaddress.IPv6Address(eni.ipv6_addresses[0]))
    elif not eni.private_ip_addresses:
        raise EndpointError(
            f"{label} ({eni.network_interface_id}) has no IPv4 address (an IPv6-only ENI): use its IPv6 address"
        )
    else:
        address = eni.private_ip_address
    return Endpoint(
        address=address,
        network_interface_id=eni.network_interface_id,
        instance_id=instance.instance_id if instance else None,
        label=label,
    )


def _ipv6_owner(network: Network, text: str) -> Endpoint | None:
    """The ENI holding the IPv6 address ``text`` (its own address, or one of its delegated
    prefixes'), as an endpoint at that address; None when no ENI holds it."""
    wanted = ipaddress.IPv6Address(text)
    for eni in network.network_interfaces.values():
        if any(ipaddress.IPv6Address(a) == wanted for a in eni.ipv6_addresses) or any(
            wanted in ipaddress.IPv6Network(p, strict=False) for p in eni.ipv6_prefixes
        ):
            instance = network.instance_of_eni(eni.network_interface_id)
            return Endpoint(
                address=str(wanted),
                network_interface_id=eni.network_interface_id,
                instance_id=instance.instance_id if instance else None,
                label=text,
            )
    return None


def resolve_endpoint(network: Network, ref: str | Resource, *, ipv6: bool = False) -> Endpoint:
    """An id (``i-``, ``eni-``), then an address, then ``internet[:IP]``, then a Name tag.

    A private address nobody owns resolves to a bare address (the engine reports it
    unreachable); a public address nobody owns is an internet host. An address held in
    several VPCs, or a name held by several resources, raises :class:`EndpointError` listing
    the candidates. ``ipv6``: an instance or ENI stands for its (first) IPv6 address, and
    ``internet`` alone for an IPv6 host.
    """
    if isinstance(ref, Instance):
        return _eni_endpoint(
            network, network.primary_network_interface(ref.instance_id), ref.name or ref.id, ipv6=ipv6
        )
    if isinstance(ref, NetworkInterface):
        return _eni_endpoint(network, ref, ref.name or ref.id, ipv6=ipv6)
    if not isinstance(ref, str):
        raise EndpointError(f"{ref!r} is not an instance, a network interface or an address")
    text = ref.strip()
    if text in network.instances:
        return _eni_endpoint(network, network.primary_network_interface(text), text, ipv6=ipv6)
    if text in network.network_interfaces:
        return _eni_endpoint(network, network.network_interfaces[text], text, ipv6=ipv6)
    if is_ipv6_address(text):
        owner = _ipv6_owner(network, text)
        if owner is not None:
            return owner
        canonical = str(ipaddress.IPv6Address(text))
        return Endpoint(address=canonical, label=text, internet=is_internet_routable(ip_int(canonical)))
    if _is_address(text):
        owners = network.owners_of_private_ip(text)
        if len(owners) > 1:
            raise EndpointError(
                f"{text} is a private address in several VPCs: name the instance or ENI instead",
                candidates=sorted(f"{o.network_interface_id} ({o.vpc_id})" for o in owners),
            )
        if owners:
            return _eni_endpoint(network, network.network_interfaces[owners[0].network_interface_id], text)
        public_owner = network.owner_of_public_ip(text)
        if public_owner is not None:
            return _eni_endpoint(network, network.network_interfaces[public_owner.network_interface_id], text)
        return Endpoint(address=text, label=text, internet=is_internet_routable(ip_int(text)))
    if text == "internet" or text.startswith("internet:"):
        host = text.partition(":")[2] or (DEFAULT_INTERNET_HOST6 if ipv6 else DEFAULT_INTERNET_HOST)
        if not _is_address(host):
            raise EndpointError(f"{text!r}: internet:IP needs an IPv4 or IPv6 address")
        if is_ipv6_address(host):
            host = str(ipaddress.IPv6Address(host))
        return Endpoint(address=host, label=f"internet ({host})", internet=True)
    named = [r for r in network.find_by_name(text) if isinstance(r, Instance | NetworkInterface)]
    if not named:
        nodes = _load_balancer_nodes(network, text)
        if nodes:  # a load balancer (name or ARN): its first node (its zone's first, in order)
            return _eni_endpoint(network, nodes[0], text)
    if len(named) > 1:
        raise EndpointError(f"{text!r} names several resources", candidates=[r.id for r in named])
    if named:
        return resolve_endpoint(network, named[0], ipv6=ipv6)
    raise EndpointError(f"{text!r} is not an instance, network interface, address, internet[:IP] or Name tag")


def _load_balancer_nodes(network: Network, text: str) -> list[NetworkInterface]:
    try:
        lb = network.load_balancer_named(text)
    except ModelError as exc:
        raise EndpointError(str(exc)) from None
    return network.load_balancer_nodes(lb) if lb is not None else []


def make_flow(
    network: Network,
    source: str | Resource,
    destination: str | Resource,
    *,
    protocol: str | int = "tcp",
    port: int | None = None,
    source_port: int | None = None,
    client_ports: str | tuple[int, int] | None = None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
    from_eni: str | None = None,
    ipv6: bool = False,
) -> Flow:
    """Build a flow from user-level endpoints.

    An instance as destination means its primary private address, or its public address when
    the source is on the internet. ``from_eni`` picks which ENI of a multi-homed source sends.
    ``ipv6`` (the CLI's ``-6``): instances and ENIs stand for their IPv6 address; a flow naming an
    IPv6 address at one end is an IPv6 flow anyway. Both ends are of one family.
    """
    number = protocol_number(protocol)
    if number == -1:
        raise ValueError("a flow needs one protocol, not -1 (all)")
    if number in (TCP, UDP) and port is None:
        raise ValueError(f"{protocol_name(number)} needs a destination port")
    if port is not None and not 0 <= port <= 65535:
        raise ValueError(f"port {port} is outside 0-65535")
    # an option that does not apply to the protocol is refused, never silently dropped
    if number not in (TCP, UDP):
        options = (
            ("a destination port", port),
            ("a source port", source_port),
            ("client ports", client_ports),
        )
        given = [name for name, value in options if value is not None]
        if given:
            verb = "applies" if given == ["a destination port"] or given == ["a source port"] else "apply"
            raise ValueError(f"{' and '.join(given)} {verb} to tcp and udp only, not {protocol_name(number)}")
    if number not in (ICMP, ICMPV6) and (icmp_type is not None or icmp_code is not None):
        raise ValueError(f"an ICMP type and code apply to icmp and icmpv6 only, not {protocol_name(number)}")
    ipv6 = ipv6 or names_ipv6(source) or names_ipv6(destination)
    if source_port is not None and client_ports is not None:
        raise ValueError("give a pinned source port or a client port range, not both")
    src = resolve_endpoint(network, source, ipv6=ipv6)
    if from_eni:
        chosen = resolve_endpoint(network, from_eni, ipv6=ipv6)
        if (
            chosen.network_interface_id is None
            or (src.instance_id is not None and chosen.instance_id != src.instance_id)
            or (src.instance_id is None and chosen.network_interface_id != src.network_interface_id)
        ):
            raise EndpointError(
                f"{from_eni} is not a network interface of the source {src.label}", parameter="from_eni"
            )
        src = chosen
    dst = resolve_endpoint(network, destination, ipv6=ipv6)
    dst_address = dst.address
    if isinstance(destination, str) and _is_address(destination.strip()):
        dst_address = dst.address if ipv6 else destination.strip()
    elif src.internet and dst.network_interface_id is not None and not ipv6:
        public_ip = network.network_interfaces[dst.network_interface_id].public_ip
        if public_ip:
            dst_address = public_ip
    if source_port is not None:
        if not 0 <= source_port <= 65535:
            raise ValueError(f"source port {source_port} is outside 0-65535")
        ports: PortRanges = ((source_port, source_port),)
    else:
        ports = (parse_client_ports(client_ports),)
    if is_ipv6_address(src.address) != is_ipv6_address(dst_address):
        raise EndpointError(
            f"{src.address} and {dst_address} are of different address families: a flow is IPv4 or IPv6 "
            "(give -6 / ipv6=True for the IPv6 addresses of instances)"
        )
    if ipv6 and number == ICMP:
        raise ValueError("an IPv6 flow carries icmpv6 (protocol 58), not icmp")
    if not ipv6 and number == ICMPV6:
        raise ValueError("icmpv6 is IPv6's: give -6 / ipv6=True, or IPv6 addresses")
    return Flow(
        protocol=number,
        source=src.address,
        destination=dst_address,
        destination_port=port if number in (TCP, UDP) else None,
        source_ports=ports,
        icmp_type=icmp_type if number in (ICMP, ICMPV6) else None,
        icmp_code=icmp_code if number in (ICMP, ICMPV6) else None,
        source_eni=src.network_interface_id,
    )


def names_ipv6(ref: str | Resource) -> bool:
    """An end given as an IPv6 address or ``internet:`` an IPv6 address."""
    if not isinstance(ref, str):
        return False
    text = ref.strip()
    if text.startswith("internet:"):
        text = text.partition(":")[2]
    return is_ipv6_address(text)
