"""Subnets: create/describe/delete, attributes (``MapPublicIpOnLaunch``...), IPv6 blocks."""

from __future__ import annotations

import ipaddress
from typing import Any

from ...model.addressing import SubnetAddresses
from ...model.validate import MAX_PREFIX, MIN_PREFIX
from ..cidrs import parse_cidr4, parse_cidr6
from ..context import Request
from ..errors import ApiError, not_found
from ..filters import apply_filters, field
from ..regions import zones
from ..registry import action
from ..shapes import add_acl_association, remove_acl_associations, subnet_arn
from ..store import Transaction
from .vpcs import require_vpc

KIND = "Subnets"

FILTERS = {
    "availability-zone": field("AvailabilityZone"),
    "availabilityZone": field("AvailabilityZone"),
    "availability-zone-id": field("AvailabilityZoneId"),
    "available-ip-address-count": field("AvailableIpAddressCount"),
    "cidr-block": field("CidrBlock"),
    "cidr": field("CidrBlock"),
    "cidrBlock": field("CidrBlock"),
    "default-for-az": field("DefaultForAz"),
    "defaultForAz": field("DefaultForAz"),
    "ipv6-cidr-block-association.ipv6-cidr-block": field("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"),
    "ipv6-cidr-block-association.association-id": field("Ipv6CidrBlockAssociationSet", "AssociationId"),
    "ipv6-cidr-block-association.state": field("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockState", "State"),
    "ipv6-native": field("Ipv6Native"),
    "map-public-ip-on-launch": field("MapPublicIpOnLaunch"),
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "subnet-arn": field("SubnetArn"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
}

#: ModifySubnetAttribute members taking ``{"Value": bool}`` -> the subnet's field.
BOOLEAN_ATTRIBUTES = {
    "MapPublicIpOnLaunch": "MapPublicIpOnLaunch",
    "AssignIpv6AddressOnCreation": "AssignIpv6AddressOnCreation",
    "MapCustomerOwnedIpOnLaunch": "MapCustomerOwnedIpOnLaunch",
    "EnableDns64": "EnableDns64",
}
DNS_NAME_ATTRIBUTES = {
    "EnableResourceNameDnsARecordOnLaunch": "EnableResourceNameDnsARecord",
    "EnableResourceNameDnsAAAARecordOnLaunch": "EnableResourceNameDnsAAAARecord",
}


def create_subnet(
    tx: Transaction,
    vpc: dict[str, Any],
    cidr: ipaddress.IPv4Network | None,
    zone: str,
    zone_id: str,
    *,
    default_for_az: bool = False,
    tags: list[dict[str, str]] | None = None,
    ipv6: str | None = None,
) -> dict[str, Any]:
    subnet_id = tx.new_id("subnet")
    body: dict[str, Any] = {
        "AvailabilityZone": zone,
        "AvailabilityZoneId": zone_id,
        "AvailableIpAddressCount": SubnetAddresses(str(cidr)).size if cidr else 0,
        "CidrBlock": str(cidr) if cidr else None,
        "DefaultForAz": default_for_az,
        "MapPublicIpOnLaunch": default_for_az,
        "MapCustomerOwnedIpOnLaunch": False,
        "State": "available",
        "SubnetId": subnet_id,
        "VpcId": vpc["VpcId"],
        "OwnerId": tx.account,
        "AssignIpv6AddressOnCreation": cidr is None,
        "Ipv6CidrBlockAssociationSet": [],
        "Tags": list(tags or []),
        "SubnetArn": subnet_arn(tx, subnet_id),
        "EnableDns64": False,
        "Ipv6Native": cidr is None,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
    }
    if ipv6 is not None:
        body["Ipv6CidrBlockAssociationSet"].append(_ipv6_association(tx, ipv6))
    body = {k: v for k, v in body.items() if v is not None}
    tx.put(KIND, subnet_id, body)
    add_acl_association(tx, vpc["VpcId"], subnet_id)
    return body


def _ipv6_association(tx: Transaction, block: str) -> dict[str, Any]:
    return {
        "AssociationId": tx.new_id("subnet-cidr-assoc"),
        "Ipv6CidrBlock": block,
        "Ipv6CidrBlockState": {"State": "associated"},
    }


def _check_ipv6(request: Request, vpc: dict[str, Any], text: str, subnet_id: str | None) -> str:
    net = parse_cidr6(text, "ipv6CidrBlock")
    blocks = [ipaddress.IPv6Network(a["Ipv6CidrBlock"]) for a in vpc.get("Ipv6CidrBlockAssociationSet", [])]
    # /44 to /64 in steps of /4 (guides up to 2023 said a fixed /64: both are accepted)
    if not 44 <= net.prefixlen <= 64 or net.prefixlen % 4 or not any(net.subnet_of(b) for b in blocks):
        raise ApiError("InvalidSubnet.Range", f"The IPv6 CIDR '{net}' is invalid.")
    for other in request.all(KIND):
        if other.get("VpcId") != vpc["VpcId"] or other["SubnetId"] == subnet_id:
            continue
        for association in other.get("Ipv6CidrBlockAssociationSet", []):
            if ipaddress.IPv6Network(association["Ipv6CidrBlock"]).overlaps(net):
                raise ApiError("InvalidSubnet.Conflict", f"The CIDR '{net}' conflicts with another subnet")
    return str(net)


def require_subnet(request: Request, subnet_id: str) -> dict[str, Any]:
    return request.require(KIND, subnet_id, "InvalidSubnetID.NotFound", "subnet")


@action("CreateSubnet")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    vpc = require_vpc(request, params["VpcId"])
    native = bool(params.get("Ipv6Native"))
    if native:
        if params.get("CidrBlock") and params.get("Ipv6CidrBlock"):
            raise ApiError(
                "InvalidParameterCombination",
                "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.",
            )
        if not params.get("Ipv6CidrBlock"):
            raise ApiError(
                "MissingParameter", "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided."
            )
    elif not params.get("CidrBlock"):
        raise ApiError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
    cidr = None
    if not native:
        cidr = parse_cidr4(params["CidrBlock"], "cidrBlock")
        if not MIN_PREFIX <= cidr.prefixlen <= MAX_PREFIX:
            raise ApiError("InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid.")
        blocks = [
            ipaddress.IPv4Network(a["CidrBlock"])
            for a in vpc["CidrBlockAssociationSet"]
            if a["CidrBlockState"]["State"] == "associated"
        ]
        if not any(cidr.subnet_of(block) for block in blocks):
            raise ApiError("InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid.")
        for other in request.all(KIND):
            if (
                other["VpcId"] == vpc["VpcId"]
                and other.get("CidrBlock")
                and ipaddress.IPv4Network(other["CidrBlock"]).overlaps(cidr)
            ):
                raise ApiError("InvalidSubnet.Conflict", f"The CIDR '{cidr}' conflicts with another subnet")
    zone, zone_id = _zone(
        request, vpc["VpcId"], params.get("AvailabilityZone"), params.get("AvailabilityZoneId")
    )
    ipv6 = _check_ipv6(request, vpc, params["Ipv6CidrBlock"], None) if params.get("Ipv6CidrBlock") else None
    subnet = create_subnet(request.tx, vpc, cidr, zone, zone_id, tags=request.tags_for("subnet"), ipv6=ipv6)
    return {"Subnet": subnet}


@action("CreateDefaultSubnet")
def create_default(request: Request) -> dict[str, Any]:
    zone_name = request.params["AvailabilityZone"]
    vpc = next((v for v in request.all("Vpcs") if v.get("IsDefault")), None)
    if vpc is None:
        raise ApiError("DefaultVpcDoesNotExist", "No default VPC for this user")
    zone = _zone(request, vpc["VpcId"], zone_name, None)
    for subnet in request.all(KIND):
        if subnet.get("DefaultForAz") and subnet["AvailabilityZone"] == zone_name:
            raise ApiError(
                "DefaultSubnetAlreadyExistsInAvailabilityZone",
                f"'{subnet['SubnetId']}' is already the default subnet in {zone_name}.",
            )
    used = [
        ipaddress.IPv4Network(s["CidrBlock"])
        for s in request.all(KIND)
        if s["VpcId"] == vpc["VpcId"] and s.get("CidrBlock")
    ]
    for block in ipaddress.IPv4Network(vpc["CidrBlock"]).subnets(new_prefix=20):
        if not any(block.overlaps(u) for u in used):
            return {"Subnet": create_subnet(request.tx, vpc, block, zone[0], zone[1], default_for_az=True)}
    raise ApiError("InsufficientFreeAddressesInSubnet", f"No free /20 left in the default VPC {vpc['VpcId']}")


def _zone(request: Request, vpc_id: str, name: str | None, zone_id: str | None) -> tuple[str, str]:
    offered = zones(request.region)
    if name or zone_id:
        for zone in offered:
            if (name and zone[0] == name) or (zone_id and not name and zone[1] == zone_id):
                return zone
        parameter = "availabilityZone" if name else "availabilityZoneId"
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({name or zone_id}) for parameter {parameter} is invalid. Subnets can currently only be "
            f"created in the following availability zones: {', '.join(z[0] for z in offered)}.",
        )
    used = [s["AvailabilityZone"] for s in request.all(KIND) if s["VpcId"] == vpc_id]
    return min(offered, key=lambda zone: (used.count(zone[0]), zone[0]))


def _with_counts(request: Request, subnets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``AvailableIpAddressCount``: the subnet's usable addresses less those ENIs hold."""
    used: dict[str, int] = {}
    for eni in request.all("NetworkInterfaces"):
        subnet_id = eni.get("SubnetId")
        if subnet_id:
            used[subnet_id] = used.get(subnet_id, 0) + max(1, len(eni.get("PrivateIpAddresses") or []))
    for subnet in subnets:
        subnet["AvailableIpAddressCount"] = SubnetAddresses(subnet["CidrBlock"]).size - used.get(
            subnet["SubnetId"], 0
        )
    return subnets


@action("DescribeSubnets")
def describe(request: Request) -> dict[str, Any]:
    subnets, token = request.describe(
        KIND,
        ids=request.params.get("SubnetIds"),
        id_field="SubnetId",
        not_found_code="InvalidSubnetID.NotFound",
        what="subnet",
        filters=FILTERS,
        items=_with_counts(request, request.all(KIND)),
    )
    return {"Subnets": subnets, "NextToken": token}


@action("DeleteSubnet")
def delete(request: Request) -> dict[str, Any]:
    subnet_id = request.params["SubnetId"]
    require_subnet(request, subnet_id)
    for kind in ("NetworkInterfaces", "NatGateways", "Instances"):
        for body in request.all(kind):
            state = body.get("State") if kind != "Instances" else body.get("State", {}).get("Name")
            if body.get("SubnetId") == subnet_id and state not in ("deleted", "terminated"):
                raise ApiError(
                    "DependencyViolation", f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
                )
    for table in request.all("RouteTables"):
        kept = [a for a in table.get("Associations", []) if a.get("SubnetId") != subnet_id]
        if len(kept) != len(table.get("Associations", [])):
            table["Associations"] = kept
            request.put("RouteTables", table["RouteTableId"], table)
    remove_acl_associations(request.tx, subnet_id)
    request.delete(KIND, subnet_id)
    return {}


@action("ModifySubnetAttribute")
def modify_attribute(request: Request) -> dict[str, Any]:
    params = request.params
    subnet = require_subnet(request, params["SubnetId"])
    changed = False
    for member, key in BOOLEAN_ATTRIBUTES.items():
        if member in params:
            subnet[key] = bool(params[member].get("Value"))
            changed = True
    options = subnet.setdefault("PrivateDnsNameOptionsOnLaunch", {})
    for member, key in DNS_NAME_ATTRIBUTES.items():
        if member in params:
            options[key] = bool(params[member].get("Value"))
            changed = True
    if "PrivateDnsHostnameTypeOnLaunch" in params:
        kind = params["PrivateDnsHostnameTypeOnLaunch"]
        if kind not in ("ip-name", "resource-name"):
            raise ApiError(
                "InvalidParameterValue",
                f"Value ({kind}) for parameter PrivateDnsHostnameTypeOnLaunch is invalid.",
            )
        options["HostnameType"] = kind
        changed = True
    if "EnableLniAtDeviceIndex" in params:
        subnet["EnableLniAtDeviceIndex"] = params["EnableLniAtDeviceIndex"]
        changed = True
    if "CustomerOwnedIpv4Pool" in params:
        subnet["CustomerOwnedIpv4Pool"] = params["CustomerOwnedIpv4Pool"]
        changed = True
    if not changed:
        raise ApiError("MissingParameter", "The request must contain an attribute to modify")
    request.put(KIND, subnet["SubnetId"], subnet)
    return {}


@action("AssociateSubnetCidrBlock")
def associate_cidr(request: Request) -> dict[str, Any]:
    subnet = require_subnet(request, request.params["SubnetId"])
    text = request.params.get("Ipv6CidrBlock")
    if not text:
        raise ApiError("MissingParameter", "The request must contain the parameter ipv6CidrBlock")
    vpc = require_vpc(request, subnet["VpcId"])
    if subnet.get("Ipv6CidrBlockAssociationSet"):
        raise ApiError(
            "InvalidSubnet.Conflict", f"Subnet {subnet['SubnetId']} already has an IPv6 CIDR block"
        )
    block = _check_ipv6(request, vpc, text, subnet["SubnetId"])
    association = _ipv6_association(request.tx, block)
    subnet["Ipv6CidrBlockAssociationSet"] = [association]
    request.put(KIND, subnet["SubnetId"], subnet)
    return {"SubnetId": subnet["SubnetId"], "Ipv6CidrBlockAssociation": association}


@action("DisassociateSubnetCidrBlock")
def disassociate_cidr(request: Request) -> dict[str, Any]:
    association_id = request.params["AssociationId"]
    for subnet in request.all(KIND):
        for association in subnet.get("Ipv6CidrBlockAssociationSet", []):
            if association["AssociationId"] == association_id:
                subnet["Ipv6CidrBlockAssociationSet"] = [
                    a for a in subnet["Ipv6CidrBlockAssociationSet"] if a["AssociationId"] != association_id
                ]
                subnet["AssignIpv6AddressOnCreation"] = False
                request.put(KIND, subnet["SubnetId"], subnet)
                answer = dict(association, Ipv6CidrBlockState={"State": "disassociating"})
                return {"SubnetId": subnet["SubnetId"], "Ipv6CidrBlockAssociation": answer}
    raise not_found(
        "InvalidSubnetCidrBlockAssociationID.NotFound", "subnet CIDR block association", association_id
    )


# ------------------------------------------------------------------------ CIDR reservations

RESERVATIONS = "_SubnetCidrReservations"


@action("CreateSubnetCidrReservation")
def create_reservation(request: Request) -> dict[str, Any]:
    params = request.params
    subnet = require_subnet(request, params["SubnetId"])
    kind = params["ReservationType"]
    if kind not in ("prefix", "explicit"):
        raise ApiError("InvalidParameterValue", f"Value ({kind}) for parameter reservationType is invalid.")
    try:
        net = ipaddress.ip_network(params["Cidr"], strict=False)
    except ValueError:
        raise ApiError(
            "InvalidParameterValue", f"Value ({params['Cidr']}) for parameter cidr is invalid."
        ) from None
    homes = [subnet.get("CidrBlock")] + [
        a["Ipv6CidrBlock"] for a in subnet.get("Ipv6CidrBlockAssociationSet", [])
    ]
    home = next((h for h in homes if h and ipaddress.ip_network(h).version == net.version), None)
    if home is None or not net.subnet_of(ipaddress.ip_network(home)):  # type: ignore[arg-type]
        raise ApiError(
            "InvalidParameterValue", f"Reservation CIDR should be within subnet CIDR block ({home})"
        )
    reservations = request.get(RESERVATIONS, subnet["SubnetId"]) or {"Reservations": []}
    for other in reservations["Reservations"]:
        other_net = ipaddress.ip_network(other["Cidr"])
        if other_net.version == net.version and other_net.overlaps(net):
            raise ApiError(
                "InvalidParameterValue",
                f"Reservation CIDR {net} has overlap with existing reserved CIDR block",
            )
    reservation = {
        "SubnetCidrReservationId": request.new_id("scr"),
        "SubnetId": subnet["SubnetId"],
        "Cidr": str(net),
        "ReservationType": kind,
        "OwnerId": request.account,
        "Description": params.get("Description"),
        "Tags": request.tags_for("subnet-cidr-reservation"),
    }
    reservation = {k: v for k, v in reservation.items() if v is not None}
    reservations["Reservations"].append(reservation)
    request.put(RESERVATIONS, subnet["SubnetId"], reservations)
    return {"SubnetCidrReservation": reservation}


RESERVATION_FILTERS = {
    "reservationType": field("ReservationType"),
    "subnet-id": field("SubnetId"),
    "owner-id": field("OwnerId"),
}


@action("GetSubnetCidrReservations")
def get_reservations(request: Request) -> dict[str, Any]:
    subnet = require_subnet(request, request.params["SubnetId"])
    reservations = (request.get(RESERVATIONS, subnet["SubnetId"]) or {"Reservations": []})["Reservations"]
    selected = apply_filters(reservations, request.params.get("Filters"), RESERVATION_FILTERS)
    return {
        "SubnetIpv4CidrReservations": [r for r in selected if ":" not in r["Cidr"]],
        "SubnetIpv6CidrReservations": [r for r in selected if ":" in r["Cidr"]],
    }


@action("DeleteSubnetCidrReservation")
def delete_reservation(request: Request) -> dict[str, Any]:
    reservation_id = request.params["SubnetCidrReservationId"]
    for subnet in request.all(KIND):
        held = request.get(RESERVATIONS, subnet["SubnetId"])
        if not held:
            continue
        for reservation in held["Reservations"]:
            if reservation["SubnetCidrReservationId"] == reservation_id:
                held["Reservations"].remove(reservation)
                request.put(RESERVATIONS, subnet["SubnetId"], held)
                return {"DeletedSubnetCidrReservation": reservation}
    raise not_found("InvalidSubnetCidrReservationID.NotFound", "subnet-cidr-reservation", reservation_id)
