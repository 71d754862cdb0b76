"""Network interfaces: create/describe/delete, attach/detach, attributes (description, groups,
source/destination check, attachment), private IPv4 and IPv6 addresses.

An ENI's body is ``DescribeNetworkInterfaces``'s item; its tags are kept under ``Tags`` (as every
family's, for ``CreateTags``) and answered as ``TagSet``, the member name of AWS's shape. An ENI
attached to an instance is also shown inside the instance (``Instance.NetworkInterfaces``): every
change here refreshes that view (:func:`vpcsim.serve.actions.instances.refresh`).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from ...model.addressing import private_dns_name as private_dns_name  # re-exported (instances)
from ...model.validate import GROUPS_PER_ENI_QUOTA
from ..addresses import allocate_private, release_public
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..store import Transaction

KIND = "NetworkInterfaces"

FILTERS = {
    "addresses.private-ip-address": field("PrivateIpAddresses", "PrivateIpAddress"),
    "addresses.primary": field("PrivateIpAddresses", "Primary"),
    "addresses.association.public-ip": field("PrivateIpAddresses", "Association", "PublicIp"),
    "addresses.association.owner-id": field("PrivateIpAddresses", "Association", "IpOwnerId"),
    "association.allocation-id": field("Association", "AllocationId"),
    "association.association-id": field("Association", "AssociationId"),
    "association.ip-owner-id": field("Association", "IpOwnerId"),
    "association.public-ip": field("Association", "PublicIp"),
    "association.public-dns-name": field("Association", "PublicDnsName"),
    "attachment.attachment-id": field("Attachment", "AttachmentId"),
    "attachment.attach-time": field("Attachment", "AttachTime"),
    "attachment.delete-on-termination": field("Attachment", "DeleteOnTermination"),
    "attachment.device-index": field("Attachment", "DeviceIndex"),
    "attachment.instance-id": field("Attachment", "InstanceId"),
    "attachment.instance-owner-id": field("Attachment", "InstanceOwnerId"),
    "attachment.status": field("Attachment", "Status"),
    "availability-zone": field("AvailabilityZone"),
    "description": field("Description"),
    "group-id": field("Groups", "GroupId"),
    "group-name": field("Groups", "GroupName"),
    "ipv6-addresses.ipv6-address": field("Ipv6Addresses", "Ipv6Address"),
    "interface-type": field("InterfaceType"),
    "mac-address": field("MacAddress"),
    "network-interface-id": field("NetworkInterfaceId"),
    "owner-id": field("OwnerId"),
    "private-dns-name": field("PrivateDnsName"),
    "private-ip-address": field("PrivateIpAddress"),
    "requester-id": field("RequesterId"),
    "requester-managed": field("RequesterManaged"),
    "source-dest-check": field("SourceDestCheck"),
    "status": field("Status"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
}

ATTRIBUTES = {
    "description": "Description",
    "groupSet": "Groups",
    "sourceDestCheck": "SourceDestCheck",
    "attachment": "Attachment",
    "associatePublicIpAddress": "AssociatePublicIpAddress",
}


# ---------------------------------------------------------------------------------- helpers


def public_dns_name(address: str, region: str) -> str:
    host = "ec2-" + address.replace(".", "-")
    return (
        f"{host}.compute-1.amazonaws.com"
        if region == "us-east-1"
        else f"{host}.{region}.compute.amazonaws.com"
    )


def _mac() -> str:
    return "0e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(5))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def require_eni(tx: Transaction, eni_id: str | None) -> dict[str, Any]:
    body = tx.get(KIND, eni_id) if eni_id else None
    if body is None:
        raise ApiError(
            "InvalidNetworkInterfaceID.NotFound", f"The networkInterface ID '{eni_id}' does not exist"
        )
    return body


def require_subnet(tx: Transaction, subnet_id: str | None) -> dict[str, Any]:
    body = tx.get("Subnets", subnet_id) if subnet_id else None
    if body is None:
        raise ApiError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist")
    return body


def group_refs(tx: Transaction, group_ids: Sequence[str], vpc_id: str) -> list[dict[str, str]]:
    """``Groups`` of an ENI in ``vpc_id``: every group exists and is of that VPC, at most the
    default quota of groups; none given is the VPC's default group."""
    if not group_ids:
        for group in tx.all("SecurityGroups"):
            if group.get("VpcId") == vpc_id and group.get("GroupName") == "default":
                return [{"GroupName": "default", "GroupId": group["GroupId"]}]
        return []
    if len(set(group_ids)) > GROUPS_PER_ENI_QUOTA:
        raise ApiError(
            "SecurityGroupsPerInterfaceLimitExceeded",
            "You have exceeded the maximum number of security groups allowed per network interface.",
        )
    refs: list[dict[str, str]] = []
    for group_id in dict.fromkeys(group_ids):
        if not str(group_id).startswith("sg-"):
            raise ApiError("InvalidGroupId.Malformed", f"The security group ID '{group_id}' is malformed")
        found = tx.get("SecurityGroups", group_id)
        if found is None:
            raise ApiError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")
        group = found
        if group.get("VpcId") != vpc_id:
            raise ApiError(
                "InvalidParameter",
                f"Security group {group_id} and the network interface's subnet belong to different networks.",
            )
        refs.append({"GroupName": group["GroupName"], "GroupId": group_id})
    return refs


def _address_entry(address: str, primary: bool, region: str) -> dict[str, Any]:
    return {
        "Primary": primary,
        "PrivateDnsName": private_dns_name(address, region),
        "PrivateIpAddress": address,
    }


def _ipv6_blocks(subnet: dict[str, Any]) -> list[ipaddress.IPv6Network]:
    return [
        ipaddress.IPv6Network(a["Ipv6CidrBlock"])
        for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
        if a.get("Ipv6CidrBlock")
    ]


def _ipv6_taken(tx: Transaction, subnet_id: str) -> set[str]:
    return {
        a["Ipv6Address"]
        for eni in tx.all(KIND)
        if eni.get("SubnetId") == subnet_id
        for a in eni.get("Ipv6Addresses") or []
    }


def allocate_ipv6(tx: Transaction, subnet: dict[str, Any], wanted: Iterable[str], count: int) -> list[str]:
    """IPv6 addresses of the subnet's block: the ones asked for (checked), then ``count`` more."""
    blocks = _ipv6_blocks(subnet)
    wanted = list(wanted)
    if (wanted or count) and not blocks:
        raise ApiError("InvalidParameterValue", f"Subnet {subnet['SubnetId']} has no IPv6 CIDR block")
    taken = _ipv6_taken(tx, subnet["SubnetId"])
    chosen: list[str] = []
    for text in wanted:
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise ApiError("InvalidParameterValue", f"Invalid value '{text}' for ipv6Address") from None
        if not any(address in block for block in blocks):
            raise ApiError(
                "InvalidParameterValue", f"Address {text} does not fall within the subnet's address range"
            )
        if str(address) in taken:
            raise ApiError("InvalidIPAddress.InUse", f"Address {text} is in use.")
        taken.add(str(address))
        chosen.append(str(address))
    block = blocks[0] if blocks else None
    offset = 4
    while count > 0 and block is not None:
        candidate = str(block.network_address + offset)
        offset += 1
        if candidate not in taken:
            taken.add(candidate)
            chosen.append(candidate)
            count -= 1
    return chosen


def _add_private(
    tx: Transaction, eni: dict[str, Any], subnet: dict[str, Any], wanted: Sequence[str], count: int
) -> list[str]:
    """Give the ENI the ``wanted`` addresses and ``count`` more from its subnet (stored as it
    goes, so each allocation sees the previous ones)."""
    added: list[str] = []
    for address in [*wanted, *([None] * count)]:
        chosen = allocate_private(tx, subnet, address)
        primary = not eni["PrivateIpAddresses"]
        eni["PrivateIpAddresses"].append(_address_entry(chosen, primary, tx.region))
        if primary:
            eni["PrivateIpAddress"] = chosen
            eni["PrivateDnsName"] = private_dns_name(chosen, tx.region)
        tx.put(KIND, eni["NetworkInterfaceId"], eni)
        added.append(chosen)
    return added


def create_eni(
    tx: Transaction,
    subnet: dict[str, Any],
    *,
    group_ids: Sequence[str] = (),
    description: str = "",
    private_ips: Sequence[str] = (),
    secondary_count: int = 0,
    ipv6: Sequence[str] = (),
    ipv6_count: int = 0,
    tags: list[dict[str, str]] | None = None,
    interface_type: str = "interface",
) -> dict[str, Any]:
    """A new, unattached ENI in ``subnet`` (the primary address first; the lowest free one when
    none is given)."""
    eni_id = tx.new_id("eni")
    eni: dict[str, Any] = {
        "AvailabilityZone": subnet["AvailabilityZone"],
        "AvailabilityZoneId": subnet.get("AvailabilityZoneId"),
        "Description": description,
        "Groups": group_refs(tx, group_ids, subnet["VpcId"]),
        "InterfaceType": interface_type,
        "Ipv6Addresses": [],
        "MacAddress": _mac(),
        "NetworkInterfaceId": eni_id,
        "OwnerId": tx.account,
        "PrivateIpAddresses": [],
        "RequesterId": tx.account,
        "RequesterManaged": False,
        "SourceDestCheck": True,
        "Status": "available",
        "SubnetId": subnet["SubnetId"],
        "VpcId": subnet["VpcId"],
        "Tags": list(tags or []),
    }
    eni["Ipv6Addresses"] = [{"Ipv6Address": a} for a in allocate_ipv6(tx, subnet, ipv6, ipv6_count)]
    wanted = list(private_ips)
    _add_private(tx, eni, subnet, wanted, (0 if wanted else 1) + secondary_count)
    return eni


def shown(eni: dict[str, Any]) -> dict[str, Any]:
    """The ENI as ``DescribeNetworkInterfaces`` answers it (tags as ``TagSet``)."""
    return {**eni, "TagSet": eni.get("Tags") or []}


def attach_eni(
    tx: Transaction,
    eni: dict[str, Any],
    instance: dict[str, Any],
    device_index: int,
    *,
    delete_on_termination: bool,
) -> str:
    """Attach ``eni`` to ``instance`` at ``device_index`` (AWS's checks: the ENI is free, the
    index is free, both are in one availability zone)."""
    if eni.get("Attachment") and eni["Attachment"].get("Status") in ("attaching", "attached"):
        raise ApiError("InvalidNetworkInterface.InUse", f"Interface: [{eni['NetworkInterfaceId']}] in use.")
    zone = (instance.get("Placement") or {}).get("AvailabilityZone")
    if zone and zone != eni.get("AvailabilityZone"):
        raise ApiError(
            "InvalidParameterCombination",
            "You may not attach a network interface to an instance if they are not in the same availability zone",
        )
    for other in tx.all(KIND):
        attachment = other.get("Attachment") or {}
        if (
            attachment.get("InstanceId") == instance["InstanceId"]
            and attachment.get("DeviceIndex") == device_index
        ):
            raise ApiError(
                "InvalidParameterValue",
                f"Instance '{instance['InstanceId']}' already has an interface attached at device index '{device_index}'.",
            )
    attachment_id = tx.new_id("eni-attach")
    eni["Attachment"] = {
        "AttachTime": now(),
        "AttachmentId": attachment_id,
        "DeleteOnTermination": delete_on_termination,
        "DeviceIndex": device_index,
        "NetworkCardIndex": 0,
        "InstanceId": instance["InstanceId"],
        "InstanceOwnerId": tx.account,
        "Status": "attached",
    }
    eni["Status"] = "in-use"
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    return attachment_id


def detach_eni(tx: Transaction, eni: dict[str, Any]) -> None:
    eni.pop("Attachment", None)
    eni["Status"] = "available"
    tx.put(KIND, eni["NetworkInterfaceId"], eni)


def set_public_ip(tx: Transaction, eni: dict[str, Any], address: str | None) -> None:
    """Give the ENI's primary address an AWS-owned public address (or take it away, releasing it
    to the pool); an Elastic IP association is left alone."""
    current = eni.get("Association")
    if current and current.get("AllocationId"):
        return
    if current and address is None:
        release_public(tx, current["PublicIp"])
    entries = eni.get("PrivateIpAddresses") or []
    if address is None:
        eni.pop("Association", None)
        for entry in entries:
            if entry.get("Primary"):
                entry.pop("Association", None)
    else:
        association = {
            "IpOwnerId": "amazon",
            "PublicDnsName": public_dns_name(address, tx.region),
            "PublicIp": address,
        }
        eni["Association"] = association
        for entry in entries:
            if entry.get("Primary"):
                entry["Association"] = dict(association)
    tx.put(KIND, eni["NetworkInterfaceId"], eni)


def _refresh(tx: Transaction, eni: dict[str, Any]) -> None:
    from .instances import refresh

    instance_id = (eni.get("Attachment") or {}).get("InstanceId")
    if instance_id:
        refresh(tx, instance_id)


# ---------------------------------------------------------------------------------- actions


@action("CreateNetworkInterface")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    tx = request.tx
    subnet = require_subnet(tx, params.get("SubnetId"))
    wanted = [params["PrivateIpAddress"]] if params.get("PrivateIpAddress") else []
    specs = params.get("PrivateIpAddresses") or []
    for spec in sorted(specs, key=lambda s: not s.get("Primary")):
        if spec.get("PrivateIpAddress") and spec["PrivateIpAddress"] not in wanted:
            wanted.append(spec["PrivateIpAddress"])
    ipv6 = [a.get("Ipv6Address") for a in params.get("Ipv6Addresses") or [] if a.get("Ipv6Address")]
    eni = create_eni(
        tx,
        subnet,
        group_ids=params.get("Groups") or [],
        description=params.get("Description") or "",
        private_ips=wanted,
        secondary_count=params.get("SecondaryPrivateIpAddressCount") or 0,
        ipv6=ipv6,
        ipv6_count=params.get("Ipv6AddressCount") or 0,
        tags=request.tags_for("network-interface"),
        interface_type=params.get("InterfaceType") or "interface",
    )
    return {"NetworkInterface": shown(eni), "ClientToken": params.get("ClientToken")}


@action("DescribeNetworkInterfaces")
def describe(request: Request) -> dict[str, Any]:
    items, token = request.describe(
        KIND,
        ids=request.params.get("NetworkInterfaceIds"),
        id_field="NetworkInterfaceId",
        not_found_code="InvalidNetworkInterfaceID.NotFound",
        what="networkInterface",
        filters=FILTERS,
    )
    return {"NetworkInterfaces": [shown(e) for e in items], "NextToken": token}


@action("DeleteNetworkInterface")
def delete(request: Request) -> dict[str, Any]:
    tx = request.tx
    eni = require_eni(tx, request.params.get("NetworkInterfaceId"))
    if eni.get("Attachment"):
        raise ApiError("InvalidNetworkInterface.InUse", f"Interface: [{eni['NetworkInterfaceId']}] in use.")
    for nat in tx.all("NatGateways"):
        if any(
            a.get("NetworkInterfaceId") == eni["NetworkInterfaceId"]
            for a in nat.get("NatGatewayAddresses") or []
        ):
            raise ApiError(
                "InvalidNetworkInterface.InUse",
                f"Interface: [{eni['NetworkInterfaceId']}] in use by {nat['NatGatewayId']}.",
            )
    association = eni.get("Association") or {}
    if association.get("AllocationId"):
        address = tx.get("Addresses", association["AllocationId"])
        if address is not None:
            for key in (
                "AssociationId",
                "NetworkInterfaceId",
                "NetworkInterfaceOwnerId",
                "PrivateIpAddress",
                "InstanceId",
            ):
                address.pop(key, None)
            tx.put("Addresses", association["AllocationId"], address)
    elif association.get("PublicIp"):
        release_public(tx, association["PublicIp"])
    tx.delete(KIND, eni["NetworkInterfaceId"])
    return {}


@action("AttachNetworkInterface")
def attach(request: Request) -> dict[str, Any]:
    from .instances import require_instance

    tx = request.tx
    params = request.params
    eni = require_eni(tx, params.get("NetworkInterfaceId"))
    instance = require_instance(tx, params.get("InstanceId"))
    if instance["State"]["Name"] not in ("running", "stopped"):
        raise ApiError(
            "IncorrectState",
            f"The instance '{instance['InstanceId']}' is not in a state to attach a network interface",
        )
    attachment_id = attach_eni(tx, eni, instance, int(params["DeviceIndex"]), delete_on_termination=False)
    _refresh(tx, eni)
    return {"AttachmentId": attachment_id, "NetworkCardIndex": 0}


def _by_attachment(tx: Transaction, attachment_id: str | None) -> dict[str, Any]:
    for eni in tx.all(KIND):
        if (eni.get("Attachment") or {}).get("AttachmentId") == attachment_id:
            return eni
    raise ApiError("InvalidAttachmentID.NotFound", f"The attachment ID '{attachment_id}' does not exist")


@action("DetachNetworkInterface")
def detach(request: Request) -> dict[str, Any]:
    tx = request.tx
    eni = _by_attachment(tx, request.params.get("AttachmentId"))
    attachment = eni["Attachment"]
    if attachment.get("DeviceIndex") == 0:
        raise ApiError(
            "OperationNotPermitted",
            "The network interface at device index 0 and networkCard index 0 cannot be detached.",
        )
    instance_id = attachment["InstanceId"]
    detach_eni(tx, eni)
    from .instances import refresh

    refresh(tx, instance_id)
    return {}


@action("DescribeNetworkInterfaceAttribute")
def describe_attribute(request: Request) -> dict[str, Any]:
    eni = require_eni(request.tx, request.params.get("NetworkInterfaceId"))
    name = request.params.get("Attribute")
    if name not in ATTRIBUTES:
        raise ApiError(
            "InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute."
        )
    answer: dict[str, Any] = {"NetworkInterfaceId": eni["NetworkInterfaceId"]}
    if name == "description":
        answer["Description"] = {"Value": eni.get("Description", "")}
    elif name == "groupSet":
        answer["Groups"] = eni.get("Groups") or []
    elif name == "sourceDestCheck":
        answer["SourceDestCheck"] = {"Value": bool(eni.get("SourceDestCheck", True))}
    elif name == "attachment":
        answer["Attachment"] = eni.get("Attachment")
    else:
        answer["AssociatePublicIpAddress"] = bool((eni.get("Association") or {}).get("PublicIp"))
    return answer


@action("ModifyNetworkInterfaceAttribute")
def modify_attribute(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    eni = require_eni(tx, params.get("NetworkInterfaceId"))
    if params.get("Description") is not None:
        eni["Description"] = params["Description"].get("Value", "")
    if params.get("SourceDestCheck") is not None:
        eni["SourceDestCheck"] = bool(params["SourceDestCheck"].get("Value"))
    if params.get("Groups"):
        eni["Groups"] = group_refs(tx, params["Groups"], eni["VpcId"])
    if params.get("Attachment") is not None:
        wanted = params["Attachment"]
        attachment = eni.get("Attachment")
        if attachment is None or attachment.get("AttachmentId") != wanted.get("AttachmentId"):
            raise ApiError(
                "InvalidAttachmentID.NotFound",
                f"The attachment ID '{wanted.get('AttachmentId')}' does not exist",
            )
        if wanted.get("DeleteOnTermination") is not None:
            attachment["DeleteOnTermination"] = bool(wanted["DeleteOnTermination"])
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    _refresh(tx, eni)
    return {}


@action("ResetNetworkInterfaceAttribute")
def reset_attribute(request: Request) -> dict[str, Any]:
    tx = request.tx
    eni = require_eni(tx, request.params.get("NetworkInterfaceId"))
    if request.params.get("SourceDestCheck") not in (None, "sourceDestCheck"):
        raise ApiError("InvalidParameterValue", "Value for parameter sourceDestCheck is invalid.")
    eni["SourceDestCheck"] = True
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    _refresh(tx, eni)
    return {}


@action("AssignPrivateIpAddresses")
def assign_private(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    eni = require_eni(tx, params.get("NetworkInterfaceId"))
    subnet = require_subnet(tx, eni["SubnetId"])
    held = {e["PrivateIpAddress"] for e in eni.get("PrivateIpAddresses") or []}
    wanted = [a for a in params.get("PrivateIpAddresses") or [] if a not in held]
    count = params.get("SecondaryPrivateIpAddressCount") or 0
    if not wanted and not count and not params.get("PrivateIpAddresses"):
        raise ApiError(
            "MissingParameter",
            "The request must contain the parameter privateIpAddress or secondaryPrivateIpAddressCount",
        )
    added = _add_private(tx, eni, subnet, wanted, count)
    _refresh(tx, eni)
    return {
        "NetworkInterfaceId": eni["NetworkInterfaceId"],
        "AssignedPrivateIpAddresses": [{"PrivateIpAddress": a} for a in added],
    }


@action("UnassignPrivateIpAddresses")
def unassign_private(request: Request) -> dict[str, Any]:
    tx = request.tx
    eni = require_eni(tx, request.params.get("NetworkInterfaceId"))
    doomed = set(request.params.get("PrivateIpAddresses") or [])
    held = {e["PrivateIpAddress"]: e for e in eni.get("PrivateIpAddresses") or []}
    for address in doomed:
        entry = held.get(address)
        if entry is None:
            raise ApiError(
                "InvalidParameterValue",
                f"Some of the specified addresses are not assigned to interface {eni['NetworkInterfaceId']}",
            )
        if entry.get("Primary"):
            raise ApiError(
                "InvalidParameterValue", f"The primary private IP address {address} cannot be unassigned"
            )
    eni["PrivateIpAddresses"] = [e for e in eni["PrivateIpAddresses"] if e["PrivateIpAddress"] not in doomed]
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    _refresh(tx, eni)
    return {}


@action("AssignIpv6Addresses")
def assign_ipv6(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    eni = require_eni(tx, params.get("NetworkInterfaceId"))
    subnet = require_subnet(tx, eni["SubnetId"])
    added = allocate_ipv6(tx, subnet, params.get("Ipv6Addresses") or [], params.get("Ipv6AddressCount") or 0)
    eni["Ipv6Addresses"] = [*(eni.get("Ipv6Addresses") or []), *({"Ipv6Address": a} for a in added)]
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    _refresh(tx, eni)
    return {
        "NetworkInterfaceId": eni["NetworkInterfaceId"],
        "AssignedIpv6Addresses": [a["Ipv6Address"] for a in eni["Ipv6Addresses"]],
    }


@action("UnassignIpv6Addresses")
def unassign_ipv6(request: Request) -> dict[str, Any]:
    tx = request.tx
    eni = require_eni(tx, request.params.get("NetworkInterfaceId"))
    doomed = list(request.params.get("Ipv6Addresses") or [])
    held = [a["Ipv6Address"] for a in eni.get("Ipv6Addresses") or []]
    for address in doomed:
        if address not in held:
            raise ApiError(
                "InvalidParameterValue",
                f"Some of the specified addresses are not assigned to interface {eni['NetworkInterfaceId']}",
            )
    eni["Ipv6Addresses"] = [{"Ipv6Address": a} for a in held if a not in doomed]
    tx.put(KIND, eni["NetworkInterfaceId"], eni)
    _refresh(tx, eni)
    return {"NetworkInterfaceId": eni["NetworkInterfaceId"], "UnassignedIpv6Addresses": doomed}
