"""VPCs: create/describe/delete, IPv4 and IPv6 CIDR block associations, attributes."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from ...model.validate import MAX_PREFIX, MIN_PREFIX, VPC_BLOCKS_QUOTA, secondary_block_restriction
from ..cidrs import parse_cidr4, parse_cidr6
from ..context import Request
from ..errors import ApiError, not_found
from ..filters import field
from ..registry import action
from ..shapes import default_network_acl, default_security_group, main_route_table
from ..store import Transaction

KIND = "Vpcs"
ATTRIBUTES = "_VpcAttributes"
#: Amazon-provided IPv6 blocks (/56) are drawn from this range (AWS's own 2600:1f00::/24).
AMAZON_IPV6_POOL = ipaddress.IPv6Network("2600:1f00::/24")
IPV6_BLOCKS_QUOTA = 5

#: DescribeVpcAttribute / ModifyVpcAttribute: API name -> (output member, default, default-VPC default)
VPC_ATTRIBUTES = {
    "enableDnsSupport": ("EnableDnsSupport", True, True),
    "enableDnsHostnames": ("EnableDnsHostnames", False, True),
    "enableNetworkAddressUsageMetrics": ("EnableNetworkAddressUsageMetrics", False, False),
}

FILTERS = {
    "cidr": field("CidrBlock"),
    "cidr-block-association.cidr-block": field("CidrBlockAssociationSet", "CidrBlock"),
    "cidr-block-association.association-id": field("CidrBlockAssociationSet", "AssociationId"),
    "cidr-block-association.state": field("CidrBlockAssociationSet", "CidrBlockState", "State"),
    "dhcp-options-id": field("DhcpOptionsId"),
    "ipv6-cidr-block-association.ipv6-cidr-block": field("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"),
    "ipv6-cidr-block-association.ipv6-pool": field("Ipv6CidrBlockAssociationSet", "Ipv6Pool"),
    "ipv6-cidr-block-association.association-id": field("Ipv6CidrBlockAssociationSet", "AssociationId"),
    "ipv6-cidr-block-association.state": field("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockState", "State"),
    "is-default": field("IsDefault"),
    "isDefault": field("IsDefault"),
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "vpc-id": field("VpcId"),
}


def _ipv6_block(tx: Transaction) -> str:
    """A free Amazon-provided /56."""
    taken = {
        assoc.get("Ipv6CidrBlock")
        for vpc in tx.all(KIND)
        for assoc in vpc.get("Ipv6CidrBlockAssociationSet", [])
    }
    while True:
        offset = secrets.randbelow(1 << (56 - AMAZON_IPV6_POOL.prefixlen))
        base = int(AMAZON_IPV6_POOL.network_address) + (offset << (128 - 56))
        block = str(ipaddress.IPv6Network((base, 56)))
        if block not in taken:
            return block


def _ipv6_association(
    tx: Transaction, region: str, block: str | None = None, pool: str | None = None
) -> dict[str, Any]:
    """An Amazon-provided /56, or the given block (BYOIP: ``Ipv6CidrBlock`` with its ``Ipv6Pool``)."""
    return {
        "AssociationId": tx.new_id("vpc-cidr-assoc"),
        "Ipv6CidrBlock": block or _ipv6_block(tx),
        "Ipv6CidrBlockState": {"State": "associated"},
        "NetworkBorderGroup": region,
        "Ipv6Pool": pool or ("Amazon" if block is None else "byoip"),
    }


def _given_ipv6(tx: Transaction, text: str) -> str:
    """A BYOIP IPv6 block for a VPC: /44 to /60 in steps of /4 (the reference's rule), not used."""
    net = parse_cidr6(text, "ipv6CidrBlock")
    if not 44 <= net.prefixlen <= 60 or net.prefixlen % 4:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({text}) for parameter ipv6CidrBlock is invalid. The IPv6 CIDR must be between /44 and /60 in steps of /4.",
        )
    for vpc in tx.all(KIND):
        for assoc in vpc.get("Ipv6CidrBlockAssociationSet", []):
            if ipaddress.IPv6Network(assoc["Ipv6CidrBlock"]).overlaps(net):
                raise ApiError(
                    "InvalidVpc.Range", f"The IPv6 CIDR '{net}' conflicts with a block of {vpc['VpcId']}."
                )
    return str(net)


def check_vpc_block(cidr: ipaddress.IPv4Network) -> None:
    if not MIN_PREFIX <= cidr.prefixlen <= MAX_PREFIX:
        raise ApiError("InvalidVpc.Range", f"The CIDR '{cidr}' is invalid.")


def create_vpc(
    tx: Transaction,
    cidr: ipaddress.IPv4Network,
    *,
    is_default: bool = False,
    tenancy: str = "default",
    tags: list[dict[str, str]] | None = None,
    ipv6: bool = False,
    ipv6_block: str | None = None,
    ipv6_pool: str | None = None,
) -> dict[str, Any]:
    """A VPC with what AWS creates along with it: main route table, default network ACL,
    default security group."""
    vpc_id = tx.new_id("vpc")
    body: dict[str, Any] = {
        "CidrBlock": str(cidr),
        "DhcpOptionsId": "default",
        "State": "available",
        "VpcId": vpc_id,
        "OwnerId": tx.account,
        "InstanceTenancy": tenancy,
        "Ipv6CidrBlockAssociationSet": [_ipv6_association(tx, tx.region, ipv6_block, ipv6_pool)]
        if ipv6 or ipv6_block
        else [],
        "CidrBlockAssociationSet": [
            {
                "AssociationId": tx.new_id("vpc-cidr-assoc"),
                "CidrBlock": str(cidr),
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": is_default,
        "Tags": list(tags or []),
    }
    tx.put(KIND, vpc_id, body)
    tx.put(
        ATTRIBUTES,
        vpc_id,
        {name: (dflt if is_default else plain) for name, (_, plain, dflt) in VPC_ATTRIBUTES.items()},
    )
    main_route_table(tx, vpc_id, str(cidr))
    default_network_acl(tx, vpc_id)
    default_security_group(tx, vpc_id)
    return body


def require_vpc(request: Request, vpc_id: str | None) -> dict[str, Any]:
    if not vpc_id:
        raise ApiError("MissingParameter", "The request must contain the parameter vpcId")
    return request.require(KIND, vpc_id, "InvalidVpcID.NotFound", "vpc")


@action("CreateVpc")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    text = params.get("CidrBlock")
    if text is None:
        if params.get("Ipv4IpamPoolId"):
            raise ApiError("InvalidParameterValue", "IPAM pools are not supported by vpcsim serve")
        raise ApiError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
    cidr = parse_cidr4(text, "cidrBlock")
    check_vpc_block(cidr)
    tenancy = params.get("InstanceTenancy", "default")
    if tenancy not in ("default", "dedicated", "host"):
        raise ApiError(
            "InvalidParameterValue", f"Value ({tenancy}) for parameter instanceTenancy is invalid."
        )
    vpc = create_vpc(
        request.tx,
        cidr,
        tenancy=tenancy,
        tags=request.tags_for("vpc"),
        ipv6=bool(params.get("AmazonProvidedIpv6CidrBlock")),
        ipv6_block=_given_ipv6(request.tx, params["Ipv6CidrBlock"]) if params.get("Ipv6CidrBlock") else None,
        ipv6_pool=params.get("Ipv6Pool"),
    )
    return {"Vpc": vpc}


@action("CreateDefaultVpc")
def create_default(request: Request) -> dict[str, Any]:
    if any(v.get("IsDefault") for v in request.all(KIND)):
        raise ApiError(
            "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region."
        )
    from ..defaults import create_default_vpc

    return {"Vpc": create_default_vpc(request.tx)}


@action("DescribeVpcs")
def describe(request: Request) -> dict[str, Any]:
    vpcs, token = request.describe(
        KIND,
        ids=request.params.get("VpcIds"),
        id_field="VpcId",
        not_found_code="InvalidVpcID.NotFound",
        what="vpc",
        filters=FILTERS,
    )
    return {"Vpcs": vpcs, "NextToken": token}


def _dependencies(request: Request, vpc_id: str) -> list[str]:
    """Resources that keep a VPC from being deleted (AWS's DependencyViolation)."""
    found = []
    for kind, keep in (
        ("Subnets", lambda b: True),
        ("RouteTables", lambda b: not any(a.get("Main") for a in b.get("Associations", []))),
        ("NetworkAcls", lambda b: not b.get("IsDefault")),
        ("SecurityGroups", lambda b: b.get("GroupName") != "default"),
        ("NetworkInterfaces", lambda b: True),
        ("NatGateways", lambda b: b.get("State") not in ("deleted",)),
        ("VpcEndpoints", lambda b: b.get("State") != "deleted"),
    ):
        for body in request.all(kind):
            if body.get("VpcId") == vpc_id and keep(body):
                found.append(kind)
                break
    for gateway in request.all("InternetGateways") + request.all("EgressOnlyInternetGateways"):
        if any(a.get("VpcId") == vpc_id for a in gateway.get("Attachments", [])):
            found.append("InternetGateways")
    return found


@action("DeleteVpc")
def delete(request: Request) -> dict[str, Any]:
    vpc_id = request.params["VpcId"]
    require_vpc(request, vpc_id)
    if _dependencies(request, vpc_id):
        raise ApiError("DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    for kind, id_field in (
        ("RouteTables", "RouteTableId"),
        ("NetworkAcls", "NetworkAclId"),
        ("SecurityGroups", "GroupId"),
    ):
        for body in request.all(kind):
            if body.get("VpcId") == vpc_id:
                request.delete(kind, body[id_field])
    # the default group's rules, stored as rows of their own (actions/security_groups.py)
    groups = {body["GroupId"] for body in request.all("SecurityGroups")}
    for rule in request.all("SecurityGroupRules"):
        if rule.get("GroupId") not in groups:
            request.delete("SecurityGroupRules", rule["SecurityGroupRuleId"])
    request.delete(ATTRIBUTES, vpc_id)
    request.delete(KIND, vpc_id)
    return {}


# ----------------------------------------------------------------------------- attributes


@action("DescribeVpcAttribute")
def describe_attribute(request: Request) -> dict[str, Any]:
    vpc_id = request.params["VpcId"]
    require_vpc(request, vpc_id)
    name = request.params["Attribute"]
    if name not in VPC_ATTRIBUTES:
        raise ApiError(
            "InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute."
        )
    values = request.get(ATTRIBUTES, vpc_id) or {}
    member, plain, _ = VPC_ATTRIBUTES[name]
    return {"VpcId": vpc_id, member: {"Value": values.get(name, plain)}}


@action("ModifyVpcAttribute")
def modify_attribute(request: Request) -> dict[str, Any]:
    vpc_id = request.params["VpcId"]
    require_vpc(request, vpc_id)
    given = [
        (name, request.params[member])
        for name, (member, _, _) in VPC_ATTRIBUTES.items()
        if member in request.params
    ]
    if len(given) != 1:
        raise ApiError(
            "InvalidParameterCombination",
            "Only one attribute can be modified at a time" if given else "One attribute must be given",
        )
    name, value = given[0]
    if "Value" not in value:
        raise ApiError(
            "MissingParameter", f"The request must contain the parameter {VPC_ATTRIBUTES[name][0]}.Value"
        )
    values = request.get(ATTRIBUTES, vpc_id) or {}
    if name == "enableDnsHostnames" and value["Value"] and not values.get("enableDnsSupport", True):
        raise ApiError(
            "InvalidParameterValue",
            "Invalid value 'true' for enableDnsHostnames: DNS support must be enabled first",
        )
    values[name] = bool(value["Value"])
    request.put(ATTRIBUTES, vpc_id, values)
    return {}


@action("ModifyVpcTenancy")
def modify_tenancy(request: Request) -> dict[str, Any]:
    vpc_id = request.params["VpcId"]
    vpc = require_vpc(request, vpc_id)
    tenancy = request.params["InstanceTenancy"]
    if tenancy != "default":
        raise ApiError("UnsupportedTenancy", f"The tenancy value {tenancy} is not supported.")
    vpc["InstanceTenancy"] = "default"
    request.put(KIND, vpc_id, vpc)
    return {"ReturnValue": True}


# ----------------------------------------------------------------------------- CIDR blocks


def _set_local_routes(request: Request, vpc_id: str, cidr: str, present: bool) -> None:
    """Every route table of the VPC has a local route per block of the VPC."""
    key = "DestinationIpv6CidrBlock" if ":" in cidr else "DestinationCidrBlock"
    for table in request.all("RouteTables"):
        if table.get("VpcId") != vpc_id:
            continue
        routes = [
            r for r in table.get("Routes", []) if not (r.get(key) == cidr and r.get("GatewayId") == "local")
        ]
        if present:
            routes.append({key: cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"})
        table["Routes"] = routes
        request.put("RouteTables", table["RouteTableId"], table)


@action("AssociateVpcCidrBlock")
def associate_cidr(request: Request) -> dict[str, Any]:
    params = request.params
    vpc_id = params["VpcId"]
    vpc = require_vpc(request, vpc_id)
    if params.get("CidrBlock") and params.get("AmazonProvidedIpv6CidrBlock"):
        raise ApiError(
            "InvalidParameterCombination",
            "Only one of cidrBlock and amazonProvidedIpv6CidrBlock may be given",
        )
    if params.get("AmazonProvidedIpv6CidrBlock") or params.get("Ipv6CidrBlock"):
        current6 = vpc.get("Ipv6CidrBlockAssociationSet", [])
        if len(current6) >= IPV6_BLOCKS_QUOTA:
            raise ApiError(
                "CidrLimitExceeded",
                f"This network {vpc_id} has met its maximum number of allowed CIDRs: {IPV6_BLOCKS_QUOTA}",
            )
        block = _given_ipv6(request.tx, params["Ipv6CidrBlock"]) if params.get("Ipv6CidrBlock") else None
        association = _ipv6_association(request.tx, request.region, block, params.get("Ipv6Pool"))
        vpc["Ipv6CidrBlockAssociationSet"] = [*current6, association]
        request.put(KIND, vpc_id, vpc)
        _set_local_routes(request, vpc_id, association["Ipv6CidrBlock"], True)
        answer6 = dict(association, Ipv6CidrBlockState={"State": "associating"})
        return {"VpcId": vpc_id, "Ipv6CidrBlockAssociation": answer6}
    text = params.get("CidrBlock")
    if not text:
        raise ApiError(
            "MissingParameter", "Either 'cidrBlock' or 'amazonProvidedIpv6CidrBlock' should be provided."
        )
    cidr = parse_cidr4(text, "cidrBlock")
    check_vpc_block(cidr)
    current = [a for a in vpc["CidrBlockAssociationSet"] if a["CidrBlockState"]["State"] == "associated"]
    if len(current) >= VPC_BLOCKS_QUOTA:
        raise ApiError(
            "CidrLimitExceeded",
            f"This network {vpc_id} has met its maximum number of allowed CIDRs: {VPC_BLOCKS_QUOTA}",
        )
    for other in current:
        if cidr.overlaps(ipaddress.IPv4Network(other["CidrBlock"])):
            raise ApiError(
                "InvalidVpc.Range", f"The CIDR '{cidr}' conflicts with another CIDR block of {vpc_id}."
            )
    reason = secondary_block_restriction(ipaddress.IPv4Network(vpc["CidrBlock"]), cidr)
    if reason:
        raise ApiError("InvalidVpc.Range", f"The CIDR '{cidr}' is restricted: {reason}.")
    association = {
        "AssociationId": request.new_id("vpc-cidr-assoc"),
        "CidrBlock": str(cidr),
        "CidrBlockState": {"State": "associated"},
    }
    vpc["CidrBlockAssociationSet"] = [*current, association]
    request.put(KIND, vpc_id, vpc)
    _set_local_routes(request, vpc_id, str(cidr), True)
    return {
        "VpcId": vpc_id,
        "CidrBlockAssociation": dict(association, CidrBlockState={"State": "associating"}),
    }


@action("DisassociateVpcCidrBlock")
def disassociate_cidr(request: Request) -> dict[str, Any]:
    association_id = request.params["AssociationId"]
    for vpc in request.all(KIND):
        for key, state_key, block_key, answer in (
            ("CidrBlockAssociationSet", "CidrBlockState", "CidrBlock", "CidrBlockAssociation"),
            (
                "Ipv6CidrBlockAssociationSet",
                "Ipv6CidrBlockState",
                "Ipv6CidrBlock",
                "Ipv6CidrBlockAssociation",
            ),
        ):
            for association in vpc.get(key, []):
                if association["AssociationId"] != association_id:
                    continue
                block = association[block_key]
                if block_key == "CidrBlock" and block == vpc["CidrBlock"]:
                    raise ApiError(
                        "OperationNotPermitted",
                        f"The vpc CIDR block with association ID {association_id} may not be disassociated. "
                        "It is the primary IPv4 CIDR block of the VPC",
                    )
                _check_block_unused(request, vpc["VpcId"], block)
                vpc[key] = [a for a in vpc[key] if a["AssociationId"] != association_id]
                request.put(KIND, vpc["VpcId"], vpc)
                _set_local_routes(request, vpc["VpcId"], block, False)
                gone = dict(association, **{state_key: {"State": "disassociating"}})
                return {"VpcId": vpc["VpcId"], answer: gone}
    raise not_found("InvalidVpcCidrBlockAssociationID.NotFound", "vpc CIDR block association", association_id)


def _check_block_unused(request: Request, vpc_id: str, block: str) -> None:
    net = ipaddress.ip_network(block)
    for subnet in request.all("Subnets"):
        if subnet.get("VpcId") != vpc_id:
            continue
        texts = [subnet.get("CidrBlock")] + [
            a.get("Ipv6CidrBlock") for a in subnet.get("Ipv6CidrBlockAssociationSet", [])
        ]
        for text in texts:
            if text and _inside(ipaddress.ip_network(text), net):
                raise ApiError(
                    "DependencyViolation",
                    f"The vpc CIDR block '{block}' has dependencies (subnet {subnet['SubnetId']}) and cannot be "
                    "disassociated.",
                )


def _inside(
    inner: ipaddress.IPv4Network | ipaddress.IPv6Network, outer: ipaddress.IPv4Network | ipaddress.IPv6Network
) -> bool:
    if isinstance(inner, ipaddress.IPv4Network) and isinstance(outer, ipaddress.IPv4Network):
        return inner.subnet_of(outer)
    if isinstance(inner, ipaddress.IPv6Network) and isinstance(outer, ipaddress.IPv6Network):
        return inner.subnet_of(outer)
    return False
