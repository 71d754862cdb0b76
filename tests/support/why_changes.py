"""Apply ``why``'s changes from their published parameters, independently of ``why`` itself.

Why apart from ``why``: ``why`` verifies its change sets with its own replay; a test that trusted
that replay would prove nothing. This module reads each change as a user would -- the EC2 action
and its parameters in the JSON output -- and makes it with the model's builder API, so a test can
check that the published change set, applied, opens the path and that each change is needed.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import Any

from vpcsim import ModelError, Network
from vpcsim.analysis.why import Change, WhyResult
from vpcsim.engine import Trace, trace
from vpcsim.engine.flow import Flow

#: Changes that send the flow to another address (a public one) instead of changing the network.
RETARGETING = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"


def apply_change(net: Network, change: Change, flow_after: Flow) -> None:
    p: dict[str, Any] = dict(change.parameters)
    action = change.action
    if action in ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"):
        rule: dict[str, Any] = (
            {"ip_protocol": p["IpProtocol"], "cidr_ipv6": p["CidrIpv6"]}
            if "CidrIpv6" in p
            else {"ip_protocol": p["IpProtocol"], "cidr_ipv4": p["CidrIp"]}
        )
        if "FromPort" in p:
            rule["from_port"], rule["to_port"] = p["FromPort"], p["ToPort"]
        if action.endswith("Ingress"):
            net.authorize_security_group_ingress(p["GroupId"], **rule)
        else:
            net.authorize_security_group_egress(p["GroupId"], **rule)
    elif action == "CreateNetworkAclEntry":
        port_range = (p["PortRange"]["From"], p["PortRange"]["To"]) if "PortRange" in p else None
        icmp = (p["IcmpTypeCode"]["Type"], p["IcmpTypeCode"]["Code"]) if "IcmpTypeCode" in p else None
        net.create_network_acl_entry(
            p["NetworkAclId"],
            p["RuleNumber"],
            egress=p["Egress"],
            rule_action=p["RuleAction"],
            protocol=p["Protocol"],
            cidr_block=p["Ipv6CidrBlock"] if "Ipv6CidrBlock" in p else p["CidrBlock"],
            port_range=port_range,
            icmp_type_code=icmp,
        )
    elif action in ("CreateRoute", "ReplaceRoute"):
        destination = p.get("DestinationIpv6CidrBlock") or p["DestinationCidrBlock"]
        if action == "ReplaceRoute":
            net.delete_route(p["RouteTableId"], destination)
        net.create_route(p["RouteTableId"], destination, p["Target"])
    elif action == "DeleteRoute":
        net.delete_route(p["RouteTableId"], p.get("DestinationIpv6CidrBlock") or p["DestinationCidrBlock"])
    elif action == "AcceptVpcPeeringConnection":
        net.accept_vpc_peering_connection(p["VpcPeeringConnectionId"])
    elif action == "AssociateAddress":
        public = flow_after.destination if change.code == RETARGETING else None
        eip = net.allocate_address(public_ip=public)
        net.associate_address(eip, p["NetworkInterfaceId"], private_ip=p["PrivateIpAddress"])
    elif action == "UsePublicAddress":
        pass  # the flow goes to flow_after's destination
    elif action == "StartInstances":
        for instance in p["InstanceIds"]:
            net.start_instance(instance)
    elif action == "ModifyTransitGateway":
        support = p["Options"]["SecurityGroupReferencingSupport"] == "enable"
        net.modify_transit_gateway(p["TransitGatewayId"], security_group_referencing_support=support)
    elif action == "ModifyTransitGatewayVpcAttachment":
        support = p["Options"]["SecurityGroupReferencingSupport"] == "enable"
        net.modify_transit_gateway_vpc_attachment(
            p["TransitGatewayAttachmentId"], security_group_referencing_support=support
        )
    elif action == "ModifyNetworkInterfaceAttribute" and "SourceDestCheck" in p:
        net.network_interfaces[p["NetworkInterfaceId"]].source_dest_check = p["SourceDestCheck"]
        net.touch()
    else:
        raise AssertionError(f"a verified change the test cannot apply: {change}")


def trace_with(net: Network, result: WhyResult, changes: Sequence[Change]) -> Trace | None:
    """Trace the flow on a copy of ``net`` with ``changes`` made (the original flow unless one of
    them sends it to a public address); None when AWS would refuse one of them without the others
    (a route created where a route deleted by another change stood)."""
    work = copy.deepcopy(net)
    work.touch()
    flow_after = result.flow_after or result.flow
    try:
        for change in changes:
            apply_change(work, change, flow_after)
    except ModelError:
        return None
    retarget = any(c.code == RETARGETING for c in changes)
    flow = flow_after if retarget else dataclasses.replace(flow_after, destination=result.flow.destination)
    return trace(work, flow, record=False)


def assert_fix_opens_and_each_change_is_needed(net: Network, result: WhyResult) -> None:
    """The published contract of ``why``: verified changes (and only they, when ``opens``) open
    the path, and removing any one of them leaves it closed."""
    fixes = [c for c in result.changes if c.verified]
    if result.verdict == "reachable":
        assert result.changes == () and result.opens
        return
    if not result.opens:
        assert fixes == [], f"unverified set with verified changes: {result.changes}"
        return
    assert fixes == list(result.changes), "opens, yet advice is printed alongside the fixes"
    opened = trace_with(net, result, fixes)
    assert opened is not None and opened.reachable, f"the change set does not open the path: {fixes}"
    for i, change in enumerate(fixes):
        without = trace_with(net, result, fixes[:i] + fixes[i + 1 :])
        assert without is None or not without.reachable, f"{change.action} {change.component} is not needed"
