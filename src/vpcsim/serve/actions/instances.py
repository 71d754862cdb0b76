"""Instances, as far as networking needs them: RunInstances (subnet, private addresses, groups,
public address on launch, extra interfaces), DescribeInstances, Start/Stop/Terminate with AWS's
state transitions, and the attributes that matter to the network (source/destination check,
groups, instance type).

Every instance gets a primary network interface (device index 0) created with it, as AWS does;
the instance's network fields (``NetworkInterfaces``, ``PrivateIpAddress``, ``PublicIpAddress``,
``SecurityGroups``, ``SourceDestCheck``) are a view of its ENIs, rebuilt by :func:`refresh`
whenever one changes. A stopped instance gives back its AWS-assigned public address and gets a
new one when started; a terminated one deletes the interfaces marked ``DeleteOnTermination``
and detaches the others.
"""

from __future__ import annotations

from typing import Any

from ..addresses import allocate_public
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..store import Transaction
from .network_interfaces import (
    KIND as ENIS,
)
from .network_interfaces import (
    attach_eni,
    create_eni,
    detach_eni,
    group_refs,
    now,
    private_dns_name,
    public_dns_name,
    require_eni,
    require_subnet,
    set_public_ip,
)
from .security_groups import find_group

KIND = "Instances"

STATES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

FILTERS = {
    "availability-zone": field("Placement", "AvailabilityZone"),
    "dns-name": field("PublicDnsName"),
    "image-id": field("ImageId"),
    "instance-id": field("InstanceId"),
    "instance-state-code": field("State", "Code"),
    "instance-state-name": field("State", "Name"),
    "instance-type": field("InstanceType"),
    "instance.group-id": field("SecurityGroups", "GroupId"),
    "instance.group-name": field("SecurityGroups", "GroupName"),
    "ip-address": field("PublicIpAddress"),
    "key-name": field("KeyName"),
    "network-interface.addresses.private-ip-address": field(
        "NetworkInterfaces", "PrivateIpAddresses", "PrivateIpAddress"
    ),
    "network-interface.attachment.attachment-id": field("NetworkInterfaces", "Attachment", "AttachmentId"),
    "network-interface.group-id": field("NetworkInterfaces", "Groups", "GroupId"),
    "network-interface.network-interface-id": field("NetworkInterfaces", "NetworkInterfaceId"),
    "network-interface.private-dns-name": field("NetworkInterfaces", "PrivateDnsName"),
    "network-interface.source-dest-check": field("NetworkInterfaces", "SourceDestCheck"),
    "network-interface.subnet-id": field("NetworkInterfaces", "SubnetId"),
    "network-interface.vpc-id": field("NetworkInterfaces", "VpcId"),
    "owner-id": field("_OwnerId"),
    "private-dns-name": field("PrivateDnsName"),
    "private-ip-address": field("PrivateIpAddress"),
    "reservation-id": field("_ReservationId"),
    "source-dest-check": field("SourceDestCheck"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
}

#: DescribeInstanceAttribute's attribute -> (output member, how to read it)
ATTRIBUTES = (
    "instanceType",
    "kernel",
    "ramdisk",
    "userData",
    "disableApiTermination",
    "instanceInitiatedShutdownBehavior",
    "rootDeviceName",
    "blockDeviceMapping",
    "productCodes",
    "sourceDestCheck",
    "groupSet",
    "ebsOptimized",
    "sriovNetSupport",
    "enaSupport",
    "enclaveOptions",
    "disableApiStop",
)


def _state(name: str) -> dict[str, Any]:
    return {"Code": STATES[name], "Name": name}


def require_instance(tx: Transaction, instance_id: str | None) -> dict[str, Any]:
    if not instance_id or not str(instance_id).startswith("i-"):
        raise ApiError("InvalidInstanceID.Malformed", f'Invalid id: "{instance_id}"')
    body = tx.get(KIND, instance_id)
    if body is None:
        raise ApiError("InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist")
    return body


def _interface_view(eni: dict[str, Any]) -> dict[str, Any]:
    """An ENI as ``Instance.NetworkInterfaces`` shows it."""
    attachment = eni.get("Attachment") or {}
    view = {
        "Attachment": {
            k: attachment[k]
            for k in (
                "AttachTime",
                "AttachmentId",
                "DeleteOnTermination",
                "DeviceIndex",
                "Status",
                "NetworkCardIndex",
            )
            if k in attachment
        },
        "Description": eni.get("Description", ""),
        "Groups": eni.get("Groups") or [],
        "Ipv6Addresses": eni.get("Ipv6Addresses") or [],
        "MacAddress": eni.get("MacAddress"),
        "NetworkInterfaceId": eni["NetworkInterfaceId"],
        "OwnerId": eni.get("OwnerId"),
        "PrivateDnsName": eni.get("PrivateDnsName"),
        "PrivateIpAddress": eni.get("PrivateIpAddress"),
        "PrivateIpAddresses": eni.get("PrivateIpAddresses") or [],
        "SourceDestCheck": eni.get("SourceDestCheck", True),
        "Status": eni.get("Status"),
        "SubnetId": eni.get("SubnetId"),
        "VpcId": eni.get("VpcId"),
        "InterfaceType": eni.get("InterfaceType", "interface"),
    }
    if eni.get("Association"):
        view["Association"] = eni["Association"]
    return view


def refresh(tx: Transaction, instance_id: str) -> dict[str, Any] | None:
    """Rebuild an instance's network fields from the ENIs attached to it."""
    instance = tx.get(KIND, instance_id)
    if instance is None:
        return None
    enis = sorted(
        (e for e in tx.all(ENIS) if (e.get("Attachment") or {}).get("InstanceId") == instance_id),
        key=lambda e: e["Attachment"].get("DeviceIndex", 0),
    )
    instance["NetworkInterfaces"] = [_interface_view(e) for e in enis]
    primary = next((e for e in enis if e["Attachment"].get("DeviceIndex") == 0), None)
    if primary is not None:
        instance["SubnetId"] = primary["SubnetId"]
        instance["VpcId"] = primary["VpcId"]
        instance["PrivateIpAddress"] = primary.get("PrivateIpAddress")
        instance["PrivateDnsName"] = primary.get("PrivateDnsName")
        instance["SecurityGroups"] = primary.get("Groups") or []
        instance["SourceDestCheck"] = primary.get("SourceDestCheck", True)
        public = (primary.get("Association") or {}).get("PublicIp")
        instance["PublicIpAddress"] = public
        instance["PublicDnsName"] = public_dns_name(public, tx.region) if public else ""
        if instance["PublicIpAddress"] is None:
            instance.pop("PublicIpAddress")
    tx.put(KIND, instance_id, instance)
    return instance


def _primary_eni(tx: Transaction, instance: dict[str, Any]) -> dict[str, Any] | None:
    for eni in tx.all(ENIS):
        attachment = eni.get("Attachment") or {}
        if attachment.get("InstanceId") == instance["InstanceId"] and attachment.get("DeviceIndex") == 0:
            return eni
    return None


def _default_subnet(tx: Transaction, zone: str | None) -> dict[str, Any]:
    subnets = [s for s in tx.all("Subnets") if s.get("DefaultForAz")]
    if zone:
        subnets = [s for s in subnets if s.get("AvailabilityZone") == zone]
    if not subnets:
        raise ApiError(
            "VPCIdNotSpecified",
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
        )
    return sorted(subnets, key=lambda s: s["AvailabilityZone"])[0]


def _group_ids(tx: Transaction, params: dict[str, Any], spec: dict[str, Any], vpc_id: str) -> list[str]:
    ids = list(spec.get("Groups") or params.get("SecurityGroupIds") or [])
    for name in params.get("SecurityGroups") or []:
        ids.append(find_group(tx, group_name=name, vpc_id=vpc_id)["GroupId"])
    return ids


# ---------------------------------------------------------------------------------- launch


@action("RunInstances")
def run(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    if not params.get("ImageId"):
        raise ApiError("MissingParameter", "The request must contain the parameter ImageId")
    low, high = int(params["MinCount"]), int(params["MaxCount"])
    if low < 1 or high < low:
        raise ApiError("InvalidParameterValue", f"Invalid value for MinCount/MaxCount: {low}/{high}")
    specs = sorted(params.get("NetworkInterfaces") or [], key=lambda s: s.get("DeviceIndex", 0))
    primary_spec: dict[str, Any] = next((s for s in specs if s.get("DeviceIndex", 0) == 0), {})
    if (params.get("PrivateIpAddress") or primary_spec.get("PrivateIpAddress")) and high > 1:
        raise ApiError(
            "InvalidParameterCombination",
            "Cannot specify a private IP address when launching more than one instance",
        )
    zone = (params.get("Placement") or {}).get("AvailabilityZone")
    if primary_spec.get("NetworkInterfaceId"):
        existing = require_eni(tx, primary_spec["NetworkInterfaceId"])
        subnet = require_subnet(tx, existing["SubnetId"])
    elif primary_spec.get("SubnetId") or params.get("SubnetId"):
        subnet = require_subnet(tx, primary_spec.get("SubnetId") or params.get("SubnetId"))
    else:
        subnet = _default_subnet(tx, zone)
    group_ids = _group_ids(tx, params, primary_spec, subnet["VpcId"])
    group_refs(tx, group_ids, subnet["VpcId"])  # checked before anything is created
    public = primary_spec.get("AssociatePublicIpAddress")
    if public is None:
        public = bool(subnet.get("MapPublicIpOnLaunch"))
    reservation = tx.new_id("r")
    instance_tags = request.tags_for("instance")
    eni_tags = request.tags_for("network-interface")
    launched: list[dict[str, Any]] = []
    for index in range(high):
        instance_id = tx.new_id("i")
        instance: dict[str, Any] = {
            "AmiLaunchIndex": index,
            "Architecture": "x86_64",
            "BlockDeviceMappings": [],
            "ClientToken": params.get("ClientToken") or "",
            "EbsOptimized": bool(params.get("EbsOptimized")),
            "EnaSupport": True,
            "Hypervisor": "xen",
            "ImageId": params["ImageId"],
            "InstanceId": instance_id,
            "InstanceType": params.get("InstanceType") or "m1.small",
            "KeyName": params.get("KeyName"),
            "LaunchTime": now(),
            "Monitoring": {
                "State": "enabled" if (params.get("Monitoring") or {}).get("Enabled") else "disabled"
            },
            "NetworkInterfaces": [],
            "Placement": {
                "AvailabilityZone": subnet["AvailabilityZone"],
                "GroupName": "",
                "Tenancy": "default",
            },
            "ProductCodes": [],
            "PublicDnsName": "",
            "RootDeviceName": "/dev/xvda",
            "RootDeviceType": "ebs",
            "SecurityGroups": [],
            "SourceDestCheck": True,
            "State": _state("running"),
            "StateTransitionReason": "",
            "SubnetId": subnet["SubnetId"],
            "VirtualizationType": "hvm",
            "VpcId": subnet["VpcId"],
            "Tags": list(instance_tags),
            "_ReservationId": reservation,
            "_AssociatePublicIp": public,
            "_DisableApiTermination": bool(params.get("DisableApiTermination")),
            "_DisableApiStop": bool(params.get("DisableApiStop")),
            "_ShutdownBehavior": params.get("InstanceInitiatedShutdownBehavior") or "stop",
        }
        tx.put(KIND, instance_id, instance)
        if primary_spec.get("NetworkInterfaceId"):
            eni = require_eni(tx, primary_spec["NetworkInterfaceId"])
        else:
            wanted = [
                a for a in (params.get("PrivateIpAddress") or primary_spec.get("PrivateIpAddress"),) if a
            ]
            eni = create_eni(
                tx,
                subnet,
                group_ids=group_ids,
                description=primary_spec.get("Description") or "",
                private_ips=wanted,
                secondary_count=primary_spec.get("SecondaryPrivateIpAddressCount") or 0,
                tags=eni_tags,
            )
        delete = primary_spec.get("DeleteOnTermination")
        attach_eni(tx, eni, instance, 0, delete_on_termination=True if delete is None else bool(delete))
        if public:
            set_public_ip(tx, eni, allocate_public(tx, eni["NetworkInterfaceId"]))
        for spec in specs:
            device = spec.get("DeviceIndex", 0)
            if device == 0:
                continue
            if spec.get("NetworkInterfaceId"):
                extra = require_eni(tx, spec["NetworkInterfaceId"])
            else:
                extra_subnet = require_subnet(tx, spec.get("SubnetId") or subnet["SubnetId"])
                extra = create_eni(
                    tx,
                    extra_subnet,
                    group_ids=spec.get("Groups") or [],
                    description=spec.get("Description") or "",
                    private_ips=[spec["PrivateIpAddress"]] if spec.get("PrivateIpAddress") else [],
                    tags=eni_tags,
                )
            attach_eni(
                tx, extra, instance, device, delete_on_termination=bool(spec.get("DeleteOnTermination", True))
            )
        body = refresh(tx, instance_id)
        assert body is not None
        launched.append(body)
    shown = [_shown({**i, "State": _state("pending")}) for i in launched]
    return {"ReservationId": reservation, "OwnerId": tx.account, "Groups": [], "Instances": shown}


def _shown(instance: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in instance.items() if not k.startswith("_")}


# ---------------------------------------------------------------------------------- describe


@action("DescribeInstances")
def describe(request: Request) -> dict[str, Any]:
    ids = request.params.get("InstanceIds") or []
    for instance_id in ids:
        if not str(instance_id).startswith("i-"):
            raise ApiError("InvalidInstanceID.Malformed", f'Invalid id: "{instance_id}"')
    items = [{**i, "_OwnerId": request.account} for i in request.all(KIND)]
    found, token = request.describe(
        KIND,
        ids=ids,
        id_field="InstanceId",
        not_found_code="InvalidInstanceID.NotFound",
        what="instance",
        filters=FILTERS,
        items=items,
    )
    reservations: dict[str, dict[str, Any]] = {}
    for instance in found:
        rid = instance.get("_ReservationId", "")
        reservation = reservations.setdefault(
            rid, {"ReservationId": rid, "OwnerId": request.account, "Groups": [], "Instances": []}
        )
        reservation["Instances"].append(_shown(instance))
    return {"Reservations": list(reservations.values()), "NextToken": token}


# ---------------------------------------------------------------------------------- state


def _change(request: Request, key: str, transition: Any) -> dict[str, Any]:
    tx = request.tx
    changes = []
    instances = [require_instance(tx, i) for i in request.params.get("InstanceIds") or []]
    for instance in instances:
        previous = instance["State"]["Name"]
        shown_state, stored_state = transition(tx, instance)
        instance["State"] = _state(stored_state)
        tx.put(KIND, instance["InstanceId"], instance)
        refresh(tx, instance["InstanceId"])
        changes.append(
            {
                "InstanceId": instance["InstanceId"],
                "CurrentState": _state(shown_state),
                "PreviousState": _state(previous),
            }
        )
    return {key: changes}


def _release_public(tx: Transaction, instance: dict[str, Any]) -> None:
    eni = _primary_eni(tx, instance)
    if eni is not None:
        set_public_ip(tx, eni, None)


def _stop(tx: Transaction, instance: dict[str, Any]) -> tuple[str, str]:
    state = instance["State"]["Name"]
    if state in ("stopped", "stopping"):
        return state, "stopped"
    if state != "running" and state != "pending":
        raise ApiError(
            "IncorrectInstanceState",
            f"The instance '{instance['InstanceId']}' is not in a state from which it can be stopped.",
        )
    if instance.get("_DisableApiStop"):
        raise ApiError(
            "OperationNotPermitted",
            f"The instance '{instance['InstanceId']}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.",
        )
    _release_public(tx, instance)
    return "stopping", "stopped"


def _start(tx: Transaction, instance: dict[str, Any]) -> tuple[str, str]:
    state = instance["State"]["Name"]
    if state in ("running", "pending"):
        return state, "running"
    if state != "stopped":
        raise ApiError(
            "IncorrectInstanceState",
            f"The instance '{instance['InstanceId']}' is not in a state from which it can be started.",
        )
    eni = _primary_eni(tx, instance)
    if eni is not None and instance.get("_AssociatePublicIp") and not eni.get("Association"):
        set_public_ip(tx, eni, allocate_public(tx, eni["NetworkInterfaceId"]))
    return "pending", "running"


def _terminate(tx: Transaction, instance: dict[str, Any]) -> tuple[str, str]:
    state = instance["State"]["Name"]
    if state == "terminated":
        return "terminated", "terminated"
    if instance.get("_DisableApiTermination"):
        raise ApiError(
            "OperationNotPermitted",
            f"The instance '{instance['InstanceId']}' may not be terminated. Modify its 'disableApiTermination' "
            "instance attribute and try again.",
        )
    _release_public(tx, instance)
    for eni in tx.all(ENIS):
        attachment = eni.get("Attachment") or {}
        if attachment.get("InstanceId") != instance["InstanceId"]:
            continue
        if attachment.get("DeleteOnTermination"):
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
            tx.delete(ENIS, eni["NetworkInterfaceId"])
        else:
            detach_eni(tx, eni)
    instance.pop("PublicIpAddress", None)
    instance["PublicDnsName"] = ""
    return "shutting-down", "terminated"


@action("StopInstances")
def stop(request: Request) -> dict[str, Any]:
    return _change(request, "StoppingInstances", _stop)


@action("StartInstances")
def start(request: Request) -> dict[str, Any]:
    return _change(request, "StartingInstances", _start)


@action("TerminateInstances")
def terminate(request: Request) -> dict[str, Any]:
    return _change(request, "TerminatingInstances", _terminate)


# ---------------------------------------------------------------------------------- attributes


def _flag(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("Value")
    return value is True or str(value).lower() == "true"


@action("ModifyInstanceAttribute")
def modify_attribute(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    instance = require_instance(tx, params.get("InstanceId"))
    attribute, value = params.get("Attribute"), params.get("Value")
    eni = _primary_eni(tx, instance)
    source_dest = params.get("SourceDestCheck")
    if attribute == "sourceDestCheck":
        source_dest = {"Value": _flag(value)}
    if source_dest is not None and eni is not None:
        eni["SourceDestCheck"] = _flag(source_dest)
        tx.put(ENIS, eni["NetworkInterfaceId"], eni)
    groups = params.get("Groups") or ([value] if attribute == "groupSet" and value else [])
    if groups and eni is not None:
        eni["Groups"] = group_refs(tx, groups, eni["VpcId"])
        tx.put(ENIS, eni["NetworkInterfaceId"], eni)
    instance_type = (params.get("InstanceType") or {}).get("Value") or (
        value if attribute == "instanceType" else None
    )
    if instance_type:
        if instance["State"]["Name"] != "stopped":
            raise ApiError(
                "IncorrectInstanceState",
                f"The instance '{instance['InstanceId']}' is not in the 'stopped' state.",
            )
        instance["InstanceType"] = instance_type
    for name, key in (
        ("DisableApiTermination", "_DisableApiTermination"),
        ("DisableApiStop", "_DisableApiStop"),
    ):
        if params.get(name) is not None:
            instance[key] = _flag(params[name])
        elif attribute and attribute.lower() == name.lower():
            instance[key] = _flag(value)
    if params.get("InstanceInitiatedShutdownBehavior") is not None:
        instance["_ShutdownBehavior"] = params["InstanceInitiatedShutdownBehavior"].get("Value")
    tx.put(KIND, instance["InstanceId"], instance)
    refresh(tx, instance["InstanceId"])
    return {}


@action("DescribeInstanceAttribute")
def describe_attribute(request: Request) -> dict[str, Any]:
    tx = request.tx
    instance = require_instance(tx, request.params.get("InstanceId"))
    name = request.params.get("Attribute")
    if name not in ATTRIBUTES:
        raise ApiError(
            "InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute."
        )
    answer: dict[str, Any] = {"InstanceId": instance["InstanceId"]}
    if name == "instanceType":
        answer["InstanceType"] = {"Value": instance["InstanceType"]}
    elif name == "sourceDestCheck":
        answer["SourceDestCheck"] = {"Value": bool(instance.get("SourceDestCheck", True))}
    elif name == "groupSet":
        answer["Groups"] = instance.get("SecurityGroups") or []
    elif name == "disableApiTermination":
        answer["DisableApiTermination"] = {"Value": bool(instance.get("_DisableApiTermination"))}
    elif name == "disableApiStop":
        answer["DisableApiStop"] = {"Value": bool(instance.get("_DisableApiStop"))}
    elif name == "instanceInitiatedShutdownBehavior":
        answer["InstanceInitiatedShutdownBehavior"] = {"Value": instance.get("_ShutdownBehavior", "stop")}
    elif name == "rootDeviceName":
        answer["RootDeviceName"] = {"Value": instance.get("RootDeviceName")}
    elif name == "blockDeviceMapping":
        answer["BlockDeviceMappings"] = instance.get("BlockDeviceMappings") or []
    elif name == "productCodes":
        answer["ProductCodes"] = instance.get("ProductCodes") or []
    elif name == "ebsOptimized":
        answer["EbsOptimized"] = {"Value": bool(instance.get("EbsOptimized"))}
    elif name == "enaSupport":
        answer["EnaSupport"] = {"Value": bool(instance.get("EnaSupport"))}
    elif name == "enclaveOptions":
        answer["EnclaveOptions"] = {"Enabled": False}
    else:
        answer[
            {
                "kernel": "KernelId",
                "ramdisk": "RamdiskId",
                "userData": "UserData",
                "sriovNetSupport": "SriovNetSupport",
            }[name]
        ] = {}
    return answer


__all__ = ["private_dns_name", "refresh", "require_instance"]
