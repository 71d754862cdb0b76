"""The reference packet engine: one flow, forward and return, hop by hop.

The walk follows the connection life of the reference page: the sender's security groups
(outbound), its subnet's network ACL (outbound, when the packet leaves the subnet), the
subnet's route table, the target (local delivery, internet gateway with one-to-one NAT, NAT
gateway with source NAT, peering, an appliance ENI...), the destination subnet's ACL
(inbound) and the destination's security groups (inbound). The reply is a packet of its own:
security groups pass it (connection tracking), every ACL judges it again, routes are looked up
again and translations are reversed.

Every blocker is reported, not only the first: a filter that drops the packet (security group,
ACL, source/destination check, a stopped instance) is recorded and the walk goes on as if it
had passed, so that the user sees everything to fix; a failure that leaves no path to follow
(no route, a blackhole, a gateway that cannot translate) ends the walk.

Ports: the request's source ports are a set of ranges -- the client's whole ephemeral range
unless pinned -- and a flow is reachable only if every port works. ACLs match destination ports
only, so the client's range is judged on the return path, where it is the destination.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import cast

from ..model import Network, protocol_name
from ..model.addressing import is_rfc6598 as _in_rfc6598
from . import codes as C
from .compiled import (
    PEER_CIDR,
    PEER_MEMBERS,
    PEER_PREFIX_LIST,
    AclEntry,
    Compiled,
    CompiledEni,
    CompiledRoute,
    CompiledSubnet,
    SgRule,
    compile_network,
    ip_int,
    ip_str,
    is_internet_routable,
    subnet_is_split,
)
from .flow import ICMP, ICMP_ERRORS, ICMP_REPLIES, NAT_GATEWAY_PORTS, TCP, UDP, Flow, PortRanges
from .result import Blocker, Direction, Header, Hop, PathName, Step, Trace, Verdict

#: VPC-provided services that no security group or ACL filters: address -> (name, open ports).
_LINK_LOCAL_SERVICES: dict[int, tuple[str, frozenset[tuple[int, int]]]] = {
    ip_int("169.254.169.254"): ("instance-metadata-service", frozenset({(TCP, 80)})),
    ip_int("169.254.169.253"): ("amazon-dns-resolver", frozenset({(UDP, 53), (TCP, 53)})),
    ip_int("169.254.169.123"): ("amazon-time-sync", frozenset({(UDP, 123)})),
}
_RESOLVER_PORTS = frozenset({(UDP, 53), (TCP, 53)})
_MAX_ROUTE_LOOKUPS = 24
#: Causes that belong to a component, not to a direction: reported once per flow.
_ONCE_PER_FLOW = frozenset({C.BAD_STATE, C.ENI_SOURCE_DEST_CHECK_RESTRICTION})


@dataclass(frozen=True, slots=True)
class Packet:
    src: int
    dst: int
    proto: int
    sports: PortRanges
    dports: PortRanges
    itype: int
    icode: int
    forwarded: bool = False
    """Forwarded by a middlebox ENI: security-group references no longer match it."""

    @property
    def has_ports(self) -> bool:
        return self.proto in (TCP, UDP)


@dataclass(frozen=True, slots=True)
class _Session:
    """A source translation made on the forward path, reversed for the reply."""

    device: str
    original_src: int
    original_sports: PortRanges
    translated_src: int


@dataclass(frozen=True, slots=True)
class _Arrival:
    kind: str
    """``eni``, ``internet`` or ``service``."""
    packet: Packet
    eni: CompiledEni | None = None
    component: str = ""


def vpc_service(
    c: Compiled, eni: CompiledEni, destination: int
) -> tuple[str, frozenset[tuple[int, int]]] | None:
    """The VPC-provided service ``eni`` reaches at ``destination`` (DNS resolver, metadata, Time
    Sync): its name and the (protocol, port) pairs it answers on; None when there is none."""
    found = _LINK_LOCAL_SERVICES.get(destination)
    if found is not None:
        return found
    vpc = c.vpcs.get(eni.vpc_id)
    if vpc is not None and destination == vpc.primary_base + 2:
        return ("amazon-dns-resolver", _RESOLVER_PORTS)
    return None


# ---------------------------------------------------------------------------- port ranges


def _intersect(ranges: PortRanges, lo: int, hi: int) -> PortRanges:
    return tuple((max(a, lo), min(b, hi)) for a, b in ranges if a <= hi and b >= lo)


def _subtract(ranges: PortRanges, lo: int, hi: int) -> PortRanges:
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if b < lo or a > hi:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if b > hi:
            out.append((hi + 1, b))
    return tuple(out)


def format_ranges(ranges: PortRanges) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def _merge(ranges: list[tuple[int, int]]) -> PortRanges:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


# ---------------------------------------------------------------------------- rule evaluation


def _acl_proto_match(entry: AclEntry, proto: int, itype: int, icode: int) -> bool:
    rule_proto = entry[2]
    if rule_proto == -1:
        return True
    if rule_proto != proto:
        return False
    if proto == ICMP:
        return (entry[7] == -1 or entry[7] == itype) and (entry[8] == -1 or entry[8] == icode)
    return True


def acl_decide(
    entries: list[AclEntry], pkt: Packet, remote: int
) -> list[tuple[PortRanges | None, bool, int]]:
    """The ACL's decisions for the packet: (destination ports or None, allowed, rule number).

    For TCP/UDP the packet's destination ports may be a set of ranges (a reply to a client's
    whole ephemeral range); each part gets the first rule that matches it.
    """
    proto = pkt.proto
    if proto not in (TCP, UDP):
        for entry in entries:
            if remote & entry[4] == entry[3] and _acl_proto_match(entry, proto, pkt.itype, pkt.icode):
                return [(None, entry[1], entry[0])]
        return [(None, False, 32767)]
    remaining = pkt.dports
    single = len(remaining) == 1 and remaining[0][0] == remaining[0][1]
    decisions: list[tuple[PortRanges | None, bool, int]] = []
    for entry in entries:
        if remote & entry[4] != entry[3] or (entry[2] != -1 and entry[2] != proto):
            continue
        lo, hi = entry[5], entry[6]
        if single:
            port = remaining[0][0]
            if lo <= port <= hi:
                return [(remaining, entry[1], entry[0])]
            continue
        hit = _intersect(remaining, lo, hi)
        if hit:
            decisions.append((hit, entry[1], entry[0]))
            remaining = _subtract(remaining, lo, hi)
            if not remaining:
                return decisions
    if remaining:
        decisions.append((remaining, False, 32767))
    return decisions


def sg_decide(rules: list[SgRule], pkt: Packet, remote: int) -> tuple[SgRule | None, SgRule | None]:
    """(the first rule that allows the packet, or None; a rule that might, through an unknown peer)."""
    proto = pkt.proto
    port = pkt.dports[0][0]
    unknown: SgRule | None = None
    for rule in rules:
        rule_proto = rule[0]
        if rule_proto != -1:
            if rule_proto != proto:
                continue
            if proto in (TCP, UDP):
                if not rule[1] <= port <= rule[2]:
                    continue
            elif proto == ICMP and not (
                (rule[1] == -1 or rule[1] == pkt.itype) and (rule[2] == -1 or rule[2] == pkt.icode)
            ):
                continue
        kind = rule[3]
        if kind == PEER_CIDR:
            net, mask = cast(tuple[int, int], rule[4])
            if remote & mask == net:
                return rule, None
        elif kind == PEER_MEMBERS:
            if remote in cast(frozenset[int], rule[4]):
                return rule, None
        elif kind == PEER_PREFIX_LIST:
            for net, mask in cast(list[tuple[int, int]], rule[4]):
                if remote & mask == net:
                    return rule, None
        elif unknown is None:
            unknown = rule
    return None, unknown


@functools.lru_cache(maxsize=4096)
def _describe_traffic(pkt: Packet) -> str:
    if pkt.has_ports:
        return f"{protocol_name(pkt.proto)}/{format_ranges(pkt.dports)}"
    if pkt.proto == ICMP:
        return f"icmp type {pkt.itype} code {pkt.icode}"
    return f"protocol {pkt.proto}"


# ---------------------------------------------------------------------------- the walk


class _Walk:
    def __init__(self, compiled: Compiled, flow: Flow, record: bool) -> None:
        self.c = compiled
        self.n: Network = compiled.network
        self.flow = flow
        self.record = record
        self.path: PathName = "forward"
        self.blockers: list[Blocker] = []
        self.hops: dict[PathName, list[tuple[str, str, list[Step]]]] = {"forward": [], "return": []}
        self.sessions: list[_Session] = []
        self.lookups = 0
        self.sdc_reported: set[str] = set()
        self._reply_translator: str | None = None
        self.tracked: set[str] = set()
        """ENIs whose security groups judged the request: they track the connection."""

    # ------------------------------------------------------------ recording

    def hop(self, component: str, kind: str) -> None:
        if self.record:
            hops = self.hops[self.path]
            if hops and hops[-1][0] == component:
                return
            hops.append((component, kind, []))

    def step(self, step: Step) -> None:
        self.hops[self.path][-1][2].append(step)

    def block(
        self,
        code: str,
        component: str,
        detail: str,
        fix: str,
        *,
        direction: Direction | None = None,
        ports: PortRanges | None = None,
    ) -> None:
        if code in _ONCE_PER_FLOW and any(b.code == code and b.component == component for b in self.blockers):
            return
        self.blockers.append(Blocker(code, component, self.path, detail, fix, direction, ports))
        if self.record:
            self.step(Step("blocked", component, "drop", f"{code}: {detail}", direction))

    def _delivery(self, component: str, text: str) -> Step:
        """The delivery step; past a blocker it says the packet only gets there in the analysis."""
        if self.blockers:
            return Step(
                "delivery",
                component,
                "reach",
                f"{text.replace('delivered to', 'reaches')} only past the blockers above "
                "(the analysis goes on to find every blocker)",
            )
        return Step("delivery", component, "deliver", text)

    def header(self, pkt: Packet) -> Header:
        ports = pkt.has_ports
        return Header(
            ip_str(pkt.src),
            ip_str(pkt.dst),
            pkt.sports if ports else None,
            pkt.dports if ports else None,
        )

    # ------------------------------------------------------------ the whole flow

    def run(self) -> None:
        flow = self.flow
        dports: PortRanges = (
            ((flow.destination_port, flow.destination_port),)
            if flow.destination_port is not None
            else ((0, 0),)
        )
        pkt = Packet(
            ip_int(flow.source),
            ip_int(flow.destination),
            flow.protocol,
            flow.source_ports if flow.has_ports else ((0, 0),),
            dports,
            flow.icmp_type if flow.icmp_type is not None else -1,
            flow.icmp_code if flow.icmp_code is not None else -1,
        )
        source = self.c.enis.get(flow.source_eni) if flow.source_eni else None
        if flow.source_eni and source is None:
            self.hop(flow.source_eni, "network-interface")
            self.block(
                C.UNKNOWN_RESOURCE,
                flow.source_eni,
                f"the source {flow.source_eni} is not in the network",
                "import or describe the source network interface",
            )
            return
        if source is not None and self._service(source, pkt):
            return
        arrival = (
            self.send(source, pkt, reply=False)
            if source is not None
            else self.from_internet(pkt, reply=False)
        )
        self._check_placeholders(source, arrival.eni if arrival is not None else None)
        if arrival is None:
            return
        reply_pkt = self._reply(arrival.packet)
        if reply_pkt is None:
            return
        self.path = "return"
        if arrival.kind == "eni":
            assert arrival.eni is not None
            back = self.send(arrival.eni, reply_pkt, reply=True)
        elif arrival.kind == "internet":
            back = self.from_internet(reply_pkt, reply=True)
        else:
            back = self._from_gateway_endpoint(arrival, reply_pkt)
        if back is None:
            return
        expected = source.eni_id if source is not None else None
        got = back.eni.eni_id if back.eni is not None else None
        if back.kind != ("eni" if source is not None else "internet") or got != expected:
            self.block(
                C.NO_PATH,
                back.component or (got or "internet"),
                f"the reply reaches {got or back.kind}, not the client",
                "make the return route lead back to the client (asymmetric routing)",
            )
        elif back.packet.src != pkt.dst:
            self.block(
                C.VPCSIM_ASYMMETRIC_REPLY,
                self._reply_translator or back.component,
                f"the reply comes back from {ip_str(back.packet.src)}, but the client sent to {ip_str(pkt.dst)}: "
                "it drops the reply",
                "route the reply back the way the request came (e.g. the server's subnet to the internet gateway, "
                "not a NAT gateway, when the server has a public address)",
            )

    def _check_placeholders(self, *ends: CompiledEni | None) -> None:
        """An end whose address is a stand-in (known only after apply) makes the answer unknown
        when some rule or route tells addresses of its subnet apart."""
        for end in ends:
            if end is None or not end.placeholder_address:
                continue
            splitter = subnet_is_split(self.n, end.subnet)
            if splitter is not None:
                self.block(
                    C.VPCSIM_UNKNOWN_ADDRESS,
                    end.eni_id,
                    f"{end.eni_id}'s address {end.eni.private_ip_address} is a stand-in (AWS assigns it at apply), "
                    f"and {splitter} covers only part of its subnet {end.subnet.subnet.cidr_block}: the real "
                    "address may fall on either side",
                    f"pin the private IP in the configuration, or make rules cover the whole subnet ({splitter})",
                )

    def _reply(self, pkt: Packet) -> Packet | None:
        if pkt.proto == ICMP:
            reply_type = ICMP_REPLIES.get(pkt.itype)
            if reply_type is None:
                return None
            return Packet(pkt.dst, pkt.src, ICMP, pkt.dports, pkt.sports, reply_type, pkt.icode)
        return Packet(pkt.dst, pkt.src, pkt.proto, pkt.dports, pkt.sports, pkt.itype, pkt.icode)

    # ------------------------------------------------------------ VPC-provided services

    def _service(self, eni: CompiledEni, pkt: Packet) -> bool:
        """Traffic to the DNS resolver, metadata or Time Sync: never filtered by SGs or ACLs."""
        name_ports = vpc_service(self.c, eni, pkt.dst)
        if name_ports is None:
            return False
        name, ports = name_ports
        self.hop(eni.eni_id, "network-interface")
        if not eni.running:
            self._stopped(eni)
        if self.record:
            self.step(
                Step(
                    "service",
                    eni.eni_id,
                    "allow",
                    f"{name} is not filtered by security groups or network ACLs",
                )
            )
        port = pkt.dports[0][0]
        self.hop(name, "vpc-service")
        if (pkt.proto, port) not in ports:
            open_ports = ", ".join(f"{protocol_name(p)}/{n}" for p, n in sorted(ports))
            self.block(
                C.VPCSIM_SERVICE_PORT_CLOSED,
                name,
                f"{name} answers only on {open_ports}, not {_describe_traffic(pkt)}",
                f"use {open_ports}",
            )
            return True
        if self.record:
            self.step(Step("delivery", name, "deliver", f"delivered to {name} at {ip_str(pkt.dst)}"))
            self.path = "return"
            self.hop(name, "vpc-service")
            self.step(Step("service", name, "forward", f"{name} replies"))
            self.hop(eni.eni_id, "network-interface")
            self.step(Step("delivery", eni.eni_id, "deliver", f"reply delivered to {ip_str(pkt.src)}"))
        return True

    # ------------------------------------------------------------ sending from an ENI

    def _eni_hop(self, eni: CompiledEni) -> None:
        if eni.nat_gateway is not None:
            self.hop(eni.nat_gateway.nat_gateway_id, "nat-gateway")
        else:
            self.hop(eni.eni_id, "network-interface")

    def send(self, eni: CompiledEni, pkt: Packet, *, reply: bool, forwarded: bool = False) -> _Arrival | None:
        self._eni_hop(eni)
        if not forwarded:
            if not eni.running:
                self._stopped(eni)
            if pkt.src not in eni.addresses and eni.source_dest_check and eni.eni_id not in self.sdc_reported:
                self._source_dest_check(eni, f"it sends from {ip_str(pkt.src)}, which is not its own address")
        if eni.filtered:
            self._sg(eni, pkt, egress=True, reply=reply)
        subnet = eni.subnet
        if pkt.dst & subnet.mask == subnet.net:
            owner = self.c.private.get(eni.vpc_id, {}).get(pkt.dst)
            if self.record:
                self.step(
                    Step(
                        "route",
                        subnet.subnet_id,
                        "forward",
                        f"{ip_str(pkt.dst)} is in the same subnet {subnet.subnet.cidr_block}: "
                        "delivered directly, no route table or network ACL",
                    )
                )
            if owner is None:
                self._no_destination(subnet.subnet_id, pkt)
                return None
            return self.deliver(owner, pkt, reply=reply)
        self.hop(subnet.subnet_id, "subnet")
        self._acl(subnet, pkt, inbound=False)
        if (
            forwarded
            and (not reply or (eni.eni_id not in self.tracked and pkt.proto not in (TCP, ICMP)))
            and pkt.src not in eni.addresses
            and eni.public_of
            and not eni.source_dest_check
        ):
            translated = self._masquerade(eni, pkt)
            if translated is None:
                return None
            pkt = translated
        return self.route(subnet, pkt, reply=reply)

    def _masquerade(self, eni: CompiledEni, pkt: Packet) -> Packet | None:
        """A NAT instance (source/destination check off, public IP) translates what it forwards
        to the internet to its own primary address, keeping ports (Linux masquerade) -- a reply
        of a connection it never saw too, when that starts a connection for Linux (UDP, GRE...;
        a lone TCP SYN-ACK or reset, an ICMP echo reply, are invalid to it and left as they are)."""
        rt = eni.subnet.route_table
        route = rt.lookup(pkt.dst) if rt is not None else None
        if route is None or route.kind != "igw":
            return pkt
        if pkt.proto == ICMP and pkt.itype in ICMP_ERRORS:
            self._untracked_icmp_error(eni.instance_id or eni.eni_id, pkt)
            return None
        own = ip_int(eni.eni.private_ip_address)
        translated = replace(pkt, src=own)
        self.sessions.append(_Session(eni.eni_id, pkt.src, pkt.sports, own))
        if self.record:
            self.step(
                Step(
                    "nat",
                    eni.eni_id,
                    "translate",
                    f"NAT instance {eni.instance_id or eni.eni_id} masquerades the source",
                    before=self.header(pkt),
                    after=self.header(translated),
                )
            )
        return translated

    # ------------------------------------------------------------ routing

    def route(self, subnet: CompiledSubnet, pkt: Packet, *, reply: bool) -> _Arrival | None:
        self.lookups += 1
        if self.lookups > _MAX_ROUTE_LOOKUPS:
            self.block(
                C.VPCSIM_ROUTING_LOOP,
                subnet.subnet_id,
                "the packet keeps being routed: a loop",
                "fix the routes that send the packet around",
            )
            return None
        rt = subnet.route_table
        if rt is None:
            self.block(
                C.NO_ROUTE_TO_DESTINATION,
                subnet.subnet_id,
                f"{subnet.subnet_id} has no route table",
                f"associate a route table with {subnet.subnet_id}",
            )
            return None
        self.hop(rt.route_table_id, "route-table")
        chosen = rt.lookup(pkt.dst)
        if chosen is None:
            self._no_route(subnet, rt.route_table_id, pkt)
            return None
        if self.record:
            self.step(
                Step(
                    "route",
                    rt.route_table_id,
                    "forward" if chosen.blackhole is None else "drop",
                    f"longest prefix match for {ip_str(pkt.dst)}: {chosen.destination} -> {chosen.target}",
                    rule=f"{chosen.destination} -> {chosen.target}",
                )
            )
        if chosen.blackhole is not None:
            self._blackhole(rt.route_table_id, chosen, rt.all_matching(pkt.dst))
            return None
        kind = chosen.kind
        vpc_id = subnet.vpc_id
        if kind == "local":
            owner = self.c.private.get(vpc_id, {}).get(pkt.dst)
            if owner is None:
                self._no_destination(vpc_id, pkt)
                return None
            return self._enter(owner, pkt, reply=reply, from_subnet=subnet)
        if kind == "igw":
            return self.to_internet(vpc_id, chosen.target, pkt, reply=reply)
        if kind == "nat":
            return self.via_nat(chosen.target, subnet, pkt, reply=reply)
        if kind == "pcx":
            return self.via_peering(chosen.target, vpc_id, pkt, reply=reply)
        if kind == "eni":
            target = self.c.enis.get(chosen.target)
            if target is None:
                self._unknown(chosen.target, "network interface", pkt)
                return None
            return self._enter(target, pkt, reply=reply, from_subnet=subnet)
        if kind == "vpce":
            return self._gateway_endpoint(chosen.target, vpc_id, pkt)
        self._unknown(chosen.target, kind, pkt)
        return None

    def _enter(
        self, eni: CompiledEni, pkt: Packet, *, reply: bool, from_subnet: CompiledSubnet | None
    ) -> _Arrival | None:
        """Into the ENI's subnet (its ACL, inbound, unless already inside) and to the ENI."""
        if from_subnet is None or eni.subnet is not from_subnet:
            self.hop(eni.subnet.subnet_id, "subnet")
            self._acl(eni.subnet, pkt, inbound=True)
        return self.deliver(eni, pkt, reply=reply)

    # ------------------------------------------------------------ delivery to an ENI

    def deliver(self, eni: CompiledEni, pkt: Packet, *, reply: bool) -> _Arrival | None:
        self._eni_hop(eni)
        if eni.nat_gateway is not None:
            return self._at_nat_gateway(eni, pkt, reply=reply)
        if not eni.running:
            self._stopped(eni)
        if pkt.dst in eni.addresses:
            session = self._session_for(eni.eni_id, pkt) if reply else None
            if session is not None:
                return self._unmasquerade(eni, session, pkt, eni.eni_id)
            if eni.filtered:
                self._sg(eni, pkt, egress=False, reply=reply)
            if self.record:
                self.step(self._delivery(eni.eni_id, f"delivered to {ip_str(pkt.dst)}"))
            return _Arrival("eni", pkt, eni, eni.eni_id)
        # Not its own address: the ENI is a next hop (an appliance, a NAT instance).
        if eni.source_dest_check:
            self._source_dest_check(
                eni, f"it receives traffic for {ip_str(pkt.dst)}, which is not its own address"
            )
        elif self.record:
            self.step(
                Step(
                    "source-dest-check",
                    eni.eni_id,
                    "forward",
                    "source/destination check is disabled: the ENI forwards the packet",
                )
            )
        if eni.filtered:
            self._sg(eni, pkt, egress=False, reply=reply)
        return self.send(eni, replace(pkt, forwarded=True), reply=reply, forwarded=True)

    def _session_for(self, device: str, pkt: Packet) -> _Session | None:
        for session in self.sessions:
            if session.device == device and session.translated_src == pkt.dst:
                return session
        return None

    def _unmasquerade(
        self, eni: CompiledEni, session: _Session, pkt: Packet, component: str
    ) -> _Arrival | None:
        """Reverse a source translation for the reply, and send it on towards the client."""
        back = replace(pkt, dst=session.original_src, dports=session.original_sports)
        if self.record:
            self.step(
                Step(
                    "nat",
                    component,
                    "translate",
                    "the reply's destination is translated back",
                    before=self.header(pkt),
                    after=self.header(back),
                )
            )
        return self.send(eni, back, reply=True, forwarded=True)

    # ------------------------------------------------------------ internet gateway

    def to_internet(self, vpc_id: str, igw_id: str, pkt: Packet, *, reply: bool) -> _Arrival | None:
        self.hop(igw_id, "internet-gateway")
        if not is_internet_routable(pkt.dst):
            self.block(
                C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS
                if _in_rfc6598(pkt.dst)
                else C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS,
                igw_id,
                f"{ip_str(pkt.dst)} is not an internet address; the internet gateway does not carry it",
                f"route {ip_str(pkt.dst)} to where it lives (a local, peering or VPN route), not to {igw_id}",
            )
            return None
        owner = self.c.private.get(vpc_id, {}).get(pkt.src)
        public = owner.public_of.get(pkt.src) if owner is not None else None
        if public is None:
            where = owner.eni_id if owner is not None else ip_str(pkt.src)
            self.block(
                C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
                igw_id,
                f"{ip_str(pkt.src)} ({where}) has no public IPv4 address, so {igw_id} drops its traffic",
                f"associate an Elastic IP with {where}, or route the subnet's internet traffic through a NAT gateway",
            )
            return None
        translated = replace(pkt, src=public)
        if self.record:
            self.step(
                Step(
                    "nat",
                    igw_id,
                    "translate",
                    f"one-to-one NAT: source {ip_str(pkt.src)} -> {ip_str(public)}",
                    before=self.header(pkt),
                    after=self.header(translated),
                )
            )
        if pkt.dst in self.c.public:
            return self.from_internet(translated, reply=reply)
        self.hop("internet", "internet")
        if self.record:
            self.step(self._delivery("internet", f"delivered to internet host {ip_str(pkt.dst)}"))
        return _Arrival("internet", translated, None, "internet")

    def from_internet(self, pkt: Packet, *, reply: bool) -> _Arrival | None:
        self.hop("internet", "internet")
        if self.record and reply:
            self.step(
                Step("service", "internet", "forward", f"{ip_str(pkt.src)} replies to {ip_str(pkt.dst)}")
            )
        target = self.c.public.get(pkt.dst)
        if not is_internet_routable(pkt.src):
            vpc_of_target = self.c.vpcs.get(target[0].vpc_id) if target is not None else None
            gateway = (
                vpc_of_target.igw_id if vpc_of_target is not None and vpc_of_target.igw_id else "internet"
            )
            if gateway != "internet":
                self.hop(gateway, "internet-gateway")
            self.block(
                C.IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS
                if _in_rfc6598(pkt.src)
                else C.IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS,
                gateway,
                f"{ip_str(pkt.src)} is not an internet address: the internet gateway drops traffic from it",
                "use a public source address",
            )
            return None
        if target is None:
            owners = [table[pkt.dst] for table in self.c.private.values() if pkt.dst in table]
            if owners or not is_internet_routable(pkt.dst):
                igw = self.c.vpcs[owners[0].vpc_id].igw_id if owners else None
                self.block(
                    C.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                    igw or "internet",
                    f"{ip_str(pkt.dst)} is a private address: the internet cannot reach it",
                    (
                        f"give {owners[0].eni_id} a public IPv4 or Elastic IP and use that address"
                        if owners
                        else "use the destination's public address"
                    ),
                )
            else:
                self.block(
                    C.UNKNOWN_DESTINATION,
                    "internet",
                    f"nothing in the network owns the public address {ip_str(pkt.dst)}",
                    "check the destination address",
                )
            return None
        eni, private = target
        vpc = self.c.vpcs.get(eni.vpc_id)
        igw_id = vpc.igw_id if vpc is not None else None
        if igw_id is None:
            detached = [
                g.internet_gateway_id
                for g in self.n.internet_gateways.values()
                if any(a.vpc_id == eni.vpc_id for a in g.attachments)
            ]
            self.block(
                C.BAD_STATE_ATTACHMENT if detached else C.NO_PATH,
                detached[0] if detached else eni.vpc_id,
                f"{eni.vpc_id} has no attached internet gateway, so {ip_str(pkt.dst)} is unreachable from the internet",
                f"attach an internet gateway to {eni.vpc_id}",
            )
            return None
        self.hop(igw_id, "internet-gateway")
        translated = replace(pkt, dst=private)
        if self.record:
            self.step(
                Step(
                    "nat",
                    igw_id,
                    "translate",
                    f"one-to-one NAT: destination {ip_str(pkt.dst)} -> {ip_str(private)}",
                    before=self.header(pkt),
                    after=self.header(translated),
                )
            )
        assert vpc is not None
        edge = vpc.edge_route_table
        if edge is not None:
            self.hop(edge.route_table_id, "route-table")
            chosen = edge.lookup(private)
            if chosen is not None and chosen.kind == "eni" and chosen.blackhole is None:
                if self.record:
                    self.step(
                        Step(
                            "route",
                            edge.route_table_id,
                            "forward",
                            f"gateway route table: {chosen.destination} -> {chosen.target}",
                            rule=f"{chosen.destination} -> {chosen.target}",
                        )
                    )
                appliance = self.c.enis.get(chosen.target)
                if appliance is None:
                    self._unknown(chosen.target, "network interface", translated)
                    return None
                return self._enter(appliance, translated, reply=reply, from_subnet=None)
        return self._enter(eni, translated, reply=reply, from_subnet=None)

    # ------------------------------------------------------------ NAT gateway

    def via_nat(
        self, nat_id: str, from_subnet: CompiledSubnet, pkt: Packet, *, reply: bool
    ) -> _Arrival | None:
        nat = self.n.nat_gateways[nat_id]
        nat_eni = self.c.enis.get(nat.network_interface_id or "")
        nat_subnet = self.c.subnets.get(nat.subnet_id)
        if nat_subnet is None or nat_eni is None:
            self._unknown(nat_id, "NAT gateway (its subnet or interface is missing)", pkt)
            return None
        if nat_subnet is not from_subnet:
            self.hop(nat_subnet.subnet_id, "subnet")
            self._acl(nat_subnet, pkt, inbound=True)
        self.hop(nat_id, "nat-gateway")
        if pkt.proto not in (TCP, UDP, ICMP):
            self.block(
                C.PROTOCOL_RESTRICTION,
                nat_id,
                f"a NAT gateway carries TCP, UDP and ICMP only, not protocol {pkt.proto}",
                "use a NAT instance or give the instance a public address for this protocol",
            )
            return None
        if pkt.proto == ICMP and pkt.itype in ICMP_ERRORS and not reply:
            self._untracked_icmp_error(nat_id, pkt)
            return None
        vpc = self.c.vpcs[nat.vpc_id]
        if not vpc.contains(pkt.src):
            self.block(
                C.NGW_REQUIRES_SOURCE_IN_VPC,
                nat_id,
                f"{ip_str(pkt.src)} is not in {nat.vpc_id}: a NAT gateway serves its own VPC only",
                f"give {ip_str(pkt.src)}'s VPC its own NAT gateway",
            )
            return None
        own = ip_int(nat.private_ip)
        if reply:
            self._reply_translator = nat_id
        translated = replace(pkt, src=own, sports=(NAT_GATEWAY_PORTS,) if pkt.has_ports else pkt.sports)
        self.sessions.append(_Session(nat_eni.eni_id, pkt.src, pkt.sports, own))
        if self.record:
            self.step(
                Step(
                    "nat",
                    nat_id,
                    "translate",
                    f"source NAT to {nat.private_ip}, ports 1024-65535",
                    before=self.header(pkt),
                    after=self.header(translated),
                )
            )
        return self.send(nat_eni, translated, reply=reply, forwarded=True)

    def _at_nat_gateway(self, eni: CompiledEni, pkt: Packet, *, reply: bool) -> _Arrival | None:
        nat = eni.nat_gateway
        assert nat is not None
        session = self._session_for(eni.eni_id, pkt) if reply else None
        if session is None:
            self.block(
                C.VPCSIM_NAT_GATEWAY_NO_INBOUND,
                nat.nat_gateway_id,
                f"{nat.nat_gateway_id} accepts no connection initiated towards it",
                "reach the instance through a public address on it, a load balancer or a bastion",
            )
            return None
        return self._unmasquerade(eni, session, pkt, nat.nat_gateway_id)

    # ------------------------------------------------------------ peering

    def via_peering(self, pcx_id: str, vpc_id: str, pkt: Packet, *, reply: bool) -> _Arrival | None:
        self.hop(pcx_id, "vpc-peering-connection")
        pcx = self.n.vpc_peering_connections[pcx_id]
        peer_id = pcx.peer_of(vpc_id)
        local = self.c.vpcs[vpc_id]
        if peer_id is None:
            self.block(
                C.BAD_STATE_ROUTE,
                pcx_id,
                f"{pcx_id} does not connect {vpc_id}",
                f"route to a peering connection of {vpc_id}",
            )
            return None
        if not local.contains(pkt.src):
            self.block(
                C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                pcx_id,
                f"the source {ip_str(pkt.src)} is not in {vpc_id}: a peering carries no transit or edge-to-edge traffic",
                "connect the two ends directly (their own peering, or a transit gateway)",
            )
            return None
        peer = self.c.vpcs.get(peer_id)
        if peer is None:
            side = pcx.accepter if pcx.accepter.vpc_id == peer_id else pcx.requester
            from .compiled import cidr_int

            if (
                any(pkt.dst & m == n for n, m, _ in (cidr_int(b) for b in side.cidr_blocks))
                or not side.cidr_blocks
            ):
                self.block(
                    C.UNKNOWN_RESOURCE,
                    peer_id,
                    f"the peer VPC {peer_id} is not in the input",
                    f"import {peer_id} (account {side.owner_id}, {side.region})",
                )
                return None
            self.block(
                C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                pcx_id,
                f"the destination {ip_str(pkt.dst)} is not in the peer VPC {peer_id}",
                "no transitive peering: connect the destination's VPC directly",
            )
            return None
        if not peer.contains(pkt.dst):
            self.block(
                C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                pcx_id,
                f"the destination {ip_str(pkt.dst)} is not in the peer VPC {peer_id}: no transitive or edge-to-edge routing",
                "route the destination through a connection of its own (peering, NAT gateway or internet gateway of this VPC)",
            )
            return None
        if self.record:
            self.step(Step("peering", pcx_id, "forward", f"{vpc_id} -> {peer_id}"))
        owner = self.c.private.get(peer_id, {}).get(pkt.dst)
        if owner is None:
            self._no_destination(peer_id, pkt)
            return None
        return self._enter(owner, pkt, reply=reply, from_subnet=None)

    # ------------------------------------------------------------ gateway endpoints

    def _gateway_endpoint(self, vpce_id: str, vpc_id: str, pkt: Packet) -> _Arrival | None:
        self.hop(vpce_id, "vpc-endpoint")
        if not (pkt.proto == TCP or (pkt.proto == ICMP and pkt.itype == 8)):
            self.block(
                C.VPCE_GATEWAY_PROTOCOL_RESTRICTION,
                vpce_id,
                "a gateway endpoint carries TCP and ICMP echo only",
                "use TCP to reach the service",
            )
            return None
        if self.record:
            self.step(self._delivery(vpce_id, f"delivered to the service behind {vpce_id}"))
        return _Arrival("service", pkt, None, vpce_id)

    def _from_gateway_endpoint(self, arrival: _Arrival, pkt: Packet) -> _Arrival | None:
        self.hop(arrival.component, "vpc-endpoint")
        for table in self.c.private.values():
            owner = table.get(pkt.dst)
            if owner is not None:
                return self._enter(owner, pkt, reply=True, from_subnet=None)
        self._no_destination(arrival.component, pkt)
        return None

    # ------------------------------------------------------------ filters

    def _sg(
        self, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, ports: PortRanges | None = None
    ) -> None:
        direction: Direction = "outbound" if egress else "inbound"
        if self.path == "forward":
            self.tracked.add(eni.eni_id)
        elif reply and eni.eni_id not in self.tracked:
            # A reply through an ENI the request never passed (a middlebox on the way back
            # only): nothing is tracked there, so its security groups judge the reply as new
            # traffic -- per ENI, as AWS tracks connections.
            self._sg_untracked_reply(eni, pkt, egress=egress)
            return
        if reply:
            if self.record:
                self.step(
                    Step(
                        "conntrack",
                        eni.eni_id,
                        "allow",
                        "reply of a tracked connection: security groups allow it",
                        direction,
                    )
                )
            return
        rules = eni.egress if egress else eni.ingress
        remote = pkt.dst if egress else pkt.src
        if pkt.forwarded and not egress:
            kept = [r for r in rules if r[3] != PEER_MEMBERS]
            allowed, unknown = sg_decide(kept, pkt, remote)
            if allowed is None and unknown is None and sg_decide(rules, pkt, remote)[0] is not None:
                group = eni.group_ids[0] if eni.group_ids else eni.eni_id
                self.block(
                    C.SG_REFERENCES_NOT_PRESERVED,
                    group,
                    f"only a group-reference rule of {', '.join(eni.group_ids)} would allow {_describe_traffic(pkt)} "
                    f"from {ip_str(remote)}, but the packet was forwarded by a middlebox, which does not preserve "
                    "group membership",
                    f"allow {_describe_traffic(pkt)} from {self._peer_hint(remote).split(' ')[0]} by CIDR in {group}",
                    direction="inbound",
                )
                return
            rules = kept
        else:
            allowed, unknown = sg_decide(rules, pkt, remote)
        if allowed is not None:
            if self.record:
                self.step(
                    Step(
                        "security-group",
                        allowed[5],
                        "allow",
                        f"{allowed[5]} {'egress' if egress else 'ingress'} rule allows {_describe_traffic(pkt)}",
                        direction,
                        rule=allowed[6],
                    )
                )
            return
        group = eni.group_ids[0] if eni.group_ids else eni.eni_id
        if unknown is not None:
            self.block(
                C.UNKNOWN_PEERED_SGS,
                unknown[5],
                f"rule {unknown[6]} of {unknown[5]} references {unknown[4]}, which is not in the input",
                f"import {unknown[4]} to decide",
                direction=direction,
            )
            return
        where = "to" if egress else "from"
        peer = self._peer_hint(remote)
        if not rules and all(self._group_rule_count(g, egress) == 0 for g in eni.group_ids):
            code = C.SG_HAS_NO_RULES
            detail = f"the security groups of {eni.eni_id} ({', '.join(eni.group_ids) or 'none'}) have no {direction} rules"
        else:
            code = C.ENI_SG_RULES_MISMATCH
            detail = (
                f"no {direction} rule of {', '.join(eni.group_ids) or 'its groups'} on {eni.eni_id} allows "
                f"{_describe_traffic(pkt)} {where} {ip_str(remote)}"
            )
        self.block(
            code,
            group,
            detail,
            f"add an {direction} rule to {group} allowing {_describe_traffic(pkt)} {where} {peer}",
            direction=direction,
            ports=ports,
        )

    def _sg_untracked_reply(self, eni: CompiledEni, pkt: Packet, *, egress: bool) -> None:
        """Security groups judge an untracked reply port by port (its destination ports are the
        client's, a range unless pinned); the failing ports are reported."""
        if not pkt.has_ports or (len(pkt.dports) == 1 and pkt.dports[0][0] == pkt.dports[0][1]):
            self._sg(eni, pkt, egress=egress, reply=False)
            return
        rules = eni.egress if egress else eni.ingress
        if pkt.forwarded and not egress:
            rules = [r for r in rules if r[3] != PEER_MEMBERS]
        cuts = {lo for lo, _ in pkt.dports} | {
            edge for r in rules if r[0] == pkt.proto for edge in (r[1], r[2] + 1)
        }
        failing: list[tuple[int, int]] = []
        for lo, hi in pkt.dports:
            starts = sorted(c for c in cuts if lo <= c <= hi)
            for k, start in enumerate(starts):
                end = starts[k + 1] - 1 if k + 1 < len(starts) else hi
                probe = replace(pkt, dports=((start, start),))
                if sg_decide(rules, probe, probe.dst if egress else probe.src)[0] is None:
                    failing.append((start, end))
        if not failing:
            first = pkt.dports[0][0]
            self._sg(eni, replace(pkt, dports=((first, first),)), egress=egress, reply=False)
            return
        self._sg(eni, replace(pkt, dports=_merge(failing)), egress=egress, reply=False, ports=_merge(failing))

    def _group_rule_count(self, group_id: str, egress: bool) -> int:
        group = self.n.security_groups.get(group_id)
        if group is None:
            return 0
        return len(group.egress if egress else group.ingress)

    def _peer_hint(self, ip: int) -> str:
        for table in self.c.private.values():
            owner = table.get(ip)
            if owner is not None:
                return f"{owner.subnet.subnet.cidr_block} (the subnet of {ip_str(ip)})"
        return f"{ip_str(ip)}/32"

    def _acl(self, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
        acl = subnet.acl
        if acl is None:
            return
        direction: Direction = "inbound" if inbound else "outbound"
        remote = pkt.src if inbound else pkt.dst
        decisions = acl_decide(acl.inbound if inbound else acl.outbound, pkt, remote)
        denied: list[tuple[int, int]] = []
        deny_rules: list[int] = []
        for ports, allowed, rule_number in decisions:
            if self.record:
                rule = "*" if rule_number == 32767 else str(rule_number)
                on = f" ports {format_ranges(ports)}" if ports is not None and len(decisions) > 1 else ""
                self.step(
                    Step(
                        "network-acl",
                        acl.acl_id,
                        "allow" if allowed else "deny",
                        f"{direction} rule {rule} {'allows' if allowed else 'denies'} {_describe_traffic(pkt)}{on} "
                        f"{'from' if inbound else 'to'} {ip_str(remote)}",
                        direction,
                        rule=rule,
                    )
                )
            if not allowed:
                deny_rules.append(rule_number)
                if ports is not None:
                    denied.extend(ports)
        if not deny_rules:
            return
        multi_port = pkt.has_ports and not (len(pkt.dports) == 1 and pkt.dports[0][0] == pkt.dports[0][1])
        failing = _merge(denied) if pkt.has_ports else None
        rules_text = ", ".join("*" if r == 32767 else str(r) for r in sorted(set(deny_rules)))
        traffic = (
            f"{protocol_name(pkt.proto)}/{format_ranges(failing)}" if failing else _describe_traffic(pkt)
        )
        lowest = min(deny_rules)
        number_hint = "a number below 32767" if lowest == 32767 else f"a number below {lowest}"
        part = ""
        if multi_port and failing is not None:
            part = f" (ports {format_ranges(failing)} of {format_ranges(pkt.dports)})"
        self.block(
            C.SUBNET_ACL_RESTRICTION,
            acl.acl_id,
            f"{direction} rule {rules_text} of {acl.acl_id} ({subnet.subnet_id}) denies "
            f"{_describe_traffic(pkt)}{part} {'from' if inbound else 'to'} {ip_str(remote)}",
            f"add an {direction} allow rule to {acl.acl_id} with {number_hint} for {traffic} "
            f"{'from' if inbound else 'to'} {self._peer_hint(remote).split(' ')[0]}",
            direction=direction,
            ports=failing if (multi_port or self.path == "return") else None,
        )

    def _untracked_icmp_error(self, device: str, pkt: Packet) -> None:
        self.block(
            C.VPCSIM_NAT_UNTRACKED_ICMP_ERROR,
            device,
            f"ICMP type {pkt.itype} is an error message that belongs to no connection: a NAT translates an "
            "ICMP error only through the session of the packet it quotes (RFC 5508) and drops it otherwise",
            "send ICMP errors only in answer to traffic that crossed the NAT, or give the sender a public address",
        )

    def _stopped(self, eni: CompiledEni) -> None:
        instance = eni.instance_id or eni.eni_id
        self.block(
            C.BAD_STATE,
            instance,
            f"instance {instance} is not running: it neither sends nor receives",
            f"start {instance}",
        )

    def _source_dest_check(self, eni: CompiledEni, why: str) -> None:
        self.sdc_reported.add(eni.eni_id)
        self.block(
            C.ENI_SOURCE_DEST_CHECK_RESTRICTION,
            eni.eni_id,
            f"source/destination check is on for {eni.eni_id}: {why}",
            f"disable source/destination check on {eni.eni_id}",
        )

    # ------------------------------------------------------------ dead ends

    def _no_destination(self, where: str, pkt: Packet) -> None:
        self.block(
            C.NO_POSSIBLE_DESTINATION,
            where,
            f"no network interface holds {ip_str(pkt.dst)} in {where}",
            "check the destination address (is the instance or ENI there?)",
        )

    def _no_route(self, subnet: CompiledSubnet, rt_id: str, pkt: Packet) -> None:
        dst = ip_str(pkt.dst)
        elsewhere = [
            (vpc_id, table[pkt.dst])
            for vpc_id, table in self.c.private.items()
            if vpc_id != subnet.vpc_id and pkt.dst in table
        ]
        if elsewhere:
            other_vpc = elsewhere[0][0]
            links = [
                p.vpc_peering_connection_id
                for p in self.n.vpc_peering_connections.values()
                if p.status == "active"
                and {p.requester.vpc_id, p.accepter.vpc_id} == {subnet.vpc_id, other_vpc}
            ]
            other_block = self.n.vpcs[other_vpc].cidr_block if other_vpc in self.n.vpcs else dst
            if links:
                self.block(
                    C.NO_ROUTE_TO_DESTINATION,
                    rt_id,
                    f"{rt_id} has no route for {dst} (in {other_vpc})",
                    f"add a route {other_block} -> {links[0]} to {rt_id}",
                )
            else:
                self.block(
                    C.DISCONNECTED_VPCS,
                    rt_id,
                    f"{dst} is in {other_vpc}, which no active peering connects to {subnet.vpc_id}",
                    f"create a VPC peering connection between {subnet.vpc_id} and {other_vpc} and add "
                    f"routes both ways ({other_block} in {rt_id})",
                )
            return
        if is_internet_routable(pkt.dst):
            fix = f"add a route for {dst} (e.g. 0.0.0.0/0) to an internet gateway or NAT gateway in {rt_id}"
        else:
            fix = f"add a route for {dst} in {rt_id}"
        self.block(C.NO_ROUTE_TO_DESTINATION, rt_id, f"{rt_id} has no route for {dst}", fix)

    def _blackhole(self, rt_id: str, chosen: CompiledRoute, matching: list[CompiledRoute]) -> None:
        code = (
            C.BAD_STATE_ATTACHMENT
            if chosen.kind in ("igw", "vgw") and "attached" in (chosen.blackhole or "")
            else C.BAD_STATE_ROUTE
        )
        shorter = [r for r in matching if r is not chosen and r.blackhole is None]
        extra = (
            (
                f"; the shorter route {shorter[0].destination} -> {shorter[0].target} is not used "
                "(no fallback past a more specific route)"
            )
            if shorter
            else ""
        )
        self.block(
            code,
            rt_id if code == C.BAD_STATE_ROUTE else chosen.target,
            f"route {chosen.destination} -> {chosen.target} in {rt_id} is a blackhole: {chosen.blackhole}{extra}",
            (
                f"attach {chosen.target} to the VPC, or replace the route"
                if code == C.BAD_STATE_ATTACHMENT
                else f"replace the route {chosen.destination} in {rt_id} with a working target, or delete it"
            ),
        )

    def _unknown(self, target: str, kind: str, pkt: Packet) -> None:
        self.hop(target, kind.split(" ")[0] if kind else "unknown")
        if target in self.c.unknown_ids or kind == "unknown":
            self.block(
                C.UNKNOWN_RESOURCE,
                target,
                f"{target} is referenced but not described in the input",
                f"import {target}",
            )
        else:
            self.block(
                C.VPCSIM_OUTSIDE_MODEL,
                target,
                f"the packet for {ip_str(pkt.dst)} leaves the modelled network through {target} ({kind})",
                f"model what lies behind {target} to decide",
            )

    # ------------------------------------------------------------ result

    def result(self) -> Trace:
        verdict: Verdict = "reachable"
        if any(b.code == C.VPCSIM_UNKNOWN_ADDRESS for b in self.blockers):
            verdict = "unknown"  # even a blocker may not apply to the real address
        elif any(b.code not in C.UNKNOWN_CODES for b in self.blockers):
            verdict = "unreachable"
        elif self.blockers:
            verdict = "unknown"
        hops = {
            path: tuple(Hop(component, kind, tuple(steps)) for component, kind, steps in self.hops[path])
            for path in ("forward", "return")
        }
        return Trace(self.flow, verdict, hops["forward"], hops["return"], tuple(self.blockers))


def trace(network: Network, flow: Flow, *, record: bool = True) -> Trace:
    """Trace ``flow`` through ``network``: forward and return, with every blocker.

    With ``record=False`` hops and steps are not built (verdict and blockers only), which is
    several times faster for bulk questions.
    """
    walk = _Walk(compile_network(network), flow, record)
    walk.run()
    return walk.result()
