"""AWS's addressing facts, in one place: every module that needs one asks here.

Why one home: these facts are small and easy to copy (``+ 4``, ``startswith("igw-")``, a list
of private ranges), and a copy fixed in one place and not the others answers wrongly. So:

- **Integers**, as netaddr keeps them: an IPv4 address is an ``int``; a block is
  ``(network, mask, prefix length)``. The hot paths of the engine compare integers only.
- **Named ranges**, as :mod:`ipaddress` names them (``IPv4Network`` constants and ``is_...``
  predicates): the ranges the internet does not route, RFC 1918 and RFC 6598.
- **Reserved addresses of a subnet**: AWS keeps the first four (network, VPC router, DNS,
  future use) and the last one; :class:`SubnetAddresses` is the one allocator of the others.
- **Route targets**: which kind of target an id names, by its prefix (``igw-``, ``nat-``...),
  and the ``Route`` field and network collection that hold it.
- **Managed interfaces**: which ENIs AWS creates for its own services (NAT gateways, transit
  gateway attachments, load balancer nodes, endpoints): they are not hosts.
- **Associations**: which route table and which network ACL a subnet uses (its explicit
  association, else its VPC's main table / default ACL).
"""

from __future__ import annotations

import functools
import ipaddress
import random
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TypeVar

from .resources import NetworkAcl, RouteTable, Subnet

# ---------------------------------------------------------------------------------- integers

FULL_MASK = 0xFFFFFFFF
FULL_MASK6 = (1 << 128) - 1
V6_FLAG = 1 << 128
"""An IPv6 address is its 128-bit value with this bit set: the two families' integers never meet
(every IPv4 address is below 2**32, every IPv6 one at or above 2**128), and an IPv6 block's mask
carries the bit too, so ``ip & mask == net`` never lets an IPv4 address into an IPv6 block. An
IPv4 block's mask does not carry it: IPv4 rules, routes and blocks are kept apart from IPv6 ones
(per family lists), never matched against an IPv6 address."""


def is_v6(ip: int) -> bool:
    """Whether the integer address ``ip`` is an IPv6 one (see :data:`V6_FLAG`)."""
    return ip > FULL_MASK


def ip_int(address: str) -> int:
    """An IPv4 (dotted quad) or IPv6 address as an integer (IPv6 ones carry :data:`V6_FLAG`;
    inputs are validated where they enter: flows, the model)."""
    if ":" in address:
        try:
            return int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big") | V6_FLAG
        except OSError:
            raise ValueError(f"{address!r} is not an IPv6 address") from None
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
    except OSError:
        raise ValueError(f"{address!r} is not an IPv4 address") from None


@functools.lru_cache(maxsize=1 << 16)
def ip_str(value: int) -> str:
    """An integer address as a dotted quad, or as IPv6's compressed form."""
    if value > FULL_MASK:
        return socket.inet_ntop(socket.AF_INET6, (value & FULL_MASK6).to_bytes(16, "big"))
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def cidr_int(cidr: str) -> tuple[int, int, int]:
    """(network, mask, prefix length) of an IPv4 or IPv6 CIDR (host bits dropped; an IPv6
    block's network and mask carry :data:`V6_FLAG`)."""
    if ":" in cidr:
        net6 = ipaddress.IPv6Network(cidr, strict=False)
        return int(net6.network_address) | V6_FLAG, int(net6.netmask) | V6_FLAG, net6.prefixlen
    net = ipaddress.IPv4Network(cidr, strict=False)
    return int(net.network_address), int(net.netmask), net.prefixlen


def last_address(net: int, mask: int) -> int:
    """The last (broadcast) address of the block ``net``/``mask``."""
    if net > FULL_MASK:
        return net | (~mask & FULL_MASK6)
    return net | (~mask & FULL_MASK)


def prefix_length(mask: int) -> int:
    """The prefix length of a mask :func:`cidr_int` gave."""
    return bin(mask & FULL_MASK6).count("1") if mask > FULL_MASK else bin(mask).count("1")


# ---------------------------------------------------------------------------------- named ranges

THIS_NETWORK = IPv4Network("0.0.0.0/8")
RFC1918 = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"))
"""The private ranges of RFC 1918, in which a VPC's primary block usually lies."""
RFC6598 = IPv4Network("100.64.0.0/10")
"""Shared address space (carrier-grade NAT): a VPC may use it; the internet does not route it."""
LOOPBACK = IPv4Network("127.0.0.0/8")
LINK_LOCAL = IPv4Network("169.254.0.0/16")
"""Link-local: AWS's own services (instance metadata, DNS, time) live here; a VPC never may."""
MULTICAST = IPv4Network("224.0.0.0/4")
RESERVED = IPv4Network("240.0.0.0/4")

NOT_INTERNET: tuple[IPv4Network, ...] = (
    THIS_NETWORK,
    RFC1918[0],
    RFC6598,
    LOOPBACK,
    LINK_LOCAL,
    RFC1918[1],
    RFC1918[2],
    MULTICAST,
    RESERVED,
)
"""Where the internet does not route, so an internet gateway neither carries traffic to these
addresses nor accepts it from them (documentation ranges count as internet: they stand for
public hosts in examples)."""


def _blocks(nets: Iterable[IPv4Network]) -> tuple[tuple[int, int, int], ...]:
    return tuple((int(n.network_address), int(n.netmask), n.prefixlen) for n in nets)


NOT_INTERNET_BLOCKS = _blocks(NOT_INTERNET)
""":data:`NOT_INTERNET` as integer blocks ``(network, mask, prefix length)``."""
_RFC1918_6598_BLOCKS = _blocks((*RFC1918, RFC6598))
_RFC6598_NET, _RFC6598_MASK, _ = _blocks((RFC6598,))[0]


GLOBAL_UNICAST6 = IPv6Network("2000::/3")
"""IPv6's global unicast space: the only IPv6 addresses the internet routes (documentation's
2001:db8::/32 counts, as IPv4's documentation ranges do)."""
AWS_SERVICES6 = IPv6Network("fd00:ec2::/32")
"""Where AWS's IPv6 services live (DNS ``fd00:ec2::253``, metadata ``::254``, Time Sync ``::123``):
no route may point into it and packets to it are never forwarded."""
NAT64_PREFIX = IPv6Network("64:ff9b::/96")
"""The well-known NAT64 prefix: a NAT gateway translates ``64:ff9b::a.b.c.d`` to ``a.b.c.d``."""
_GU6_NET = int(GLOBAL_UNICAST6.network_address) | V6_FLAG
_GU6_MASK = int(GLOBAL_UNICAST6.netmask) | V6_FLAG


def is_internet_routable(ip: int) -> bool:
    """An address the internet routes (documentation ranges count: they stand for public hosts);
    for IPv6, the global unicast space 2000::/3."""
    if ip > FULL_MASK:
        return ip & _GU6_MASK == _GU6_NET
    return not any(ip & mask == net for net, mask, _ in NOT_INTERNET_BLOCKS)


def is_rfc1918_or_6598(ip: int) -> bool:
    """An address of RFC 1918 (private) or RFC 6598 (shared address space); never an IPv6 one."""
    if ip > FULL_MASK:
        return False
    return any(ip & mask == net for net, mask, _ in _RFC1918_6598_BLOCKS)


def is_rfc6598(ip: int) -> bool:
    """An address of the shared address space 100.64.0.0/10; never an IPv6 one."""
    return ip <= FULL_MASK and ip & _RFC6598_MASK == _RFC6598_NET


def rfc1918_range_of(block: IPv4Network) -> IPv4Network | None:
    """The RFC 1918 range holding ``block``, if any."""
    for private in RFC1918:
        if block.subnet_of(private):
            return private
    return None


# ---------------------------------------------------------------------------------- subnets

NETWORK_OFFSET, ROUTER_OFFSET, DNS_OFFSET, FUTURE_OFFSET = 0, 1, 2, 3
"""Offsets from a subnet's first address of the four addresses AWS reserves at its start: the
network address, the VPC router, the Amazon DNS server (at the VPC's primary block's base + 2),
and one reserved for future use. The last address is reserved too."""
RESERVED_AT_START = 4

_RESERVED_REASONS = {
    NETWORK_OFFSET: "the network address",
    ROUTER_OFFSET: "the VPC router",
    DNS_OFFSET: "reserved by AWS (DNS)",
    FUTURE_OFFSET: "reserved by AWS",
}


def reserved_address_reason(
    subnet: IPv4Network | IPv6Network, address: IPv4Address | IPv6Address
) -> str | None:
    """Why AWS reserves ``address`` in ``subnet`` (network, router, DNS, future use, last), or None.
    IPv6 subnets reserve the same: their first four addresses (``::``, ``::1`` the router, ``::2``,
    ``::3``) and their last."""
    offset = int(address) - int(subnet.network_address)
    if offset in _RESERVED_REASONS:
        return _RESERVED_REASONS[offset]
    if address == subnet.broadcast_address:
        return "the last address (reserved by AWS)"
    return None


def reserved_addresses(subnet: IPv4Network) -> list[IPv4Address]:
    """The five addresses of a subnet no ENI may hold."""
    base = int(subnet.network_address)
    return [IPv4Address(base + k) for k in range(RESERVED_AT_START)] + [subnet.broadcast_address]


def router_address(cidr: str) -> str:
    """The VPC router's address in a subnet: its base + 1."""
    return ip_str(cidr_int(cidr)[0] + ROUTER_OFFSET)


AMAZON_DNS_LINK_LOCAL = "169.254.169.253"
"""The Amazon DNS server's address every VPC reaches (besides its primary block's base + 2)."""


def amazon_dns_address(primary_cidr: str) -> str:
    """The Amazon DNS server of a VPC: the base of its primary IPv4 block + 2."""
    return ip_str(cidr_int(primary_cidr)[0] + DNS_OFFSET)


def internal_domain(region: str) -> str:
    """The domain of EC2's private host names: ``ec2.internal`` in us-east-1, else
    ``<region>.compute.internal`` (also the default DHCP option set's domain name)."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def private_dns_name(address: str, region: str) -> str:
    """EC2's internal host name of a private address (``ip-10-0-1-5.ec2.internal``)."""
    return "ip-" + address.replace(".", "-") + "." + internal_domain(region)


class SubnetAddresses:
    """The one allocator of a subnet's private addresses: every address but AWS's five reserved
    ones, less those taken.

    ``taken`` may be shared with other allocators (a set of a whole VPC's addresses); addresses
    outside the subnet in it are ignored. :meth:`allocate` hands out the lowest free address, as
    AWS does; given a random stream it spreads addresses over a subnet that is more than half
    free (the generator's networks look less regular), and falls back to the lowest.
    """

    __slots__ = ("_cursor", "_used", "first", "last", "taken")

    def __init__(self, cidr: str, taken: set[int] | None = None) -> None:
        net, mask, _ = cidr_int(cidr)
        self.first = net + RESERVED_AT_START
        """The first address an ENI may hold."""
        self.last = last_address(net, mask) - 1
        """The last address an ENI may hold."""
        self.taken: set[int] = set() if taken is None else taken
        self._used = sum(1 for ip in self.taken if self.first <= ip <= self.last)
        self._cursor = self.first
        """Every address from ``first`` up to the cursor is taken."""

    @property
    def size(self) -> int:
        """How many addresses ENIs may hold in the subnet."""
        return max(0, self.last - self.first + 1)

    @property
    def free(self) -> int:
        return self.size - self._used

    def take(self, ip: int) -> None:
        """Mark ``ip`` as taken (an address written somewhere, or handed out)."""
        if ip not in self.taken:
            self.taken.add(ip)
            if self.first <= ip <= self.last:
                self._used += 1

    def lowest(self) -> int | None:
        """The lowest free address, or None when the subnet is full (nothing is taken)."""
        while self._cursor <= self.last and self._cursor in self.taken:
            self._cursor += 1
        return self._cursor if self._cursor <= self.last else None

    def allocate(self, rng: random.Random | None = None) -> int | None:
        """Take a free address and return it, or None when the subnet is full."""
        if self.free <= 0:
            return None
        ip = -1
        if rng is not None and self.free * 2 > self.size:
            for _ in range(4):
                candidate = rng.randint(self.first, self.last)
                if candidate not in self.taken:
                    ip = candidate
                    break
        if ip < 0:
            found = self.lowest()
            if found is None:  # ``taken`` was changed behind this allocator's back
                return None
            ip = found
        self.take(ip)
        return ip


# ---------------------------------------------------------------------------------- route targets


@dataclass(frozen=True, slots=True)
class RouteTargetKind:
    """What a route target id names, known from its prefix."""

    prefix: str
    """The id prefix (``igw-``)."""
    kind: str
    """The engine's name for the kind of target (``igw``)."""
    field: str
    """The ``Route`` field AWS puts such a target in (``gateway_id``)."""
    collection: str
    """The ``Network`` collection that holds such targets (``internet_gateways``)."""


ROUTE_TARGET_KINDS: tuple[RouteTargetKind, ...] = (
    RouteTargetKind("igw-", "igw", "gateway_id", "internet_gateways"),
    RouteTargetKind("vgw-", "vgw", "gateway_id", "vpn_gateways"),
    RouteTargetKind("vpce-", "vpce", "gateway_id", "vpc_endpoints"),
    RouteTargetKind("nat-", "nat", "nat_gateway_id", "nat_gateways"),
    RouteTargetKind("eni-", "eni", "network_interface_id", "network_interfaces"),
    RouteTargetKind("i-", "instance", "instance_id", "instances"),
    RouteTargetKind("pcx-", "pcx", "vpc_peering_connection_id", "vpc_peering_connections"),
    RouteTargetKind("tgw-", "tgw", "transit_gateway_id", "transit_gateways"),
    RouteTargetKind("eigw-", "eigw", "egress_only_internet_gateway_id", "egress_only_internet_gateways"),
)
"""Every kind of route target vpcsim models ("local" aside: the VPC itself, in ``gateway_id``)."""

LOCAL = "local"
"""The target of a VPC's local routes (``gateway_id``)."""


def route_target_kind(target: str) -> RouteTargetKind | None:
    """The kind of target the id ``target`` names, by its prefix; None for ``local`` and others."""
    for kind in ROUTE_TARGET_KINDS:
        if target.startswith(kind.prefix):
            return kind
    return None


def route_target_field(target: str) -> str | None:
    """The ``Route`` field holding ``target`` (``local`` -> ``gateway_id``), or None if unknown."""
    if target == LOCAL:
        return "gateway_id"
    kind = route_target_kind(target)
    return kind.field if kind is not None else None


ROUTE_TARGET_FIELDS = (
    "gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "instance_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
    "egress_only_internet_gateway_id",
)
"""The ``Route`` fields that hold a target, in the order ``Route.target`` reads them."""

_FIELD_COLLECTIONS = {k.field: k.collection for k in ROUTE_TARGET_KINDS if k.field != "gateway_id"}


def field_collection(field: str) -> str:
    """The collection of the targets a ``Route`` field other than ``gateway_id`` holds."""
    return _FIELD_COLLECTIONS[field]


def gateway_collection(gateway_id: str) -> str | None:
    """The collection of a ``gateway_id`` target or edge association (``igw-``, ``vgw-``, ``vpce-``)."""
    kind = route_target_kind(gateway_id)
    return kind.collection if kind is not None and kind.field == "gateway_id" else None


# ---------------------------------------------------------------------------------- managed interfaces

#: Interface types of ENIs that belong to an instance (or stand alone, the user's own): they
#: answer as hosts and carry at least one security group.
HOST_INTERFACE_TYPES = frozenset({"interface", "efa", "efa-only", "trunk", "branch"})

MANAGED_ANSWERS_UNMODELLED = "unmodelled"
"""A managed interface that answers on ports vpcsim does not model (a load balancer's listeners,
an interface endpoint's service): what it answers is unknown."""
MANAGED_NEVER_ANSWERS = "never"
"""A managed interface that forwards or only sends (a transit gateway attachment, a Gateway Load
Balancer endpoint, a Lambda function's ENI...): it answers nothing addressed to it."""

#: ``InterfaceType`` as ``describe-network-interfaces`` gives it -> (what owns it, how it answers).
_MANAGED_TYPES: dict[str, tuple[str, str]] = {
    "nat_gateway": ("NAT gateway", MANAGED_NEVER_ANSWERS),
    "natGateway": ("NAT gateway", MANAGED_NEVER_ANSWERS),
    "transit_gateway": ("transit gateway attachment", MANAGED_NEVER_ANSWERS),
    "gateway_load_balancer_endpoint": ("Gateway Load Balancer endpoint", MANAGED_NEVER_ANSWERS),
    "lambda": ("Lambda function", MANAGED_NEVER_ANSWERS),
    "load_balancer": ("load balancer", MANAGED_ANSWERS_UNMODELLED),
    "network_load_balancer": ("load balancer", MANAGED_ANSWERS_UNMODELLED),
    "gateway_load_balancer": ("load balancer", MANAGED_ANSWERS_UNMODELLED),
    "vpc_endpoint": ("VPC endpoint", MANAGED_ANSWERS_UNMODELLED),
}

#: Descriptions AWS gives the ENIs it creates, for dumps whose ``InterfaceType`` says only
#: ``interface`` (Application and Classic Load Balancers, older endpoint and gateway ENIs).
_MANAGED_DESCRIPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "Network Interface for Transit Gateway Attachment ",
        "transit gateway attachment",
        MANAGED_NEVER_ANSWERS,
    ),
    ("Interface for NAT Gateway ", "NAT gateway", MANAGED_NEVER_ANSWERS),
    ("AWS Lambda VPC ENI", "Lambda function", MANAGED_NEVER_ANSWERS),
    ("ELB ", "load balancer", MANAGED_ANSWERS_UNMODELLED),
    ("VPC Endpoint Interface ", "VPC endpoint", MANAGED_ANSWERS_UNMODELLED),
)


def managed_interface(interface_type: str, description: str) -> tuple[str, str] | None:
    """What AWS service owns an ENI it created for itself, and how the ENI answers traffic
    addressed to it (:data:`MANAGED_NEVER_ANSWERS`, :data:`MANAGED_ANSWERS_UNMODELLED`); None
    for a host's ENI (an instance's, or one of the user's own).

    Decided on the ``InterfaceType`` AWS gives, then on the description AWS writes (an ALB's or
    CLB's node is ``interface`` / ``ELB app/...``). Not on ``RequesterManaged``: AWS sets it for
    ENIs that do answer as hosts (ECS tasks, RDS, EFS mount targets) and leaves it false on
    transit gateway attachments. An interface type vpcsim does not know (a service's own,
    ``quicksight``...) is a managed interface whose answers are not modelled."""
    if interface_type in HOST_INTERFACE_TYPES:
        for prefix, owner, answers in _MANAGED_DESCRIPTIONS:
            if description.startswith(prefix):
                return owner, answers
        return None
    return _MANAGED_TYPES.get(interface_type, (f"{interface_type} service", MANAGED_ANSWERS_UNMODELLED))


# ---------------------------------------------------------------------------------- associations

_T = TypeVar("_T", RouteTable, NetworkAcl)


def _associations(subnets: Iterable[Subnet], tables: Iterable[_T], fallback: str) -> dict[str, _T | None]:
    explicit: dict[str, _T] = {}
    implicit: dict[str, _T] = {}
    for table in tables:
        for subnet_id in table.subnet_ids:
            explicit[subnet_id] = table
        if getattr(table, fallback):
            implicit[table.vpc_id] = table
    out: dict[str, _T | None] = {}
    for subnet in subnets:
        found = explicit.get(subnet.subnet_id)
        out[subnet.subnet_id] = found if found is not None else implicit.get(subnet.vpc_id)
    return out


def route_tables_of_subnets(
    subnets: Iterable[Subnet], route_tables: Iterable[RouteTable]
) -> dict[str, RouteTable | None]:
    """Subnet id -> the route table it uses: its explicitly associated one, else its VPC's main
    one (a network AWS would refuse may associate a subnet twice: the last association counts)."""
    return _associations(subnets, route_tables, "main")


def network_acls_of_subnets(
    subnets: Iterable[Subnet], network_acls: Iterable[NetworkAcl]
) -> dict[str, NetworkAcl | None]:
    """Subnet id -> the network ACL it uses: its associated one, else its VPC's default one."""
    return _associations(subnets, network_acls, "is_default")


def route_table_of_subnet(subnet: Subnet, route_tables: Iterable[RouteTable]) -> RouteTable | None:
    """The route table ``subnet`` uses (see :func:`route_tables_of_subnets`)."""
    return route_tables_of_subnets((subnet,), route_tables)[subnet.subnet_id]


def network_acl_of_subnet(subnet: Subnet, network_acls: Iterable[NetworkAcl]) -> NetworkAcl | None:
    """The network ACL ``subnet`` uses (see :func:`network_acls_of_subnets`)."""
    return network_acls_of_subnets((subnet,), network_acls)[subnet.subnet_id]
