"""Networks with load balancers, built through the builder API, for the ELB tests.

``alb_estate``: VPC 10.0.0.0/16 with an attached internet gateway, two public subnets
(us-east-1a 10.0.0.0/24, us-east-1b 10.0.1.0/24) routed to it, two private subnets
(10.0.10.0/24 a, 10.0.11.0/24 b) with one web instance each; a load balancer in the public
subnets whose group allows tcp/80 from anywhere; web instances whose group allows tcp/8080 from
the load balancer's group; a target group on 8080 with both instances and a listener on 80.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vpcsim import Network
from vpcsim.model import Instance, SecurityGroup, Subnet, Vpc
from vpcsim.model.elb import LoadBalancer, TargetGroup

from .builders import ANYWHERE, security_group


@dataclass
class ElbEstate:
    net: Network
    vpc: Vpc
    public_a: Subnet
    public_b: Subnet
    private_a: Subnet
    private_b: Subnet
    lb_sg: SecurityGroup
    web_sg: SecurityGroup
    web_a: Instance
    web_b: Instance
    lb: LoadBalancer
    tg: TargetGroup

    def node(self, zone: str = "us-east-1a") -> str:
        """The node ENI of the load balancer in ``zone``."""
        for eni in self.net.network_interfaces.values():
            if eni.description.startswith("ELB ") and eni.availability_zone == zone:
                return eni.network_interface_id
        raise KeyError(zone)

    def node_public(self, zone: str = "us-east-1a") -> str:
        address = self.net.network_interfaces[self.node(zone)].public_ip
        assert address is not None
        return address

    def node_private(self, zone: str = "us-east-1a") -> str:
        return self.net.network_interfaces[self.node(zone)].private_ip_address

    def private_ip(self, instance: Instance) -> str:
        return self.net.primary_network_interface(instance.instance_id).private_ip_address


def alb_estate(
    *,
    load_balancer_type: Literal["application", "network", "classic"] = "application",
    scheme: Literal["internet-facing", "internal"] = "internet-facing",
    lb_groups: bool = True,
    web_ingress: list[dict[str, object]] | None = None,
    target_type: Literal["instance", "ip"] = "instance",
    protocol: str | None = None,
    preserve_client_ip: bool | None = None,
    cross_zone: bool | None = None,
    targets: Literal["both", "a", "b", "none"] = "both",
    seed: str = "elb",
) -> ElbEstate:
    net = Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16", name="elb-vpc")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, ANYWHERE, igw.internet_gateway_id)
    public_a = net.create_subnet(vpc, "10.0.0.0/24", availability_zone="us-east-1a", name="public-a")
    public_b = net.create_subnet(vpc, "10.0.1.0/24", availability_zone="us-east-1b", name="public-b")
    private_a = net.create_subnet(vpc, "10.0.10.0/24", availability_zone="us-east-1a", name="private-a")
    private_b = net.create_subnet(vpc, "10.0.11.0/24", availability_zone="us-east-1b", name="private-b")
    for subnet in (public_a, public_b):
        net.associate_route_table(public_rt, subnet)
    lb_sg = security_group(
        net,
        vpc,
        "lb-sg",
        ingress=[{"ip_protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_ipv4": ANYWHERE}],
    )
    if web_ingress is None:
        web_ingress = [
            {"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_id": lb_sg.group_id}
        ]
    web_sg = security_group(net, vpc, "web-sg", ingress=web_ingress)
    web_a = net.run_instance(private_a, name="web-a", groups=[web_sg])
    web_b = net.run_instance(private_b, name="web-b", groups=[web_sg])
    is_v2 = load_balancer_type != "classic"
    listener_protocol = protocol or ("HTTP" if load_balancer_type != "network" else "TCP")
    lb = net.create_load_balancer(
        "web-lb",
        [public_a, public_b],
        load_balancer_type=load_balancer_type,
        scheme=scheme,
        security_groups=[lb_sg] if lb_groups else [],
        cross_zone=cross_zone,
    )
    tg = net.create_target_group(
        "web-tg",
        vpc=vpc,
        protocol=listener_protocol,
        port=8080,
        target_type=target_type,
        preserve_client_ip=preserve_client_ip,
    )
    chosen = {"both": [web_a, web_b], "a": [web_a], "b": [web_b], "none": []}[targets]
    estate = ElbEstate(
        net, vpc, public_a, public_b, private_a, private_b, lb_sg, web_sg, web_a, web_b, lb, tg
    )
    if is_v2:
        ids = [i.instance_id if target_type == "instance" else estate.private_ip(i) for i in chosen]
        net.register_targets(tg, ids)
        net.create_listener(lb, port=80, protocol=listener_protocol, target_groups=[tg])
    else:
        net.register_instances_with_load_balancer(lb, chosen)
        net.create_listener(lb, port=80, protocol="HTTP", instance_port=8080, instance_protocol="HTTP")
    return estate
