"""Transit gateways in the lab: one router namespace per gateway, one kernel table per route table.

Why a module of its own: :mod:`.plan` realises VPCs; a transit gateway joins them and has its
own rules (AWS's "How transit gateways work", "Network ACLs for transit gateways", appliance
mode), so it is realised here and :mod:`.plan` only calls in at three places (the gateway's
namespaces, a VPC route's ``tgw-`` target, the attachment subnets' network ACLs). Like the rest of
the lab it never imports the engine: it is a second, independent implementation.

How each rule is realised:

- **The gateway** is a namespace ``vs-<lab>-tgw-...`` that forwards, originates nothing and
  accepts nothing (its ENIs are no hosts).
- **A VPC attachment** has one interface per attachment subnet, a veth whose other end is a port
  of the subnet's bridge in the VPC's router, holding the gateway's ENI address there. A VPC
  route ``-> tgw-`` from a subnet goes ``via`` the ENI of the attachment's subnet in the sending
  subnet's Availability Zone (none there: a blackhole, as AWS's AZ rule). The packet so enters
  the attachment subnet from the router, and that subnet's network ACL judges it *inbound* (by
  source); an instance in the attachment subnet itself has its packet judged by the subnet's
  outbound rules when it leaves the subnet and, by a rule on the router's next hop
  (``rt ip nexthop``), by its inbound rules when it comes back to the ENI -- both, as AWS does.
  The other way, the gateway hands a packet to the VPC router's address in the attachment
  subnet: the subnet's outbound rules judge it and the subnet's route table routes it (what
  makes inspection VPCs work); a destination inside the attachment subnet is delivered
  directly on the bridge, where no ACL applies (AWS: neither direction is evaluated).
- **Route tables and associations**: one kernel table per (gateway route table, Availability
  Zone the packet travels in); ``ip rule iif <interface> lookup`` picks the table of the
  attachment the interface belongs to, in the zone of its subnet (a peering link per zone
  carries the zone across), and a blackhole rule stops any fall-through (an attachment with no
  association drops everything). Routes: longest prefix, then static > prefix list >
  VPC-propagated (AWS's order); a VPC attachment's propagation adds its VPC's blocks (a block
  overlapping one propagated already is not); a blackhole route, a route whose attachment is
  gone or not available, or whose target the lab cannot realise (VPN, Direct Connect...), is a
  blackhole route. A route to a VPC attachment leaves through the attachment's subnet in the
  packet's zone, else its first subnet by zone name.
- **Appliance mode** (on a VPC attachment): connection tracking in the gateway marks a
  connection with the interface its request entered by, when that attachment has appliance mode;
  its replies are routed by a table whose routes to that attachment leave through that same
  interface (the request's subnet), instead of the reply's zone.
- **Peering**: one veth pair per Availability Zone between the two gateways' namespaces; each
  side routes what arrives by the table its side of the peering is associated with. Only static
  routes lead into a peering (AWS does not propagate over one).

Not realised: a reply that crosses a third VPC (neither end's) through another subnet than its
request dropped by the stateful appliance there (the engine's ``TGW_ATTACH_VPC_AZ_RESTRICTION``):
the lab's routers keep no state. Transit gateways the input describes by no attachment and no
route table, and VPN, Direct Connect and Connect attachments, lead beyond the modelled network:
their routes drop (the engine calls such flows unknown).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import Network, Subnet, TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable
from ..model.addressing import SubnetAddresses, ip_int, ip_str, router_address
from .errors import LabError
from .naming import check_ifname, link_addresses, namespace_name
from .nft import base_chain, comment, nft_table

if TYPE_CHECKING:
    from .plan import NamespacePlan, _Planner

AVAILABLE = "available"
ENI_DESCRIPTION = "Network Interface for Transit Gateway Attachment "

#: Equal prefixes: the lower wins (static > prefix list > VPC-propagated, as AWS orders them).
PRIORITY_STATIC, PRIORITY_PREFIX_LIST, PRIORITY_VPC = 0, 1, 2
PRIORITY_OTHER = 6

INTERFACE_SLOTS = 1 << 16
PEERING_LINK_SLOTS = 128 * 64
TABLE_BASE = 1 << 20
TABLE_SLOTS = 1 << 24
LOOKUP_PREF, APPLIANCE_PREF, BLACKHOLE_PREF = 1000, 500, 30000


def _slot(kind: str, ident: str, space: int) -> int:
    digest = hashlib.sha256(f"{kind}:{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % space


def _slots(kind: str, idents: Iterable[str], space: int) -> dict[str, int]:
    """A slot per id that does not move when others come and go (as :func:`.plan.stable_slots`)."""
    taken: set[int] = set()
    out: dict[str, int] = {}
    for ident in sorted(set(idents)):
        slot = _slot(kind, ident, space)
        while slot in taken:
            slot = (slot + 1) % space
        taken.add(slot)
        out[ident] = slot
    return out


@dataclass(frozen=True)
class _Leg:
    """The gateway's interface in one attachment subnet."""

    attachment_id: str
    subnet: Subnet
    address: str
    ifname: str

    @property
    def zone(self) -> str:
        return self.subnet.availability_zone


@dataclass(frozen=True)
class _Winner:
    net: ipaddress.IPv4Network
    priority: int
    target: str | None
    """The attachment the route leads to, or None for a route that drops."""


@dataclass
class _Gateway:
    tgw_id: str
    plan: NamespacePlan
    legs: dict[str, list[_Leg]] = field(default_factory=dict)
    """VPC attachment -> its interfaces, by (zone, subnet id)."""
    peer_links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    """(peering attachment, zone) -> (interface, the other side's address)."""
    tables: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    """(route table, zone, appliance attachment, its zone) -> kernel table number."""
    marks: dict[str, int] = field(default_factory=dict)
    """Interface of an appliance-mode attachment -> the connection mark of requests entering by it."""


@dataclass
class TransitPlan:
    """What :mod:`.plan` asks of the transit gateways while it plans the VPC routers."""

    entries: dict[tuple[str, str], str] = field(default_factory=dict)
    """(transit gateway, sending subnet) -> ``via ... dev ... onlink`` into the gateway."""
    hairpins: dict[str, list[str]] = field(default_factory=dict)
    """Attachment subnet -> the gateway ENIs' addresses in it (a packet from the subnet back to
    one of them meets the subnet's inbound rules too)."""
    described: set[str] = field(default_factory=set)

    def target(self, tgw_id: str, subnet: Subnet | None) -> str | None:
        """``via ... dev ...`` for a VPC route to ``tgw_id`` from ``subnet``, None to drop."""
        if subnet is None:
            return None
        return self.entries.get((tgw_id, subnet.subnet_id))

    def acl_rules(self, subnet_id: str, bridge: str, chain: str) -> list[str]:
        """Router ``forward`` rules: a packet of the attachment subnet sent back into it to the
        gateway's ENI is judged by the subnet's inbound rules too (AWS evaluates both)."""
        return [
            f'iifname "{bridge}" oifname "{bridge}" rt ip nexthop {address} jump {chain} '
            + comment(f"{subnet_id} inbound, to the transit gateway's ENI {address}")
            for address in self.hairpins.get(subnet_id, [])
        ]


def transit_sources(network: Network, vpc_id: str) -> list[str]:
    """The blocks of the VPCs that transit gateways ``vpc_id`` is attached to join to it (through
    one peering at most): a NAT gateway of ``vpc_id`` translates their traffic too, which can only
    have come in through a gateway (a peering carries no edge-to-edge traffic) -- centralised
    egress, as AWS does it."""
    attached: dict[str, set[str]] = {}
    for attachment in network.transit_gateway_attachments.values():
        if attachment.resource_type == "vpc" and attachment.state == AVAILABLE:
            attached.setdefault(attachment.transit_gateway_id, set()).add(attachment.resource_id)
    gateways = {tgw for tgw, vpcs in attached.items() if vpc_id in vpcs}
    for attachment in network.transit_gateway_attachments.values():
        ends = set(attachment.transit_gateway_ids())
        if (
            attachment.resource_type in ("peering", "tgw-peering")
            and attachment.state == AVAILABLE
            and ends & gateways
        ):
            gateways |= ends
    blocks: list[str] = []
    for tgw in sorted(gateways):
        for other in sorted(attached.get(tgw, ())):
            vpc = network.vpcs.get(other)
            if other != vpc_id and vpc is not None:
                blocks += [b for b in vpc.cidr_blocks if ":" not in b]
    return blocks


def plan_transit(planner: _Planner) -> TransitPlan:
    """The transit gateways of the planner's network as namespaces (added to ``planner.plans``),
    and what its VPC routers need to reach them."""
    return _TransitPlanner(planner).build()


class _TransitPlanner:
    def __init__(self, planner: _Planner) -> None:
        self.p = planner
        self.n: Network = planner.n
        self.out = TransitPlan()
        self.gateways: dict[str, _Gateway] = {}

    # ------------------------------------------------------------------ entry

    def build(self) -> TransitPlan:
        n = self.n
        described: set[str] = set()
        for attachment in n.transit_gateway_attachments.values():
            described.update(attachment.transit_gateway_ids())
        described.update(t.transit_gateway_id for t in n.transit_gateway_route_tables.values())
        self.out.described = described
        if not described:
            return self.out
        from .plan import NamespacePlan, sysctls

        for tgw_id in sorted(described):
            name = namespace_name(self.p.lab, tgw_id)
            plan = NamespacePlan(
                name=name, role="transit-gateway", component=tgw_id, sysctls=sysctls(forwarding=True)
            )
            plan.configure.append("link set lo up")
            self.gateways[tgw_id] = _Gateway(tgw_id, plan)
        self._vpc_legs()
        self._peering_links()
        for gateway in self.gateways.values():
            self._routing(gateway)
            gateway.plan.nft = self._nft(gateway)
            self.p.plans[gateway.plan.name] = gateway.plan
        return self.out

    # ------------------------------------------------------------------ VPC attachments

    def _vpc_attachment(self, tgw_id: str, vpc_id: str) -> TransitGatewayAttachment | None:
        """The VPC's attachment to the gateway (an available one first), as AWS has one."""
        found: TransitGatewayAttachment | None = None
        for attachment in self.n.transit_gateway_attachments.values():
            if (
                attachment.resource_type == "vpc"
                and attachment.transit_gateway_id == tgw_id
                and attachment.resource_id == vpc_id
            ) and (found is None or (found.state != AVAILABLE and attachment.state == AVAILABLE)):
                found = attachment
        return found

    def _vpc_legs(self) -> None:
        p = self.p
        keys: list[str] = []
        chosen: list[tuple[TransitGatewayAttachment, Subnet]] = []
        for tgw_id in sorted(self.gateways):
            for vpc_id in sorted(p.routers):
                attachment = self._vpc_attachment(tgw_id, vpc_id)
                if attachment is None or attachment.state != AVAILABLE:
                    continue
                for subnet_id in attachment.subnet_ids:
                    subnet = self.n.subnets.get(subnet_id)
                    if subnet is None or subnet.vpc_id != vpc_id:
                        continue
                    keys.append(f"{attachment.transit_gateway_attachment_id}:{subnet_id}")
                    chosen.append((attachment, subnet))
        slots = _slots("tgw-leg", keys, INTERFACE_SLOTS)
        for attachment, subnet in sorted(chosen, key=lambda c: (c[1].availability_zone, c[1].subnet_id)):
            attachment_id = attachment.transit_gateway_attachment_id
            gateway = self.gateways[attachment.transit_gateway_id]
            ifname = check_ifname(f"v{slots[f'{attachment_id}:{subnet.subnet_id}']}")
            eni_id, address = self._eni(attachment_id, subnet)
            leg = _Leg(attachment_id, subnet, address, ifname)
            gateway.legs.setdefault(attachment_id, []).append(leg)
            p._attach(subnet, gateway.plan.name, ifname, eni_id)
            prefix = ipaddress.IPv4Network(subnet.cidr_block).prefixlen
            gateway.plan.configure += [f"addr add {address}/{prefix} dev {ifname}", f"link set {ifname} up"]
            self.out.hairpins.setdefault(subnet.subnet_id, []).append(address)
        # A VPC route to the gateway from a subnet enters through the attachment's subnet in the
        # sending subnet's zone; no subnet there: no entry (AWS's AZ rule), the route drops.
        for tgw_id, gateway in self.gateways.items():
            for vpc_id in sorted(p.routers):
                attachment = self._vpc_attachment(tgw_id, vpc_id)
                if attachment is None:
                    continue
                legs = gateway.legs.get(attachment.transit_gateway_attachment_id, [])
                for subnet in p.subnets_of[vpc_id]:
                    entry = next((x for x in legs if x.zone == subnet.availability_zone), None)
                    if entry is None:
                        continue
                    _, bridge, _ = p._subnet_router(entry.subnet)
                    self.out.entries[(tgw_id, subnet.subnet_id)] = f"via {entry.address} dev {bridge} onlink"

    def _eni(self, attachment_id: str, subnet: Subnet) -> tuple[str, str]:
        """The gateway's ENI in the subnet (id, address); an input without it gets a free
        address of the subnet (the highest), as the lab needs one."""
        for eni in self.n.network_interfaces.values():
            if (
                eni.subnet_id == subnet.subnet_id
                and eni.description.startswith(ENI_DESCRIPTION)
                and eni.description.rsplit(" ", 1)[-1] == attachment_id
                and eni.private_ip_address
            ):
                return eni.network_interface_id, eni.private_ip_address
        held = {
            ip_int(a.private_ip_address)
            for eni in self.n.network_interfaces.values()
            if eni.subnet_id == subnet.subnet_id
            for a in eni.private_ip_addresses
        }
        addresses = SubnetAddresses(subnet.cidr_block, held)
        for candidate in range(addresses.last, addresses.first - 1, -1):
            if candidate not in held:
                self.p.notes.append(
                    f"{attachment_id}: no ENI described in {subnet.subnet_id}; the lab uses {ip_str(candidate)}"
                )
                return f"{attachment_id}-{subnet.subnet_id}", ip_str(candidate)
        raise LabError(f"{attachment_id}: {subnet.subnet_id} has no free address for the gateway's ENI")

    # ------------------------------------------------------------------ peering

    def _peerings(self) -> list[TransitGatewayAttachment]:
        return [
            a
            for a in sorted(
                self.n.transit_gateway_attachments.values(), key=lambda a: a.transit_gateway_attachment_id
            )
            if a.resource_type in ("peering", "tgw-peering")
            and a.state == AVAILABLE
            and len(set(a.transit_gateway_ids())) == 2
            and all(t in self.gateways for t in a.transit_gateway_ids())
        ]

    def _peering_links(self) -> None:
        """One veth pair per zone between the two gateways: the zone a packet travels in goes
        across with it (the far side leaves through the attachment subnet of that zone)."""
        zones = sorted(
            {leg.zone for gw in self.gateways.values() for legs in gw.legs.values() for leg in legs}
        )
        peerings = self._peerings()
        keys = [f"{a.transit_gateway_attachment_id}:{z}" for a in peerings for z in zones]
        slots = _slots("tgw-peering", keys, PEERING_LINK_SLOTS)
        for attachment in peerings:
            a, b = attachment.transit_gateway_ids()
            first, second = self.gateways[a], self.gateways[b]
            for zone in zones:
                slot = slots[f"{attachment.transit_gateway_attachment_id}:{zone}"]
                ifname = check_ifname(f"y{slot}")
                near, far = link_addresses("pcx", slot)
                first.plan.create.append(
                    f"link add {ifname} type veth peer name {ifname} netns {second.plan.name}"
                )
                first.plan.configure += [f"addr add {near}/30 dev {ifname}", f"link set {ifname} up"]
                second.plan.configure += [f"addr add {far}/30 dev {ifname}", f"link set {ifname} up"]
                first.peer_links[(attachment.transit_gateway_attachment_id, zone)] = (ifname, far)
                second.peer_links[(attachment.transit_gateway_attachment_id, zone)] = (ifname, near)

    # ------------------------------------------------------------------ route tables

    def _association(self, tgw_id: str, attachment_id: str) -> TransitGatewayRouteTable | None:
        for table in self.n.transit_gateway_route_tables.values():
            if table.transit_gateway_id == tgw_id and attachment_id in table.associations:
                return table
        return None

    def _winners(self, table: TransitGatewayRouteTable) -> list[_Winner]:
        """One route per destination block: static > prefix list > VPC-propagated; listed
        propagated routes of other attachments (BGP) come after."""
        n = self.n
        best: dict[ipaddress.IPv4Network, _Winner] = {}

        def offer(net: ipaddress.IPv4Network, priority: int, target: str | None) -> None:
            current = best.get(net)
            if current is None or priority < current.priority:
                best[net] = _Winner(net, priority, target)

        listed: set[str] = set()
        for route in table.routes:
            if route.type == "propagated":
                attachment = n.transit_gateway_attachments.get(route.transit_gateway_attachment_id or "")
                priority = PRIORITY_OTHER
                if attachment is not None:
                    listed.add(attachment.transit_gateway_attachment_id)
                    priority = PRIORITY_VPC if attachment.resource_type == "vpc" else PRIORITY_OTHER
            else:
                priority = PRIORITY_PREFIX_LIST if route.prefix_list_id else PRIORITY_STATIC
            target = self._route_target(route)
            for net in self._blocks(route):
                offer(net, priority, target)
        propagated: list[ipaddress.IPv4Network] = []
        for attachment_id in table.propagations:
            attachment = n.transit_gateway_attachments.get(attachment_id)
            if (
                attachment is None
                or attachment.state != AVAILABLE
                or attachment_id in listed
                or attachment.resource_type != "vpc"
            ):
                continue
            vpc = n.vpcs.get(attachment.resource_id)
            if vpc is None:
                continue
            for block in vpc.cidr_blocks:
                net = ipaddress.IPv4Network(block, strict=False)
                # A block identical to or overlapping one already propagated is not propagated.
                if any(net.overlaps(other) for other in propagated):
                    continue
                propagated.append(net)
                offer(net, PRIORITY_VPC, attachment_id)
        return sorted(best.values(), key=lambda w: (-w.net.prefixlen, int(w.net.network_address)))

    def _blocks(self, route: TransitGatewayRoute) -> list[ipaddress.IPv4Network]:
        if route.destination_cidr_block:
            if ":" in route.destination_cidr_block:
                return []
            return [ipaddress.IPv4Network(route.destination_cidr_block, strict=False)]
        plist = self.n.prefix_lists.get(route.prefix_list_id or "")
        if plist is None:
            return []
        return [ipaddress.IPv4Network(e.cidr, strict=False) for e in plist.entries if ":" not in e.cidr]

    def _route_target(self, route: TransitGatewayRoute) -> str | None:
        """The attachment a route forwards to; None when it drops (a blackhole, a route not
        active, an attachment that is gone or not available)."""
        if route.blackhole or route.state == "blackhole" or route.state not in ("active", AVAILABLE):
            return None
        attachment = self.n.transit_gateway_attachments.get(route.transit_gateway_attachment_id or "")
        if attachment is None or attachment.state != AVAILABLE:
            return None
        return attachment.transit_gateway_attachment_id

    def _exit(self, gateway: _Gateway, winner: _Winner, zone: str, override: tuple[str, str]) -> str | None:
        """The route out of ``gateway`` for ``winner`` for a packet travelling in ``zone``
        (``override``: an appliance-mode attachment and the zone of the subnet its connection's
        request used): ``via ... dev ...``, or ``dev ...`` for a block inside the exit subnet
        (delivered on its bridge, where no network ACL applies); None to drop."""
        target = winner.target
        if target is None:
            return None
        attachment = self.n.transit_gateway_attachments[target]
        if attachment.resource_type == "vpc":
            legs = gateway.legs.get(target, [])
            if not legs:
                return None
            wanted = override[1] if override[0] == target else zone
            leg = next((x for x in legs if x.zone == wanted), legs[0])
            if winner.net.subnet_of(ipaddress.IPv4Network(leg.subnet.cidr_block)):
                return f"dev {leg.ifname}"
            return f"via {router_address(leg.subnet.cidr_block)} dev {leg.ifname} onlink"
        link = gateway.peer_links.get((target, zone))
        if link is None:
            return None
        return f"via {link[1]} dev {link[0]} onlink"

    def _table(
        self, gateway: _Gateway, table: TransitGatewayRouteTable, zone: str, override: tuple[str, str]
    ) -> int:
        key = (table.transit_gateway_route_table_id, zone, *override)
        number = gateway.tables.get(key)
        if number is not None:
            return number
        number = TABLE_BASE + _slot("tgw-table", ":".join(key), TABLE_SLOTS)
        while number in gateway.tables.values():
            number += 1
        gateway.tables[key] = number
        lines = gateway.plan.configure
        winners = self._winners(table)
        for winner in winners:
            route = self._exit(gateway, winner, zone, override)
            if route is None:
                lines.append(f"route add blackhole {winner.net} table {number}")
                continue
            lines.append(f"route add {winner.net} {route} table {number}")
            if route.startswith("via ") and " dev v" in route:
                lines.extend(
                    self._direct(gateway, winner, winners, route.split(" dev ", 1)[1].split()[0], number)
                )
        return number

    def _direct(
        self, gateway: _Gateway, winner: _Winner, winners: list[_Winner], ifname: str, number: int
    ) -> list[str]:
        """The exit subnet inside the route's block is delivered on the subnet's bridge (no
        network ACL applies: AWS evaluates neither direction), unless a more specific route (at
        most the subnet's length) takes the whole subnet elsewhere."""
        leg = next((x for legs in gateway.legs.values() for x in legs if x.ifname == ifname), None)
        if leg is None:
            return []
        subnet = ipaddress.IPv4Network(leg.subnet.cidr_block)
        if not subnet.subnet_of(winner.net) or any(
            other is not winner
            and winner.net.prefixlen < other.net.prefixlen <= subnet.prefixlen
            and subnet.subnet_of(other.net)
            for other in winners
        ):
            return []
        return [f"route add {subnet} dev {ifname} table {number}"]

    def _routing(self, gateway: _Gateway) -> None:
        ingress: list[tuple[str, str, str]] = []
        """(interface, attachment, zone) of everything that enters the gateway."""
        for attachment_id, legs in sorted(gateway.legs.items()):
            ingress += [(leg.ifname, attachment_id, leg.zone) for leg in legs]
        for (attachment_id, zone), (ifname, _) in sorted(gateway.peer_links.items()):
            ingress.append((ifname, attachment_id, zone))
        appliance = [
            (code + 1, leg)
            for code, leg in enumerate(
                leg
                for attachment_id, legs in sorted(gateway.legs.items())
                if self.n.transit_gateway_attachments[attachment_id].appliance_mode_support
                for leg in legs
            )
        ]
        rules = gateway.plan.configure
        for ifname, attachment_id, zone in ingress:
            table = self._association(gateway.tgw_id, attachment_id)
            if table is not None:
                targets = {w.target for w in self._winners(table)}
                for code, leg in appliance:
                    if leg.attachment_id in targets:
                        number = self._table(gateway, table, zone, (leg.attachment_id, leg.zone))
                        rules.append(
                            f"rule add pref {APPLIANCE_PREF} iif {ifname} fwmark {code} lookup {number}"
                        )
                number = self._table(gateway, table, zone, ("", ""))
                rules.append(f"rule add pref {LOOKUP_PREF} iif {ifname} lookup {number}")
            rules.append(f"rule add pref {BLACKHOLE_PREF} iif {ifname} blackhole")
        gateway.marks = {leg.ifname: code for code, leg in appliance}

    def _nft(self, gateway: _Gateway) -> str:
        marks = gateway.marks
        prerouting: list[str] = []
        if marks:
            pairs = ", ".join(f'"{name}" : {code}' for name, code in sorted(marks.items()))
            prerouting += [
                f"ct state new ct direction original ct mark set iifname map {{ {pairs} }} "
                + comment("appliance mode: the interface the request entered by"),
                "ct direction reply meta mark set ct mark "
                + comment("appliance mode: the reply leaves by the request's subnet"),
            ]
        why = comment(f"{gateway.tgw_id}: its ENIs are no hosts")
        chains = [
            base_chain("input", "filter", "input", "filter", "drop", [f"drop {why}"]),
            base_chain("output", "filter", "output", "filter", "drop", []),
            base_chain("forward", "filter", "forward", "filter", "accept", []),
        ]
        if prerouting:
            chains.insert(0, base_chain("prerouting", "filter", "prerouting", "mangle", "accept", prerouting))
        else:
            chains.insert(0, base_chain("prerouting", "filter", "prerouting", "raw", "accept", ["notrack"]))
        return nft_table(chains)


__all__ = ["TransitPlan", "plan_transit", "transit_sources"]
