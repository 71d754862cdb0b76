"""How IPv6 packets cross the gateways to the internet: the internet gateway without NAT, the
egress-only internet gateway and its connection state, and NAT64 through a NAT gateway.

Why apart from :mod:`vpcsim.engine.walk`: everything else a packet meets (security groups,
network ACLs, routes, peering, delivery) is one rule for both families, parametrised by the
packet's family where the walk looks rules up (:func:`vpcsim.engine.filters.sg_rules`,
:func:`~vpcsim.engine.filters.acl_entries`, ``CompiledRouteTable.lookup``). What differs at the
edge of the VPC lives here, as functions of the walk, called where the walk meets an IPv6 packet:

* **Internet gateway**: no NAT for IPv6; an ENI's IPv6 address is what the internet sees and
  reaches. The IPv4 checks (a public address, RFC 1918/6598) have no IPv6 counterpart; an address
  outside the global unicast space 2000::/3 is not carried (``VPCSIM_IPV6_NOT_GLOBAL``).
* **Egress-only internet gateway** (``eigw-``): IPv6 only; it forwards connections initiated
  from inside the VPC and their replies, and drops anything initiated from outside -- including
  the reply of a TCP connection or ICMPv6 echo that came in through the internet gateway
  (``VPCSIM_EIGW_INBOUND_INITIATED``): a SYN-ACK or an echo reply starts no connection. A UDP
  datagram (or a packet of another protocol without connection state) leaving through it is an
  outbound flow as far as the gateway can tell -- it never saw the request -- so it passes and
  is tracked, whatever it answers (reference: "stateful: forwards outbound flows and their
  replies, drops anything initiated from outside"; found by the differential run against Linux
  conntrack, docs/lab.md "IPv6"). No security group applies to it; ACLs of the subnets do.
* **NAT64**: a NAT gateway translates ``64:ff9b::/96`` + IPv4 to that IPv4 address, from its own
  private IPv4; the reply's source is re-prefixed. Any other IPv6 packet is not carried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.addressing import NAT64_PREFIX, V6_FLAG
from . import explain, explain6
from .compiled import ip_str, is_internet_routable
from .filters import Packet
from .flow import ICMPV6, TCP
from .result import Step

if TYPE_CHECKING:
    from .walk import Arrival, Walk

#: Protocols whose replies cannot start a connection at the egress-only gateway (a TCP segment
#: other than a SYN, an ICMPv6 echo reply); UDP and the protocols without state can.
OPENS_ONLY_WITH_A_REQUEST = frozenset({TCP, ICMPV6})

NAT64_NET = int(NAT64_PREFIX.network_address) | V6_FLAG
NAT64_MASK = int(NAT64_PREFIX.netmask) | V6_FLAG


def is_nat64(address: int) -> bool:
    """An IPv6 address of the well-known NAT64 prefix 64:ff9b::/96."""
    return address & NAT64_MASK == NAT64_NET


def to_internet(walk: Walk, igw_id: str, pkt: Packet, *, reply: bool) -> Arrival | None:
    """An IPv6 packet out through the internet gateway: no translation."""
    rec = walk.recorder
    walk.hop(igw_id, "internet-gateway")
    if not is_internet_routable(pkt.dst):
        rec.block(explain6.not_global(rec.path, igw_id, pkt.dst, destination=True))
        return None
    if walk.record:
        rec.step(
            Step("gateway", igw_id, "forward", "IPv6: no address translation, the source passes unchanged")
        )
    return _out(walk, pkt, reply=reply)


def via_egress_only(walk: Walk, eigw_id: str, pkt: Packet, *, reply: bool) -> Arrival | None:
    """Out through an egress-only internet gateway: a connection initiated inside is tracked (its
    replies come back); IPv4 and the replies of connections initiated outside are dropped."""
    rec = walk.recorder
    walk.hop(eigw_id, "egress-only-internet-gateway")
    if not pkt.dst > 0xFFFFFFFF:
        rec.block(explain6.address_family(rec.path, eigw_id, "carries IPv6 only", pkt.dst))
        return None
    if reply and pkt.proto in OPENS_ONLY_WITH_A_REQUEST:
        rec.block(explain6.eigw_inbound(rec.path, eigw_id, pkt.dst, reply=True))
        return None
    if not is_internet_routable(pkt.dst):
        rec.block(explain6.not_global(rec.path, eigw_id, pkt.dst, destination=True))
        return None
    walk.egress_only = walk.egress_only | {eigw_id}
    if walk.record:
        rec.step(
            Step(
                "gateway",
                eigw_id,
                "forward",
                "outbound IPv6 connection: the egress-only gateway tracks it and lets its replies in"
                if not reply
                else "outbound datagram: the egress-only gateway never saw the request, and tracks this as a new "
                "outbound flow",
            )
        )
    return _out(walk, pkt, reply=reply)


def _out(walk: Walk, pkt: Packet, *, reply: bool) -> Arrival | None:
    """To the internet -- or back in, when the destination is an ENI of the network."""
    from .walk import Arrival

    if pkt.dst in walk.compiled.global6:
        return from_internet(walk, pkt, reply=reply, hopped=True)
    walk.hop("internet", "internet")
    if walk.record:
        walk.recorder.step(
            walk.recorder.delivery("internet", f"delivered to internet host {ip_str(pkt.dst)}")
        )
    return Arrival("internet", pkt, None, "internet")


def from_internet(walk: Walk, pkt: Packet, *, reply: bool, hopped: bool = False) -> Arrival | None:
    """An IPv6 packet from the internet to an ENI's own address: through the egress-only gateway
    when it is the reply of a connection that gateway tracks, else through the VPC's internet
    gateway (no translation); an egress-only gateway alone drops it."""
    c = walk.compiled
    rec = walk.recorder
    if not hopped:
        walk.hop("internet", "internet")
    if walk.record and reply:
        rec.step(Step("service", "internet", "forward", f"{ip_str(pkt.src)} replies to {ip_str(pkt.dst)}"))
    owner = c.global6.get(pkt.dst)
    vpc = c.vpcs.get(owner.vpc_id) if owner is not None else None
    if not is_internet_routable(pkt.src):
        gateway = vpc.igw_id if vpc is not None and vpc.igw_id else "internet"
        if gateway != "internet":
            walk.hop(gateway, "internet-gateway")
        rec.block(explain6.not_global(rec.path, gateway, pkt.src, destination=False))
        return None
    if owner is None or vpc is None:
        in_vpc = next((v for v in c.vpcs.values() if v.contains(pkt.dst)), None)
        if in_vpc is not None:
            walk.recorder.block(explain.no_destination(rec.path, in_vpc.vpc_id, pkt.dst))
        else:
            rec.block(explain.unknown_public_address(rec.path, pkt.dst))
        return None
    tracked = next((e for e in vpc.eigw_ids if e in walk.egress_only), None)
    if reply and tracked is not None:
        walk.hop(tracked, "egress-only-internet-gateway")
        if walk.record:
            rec.step(
                Step("gateway", tracked, "forward", "reply of an outbound connection the gateway tracks")
            )
        return walk._enter(owner, pkt, reply=reply, from_subnet=None)
    if vpc.igw_id is None:
        if vpc.eigw_ids:
            walk.hop(vpc.eigw_ids[0], "egress-only-internet-gateway")
            rec.block(explain6.eigw_inbound(rec.path, vpc.eigw_ids[0], pkt.dst, reply=False))
            return None
        detached = next(
            (
                g.internet_gateway_id
                for g in walk.network.internet_gateways.values()
                if any(a.vpc_id == owner.vpc_id for a in g.attachments)
            ),
            None,
        )
        rec.block(explain.no_internet_gateway(rec.path, owner.vpc_id, detached, pkt.dst))
        return None
    igw_id = vpc.igw_id
    walk.hop(igw_id, "internet-gateway")
    if walk.record:
        rec.step(
            Step("gateway", igw_id, "forward", f"IPv6: no address translation, to {ip_str(pkt.dst)} as it is")
        )
    edge = vpc.edge_route_table
    if edge is not None:
        walk.hop(edge.route_table_id, "route-table")
        chosen = edge.lookup(pkt.dst)
        if chosen is not None and chosen.kind == "eni" and chosen.blackhole is None:
            if walk.record:
                rec.step(
                    Step(
                        "route",
                        edge.route_table_id,
                        "forward",
                        f"gateway route table: {chosen.destination} -> {chosen.target}",
                        rule=f"{chosen.destination} -> {chosen.target}",
                    )
                )
            appliance = c.enis.get(chosen.target)
            if appliance is None:
                walk._unknown(chosen.target, "network interface", pkt)
                return None
            return walk._enter(appliance, pkt, reply=reply, from_subnet=None)
    return walk._enter(owner, pkt, reply=reply, from_subnet=None)


def nat64(pkt: Packet, own: int) -> Packet:
    """The IPv4 packet a NAT gateway makes of an IPv6 one to 64:ff9b::a.b.c.d: from its own
    private IPv4 ``own`` (ports as the walk set them) to a.b.c.d."""
    return pkt.rewritten(src=own, dst=pkt.dst & 0xFFFFFFFF)


def reprefix(address: int) -> int:
    """An IPv4 address as NAT64 shows it to IPv6 hosts (64:ff9b::a.b.c.d)."""
    return NAT64_NET | address


__all__ = ["from_internet", "is_nat64", "nat64", "reprefix", "to_internet", "via_egress_only"]
