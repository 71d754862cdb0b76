"""AWS's state enumerations: one table (``vpcsim.model.states``), equal to botocore's EC2 model
and to what the YAML spec allows, so that what one format reads the other can write."""

from __future__ import annotations

import typing

import botocore.session
import pytest

from vpcsim.formats import spec_schema
from vpcsim.model import states

EC2 = botocore.session.get_session().get_service_model("ec2")

BOTOCORE = {
    "VPC_STATES": "VpcState",
    "SUBNET_STATES": "SubnetState",
    "NAT_GATEWAY_STATES": "NatGatewayState",
    "PEERING_STATUSES": "VpcPeeringConnectionStateReasonCode",
    "INSTANCE_STATES": "InstanceStateName",
    "NETWORK_INTERFACE_STATUSES": "NetworkInterfaceStatus",
    "ATTACHMENT_STATUSES": "AttachmentStatus",
    "VPN_GATEWAY_STATES": "VpnState",
    "TRANSIT_GATEWAY_STATES": "TransitGatewayState",
}

SPEC = {
    "VPC_STATES": (spec_schema.VpcSpec, "state"),
    "SUBNET_STATES": (spec_schema.SubnetSpec, "state"),
    "NAT_GATEWAY_STATES": (spec_schema.NatGatewaySpec, "state"),
    "PEERING_STATUSES": (spec_schema.PeeringConnectionSpec, "status"),
    "INSTANCE_STATES": (spec_schema.InstanceSpec, "state"),
    "NETWORK_INTERFACE_STATUSES": (spec_schema.NetworkInterfaceSpec, "status"),
    "ATTACHMENT_STATUSES": (spec_schema.AttachmentSpec, "status"),
    "INTERNET_GATEWAY_ATTACHMENT_STATES": (spec_schema.InternetGatewaySpec, "attachment_state"),
    "VPN_GATEWAY_STATES": (spec_schema.GatewaySpec, "state"),
    "TRANSIT_GATEWAY_STATES": (spec_schema.TransitGatewaySpec, "state"),
}


@pytest.mark.parametrize("name", sorted(BOTOCORE))
def test_table_is_botocores_enumeration(name: str) -> None:
    assert set(getattr(states, name)) == set(EC2.shape_for(BOTOCORE[name]).enum)


@pytest.mark.parametrize("name", sorted(SPEC))
def test_spec_allows_exactly_the_table(name: str) -> None:
    model, field = SPEC[name]
    annotation = model.model_fields[field].annotation
    allowed = {a for arg in typing.get_args(annotation) for a in (typing.get_args(arg) or (arg,))}
    allowed.discard(type(None))
    assert allowed == set(getattr(states, name))
