"""Small networks for the tutorial's situations, built through the EC2-like builder API.

Each builder makes a fresh :class:`Network` (tests may change it freely) and returns a record of
the resources a test talks about, so that assertions name components by their real ids (a
blocker's component, a hop) instead of guessing them. Addresses are deterministic: the builder
gives each instance the lowest free address of its subnet (base + 4).

The helpers at the end turn a trace into plain tuples, so that a test can compare the whole
list of blockers at once and a failure shows every field that differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

from vpcsim import Network
from vpcsim.engine import Step, Trace
from vpcsim.model import (
    Instance,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)

ANYWHERE = "0.0.0.0/0"
#: A public host on the internet (the tutorial pings Google).
INTERNET_HOST = "8.8.8.8"
LINUX_PORTS = (32768, 60999)
WINDOWS_PORTS = (49152, 65535)
NAT_PORTS = (1024, 65535)

Firewall = Literal["open", "ssh", "none"]


# ---------------------------------------------------------------------------------- small helpers


def eni_of(net: Network, instance: Instance) -> NetworkInterface:
    """The instance's primary network interface (eth0)."""
    return net.primary_network_interface(instance.instance_id)


def private_ip(net: Network, instance: Instance) -> str:
    return eni_of(net, instance).private_ip_address


def public_ip(net: Network, instance: Instance) -> str:
    address = eni_of(net, instance).public_ip
    assert address is not None, f"{instance.instance_id} has no public IPv4"
    return address


class AclRule(NamedTuple):
    """One network ACL entry, as a test writes it: ``AclRule(100, "allow", "tcp", ports=(22, 22))``."""

    number: int
    action: Literal["allow", "deny"]
    protocol: str | int = "-1"
    cidr: str = ANYWHERE
    ports: tuple[int, int] | None = None
    icmp: tuple[int, int] | None = None


def custom_acl(
    net: Network,
    subnet: Subnet,
    *,
    inbound: Iterable[AclRule] = (),
    outbound: Iterable[AclRule] = (),
    name: str | None = None,
) -> NetworkAcl:
    """A new network ACL (denies everything but what the rules allow) associated with ``subnet``."""
    acl = net.create_network_acl(subnet.vpc_id, name=name)
    for egress, rules in ((False, inbound), (True, outbound)):
        for rule in rules:
            net.create_network_acl_entry(
                acl,
                rule.number,
                egress=egress,
                rule_action=rule.action,
                protocol=rule.protocol,
                cidr_block=rule.cidr,
                port_range=rule.ports,
                icmp_type_code=rule.icmp,
            )
    net.replace_network_acl_association(subnet, acl)
    return acl


def acl_of(net: Network, subnet: Subnet) -> NetworkAcl:
    acl = net.network_acl_of_subnet(subnet.subnet_id)
    assert acl is not None
    return acl


def replace_rules(net: Network, acl: NetworkAcl, *, egress: bool, rules: Iterable[AclRule]) -> None:
    """Replace one direction's numbered rules of an ACL (the ``*`` rule stays, as in AWS)."""
    for entry in [e for e in acl.entries if e.egress == egress and e.rule_number != 32767]:
        net.delete_network_acl_entry(acl, entry.rule_number, egress=egress)
    for rule in rules:
        net.create_network_acl_entry(
            acl,
            rule.number,
            egress=egress,
            rule_action=rule.action,
            protocol=rule.protocol,
            cidr_block=rule.cidr,
            port_range=rule.ports,
            icmp_type_code=rule.icmp,
        )


def security_group(
    net: Network,
    vpc: Vpc,
    name: str,
    *,
    ingress: Iterable[Mapping[str, object]] = (),
    egress: Iterable[Mapping[str, object]] | None = None,
) -> SecurityGroup:
    """A security group with exactly these rules; ``egress=None`` keeps AWS's default allow-all."""
    group = net.create_security_group(vpc, name, name=name)
    for rule in ingress:
        net.authorize_security_group_ingress(group, **rule)
    if egress is not None:
        net.revoke_security_group_egress(group)
        for rule in egress:
            net.authorize_security_group_egress(group, **rule)
    return group


# ---------------------------------------------------------------------------------- trace helpers


class B(NamedTuple):
    """A blocker reduced to what a test compares: code, component, path, direction, ports."""

    code: str
    component: str
    path: str
    direction: str | None = None
    ports: tuple[tuple[int, int], ...] | None = None


def blockers(trace: Trace) -> list[B]:
    return [B(b.code, b.component, b.path, b.direction, b.ports) for b in trace.blockers]


def hop_ids(trace: Trace, path: Literal["forward", "return"] = "forward") -> list[str]:
    hops = trace.forward if path == "forward" else trace.return_
    return [h.component for h in hops]


def steps(trace: Trace, kind: str, path: Literal["forward", "return"] = "forward") -> list[Step]:
    hops = trace.forward if path == "forward" else trace.return_
    return [s for h in hops for s in h.steps if s.kind == kind]


# ---------------------------------------------------------------------------------- the tutorial's VPC


@dataclass(frozen=True)
class TutorialVpc:
    """ "VPC and more": two public subnets in two AZs, an attached IGW, two instances."""

    net: Network
    vpc: Vpc
    igw: InternetGateway
    public_rt: RouteTable
    subnet_a: Subnet
    subnet_b: Subnet
    sg: SecurityGroup
    web1: Instance
    web2: Instance


def _vpc_and_more(
    seed: str, *, igw_route: bool = True, attach_igw: bool = True
) -> tuple[Network, Vpc, InternetGateway, RouteTable, Subnet, Subnet]:
    """The console's "VPC and more" with two public subnets: 10.0.0.0/16, public-a 10.0.0.0/20
    (us-east-1a) and public-b 10.0.16.0/20 (us-east-1b), both on a route table whose
    0.0.0.0/0 goes to the internet gateway."""
    net = Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16", name="tutorial-vpc")
    igw = net.create_internet_gateway(name="tutorial-igw")
    if attach_igw:
        net.attach_internet_gateway(igw, vpc)
    subnet_a = net.create_subnet(vpc, "10.0.0.0/20", availability_zone="us-east-1a", name="public-a")
    subnet_b = net.create_subnet(vpc, "10.0.16.0/20", availability_zone="us-east-1b", name="public-b")
    rt = net.create_route_table(vpc, name="public-rt")
    if igw_route:
        net.create_route(rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(rt, subnet_a)
    net.associate_route_table(rt, subnet_b)
    return net, vpc, igw, rt, subnet_a, subnet_b


def tutorial_vpc(
    *,
    public_ips: bool = True,
    igw_route: bool = True,
    attach_igw: bool = True,
    firewall: Firewall = "open",
) -> TutorialVpc:
    """ "VPC and more" with web-1 (10.0.0.4) in public-a and web-2 (10.0.16.4) in public-b.

    ``firewall``: ``open`` is the tutorial's "disabled" launch firewall (all inbound traffic from
    anywhere); ``ssh`` allows only tcp/22 from anywhere; ``none`` is a new group with no inbound
    rule. Outbound is AWS's default (all traffic) in every case.
    """
    net, vpc, igw, rt, subnet_a, subnet_b = _vpc_and_more(
        "tutorial", igw_route=igw_route, attach_igw=attach_igw
    )
    rules: dict[str, list[Mapping[str, object]]] = {
        "open": [{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}],
        "ssh": [{"ip_protocol": "tcp", "port": 22, "cidr_ipv4": ANYWHERE}],
        "none": [],
    }
    ingress = rules[firewall]
    sg = security_group(net, vpc, "launch-wizard-1", ingress=ingress)
    web1 = net.run_instance(subnet_a, name="web-1", groups=[sg], associate_public_ip_address=public_ips)
    web2 = net.run_instance(subnet_b, name="web-2", groups=[sg], associate_public_ip_address=public_ips)
    return TutorialVpc(net, vpc, igw, rt, subnet_a, subnet_b, sg, web1, web2)


# ---------------------------------------------------------------------------------- public + private


@dataclass(frozen=True)
class PublicPrivate:
    """A public subnet (bastion, NAT gateway) and a private one (app) routed through the NAT."""

    net: Network
    vpc: Vpc
    igw: InternetGateway
    public: Subnet
    private: Subnet
    public_rt: RouteTable
    private_rt: RouteTable
    nat: NatGateway
    bastion_sg: SecurityGroup
    app_sg: SecurityGroup
    bastion: Instance
    app: Instance


def public_private_vpc(*, nat_route: bool = True, app_public_ip: bool = False) -> PublicPrivate:
    """10.0.0.0/16: public 10.0.0.0/24 (0.0.0.0/0 -> igw; bastion 10.0.0.5, the NAT gateway takes
    10.0.0.4) and private 10.0.128.0/24 (0.0.0.0/0 -> NAT gateway; app 10.0.128.4).

    The bastion allows SSH from anywhere; the app allows SSH from members of the bastion's group.
    """
    net = Network(seed="public-private")
    vpc = net.create_vpc("10.0.0.0/16", name="pp-vpc")
    igw = net.create_internet_gateway(name="pp-igw")
    net.attach_internet_gateway(igw, vpc)
    public = net.create_subnet(vpc, "10.0.0.0/24", name="public")
    private = net.create_subnet(vpc, "10.0.128.0/24", name="private")
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(public, name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    if nat_route:
        net.create_route(private_rt, ANYWHERE, nat.nat_gateway_id)
    net.associate_route_table(private_rt, private)
    bastion_sg = security_group(
        net, vpc, "bastion-sg", ingress=[{"ip_protocol": "tcp", "port": 22, "cidr_ipv4": ANYWHERE}]
    )
    app_sg = security_group(
        net,
        vpc,
        "app-sg",
        ingress=[{"ip_protocol": "tcp", "port": 22, "referenced_group_id": bastion_sg.group_id}],
    )
    bastion = net.run_instance(public, name="bastion", groups=[bastion_sg], associate_public_ip_address=True)
    app = net.run_instance(private, name="app", groups=[app_sg], associate_public_ip_address=app_public_ip)
    return PublicPrivate(
        net, vpc, igw, public, private, public_rt, private_rt, nat, bastion_sg, app_sg, bastion, app
    )


# ---------------------------------------------------------------------------------- security groups


@dataclass(frozen=True)
class CommonScenario:
    """The tutorial's common scenario, and its second security group for a web server."""

    net: Network
    common: SecurityGroup
    web: SecurityGroup
    server: Instance
    """In public-a (10.0.0.4): the common group and the web group."""
    other: Instance
    """In public-b (10.0.16.4): the common group only."""


def common_scenario() -> CommonScenario:
    """``common``: inbound SSH from anywhere and all traffic from its own members; outbound all
    traffic to its own members only (so that members get replies, nothing else).
    ``web``: inbound and outbound tcp/80 and tcp/443 with anywhere."""
    net, vpc, _igw, _rt, subnet_a, subnet_b = _vpc_and_more("common")
    web_rules = [{"ip_protocol": "tcp", "port": p, "cidr_ipv4": ANYWHERE} for p in (80, 443)]
    common = net.create_security_group(vpc, "common", name="common")
    net.authorize_security_group_ingress(common, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    net.authorize_security_group_ingress(common, ip_protocol="-1", referenced_group_id=common.group_id)
    net.revoke_security_group_egress(common)
    net.authorize_security_group_egress(common, ip_protocol="-1", referenced_group_id=common.group_id)
    web = security_group(net, vpc, "web", ingress=web_rules, egress=web_rules)
    server = net.run_instance(subnet_a, name="server", groups=[common, web], associate_public_ip_address=True)
    other = net.run_instance(subnet_b, name="other", groups=[common], associate_public_ip_address=True)
    return CommonScenario(net, common, web, server, other)


# ---------------------------------------------------------------------------------- dual-homed


@dataclass(frozen=True)
class DualHomed:
    net: Network
    vpc: Vpc
    front: Subnet
    back: Subnet
    back_acl: NetworkAcl
    dual: Instance
    eth0: NetworkInterface
    eth1: NetworkInterface
    db: Instance


def dual_homed() -> DualHomed:
    """An instance with eth0 in a public front subnet (10.0.1.0/24, public IP) and eth1 in a
    back subnet (10.0.2.0/24, same AZ) whose network ACL denies everything; ``db`` lives in the
    back subnet. Every ENI's group allows all traffic from the VPC and SSH from anywhere."""
    net = Network(seed="dual")
    vpc = net.create_vpc("10.0.0.0/16", name="dual-vpc")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    front = net.create_subnet(vpc, "10.0.1.0/24", availability_zone="us-east-1a", name="front")
    back = net.create_subnet(vpc, "10.0.2.0/24", availability_zone="us-east-1a", name="back")
    rt = net.create_route_table(vpc, name="front-rt")
    net.create_route(rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(rt, front)
    back_acl = custom_acl(net, back, name="back-acl")
    sg = security_group(
        net,
        vpc,
        "dual-sg",
        ingress=[
            {"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"},
            {"ip_protocol": "tcp", "port": 22, "cidr_ipv4": ANYWHERE},
        ],
    )
    dual = net.run_instance(front, name="dual", groups=[sg], associate_public_ip_address=True)
    eth0 = eni_of(net, dual)
    eth1 = net.create_network_interface(back, groups=[sg], name="dual-eth1")
    net.attach_network_interface(eth1, dual, device_index=1)
    db = net.run_instance(back, name="db", groups=[sg])
    return DualHomed(net, vpc, front, back, back_acl, dual, eth0, eth1, db)


# ---------------------------------------------------------------------------------- two VPCs


@dataclass(frozen=True)
class TwoVpcs:
    net: Network
    vpc_a: Vpc
    vpc_b: Vpc
    rt_a: RouteTable
    rt_b: RouteTable
    pcx: VpcPeeringConnection | None
    a: Instance
    b: Instance


def two_vpcs(
    *, peering: bool = True, route_a: bool = True, route_b: bool = True, accept: bool = True
) -> TwoVpcs:
    """VPC A 10.0.0.0/16 (instance ``a`` 10.0.1.4) and VPC B 10.1.0.0/16 (instance ``b``
    10.1.1.4), each instance's group allowing all traffic from 10.0.0.0/8.

    ``peering`` creates a peering connection (``accept=False`` leaves it pending);
    ``route_a``/``route_b`` add the peer's block -> pcx to A's/B's main route table.
    """
    net = Network(seed="two-vpcs")
    vpc_a = net.create_vpc("10.0.0.0/16", name="vpc-a")
    vpc_b = net.create_vpc("10.1.0.0/16", name="vpc-b")
    subnet_a = net.create_subnet(vpc_a, "10.0.1.0/24", name="subnet-a")
    subnet_b = net.create_subnet(vpc_b, "10.1.1.0/24", name="subnet-b")
    rt_a = net.main_route_table(vpc_a.vpc_id)
    rt_b = net.main_route_table(vpc_b.vpc_id)
    assert rt_a is not None and rt_b is not None
    pcx = net.create_vpc_peering_connection(vpc_a, vpc_b, accept=accept) if peering else None
    if pcx is not None and route_a:
        net.create_route(rt_a, vpc_b.cidr_block, pcx.vpc_peering_connection_id)
    if pcx is not None and route_b:
        net.create_route(rt_b, vpc_a.cidr_block, pcx.vpc_peering_connection_id)
    rule = {"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/8"}
    sg_a = security_group(net, vpc_a, "sg-a", ingress=[rule])
    sg_b = security_group(net, vpc_b, "sg-b", ingress=[rule])
    a = net.run_instance(subnet_a, name="a", groups=[sg_a])
    b = net.run_instance(subnet_b, name="b", groups=[sg_b])
    return TwoVpcs(net, vpc_a, vpc_b, rt_a, rt_b, pcx, a, b)


# ---------------------------------------------------------------------------------- locked down


@dataclass(frozen=True)
class LockedDown:
    net: Network
    vpc: Vpc
    subnet: Subnet
    sg: SecurityGroup
    acl: NetworkAcl
    instance: Instance


def locked_down() -> LockedDown:
    """An instance in 10.0.1.0/24 of VPC 10.0.0.0/16 whose only security group has no rule at all
    and whose subnet's network ACL denies everything both ways."""
    net = Network(seed="locked")
    vpc = net.create_vpc("10.0.0.0/16", name="locked-vpc")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", name="locked")
    sg = security_group(net, vpc, "nothing", egress=[])
    acl = custom_acl(net, subnet, name="deny-all")
    instance = net.run_instance(subnet, name="locked-1", groups=[sg])
    return LockedDown(net, vpc, subnet, sg, acl, instance)


@dataclass(frozen=True)
class Appliance:
    net: Network
    firewall: Instance
    firewall_eni: NetworkInterface
    client: Instance
    server: Instance
    client_rt: RouteTable
    sg: SecurityGroup
    """The ends' group: all traffic from the VPC."""
    firewall_sg: SecurityGroup
    """The appliance's own group: all traffic from the VPC."""


def appliance_network(source_dest_check: bool) -> Appliance:
    """client (10.0.1.0/24) <-> firewall ENI (10.0.3.0/24) <-> server (10.0.2.0/24): each end's
    route table sends the other end's subnet to the firewall's ENI."""
    net = Network(seed="appliance")
    vpc = net.create_vpc("10.0.0.0/16")
    client_subnet = net.create_subnet(vpc, "10.0.1.0/24")
    server_subnet = net.create_subnet(vpc, "10.0.2.0/24")
    inspection = net.create_subnet(vpc, "10.0.3.0/24")
    sg = security_group(net, vpc, "vpc-all", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"}])
    firewall_sg = security_group(
        net, vpc, "firewall", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"}]
    )
    firewall = net.run_instance(
        inspection, name="firewall", groups=[firewall_sg], source_dest_check=source_dest_check
    )
    firewall_eni = eni_of(net, firewall)
    client_rt = net.create_route_table(vpc)
    net.create_route(client_rt, "10.0.2.0/24", firewall_eni.network_interface_id)
    net.associate_route_table(client_rt, client_subnet)
    server_rt = net.create_route_table(vpc)
    net.create_route(server_rt, "10.0.1.0/24", firewall_eni.network_interface_id)
    net.associate_route_table(server_rt, server_subnet)
    client = net.run_instance(client_subnet, name="client", groups=[sg])
    server = net.run_instance(server_subnet, name="server", groups=[sg])
    return Appliance(net, firewall, firewall_eni, client, server, client_rt, sg, firewall_sg)
