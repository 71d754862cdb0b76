"""What every region of every account starts with, as AWS's does: the default VPC
(172.31.0.0/16) with its main route table, default network ACL and default security group, one
/20 default subnet per availability zone (public addresses on launch), and an attached internet
gateway that the main route table's ``0.0.0.0/0`` route points at; and the AWS-managed prefix
lists (S3, DynamoDB...)."""

from __future__ import annotations

import ipaddress
from typing import Any

from .store import Transaction

__all__ = ["DEFAULT_VPC_CIDR", "ensure_scope"]

DEFAULT_VPC_CIDR = ipaddress.IPv4Network("172.31.0.0/16")


def ensure_scope(tx: Transaction) -> None:
    """Create the default VPC the first time an account/region is used."""
    if not tx.is_new_scope():
        return
    from .actions.prefix_lists import create_aws_managed

    create_aws_managed(tx)
    create_default_vpc(tx)


def create_default_vpc(tx: Transaction) -> dict[str, Any]:
    """A default VPC with its subnets, internet gateway and route (``CreateDefaultVpc`` too)."""
    from .actions.internet_gateways import attach, new_internet_gateway
    from .actions.subnets import create_subnet
    from .actions.vpcs import create_vpc
    from .regions import zones

    vpc = create_vpc(tx, DEFAULT_VPC_CIDR, is_default=True)
    blocks = DEFAULT_VPC_CIDR.subnets(new_prefix=20)
    for (zone, zone_id), block in zip(zones(tx.region), blocks, strict=False):
        create_subnet(tx, vpc, block, zone, zone_id, default_for_az=True)
    gateway = new_internet_gateway(tx, [])
    attach(tx, gateway, vpc["VpcId"])
    for table in tx.all("RouteTables"):
        if table["VpcId"] == vpc["VpcId"]:
            table["Routes"].append(
                {
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "GatewayId": gateway["InternetGatewayId"],
                    "Origin": "CreateRoute",
                    "State": "active",
                }
            )
            tx.put("RouteTables", table["RouteTableId"], table)
    return vpc
