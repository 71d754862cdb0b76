"""The reference walk: where one flow's packets go, forward and back, hop by hop.

This module is forwarding only. What a blocker says is :mod:`vpcsim.engine.explain`'s; what is
kept for the user is :mod:`vpcsim.engine.recording`'s; how security groups and network ACLs
judge a packet is :mod:`vpcsim.engine.filters`', applied through the walk's hooks
(:mod:`vpcsim.engine.hooks`) so that analyses can walk the same way and record filters instead.

The walk follows the connection life of the reference page: the sender's security groups
(outbound), its subnet's network ACL (outbound, when the packet leaves the subnet), the
subnet's route table, the target (local delivery, internet gateway with one-to-one NAT, NAT
gateway with source NAT, peering, an appliance ENI...), the destination subnet's ACL
(inbound) and the destination's security groups (inbound). The reply is a packet of its own:
security groups pass it (connection tracking), every ACL judges it again, routes are looked up
again and translations are reversed.

A filter that drops the packet (security group, ACL, source/destination check, a stopped
instance) is recorded and the walk goes on as if it had passed; a failure that leaves no path
to follow (no route, a blackhole, a gateway that cannot translate) ends the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Network
from ..model.addressing import DNS_OFFSET, FULL_MASK, is_rfc6598
from . import explain, explain6, explain_transit, walk6
from .compiled import (
    Compiled,
    CompiledEni,
    CompiledSubnet,
    cidr_int,
    ip_int,
    ip_str,
    is_internet_routable,
    subnet_is_split,
)
from .endpoints import (
    answer_at_endpoint,
    aws_service_endpoint,
    endpoint_initiates,
    gwlb_endpoint,
    via_gwlb_endpoint,
)
from .filters import Packet
from .flow import (
    ICMP,
    ICMP_ERRORS,
    ICMP_REPLIES,
    ICMPV6,
    ICMPV6_REPLIES,
    NAT_GATEWAY_PORTS,
    TCP,
    UDP,
    Flow,
    PortRanges,
)
from .hooks import REFERENCE_HOOKS, ReferenceHooks, WalkHooks
from .recording import Recorder
from .result import Step, Trace
from .transit import TransitMemory, entered_from_transit, response_route, via_transit_gateway

#: VPC-provided services that no security group or ACL filters: address -> (name, open ports).
_LINK_LOCAL_SERVICES: dict[int, tuple[str, frozenset[tuple[int, int]]]] = {
    ip_int("169.254.169.254"): ("instance-metadata-service", frozenset({(TCP, 80)})),
    ip_int("169.254.169.253"): ("amazon-dns-resolver", frozenset({(UDP, 53), (TCP, 53)})),
    ip_int("169.254.169.123"): ("amazon-time-sync", frozenset({(UDP, 123)})),
    # Over IPv6 (Nitro instances): the resolver and Time Sync in fd00:ec2::/32.
    ip_int("fd00:ec2::253"): ("amazon-dns-resolver", frozenset({(UDP, 53), (TCP, 53)})),
    ip_int("fd00:ec2::123"): ("amazon-time-sync", frozenset({(UDP, 123)})),
}
#: The metadata service over IPv6: only for instances whose ``HttpProtocolIpv6`` is enabled.
_METADATA6 = ip_int("fd00:ec2::254")
_RESOLVER_PORTS = frozenset({(UDP, 53), (TCP, 53)})
_NONE: frozenset[str] = frozenset()
_MAX_ROUTE_LOOKUPS = 24


def vpc_service(
    c: Compiled, eni: CompiledEni, destination: int
) -> tuple[str, frozenset[tuple[int, int]]] | None:
    """The VPC-provided service ``eni`` reaches at ``destination`` (DNS resolver, metadata, Time
    Sync): its name and the (protocol, port) pairs it answers on; None when there is none."""
    found = _LINK_LOCAL_SERVICES.get(destination)
    if found is not None:
        return found
    if destination == _METADATA6:
        instance = c.network.instances.get(eni.instance_id or "")
        if instance is not None and instance.http_protocol_ipv6:
            return ("instance-metadata-service", frozenset({(TCP, 80)}))
        return None
    vpc = c.vpcs.get(eni.vpc_id)
    if vpc is not None and destination == vpc.primary_base + DNS_OFFSET:
        return ("amazon-dns-resolver", _RESOLVER_PORTS)
    return None


def _translation(device: str, text: str, before: Packet, after: Packet) -> Step:
    """The step of an address translation at ``device``: the headers before and after it."""
    return Step(
        "nat", device, "translate", text, before=Recorder.header(before), after=Recorder.header(after)
    )


@dataclass(frozen=True, slots=True)
class _Session:
    """A source translation made on the forward path, reversed for the reply."""

    device: str
    original_src: int
    original_sports: PortRanges
    translated_src: int
    nat64: bool = False
    """A NAT64 session: the reply's IPv4 source is shown to the client as 64:ff9b::a.b.c.d."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a packet ended up: an ENI, the internet, or a service behind a gateway endpoint."""

    kind: str
    """``eni``, ``internet`` or ``service``."""
    packet: Packet
    eni: CompiledEni | None = None
    component: str = ""


def first_packet(flow: Flow) -> Packet:
    """The request as the sender puts it on the wire."""
    dports: PortRanges = (
        ((flow.destination_port, flow.destination_port),) if flow.destination_port is not None else ((0, 0),)
    )
    return Packet(
        ip_int(flow.source),
        ip_int(flow.destination),
        flow.protocol,
        flow.source_ports if flow.has_ports else ((0, 0),),
        dports,
        flow.icmp_type if flow.icmp_type is not None else -1,
        flow.icmp_code if flow.icmp_code is not None else -1,
    )


def reply_to(pkt: Packet) -> Packet | None:
    """The packet the destination sends back, or None (ICMP types without a reply)."""
    if pkt.proto == ICMP:
        reply_type = ICMP_REPLIES.get(pkt.itype)
        if reply_type is None:
            return None
        return Packet(pkt.dst, pkt.src, ICMP, pkt.dports, pkt.sports, reply_type, pkt.icode)
    if pkt.proto == ICMPV6:
        reply6 = ICMPV6_REPLIES.get(pkt.itype)
        if reply6 is None:
            return None
        return Packet(pkt.dst, pkt.src, ICMPV6, pkt.dports, pkt.sports, reply6, pkt.icode)
    return Packet(pkt.dst, pkt.src, pkt.proto, pkt.dports, pkt.sports, pkt.itype, pkt.icode)


#: Hooks the reference leaves empty; a walk skips them when they are the reference's.
_OPTIONAL_HOOKS = ("on_hop", "on_route", "on_service", "on_reply")
_OVERRIDDEN: dict[type, tuple[bool, ...]] = {}


def _optional_hooks(hooks: WalkHooks) -> list[Callable[..., None] | None]:
    """``hooks``' optional hooks in :data:`_OPTIONAL_HOOKS` order, None for the reference's own."""
    kind = type(hooks)
    overridden = _OVERRIDDEN.get(kind)
    if overridden is None:
        overridden = _OVERRIDDEN[kind] = tuple(
            getattr(kind, name, None) is not getattr(ReferenceHooks, name) for name in _OPTIONAL_HOOKS
        )
    return [
        getattr(hooks, name) if own else None for name, own in zip(_OPTIONAL_HOOKS, overridden, strict=True)
    ]


class Walk:
    """One flow through one compiled network: call :meth:`run`, then :meth:`result`.

    What hooks may read: ``compiled``, ``network``, ``flow`` and ``recorder`` (its ``path``,
    ``record``, and ``step``/``block`` to add to the record).
    """

    def __init__(
        self, compiled: Compiled, flow: Flow, *, record: bool, hooks: WalkHooks = REFERENCE_HOOKS
    ) -> None:
        self.compiled = compiled
        self.network: Network = compiled.network
        self.flow = flow
        self.hooks = hooks
        self.record = record
        self.recorder = Recorder(record)
        # Hooks that do nothing in the reference (hops, routes, services, replies) are not called
        # at all when they are the reference's: the walk is the engine's hot loop.
        if type(hooks) is ReferenceHooks:
            self._on_hop = self._on_route = self._on_service = self._on_reply = None
        else:
            self._on_hop, self._on_route, self._on_service, self._on_reply = _optional_hooks(hooks)
        if record and self._on_hop is None:
            self.hop = self.recorder.hop  # type: ignore[method-assign]  # one call per hop, not two
        self._sessions: list[_Session] = []
        self._lookups = 0
        self._sdc_reported: set[str] = set()
        self._reply_translator: str | None = None
        self.transit_memory: TransitMemory | None = None
        """What the request did at transit gateway attachments (:mod:`vpcsim.engine.transit`)."""
        self.tracked: set[str] = set()
        """ENIs whose security groups judged the request: they track the connection (per ENI,
        as AWS does); a reply through any other ENI is new traffic to its security groups."""
        self.egress_only: frozenset[str] = _NONE
        """Egress-only internet gateways the request left through: they let its replies in."""

    # ------------------------------------------------------------ small helpers

    def hop(self, component: str, kind: str) -> None:
        if self.record:
            self.recorder.hop(component, kind)
        if self._on_hop is not None:
            self._on_hop(self, component, kind)

    def _stopped(self, eni: CompiledEni) -> None:
        self.recorder.block(explain.stopped(self.recorder.path, eni))

    def _source_dest_check(self, eni: CompiledEni, why: str) -> None:
        self._sdc_reported.add(eni.eni_id)
        self.recorder.block(explain.source_dest_check(self.recorder.path, eni, why))

    def _no_destination(self, where: str, pkt: Packet) -> None:
        self.recorder.block(explain.no_destination(self.recorder.path, where, pkt.dst))

    def _unknown(self, target: str, kind: str, pkt: Packet) -> None:
        self.hop(target, kind.split(" ")[0] if kind else "unknown")
        self.recorder.block(explain.unknown_target(self.recorder.path, self.compiled, target, kind, pkt.dst))

    def result(self) -> Trace:
        return self.recorder.result(self.flow)

    # ------------------------------------------------------------ the whole flow

    def run(self) -> None:
        flow = self.flow
        rec = self.recorder
        pkt = first_packet(flow)
        source = self.compiled.enis.get(flow.source_eni) if flow.source_eni else None
        if flow.source_eni and source is None:
            self.hop(flow.source_eni, "network-interface")
            rec.block(explain.unknown_source(rec.path, flow.source_eni))
            return
        if source is not None and self._service(source, pkt):
            return
        if source is not None and source.managed is not None and endpoint_initiates(self, source):
            return
        if source is not None and pkt.dst in source.addresses:
            self._loopback(source, pkt)
            return
        arrival = (
            self.send(source, pkt, reply=False)
            if source is not None
            else self.from_internet(pkt, reply=False)
        )
        self._check_placeholders(source, arrival.eni if arrival is not None else None)
        if arrival is None:
            return
        reply_pkt = reply_to(arrival.packet)
        if self._on_reply is not None:
            self._on_reply(self, arrival.packet, reply_pkt)
        if reply_pkt is None:
            return
        if (
            self.record
            and self.transit_memory is not None
            and arrival.kind == "eni"
            and arrival.eni is not None
        ):
            response_route(self, arrival.eni, reply_pkt)
        rec.path = "return"
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
            rec.block(
                explain.reply_elsewhere(rec.path, back.component or (got or "internet"), got or back.kind)
            )
        elif back.packet.src != pkt.dst:
            rec.block(
                explain.asymmetric_reply(
                    rec.path, self._reply_translator or back.component, back.packet.src, pkt.dst
                )
            )

    def _check_placeholders(self, *ends: CompiledEni | None) -> None:
        """An end whose address is a stand-in (known only after apply) makes the answer unknown
        when some rule or route tells addresses of its subnet apart."""
        for end in ends:
            if end is None or not end.placeholder_address:
                continue
            splitter = subnet_is_split(self.network, end.subnet)
            if splitter is not None:
                self.recorder.block(explain.placeholder_address(self.recorder.path, end, splitter))

    # ------------------------------------------------------------ loopback

    def _loopback(self, eni: CompiledEni, pkt: Packet) -> None:
        """Traffic from an ENI to one of its own addresses never leaves the instance: the
        operating system delivers it locally (Linux's ``local`` routing table, over ``lo``), so no
        security group, network ACL or route sees it, and it is reachable -- unless the instance
        is stopped (it neither sends nor receives). AWS's pages say nothing of it: it never
        reaches the VPC. The lab realises the same (an ENI's own addresses stay inside the
        instance); two ENIs of one instance still talk through the VPC (each sends from its own
        subnet)."""
        self.hop(eni.eni_id, "network-interface")
        if not eni.running:
            self._stopped(eni)
        if self.record:
            self.recorder.step(
                self.recorder.delivery(
                    eni.eni_id,
                    f"delivered to {ip_str(pkt.dst)}, the sender's own address, inside the instance "
                    "(loopback: no security group, network ACL or route)",
                )
            )
        reply_pkt = reply_to(pkt)
        if self._on_reply is not None:
            self._on_reply(self, pkt, reply_pkt)
        if reply_pkt is not None and self.record:
            self.recorder.path = "return"
            self.hop(eni.eni_id, "network-interface")
            self.recorder.step(
                self.recorder.delivery(eni.eni_id, f"reply delivered to {ip_str(pkt.src)} (loopback)")
            )

    # ------------------------------------------------------------ VPC-provided services

    def _service(self, eni: CompiledEni, pkt: Packet) -> bool:
        """Traffic to the DNS resolver, metadata or Time Sync: never filtered by SGs or ACLs."""
        name_ports = vpc_service(self.compiled, eni, pkt.dst)
        if name_ports is None:
            return False
        name, ports = name_ports
        if self._on_service is not None:
            self._on_service(self, eni, name, ports)
        rec = self.recorder
        self.hop(eni.eni_id, "network-interface")
        if not eni.running:
            self._stopped(eni)
        if self.record:
            self.recorder.step(
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
            rec.block(explain.service_port_closed(rec.path, name, ports, pkt))
            return True
        if self.record:
            self.recorder.step(Step("delivery", name, "deliver", f"delivered to {name} at {ip_str(pkt.dst)}"))
            rec.path = "return"
            self.hop(name, "vpc-service")
            self.recorder.step(Step("service", name, "forward", f"{name} replies"))
            self.hop(eni.eni_id, "network-interface")
            self.recorder.step(
                Step("delivery", eni.eni_id, "deliver", f"reply delivered to {ip_str(pkt.src)}")
            )
        return True

    # ------------------------------------------------------------ sending from an ENI

    def _eni_hop(self, eni: CompiledEni) -> None:
        if eni.nat_gateway is not None:
            self.hop(eni.nat_gateway.nat_gateway_id, "nat-gateway")
        else:
            self.hop(eni.eni_id, "network-interface")

    def send(self, eni: CompiledEni, pkt: Packet, *, reply: bool, forwarded: bool = False) -> Arrival | None:
        self._eni_hop(eni)
        if not forwarded:
            if not eni.running:
                self._stopped(eni)
            if (
                pkt.src not in eni.addresses
                and eni.source_dest_check
                and eni.eni_id not in self._sdc_reported
            ):
                self._source_dest_check(eni, f"it sends from {ip_str(pkt.src)}, which is not its own address")
        if eni.filtered:
            if reply:
                tracked = eni.eni_id in self.tracked
            else:
                self.tracked.add(eni.eni_id)  # the request: this ENI tracks the connection
                tracked = True
            self.hooks.on_security_groups(self, eni, pkt, egress=True, reply=reply, tracked=tracked)
        subnet = eni.subnet
        if (
            pkt.dst & subnet.mask == subnet.net and pkt.dst <= FULL_MASK
        ) or pkt.dst & subnet.mask6 == subnet.net6:
            owner = self.compiled.private.get(eni.vpc_id, {}).get(pkt.dst)
            if self.record:
                block = subnet.subnet.ipv6_cidr_block if pkt.dst > FULL_MASK else subnet.subnet.cidr_block
                self.recorder.step(
                    Step(
                        "route",
                        subnet.subnet_id,
                        "forward",
                        f"{ip_str(pkt.dst)} is in the same subnet {block}: "
                        "delivered directly, no route table or network ACL",
                    )
                )
            if owner is None:
                self._no_destination(subnet.subnet_id, pkt)
                return None
            return self.deliver(owner, pkt, reply=reply)
        self.hop(subnet.subnet_id, "subnet")
        if subnet.acl is not None:
            self.hooks.on_network_acl(self, subnet, pkt, inbound=False)
        if (
            forwarded
            and (not reply or (eni.eni_id not in self.tracked and pkt.proto not in (TCP, ICMP)))
            and pkt.src not in eni.addresses
            and eni.public_of
            and eni.nat_gateway is None
            and pkt.dst <= FULL_MASK
        ):
            # Source/destination check on does not matter here: it was reported where the ENI
            # took the packet in, and past a blocker the walk goes on as if it had passed -- the
            # instance translates as it would with the check off (one blocker, not a second,
            # artificial one at the internet gateway).
            translated = self._masquerade(eni, pkt)
            if translated is None:
                return None
            pkt = translated
        return self.route(subnet, pkt, reply=reply)

    def _masquerade(self, eni: CompiledEni, pkt: Packet) -> Packet | None:
        """A NAT instance (an ENI with a public IP forwarding what is not its own; its
        source/destination check, when on, is a blocker reported already) translates what it forwards
        to the internet to its own primary address, keeping ports (Linux masquerade) -- a reply
        of a connection it never saw too, when that starts a connection for Linux (UDP, GRE...;
        a lone TCP SYN-ACK or reset, an ICMP echo reply, are invalid to it and left as they are)."""
        rt = eni.subnet.route_table
        route = rt.lookup(pkt.dst) if rt is not None else None
        if route is None or route.kind != "igw":
            return pkt
        if pkt.proto == ICMP and pkt.itype in ICMP_ERRORS:
            self.recorder.block(
                explain.untracked_icmp_error(self.recorder.path, eni.instance_id or eni.eni_id, pkt)
            )
            return None
        own = ip_int(eni.eni.private_ip_address)
        translated = pkt.rewritten(src=own)
        self._sessions.append(_Session(eni.eni_id, pkt.src, pkt.sports, own))
        if self.record:
            self.recorder.step(
                _translation(
                    eni.eni_id,
                    f"NAT instance {eni.instance_id or eni.eni_id} masquerades the source",
                    pkt,
                    translated,
                )
            )
        return translated

    # ------------------------------------------------------------ routing

    def route(self, subnet: CompiledSubnet, pkt: Packet, *, reply: bool) -> Arrival | None:
        if self._on_route is not None:
            self._on_route(self, subnet, pkt)
        rec = self.recorder
        self._lookups += 1
        if self._lookups > _MAX_ROUTE_LOOKUPS:
            rec.block(explain.routing_loop(rec.path, subnet))
            return None
        rt = subnet.route_table
        if rt is None:
            rec.block(explain.no_route_table(rec.path, subnet))
            return None
        self.hop(rt.route_table_id, "route-table")
        chosen = rt.lookup(pkt.dst)
        if chosen is None:
            rec.block(explain.no_route(rec.path, self.compiled, subnet, rt.route_table_id, pkt.dst))
            return None
        if self.record:
            self.recorder.step(
                Step(
                    "route",
                    rt.route_table_id,
                    "forward" if chosen.blackhole is None else "drop",
                    f"longest prefix match for {ip_str(pkt.dst)}: {chosen.destination} -> {chosen.target}",
                    rule=f"{chosen.destination} -> {chosen.target}",
                )
            )
        if chosen.blackhole is not None:
            rec.block(explain.blackhole(rec.path, rt.route_table_id, chosen, rt.all_matching(pkt.dst)))
            return None
        kind = chosen.kind
        vpc_id = subnet.vpc_id
        if kind == "local":
            owner = self.compiled.private.get(vpc_id, {}).get(pkt.dst)
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
            target = self.compiled.enis.get(chosen.target)
            if target is None:
                self._unknown(chosen.target, "network interface", pkt)
                return None
            return self._enter(target, pkt, reply=reply, from_subnet=subnet)
        if kind == "vpce" and (gwlbe := gwlb_endpoint(self, chosen.target)) is not None:
            return via_gwlb_endpoint(self, gwlbe, pkt, reply=reply)
        if kind == "vpce":
            return self._gateway_endpoint(chosen.target, pkt)
        if kind == "tgw":
            return via_transit_gateway(self, chosen.target, subnet, pkt, reply=reply)
        if kind == "eigw":
            return walk6.via_egress_only(self, chosen.target, pkt, reply=reply)
        self._unknown(chosen.target, kind, pkt)
        return None

    def _enter(
        self, eni: CompiledEni, pkt: Packet, *, reply: bool, from_subnet: CompiledSubnet | None
    ) -> Arrival | None:
        """Into the ENI's subnet (its ACL, inbound, unless already inside) and to the ENI."""
        if from_subnet is None or eni.subnet is not from_subnet:
            self.hop(eni.subnet.subnet_id, "subnet")
            if eni.subnet.acl is not None:
                self.hooks.on_network_acl(self, eni.subnet, pkt, inbound=True)
        return self.deliver(eni, pkt, reply=reply)

    # ------------------------------------------------------------ delivery to an ENI

    def deliver(self, eni: CompiledEni, pkt: Packet, *, reply: bool) -> Arrival | None:
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
                if reply:
                    tracked = eni.eni_id in self.tracked
                else:
                    self.tracked.add(eni.eni_id)  # the request: this ENI tracks the connection
                    tracked = True
                self.hooks.on_security_groups(self, eni, pkt, egress=False, reply=reply, tracked=tracked)
            endpoint = aws_service_endpoint(self, eni) if eni.managed is not None and not reply else None
            if endpoint is not None:
                return answer_at_endpoint(self, eni, endpoint, pkt)
            if eni.managed is not None and not reply:
                if eni.managed[0] == "load balancer":  # its listeners and targets: engine/elb.py
                    from .elb import at_node

                    return at_node(self, eni, pkt)
                # A transit gateway attachment, a load balancer node, an endpoint: no host.
                self.recorder.block(explain.not_a_host(self.recorder.path, eni, pkt.dst))
                return None
            if self.record:
                self.recorder.step(self.recorder.delivery(eni.eni_id, f"delivered to {ip_str(pkt.dst)}"))
            return Arrival("eni", pkt, eni, eni.eni_id)
        # Not its own address: the ENI is a next hop (an appliance, a NAT instance).
        if eni.source_dest_check:
            self._source_dest_check(
                eni, f"it receives traffic for {ip_str(pkt.dst)}, which is not its own address"
            )
        elif self.record:
            self.recorder.step(
                Step(
                    "source-dest-check",
                    eni.eni_id,
                    "forward",
                    "source/destination check is disabled: the ENI forwards the packet",
                )
            )
        if eni.filtered:
            if reply:
                tracked = eni.eni_id in self.tracked
            else:
                self.tracked.add(eni.eni_id)  # the request: this ENI tracks the connection
                tracked = True
            self.hooks.on_security_groups(self, eni, pkt, egress=False, reply=reply, tracked=tracked)
        return self.send(eni, pkt.rewritten(forwarded=True), reply=reply, forwarded=True)

    def _session_for(self, device: str, pkt: Packet) -> _Session | None:
        for session in self._sessions:
            if session.device == device and session.translated_src == pkt.dst:
                return session
        return None

    def _unmasquerade(
        self, eni: CompiledEni, session: _Session, pkt: Packet, component: str
    ) -> Arrival | None:
        """Reverse a source translation for the reply, and send it on towards the client."""
        back = pkt.rewritten(dst=session.original_src, dports=session.original_sports)
        if session.nat64:
            back = back.rewritten(src=walk6.reprefix(pkt.src))
        if self.record:
            self.recorder.step(
                _translation(component, "the reply's destination is translated back", pkt, back)
            )
        return self.send(eni, back, reply=True, forwarded=True)

    # ------------------------------------------------------------ internet gateway

    def to_internet(self, vpc_id: str, igw_id: str, pkt: Packet, *, reply: bool) -> Arrival | None:
        if pkt.dst > FULL_MASK:
            return walk6.to_internet(self, igw_id, pkt, reply=reply)
        rec = self.recorder
        self.hop(igw_id, "internet-gateway")
        if not is_internet_routable(pkt.dst):
            rec.block(
                explain.igw_destination_not_internet(rec.path, igw_id, pkt.dst, rfc6598=is_rfc6598(pkt.dst))
            )
            return None
        owner = self.compiled.private.get(vpc_id, {}).get(pkt.src)
        public = owner.public_of.get(pkt.src) if owner is not None else None
        if public is None:
            rec.block(explain.igw_no_public_address(rec.path, igw_id, pkt.src, owner))
            return None
        translated = pkt.rewritten(src=public)
        if self.record:
            self.recorder.step(
                _translation(
                    igw_id, f"one-to-one NAT: source {ip_str(pkt.src)} -> {ip_str(public)}", pkt, translated
                )
            )
        if pkt.dst in self.compiled.public:
            return self.from_internet(translated, reply=reply)
        self.hop("internet", "internet")
        if self.record:
            self.recorder.step(rec.delivery("internet", f"delivered to internet host {ip_str(pkt.dst)}"))
        return Arrival("internet", translated, None, "internet")

    def from_internet(self, pkt: Packet, *, reply: bool) -> Arrival | None:
        if pkt.dst > FULL_MASK:
            return walk6.from_internet(self, pkt, reply=reply)
        c = self.compiled
        rec = self.recorder
        self.hop("internet", "internet")
        if self.record and reply:
            self.recorder.step(
                Step("service", "internet", "forward", f"{ip_str(pkt.src)} replies to {ip_str(pkt.dst)}")
            )
        target = c.public.get(pkt.dst)
        if not is_internet_routable(pkt.src):
            vpc_of_target = c.vpcs.get(target.eni.vpc_id) if target is not None else None
            gateway = (
                vpc_of_target.igw_id if vpc_of_target is not None and vpc_of_target.igw_id else "internet"
            )
            if gateway != "internet":
                self.hop(gateway, "internet-gateway")
            rec.block(
                explain.igw_source_not_internet(rec.path, gateway, pkt.src, rfc6598=is_rfc6598(pkt.src))
            )
            return None
        if target is None:
            owner = next((table[pkt.dst] for table in c.private.values() if pkt.dst in table), None)
            if owner is not None or not is_internet_routable(pkt.dst):
                igw = c.vpcs[owner.vpc_id].igw_id if owner is not None else None
                rec.block(explain.igw_private_destination(rec.path, igw or "internet", pkt.dst, owner))
            else:
                rec.block(explain.unknown_public_address(rec.path, pkt.dst))
            return None
        eni, private = target
        vpc = c.vpcs.get(eni.vpc_id)
        igw_id = vpc.igw_id if vpc is not None else None
        if igw_id is None:
            detached = next(
                (
                    g.internet_gateway_id
                    for g in self.network.internet_gateways.values()
                    if any(a.vpc_id == eni.vpc_id for a in g.attachments)
                ),
                None,
            )
            rec.block(explain.no_internet_gateway(rec.path, eni.vpc_id, detached, pkt.dst))
            return None
        self.hop(igw_id, "internet-gateway")
        translated = pkt.rewritten(dst=private)
        if self.record:
            self.recorder.step(
                _translation(
                    igw_id,
                    f"one-to-one NAT: destination {ip_str(pkt.dst)} -> {ip_str(private)}",
                    pkt,
                    translated,
                )
            )
        assert vpc is not None
        edge = vpc.edge_route_table
        if edge is not None:
            self.hop(edge.route_table_id, "route-table")
            chosen = edge.lookup(private)
            if chosen is not None and chosen.kind == "eni" and chosen.blackhole is None:
                if self.record:
                    self.recorder.step(
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
                    self._unknown(chosen.target, "network interface", translated)
                    return None
                return self._enter(appliance, translated, reply=reply, from_subnet=None)
        return self._enter(eni, translated, reply=reply, from_subnet=None)

    # ------------------------------------------------------------ NAT gateway

    def via_nat(
        self, nat_id: str, from_subnet: CompiledSubnet, pkt: Packet, *, reply: bool
    ) -> Arrival | None:
        rec = self.recorder
        nat = self.network.nat_gateways[nat_id]
        nat_eni = self.compiled.enis.get(nat.network_interface_id or "")
        nat_subnet = self.compiled.subnets.get(nat.subnet_id)
        if nat_subnet is None or nat_eni is None:
            self._unknown(nat_id, "NAT gateway (its subnet or interface is missing)", pkt)
            return None
        if nat_subnet is not from_subnet:
            self.hop(nat_subnet.subnet_id, "subnet")
            if nat_subnet.acl is not None:
                self.hooks.on_network_acl(self, nat_subnet, pkt, inbound=True)
        self.hop(nat_id, "nat-gateway")
        if pkt.dst > FULL_MASK and not walk6.is_nat64(pkt.dst):
            rec.block(
                explain6.address_family(
                    rec.path, nat_id, "carries IPv4, and IPv6 to 64:ff9b::/96 only (NAT64)", pkt.dst
                )
            )
            return None
        if pkt.proto not in (TCP, UDP, ICMP):
            rec.block(explain.nat_protocol(rec.path, nat_id, pkt.proto))
            return None
        if pkt.proto == ICMP and pkt.itype in ICMP_ERRORS and not reply:
            rec.block(explain.untracked_icmp_error(rec.path, nat_id, pkt))
            return None
        vpc = self.compiled.vpcs[nat.vpc_id]
        if not vpc.contains(pkt.src) and not entered_from_transit(self, nat.vpc_id):
            rec.block(explain.nat_source_outside_vpc(rec.path, nat_id, nat.vpc_id, pkt.src))
            return None
        own = ip_int(nat.private_ip)
        if reply:
            self._reply_translator = nat_id
        translated = pkt.rewritten(src=own, sports=(NAT_GATEWAY_PORTS,) if pkt.has_ports else pkt.sports)
        six = pkt.dst > FULL_MASK
        if six:
            translated = walk6.nat64(translated, own)
        self._sessions.append(_Session(nat_eni.eni_id, pkt.src, pkt.sports, own, six))
        if self.record:
            self.recorder.step(
                _translation(nat_id, f"source NAT to {nat.private_ip}, ports 1024-65535", pkt, translated)
            )
        return self.send(nat_eni, translated, reply=reply, forwarded=True)

    def _at_nat_gateway(self, eni: CompiledEni, pkt: Packet, *, reply: bool) -> Arrival | None:
        nat = eni.nat_gateway
        assert nat is not None
        session = self._session_for(eni.eni_id, pkt) if reply else None
        if session is None:
            self.recorder.block(explain.nat_no_inbound(self.recorder.path, nat.nat_gateway_id))
            return None
        return self._unmasquerade(eni, session, pkt, nat.nat_gateway_id)

    # ------------------------------------------------------------ peering

    def via_peering(self, pcx_id: str, vpc_id: str, pkt: Packet, *, reply: bool) -> Arrival | None:
        rec = self.recorder
        self.hop(pcx_id, "vpc-peering-connection")
        pcx = self.network.vpc_peering_connections[pcx_id]
        peer_id = pcx.peer_of(vpc_id)
        local = self.compiled.vpcs[vpc_id]
        if peer_id is None:
            rec.block(explain.pcx_not_of_vpc(rec.path, pcx_id, vpc_id))
            return None
        if not local.contains(pkt.src):
            rec.block(explain.pcx_source_outside(rec.path, pcx_id, vpc_id, pkt.src))
            return None
        peer = self.compiled.vpcs.get(peer_id)
        if peer is None:
            side = pcx.accepter if pcx.accepter.vpc_id == peer_id else pcx.requester
            if (
                any(
                    pkt.dst & m == n and (n > FULL_MASK) == (pkt.dst > FULL_MASK)
                    for n, m, _ in (cidr_int(b) for b in side.cidr_blocks)
                )
                or not side.cidr_blocks
            ):
                rec.block(explain.peer_vpc_unknown(rec.path, peer_id, side.owner_id, side.region))
                return None
            rec.block(explain.pcx_destination_outside(rec.path, pcx_id, peer_id, pkt.dst, peer_known=False))
            return None
        if not peer.contains(pkt.dst):
            rec.block(explain.pcx_destination_outside(rec.path, pcx_id, peer_id, pkt.dst, peer_known=True))
            return None
        if self.record:
            self.recorder.step(Step("peering", pcx_id, "forward", f"{vpc_id} -> {peer_id}"))
        owner = self.compiled.private.get(peer_id, {}).get(pkt.dst)
        if owner is None:
            self._no_destination(peer_id, pkt)
            return None
        return self._enter(owner, pkt, reply=reply, from_subnet=None)

    # ------------------------------------------------------------ gateway endpoints

    def _gateway_endpoint(self, vpce_id: str, pkt: Packet) -> Arrival | None:
        self.hop(vpce_id, "vpc-endpoint")
        endpoint = self.network.vpc_endpoints.get(vpce_id)
        if endpoint is not None and endpoint.state != "available":
            self.recorder.block(
                explain_transit.endpoint_not_available(self.recorder.path, vpce_id, endpoint.state)
            )
            return None
        home = self.compiled.vpcs.get(endpoint.vpc_id) if endpoint is not None else None
        if home is not None and not home.contains(pkt.src):
            self.recorder.block(
                explain_transit.vpce_source_outside(self.recorder.path, vpce_id, home.vpc_id, pkt.src)
            )
            return None
        if not (pkt.proto == TCP or (pkt.proto == ICMP and pkt.itype == 8)):
            self.recorder.block(explain.gateway_endpoint_protocol(self.recorder.path, vpce_id))
            return None
        if self.record:
            self.recorder.step(self.recorder.delivery(vpce_id, f"delivered to the service behind {vpce_id}"))
        return Arrival("service", pkt, None, vpce_id)

    def _from_gateway_endpoint(self, arrival: Arrival, pkt: Packet) -> Arrival | None:
        self.hop(arrival.component, "vpc-endpoint")
        for table in self.compiled.private.values():
            owner = table.get(pkt.dst)
            if owner is not None:
                return self._enter(owner, pkt, reply=True, from_subnet=None)
        self._no_destination(arrival.component, pkt)
        return None


__all__ = ["Arrival", "Walk", "first_packet", "reply_to", "vpc_service"]
