"""A network of the model as a plan of kernel state: namespaces, links, routes and nftables.

Pure: nothing here touches the kernel, so the mapping can be read, tested and reviewed on
any machine. :mod:`vpcsim.lab.kernel` executes a plan. Each AWS component is realised by the
kernel mechanism that behaves like it:

- an instance is a namespace with one interface per ENI (``eth0``, ``eth1``...) holding its
  private addresses; its security groups are stateful nftables rules (``ct state
  established,related`` passes replies; ICMP errors are judged by the rules, as AWS does not
  treat them as related; group references are sets of the members' private addresses). Each
  ENI sends from its own addresses through its own subnet (source policy routing), so a flow
  between two ENIs of one instance crosses the VPC as in AWS. Source/destination check: the
  instance forwards only when some ENI has it off, and nftables drops what a checked ENI
  would;
- a subnet is a bridge in its VPC's router namespace: traffic inside it is bridged and meets
  no ACL and no route table. Its network ACL is two stateless ordered chains on the bridge's
  routed side (outbound when a packet leaves the subnet, inbound when it enters);
- a VPC is a router namespace with one leg per subnet at the subnet's +1 address. Policy
  routing picks the route table of the packet's subnet (``ip rule iif <bridge> lookup``),
  blackhole routes drop, and nothing falls through to another table;
- the internet gateway is a link to the internet namespace doing stateless one-to-one NAT
  (private <-> public, both ways), dropping what has no public address and what goes to or
  comes from addresses the internet does not route (RFC 1918, RFC 6598...);
- a NAT gateway is a namespace in its subnet that masquerades TCP, UDP and ICMP from its VPC
  to its own address (ports 1024-65535) and accepts nothing unsolicited;
- a VPC peering connection is a link between two routers that carries only packets between
  the two VPCs' blocks (no transit, no edge-to-edge);
- the internet is one namespace holding the outside addresses flows use, routing each public
  address to its VPC's internet gateway (so traffic to another instance's public address
  leaves and comes back, as in AWS).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..model import (
    Instance,
    NatGateway,
    Network,
    NetworkInterface,
    Route,
    RouteTable,
    Subnet,
    Vpc,
    protocol_number,
)
from ..model.addressing import (
    NOT_INTERNET,
    gateway_collection,
    ip_int,
    is_internet_routable,
    router_address,
)
from .balancers import BalancerPlanner
from .dns import DnsAttributes, DnsPlan, default_attributes, dns_plan, resolver_addresses, resolver_device
from .errors import LabError
from .naming import (
    IGW_LEG,
    INTERNET,
    bridge_address,
    bridge_name,
    check_lab_name,
    eni_ifname,
    internet_leg_name,
    link_addresses,
    namespace_name,
    peering_name,
    port_name,
)
from .nft import addresses, base_chain, chain, comment, nets, nft_table
from .plan6 import realise_ipv6
from .routes import (
    ENI_TABLE_BASE,
    IGW_TABLE,
    PEER_TABLE,
    SUBNET_TABLE_BASE,
    Winning,
    edge_table,
    is_local,
    subnet_tables,
    winning_routes,
)
from .rulesets import Eni, instance_ruleset, router_forward, router_ruleset, stopped_ruleset
from .state import (
    EniRecord,
    InstanceRecord,
    LabState,
    NamespaceRecord,
    NatRecord,
    VpcRecord,
)
from .transit import TransitPlan, plan_transit, transit_sources

#: Outside hosts every lab has (``internet`` alone means 198.51.100.1).
DEFAULT_INTERNET_HOSTS = (
    "198.51.100.1",
    "8.8.8.8",
    "1.1.1.1",
    "198.51.100.7",
    "192.0.2.33",
    "203.0.113.200",
    "52.94.76.10",
)
#: TCP and UDP ports the responder answers on everywhere (plus each instance's single-port
#: inbound rules).
DEFAULT_LISTEN_PORTS = (22, 80, 443, 8080)
MAX_LISTEN_PORTS = 24
NAT_GATEWAY_PORTS = "1024-65535"

#: Slot spaces of the names and link addresses a component keeps for as long as it exists
#: (see :func:`stable_slots`): VPCs and peering connections (a /30 of 169.254.0.0/17 each),
#: subnets of one VPC (a bridge and a route table), ports of one subnet's bridge.
VPC_SLOTS = PEERING_SLOTS = 128 * 64
SUBNET_SLOTS = 1 << 16
PORT_SLOTS = 1 << 12


def _hash_slot(kind: str, ident: str, space: int) -> int:
    digest = hashlib.sha256(f"{kind}:{ident}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % space


def stable_slots(kind: str, idents: Iterable[str], space: int) -> dict[str, int]:
    """A slot per id that does not move when other ids come and go.

    Names and link addresses were numbered by position in sorted order: a new subnet, VPC
    or instance then renamed its neighbours, so an incremental change (:mod:`.diff`) would
    recreate the links of running instances. A slot is a hash of the id, probed linearly
    in sorted order on a collision: the plan stays a pure function of the network (a fresh
    ``lab up`` and an applied difference give the same kernel state), and an id moves only
    when a new id that sorts before it lands on its slot.
    """
    ordered = sorted(set(idents))
    if len(ordered) > space:
        raise LabError(f"too many {kind}s for the lab ({len(ordered)}; at most {space})")
    taken: set[int] = set()
    slots: dict[str, int] = {}
    for ident in ordered:
        slot = _hash_slot(kind, ident, space)
        while slot in taken:
            slot = (slot + 1) % space
        taken.add(slot)
        slots[ident] = slot
    return slots


_COMMON_SYSCTLS = [
    ("net.ipv4.conf.all.rp_filter", "0"),
    ("net.ipv4.conf.default.rp_filter", "0"),
    ("net.ipv4.conf.all.accept_redirects", "0"),
    ("net.ipv4.conf.default.accept_redirects", "0"),
    ("net.ipv4.conf.all.send_redirects", "0"),
    ("net.ipv4.conf.default.send_redirects", "0"),
    ("net.ipv4.conf.all.accept_local", "1"),
    ("net.ipv4.conf.default.accept_local", "1"),
    ("net.ipv4.conf.all.arp_ignore", "1"),
    ("net.ipv4.conf.all.arp_announce", "2"),
    ("net.ipv4.ip_local_port_range", "32768 60999"),
    ("net.ipv4.icmp_ratelimit", "0"),
    ("net.ipv6.conf.all.disable_ipv6", "1"),
    ("net.ipv6.conf.default.disable_ipv6", "1"),
]
_ROUTER_SYSCTLS = [
    ("net.bridge.bridge-nf-call-iptables", "0"),
    ("net.bridge.bridge-nf-call-arptables", "0"),
    ("net.bridge.bridge-nf-call-ip6tables", "0"),
]


def sysctls(*, forwarding: bool, router: bool = False) -> list[tuple[str, str]]:
    """Per-namespace settings; new namespaces inherit some of the host's (``rp_filter``...)."""
    values = [*_COMMON_SYSCTLS, ("net.ipv4.ip_forward", "1" if forwarding else "0")]
    if router:
        values.extend(_ROUTER_SYSCTLS)
    return values


@dataclass
class NamespacePlan:
    """One namespace: settings, links it creates, then its configuration and ruleset."""

    name: str
    role: str
    component: str
    sysctls: list[tuple[str, str]] = field(default_factory=list)
    create: list[str] = field(default_factory=list)
    """``ip`` commands creating links (run in this namespace before any configuration)."""
    configure: list[str] = field(default_factory=list)
    """``ip`` commands once every link exists: addresses, state, rules, routes."""
    nft: str = ""


@dataclass
class LabPlan:
    state: LabState
    namespaces: list[NamespacePlan]
    dns: DnsPlan = field(default_factory=DnsPlan)
    """The VPCs' resolvers (:mod:`.dns`); not kept with the plan: each apply realises its own."""

    def namespace(self, name: str) -> NamespacePlan:
        for plan in self.namespaces:
            if plan.name == name:
                return plan
        raise KeyError(name)

    def to_dict(self) -> dict[str, object]:
        """The namespaces' plans (what is up), kept beside the state for the next difference."""
        return {
            "namespaces": [
                {
                    "name": p.name,
                    "role": p.role,
                    "component": p.component,
                    "sysctls": [list(item) for item in p.sysctls],
                    "create": p.create,
                    "configure": p.configure,
                    "nft": p.nft,
                }
                for p in self.namespaces
            ]
        }

    @staticmethod
    def from_dict(state: LabState, data: dict[str, Any]) -> LabPlan:
        return LabPlan(
            state,
            [
                NamespacePlan(
                    name=str(p["name"]),
                    role=str(p["role"]),
                    component=str(p["component"]),
                    sysctls=[(str(k), str(v)) for k, v in p["sysctls"]],
                    create=[str(x) for x in p["create"]],
                    configure=[str(x) for x in p["configure"]],
                    nft=str(p["nft"]),
                )
                for p in data["namespaces"]
            ],
        )

    def topology_digest(self) -> str:
        digest = hashlib.sha256()
        for plan in self.namespaces:
            digest.update(plan.name.encode())
            for line in (*plan.create, *plan.configure):
                digest.update(line.encode() + b"\n")
        return digest.hexdigest()[:16]


@dataclass
class _Peering:
    pcx_id: str
    index: int
    legs: dict[str, tuple[str, str, str]]
    """vpc id -> (leg interface, the other router's address, peer vpc id)."""


def _host_ok(text: str) -> bool:
    try:
        address = ip_int(text)
    except ValueError:
        return False
    return is_internet_routable(address)


class _Planner:
    def __init__(
        self, network: Network, lab: str, hosts: Iterable[str], dns: Mapping[str, DnsAttributes] | None = None
    ) -> None:
        self.n = network
        self.dns_attributes = dict(dns or {})
        self.lab = check_lab_name(lab)
        hosts = list(hosts)
        self.extra_hosts = [h for h in hosts if ":" not in h]
        self.extra_hosts6 = [h for h in hosts if ":" in h]
        """Outside IPv6 hosts (realised by :mod:`.plan6` when the network has IPv6)."""
        self.notes: list[str] = []
        self.vpc_ids = sorted(network.vpcs)
        self.vpc_index = stable_slots("vpc", self.vpc_ids, VPC_SLOTS)
        self.subnets_of: dict[str, list[Subnet]] = {v: [] for v in self.vpc_ids}
        for subnet in sorted(network.subnets.values(), key=lambda s: s.subnet_id):
            if subnet.vpc_id in self.subnets_of:
                self.subnets_of[subnet.vpc_id].append(subnet)
        self.subnet_index = {
            subnet_id: k
            for subs in self.subnets_of.values()
            for subnet_id, k in stable_slots("subnet", (s.subnet_id for s in subs), SUBNET_SLOTS).items()
        }
        self.ports_taken: dict[str, set[int]] = {}
        self.plans: dict[str, NamespacePlan] = {}
        self.routers: dict[str, NamespacePlan] = {}
        self.internet = NamespacePlan(
            name=namespace_name(lab, INTERNET),
            role="internet",
            component=INTERNET,
            sysctls=sysctls(forwarding=True),
        )
        self.eni_place: dict[str, tuple[str, str]] = {}
        """Realised ENI id -> (namespace, interface)."""
        self.state = LabState(name=self.lab, namespaces=[], internet_namespace=self.internet.name)
        self.peerings: list[_Peering] = []
        self.transit = TransitPlan()
        self.balancers = BalancerPlanner.of(network, self.lab)
        """Load balancers (:mod:`.balancers`): nodes, and the targets' part of their paths."""

    # ------------------------------------------------------------------ entry

    def build(self) -> LabPlan:
        for vpc_id in self.vpc_ids:
            self._router(self.n.vpcs[vpc_id])
        for instance in sorted(self.n.instances.values(), key=lambda i: i.instance_id):
            self._instance(instance)
        for nat in sorted(self.n.nat_gateways.values(), key=lambda g: g.nat_gateway_id):
            self._nat_gateway(nat)
        self.balancers.realise(self)
        self._peering_links()
        self.transit = plan_transit(self)
        for vpc_id in self.vpc_ids:
            self._router_routing(self.n.vpcs[vpc_id])
        self.balancers.finish_routers(self)
        self._internet()
        realise_ipv6(self)
        namespaces = [*self.routers.values(), *self.plans.values(), self.internet]
        self.state.namespaces = [NamespaceRecord(p.name, p.role, p.component) for p in namespaces]
        self.state.notes = self.notes
        self.state.created_at = time.time()
        self.state.network_summary = {
            "vpcs": len(self.n.vpcs),
            "subnets": len(self.n.subnets),
            "instances": len(self.n.instances),
            "nat_gateways": len(self.state.nat_gateways),
            "vpc_peering_connections": len(self.peerings),
            "load_balancer_nodes": len(self.state.load_balancer_nodes),
            "namespaces": len(namespaces),
        }
        plan = LabPlan(self.state, namespaces, self._dns_plan())
        self.state.topology = plan.topology_digest()
        return plan

    # ------------------------------------------------------------------ the VPCs' resolvers

    def _resolver_on(self, vpc_id: str) -> bool:
        attributes = self.dns_attributes.get(vpc_id) or default_attributes(self.n.vpcs[vpc_id])
        return attributes.support

    def _dns_plan(self) -> DnsPlan:
        addresses: list[tuple[str, str, str]] = []
        instances: list[tuple[str, str, str]] = []
        for record in self.state.instances.values():
            for position, eni_record in enumerate(record.enis):
                eni = self.n.network_interfaces[eni_record.network_interface_id]
                addresses += [(eni.vpc_id, a, eni.region) for a in eni_record.private_ips]
                if position == 0:
                    instances.append(
                        (record.namespace, eni.vpc_id, self.n.instances[record.instance_id].region)
                    )
        for nat in self.state.nat_gateways.values():
            addresses.append((nat.vpc_id, nat.private_ip, self.n.nat_gateways[nat.nat_gateway_id].region))
        routers = {vpc_id: router.name for vpc_id, router in self.routers.items()}
        return dns_plan(self.n.vpcs, self.dns_attributes, routers, addresses, instances)

    # ------------------------------------------------------------------ helpers

    def _subnet_router(self, subnet: Subnet) -> tuple[NamespacePlan, str, int]:
        router = self.routers[subnet.vpc_id]
        k = self.subnet_index[subnet.subnet_id]
        return router, bridge_name(k), k

    def _attach(self, subnet: Subnet, namespace: str, ifname: str, eni_id: str) -> None:
        """A veth from the subnet's bridge (in the router) into ``namespace`` as ``ifname``.

        The bridge's end is named after a slot of the ENI (probed in the order ENIs attach:
        instances by id, then NAT gateways), so that it keeps its name while others come and go.
        """
        router, bridge, k = self._subnet_router(subnet)
        taken = self.ports_taken.setdefault(subnet.subnet_id, set())
        if len(taken) >= PORT_SLOTS:
            raise LabError(f"{subnet.subnet_id}: more than {PORT_SLOTS} interfaces for the lab")
        j = _hash_slot("port", eni_id, PORT_SLOTS)
        while j in taken:
            j = (j + 1) % PORT_SLOTS
        taken.add(j)
        port = port_name(k, j)
        router.create.append(f"link add {port} type veth peer name {ifname} netns {namespace}")
        router.configure.append(f"link set {port} master {bridge}")
        router.configure.append(f"link set {port} up")

    @staticmethod
    def _gateway(subnet: Subnet) -> str:
        return router_address(subnet.cidr_block)

    def _attached_igw(self, vpc_id: str) -> str | None:
        igw = self.n.internet_gateway_of_vpc(vpc_id)
        return igw.internet_gateway_id if igw is not None else None

    # ------------------------------------------------------------------ routers

    def _router(self, vpc: Vpc) -> None:
        name = namespace_name(self.lab, vpc.vpc_id)
        router = NamespacePlan(
            name=name, role="router", component=vpc.vpc_id, sysctls=sysctls(forwarding=True, router=True)
        )
        router.configure.append("link set lo up")
        record = VpcRecord(
            vpc_id=vpc.vpc_id,
            namespace=name,
            name=vpc.name,
            cidr_blocks=list(vpc.cidr_blocks),
            internet_gateway_id=self._attached_igw(vpc.vpc_id),
        )
        for subnet in self.subnets_of[vpc.vpc_id]:
            k = self.subnet_index[subnet.subnet_id]
            bridge = bridge_name(k)
            net = ipaddress.IPv4Network(subnet.cidr_block)
            # its own address: never its ports' (see ``bridge_address``)
            router.create.append(f"link add {bridge} address {bridge_address(k)} type bridge")
            router.configure.append(f"link set {bridge} up")
            router.configure.append(f"addr add {self._gateway(subnet)}/{net.prefixlen} dev {bridge}")
            record.subnets[subnet.subnet_id] = bridge
        if self._resolver_on(vpc.vpc_id):
            # The VPC's resolver (dnsmasq, :mod:`.dns`) answers on these addresses.
            bridges = {s.cidr_block: record.subnets[s.subnet_id] for s in self.subnets_of[vpc.vpc_id]}
            first, link_local = resolver_addresses(vpc)
            router.configure.append(f"addr add {first}/32 dev {resolver_device(vpc, bridges)}")
            router.configure.append(f"addr add {link_local}/32 dev lo")
        if record.internet_gateway_id is not None:
            _, inside = link_addresses("igw", self.vpc_index[vpc.vpc_id])
            router.create.append(
                f"link add {IGW_LEG} type veth peer name {internet_leg_name(self.vpc_index[vpc.vpc_id])} "
                f"netns {self.internet.name}"
            )
            router.configure.append(f"addr add {inside}/30 dev {IGW_LEG}")
            router.configure.append(f"link set {IGW_LEG} up")
        self.routers[vpc.vpc_id] = router
        self.state.vpcs[vpc.vpc_id] = record

    def _peering_links(self) -> None:
        realised = [
            pcx
            for pcx in sorted(
                self.n.vpc_peering_connections.values(), key=lambda p: p.vpc_peering_connection_id
            )
            if pcx.status == "active"
            and pcx.requester.vpc_id != pcx.accepter.vpc_id
            and pcx.requester.vpc_id in self.routers
            and pcx.accepter.vpc_id in self.routers
        ]
        slots = stable_slots("pcx", (p.vpc_peering_connection_id for p in realised), PEERING_SLOTS)
        for pcx in realised:
            a, b = pcx.requester.vpc_id, pcx.accepter.vpc_id
            index = slots[pcx.vpc_peering_connection_id]
            leg = peering_name(index)
            first, second = link_addresses("pcx", index)
            self.routers[a].create.append(
                f"link add {leg} type veth peer name {leg} netns {self.routers[b].name}"
            )
            self.routers[a].configure += [f"addr add {first}/30 dev {leg}", f"link set {leg} up"]
            self.routers[b].configure += [f"addr add {second}/30 dev {leg}", f"link set {leg} up"]
            self.peerings.append(
                _Peering(pcx.vpc_peering_connection_id, index, {a: (leg, second, b), b: (leg, first, a)})
            )

    def _peerings_of(self, vpc_id: str) -> list[tuple[str, str, str]]:
        """The VPC's realised peerings: (pcx id, its leg, the peer VPC's id)."""
        return [
            (pc.pcx_id, pc.legs[vpc_id][0], pc.legs[vpc_id][2]) for pc in self.peerings if vpc_id in pc.legs
        ]

    def _peering_legs(self, vpc_id: str) -> list[str]:
        """The VPC's peering legs, by name."""
        return sorted({leg for _, leg, _ in self._peerings_of(vpc_id)})

    def _peering_leg(self, pcx_id: str, vpc_id: str) -> tuple[str, str, str] | None:
        """The VPC's end of a realised peering: (its leg, the peer router's address, the peer
        VPC's id); None when the peering is not realised or does not join the VPC."""
        for peering in self.peerings:
            if peering.pcx_id == pcx_id and vpc_id in peering.legs:
                return peering.legs[vpc_id]
        return None

    def _subnet_slots(self, vpc_id: str) -> list[tuple[Subnet, str, int]]:
        """The VPC's subnets: (subnet, bridge, the router's kernel table of the subnet)."""
        slots: list[tuple[Subnet, str, int]] = []
        for subnet in self.subnets_of[vpc_id]:
            _, bridge, k = self._subnet_router(subnet)
            slots.append((subnet, bridge, SUBNET_TABLE_BASE + k))
        return slots

    def _winning_routes(self, table: RouteTable) -> list[Winning[ipaddress.IPv4Network]]:
        """One route per destination: static before prefix list before propagated (AWS's order)."""
        return winning_routes(self.n, table, ipaddress.IPv4Network, self.notes)

    def _target(self, route: Route, vpc_id: str, table_id: str, subnet: Subnet | None = None) -> str | None:
        """``via ... dev ...`` for a route's target in this VPC's router (the route table of
        ``subnet``), or None (blackhole)."""
        if route.state == "blackhole":
            return None
        eni_id = route.network_interface_id
        if eni_id is None and route.instance_id:
            instance = self.n.instances.get(route.instance_id)
            if instance is not None and len(instance.network_interface_ids) == 1:
                eni_id = instance.network_interface_ids[0]
        if eni_id is not None:
            eni = self.n.network_interfaces.get(eni_id)
            if eni is None or eni_id not in self.eni_place or eni.vpc_id != vpc_id:
                return None
            subnet = self.n.subnets[eni.subnet_id]
            _, bridge, _ = self._subnet_router(subnet)
            return f"via {eni.private_ip_address} dev {bridge} onlink"
        gateway = route.gateway_id or ""
        if gateway_collection(gateway) == "internet_gateways":
            if self._attached_igw(vpc_id) != gateway:
                return None
            outside, _ = link_addresses("igw", self.vpc_index[vpc_id])
            return f"via {outside} dev {IGW_LEG} onlink"
        if route.nat_gateway_id:
            nat = self.n.nat_gateways.get(route.nat_gateway_id)
            if nat is None or nat.nat_gateway_id not in self.state.nat_gateways or nat.vpc_id != vpc_id:
                return None
            _, bridge, _ = self._subnet_router(self.n.subnets[nat.subnet_id])
            return f"via {nat.private_ip} dev {bridge} onlink"
        if route.vpc_peering_connection_id:
            end = self._peering_leg(route.vpc_peering_connection_id, vpc_id)
            if end is None:
                return None
            leg, address, _ = end
            return f"via {address} dev {leg} onlink"
        if route.transit_gateway_id and route.transit_gateway_id in self.transit.described:
            return self.transit.target(route.transit_gateway_id, subnet)
        self.notes.append(
            f"{table_id}: route {route.destination} -> {route.target or '?'} leaves the modelled network; "
            "the lab drops its traffic"
        )
        return None

    def _subnets(self, vpc_id: str) -> list[tuple[ipaddress.IPv4Network, str]]:
        """The VPC's subnets: (block, bridge)."""
        return [
            (ipaddress.IPv4Network(s.cidr_block), self._subnet_router(s)[1]) for s in self.subnets_of[vpc_id]
        ]

    def _router_routing(self, vpc: Vpc) -> None:
        router = self.routers[vpc.vpc_id]
        subnets = self._subnets(vpc.vpc_id)
        lines = subnet_tables(
            self.n,
            self._subnet_slots(vpc.vpc_id),
            subnets,
            self._winning_routes,
            lambda table, subnet: partial(
                self._target, vpc_id=vpc.vpc_id, table_id=table.route_table_id, subnet=subnet
            ),
        )
        if self.state.vpcs[vpc.vpc_id].internet_gateway_id is not None:
            lines += edge_table([IGW_LEG], IGW_TABLE, subnets, vpc.cidr_blocks)
            lines += self._edge_routes(vpc)
        lines += edge_table(self._peering_legs(vpc.vpc_id), PEER_TABLE, subnets, vpc.cidr_blocks)
        router.configure.extend(lines)
        router.nft = self._router_nft(vpc)

    def _edge_routes(self, vpc: Vpc) -> list[str]:
        """A gateway route table associated with the internet gateway: its ENI routes steer
        incoming traffic to an appliance."""
        igw_id = self.state.vpcs[vpc.vpc_id].internet_gateway_id
        lines: list[str] = []
        for table in self.n.route_tables.values():
            if table.vpc_id != vpc.vpc_id or igw_id not in table.gateway_ids:
                continue
            for winner in self._winning_routes(table):
                if winner.route.network_interface_id and not is_local(winner.route):
                    target = self._target(winner.route, vpc.vpc_id, table.route_table_id)
                    if target is not None:
                        lines.append(f"route replace {winner.net} {target} table {IGW_TABLE}")
        return lines

    def _router_nft(self, vpc: Vpc) -> str:
        subnets = [(s, bridge_name(self.subnet_index[s.subnet_id])) for s in self.subnets_of[vpc.vpc_id]]
        forward, chains = router_forward(
            self.n, vpc, self._peerings_of(vpc.vpc_id), subnets, acl_extra=self.transit.acl_rules
        )
        local_in: list[str] = []
        local_out: list[str] = []
        if self._resolver_on(vpc.vpc_id):
            # The router originates nothing but its resolver's answers, to its own subnets.
            resolver = addresses(resolver_addresses(vpc))
            bridges = (
                "{ "
                + ", ".join(f'"{b}"' for b in sorted(self.state.vpcs[vpc.vpc_id].subnets.values()))
                + " }"
            )
            why = comment(f"{vpc.vpc_id}: the Amazon DNS server")
            if self.subnets_of[vpc.vpc_id]:
                local_in.append(
                    f"iifname {bridges} ip daddr {resolver} meta l4proto {{ tcp, udp }} th dport 53 accept {why}"
                )
            local_out.append(f"ip saddr {resolver} meta l4proto {{ tcp, udp }} th sport 53 accept {why}")
        return router_ruleset(forward, chains, local_out, input_rules=local_in if local_out else None)

    # ------------------------------------------------------------------ instances

    def _instance(self, instance: Instance) -> None:
        name = namespace_name(self.lab, instance.instance_id)
        enis: list[tuple[str, NetworkInterface, Subnet]] = []
        for position, eni_id in enumerate(instance.network_interface_ids):
            eni = self.n.network_interfaces.get(eni_id)
            if eni is None or eni.subnet_id not in self.n.subnets or eni.vpc_id not in self.routers:
                self.notes.append(
                    f"{instance.instance_id}: network interface {eni_id} is not in the network; left out"
                )
                continue
            if not eni.private_ip_addresses:
                continue
            enis.append((eni_ifname(position), eni, self.n.subnets[eni.subnet_id]))
        if not enis:
            self.notes.append(f"{instance.instance_id}: no network interface to realise; left out")
            return
        running = instance.state == "running"
        forwarding = any(not eni.source_dest_check for _, eni, _ in enis)
        plan = NamespacePlan(
            name=name, role="instance", component=instance.instance_id, sysctls=sysctls(forwarding=forwarding)
        )
        plan.configure.append("link set lo up")
        records: list[EniRecord] = []
        for position, (ifname, eni, subnet) in enumerate(enis):
            self._attach(subnet, name, ifname, eni.network_interface_id)
            self.eni_place[eni.network_interface_id] = (name, ifname)
            net = ipaddress.IPv4Network(subnet.cidr_block)
            gateway = self._gateway(subnet)
            addresses = sorted(eni.private_ip_addresses, key=lambda a: not a.primary)
            table = ENI_TABLE_BASE + position
            if running:
                # A stopped instance keeps its interfaces, down and without addresses: it
                # neither sends nor receives (not even to itself).
                for address in addresses:
                    plan.configure.append(
                        f"addr add {address.private_ip_address}/{net.prefixlen} dev {ifname}"
                    )
                for address in addresses:
                    plan.configure.append(
                        f"rule add pref 100 from {address.private_ip_address} iif lo lookup {table}"
                    )
                    # ... but what an ENI sends to its own addresses stays inside the instance.
                    plan.configure += [
                        f"rule add pref 90 from {address.private_ip_address} to {other.private_ip_address} "
                        "iif lo lookup local"
                        for other in addresses
                    ]
                plan.configure.append(f"rule add pref 200 iif {ifname} lookup {table}")
                plan.configure.append(f"link set {ifname} up")
                plan.configure.append(f"route add {net} dev {ifname} table {table}")
                plan.configure.append(f"route add default via {gateway} dev {ifname} table {table}")
                if position == 0:
                    plan.configure.append(f"route add default via {gateway} dev {ifname}")
            records.append(
                EniRecord(
                    network_interface_id=eni.network_interface_id,
                    interface=ifname,
                    subnet_id=subnet.subnet_id,
                    vpc_id=eni.vpc_id,
                    subnet_cidr=str(net),
                    router_address=gateway,
                    private_ips=[a.private_ip_address for a in addresses],
                    public_ips={a.private_ip_address: a.public_ip for a in addresses if a.public_ip},
                    source_dest_check=eni.source_dest_check,
                    groups=list(eni.groups),
                )
            )
        # Local addresses are looked up after each ENI's own table: a packet from one ENI to
        # another ENI of the same instance goes out through the VPC, as in AWS.
        plan.configure += ["rule add pref 150 lookup local", "rule del pref 0"]
        plan.nft = self._instance_nft(enis, forwarding) if running else stopped_ruleset()
        if running:
            self.balancers.target_extras(plan, [(i, e, self._gateway(s)) for i, e, s in enis])
        self.plans[name] = plan
        self.state.instances[instance.instance_id] = InstanceRecord(
            instance_id=instance.instance_id,
            namespace=name,
            name=instance.name,
            state=instance.state,
            enis=records,
            listen_ports=self._listen_ports([eni for _, eni, _ in enis]),
        )

    def _listen_ports(self, enis: list[NetworkInterface]) -> list[int]:
        ports = set(DEFAULT_LISTEN_PORTS)
        for eni in enis:
            for group_id in eni.groups:
                group = self.n.security_groups.get(group_id)
                for rule in group.ingress if group is not None else []:
                    try:
                        proto = protocol_number(rule.ip_protocol)
                    except ValueError:
                        continue
                    port = rule.from_port
                    if proto in (6, 17) and port is not None and port == rule.to_port and 0 < port <= 65535:
                        ports.add(port)
        if len(ports) > MAX_LISTEN_PORTS:
            ports = set(DEFAULT_LISTEN_PORTS) | set(
                sorted(ports - set(DEFAULT_LISTEN_PORTS))[: MAX_LISTEN_PORTS - 4]
            )
        return sorted(ports)

    def _instance_nft(self, enis: list[Eni], forwarding: bool) -> str:
        resolvers = sorted(
            {
                a
                for _, eni, _ in enis
                if self._resolver_on(eni.vpc_id)
                for a in resolver_addresses(self.n.vpcs[eni.vpc_id])
            },
            key=ip_int,
        )
        dns = f"ip daddr {addresses(resolvers)} meta l4proto {{ tcp, udp }} th dport 53 accept " + comment(
            "the Amazon DNS server: security groups do not filter it"
        )
        return instance_ruleset(
            self.n,
            enis,
            forwarding,
            input_extra=[
                line for ifname, eni, _ in enis for line in self.balancers.target_input_rules(eni, ifname)
            ],
            output_extra=[dns] if resolvers else [],
            nat_chain=self._nat_instance_chain,
        )

    def _nat_instance_chain(self, ifname: str, eni: NetworkInterface, subnet: Subnet) -> str | None:
        """A NAT instance masquerades what it forwards towards an internet gateway (the
        subnet's route table decides, longest prefix first): an ENI without the source/
        destination check and with a public address."""
        if eni.source_dest_check or not any(a.public_ip for a in eni.private_ip_addresses):
            return None
        table = self.n.route_table_of_subnet(subnet.subnet_id)
        if table is None:
            return None
        # A TCP connection first seen mid-stream (a reply whose request this instance never
        # forwarded) is not translated: the engine's rule, and a lone SYN-ACK's fate in Linux.
        body = ["tcp flags & (syn | ack) != syn return"]
        for winner in self._winning_routes(table):
            to_igw = gateway_collection(winner.route.gateway_id or "") == "internet_gateways"
            body.append(f"ip daddr {winner.net} {'masquerade' if to_igw else 'return'}")
        return chain(f"natinst_{ifname}", body)

    # ------------------------------------------------------------------ NAT gateways

    def _nat_gateway(self, nat: NatGateway) -> None:
        eni = self.n.network_interfaces.get(nat.network_interface_id or "")
        subnet = self.n.subnets.get(nat.subnet_id)
        if nat.state != "available" or eni is None or subnet is None or nat.vpc_id not in self.routers:
            if nat.state == "available":
                self.notes.append(f"{nat.nat_gateway_id}: its subnet or interface is missing; left out")
            return
        name = namespace_name(self.lab, nat.nat_gateway_id)
        plan = NamespacePlan(
            name=name, role="nat-gateway", component=nat.nat_gateway_id, sysctls=sysctls(forwarding=True)
        )
        self._attach(subnet, name, "eth0", eni.network_interface_id)
        self.eni_place[eni.network_interface_id] = (name, "eth0")
        net = ipaddress.IPv4Network(subnet.cidr_block)
        plan.configure += [
            "link set lo up",
            f"addr add {nat.private_ip}/{net.prefixlen} dev eth0",
            "link set eth0 up",
            f"route add default via {self._gateway(subnet)} dev eth0",
        ]
        vpc = self.n.vpcs[nat.vpc_id]
        # Its own VPC's sources, and those the VPC's transit gateways bring (centralised egress).
        own_vpc = nets([*vpc.cidr_blocks, *transit_sources(self.n, nat.vpc_id)])
        plan.nft = nft_table(
            [
                base_chain(
                    "forward",
                    "filter",
                    "forward",
                    "filter",
                    "drop",
                    [
                        "ct state established,related accept",
                        f'ct state new iifname "eth0" ip saddr {own_vpc} meta l4proto {{ tcp, udp, icmp }} accept '
                        + comment(f"{nat.nat_gateway_id}: TCP, UDP and ICMP from {nat.vpc_id} only"),
                    ],
                ),
                base_chain("input", "filter", "input", "filter", "drop", []),
                base_chain("output", "filter", "output", "filter", "drop", []),
                base_chain(
                    "postrouting",
                    "nat",
                    "postrouting",
                    "srcnat",
                    "accept",
                    [
                        f'oifname "eth0" meta l4proto {{ tcp, udp }} masquerade to :{NAT_GATEWAY_PORTS}',
                        'oifname "eth0" meta l4proto icmp masquerade',
                    ],
                ),
            ]
        )
        self.plans[name] = plan
        self.state.nat_gateways[nat.nat_gateway_id] = NatRecord(
            nat_gateway_id=nat.nat_gateway_id,
            namespace=name,
            subnet_id=subnet.subnet_id,
            vpc_id=nat.vpc_id,
            private_ip=nat.private_ip,
            public_ip=eni.public_ip or nat.public_ip,
        )

    # ------------------------------------------------------------------ the internet

    def _internet(self) -> None:
        plan = self.internet
        publics: set[str] = set()
        prerouting = ["notrack"]
        postrouting: list[str] = []
        routes: list[str] = []
        plan.configure.append("link set lo up")
        for vpc_id in self.vpc_ids:
            record = self.state.vpcs[vpc_id]
            if record.internet_gateway_id is None:
                continue
            v = self.vpc_index[vpc_id]
            leg = internet_leg_name(v)
            outside, inside = link_addresses("igw", v)
            plan.configure += [f"addr add {outside}/30 dev {leg}", f"link set {leg} up"]
            mapping: dict[str, str] = {}
            for eni_id in sorted(self.eni_place):
                eni = self.n.network_interfaces[eni_id]
                if eni.vpc_id != vpc_id:
                    continue
                for address in eni.private_ip_addresses:
                    if address.public_ip and address.public_ip not in publics:
                        publics.add(address.public_ip)
                        mapping[address.private_ip_address] = address.public_ip
                        routes.append(f"{address.public_ip}/32 via {inside} dev {leg}")
            igw = record.internet_gateway_id
            # AWS: RFC 1918 and RFC 6598; the others are not internet addresses either.
            not_internet = nets(str(n) for n in NOT_INTERNET)
            prerouting.append(
                f'iifname "{leg}" ip daddr {not_internet} drop '
                + comment(f"{igw}: no egress to addresses the internet does not route")
            )
            postrouting.append(
                f'oifname "{leg}" ip saddr {not_internet} drop '
                + comment(f"{igw}: no ingress from addresses the internet does not route")
            )
            if mapping:
                prerouting.append(
                    f'iifname "{leg}" ip saddr != {addresses(mapping)} drop '
                    + comment(f"{igw}: no public IPv4 for the source")
                )
                pairs = ", ".join(f"{k} : {mapping[k]}" for k in sorted(mapping, key=ip_int))
                prerouting.append(
                    f'iifname "{leg}" ip saddr set ip saddr map {{ {pairs} }} '
                    + comment(f"{igw}: one-to-one NAT")
                )
                back = ", ".join(f"{mapping[k]} : {k}" for k in sorted(mapping, key=ip_int))
                postrouting.append(
                    f'oifname "{leg}" ip daddr set ip daddr map {{ {back} }} '
                    + comment(f"{igw}: one-to-one NAT")
                )
            else:
                prerouting.append(f'iifname "{leg}" drop ' + comment(f"{igw}: no public IPv4 in {vpc_id}"))
        hosts: list[str] = []
        for host in [*DEFAULT_INTERNET_HOSTS, *self.extra_hosts]:
            if host in hosts or host in publics:
                continue
            if not _host_ok(host):
                raise LabError(f"internet host {host!r} is not a public IPv4 address")
            hosts.append(host)
            plan.configure.append(f"addr add {host}/32 dev lo")
        # A command run in the internet namespace without -s speaks from the first host.
        plan.configure += [f"route add {route} src {hosts[0]}" for route in routes]
        plan.nft = nft_table(
            [
                base_chain("prerouting", "filter", "prerouting", "raw", "accept", prerouting),
                base_chain("output_raw", "filter", "output", "raw", "accept", ["notrack"]),
                base_chain("postrouting", "filter", "postrouting", "filter", "accept", postrouting),
            ]
        )
        self.state.internet_hosts = hosts
        self.state.internet_ports = list(DEFAULT_LISTEN_PORTS)


def build_plan(
    network: Network,
    lab: str,
    *,
    internet_hosts: Iterable[str] = (),
    dns: Mapping[str, DnsAttributes] | None = None,
) -> LabPlan:
    """The kernel state that realises ``network`` as lab ``lab`` (nothing is created here).

    ``dns``: the VPCs' ``enableDnsSupport``/``enableDnsHostnames`` by VPC id (AWS's defaults
    for a VPC not given: :func:`.dns.default_attributes`).
    """
    return _Planner(network, lab, internet_hosts, dns).build()
