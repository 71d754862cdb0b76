"""Networks with transit gateways, built through the builder API, for the engine's TGW tests."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.builders import ANYWHERE, security_group

from vpcsim import Network
from vpcsim.model import (
    Instance,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    Vpc,
)

ZONE_A, ZONE_B = "us-east-1a", "us-east-1b"


@dataclass
class Spoke:
    vpc: Vpc
    work: Subnet
    """Where the instance runs (zone a)."""
    tgw_subnet: Subnet
    """The attachment's subnet (zone a, a /28 as AWS advises)."""
    instance: Instance
    attachment: TransitGatewayAttachment


@dataclass
class Hub:
    net: Network
    tgw: TransitGateway
    table: TransitGatewayRouteTable
    """The default route table: every attachment associated and propagating."""
    a: Spoke
    b: Spoke
    c: Spoke


def spoke(net: Network, tgw: TransitGateway, name: str, octet: int) -> Spoke:
    vpc = net.create_vpc(f"10.{octet}.0.0/16", name=name)
    work = net.create_subnet(vpc, f"10.{octet}.1.0/24", availability_zone=ZONE_A, name=f"{name}-work")
    tgw_subnet = net.create_subnet(vpc, f"10.{octet}.0.0/28", availability_zone=ZONE_A, name=f"{name}-tgw")
    group = security_group(net, vpc, f"{name}-open", ingress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}])
    instance = net.run_instance(work, name=f"{name}-host", groups=[group])
    attachment = net.create_transit_gateway_vpc_attachment(tgw, vpc, [tgw_subnet], name=f"{name}-attach")
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    net.create_route(main, "10.0.0.0/8", tgw.transit_gateway_id)
    return Spoke(vpc, work, tgw_subnet, instance, attachment)


def hub() -> Hub:
    """Three VPCs (10.1/16, 10.2/16, 10.3/16) on one transit gateway with its default options:
    every attachment associated with and propagating into the default route table, every VPC's
    main table routing 10.0.0.0/8 to the gateway, every instance's group open inbound."""
    net = Network(seed="transit")
    tgw = net.create_transit_gateway(name="hub")
    a, b, c = (spoke(net, tgw, name, octet) for name, octet in (("a", 1), ("b", 2), ("c", 3)))
    table = net.transit_gateway_route_tables[tgw.association_default_route_table_id or ""]
    return Hub(net, tgw, table, a, b, c)


def reference_across(h: Hub) -> str:
    """B's host admits SSH only from A's host's group (a reference across the gateway, which
    resolves only with SecurityGroupReferencingSupport on the gateway and both attachments)."""
    net = h.net
    a_group = net.primary_network_interface(h.a.instance.instance_id).groups[0]
    b_group = net.security_groups[net.primary_network_interface(h.b.instance.instance_id).groups[0]]
    b_group.ingress = []
    net.touch()
    net.authorize_security_group_ingress(
        b_group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=a_group
    )
    return b_group.group_id
