"""Kinds of resources in the spec, their ids, and how ids are derived from key paths.

Both directions need these facts: the loader turns keys into ids, the dumper turns ids back into
keys. An id absent from the file is derived from the file's seed and the resource's key path
(``vpcs.main.subnets.public-a``), so editing one part of a file never renumbers the rest, and
``dump_spec`` can leave out every id that loading would derive again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    """The kind as the loader names it (``route_table``)."""
    prefix: str
    """AWS's id prefix (``rtb``)."""
    label: str
    """What people call it (``route table``)."""
    section: str
    """The spec key holding it (``route_tables``)."""
    not_found: str
    """AWS's error code for an id that names nothing."""
    scoped: bool
    """Declared inside a VPC (names are unique per VPC) rather than at the top."""


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("vpc", "vpc", "VPC", "vpcs", "InvalidVpcID.NotFound", False),
        Kind("prefix_list", "pl", "prefix list", "prefix_lists", "InvalidPrefixListID.NotFound", False),
        Kind(
            "internet_gateway",
            "igw",
            "internet gateway",
            "internet_gateways",
            "InvalidInternetGatewayID.NotFound",
            False,
        ),
        Kind("elastic_ip", "eipalloc", "Elastic IP", "elastic_ips", "InvalidAllocationID.NotFound", False),
        Kind(
            "peering_connection",
            "pcx",
            "peering connection",
            "peering_connections",
            "InvalidVpcPeeringConnectionID.NotFound",
            False,
        ),
        Kind(
            "vpn_gateway",
            "vgw",
            "virtual private gateway",
            "vpn_gateways",
            "InvalidVpnGatewayID.NotFound",
            False,
        ),
        Kind(
            "transit_gateway",
            "tgw",
            "transit gateway",
            "transit_gateways",
            "InvalidTransitGatewayID.NotFound",
            False,
        ),
        Kind("subnet", "subnet", "subnet", "subnets", "InvalidSubnetID.NotFound", True),
        Kind("route_table", "rtb", "route table", "route_tables", "InvalidRouteTableID.NotFound", True),
        Kind("network_acl", "acl", "network ACL", "network_acls", "InvalidNetworkAclID.NotFound", True),
        Kind("security_group", "sg", "security group", "security_groups", "InvalidGroup.NotFound", True),
        Kind("nat_gateway", "nat", "NAT gateway", "nat_gateways", "NatGatewayNotFound", True),
        Kind(
            "network_interface",
            "eni",
            "network interface",
            "network_interfaces",
            "InvalidNetworkInterfaceID.NotFound",
            True,
        ),
        Kind("instance", "i", "instance", "instances", "InvalidInstanceID.NotFound", True),
        Kind("endpoint", "vpce", "VPC endpoint", "endpoints", "InvalidVpcEndpointId.NotFound", True),
        Kind(
            "egress_only_internet_gateway",
            "eigw",
            "egress-only internet gateway",
            "egress_only_internet_gateways",
            "InvalidGatewayID.NotFound",
            True,
        ),
    )
}

#: Route target qualifiers (``nat:name``) and the kinds they name.
TARGET_QUALIFIERS: dict[str, str] = {
    "igw": "internet_gateway",
    "vgw": "vpn_gateway",
    "pcx": "peering_connection",
    "tgw": "transit_gateway",
    "nat": "nat_gateway",
    "eni": "network_interface",
    "instance": "instance",
    "vpce": "endpoint",
    "eigw": "egress_only_internet_gateway",
}

_ID_SHAPE = re.compile(r"^(?P<prefix>[a-z]+)-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
_ID_LOOSE = re.compile(r"^(?P<prefix>[a-z]+)-[0-9A-Za-z]+$")


def looks_like_id(text: str, prefix: str) -> bool:
    """``igw-0a1b2c3d`` or ``igw-0a1b2c3d4e5f60718``: AWS's 8 or 17 hex digits after the prefix."""
    match = _ID_SHAPE.match(text)
    return match is not None and match["prefix"] == prefix


def is_id_of(text: str, prefix: str) -> bool:
    """Loosely an id of this prefix (``prefix-`` then letters and digits); what ``id:`` accepts."""
    rest = text[len(prefix) + 1 :]
    return text.startswith(prefix + "-") and rest.isascii() and rest.isalnum()


def id_prefix(text: str) -> str | None:
    match = _ID_LOOSE.match(text)
    return match["prefix"] if match else None


def derive_id(prefix: str, seed: str, path: str) -> str:
    """The id of a resource the file gives no id: 17 hex digits from the seed and key path."""
    digest = hashlib.sha256(f"{seed}:{path}".encode()).hexdigest()
    return f"{prefix}-{digest[:17]}"


#: Suffixes of the key paths of resources that have no key of their own.
MAIN_ROUTE_TABLE = "#main-route-table"
DEFAULT_NETWORK_ACL = "#default-network-acl"
DEFAULT_SECURITY_GROUP = "#default-security-group"
PRIMARY_INTERFACE = "#eth0"
NAT_INTERFACE = "#network-interface"
NAT_ELASTIC_IP = "#elastic-ip"
ASSOCIATION = "#association"
