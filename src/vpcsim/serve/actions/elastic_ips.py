"""Elastic IP addresses: allocate/describe/associate/disassociate/release. An association puts
the address on the ENI's private address (``Association`` in DescribeNetworkInterfaces, and the
instance's ``PublicIpAddress`` for its primary address), which is what the importer and engine
read as the internet gateway's 1:1 NAT."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..addresses import allocate_public, release_public
from ..context import Request
from ..errors import ApiError, not_found
from ..filters import field
from ..registry import action

KIND = "Addresses"
ADDRESSES_PER_REGION = 5  # AWS's default Elastic IP quota per region

FILTERS = {
    "allocation-id": field("AllocationId"),
    "association-id": field("AssociationId"),
    "domain": field("Domain"),
    "instance-id": field("InstanceId"),
    "network-border-group": field("NetworkBorderGroup"),
    "network-interface-id": field("NetworkInterfaceId"),
    "network-interface-owner-id": field("NetworkInterfaceOwnerId"),
    "private-ip-address": field("PrivateIpAddress"),
    "public-ip": field("PublicIp"),
}


def public_dns(address: str, region: str) -> str:
    dashed = address.replace(".", "-")
    return (
        f"ec2-{dashed}.compute-1.amazonaws.com"
        if region == "us-east-1"
        else f"ec2-{dashed}.{region}.compute.amazonaws.com"
    )


@action("AllocateAddress")
def allocate(request: Request) -> dict[str, Any]:
    if len(request.all(KIND)) >= ADDRESSES_PER_REGION:
        raise ApiError("AddressLimitExceeded", "The maximum number of addresses has been reached.")
    wanted = request.params.get("Address")
    if wanted:
        try:
            ipaddress.IPv4Address(wanted)
        except ValueError:
            raise ApiError(
                "InvalidParameterValue", f"Value ({wanted}) for parameter address is invalid."
            ) from None
        if request.tx.scoped("", "").get("_PublicIps", wanted) is not None:
            raise ApiError("InvalidAddress.InUse", f"Address {wanted} is already allocated")
        request.tx.scoped("", "").put(
            "_PublicIps", wanted, {"Owner": request.account, "Region": request.region}
        )
        public_ip = wanted
    else:
        public_ip = allocate_public(request.tx, request.account)
    domain = "standard" if request.params.get("Domain") == "standard" else "vpc"
    allocation_id = request.new_id("eipalloc")
    body = {
        "AllocationId": allocation_id,
        "PublicIp": public_ip,
        "Domain": domain,
        "PublicIpv4Pool": request.params.get("PublicIpv4Pool") or "amazon",
        "NetworkBorderGroup": request.params.get("NetworkBorderGroup") or request.region,
        "Tags": request.tags_for("elastic-ip"),
    }
    request.put(KIND, allocation_id, body)
    return {
        key: body[key]
        for key in ("PublicIp", "AllocationId", "PublicIpv4Pool", "NetworkBorderGroup", "Domain")
    }


def find_address(request: Request, allocation_id: str | None, public_ip: str | None) -> dict[str, Any]:
    if allocation_id:
        return request.require(KIND, allocation_id, "InvalidAllocationID.NotFound", "allocation")
    if public_ip:
        for address in request.all(KIND):
            if address["PublicIp"] == public_ip:
                return address
        raise ApiError("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
    raise ApiError("MissingParameter", "Invalid request, expect PublicIp/AllocationId parameter.")


@action("DescribeAddresses")
def describe(request: Request) -> dict[str, Any]:
    addresses = request.all(KIND)
    wanted_ips = request.params.get("PublicIps")
    if wanted_ips:
        known = {a["PublicIp"] for a in addresses}
        missing = [ip for ip in wanted_ips if ip not in known]
        if missing:
            raise ApiError("InvalidAddress.NotFound", f"Address '{missing[0]}' not found.")
        addresses = [a for a in addresses if a["PublicIp"] in wanted_ips]
    listed, _ = request.describe(
        KIND,
        ids=request.params.get("AllocationIds"),
        id_field="AllocationId",
        not_found_code="InvalidAllocationID.NotFound",
        what="allocation",
        filters=FILTERS,
        items=addresses,
        paginate=False,
    )
    return {"Addresses": listed}


def set_public_ip(request: Request, eni_id: str, private_ip: str, association: dict[str, Any] | None) -> None:
    """Put (or take off, with None) a public address on an ENI's private address, and on its
    instance when it is the instance's primary address."""
    eni = request.get("NetworkInterfaces", eni_id)
    if eni is None:
        return
    for entry in eni.get("PrivateIpAddresses") or []:
        if entry.get("PrivateIpAddress") == private_ip:
            if association is None:
                entry.pop("Association", None)
            else:
                entry["Association"] = association
    if eni.get("PrivateIpAddress") == private_ip:
        if association is None:
            eni.pop("Association", None)
        else:
            eni["Association"] = association
    request.put("NetworkInterfaces", eni_id, eni)
    instance_id = (eni.get("Attachment") or {}).get("InstanceId")
    instance = request.get("Instances", instance_id) if instance_id else None
    if instance is None:
        return
    for nic in instance.get("NetworkInterfaces") or []:
        if nic.get("NetworkInterfaceId") == eni_id:
            nic.update({k: v for k, v in eni.items() if k in ("PrivateIpAddresses", "Association")})
            if association is None:
                nic.pop("Association", None)
    if instance.get("PrivateIpAddress") == private_ip:
        if association is None:
            instance.pop("PublicIpAddress", None)
            instance["PublicDnsName"] = ""
        else:
            instance["PublicIpAddress"] = association["PublicIp"]
            instance["PublicDnsName"] = association.get("PublicDnsName", "")
    request.put("Instances", instance["InstanceId"], instance)


def _has_internet_gateway(request: Request, vpc_id: str) -> bool:
    return any(
        a.get("VpcId") == vpc_id
        for gateway in request.all("InternetGateways")
        for a in gateway.get("Attachments", [])
    )


@action("AssociateAddress")
def associate(request: Request) -> dict[str, Any]:
    params = request.params
    if not params.get("InstanceId") and not params.get("NetworkInterfaceId"):
        raise ApiError("MissingParameter", "Invalid request, expect InstanceId/NetworkId parameter.")
    address = find_address(request, params.get("AllocationId"), params.get("PublicIp"))
    if params.get("NetworkInterfaceId"):
        eni = request.require(
            "NetworkInterfaces",
            params["NetworkInterfaceId"],
            "InvalidNetworkInterfaceID.NotFound",
            "network interface",
        )
    else:
        instance = request.require(
            "Instances", params["InstanceId"], "InvalidInstanceID.NotFound", "instance"
        )
        primary = next(
            (
                n
                for n in instance.get("NetworkInterfaces") or []
                if (n.get("Attachment") or {}).get("DeviceIndex", 0) == 0
            ),
            None,
        )
        if primary is None:
            raise ApiError(
                "InvalidInstanceID", f"The instance '{instance['InstanceId']}' has no network interface"
            )
        eni = request.require(
            "NetworkInterfaces",
            primary["NetworkInterfaceId"],
            "InvalidNetworkInterfaceID.NotFound",
            "network interface",
        )
    private_ip = params.get("PrivateIpAddress") or eni["PrivateIpAddress"]
    if private_ip not in {p.get("PrivateIpAddress") for p in eni.get("PrivateIpAddresses") or []} | {
        eni["PrivateIpAddress"]
    }:
        raise ApiError(
            "InvalidParameterValue",
            f"The private IP address {private_ip} is not assigned to {eni['NetworkInterfaceId']}",
        )
    if not _has_internet_gateway(request, eni["VpcId"]):
        raise ApiError(
            "Gateway.NotAttached", f"Network {eni['VpcId']} is not attached to any internet gateway"
        )
    if address.get("AssociationId"):
        same = (
            address.get("NetworkInterfaceId") == eni["NetworkInterfaceId"]
            and address.get("PrivateIpAddress") == private_ip
        )
        if not same and not params.get("AllowReassociation"):
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"resource {address['AllocationId']} is already associated with associate-id {address['AssociationId']}",
            )
        set_public_ip(request, address["NetworkInterfaceId"], address["PrivateIpAddress"], None)
    current = next(
        (
            a
            for a in request.all(KIND)
            if a.get("NetworkInterfaceId") == eni["NetworkInterfaceId"]
            and a.get("PrivateIpAddress") == private_ip
            and a["AllocationId"] != address["AllocationId"]
        ),
        None,
    )
    if current is not None:
        if not params.get("AllowReassociation"):
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"There is already an address associated with {eni['NetworkInterfaceId']} ({private_ip})",
            )
        _disassociate(request, current)
    association_id = request.new_id("eipassoc")
    address.update(
        {
            "AssociationId": association_id,
            "NetworkInterfaceId": eni["NetworkInterfaceId"],
            "NetworkInterfaceOwnerId": request.account,
            "PrivateIpAddress": private_ip,
        }
    )
    instance_id = (eni.get("Attachment") or {}).get("InstanceId")
    if instance_id:
        address["InstanceId"] = instance_id
    else:
        address.pop("InstanceId", None)
    request.put(KIND, address["AllocationId"], address)
    set_public_ip(
        request,
        eni["NetworkInterfaceId"],
        private_ip,
        {
            "AllocationId": address["AllocationId"],
            "AssociationId": association_id,
            "IpOwnerId": request.account,
            "PublicDnsName": public_dns(address["PublicIp"], request.region),
            "PublicIp": address["PublicIp"],
        },
    )
    return {"AssociationId": association_id}


def _disassociate(request: Request, address: dict[str, Any]) -> None:
    if address.get("NetworkInterfaceId"):
        set_public_ip(request, address["NetworkInterfaceId"], address["PrivateIpAddress"], None)
    for key in (
        "AssociationId",
        "NetworkInterfaceId",
        "NetworkInterfaceOwnerId",
        "PrivateIpAddress",
        "InstanceId",
    ):
        address.pop(key, None)
    request.put(KIND, address["AllocationId"], address)


@action("DisassociateAddress")
def disassociate(request: Request) -> dict[str, Any]:
    association_id, public_ip = request.params.get("AssociationId"), request.params.get("PublicIp")
    if association_id:
        address = next((a for a in request.all(KIND) if a.get("AssociationId") == association_id), None)
        if address is None:
            raise not_found("InvalidAssociationID.NotFound", "association", association_id)
    elif public_ip:
        address = find_address(request, None, public_ip)
    else:
        raise ApiError("MissingParameter", "Invalid request, expect PublicIp/AssociationId parameter.")
    _disassociate(request, address)
    return {}


def _in_default_vpc(request: Request, address: dict[str, Any]) -> bool:
    """Whether the address is associated with an instance of a default VPC."""
    if not address.get("InstanceId"):
        return False
    eni = request.get("NetworkInterfaces", address.get("NetworkInterfaceId") or "")
    vpc = request.get("Vpcs", eni.get("VpcId", "")) if eni else None
    return bool(vpc and vpc.get("IsDefault"))


@action("ReleaseAddress")
def release(request: Request) -> dict[str, Any]:
    address = find_address(request, request.params.get("AllocationId"), request.params.get("PublicIp"))
    if address.get("AssociationId"):
        # ReleaseAddress: "[Default VPC] Releasing an Elastic IP address automatically disassociates
        # it [...]. [Nondefault VPC] You must disassociate the Elastic IP address before you can
        # release it. Otherwise, Amazon EC2 returns an error (InvalidIPAddress.InUse)."
        if not _in_default_vpc(request, address):
            raise ApiError("InvalidIPAddress.InUse", f"Address {address['PublicIp']} is in use.")
        _disassociate(request, address)
    request.delete(KIND, address["AllocationId"])
    release_public(request.tx, address["PublicIp"])
    return {}


@action("DescribeAddressesAttribute")
def describe_attribute(request: Request) -> dict[str, Any]:
    """Reverse DNS records of Elastic IPs (none is set: the attribute lists the addresses)."""
    listed = []
    for allocation_id in request.params.get("AllocationIds") or [
        a["AllocationId"] for a in request.all(KIND)
    ]:
        address = request.require(KIND, allocation_id, "InvalidAllocationID.NotFound", "allocation")
        listed.append({"AllocationId": allocation_id, "PublicIp": address["PublicIp"]})
    return {"Addresses": listed}
