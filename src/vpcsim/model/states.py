"""AWS's enumerations of resource states, as botocore's EC2 service model lists them.

One table for every reader: the AWS importer refuses a value outside these (AWS never returns
one), and the YAML spec's schema allows exactly these, so a network one format accepts can always
be written in the other (``tests/model/test_states.py`` checks both against botocore's model and
the spec's schema).
"""

from __future__ import annotations

from typing import Final

#: botocore shape ``VpcState``.
VPC_STATES: Final = ("pending", "available", "deleting")
#: botocore shape ``SubnetState``.
SUBNET_STATES: Final = ("pending", "available", "unavailable", "failed", "failed-insufficient-capacity")
#: botocore shape ``NatGatewayState``.
NAT_GATEWAY_STATES: Final = ("pending", "failed", "available", "deleting", "deleted")
#: botocore shape ``VpcPeeringConnectionStateReasonCode``.
PEERING_STATUSES: Final = (
    "initiating-request",
    "pending-acceptance",
    "active",
    "deleted",
    "rejected",
    "failed",
    "expired",
    "provisioning",
    "deleting",
)
#: botocore shape ``InstanceStateName``.
INSTANCE_STATES: Final = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
#: botocore shape ``NetworkInterfaceStatus``.
NETWORK_INTERFACE_STATUSES: Final = ("available", "attaching", "in-use", "detaching", "associated")
#: botocore shape ``AttachmentStatus`` (an ENI's attachment).
ATTACHMENT_STATUSES: Final = ("attaching", "attached", "detaching", "detached")
#: botocore shape ``AttachmentStatus`` of an internet gateway's attachment, and ``available``,
#: which AWS returns for a working one (and botocore's enumeration omits).
INTERNET_GATEWAY_ATTACHMENT_STATES: Final = ("available", "attaching", "attached", "detaching", "detached")
#: botocore shape ``VpnState`` (a virtual private gateway).
VPN_GATEWAY_STATES: Final = ("pending", "available", "deleting", "deleted")
#: botocore shape ``TransitGatewayState``.
TRANSIT_GATEWAY_STATES: Final = ("pending", "available", "modifying", "deleting", "deleted")
