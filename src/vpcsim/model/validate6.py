"""What AWS refuses in the IPv6 half of a network: block sizes, addresses outside their subnet
or reserved, routes an egress-only gateway or AWS's own range cannot take.

Why apart from :mod:`vpcsim.model.validate`: the IPv4 checks there parse blocks and addresses as
IPv4; these rules are IPv6's own (sizes in steps of /4, no private/public pair, global
uniqueness, ``fd00:ec2::/32``). They report through the same validator, with AWS's error codes.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import TYPE_CHECKING

from .addressing import AWS_SERVICES6, NAT64_PREFIX, reserved_address_reason
from .resources import NetworkInterface, Route, RouteTable

if TYPE_CHECKING:
    from .validate import _Validator

VPC_PREFIXES6 = (44, 48, 52, 56, 60)
"""The sizes of a VPC's IPv6 block: /44 to /60 in steps of /4 (Amazon-provided: always /56)."""
SUBNET_PREFIXES6 = (44, 48, 52, 56, 60, 64)
"""The sizes of a subnet's IPv6 block: /44 to /64 in steps of /4 (commonly /64)."""
VPC_BLOCKS6_QUOTA = 5


def check_ipv6(v: _Validator) -> None:
    """Every IPv6 rule (VPC blocks, ENI addresses and prefixes, routes)."""
    _vpc_blocks(v)
    _eni_addresses(v)
    for table in v.n.route_tables.values():
        for index, route in enumerate(table.routes):
            _route(v, table, index, route)


def subnet_block_size_ok(prefixlen: int) -> bool:
    """A subnet's IPv6 block size AWS accepts."""
    return prefixlen in SUBNET_PREFIXES6


def _vpc_blocks(v: _Validator) -> None:
    for vpc in v.n.vpcs.values():
        blocks = v.vpc_blocks6.get(vpc.vpc_id, [])
        for index, net in enumerate(blocks):
            field = f"ipv6_cidr_blocks[{index}]"
            if net.prefixlen not in VPC_PREFIXES6:
                v.error(
                    vpc.vpc_id,
                    field,
                    "InvalidVpc.Range",
                    f"{net} is a /{net.prefixlen}; a VPC's IPv6 block is /44 to /60 in steps of /4 "
                    "(an Amazon-provided one is a /56)",
                )
            for other in blocks[:index]:
                if net.overlaps(other):
                    v.error(
                        vpc.vpc_id,
                        field,
                        "InvalidVpc.Range",
                        f"{net} overlaps the VPC's IPv6 block {other}; choose a free range",
                    )
        if len(blocks) > VPC_BLOCKS6_QUOTA:
            v.warning(
                vpc.vpc_id,
                "ipv6_cidr_blocks",
                "CidrLimitExceeded",
                f"{vpc.vpc_id} has {len(blocks)} IPv6 blocks; the default quota is {VPC_BLOCKS6_QUOTA} "
                "(adjustable): make sure the account has the increase",
            )


def _eni_addresses(v: _Validator) -> None:
    holders: dict[ipaddress.IPv6Address, list[tuple[str, str]]] = defaultdict(list)
    for eni in v.n.network_interfaces.values():
        subnet = v.n.subnets.get(eni.subnet_id)
        block = _subnet_block(subnet.ipv6_cidr_block if subnet is not None else None)
        for index, text in enumerate(eni.ipv6_addresses):
            field = f"ipv6_addresses[{index}]"
            try:
                address = ipaddress.IPv6Address(text)
            except ValueError:
                v.error(
                    eni.network_interface_id,
                    field,
                    "InvalidParameterValue",
                    f"{text!r} is not an IPv6 address",
                )
                continue
            holders[address].append((eni.network_interface_id, field))
            _address_in_subnet(v, eni, field, address, block, subnet is not None)
        for index, text in enumerate(eni.ipv6_prefixes):
            field = f"ipv6_prefixes[{index}]"
            try:
                prefix = ipaddress.IPv6Network(text)
            except ValueError:
                v.error(
                    eni.network_interface_id,
                    field,
                    "InvalidParameterValue",
                    f"{text!r} is not an IPv6 prefix (without host bits), e.g. 2600:1f18:0:1:a::/80",
                )
                continue
            if block is not None and not prefix.subnet_of(block):
                v.error(
                    eni.network_interface_id,
                    field,
                    "InvalidParameterValue",
                    f"{prefix} is not inside subnet {eni.subnet_id}'s IPv6 block {block}",
                )
    for address, owners in holders.items():
        if len(owners) < 2:
            continue
        for eid, field in owners:
            others = sorted({o for o, f in owners if (o, f) != (eid, field)})
            v.error(
                eid,
                field,
                "InvalidIPAddress.InUse",
                f"{address} is also held by {', '.join(others)}; IPv6 addresses are globally unique: "
                "give one of them another address",
            )


def _subnet_block(text: str | None) -> ipaddress.IPv6Network | None:
    if not text:
        return None
    try:
        return ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        return None


def _address_in_subnet(
    v: _Validator,
    eni: NetworkInterface,
    field: str,
    address: ipaddress.IPv6Address,
    block: ipaddress.IPv6Network | None,
    subnet_known: bool,
) -> None:
    eid = eni.network_interface_id
    if block is None:
        if subnet_known:
            v.error(
                eid,
                field,
                "InvalidParameterValue",
                f"{eid} holds the IPv6 address {address}, but its subnet {eni.subnet_id} has no IPv6 block; "
                "associate one with the subnet first",
            )
        return
    if address not in block:
        v.error(
            eid,
            field,
            "InvalidParameterValue",
            f"{address} does not fall within subnet {eni.subnet_id}'s IPv6 block {block}; choose an address "
            "inside it",
        )
        return
    reason = reserved_address_reason(block, address)
    if reason:
        v.error(
            eid,
            field,
            "InvalidParameterValue",
            f"{address} is {reason} of subnet {eni.subnet_id} ({block}); AWS reserves the first four and the "
            "last address of an IPv6 subnet too: choose another",
        )


def _route(v: _Validator, table: RouteTable, index: int, route: Route) -> None:
    tid = table.route_table_id
    eigw = route.egress_only_internet_gateway_id
    # (a gateway that does not exist is reported as such, once)
    if eigw and eigw in v.n.egress_only_internet_gateways and route.destination_cidr_block is not None:
        v.error(
            tid,
            f"routes[{index}].egress_only_internet_gateway_id",
            "InvalidParameterValue",
            f"the route for {route.destination_cidr_block} targets egress-only internet gateway "
            f"{route.egress_only_internet_gateway_id}, which carries IPv6 only: route ::/0 (or an IPv6 "
            "range) to it, and IPv4 to a NAT or internet gateway",
        )
    text = route.destination_ipv6_cidr_block
    if text is None or route.gateway_id == "local":
        return
    try:
        net = ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        return  # reported with the route's destination
    field = f"routes[{index}].destination_ipv6_cidr_block"
    if net == AWS_SERVICES6 or net.subnet_of(AWS_SERVICES6):
        v.error(
            tid,
            field,
            "InvalidParameterValue",
            f"{net} lies in {AWS_SERVICES6}, which AWS reserves for its services (DNS, metadata, Time Sync): "
            "no route may point into it",
        )
    if route.nat_gateway_id and not net.subnet_of(NAT64_PREFIX):
        v.error(
            tid,
            f"routes[{index}].nat_gateway_id",
            "InvalidParameterValue",
            f"the IPv6 route for {net} targets NAT gateway {route.nat_gateway_id}: a NAT gateway carries IPv6 "
            f"only to {NAT64_PREFIX} (NAT64); route IPv6 internet traffic to an egress-only internet gateway",
        )


__all__ = ["SUBNET_PREFIXES6", "VPC_PREFIXES6", "check_ipv6", "subnet_block_size_ok"]
