"""Rules compiled into indexed structures once per network version, so that a packet never
rescans the model: addresses as integers, longest-prefix match by prefix length, security
groups united per ENI, NACL entries sorted by rule number.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ..heap import quiet_gc
from ..model import (
    ManagedPrefixList,
    NatGateway,
    Network,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    protocol_number,
)
from ..model.addressing import (
    FULL_MASK,
    managed_interface,
    network_acls_of_subnets,
    prefix_length,
    route_tables_of_subnets,
    route_target_kind,
)

# Addresses as integers and the range predicates are re-exported: engine modules and analyses import them here.
from ..model.addressing import cidr_int as cidr_int
from ..model.addressing import ip_int as ip_int
from ..model.addressing import ip_str as ip_str
from ..model.addressing import is_internet_routable as is_internet_routable
from ..model.addressing import is_rfc1918_or_6598 as is_rfc1918_or_6598

if TYPE_CHECKING:
    from .elb_compiled import ElbIndex

ALL_PORTS = (0, 65535)


#: How a security-group rule names its peer: a CIDR, a group (its members' addresses), a
#: prefix list (its CIDRs), or something the input does not describe.
PEER_CIDR, PEER_MEMBERS, PEER_PREFIX_LIST, PEER_UNKNOWN = 0, 1, 2, 3

Block = tuple[int, int]
"""An IPv4 block as (network, mask)."""


class SgRule(NamedTuple):
    """A compiled security-group rule. Still a tuple (cheap to build and compare); read by name.

    Which remote addresses it matches is :func:`vpcsim.engine.filters.peer_matches`'s answer,
    from ``peer_kind``, ``blocks`` and ``members``.
    """

    protocol: int
    """The protocol number; -1 for every protocol."""
    lo: int
    """TCP/UDP: the first port. ICMP: the type (-1 any)."""
    hi: int
    """TCP/UDP: the last port. ICMP: the code (-1 any)."""
    peer_kind: int
    """:data:`PEER_CIDR`, :data:`PEER_MEMBERS`, :data:`PEER_PREFIX_LIST` or :data:`PEER_UNKNOWN`."""
    peer: str
    """The peer as the rule names it: a CIDR, a group id or a prefix-list id."""
    blocks: tuple[Block, ...]
    """The blocks a CIDR or prefix-list peer covers (empty otherwise)."""
    members: frozenset[int]
    """The addresses of the referenced group's members (empty for other peers, and for a
    reference AWS does not resolve: across an inter-region peering or to an unpeered VPC,
    :meth:`vpcsim.model.Network.group_reference_resolves`)."""
    group_id: str
    """The group the rule belongs to."""
    label: str
    """The rule's id, or ``sg-... ingress[i]`` when it has none."""

    @classmethod
    def from_anywhere(cls, protocol: int, lo: int, hi: int, label: str = "") -> SgRule:
        """A rule of no group whose peer is ``0.0.0.0/0``: analyses probe with it which traffic a
        protocol and port range match, peers aside."""
        return cls(protocol, lo, hi, PEER_CIDR, "0.0.0.0/0", ((0, 0),), frozenset(), "", label)


class AclEntry(NamedTuple):
    """A compiled network-ACL entry (IPv4), kept in rule-number order."""

    rule_number: int
    allow: bool
    protocol: int
    """The protocol number; -1 for every protocol."""
    net: int
    mask: int
    lo: int
    """TCP/UDP: the first destination port."""
    hi: int
    """TCP/UDP: the last destination port."""
    icmp_type: int
    """-1 for any."""
    icmp_code: int
    """-1 for any."""


@dataclass(slots=True)
class CompiledAcl:
    acl_id: str
    inbound: list[AclEntry]
    outbound: list[AclEntry]
    inbound6: list[AclEntry] = field(default_factory=list)
    """The IPv6 entries (``Ipv6CidrBlock``), ending with the IPv6 ``*`` rule 32768."""
    outbound6: list[AclEntry] = field(default_factory=list)


@dataclass(slots=True)
class CompiledRoute:
    route: Route
    destination: str
    net: int
    mask: int
    prefixlen: int
    priority: int
    """0 static, 1 prefix list, 2 propagated: lower wins for the same destination."""
    kind: str
    """``local``, ``igw``, ``nat``, ``eni``, ``pcx``, ``vgw``, ``tgw``, ``vpce``, ``eigw``, ``unknown``."""
    target: str
    blackhole: str | None
    """Why the route is a blackhole (None when active)."""


@dataclass(slots=True)
class CompiledRouteTable:
    route_table_id: str
    levels: list[tuple[int, dict[int, CompiledRoute]]]
    """(mask, {network: best route}) from the longest prefix to the shortest."""
    shadowed: dict[tuple[int, int], list[CompiledRoute]]
    """Routes for the same destination that lost on priority, for explanations."""
    levels6: list[tuple[int, dict[int, CompiledRoute]]] = field(default_factory=list)
    """The IPv6 routes, as ``levels``: an IPv6 packet is looked up here only, an IPv4 one never."""

    def lookup(self, ip: int) -> CompiledRoute | None:
        for mask, table in self.levels6 if ip > FULL_MASK else self.levels:
            route = table.get(ip & mask)
            if route is not None:
                return route
        return None

    def all_matching(self, ip: int) -> list[CompiledRoute]:
        levels = self.levels6 if ip > FULL_MASK else self.levels
        return [table[ip & mask] for mask, table in levels if (ip & mask) in table]


@dataclass(slots=True)
class CompiledSubnet:
    subnet: Subnet
    subnet_id: str
    vpc_id: str
    net: int
    mask: int
    route_table: CompiledRouteTable | None
    acl: CompiledAcl | None
    net6: int = -1
    """The subnet's IPv6 block (with :data:`~vpcsim.model.addressing.V6_FLAG`); -1 without one."""
    mask6: int = 0


@dataclass(slots=True)
class CompiledEni:
    eni: NetworkInterface
    eni_id: str
    subnet: CompiledSubnet
    vpc_id: str
    addresses: frozenset[int]
    public_of: dict[int, int]
    """private address -> public address."""
    ingress: list[SgRule]
    egress: list[SgRule]
    group_ids: tuple[str, ...]
    filtered: bool
    """False for requester-managed ENIs without groups (a NAT gateway's): no security group applies."""
    source_dest_check: bool
    running: bool
    instance_id: str | None
    nat_gateway: NatGateway | None
    placeholder_address: bool = False
    """Its private address is a stand-in (a Terraform plan's value known only after apply)."""
    managed: tuple[str, str] | None = None
    """(the service, how it answers) for an ENI AWS manages for a service, which is no host
    (:func:`vpcsim.model.addressing.managed_interface`); None for a host's ENI."""
    ingress6: list[SgRule] = field(default_factory=list)
    """The rules that judge IPv6 packets (IPv6 CIDRs, IPv6 prefix lists, group references
    matching the members' IPv6 addresses); ``ingress``/``egress`` judge IPv4 ones only."""
    egress6: list[SgRule] = field(default_factory=list)
    addresses6: frozenset[int] = frozenset()
    """Its IPv6 addresses (also in ``addresses``, which holds both families)."""
    prefixes6: tuple[tuple[int, int], ...] = ()
    """Its delegated IPv6 prefixes as (network, mask): addresses in them are its own too."""


@dataclass(slots=True)
class CompiledVpc:
    vpc_id: str
    blocks: list[tuple[int, int]]
    primary_base: int
    igw_id: str | None
    """The attached internet gateway."""
    edge_route_table: CompiledRouteTable | None
    """A gateway route table associated with the attached internet gateway."""
    blocks6: list[tuple[int, int]] = field(default_factory=list)
    """The IPv6 blocks."""
    eigw_ids: tuple[str, ...] = ()
    """The egress-only internet gateways attached to the VPC."""

    def contains(self, ip: int) -> bool:
        if ip > FULL_MASK:
            return any(ip & mask == net for net, mask in self.blocks6)
        return any(ip & mask == net for net, mask in self.blocks)


class PublicAddress(NamedTuple):
    """Where the internet gateway's one-to-one NAT sends a public address."""

    eni: CompiledEni
    private: int


@dataclass(slots=True)
class Compiled:
    network: Network
    version: int
    vpcs: dict[str, CompiledVpc] = field(default_factory=dict)
    subnets: dict[str, CompiledSubnet] = field(default_factory=dict)
    enis: dict[str, CompiledEni] = field(default_factory=dict)
    private: dict[str, dict[int, CompiledEni]] = field(default_factory=dict)
    """vpc id -> private address -> ENI."""
    public: dict[int, PublicAddress] = field(default_factory=dict)
    """public address -> the ENI and the private address it translates to."""
    unknown_ids: frozenset[str] = frozenset()
    load_balancers: ElbIndex | None = None
    """Load balancers by node ENI, built when a packet first reaches a node
    (:func:`vpcsim.engine.elb_compiled.elb_index`)."""
    global6: dict[int, CompiledEni] = field(default_factory=dict)
    """IPv6 address -> the ENI holding it, network-wide: IPv6 addresses are global unicast (no
    NAT), so the internet reaches an ENI at the address the ENI itself holds."""


#: The tag importers put on a resource whose address is a stand-in (``private_ip``, ``public_ip``...).
UNKNOWN_ADDRESS_TAG = "vpcsim:unknown_address"

_CACHE: weakref.WeakKeyDictionary[Network, Compiled] = weakref.WeakKeyDictionary()


def subnet_is_split(network: Network, subnet: CompiledSubnet) -> str | None:
    """A rule or route CIDR that covers part of ``subnet`` (so that which address an ENI gets there
    can change an answer), or None when every CIDR contains the subnet or misses it."""
    size = subnet.mask
    for cidr in _all_cidrs(network):
        net, mask, _ = cidr_int(cidr)
        if mask > size and net & size == subnet.net:
            return cidr
    return None


def _all_cidrs(network: Network) -> list[str]:
    cidrs: list[str] = []
    for group in network.security_groups.values():
        cidrs.extend(r.cidr_ipv4 for r in (*group.ingress, *group.egress) if r.cidr_ipv4)
    for acl in network.network_acls.values():
        cidrs.extend(e.cidr_block for e in acl.entries if e.cidr_block)
    for table in network.route_tables.values():
        cidrs.extend(r.destination_cidr_block for r in table.routes if r.destination_cidr_block)
    for prefix_list in network.prefix_lists.values():
        cidrs.extend(e.cidr for e in prefix_list.entries if ":" not in e.cidr)
    return cidrs


def compile_network(network: Network) -> Compiled:
    """The compiled form of ``network``, rebuilt only when the network changed."""
    cached = _CACHE.get(network)
    if cached is not None and cached.version == network.version:
        return cached
    with quiet_gc():  # a compiled form is hundreds of thousands of objects (vpcsim.heap)
        compiled = _Compiler(network).build()
    _CACHE[network] = compiled
    return compiled


def adopt_compiled(compiled: Compiled) -> None:
    """Take ``compiled`` (read back from vpcsim's on-disk cache) as its network's compiled form,
    so that :func:`compile_network` does not rebuild it while the network is unchanged."""
    _CACHE[compiled.network] = compiled


class _Compiler:
    def __init__(self, network: Network) -> None:
        self.n = network
        self.members: dict[str, list[int]] = {}
        self.sg_cache: dict[tuple[tuple[str, ...], bool], list[SgRule]] = {}
        self.group_cache: dict[tuple[str, bool], list[SgRule]] = {}
        self.prefix_cache: dict[str, tuple[Block, ...] | None] = {}
        self.members6: dict[str, list[int]] = {}
        self.prefix_cache6: dict[str, tuple[Block, ...] | None] = {}

    def build(self) -> Compiled:
        n = self.n
        out = Compiled(network=n, version=n.version, unknown_ids=frozenset(n.unknown_resources))
        for eni in n.network_interfaces.values():
            for group_id in eni.groups:
                self.members.setdefault(group_id, []).extend(
                    ip_int(p.private_ip_address) for p in eni.private_ip_addresses
                )
                self.members6.setdefault(group_id, []).extend(ip_int(a) for a in eni.ipv6_addresses)
        tables = {rt.route_table_id: self._route_table(rt) for rt in n.route_tables.values()}
        edge_rt: dict[str, str] = {}
        for rt in n.route_tables.values():
            for gateway_id in rt.gateway_ids:
                edge_rt[gateway_id] = rt.route_table_id
        acls = {acl.network_acl_id: self._acl(acl) for acl in n.network_acls.values()}
        table_of = route_tables_of_subnets(n.subnets.values(), n.route_tables.values())
        acl_of = network_acls_of_subnets(n.subnets.values(), n.network_acls.values())
        igw_of_vpc: dict[str, str] = {}
        for igw in n.internet_gateways.values():
            vpc_id = igw.attached_vpc_id
            if vpc_id:
                igw_of_vpc[vpc_id] = igw.internet_gateway_id
        for vpc in n.vpcs.values():
            blocks = [cidr_int(c)[:2] for c in vpc.cidr_blocks]
            igw_id = igw_of_vpc.get(vpc.vpc_id)
            edge = tables.get(edge_rt[igw_id]) if igw_id and igw_id in edge_rt else None
            primary_base, _ = blocks[0]  # the primary block comes first
            out.vpcs[vpc.vpc_id] = CompiledVpc(vpc.vpc_id, blocks, primary_base, igw_id, edge)
            self._vpc6(out.vpcs[vpc.vpc_id], vpc.ipv6_cidr_blocks)
        for subnet in n.subnets.values():
            net, mask, _ = cidr_int(subnet.cidr_block) if subnet.cidr_block else (-1, 0, 0)
            uses_rt = table_of[subnet.subnet_id]
            uses_acl = acl_of[subnet.subnet_id]
            out.subnets[subnet.subnet_id] = CompiledSubnet(
                subnet,
                subnet.subnet_id,
                subnet.vpc_id,
                net,
                mask,
                tables.get(uses_rt.route_table_id) if uses_rt is not None else None,
                acls.get(uses_acl.network_acl_id) if uses_acl is not None else None,
            )
            if subnet.ipv6_cidr_block:
                compiled_subnet = out.subnets[subnet.subnet_id]
                compiled_subnet.net6, compiled_subnet.mask6, _ = cidr_int(subnet.ipv6_cidr_block)
        nat_of_eni = {
            nat.network_interface_id: nat for nat in n.nat_gateways.values() if nat.network_interface_id
        }
        for eni in n.network_interfaces.values():
            subnet_c = out.subnets.get(eni.subnet_id)
            if subnet_c is None:
                continue
            instance = n.instance_of_eni(eni.network_interface_id)
            group_ids = tuple(eni.groups)
            filtered = bool(group_ids) or eni.interface_type == "interface"
            public_of = {
                ip_int(p.private_ip_address): ip_int(p.public_ip)
                for p in eni.private_ip_addresses
                if p.public_ip
            }
            compiled_eni = CompiledEni(
                eni=eni,
                eni_id=eni.network_interface_id,
                subnet=subnet_c,
                vpc_id=eni.vpc_id,
                addresses=frozenset(ip_int(p.private_ip_address) for p in eni.private_ip_addresses),
                public_of=public_of,
                ingress=self._sg_rules(group_ids, egress=False),
                egress=self._sg_rules(group_ids, egress=True),
                group_ids=group_ids,
                filtered=filtered,
                source_dest_check=eni.source_dest_check,
                running=instance is None or instance.state == "running",
                instance_id=instance.instance_id if instance else None,
                nat_gateway=nat_of_eni.get(eni.network_interface_id),
                placeholder_address="private_ip" in eni.tags.get(UNKNOWN_ADDRESS_TAG, ""),
                managed=managed_interface(eni.interface_type, eni.description),
            )
            out.enis[eni.network_interface_id] = compiled_eni
            if eni.ipv6_addresses or eni.ipv6_prefixes:
                self._eni6(out, compiled_eni)
            table = out.private.setdefault(eni.vpc_id, {})
            for address in compiled_eni.addresses:
                table[address] = compiled_eni
            for private, public in public_of.items():
                out.public[public] = PublicAddress(compiled_eni, private)
        return out

    # ---------------------------------------------------------------- security groups

    def _sg_rules(self, group_ids: tuple[str, ...], *, egress: bool) -> list[SgRule]:
        """An ENI's rules: its groups' rules one after another (one list per set of groups)."""
        key = (group_ids, egress)
        cached = self.sg_cache.get(key)
        if cached is not None:
            return cached
        rules: list[SgRule] = []
        for group_id in group_ids:
            rules.extend(self._group_rules(group_id, egress))
        self.sg_cache[key] = rules
        return rules

    def _group_rules(self, group_id: str, egress: bool) -> list[SgRule]:
        """One group's compiled rules in one direction, compiled once and shared by its ENIs."""
        key = (group_id, egress)
        cached = self.group_cache.get(key)
        if cached is not None:
            return cached
        rules: list[SgRule] = []
        group = self.n.security_groups.get(group_id)
        if group is not None:
            for index, rule in enumerate(group.egress if egress else group.ingress):
                compiled = self._sg_rule(group, rule, index, egress)
                if compiled is not None:
                    rules.append(compiled)
        self.group_cache[key] = rules
        return rules

    def _sg_rule(
        self, group: SecurityGroup, rule: SecurityGroupRule, index: int, egress: bool
    ) -> SgRule | None:
        proto = protocol_number(rule.ip_protocol)
        if proto == 58:
            return None  # ICMPv6: IPv4 flows never match
        if proto in (6, 17):
            lo = 0 if rule.from_port is None or rule.from_port == -1 else rule.from_port
            hi = 65535 if rule.to_port is None or rule.to_port == -1 else rule.to_port
        elif proto == 1:
            lo = -1 if rule.from_port is None else rule.from_port
            hi = -1 if rule.to_port is None else rule.to_port
        else:
            lo, hi = 0, 65535
        label = (
            rule.security_group_rule_id or f"{group.group_id} {'egress' if egress else 'ingress'}[{index}]"
        )
        none: frozenset[int] = frozenset()
        if rule.cidr_ipv4:
            net, mask, _ = cidr_int(rule.cidr_ipv4)
            return SgRule(
                proto, lo, hi, PEER_CIDR, rule.cidr_ipv4, ((net, mask),), none, group.group_id, label
            )
        if rule.referenced_group_id:
            ref = rule.referenced_group_id
            referenced = self.n.security_groups.get(ref)
            if referenced is not None:
                # A reference AWS cannot resolve (across an inter-region peering, to an unpeered
                # VPC) matches no address: the rule keeps its peer, with no members.
                members = (
                    frozenset(self.members.get(ref, ()))
                    if self.n.group_reference_resolves(group, referenced, egress=egress)
                    else frozenset()
                )
                return SgRule(proto, lo, hi, PEER_MEMBERS, ref, (), members, group.group_id, label)
            return SgRule(proto, lo, hi, PEER_UNKNOWN, ref, (), none, group.group_id, label)
        if rule.prefix_list_id:
            pl_id = rule.prefix_list_id
            nets = self._prefix_list(pl_id)
            if nets is None:
                return SgRule(proto, lo, hi, PEER_UNKNOWN, pl_id, (), none, group.group_id, label)
            return SgRule(proto, lo, hi, PEER_PREFIX_LIST, pl_id, nets, none, group.group_id, label)
        return None  # IPv6 CIDR: IPv4 flows never match

    def _prefix_list(self, prefix_list_id: str) -> tuple[Block, ...] | None:
        if prefix_list_id not in self.prefix_cache:
            pl: ManagedPrefixList | None = self.n.prefix_lists.get(prefix_list_id)
            if pl is None or (pl.aws_managed and not pl.entries):
                self.prefix_cache[prefix_list_id] = None
            else:
                self.prefix_cache[prefix_list_id] = tuple(
                    cidr_int(e.cidr)[:2] for e in pl.entries if ":" not in e.cidr
                )
        return self.prefix_cache[prefix_list_id]

    # ---------------------------------------------------------------- IPv6

    def _vpc6(self, vpc: CompiledVpc, blocks: list[str]) -> None:
        """A VPC's IPv6 blocks and its egress-only internet gateways."""
        vpc.blocks6 = [cidr_int(c)[:2] for c in blocks]
        vpc.eigw_ids = tuple(
            sorted(
                g.egress_only_internet_gateway_id
                for g in self.n.egress_only_internet_gateways.values()
                if g.vpc_id == vpc.vpc_id
            )
        )

    def _eni6(self, out: Compiled, eni: CompiledEni) -> None:
        """An ENI's IPv6 side: its addresses (its own, global: the internet reaches them as they
        are), its delegated prefixes and the rules that judge its IPv6 packets."""
        model = eni.eni
        eni.addresses6 = frozenset(ip_int(a) for a in model.ipv6_addresses)
        eni.addresses = eni.addresses | eni.addresses6
        eni.prefixes6 = tuple(cidr_int(p)[:2] for p in model.ipv6_prefixes)
        eni.ingress6 = self._sg_rules6(eni.group_ids, egress=False)
        eni.egress6 = self._sg_rules6(eni.group_ids, egress=True)
        for address in eni.addresses6:
            out.global6[address] = eni

    def _sg_rules6(self, group_ids: tuple[str, ...], *, egress: bool) -> list[SgRule]:
        key = (("ipv6", *group_ids), egress)
        cached = self.sg_cache.get(key)
        if cached is not None:
            return cached
        rules: list[SgRule] = []
        for group_id in group_ids:
            group = self.n.security_groups.get(group_id)
            if group is None:
                continue
            for index, rule in enumerate(group.egress if egress else group.ingress):
                compiled = self._sg_rule6(group, rule, index, egress)
                if compiled is not None:
                    rules.append(compiled)
        self.sg_cache[key] = rules
        return rules

    def _sg_rule6(
        self, group: SecurityGroup, rule: SecurityGroupRule, index: int, egress: bool
    ) -> SgRule | None:
        """A rule as it judges IPv6 packets: IPv6 CIDRs, the IPv6 entries of a prefix list, the
        IPv6 addresses of a referenced group's members; an IPv4 CIDR matches none. ICMP's and
        ICMPv6's port fields are type and code."""
        if rule.cidr_ipv4:
            return None
        proto = protocol_number(rule.ip_protocol)
        if proto in (6, 17):
            lo = 0 if rule.from_port is None or rule.from_port == -1 else rule.from_port
            hi = 65535 if rule.to_port is None or rule.to_port == -1 else rule.to_port
        elif proto in (1, 58):
            lo = -1 if rule.from_port is None else rule.from_port
            hi = -1 if rule.to_port is None else rule.to_port
        else:
            lo, hi = 0, 65535
        label = (
            rule.security_group_rule_id or f"{group.group_id} {'egress' if egress else 'ingress'}[{index}]"
        )
        none: frozenset[int] = frozenset()
        if rule.cidr_ipv6:
            net, mask, _ = cidr_int(rule.cidr_ipv6)
            return SgRule(
                proto, lo, hi, PEER_CIDR, rule.cidr_ipv6, ((net, mask),), none, group.group_id, label
            )
        if rule.referenced_group_id:
            ref = rule.referenced_group_id
            referenced = self.n.security_groups.get(ref)
            if referenced is None:
                return SgRule(proto, lo, hi, PEER_UNKNOWN, ref, (), none, group.group_id, label)
            members = (
                frozenset(self.members6.get(ref, ()))
                if self.n.group_reference_resolves(group, referenced, egress=egress)
                else frozenset()
            )
            return SgRule(proto, lo, hi, PEER_MEMBERS, ref, (), members, group.group_id, label)
        if rule.prefix_list_id:
            pl_id = rule.prefix_list_id
            nets = self._prefix_list6(pl_id)
            if nets is None:
                return SgRule(proto, lo, hi, PEER_UNKNOWN, pl_id, (), none, group.group_id, label)
            return SgRule(proto, lo, hi, PEER_PREFIX_LIST, pl_id, nets, none, group.group_id, label)
        return None

    def _prefix_list6(self, prefix_list_id: str) -> tuple[Block, ...] | None:
        """A prefix list's IPv6 blocks (None: the list is not described)."""
        if prefix_list_id not in self.prefix_cache6:
            pl: ManagedPrefixList | None = self.n.prefix_lists.get(prefix_list_id)
            if pl is None or (pl.aws_managed and not pl.entries):
                self.prefix_cache6[prefix_list_id] = None
            else:
                self.prefix_cache6[prefix_list_id] = tuple(
                    cidr_int(e.cidr)[:2] for e in pl.entries if ":" in e.cidr
                )
        return self.prefix_cache6[prefix_list_id]

    # ---------------------------------------------------------------- network ACLs

    def _acl(self, acl: NetworkAcl) -> CompiledAcl:
        inbound: list[AclEntry] = []
        outbound: list[AclEntry] = []
        has_star = {False: False, True: False}
        inbound6: list[AclEntry] = []
        outbound6: list[AclEntry] = []
        for entry in acl.entries:
            if entry.cidr_block is None:
                if entry.ipv6_cidr_block is not None:
                    (outbound6 if entry.egress else inbound6).append(_acl_entry(entry, entry.ipv6_cidr_block))
                continue
            proto = protocol_number(entry.protocol)
            net, mask, _ = cidr_int(entry.cidr_block)
            lo, hi = entry.port_range if entry.port_range is not None else ALL_PORTS
            itype, icode = entry.icmp_type_code if entry.icmp_type_code is not None else (-1, -1)
            compiled = AclEntry(
                entry.rule_number,
                entry.rule_action == "allow",
                proto,
                net,
                mask,
                lo,
                hi,
                itype,
                icode,
            )
            (outbound if entry.egress else inbound).append(compiled)
            if entry.rule_number == 32767:
                has_star[entry.egress] = True
        # The `*` rule is always there, even where a dump omits it.
        for egress, present in has_star.items():
            if not present:
                (outbound if egress else inbound).append(AclEntry(32767, False, -1, 0, 0, 0, 65535, -1, -1))
        inbound.sort(key=lambda e: e.rule_number)
        outbound.sort(key=lambda e: e.rule_number)
        return CompiledAcl(
            acl.network_acl_id, inbound, outbound, _with_star6(inbound6), _with_star6(outbound6)
        )

    # ---------------------------------------------------------------- route tables

    def _route_table(self, rt: RouteTable) -> CompiledRouteTable:
        entries: list[CompiledRoute] = []
        for route in rt.routes:
            kind, target = self._target(route)
            blackhole = self._blackhole_reason(route, kind, target, rt.vpc_id)
            if route.destination_prefix_list_id:
                nets = self._prefix_list(route.destination_prefix_list_id) or ()
                nets += self._prefix_list6(route.destination_prefix_list_id) or ()
                for net, mask in nets:
                    prefixlen = prefix_length(mask)
                    entries.append(
                        CompiledRoute(
                            route,
                            f"{route.destination_prefix_list_id} ({ip_str(net)}/{prefixlen})",
                            net,
                            mask,
                            prefixlen,
                            1,
                            kind,
                            target,
                            blackhole,
                        )
                    )
                continue
            destination = route.destination_cidr_block or route.destination_ipv6_cidr_block
            if not destination:
                continue
            net, mask, prefixlen = cidr_int(destination)
            priority = 2 if route.origin == "EnableVgwRoutePropagation" else 0
            entries.append(
                CompiledRoute(
                    route,
                    destination,
                    net,
                    mask,
                    prefixlen,
                    priority,
                    kind,
                    target,
                    blackhole,
                )
            )
        # Levels per (prefix length, family): IPv6 routes are looked up apart (``levels6``).
        by_len: dict[tuple[int, bool], dict[int, CompiledRoute]] = {}
        shadowed: dict[tuple[int, int], list[CompiledRoute]] = {}
        masks: dict[tuple[int, bool], int] = {}
        for entry in entries:
            length = (entry.prefixlen, entry.mask > FULL_MASK)
            level = by_len.setdefault(length, {})
            masks[length] = entry.mask
            current = level.get(entry.net)
            if current is None or entry.priority < current.priority:
                if current is not None:
                    shadowed.setdefault((entry.net, entry.prefixlen), []).append(current)
                level[entry.net] = entry
            else:
                shadowed.setdefault((entry.net, entry.prefixlen), []).append(entry)
        ordered = sorted(by_len, reverse=True)
        levels = [(masks[length], by_len[length]) for length in ordered if not length[1]]
        levels6 = [(masks[length], by_len[length]) for length in ordered if length[1]]
        return CompiledRouteTable(rt.route_table_id, levels, shadowed, levels6)

    def _target(self, route: Route) -> tuple[str, str]:
        n = self.n
        if route.gateway_id == "local":
            if route.network_interface_id:
                return "eni", route.network_interface_id
            return "local", "local"
        if route.network_interface_id:
            return "eni", route.network_interface_id
        if route.instance_id:
            instance = n.instances.get(route.instance_id)
            if instance is not None and len(instance.network_interface_ids) == 1:
                return "eni", instance.network_interface_ids[0]
            return "unknown", route.instance_id
        target = route.target
        found = route_target_kind(target)
        if found is None or found.kind in ("eni", "instance") or target in n.unknown_resources:
            return "unknown", target  # an ENI or instance is only a target in its own field
        return found.kind, target

    def _blackhole_reason(self, route: Route, kind: str, target: str, vpc_id: str) -> str | None:
        n = self.n
        if route.state == "blackhole":
            return f"the route's state is blackhole (target {target or 'gone'})"
        if kind == "igw":
            igw = n.internet_gateways.get(target)
            if igw is None:
                return f"internet gateway {target} does not exist"
            if igw.attached_vpc_id != vpc_id:
                return f"internet gateway {target} is not attached to {vpc_id}"
        elif kind == "nat":
            nat = n.nat_gateways.get(target)
            if nat is None:
                return f"NAT gateway {target} does not exist"
            if nat.state != "available":
                return f"NAT gateway {target} is {nat.state}"
        elif kind == "eni":
            eni = n.network_interfaces.get(target)
            if eni is None:
                return f"network interface {target} does not exist"
            instance = n.instance_of_eni(target)
            if instance is not None and instance.state != "running":
                return f"instance {instance.instance_id} behind {target} is {instance.state}"
        elif kind == "pcx":
            pcx = n.vpc_peering_connections.get(target)
            if pcx is None:
                return f"peering connection {target} does not exist"
            if pcx.status != "active":
                return f"peering connection {target} is {pcx.status}"
        elif kind == "vgw":
            vgw = n.vpn_gateways.get(target)
            if vgw is not None and vpc_id not in vgw.vpc_ids:
                return f"virtual private gateway {target} is not attached to {vpc_id}"
        elif kind == "eigw":
            return _eigw_blackhole(n, target, vpc_id)
        return None


def _eigw_blackhole(network: Network, target: str, vpc_id: str) -> str | None:
    """Why a route to an egress-only internet gateway is a blackhole (gone, or another VPC's)."""
    eigw = network.egress_only_internet_gateways.get(target)
    if eigw is None:
        return f"egress-only internet gateway {target} does not exist"
    if eigw.vpc_id != vpc_id:
        return f"egress-only internet gateway {target} is not attached to {vpc_id}"
    return None


def _acl_entry(entry: NetworkAclEntry, cidr: str) -> AclEntry:
    """One compiled entry (IPv6: ``Ipv6CidrBlock``; ICMPv6's type and code as ICMP's)."""
    net, mask, _ = cidr_int(cidr)
    lo, hi = entry.port_range if entry.port_range is not None else ALL_PORTS
    itype, icode = entry.icmp_type_code if entry.icmp_type_code is not None else (-1, -1)
    return AclEntry(
        entry.rule_number,
        entry.rule_action == "allow",
        protocol_number(entry.protocol),
        net,
        mask,
        lo,
        hi,
        itype,
        icode,
    )


STAR_RULE6 = 32768
"""The IPv6 ``*`` rule of every network ACL: it denies all IPv6 traffic the entries before it do
not decide."""
_ANY6_NET, _ANY6_MASK, _ = cidr_int("::/0")


def _with_star6(entries: list[AclEntry]) -> list[AclEntry]:
    """IPv6 entries in rule-number order, ending with the ``*`` rule 32768 (present even where a
    dump omits it)."""
    kept = sorted((e for e in entries if e.rule_number != STAR_RULE6), key=lambda e: e.rule_number)
    kept.append(AclEntry(STAR_RULE6, False, -1, _ANY6_NET, _ANY6_MASK, 0, 65535, -1, -1))
    return kept


def subnet_of_address(compiled: Compiled, vpc_id: str, ip: int) -> CompiledSubnet | None:
    v6 = ip > FULL_MASK
    for subnet in compiled.subnets.values():
        if subnet.vpc_id != vpc_id:
            continue
        if (ip & subnet.mask6 == subnet.net6) if v6 else (ip & subnet.mask == subnet.net):
            return subnet
    return None
