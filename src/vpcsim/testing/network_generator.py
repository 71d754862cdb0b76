"""Seeded generator of random, *valid* AWS VPC networks.

Why: property tests compare the engine with a symbolic analysis and with a Linux-kernel lab,
and benchmarks need estates of up to 50,000 ENIs. Both need networks that exercise every
feature the engine models (peering on one side only, blackhole routes, NACL port ranges that
half-cover the client ports, group references across a peering, Elastic IPs on secondary
addresses, dual-homed and stopped instances...) and that come back identical from one integer.
Flows over these networks come from :mod:`.flow_sampler`.

Determinism: everything is drawn from one ``random.Random(seed)`` and ids come from
``Network(seed=f"gen-{seed}")``, so the same seed and config give the same network, ids
included. Speed: private addresses come from one allocator per subnet
(:class:`vpcsim.model.addressing.SubnetAddresses`) and public ones from a counter;
``Network.next_private_ip``/``next_public_ip`` scan the whole network on every call and are
never used, and ENIs and instances are built directly and ``add``-ed.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field, fields
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from ..engine.flow import ICMP, TCP, UDP
from ..model import (
    Address,
    Instance,
    InternetGateway,
    ManagedPrefixList,
    ModelError,
    NatGateway,
    Network,
    NetworkAcl,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrivateIpAddress,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    Vpc,
)
from ..model.addressing import SubnetAddresses, gateway_collection, ip_str
from .ipv6_generator import add_ipv6

__all__ = [
    "INTERNET_CIDRS",
    "PRESETS",
    "GeneratorConfig",
    "generate_estate_sizes",
    "generate_network",
    "messy_config",
]

#: Outside ranges that rules, prefix lists and blackhole routes name (the hosts flows use fall in them:
#: :data:`vpcsim.testing.flow_sampler.INTERNET_HOSTS`).
INTERNET_CIDRS = (
    "198.51.100.0/24",
    "192.0.2.0/24",
    "8.8.8.0/24",
    "203.0.113.128/25",
    "52.94.0.0/16",
    "1.1.1.1/32",
)
#: Public addresses handed to ENIs, NAT gateways and Elastic IPs start here (an Amazon range,
#: disjoint from every internet host and range above).
PUBLIC_POOL_START = "3.0.0.10"

WELL_KNOWN_PORTS = (22, 25, 53, 80, 123, 443, 3306, 3389, 5432, 6379, 8080, 8443)
#: Port ranges of rules; several overlap the Linux client range 32768-60999 only in part.
PORT_RANGES: tuple[tuple[int, int], ...] = (
    (1024, 65535),
    (1024, 40000),
    (32768, 60999),
    (32768, 61000),
    (40000, 65535),
    (49152, 65535),
    (0, 1023),
    (1, 1024),
    (8000, 8100),
    (50000, 55000),
    (1024, 32767),
    (30000, 35000),
)
#: ICMP (type, code) of rules; -1 is any.
ICMP_TYPE_CODES: tuple[tuple[int, int], ...] = ((8, -1), (-1, -1), (3, 4), (0, -1), (8, 0), (11, -1))
#: Protocols other than TCP/UDP/ICMP: GRE, ESP, SCTP.
OTHER_PROTOCOLS = (47, 50, 132)
GROUP_ROLES = ("web", "app", "db", "bastion", "cache", "batch", "lb", "mgmt")
INSTANCE_TYPES = ("t3.micro", "t3.small", "m5.large", "c6i.xlarge")
_AZ_LETTERS = "abcdef"
#: Parents of the ``messy`` preset's random internet prefixes (disjoint from the public pool at 3.0.0.0).
_MESSY_PARENTS = ("52.0.0.0/8", "34.192.0.0/10", "198.51.100.0/24", "203.0.113.0/24", "8.8.0.0/16")


# ---------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Counts are exact; ratios are probabilities per resource.

    ``network_interfaces``, when set, is the exact total number of ENIs (instances' and NAT
    gateways'): instances are launched until it is reached and ``instances`` is ignored.
    ``security_groups`` counts custom groups (each VPC also has its ``default`` group); every
    custom group has exactly ``rules_per_group`` rules, inbound and outbound together.
    ``nacl_rules`` is the number of numbered rules per direction of each custom network ACL.
    """

    vpcs: int = 2
    subnets_per_vpc: int = 3
    instances: int = 8
    security_groups: int = 4
    rules_per_group: int = 4
    nacl_rules: int = 4
    peering: bool = True
    nat_gateways: bool = True
    public_ip_ratio: float = 0.5
    multi_eni_ratio: float = 0.1
    stopped_ratio: float = 0.05
    blackhole_routes: bool = True
    prefix_lists: bool = True
    one_sided_peering_routes: bool = True
    min_vpcs: int | None = None
    """When set, the number of VPCs is drawn from ``min_vpcs``..``vpcs``."""
    network_interfaces: int | None = None
    availability_zones: int = 3
    secondary_block_ratio: float = 0.4
    """Share of VPCs with a secondary IPv4 block (which then holds at least one subnet)."""
    pending_peering_ratio: float = 0.2
    """Share of peering connections left ``pending-acceptance`` (their routes are blackholes)."""
    elastic_ip_ratio: float = 0.35
    """Share of public addresses that are Elastic IPs rather than auto-assigned ones."""
    secondary_ip_ratio: float = 0.15
    """Share of ENIs with one or two secondary private addresses."""
    source_dest_check_disabled_ratio: float = 0.08
    no_egress_group_ratio: float = 0.25
    """Share of custom groups with no outbound rule at all."""
    appliance_routes: bool = True
    """Sometimes route an outside range to an ENI (source/destination check off) of the VPC."""
    prefix_list_routes: bool = True
    """Sometimes route a managed prefix list to an internet or NAT gateway."""
    # The knobs below are off by default (the presets above keep drawing the same networks); the
    # ``messy`` preset (:func:`messy_config`) turns them on to look like real accounts.
    inbound_rules: tuple[int, int] | None = None
    """When set, each custom group gets a random number of inbound rules in this range (and 0-3
    outbound ones) instead of ``rules_per_group`` in all."""
    random_port_range_ratio: float = 0.0
    """Share of TCP/UDP rules (and ACL entries) opening a random range of up to 2,000 ports; a
    tenth of those are wide instead (a random low port up to 65535)."""
    group_peer_ratio: float | None = None
    """When set, the share of rule peers that are groups (own, same VPC or a peered VPC's)."""
    prefix_list_peer_ratio: float | None = None
    """When set, the share of rule peers that are managed prefix lists."""
    random_cidr_ratio: float = 0.0
    """Share of CIDR peers that are random, overlapping internet prefixes (/8 to /32)."""
    private_acl_ratio: float | None = None
    """When set, each private subnet gets one of its VPC's 1-2 custom ACLs with this probability
    (public subnets keep the default one) instead of the default draw."""
    transit_gateway_ratio: float = 0.0
    """Probability that the network gets a transit gateway joining some of its VPCs (with
    randomly missing zones, associations and propagations, static, blackhole and prefix-list
    routes, appliance mode, sometimes a VPN attachment)."""
    transit_peering_ratio: float = 0.0
    """Probability that one of the VPCs a transit gateway would join is attached to a second
    gateway instead, peered with the first (static routes each way; now and then a side not
    associated, a route missing, a blackhole, the peering not accepted). Drawn from a stream of
    its own: networks without it are unchanged."""
    transit_subnet_acl_ratio: float = 0.0
    """Share of transit gateway attachment subnets given a custom network ACL of their own (random
    rules, as AWS advises a dedicated ACL for them), drawn from the peering's stream."""
    load_balancers: int = 0
    """Load balancers (ALB, NLB, Classic) in front of instances of their VPC, each with a
    listener and a target group (drawn last: networks without them are unchanged)."""
    ipv6_ratio: float = 0.0
    """Share of VPCs made dual-stack once the IPv4 network is built, from a random stream of
    their own (:mod:`vpcsim.testing.ipv6_generator`): IPv6 blocks, addresses, ``::/0`` routes to
    the internet gateway or an egress-only one, IPv6 rules. Custom groups then hold more than
    ``rules_per_group`` rules."""

    def __post_init__(self) -> None:
        for name in ("vpcs", "subnets_per_vpc", "availability_zones"):
            if getattr(self, name) < 1:
                raise ValueError(f"GeneratorConfig.{name} must be at least 1, not {getattr(self, name)}")
        for name in ("instances", "security_groups", "rules_per_group", "nacl_rules"):
            if getattr(self, name) < 0:
                raise ValueError(f"GeneratorConfig.{name} must not be negative, not {getattr(self, name)}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_ratio") and value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"GeneratorConfig.{f.name} must lie in 0..1, not {value}")
        if self.min_vpcs is not None and not 1 <= self.min_vpcs <= self.vpcs:
            raise ValueError(
                f"GeneratorConfig.min_vpcs must lie in 1..vpcs ({self.vpcs}), not {self.min_vpcs}"
            )
        if self.availability_zones > len(_AZ_LETTERS):
            raise ValueError(f"GeneratorConfig.availability_zones must be at most {len(_AZ_LETTERS)}")
        if self.nacl_rules > 32766:
            raise ValueError("GeneratorConfig.nacl_rules must be at most 32766 (rule numbers 1-32766)")
        if self.rules_per_group > 120:
            raise ValueError("GeneratorConfig.rules_per_group must be at most 120 (60 inbound + 60 outbound)")
        if self.inbound_rules is not None and not 0 <= self.inbound_rules[0] <= self.inbound_rules[1] <= 60:
            raise ValueError(
                f"GeneratorConfig.inbound_rules must be (lo, hi) with 0 <= lo <= hi <= 60, not {self.inbound_rules}"
            )
        for name in ("group_peer_ratio", "prefix_list_peer_ratio", "private_acl_ratio"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"GeneratorConfig.{name} must lie in 0..1, not {value}")
        if (self.group_peer_ratio or 0.0) + (self.prefix_list_peer_ratio or 0.0) > 1.0:
            raise ValueError("GeneratorConfig.group_peer_ratio + prefix_list_peer_ratio must be at most 1")
        if self.network_interfaces is not None and self.network_interfaces < 1:
            raise ValueError(
                f"GeneratorConfig.network_interfaces must be at least 1, not {self.network_interfaces}"
            )


PRESETS: dict[str, GeneratorConfig] = {
    # 2-3 VPCs: property tests and the Linux-kernel lab.
    "small": GeneratorConfig(
        vpcs=3, min_vpcs=2, subnets_per_vpc=3, instances=8, security_groups=5, rules_per_group=5, nacl_rules=4
    ),
    # 1,000 ENIs, 200 security groups of 20 rules.
    "bench": GeneratorConfig(
        vpcs=10,
        subnets_per_vpc=4,
        network_interfaces=1_000,
        security_groups=200,
        rules_per_group=20,
        nacl_rules=10,
    ),
    # 50,000 ENIs.
    "estate": GeneratorConfig(
        vpcs=50,
        subnets_per_vpc=8,
        network_interfaces=50_000,
        security_groups=2_000,
        rules_per_group=10,
        nacl_rules=20,
    ),
}


def messy_config(network_interfaces: int = 50_000) -> GeneratorConfig:
    """An estate whose rules look like real accounts', scaled by its ENI count (one VPC and 52
    custom groups per 1,000 ENIs: 2,600 groups at 50,000 ENIs).

    Groups have 3-30 inbound rules each (about 45,000 rules at 50,000 ENIs); a fifth of TCP/UDP
    rules open a random range of up to 2,000 ports (a tenth of those a wide one); a third of the
    peers are other groups, a tenth prefix lists, and some CIDRs are random overlapping internet
    prefixes; ENIs have 1-3 groups; 40% of private subnets have a custom network ACL.
    """
    vpcs = max(2, round(network_interfaces / 1_000))
    return GeneratorConfig(
        vpcs=vpcs,
        subnets_per_vpc=8,
        network_interfaces=network_interfaces,
        security_groups=max(vpcs, round(network_interfaces * 2_600 / 50_000)),
        rules_per_group=30,
        nacl_rules=20,
        inbound_rules=(3, 30),
        random_port_range_ratio=0.2,
        group_peer_ratio=1 / 3,
        prefix_list_peer_ratio=0.1,
        random_cidr_ratio=0.3,
        private_acl_ratio=0.4,
    )


#: ``small`` with a transit gateway joining its VPCs: property tests of transit paths.
PRESETS["transit-small"] = dataclasses.replace(
    PRESETS["small"], transit_gateway_ratio=1.0, transit_peering_ratio=0.4, transit_subnet_acl_ratio=0.5
)
PRESETS["messy"] = messy_config()
#: A messy network small enough for property tests (2-3 VPCs, a dozen instances).
#: The ``small`` preset with load balancers (property tests over ELB paths).
PRESETS["small-elb"] = dataclasses.replace(PRESETS["small"], load_balancers=3)
PRESETS["messy-small"] = dataclasses.replace(
    messy_config(2_000),
    vpcs=3,
    min_vpcs=2,
    subnets_per_vpc=3,
    network_interfaces=None,
    instances=12,
    security_groups=6,
    inbound_rules=(3, 12),
    nacl_rules=6,
)
#: ``small`` made dual-stack: most VPCs get IPv6 (property tests over both families).
PRESETS["dual-stack-small"] = dataclasses.replace(PRESETS["small"], ipv6_ratio=0.8)


# ---------------------------------------------------------------------------------------- addresses


class _SubnetPool:
    """Free private addresses of one subnet (AWS's five reserved ones are never handed out), and
    those handed out so far; spread at random while the subnet is more than half free."""

    __slots__ = ("addresses", "allocator", "subnet")

    def __init__(self, subnet: Subnet) -> None:
        self.subnet = subnet
        self.allocator = SubnetAddresses(subnet.cidr_block)
        self.addresses: list[str] = []

    @property
    def free(self) -> int:
        return self.allocator.free

    def take(self, rng: random.Random) -> str:
        ip = self.allocator.allocate(rng)
        if ip is None:
            raise _PoolFull(self.subnet.subnet_id)
        text = ip_str(ip)
        self.addresses.append(text)
        return text


class _PoolFull(ValueError):
    def __init__(self, subnet_id: str) -> None:
        super().__init__(f"GeneratorConfig: subnet {subnet_id} has no free address left; add subnets or VPCs")


class _PublicPool:
    """Public IPv4 addresses from 3.0.0.10 upward, skipping .0 and .255 for readability."""

    def __init__(self) -> None:
        self._next = int(IPv4Address(PUBLIC_POOL_START))

    def take(self) -> str:
        while True:
            ip = self._next
            self._next += 1
            if ip & 0xFF not in (0, 255):
                return str(IPv4Address(ip))


def _align_up(value: int, size: int) -> int:
    return (value + size - 1) // size * size


def _sub_cidr(rng: random.Random, cidr: str) -> str:
    """A random block strictly inside ``cidr`` (a /32 at most)."""
    net = IPv4Network(cidr)
    prefix = min(32, net.prefixlen + rng.randint(1, 3))
    size = 2 ** (32 - prefix)
    count = net.num_addresses // size
    start = int(net.network_address) + size * rng.randrange(count)
    return f"{IPv4Address(start)}/{prefix}"


# ---------------------------------------------------------------------------------------- builder


@dataclass
class _VpcPlan:
    index: int
    vpc: Vpc
    name: str
    azs: list[str]
    subnets: list[Subnet] = field(default_factory=list)
    public_subnets: list[Subnet] = field(default_factory=list)
    tables: list[RouteTable] = field(default_factory=list)
    """Main table first, then the custom ones."""
    igw: InternetGateway | None = None
    groups: list[SecurityGroup] = field(default_factory=list)
    default_group: SecurityGroup | None = None
    peers: list[_VpcPlan] = field(default_factory=list)
    """VPCs joined by an *active* peering connection."""
    enis: list[NetworkInterface] = field(default_factory=list)


class _Builder:
    """Builds one network, step by step, from one random stream."""

    def __init__(self, seed: int, config: GeneratorConfig) -> None:
        self.cfg = config
        self.seed = seed
        self.rng = random.Random(seed)
        self.net = Network(seed=f"gen-{seed}")
        self.public = _PublicPool()
        self.pools: dict[str, _SubnetPool] = {}
        self.plans: list[_VpcPlan] = []
        self.prefix_lists: list[ManagedPrefixList] = []
        self.destinations: dict[str, set[str]] = {}
        self.nat_enis = 0

    # ------------------------------------------------------------------ orchestration

    def build(self) -> Network:
        cfg, rng = self.cfg, self.rng
        count = rng.randint(cfg.min_vpcs, cfg.vpcs) if cfg.min_vpcs is not None else cfg.vpcs
        self._vpcs_and_subnets(count)
        if cfg.prefix_lists:
            self._prefix_lists()
        for plan in self.plans:
            self._routing(plan)
        if cfg.peering and len(self.plans) > 1:
            self._peering()
        self._security_groups()
        self._instances()
        for plan in self.plans:
            for group in plan.groups:
                self._group_rules(plan, group)
        for plan in self.plans:
            self._network_acls(plan)
        if cfg.appliance_routes:
            for plan in self.plans:
                self._appliance_route(plan)
        if cfg.transit_gateway_ratio and len(self.plans) > 1 and rng.random() < cfg.transit_gateway_ratio:
            self._transit_gateway()
        for index in range(cfg.load_balancers):
            self._load_balancer(index)
        if cfg.ipv6_ratio:
            add_ipv6(self.net, random.Random(f"ipv6-{self.seed}"), cfg.ipv6_ratio)
        self.net.touch()
        return self.net

    # ------------------------------------------------------------------ load balancers

    def _load_balancer(self, index: int) -> None:
        """A load balancer of a random type in 1-2 subnets of one VPC (distinct zones), with a
        listener on a well-known port forwarding to 1-3 of the VPC's instances (by id or by
        address), on the group's port or a target's own; groups, cross-zone and client IP
        preservation drawn too."""
        rng, net = self.rng, self.net
        plan = rng.choice(self.plans)
        instances = [
            i for i in net.instances.values() if i.vpc_id == plan.vpc.vpc_id and i.network_interface_ids
        ]
        by_zone: dict[str, Subnet] = {}
        for subnet in rng.sample(plan.subnets, len(plan.subnets)):
            if self.pools[subnet.subnet_id].free > 0:
                by_zone.setdefault(subnet.availability_zone, subnet)
        if not by_zone:
            return
        kind: Literal["application", "network", "classic"] = rng.choice(("application", "network", "classic"))
        chosen = list(by_zone.values())[: rng.randint(1, 2)]
        if kind == "application" and len(chosen) < 2:
            kind = "network"  # an ALB needs two zones
        facing = plan.igw is not None and rng.random() < 0.7
        if kind == "network" and rng.random() < 0.5:
            groups: list[SecurityGroup] = []
        else:
            candidates = plan.groups or ([plan.default_group] if plan.default_group else [])
            groups = rng.sample(candidates, min(len(candidates), rng.randint(1, 2)))
        nodes = {s.subnet_id: (self._take(s), self.public.take() if facing else None) for s in chosen}
        name = f"{plan.name}-lb{index}"
        lb = net.create_load_balancer(
            name,
            chosen,
            load_balancer_type=kind,
            scheme="internet-facing" if facing else "internal",
            security_groups=groups,
            cross_zone=rng.choice((None, True, False)) if kind != "application" else None,
            nodes=nodes,
        )
        port = rng.choice(WELL_KNOWN_PORTS)
        target_port = rng.choice((port, *WELL_KNOWN_PORTS[:4]))
        zones = {s.availability_zone for s in chosen}
        near = [i for i in instances if net.subnets[i.subnet_id].availability_zone in zones]
        pool = near if near and rng.random() < 0.8 else instances
        targets = rng.sample(pool, min(len(pool), rng.randint(1, 3))) if pool else []
        if rng.random() < 0.6:
            # Often a path that works: the load balancer's group admits the listener's port, the
            # targets' groups admit the target port from the load balancer (or from anywhere).
            proto = "udp" if kind == "network" and rng.random() < 0.2 else "tcp"
            if groups:
                net.authorize_security_group_ingress(
                    groups[0], ip_protocol=proto, from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0"
                )
            for instance in targets:
                eni = net.network_interfaces[instance.network_interface_ids[0]]
                for group_id in eni.groups[:1]:
                    peer = (
                        {"referenced_group_id": groups[0].group_id}
                        if groups and rng.random() < 0.5
                        else {"cidr_ipv4": "0.0.0.0/0"}
                    )
                    net.authorize_security_group_ingress(
                        group_id, ip_protocol=proto, from_port=target_port, to_port=target_port + 1, **peer
                    )
        if kind == "classic":
            net.create_listener(
                lb, port=port, protocol="TCP", instance_port=target_port, instance_protocol="TCP"
            )
            net.register_instances_with_load_balancer(lb, targets)
            return
        protocol = "HTTP" if kind == "application" else rng.choice(("TCP", "TCP", "UDP", "TCP_UDP"))
        by_ip = rng.random() < 0.4
        tg = net.create_target_group(
            f"{name}-tg",
            vpc=plan.vpc,
            protocol=protocol,
            port=target_port,
            target_type="ip" if by_ip else "instance",
            preserve_client_ip=rng.choice((None, True, False)) if kind == "network" else None,
        )
        for instance in targets:
            eni = net.network_interfaces[instance.network_interface_ids[0]]
            target = eni.private_ip_address if by_ip else instance.instance_id
            net.register_targets(tg, [(target, rng.choice((None, None, target_port + 1)))])
        net.create_listener(lb, port=port, protocol=protocol, target_groups=[tg])

    # ------------------------------------------------------------------ VPCs and subnets

    def _expected_enis(self) -> int:
        cfg = self.cfg
        if cfg.network_interfaces is not None:
            return cfg.network_interfaces
        return math.ceil(cfg.instances * (1 + cfg.multi_eni_ratio))

    def _vpcs_and_subnets(self, count: int) -> None:
        cfg, rng = self.cfg, self.rng
        n = cfg.subnets_per_vpc
        per_subnet = self._expected_enis() * (1 + 2 * cfg.secondary_ip_ratio) / (count * n) + 2
        need = math.ceil(4 * per_subnet + 8)
        slack_bits = math.ceil(math.log2(4 * n))
        s_hi = min(28, 32 - math.ceil(math.log2(need + 5)))
        s_lo = min(s_hi, max(s_hi - 3, 16 + slack_bits))
        p_max = min(24, s_lo - slack_bits)
        if p_max < 16:
            raise ValueError(
                f"GeneratorConfig: {n} subnets per VPC for about {self._expected_enis()} ENIs do not fit in a "
                "/16 VPC block; add VPCs or lower subnets_per_vpc"
            )
        pools: dict[str, list[IPv4Network]] = {
            "10": [IPv4Network(f"10.{i}.0.0/16") for i in range(256)],
            "172": [IPv4Network(f"172.{i}.0.0/16") for i in range(16, 32)],
            "192": [IPv4Network("192.168.0.0/16")],
            "100": [IPv4Network(f"100.{i}.0.0/16") for i in range(64, 128)],
        }
        for slots in pools.values():
            rng.shuffle(slots)

        def block_in(slot: IPv4Network, low: int) -> IPv4Network:
            prefix = rng.randint(low, p_max)
            size = 2 ** (32 - prefix)
            start = int(slot.network_address) + size * rng.randrange(2 ** (prefix - 16))
            return IPv4Network(f"{IPv4Address(start)}/{prefix}")

        for index in range(count):
            family = "10" if count > 10 else rng.choices(("10", "172", "192"), (0.55, 0.3, 0.15))[0]
            if not pools[family]:
                family = "10"
            primary = block_in(pools[family].pop(), 16)
            name = f"v{index}"
            vpc = self.net.create_vpc(str(primary), name=name)
            blocks = [primary]
            if rng.random() < cfg.secondary_block_ratio:
                second_family = family if family != "192" and rng.random() < 0.6 else "100"
                if pools[second_family]:
                    secondary = block_in(pools[second_family].pop(), max(16, p_max - 2))
                    self.net.associate_vpc_cidr_block(vpc, str(secondary))
                    blocks.append(secondary)
            zone_count = rng.randint(min(2, cfg.availability_zones, n), min(cfg.availability_zones, n))
            letters = rng.sample(_AZ_LETTERS[: cfg.availability_zones], zone_count)
            azs = [f"{self.net.region}{letter}" for letter in sorted(letters)]
            plan = _VpcPlan(index=index, vpc=vpc, name=name, azs=azs)
            plan.default_group = self.net.default_security_group(vpc.vpc_id)
            self.plans.append(plan)
            zones = azs + [rng.choice(azs) for _ in range(n - len(azs))]
            rng.shuffle(zones)
            prefixes = [rng.randint(s_lo, s_hi) for _ in range(n)]
            for k, cidr in enumerate(self._carve(blocks, prefixes)):
                subnet = self.net.create_subnet(
                    vpc, str(cidr), availability_zone=zones[k], name=f"{name}-s{k}"
                )
                plan.subnets.append(subnet)
                self.pools[subnet.subnet_id] = _SubnetPool(subnet)

    def _carve(self, blocks: list[IPv4Network], prefixes: list[int]) -> list[IPv4Network]:
        """Non-overlapping, aligned subnets, with random gaps; at least one in a secondary block."""
        rng = self.rng
        cursors = [int(b.network_address) for b in blocks]
        ends = [int(b.broadcast_address) + 1 for b in blocks]
        result: list[IPv4Network] = []
        in_secondary = False
        for k, prefix in enumerate(prefixes):
            size = 2 ** (32 - prefix)
            first = 0
            if len(blocks) > 1 and (
                rng.random() < 0.3 or (k == len(prefixes) - 1 and not in_secondary and k > 0)
            ):
                first = 1
            order = [first, *(i for i in range(len(blocks)) if i != first)]
            for gap in (rng.choice((0, 0, 1)), 0):
                placed = False
                for i in order:
                    start = _align_up(cursors[i], size) + gap * size
                    if start + size <= ends[i]:
                        cursors[i] = start + size
                        result.append(IPv4Network(f"{IPv4Address(start)}/{prefix}"))
                        in_secondary = in_secondary or i > 0
                        placed = True
                        break
                if placed:
                    break
            else:  # pragma: no cover - the sizing in _vpcs_and_subnets leaves room
                raise ValueError(f"no room for a /{prefix} subnet in {', '.join(map(str, blocks))}")
        return result

    def _take(self, subnet: Subnet) -> str:
        return self.pools[subnet.subnet_id].take(self.rng)

    # ------------------------------------------------------------------ prefix lists

    def _prefix_lists(self) -> None:
        rng = self.rng
        internal = [s.cidr_block for p in self.plans for s in p.subnets] + [
            p.vpc.cidr_block for p in self.plans
        ]
        for k in range(rng.randint(1, 3) if len(self.plans) <= 10 else 5):
            cidrs = set(rng.sample(INTERNET_CIDRS, rng.randint(1, 3)))
            if rng.random() < 0.5:
                cidrs.add(rng.choice(internal))
            entries = sorted(cidrs)
            self.prefix_lists.append(
                self.net.create_managed_prefix_list(f"gen-pl-{k}", entries, max_entries=len(entries) + 5)
            )

    # ------------------------------------------------------------------ routing

    def _route(self, table: RouteTable, destination: str, target: str, *, blackhole: bool = False) -> bool:
        taken = self.destinations.setdefault(table.route_table_id, {r.destination for r in table.routes})
        if destination in taken:
            return False
        route = self.net.create_route(table, destination, target)
        if blackhole:
            route.state = "blackhole"
        taken.add(route.destination)
        return True

    def _route_somewhere(self, plan: _VpcPlan, target: str, *, blackhole: bool) -> None:
        """A route to ``target`` in one table: the default route if free, else an outside range."""
        table = self.rng.choice(plan.tables)
        if self._route(table, "0.0.0.0/0", target, blackhole=blackhole):
            return
        for cidr in self.rng.sample(INTERNET_CIDRS, len(INTERNET_CIDRS)):
            if self._route(table, cidr, target, blackhole=blackhole):
                return

    def _nat_gateway(self, subnet: Subnet) -> NatGateway:
        eip = self.net.allocate_address(public_ip=self.public.take())
        nat = self.net.create_nat_gateway(subnet, allocation=eip, private_ip=self._take(subnet))
        self.nat_enis += 1
        return nat

    def _delete_nat_gateway(self, nat: NatGateway) -> None:
        """Delete as AWS does: the record stays (state ``deleted``), its ENI goes, its Elastic IP
        stays allocated but is disassociated."""
        self.net.delete_nat_gateway(nat)
        if nat.network_interface_id is not None:
            del self.net.network_interfaces[nat.network_interface_id]
            self.nat_enis -= 1
        if nat.allocation_id is not None:
            eip = self.net.addresses[nat.allocation_id]
            eip.association_id = eip.network_interface_id = eip.private_ip_address = None
        self.net.touch()

    def _routing(self, plan: _VpcPlan) -> None:
        cfg, rng, net = self.cfg, self.rng, self.net
        main = net.main_route_table(plan.vpc.vpc_id)
        assert main is not None
        plan.tables.append(main)
        if rng.random() < 0.85:
            plan.igw = net.create_internet_gateway(name=f"{plan.name}-igw")
            net.attach_internet_gateway(plan.igw, plan.vpc)
            n = len(plan.subnets)
            count = rng.randint(1, max(1, n // 2)) if n > 1 else int(rng.random() < 0.5)
            plan.public_subnets = rng.sample(plan.subnets, count)
        private = [s for s in plan.subnets if s not in plan.public_subnets]
        if plan.igw is not None and plan.public_subnets:
            if rng.random() < 0.2 and private:
                # The main table is the public one; private subnets get explicit tables below.
                self._route(main, "0.0.0.0/0", plan.igw.internet_gateway_id)
                public_table = main
            else:
                public_table = net.create_route_table(plan.vpc, name=f"{plan.name}-public")
                plan.tables.append(public_table)
                self._route(public_table, "0.0.0.0/0", plan.igw.internet_gateway_id)
                for subnet in plan.public_subnets:
                    net.associate_route_table(public_table, subnet)
        elif plan.igw is not None and rng.random() < 0.3:
            self._route(main, "0.0.0.0/0", plan.igw.internet_gateway_id)
        nats: dict[str, NatGateway] = {}
        if cfg.nat_gateways and plan.public_subnets and private and rng.random() < 0.8:
            for subnet in plan.public_subnets:
                if subnet.availability_zone not in nats and (not nats or rng.random() < 0.5):
                    nats[subnet.availability_zone] = self._nat_gateway(subnet)
        main_is_public = any(
            gateway_collection(r.gateway_id or "") == "internet_gateways" for r in main.routes
        )
        if private and (nats or main_is_public or rng.random() < 0.5):
            per_az = rng.random() < 0.5
            tables: dict[str, RouteTable] = {}
            for subnet in private:
                zone = subnet.availability_zone if per_az else "*"
                if zone not in tables:
                    table = net.create_route_table(
                        plan.vpc, name=f"{plan.name}-private-{zone.strip('*') or 'all'}"
                    )
                    plan.tables.append(table)
                    tables[zone] = table
                    if nats and rng.random() < 0.85:
                        nat = nats.get(subnet.availability_zone) or rng.choice(list(nats.values()))
                        self._route(table, "0.0.0.0/0", nat.nat_gateway_id)
                if main_is_public or rng.random() < 0.8:
                    net.associate_route_table(tables[zone], subnet)
        if cfg.blackhole_routes and rng.random() < 0.4:
            if rng.random() < 0.5:
                host = rng.choice(plan.public_subnets or plan.subnets)
                dead = self._nat_gateway(host)
                self._route_somewhere(plan, dead.nat_gateway_id, blackhole=True)
                self._delete_nat_gateway(dead)
            else:
                # An internet gateway that was detached after routes to it were made.
                old = net.create_internet_gateway(name=f"{plan.name}-old-igw")
                self._route_somewhere(plan, old.internet_gateway_id, blackhole=True)
        if cfg.prefix_list_routes and self.prefix_lists and rng.random() < 0.25:
            candidates = [
                (table, route.target)
                for table in plan.tables
                for route in table.routes
                if route.destination == "0.0.0.0/0" and route.state == "active"
            ]
            if candidates:
                table, target = rng.choice(candidates)
                self._route(table, rng.choice(self.prefix_lists).prefix_list_id, target)

    # ------------------------------------------------------------------ peering

    def _peering(self) -> None:
        cfg, rng, net = self.cfg, self.rng, self.net
        pairs = [(a, b) for i, a in enumerate(self.plans) for b in self.plans[i + 1 :]]
        if len(self.plans) > 6:
            pairs = rng.sample(pairs, min(len(pairs), 2 * len(self.plans)))
        for a, b in pairs:
            if rng.random() < 0.3:
                continue
            requester, accepter = (a, b) if rng.random() < 0.5 else (b, a)
            pending = rng.random() < cfg.pending_peering_ratio
            pcx = net.create_vpc_peering_connection(
                requester.vpc, accepter.vpc, accept=not pending, name=f"{requester.name}-{accepter.name}"
            )
            if not pending:
                a.peers.append(b)
                b.peers.append(a)
            sides = [(a, b), (b, a)]
            if cfg.one_sided_peering_routes and rng.random() < 0.3:
                sides = [rng.choice(sides)]
            for here, there in sides:
                roll = rng.random()
                if roll < 0.6:
                    destinations = [there.vpc.cidr_block]
                elif roll < 0.85:
                    destinations = [rng.choice(there.subnets).cidr_block]
                else:
                    destinations = list(there.vpc.cidr_blocks)
                tables = rng.sample(here.tables, rng.randint(1, len(here.tables)))
                for table in tables:
                    for destination in destinations:
                        # AWS accepts routes to a pending connection, in state blackhole.
                        self._route(table, destination, pcx.vpc_peering_connection_id, blackhole=pending)

    # ------------------------------------------------------------------ security groups

    def _security_groups(self) -> None:
        rng = self.rng
        total = self.cfg.security_groups
        owners = list(range(len(self.plans)))[:total]
        owners += [rng.randrange(len(self.plans)) for _ in range(total - len(owners))]
        owners.sort()
        for k, owner in enumerate(owners):
            plan = self.plans[owner]
            role = GROUP_ROLES[len(plan.groups) % len(GROUP_ROLES)]
            group = self.net.create_security_group(
                plan.vpc, f"{plan.name}-{role}-{k}", name=f"{plan.name}-{role}"
            )
            group.egress = []  # rules are drawn in _group_rules, after the ENIs exist
            plan.groups.append(group)

    def _sg_peer(self, plan: _VpcPlan, group: SecurityGroup, rule: SecurityGroupRule) -> None:
        """Give ``rule`` its peer: its own group, another group (maybe a peered VPC's), a prefix
        list or a CIDR."""
        rng = self.rng
        if self.cfg.group_peer_ratio is not None or self.cfg.prefix_list_peer_ratio is not None:
            self._sg_peer_messy(plan, group, rule)
            return
        roll = rng.random()
        if roll < 0.1:
            rule.referenced_group_id = group.group_id
            return
        if roll < 0.22 and len(plan.groups) > 1:
            rule.referenced_group_id = rng.choice([g for g in plan.groups if g is not group]).group_id
            return
        if roll < 0.3 and plan.peers:
            peer = rng.choice(plan.peers)
            groups = peer.groups or ([peer.default_group] if peer.default_group else [])
            if groups:
                rule.referenced_group_id = rng.choice(groups).group_id
                return
        if roll < 0.4 and self.prefix_lists:
            rule.prefix_list_id = rng.choice(self.prefix_lists).prefix_list_id
            return
        rule.cidr_ipv4 = self._cidr(plan)

    def _sg_peer_messy(self, plan: _VpcPlan, group: SecurityGroup, rule: SecurityGroupRule) -> None:
        """The ``messy`` peers: groups, prefix lists and CIDRs in the configured shares."""
        rng, cfg = self.rng, self.cfg
        roll = rng.random()
        groups_share = cfg.group_peer_ratio or 0.0
        if roll < groups_share:
            where = rng.random()
            if where < 0.25 or len(plan.groups) < 2:
                rule.referenced_group_id = group.group_id
            elif where < 0.8 or not plan.peers:
                rule.referenced_group_id = rng.choice([g for g in plan.groups if g is not group]).group_id
            else:
                peer = rng.choice(plan.peers)
                groups = peer.groups or ([peer.default_group] if peer.default_group else [group])
                rule.referenced_group_id = rng.choice(groups).group_id
            return
        if roll < groups_share + (cfg.prefix_list_peer_ratio or 0.0) and self.prefix_lists:
            rule.prefix_list_id = rng.choice(self.prefix_lists).prefix_list_id
            return
        rule.cidr_ipv4 = self._cidr(plan)

    def _random_prefix(self) -> str:
        """A random internet prefix inside one of a few parents, so that they overlap."""
        rng = self.rng
        parent = IPv4Network(rng.choice(_MESSY_PARENTS))
        length = rng.randint(parent.prefixlen, 32)
        offset = rng.randrange(parent.num_addresses) >> (32 - length) << (32 - length)
        return f"{IPv4Address(int(parent.network_address) + offset)}/{length}"

    def _port_range(self) -> tuple[int, int] | None:
        """A random range of up to 2,000 ports (a tenth: wide), when the messy draw says so."""
        rng = self.rng
        if self.cfg.random_port_range_ratio <= 0.0 or rng.random() >= self.cfg.random_port_range_ratio:
            return None
        if rng.random() < 0.1:
            return rng.randint(0, 30000), 65535
        lo = rng.randint(1, 65535)
        return lo, min(65535, lo + rng.randint(0, 1999))

    def _cidr(self, plan: _VpcPlan) -> str:
        """A remote CIDR for a rule: anywhere, a VPC, a subnet, part of a subnet, a host, the internet."""
        rng = self.rng
        if self.cfg.random_cidr_ratio > 0.0 and rng.random() < self.cfg.random_cidr_ratio:
            return self._random_prefix()
        roll = rng.random()
        if roll < 0.35:
            return "0.0.0.0/0"
        if roll < 0.45:
            return rng.choice(plan.vpc.cidr_blocks)
        if roll < 0.6:
            return rng.choice(plan.subnets).cidr_block
        if roll < 0.72:
            return _sub_cidr(rng, rng.choice(plan.subnets).cidr_block)
        if roll < 0.8:
            pool = self.pools[rng.choice(plan.subnets).subnet_id]
            if pool.addresses:
                return f"{rng.choice(pool.addresses)}/32"
        if roll < 0.88:
            return rng.choice(rng.choice(self.plans).vpc.cidr_blocks)
        return rng.choice(INTERNET_CIDRS)

    def _sg_rule(self, plan: _VpcPlan, group: SecurityGroup) -> SecurityGroupRule:
        rng = self.rng
        roll = rng.random()
        if roll < 0.65:
            rule = SecurityGroupRule(ip_protocol="tcp" if roll < 0.5 else "udp")
            drawn = self._port_range()
            if drawn is not None:
                rule.from_port, rule.to_port = drawn
            elif rng.random() < 0.55:
                rule.from_port = rule.to_port = rng.choice(WELL_KNOWN_PORTS)
            else:
                rule.from_port, rule.to_port = rng.choice(PORT_RANGES)
        elif roll < 0.8:
            rule = SecurityGroupRule(ip_protocol="icmp")
            rule.from_port, rule.to_port = rng.choice(ICMP_TYPE_CODES)
        elif roll < 0.95:
            rule = SecurityGroupRule(ip_protocol="-1")
        else:
            rule = SecurityGroupRule(ip_protocol=str(rng.choice(OTHER_PROTOCOLS)))
        self._sg_peer(plan, group, rule)
        return rule

    def _group_rules(self, plan: _VpcPlan, group: SecurityGroup) -> None:
        cfg, rng = self.cfg, self.rng
        n = cfg.rules_per_group
        if cfg.inbound_rules is not None:
            egress_count = 0 if rng.random() < cfg.no_egress_group_ratio else rng.randint(1, 3)
            n = egress_count + rng.randint(*cfg.inbound_rules)
        if n == 0:
            return
        if cfg.inbound_rules is None:
            egress_count = 0 if rng.random() < cfg.no_egress_group_ratio else rng.randint(1, max(1, n // 3))
        seen: set[tuple[object, ...]] = set()

        def key(r: SecurityGroupRule, egress: bool) -> tuple[object, ...]:
            return (egress, r.ip_protocol, r.from_port, r.to_port, r.peer)

        for k in range(n):
            egress = k < egress_count
            if egress and k == 0 and rng.random() < 0.6:
                rule = SecurityGroupRule(ip_protocol="-1", cidr_ipv4="0.0.0.0/0")
            else:
                rule = self._sg_rule(plan, group)
            tries = 0
            while key(rule, egress) in seen:
                tries += 1
                rule = self._sg_rule(plan, group)
                if tries > 20:
                    port = rng.randint(1, 65535)
                    rule = SecurityGroupRule(
                        ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0"
                    )
            seen.add(key(rule, egress))
            rule.security_group_rule_id = self.net.new_id("sgr")
            (group.egress if egress else group.ingress).append(rule)

    # ------------------------------------------------------------------ instances and ENIs

    def _instances(self) -> None:
        cfg, rng = self.cfg, self.rng
        if cfg.network_interfaces is not None:
            remaining = cfg.network_interfaces - self.nat_enis
            if remaining < 1:
                raise ValueError(
                    f"GeneratorConfig.network_interfaces ({cfg.network_interfaces}) leaves no ENI for instances "
                    f"after {self.nat_enis} NAT gateway ENIs; raise it"
                )
            instances = None
        else:
            remaining, instances = -1, cfg.instances
        count = 0
        while (instances is not None and count < instances) or (instances is None and remaining > 0):
            plan = rng.choice(self.plans)
            made = self._instance(plan, count, allow_multi=instances is not None or remaining >= 2)
            count += 1
            remaining -= made

    def _free_subnet(self, plan: _VpcPlan, preferred: Subnet) -> Subnet | None:
        if self.pools[preferred.subnet_id].free > 0:
            return preferred
        for subnet in plan.subnets:
            if self.pools[subnet.subnet_id].free > 0:
                return subnet
        return None

    def _eni(
        self, plan: _VpcPlan, subnet: Subnet, *, device_index: int, instance_id: str, public: bool
    ) -> NetworkInterface:
        cfg, rng = self.cfg, self.rng
        pool = self.pools[subnet.subnet_id]
        addresses = [PrivateIpAddress(private_ip_address=pool.take(rng), primary=True)]
        if rng.random() < cfg.secondary_ip_ratio:
            for _ in range(min(rng.randint(1, 2), pool.free)):
                addresses.append(PrivateIpAddress(private_ip_address=pool.take(rng)))
        if plan.groups:
            groups = rng.sample(plan.groups, rng.randint(1, min(3, len(plan.groups))))
            if plan.default_group is not None and rng.random() < 0.15:
                groups.append(plan.default_group)
        else:
            groups = [plan.default_group] if plan.default_group is not None else []
        eni = NetworkInterface(
            network_interface_id=self.net.new_id(NetworkInterface),
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            private_ip_addresses=addresses,
            groups=[g.group_id for g in groups],
            source_dest_check=rng.random() >= cfg.source_dest_check_disabled_ratio,
            attachment=NetworkInterfaceAttachment(instance_id=instance_id, device_index=device_index),
            description="Primary network interface" if device_index == 0 else "",
            availability_zone=subnet.availability_zone,
            status="in-use",
            region=subnet.region,
            owner_id=subnet.owner_id,
        )
        if public:
            if rng.random() < cfg.elastic_ip_ratio:
                self._elastic_ip(eni, addresses[0], instance_id)
            else:
                addresses[0].public_ip = self.public.take()
        for address in addresses[1:]:
            if rng.random() < cfg.public_ip_ratio * cfg.elastic_ip_ratio:
                self._elastic_ip(eni, address, instance_id)
        self.net.add(eni)
        plan.enis.append(eni)
        return eni

    def _elastic_ip(self, eni: NetworkInterface, address: PrivateIpAddress, instance_id: str) -> None:
        eip = self.net.add(
            Address(
                allocation_id=self.net.new_id(Address),
                public_ip=self.public.take(),
                association_id=self.net.new_id("eipassoc"),
                network_interface_id=eni.network_interface_id,
                private_ip_address=address.private_ip_address,
                instance_id=instance_id,
                region=eni.region,
                owner_id=eni.owner_id,
            )
        )
        address.public_ip = eip.public_ip
        address.allocation_id = eip.allocation_id

    def _instance(self, plan: _VpcPlan, number: int, *, allow_multi: bool) -> int:
        """Launch one instance; returns how many ENIs it got (0 when its VPC is full)."""
        cfg, rng = self.cfg, self.rng
        subnet = self._free_subnet(plan, rng.choice(plan.subnets))
        if subnet is None:
            for other in self.plans:
                subnet = self._free_subnet(other, other.subnets[0])
                if subnet is not None:
                    plan = other
                    break
            else:
                raise ValueError("GeneratorConfig: every subnet is full; add VPCs or subnets_per_vpc")
        instance_id = self.net.new_id(Instance)
        second: Subnet | None = None
        if allow_multi and rng.random() < cfg.multi_eni_ratio:
            same_zone = [
                s
                for s in plan.subnets
                if s.availability_zone == subnet.availability_zone and self.pools[s.subnet_id].free > 0
            ]
            others = [s for s in same_zone if s is not subnet]
            if others:
                second = rng.choice(others)
            elif same_zone and self.pools[subnet.subnet_id].free > 1:
                second = subnet
        public = rng.random() < cfg.public_ip_ratio
        # AWS auto-assigns a public IPv4 only at a single-ENI launch; dual-homed ones get Elastic IPs.
        primary = self._eni(
            plan, subnet, device_index=0, instance_id=instance_id, public=public and second is None
        )
        enis = [primary]
        if second is not None:
            enis.append(self._eni(plan, second, device_index=1, instance_id=instance_id, public=False))
            for eni in enis:
                if public and rng.random() < 0.6:
                    self._elastic_ip(eni, eni.private_ip_addresses[0], instance_id)
        instance = Instance(
            instance_id=instance_id,
            subnet_id=subnet.subnet_id,
            vpc_id=subnet.vpc_id,
            network_interface_ids=[e.network_interface_id for e in enis],
            instance_type=rng.choice(INSTANCE_TYPES),
            region=subnet.region,
            owner_id=subnet.owner_id,
            tags={"Name": f"{plan.name}-host{number}"},
        )
        if rng.random() < cfg.stopped_ratio:
            instance.state = "stopped"
            for eni in enis:
                for address in eni.private_ip_addresses:
                    if address.public_ip and not address.allocation_id:
                        address.public_ip = None  # a stop releases an auto-assigned public IPv4
        self.net.add(instance)
        return len(enis)

    # ------------------------------------------------------------------ network ACLs

    def _network_acls(self, plan: _VpcPlan) -> None:
        rng = self.rng
        if self.cfg.private_acl_ratio is not None:
            self._private_acls(plan, self.cfg.private_acl_ratio)
            return
        for k in range(rng.choice((0, 1, 1, 2))):
            acl = self.net.create_network_acl(plan.vpc, name=f"{plan.name}-acl{k}")
            for egress in (False, True):
                self._acl_entries(plan, acl, egress=egress)
            acl.entries.sort(key=lambda e: (e.egress, e.rule_number))
            for subnet in rng.sample(plan.subnets, rng.randint(1, len(plan.subnets))):
                self.net.replace_network_acl_association(subnet, acl)

    def _private_acls(self, plan: _VpcPlan, ratio: float) -> None:
        """One or two custom ACLs, each private subnet using one of them with probability ``ratio``."""
        rng = self.rng
        private = [s for s in plan.subnets if s not in plan.public_subnets]
        chosen = [s for s in private if rng.random() < ratio]
        if not chosen:
            return
        acls = []
        for k in range(rng.randint(1, 2)):
            acl = self.net.create_network_acl(plan.vpc, name=f"{plan.name}-acl{k}")
            for egress in (False, True):
                self._acl_entries(plan, acl, egress=egress)
            acl.entries.sort(key=lambda e: (e.egress, e.rule_number))
            acls.append(acl)
        for subnet in chosen:
            self.net.replace_network_acl_association(subnet, rng.choice(acls))

    def _acl_entries(self, plan: _VpcPlan, acl: NetworkAcl, *, egress: bool) -> None:
        cfg, rng = self.cfg, self.rng
        n = cfg.nacl_rules
        if n == 0:
            return
        if rng.random() < 0.5 and n <= 300:
            numbers = sorted(100 * x for x in rng.sample(range(1, 328), n))
        else:
            numbers = sorted(rng.sample(range(1, 32767), n))
        broad_last = rng.random() < 0.75
        for k, number in enumerate(numbers):
            if broad_last and k == n - 1:
                self.net.create_network_acl_entry(acl, number, egress=egress, rule_action="allow")
                continue
            action: Literal["allow", "deny"] = "deny" if rng.random() < 0.3 else "allow"
            roll = rng.random()
            cidr = self._cidr(plan)
            if roll < 0.65:
                protocol = TCP if roll < 0.45 else UDP
                drawn = self._port_range()
                if drawn is not None:
                    port_range = drawn
                elif rng.random() < 0.35:
                    port = rng.choice(WELL_KNOWN_PORTS)
                    port_range = (port, port)
                else:
                    port_range = rng.choice(PORT_RANGES)
                self.net.create_network_acl_entry(
                    acl,
                    number,
                    egress=egress,
                    rule_action=action,
                    protocol=protocol,
                    cidr_block=cidr,
                    port_range=port_range,
                )
            elif roll < 0.8:
                self.net.create_network_acl_entry(
                    acl,
                    number,
                    egress=egress,
                    rule_action=action,
                    protocol=ICMP,
                    cidr_block=cidr,
                    icmp_type_code=rng.choice(ICMP_TYPE_CODES),
                )
            elif roll < 0.97:
                self.net.create_network_acl_entry(
                    acl, number, egress=egress, rule_action=action, cidr_block=cidr
                )
            else:
                self.net.create_network_acl_entry(
                    acl,
                    number,
                    egress=egress,
                    rule_action=action,
                    protocol=rng.choice(OTHER_PROTOCOLS),
                    cidr_block=cidr,
                )

    # ------------------------------------------------------------------ appliance routes

    def _transit_gateway(self) -> None:
        """A transit gateway after everything else (its ENIs take free addresses then): most VPCs
        attached through a subnet in some of their zones, routes to the others' blocks in some of
        their tables, and the default table disturbed now and then."""
        rng, net = self.rng, self.net
        tgw = net.create_transit_gateway(name="tgw")
        table = net.transit_gateway_route_tables[tgw.association_default_route_table_id or ""]
        peering_rng = random.Random(f"tgw-peering-{self.seed}")
        far: TransitGateway | None = None
        if self.cfg.transit_peering_ratio and peering_rng.random() < self.cfg.transit_peering_ratio:
            far = net.create_transit_gateway(name="tgw-peer")
        gateway_of: dict[int, TransitGateway] = {}
        attached: list[tuple[_VpcPlan, str]] = []
        for plan in self.plans:
            if rng.random() < 0.15 and attached:
                continue
            by_zone: dict[str, list[Subnet]] = {}
            for subnet in plan.subnets:
                by_zone.setdefault(subnet.availability_zone, []).append(subnet)
            zones = rng.sample(sorted(by_zone), rng.randint(1, len(by_zone)))
            chosen = [rng.choice(by_zone[z]) for z in zones]
            # The last VPC goes to the far gateway (when there is one and others are attached).
            gateway = far if far is not None and plan is self.plans[-1] and attached else tgw
            try:
                attachment = net.create_transit_gateway_vpc_attachment(
                    gateway, plan.vpc, chosen, appliance_mode_support=rng.random() < 0.2
                )
            except ModelError:  # a full subnet
                continue
            gateway_of[id(plan)] = gateway
            attached.append((plan, attachment.transit_gateway_attachment_id))
        for plan, _ in attached:
            others = [o for o, _ in attached if o is not plan]
            own = gateway_of[id(plan)].transit_gateway_id
            for table_ in plan.tables:
                if rng.random() < 0.2:
                    continue
                if rng.random() < 0.3:
                    self._route(table_, "10.0.0.0/8", own)
                for other in others:
                    if rng.random() < 0.9:
                        self._route(table_, other.vpc.cidr_block, own)
        if far is not None:
            attached = self._transit_peering(tgw, far, attached, gateway_of, peering_rng)
        if self.cfg.transit_subnet_acl_ratio:
            self._transit_subnet_acls(peering_rng)
        ids = [a for _, a in attached]
        if not ids:
            return
        roll = rng.random()
        if roll < 0.15:
            net.disable_transit_gateway_route_table_propagation(table, rng.choice(ids))
        elif roll < 0.25:
            net.disassociate_transit_gateway_route_table(table, rng.choice(ids))
        used: set[str] = set()
        if rng.random() < 0.3:
            plan, _ = rng.choice(attached)
            subnet = rng.choice(plan.subnets)
            net.create_transit_gateway_route(table, subnet.cidr_block, blackhole=True)
            used.add(subnet.cidr_block)
        if rng.random() < 0.3 and len(attached) > 1:
            (plan, _), (_, other_id) = rng.sample(attached, 2)
            destination = rng.choice(plan.subnets).cidr_block
            if destination not in used:
                net.create_transit_gateway_route(table, destination, other_id)
        if rng.random() < 0.2 and self.prefix_lists:
            net.create_transit_gateway_route(
                table, rng.choice(self.prefix_lists).prefix_list_id, rng.choice(ids)
            )
        if rng.random() < 0.15:
            vpn = net.create_transit_gateway_vpn_attachment(tgw, "vpn-0123456789abcdef0")
            net.disable_transit_gateway_route_table_propagation(table, vpn)
            net.create_transit_gateway_route(table, "192.0.2.0/24", vpn)

    def _transit_subnet_acls(self, rng: random.Random) -> None:
        """A custom ACL of random rules for some attachment subnets (drawn from ``rng``)."""
        main = self.rng
        self.rng = rng  # _acl_entries draws from self.rng
        try:
            for plan in self.plans:
                for attachment in self.net.transit_gateway_attachments.values():
                    if attachment.resource_type != "vpc" or attachment.resource_id != plan.vpc.vpc_id:
                        continue
                    for subnet_id in attachment.subnet_ids:
                        if rng.random() >= self.cfg.transit_subnet_acl_ratio:
                            continue
                        acl = self.net.create_network_acl(plan.vpc, name=f"{plan.name}-tgw-acl")
                        for egress in (False, True):
                            self._acl_entries(plan, acl, egress=egress)
                        acl.entries.sort(key=lambda e: (e.egress, e.rule_number))
                        self.net.replace_network_acl_association(self.net.subnets[subnet_id], acl)
        finally:
            self.rng = main

    def _transit_peering(
        self,
        tgw: TransitGateway,
        far: TransitGateway,
        attached: list[tuple[_VpcPlan, str]],
        gateway_of: dict[int, TransitGateway],
        rng: random.Random,
    ) -> list[tuple[_VpcPlan, str]]:
        """Peer ``far`` with ``tgw``: each side's default table associated with the peering and
        routing the other side's VPC blocks to it (static routes: AWS propagates none over a
        peering), each now and then left out. Returns ``tgw``'s own attachments."""
        net = self.net
        peering = net.create_transit_gateway_peering_attachment(tgw, far, accept=rng.random() > 0.1)
        near_table = net.transit_gateway_route_tables[tgw.association_default_route_table_id or ""]
        far_table = net.transit_gateway_route_tables[far.association_default_route_table_id or ""]
        near = [(p, a) for p, a in attached if gateway_of[id(p)] is tgw]
        beyond = [(p, a) for p, a in attached if gateway_of[id(p)] is far]
        for table, there in ((near_table, beyond), (far_table, near)):
            if rng.random() < 0.9:
                net.associate_transit_gateway_route_table(table, peering)
            for plan, _ in there:
                if rng.random() < 0.9:
                    net.create_transit_gateway_route(table, plan.vpc.cidr_block, peering)
        if near and rng.random() < 0.25:
            plan, _ = rng.choice(near)
            net.create_transit_gateway_route(far_table, rng.choice(plan.subnets).cidr_block, blackhole=True)
        return near

    def _appliance_route(self, plan: _VpcPlan) -> None:
        """Route an outside range to a running instance's ENI (a NAT-instance-like appliance)."""
        rng = self.rng
        if rng.random() >= 0.25:
            return
        candidates = [
            e
            for e in plan.enis
            if e.attachment is not None
            and self.net.instances[e.attachment.instance_id or ""].state == "running"
            and len(self.net.instances[e.attachment.instance_id or ""].network_interface_ids) == 1
        ]
        if not candidates:
            return
        appliance = rng.choice(candidates)
        appliance.source_dest_check = False
        table = rng.choice(plan.tables)
        for cidr in rng.sample(INTERNET_CIDRS, len(INTERNET_CIDRS)):
            if self._route(table, cidr, appliance.network_interface_id):
                return


def generate_network(seed: int, config: GeneratorConfig | None = None) -> Network:
    """A random valid network: the same ``seed`` and ``config`` always give the same network."""
    return _Builder(seed, config or GeneratorConfig()).build()


# ---------------------------------------------------------------------------------------- sizes


def generate_estate_sizes(network: Network) -> dict[str, int]:
    """How many of each resource a network holds (for benchmark printouts)."""
    enis = network.network_interfaces.values()
    addresses = [a for e in enis for a in e.private_ip_addresses]
    groups = network.security_groups.values()
    return {
        "vpcs": len(network.vpcs),
        "vpc_cidr_blocks": sum(len(v.cidr_blocks) for v in network.vpcs.values()),
        "subnets": len(network.subnets),
        "availability_zones": len({s.availability_zone for s in network.subnets.values()}),
        "route_tables": len(network.route_tables),
        "routes": sum(len(t.routes) for t in network.route_tables.values()),
        "internet_gateways": len(network.internet_gateways),
        "nat_gateways": len(network.nat_gateways),
        "vpc_peering_connections": len(network.vpc_peering_connections),
        "network_acls": len(network.network_acls),
        "network_acl_entries": sum(len(a.entries) for a in network.network_acls.values()),
        "security_groups": len(network.security_groups),
        "security_group_rules": sum(len(g.ingress) + len(g.egress) for g in groups),
        "prefix_lists": len(network.prefix_lists),
        "instances": len(network.instances),
        "network_interfaces": len(network.network_interfaces),
        "private_ip_addresses": len(addresses),
        "public_ip_addresses": sum(1 for a in addresses if a.public_ip),
        "elastic_ips": len(network.addresses),
    }
