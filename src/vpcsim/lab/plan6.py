"""The IPv6 half of a lab plan: addresses, routes, the egress-only gateway, ``ip6`` rulesets.

Why apart from :mod:`.plan`: IPv4 labs stay exactly what they were (a network without an IPv6
block gets no IPv6 at all: the namespaces keep ``disable_ipv6``), and the IPv6 mechanisms are
their own: each AWS component is realised by the kernel mechanism that behaves like it, as for
IPv4 --

- every namespace of a dual-stack lab speaks IPv6 with duplicate address detection off
  (``accept_dad`` 0 and ``nodad`` addresses: usable at once) and no router advertisements; IPv6
  configuration lines start with ``-6`` (run by ``ip -6 -batch``: a policy rule without an
  address is otherwise IPv4's);
- a subnet's /64 is on its bridge in the VPC router at the subnet's ::1; an ENI's IPv6
  addresses are on its interface (/64), with the same per-ENI source routing as IPv4;
- the router's per-subnet tables gain the route table's IPv6 routes (local, ``::/0`` and
  narrower to the internet gateway, to an egress-only gateway, to a peering connection;
  blackholes); links between namespaces use static link-local next hops (fe80::1, fe80::2);
- the internet gateway carries IPv6 without translation, and drops what goes to or comes
  from outside the global unicast space 2000::/3;
- an egress-only internet gateway (``eigw-``) is a namespace between the VPC router and the
  internet with connection tracking: new connections from the VPC side pass, their replies
  come back, anything new from the internet is dropped. A TCP segment or ICMPv6 reply that
  opens no connection (a SYN-ACK, an echo reply) is invalid to conntrack and dropped; a UDP
  datagram from the VPC side is an outbound flow and passes (docs/lab.md, "IPv6");
- the internet namespace holds outside IPv6 hosts, routes each VPC's IPv6 blocks to its
  internet gateway (else its egress-only gateway), and sends the replies of a connection back
  through the gateway the connection came in by (conntrack mark -> fwmark);
- security groups and network ACLs are ``table ip6 vpcsim`` rules (:mod:`.rules` and
  :mod:`.rulesets` with ``family=IPV6``); neighbour
  discovery passes before any of them (the VPC answers it in AWS; no rule sees it).

Not realised (noted in the lab's notes, traffic dropped): NAT64 (``64:ff9b::/96`` to a NAT
gateway), IPv6 routes to network interfaces, virtual private gateways, transit gateways and
endpoints, delivery inside an ENI's delegated IPv6 prefixes, AWS's IPv6 services
(``fd00:ec2::/32``).
"""

from __future__ import annotations

import ipaddress
from functools import partial
from typing import TYPE_CHECKING

from ..model import Route, Subnet, Vpc
from ..model.addressing import gateway_collection, router_address
from .naming import IGW_LEG, check_ifname, namespace_name
from .nft import IPV6, base_chain, comment, nft_table
from .routes import (
    ENI_TABLE_BASE,
    IGW_TABLE,
    PEER_TABLE,
    edge_table,
    subnet_tables,
    winning_routes,
)
from .rules6 import NDP_TYPES
from .rulesets import Eni, instance_ruleset, router_forward, router_ruleset, stopped_ruleset

if TYPE_CHECKING:
    from ..model import NetworkInterface
    from .plan import _Planner

V6 = IPV6.ip_prefix
"""What this module's lines start with (:func:`vpcsim.lab.kernel.ip_batch` runs them with ``ip -6``)."""
NEAR, FAR = "fe80::1", "fe80::2"
"""Link-local next hops of a link: the outer end (internet, peering requester), the inner end."""
GLOBAL_UNICAST = "2000::/3"
EIGW_SLOTS = 1 << 13
EIGW_INSIDE, EIGW_OUTSIDE = "in", "out"
MARK_BASE = 0x600
"""Firewall marks of the internet namespace's legs (replies go back by the leg they came in)."""
REPLY_PREF = 100

#: Outside IPv6 hosts every dual-stack lab has (documentation, real global prefixes, and a
#: unique-local one the internet gateways refuse).
DEFAULT_INTERNET_HOSTS6 = ("2001:db8:5::1", "2606:4700::1111", "2a00:1450::1", "fd12::1")


def has_ipv6(planner: _Planner) -> bool:
    return any(vpc.ipv6_cidr_blocks for vpc in planner.n.vpcs.values())


def sysctls6(values: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A namespace's settings with IPv6 on: no duplicate address detection, no router
    advertisements, forwarding as IPv4's, no ICMPv6 rate limit."""
    forwarding = dict(values).get("net.ipv4.ip_forward", "0")
    kept = [(k, v) for k, v in values if not k.startswith("net.ipv6.conf.")]
    extra: list[tuple[str, str]] = []
    for scope in ("all", "default"):
        extra += [
            (f"net.ipv6.conf.{scope}.disable_ipv6", "0"),
            (f"net.ipv6.conf.{scope}.accept_dad", "0"),
            (f"net.ipv6.conf.{scope}.dad_transmits", "0"),
            (f"net.ipv6.conf.{scope}.accept_ra", "0"),
            (f"net.ipv6.conf.{scope}.autoconf", "0"),
            (f"net.ipv6.conf.{scope}.forwarding", forwarding),
        ]
    return [*kept, *extra, ("net.ipv6.icmp.ratelimit", "0")]


def _ndp_first() -> list[str]:
    return [f"icmpv6 type {NDP_TYPES} accept " + comment("neighbour discovery: no rule of AWS sees it")]


class Planner6:
    """Adds IPv6 to a :class:`~vpcsim.lab.plan._Planner`'s namespaces (before the plan is built)."""

    def __init__(self, planner: _Planner) -> None:
        self.p = planner
        self.n = planner.n
        eigws = sorted(
            g.egress_only_internet_gateway_id
            for g in self.n.egress_only_internet_gateways.values()
            if g.vpc_id in planner.routers
        )
        from .plan import stable_slots

        self.eigw_slot = stable_slots("eigw", eigws, EIGW_SLOTS)
        self.eigw_vpc = {g: self.n.egress_only_internet_gateways[g].vpc_id or "" for g in eigws}

    # ------------------------------------------------------------------ entry

    def run(self) -> None:
        p = self.p
        for plan in [*p.routers.values(), *p.plans.values(), p.internet]:
            plan.sysctls = sysctls6(plan.sysctls)
        for eigw_id in sorted(self.eigw_slot):
            self._eigw(eigw_id)
        for vpc_id in p.vpc_ids:
            self._router(p.n.vpcs[vpc_id])
        for record in p.state.instances.values():
            self._instance(record.instance_id)
        self._internet()

    # ------------------------------------------------------------------ helpers

    def _subnet6(self, subnet: Subnet) -> ipaddress.IPv6Network | None:
        if not subnet.ipv6_cidr_block:
            return None
        try:
            return ipaddress.IPv6Network(subnet.ipv6_cidr_block, strict=False)
        except ValueError:
            return None

    def _bridge(self, subnet: Subnet) -> str:
        _, bridge, _ = self.p._subnet_router(subnet)
        return bridge

    @staticmethod
    def _eigw_leg(slot: int) -> str:
        return check_ifname(f"eg{slot}")

    @staticmethod
    def _internet_eigw_leg(slot: int) -> str:
        return check_ifname(f"e{slot}")

    # ------------------------------------------------------------------ egress-only gateways

    def _eigw(self, eigw_id: str) -> None:
        p = self.p
        from .plan import NamespacePlan, sysctls

        slot = self.eigw_slot[eigw_id]
        vpc_id = self.eigw_vpc[eigw_id]
        name = namespace_name(p.lab, eigw_id)
        plan = NamespacePlan(
            name=name,
            role="egress-only-internet-gateway",
            component=eigw_id,
            sysctls=sysctls6(sysctls(forwarding=True)),
        )
        router = p.routers[vpc_id]
        leg = self._eigw_leg(slot)
        router.create.append(f"link add {leg} type veth peer name {EIGW_INSIDE} netns {name}")
        plan.create.append(
            f"link add {EIGW_OUTSIDE} type veth peer name {self._internet_eigw_leg(slot)} netns {p.internet.name}"
        )
        router.configure += [f"link set {leg} up", f"{V6}addr add {FAR}/64 dev {leg} nodad"]
        plan.configure += [
            "link set lo up",
            f"link set {EIGW_INSIDE} up",
            f"link set {EIGW_OUTSIDE} up",
            f"{V6}addr add {NEAR}/64 dev {EIGW_INSIDE} nodad",
            f"{V6}addr add {FAR}/64 dev {EIGW_OUTSIDE} nodad",
            f"{V6}route add ::/0 via {NEAR} dev {EIGW_OUTSIDE}",
        ]
        blocks = self.n.vpcs[vpc_id].ipv6_cidr_blocks
        plan.configure += [f"{V6}route add {IPV6.net(b)} via {FAR} dev {EIGW_INSIDE}" for b in blocks]
        why = f"{eigw_id}: egress-only"
        forward = [
            "ct state established,related accept " + comment(f"{why}: replies of tracked connections"),
            f'iifname "{EIGW_INSIDE}" ct state new accept '
            + comment(f"{why}: connections initiated from {vpc_id}"),
            f'iifname "{EIGW_INSIDE}" icmpv6 type {IPV6.icmp_error_types} accept '
            + comment(f"{why}: outbound ICMPv6 errors"),
            "drop " + comment(f"{why}: nothing initiated from the internet"),
        ]
        plan.nft = nft_table(
            [
                base_chain("forward", "filter", "forward", "filter", "drop", forward),
                base_chain("input", "filter", "input", "filter", "drop", _ndp_first()),
                base_chain("output", "filter", "output", "filter", "drop", _ndp_first()),
            ],
            IPV6,
        )
        p.plans[name] = plan

    # ------------------------------------------------------------------ routers

    def _router(self, vpc: Vpc) -> None:
        p = self.p
        router = p.routers[vpc.vpc_id]
        record = p.state.vpcs[vpc.vpc_id]
        lines: list[str] = []
        for subnet in p.subnets_of[vpc.vpc_id]:
            snet = self._subnet6(subnet)
            if snet is not None:
                lines.append(f"{V6}addr add {router_address(str(snet))}/64 dev {self._bridge(subnet)} nodad")
        if record.internet_gateway_id is not None:
            lines.append(f"{V6}addr add {FAR}/64 dev {IGW_LEG} nodad")
        for pcx_id, leg, _ in p._peerings_of(vpc.vpc_id):
            own, _ = self._peering_ends(pcx_id, vpc.vpc_id)
            lines.append(f"{V6}addr add {own}/64 dev {leg} nodad")
        # the subnets' tables
        subnets = self._subnets6(vpc.vpc_id)
        lines += subnet_tables(
            self.n,
            p._subnet_slots(vpc.vpc_id),
            subnets,
            lambda table: winning_routes(self.n, table, ipaddress.IPv6Network),
            lambda table, _: partial(self._target, vpc_id=vpc.vpc_id, table_id=table.route_table_id),
            IPV6,
        )
        edges: list[str] = []
        if record.internet_gateway_id is not None:
            edges.append(IGW_LEG)
        edges += [
            self._eigw_leg(s) for g, s in sorted(self.eigw_slot.items()) if self.eigw_vpc[g] == vpc.vpc_id
        ]
        lines += edge_table(edges, IGW_TABLE, subnets, vpc.ipv6_cidr_blocks, IPV6)
        lines += edge_table(p._peering_legs(vpc.vpc_id), PEER_TABLE, subnets, vpc.ipv6_cidr_blocks, IPV6)
        router.configure.extend(lines)
        router.nft += self._router_nft(vpc)

    def _peering_ends(self, pcx_id: str, vpc_id: str) -> tuple[str, str]:
        """The link-local addresses of a peering's link: (the VPC's router's, the peer's); the
        requester's router holds :data:`NEAR`."""
        requester = self.n.vpc_peering_connections[pcx_id].requester.vpc_id
        return (NEAR, FAR) if requester == vpc_id else (FAR, NEAR)

    def _subnets6(self, vpc_id: str) -> list[tuple[ipaddress.IPv6Network, str]]:
        """The VPC's subnets with an IPv6 block: (block, bridge)."""
        pairs = [(self._subnet6(subnet), self._bridge(subnet)) for subnet in self.p.subnets_of[vpc_id]]
        return [(snet, bridge) for snet, bridge in pairs if snet is not None]

    def _target(self, route: Route, vpc_id: str, table_id: str) -> str | None:
        """``via ... dev ...`` for an IPv6 route's target, or None (blackhole)."""
        p = self.p
        if route.state == "blackhole":
            return None
        gateway = route.gateway_id or ""
        if gateway_collection(gateway) == "internet_gateways":
            return f"via {NEAR} dev {IGW_LEG}" if p._attached_igw(vpc_id) == gateway else None
        if route.egress_only_internet_gateway_id:
            eigw = route.egress_only_internet_gateway_id
            if eigw in self.eigw_slot and self.eigw_vpc[eigw] == vpc_id:
                return f"via {NEAR} dev {self._eigw_leg(self.eigw_slot[eigw])}"
            return None
        if route.vpc_peering_connection_id:
            end = p._peering_leg(route.vpc_peering_connection_id, vpc_id)
            if end is None:
                return None
            leg, _, _ = end
            _, peer = self._peering_ends(route.vpc_peering_connection_id, vpc_id)
            return f"via {peer} dev {leg}"
        p.notes.append(
            f"{table_id}: IPv6 route {route.destination} -> {route.target or '?'} is not realised "
            "(NAT64, network interfaces and gateways other than internet, egress-only and peering); "
            "the lab drops its traffic"
        )
        return None

    def _router_nft(self, vpc: Vpc) -> str:
        p = self.p
        subnets = [(subnet, self._bridge(subnet)) for subnet in p.subnets_of[vpc.vpc_id]]
        forward, chains = router_forward(self.n, vpc, p._peerings_of(vpc.vpc_id), subnets, IPV6)
        return router_ruleset(forward, chains, _ndp_first(), IPV6, input_rules=_ndp_first())

    # ------------------------------------------------------------------ instances

    def _instance(self, instance_id: str) -> None:
        p = self.p
        record = p.state.instances[instance_id]
        plan = p.plans[record.namespace]
        instance = self.n.instances[instance_id]
        running = instance.state == "running"
        enis: list[tuple[str, NetworkInterface, Subnet]] = []
        for eni_record in record.enis:
            eni = self.n.network_interfaces[eni_record.network_interface_id]
            subnet = self.n.subnets[eni.subnet_id]
            if self._subnet6(subnet) is not None:
                eni_record.ipv6_addresses = list(eni.ipv6_addresses)
            enis.append((eni_record.interface, eni, subnet))
        lines: list[str] = [f"{V6}rule add pref 10 to ff00::/8 lookup local"]
        if running:
            for position, (ifname, eni, subnet) in enumerate(enis):
                snet = self._subnet6(subnet)
                table = ENI_TABLE_BASE + position
                lines.append(f"{V6}rule add pref 200 iif {ifname} lookup {table}")
                own = list(eni.ipv6_addresses)
                if snet is None or not own:
                    continue  # no IPv6 address: the ENI sends no IPv6
                gateway = router_address(str(snet))
                lines += [f"{V6}addr add {a}/{snet.prefixlen} dev {ifname} nodad" for a in own]
                for address in own:
                    lines.append(f"{V6}rule add pref 100 from {address} iif lo lookup {table}")
                    lines += [
                        f"{V6}rule add pref 90 from {address} to {other} iif lo lookup local" for other in own
                    ]
                lines.append(f"{V6}route add {snet} dev {ifname} table {table}")
                lines.append(f"{V6}route add ::/0 via {gateway} dev {ifname} table {table}")
                if position == 0:
                    lines.append(f"{V6}route add ::/0 via {gateway} dev {ifname}")
        lines += [f"{V6}rule add pref 150 lookup local", f"{V6}rule del pref 0"]
        plan.configure.extend(lines)
        forwarding = any(not eni.source_dest_check for _, eni, _ in enis)
        plan.nft += self._instance_nft(enis, forwarding) if running else stopped_ruleset(IPV6)

    def _instance_nft(self, enis: list[Eni], forwarding: bool) -> str:
        return instance_ruleset(self.n, enis, forwarding, IPV6, first=_ndp_first())

    # ------------------------------------------------------------------ the internet

    def _internet(self) -> None:
        p = self.p
        plan = p.internet
        legs: list[tuple[str, str]] = []
        """(leg in the internet namespace, vpc id)"""
        lines: list[str] = []
        for vpc_id in p.vpc_ids:
            if p.state.vpcs[vpc_id].internet_gateway_id is not None:
                from .naming import internet_leg_name

                legs.append((internet_leg_name(p.vpc_index[vpc_id]), vpc_id))
        for eigw_id, slot in sorted(self.eigw_slot.items()):
            legs.append((self._internet_eigw_leg(slot), self.eigw_vpc[eigw_id]))
            lines.append(f"link set {self._internet_eigw_leg(slot)} up")
        for leg, _ in legs:
            lines.append(f"{V6}addr add {NEAR}/64 dev {leg} nodad")
        hosts: list[str] = []
        for host in [*DEFAULT_INTERNET_HOSTS6, *p.extra_hosts6]:
            if host not in hosts and not any(
                host in e.ipv6_addresses for e in self.n.network_interfaces.values()
            ):
                hosts.append(host)
                lines.append(f"{V6}addr add {host}/128 dev lo nodad")
        # New connections to a VPC go to its internet gateway, else its egress-only gateway
        # (which drops them); replies go back by the leg their connection came in by.
        routed: set[str] = set()
        for leg, vpc_id in legs:
            if vpc_id in routed:
                continue
            routed.add(vpc_id)
            lines += [
                f"{V6}route add {IPV6.net(b)} via {FAR} dev {leg} src {hosts[0]}"
                for b in self.n.vpcs[vpc_id].ipv6_cidr_blocks
            ]
        marks: list[str] = []
        for index, (leg, _) in enumerate(legs):
            mark = MARK_BASE + index
            lines.append(f"{V6}rule add pref {REPLY_PREF} fwmark {mark} lookup {mark}")
            lines.append(f"{V6}route add ::/0 via {FAR} dev {leg} table {mark}")
            marks.append(f'iifname "{leg}" ct state new ct mark set {mark}')
        plan.configure.extend(lines)
        names = "{ " + ", ".join(f'"{leg}"' for leg, _ in legs) + " }" if legs else None
        prerouting = [*_ndp_first()]
        postrouting = [*_ndp_first()]
        if names is not None:
            prerouting.append(
                f"iifname {names} ip6 daddr != {GLOBAL_UNICAST} drop "
                + comment("internet gateways: no egress to addresses outside 2000::/3")
            )
            postrouting.append(
                f"oifname {names} ip6 saddr != {GLOBAL_UNICAST} drop "
                + comment("internet gateways: no ingress from addresses outside 2000::/3")
            )
        prerouting += [*marks, "ct direction reply meta mark set ct mark"]
        plan.nft += nft_table(
            [
                base_chain("prerouting", "filter", "prerouting", "mangle", "accept", prerouting),
                base_chain(
                    "output",
                    "route",
                    "output",
                    "mangle",
                    "accept",
                    ["ct direction reply meta mark set ct mark"],
                ),
                base_chain("postrouting", "filter", "postrouting", "filter", "accept", postrouting),
            ],
            IPV6,
        )
        p.state.internet_hosts += hosts


def realise_ipv6(planner: _Planner) -> None:
    """Add IPv6 to the planner's namespaces when the network has an IPv6 block (else nothing)."""
    if has_ipv6(planner):
        Planner6(planner).run()


__all__ = ["DEFAULT_INTERNET_HOSTS6", "has_ipv6", "realise_ipv6", "sysctls6"]
