"""Reachability Analyzer's shapes from the engine's trace (vpcsim.serve.insights)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim.serve.insights import PathError, analysis_answer, arn, flow_for_path, until_blocked
from vpcsim.testing import PRESETS, generate_flows, generate_network
from vpcsim.testing.strategies import SEEDS


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.load("bastion-nat")


def _id(network: vpcsim.Network, name: str) -> str:
    return network.find_by_name(name)[0].id


def _answer(network: vpcsim.Network, **path: Any) -> tuple[vpcsim.Trace, dict[str, Any]]:
    trace = vpcsim.trace(network, flow_for_path(network, path))
    return trace, analysis_answer(network, trace)


def _ids(components: list[dict[str, Any]]) -> list[str]:
    return [c["Component"]["Id"] for c in components]


def test_reachable_path_lists_every_component_with_its_rule(net: vpcsim.Network) -> None:
    bastion, app = _id(net, "bastion"), _id(net, "app")
    trace, answer = _answer(net, Source=bastion, Destination=app, Protocol="tcp", DestinationPort=22)
    assert trace.reachable and answer["NetworkPathFound"] is True and answer["Explanations"] == []
    forward = answer["ForwardPathComponents"]
    assert [c["SequenceNumber"] for c in forward] == list(range(1, len(forward) + 1))
    assert forward[0]["Component"]["Id"] == bastion and forward[-1]["Component"]["Id"] == app
    assert forward[0]["OutboundHeader"] == {
        "Protocol": "6",
        "SourceAddresses": ["10.0.1.10/32"],
        "DestinationAddresses": ["10.0.2.20/32"],
        "SourcePortRanges": [{"From": 32768, "To": 60999}],
        "DestinationPortRanges": [{"From": 22, "To": 22}],
    }
    source_eni = net.primary_network_interface(bastion)
    assert forward[1]["Component"]["Id"] == source_eni.network_interface_id
    assert forward[1]["AttachedTo"]["Id"] == bastion and forward[1]["Subnet"]["Id"] == source_eni.subnet_id
    rules = {c["Component"]["Id"]: c for c in forward if "SecurityGroupRule" in c}
    inbound = rules[net.primary_network_interface(app).groups[0]]["SecurityGroupRule"]
    assert inbound["Direction"] == "ingress" and inbound["Protocol"] == "tcp"
    assert inbound["PortRange"] == {"From": 22, "To": 22}
    routes = [c["RouteTableRoute"] for c in forward if "RouteTableRoute" in c]
    assert routes == [
        {
            "DestinationCidr": "10.0.0.0/16",
            "GatewayId": "local",
            "Origin": "createroutetable",
            "State": "active",
        }
    ]
    acl_rules = [c["AclRule"] for c in forward if "AclRule" in c]
    assert [(r["Egress"], r["RuleNumber"], r["RuleAction"]) for r in acl_rules] == [
        (True, 100, "allow"),
        (False, 100, "allow"),
    ]
    back = answer["ReturnPathComponents"]
    assert back[0]["Component"]["Id"] == app and back[-1]["Component"]["Id"] == bastion
    assert back[0]["OutboundHeader"]["SourcePortRanges"] == [{"From": 22, "To": 22}]


def test_blocked_path_explains_with_the_engine_codes(net: vpcsim.Network) -> None:
    bastion, app = _id(net, "bastion"), _id(net, "app")
    trace, answer = _answer(net, Source=bastion, Destination=app, Protocol="tcp", DestinationPort=80)
    assert answer["NetworkPathFound"] is False
    assert [e["ExplanationCode"] for e in answer["Explanations"]] == trace.codes == ["ENI_SG_RULES_MISMATCH"]
    (why,) = answer["Explanations"]
    app_eni = net.primary_network_interface(app)
    assert why["Direction"] == "ingress"
    assert why["NetworkInterface"]["Id"] == app_eni.network_interface_id
    assert [g["Id"] for g in why["SecurityGroups"]] == app_eni.groups
    assert why["Vpc"]["Id"] == app_eni.vpc_id
    # the path goes as far as the blocker, and no reply is listed
    assert _ids(answer["ForwardPathComponents"])[-1] == app_eni.network_interface_id
    assert answer["ReturnPathComponents"] == []


def test_acl_deny_names_the_denying_entry(net: vpcsim.Network) -> None:
    bastion, app = _id(net, "bastion"), _id(net, "app")
    acl = net.network_acl_of_subnet(net.primary_network_interface(app).subnet_id)
    assert acl is not None
    net.create_network_acl_entry(
        acl, 50, egress=False, rule_action="deny", protocol="tcp", port_range=(22, 22)
    )
    trace, answer = _answer(net, Source=bastion, Destination=app, Protocol="tcp", DestinationPort=22)
    assert trace.codes == ["SUBNET_ACL_RESTRICTION"]
    (why,) = answer["Explanations"]
    assert why["Acl"]["Id"] == acl.network_acl_id and why["Direction"] == "ingress"
    assert why["AclRule"] == {
        "Cidr": "0.0.0.0/0",
        "Egress": False,
        "Protocol": "tcp",
        "RuleAction": "deny",
        "RuleNumber": 50,
        "PortRange": {"From": 22, "To": 22},
    }


def test_gateways_show_the_translation(net: vpcsim.Network) -> None:
    igw = next(iter(net.internet_gateways))
    bastion = _id(net, "bastion")
    _, answer = _answer(net, Source=igw, Destination=bastion, Protocol="tcp", DestinationPort=22)
    first = answer["ForwardPathComponents"][0]
    assert first["Component"]["Id"] == igw
    assert first["InboundHeader"]["DestinationAddresses"] == ["203.0.113.10/32"]
    assert first["OutboundHeader"]["DestinationAddresses"] == ["10.0.1.10/32"]
    app = _id(net, "app")
    _, answer = _answer(net, Source=app, DestinationIp="8.8.8.8", Protocol="udp", DestinationPort=53)
    (nat,) = [c for c in answer["ForwardPathComponents"] if c["Component"]["Id"].startswith("nat-")]
    assert nat["InboundHeader"]["SourceAddresses"] == ["10.0.2.20/32"]
    assert nat["OutboundHeader"]["SourceAddresses"] != ["10.0.2.20/32"]


def test_private_destination_from_the_internet(net: vpcsim.Network) -> None:
    igw = next(iter(net.internet_gateways))
    trace, answer = _answer(net, Source=igw, Destination=_id(net, "app"), Protocol="tcp", DestinationPort=22)
    assert answer["NetworkPathFound"] is False
    assert [e["ExplanationCode"] for e in answer["Explanations"]] == trace.codes
    assert answer["Explanations"][0]["InternetGateway"]["Id"] == igw
    # the path stops at the gateway that refused it
    assert _ids(answer["ForwardPathComponents"]) == [igw]


def test_a_path_without_port_takes_the_first_allowed_flow(net: vpcsim.Network) -> None:
    igw = next(iter(net.internet_gateways))
    flow = flow_for_path(net, {"Source": igw, "Destination": _id(net, "bastion"), "Protocol": "tcp"})
    assert (flow.protocol, flow.destination_port) == (6, 22)
    # nothing allowed in the filter's range: the lowest port of it, whose trace explains the failure
    flow = flow_for_path(
        net,
        {
            "Source": igw,
            "Destination": _id(net, "bastion"),
            "Protocol": "tcp",
            "FilterAtSource": {"DestinationPortRange": {"FromPort": 8000, "ToPort": 8100}},
        },
    )
    assert flow.destination_port == 8000 and not vpcsim.trace(net, flow).reachable


def test_path_filters_and_ips(net: vpcsim.Network) -> None:
    app = _id(net, "app")
    igw = next(iter(net.internet_gateways))
    flow = flow_for_path(
        net,
        {
            "Source": app,
            "Destination": igw,
            "Protocol": "tcp",
            "DestinationPort": 443,
            "FilterAtSource": {
                "DestinationAddress": "1.1.1.1/32",
                "SourcePortRange": {"FromPort": 40000, "ToPort": 40010},
            },
        },
    )
    assert flow.destination == "1.1.1.1" and flow.source_ports == ((40000, 40010),)


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (
            {"Source": "vpce-0123", "DestinationIp": "10.0.2.20", "Protocol": "tcp", "DestinationPort": 1},
            "VPCSIM_UNSUPPORTED_PATH",
        ),
        ({"Source": "i-0123456789abcdef0", "Protocol": "tcp", "DestinationPort": 22}, "MissingParameter"),
        (
            {
                "Source": "i-0123456789abcdef0",
                "DestinationIp": "10.0.2.20",
                "Protocol": "tcp",
                "DestinationPort": 22,
            },
            "InvalidParameterValue",
        ),
    ],
)
def test_paths_vpcsim_cannot_answer(net: vpcsim.Network, path: dict[str, Any], code: str) -> None:
    with pytest.raises(PathError) as raised:
        flow_for_path(net, path)
    assert raised.value.code == code


def test_explanations_follow_the_trace_for_every_pair(net: vpcsim.Network) -> None:
    enis = list(net.network_interfaces)
    igw = next(iter(net.internet_gateways))
    for source in [*enis, igw]:
        for destination in enis:
            if source == destination:
                continue
            for port in (22, 80, 443):
                try:
                    flow = flow_for_path(
                        net,
                        {
                            "Source": source,
                            "Destination": destination,
                            "Protocol": "tcp",
                            "DestinationPort": port,
                        },
                    )
                except PathError:
                    continue
                trace = vpcsim.trace(net, flow)
                answer = analysis_answer(net, trace)
                assert answer["NetworkPathFound"] is trace.reachable
                assert [e["ExplanationCode"] for e in answer["Explanations"]] == trace.codes
                for component in answer["ForwardPathComponents"] + answer["ReturnPathComponents"]:
                    assert component["Component"]["Id"]


def test_arns_name_the_resource_type() -> None:
    assert arn("tgw-attach-0abc", account="111122223333", region="eu-west-1") == (
        "arn:aws:ec2:eu-west-1:111122223333:transit-gateway-attachment/tgw-attach-0abc"
    )
    assert arn("vpce-1") == "arn:aws:ec2:us-east-1:123456789012:vpc-endpoint/vpce-1"
    assert arn("nat-1") == "arn:aws:ec2:us-east-1:123456789012:natgateway/nat-1"
    assert arn("local") is None


@settings(max_examples=25)
@given(SEEDS, st.integers(0, 2**16))
def test_every_rule_a_trace_names_is_shown(seed: int, flow_seed: int) -> None:
    """On generated networks (peering, prefix lists, NAT, appliances...): the analysis says what the
    trace says (found, codes), numbers its components, and names the rule of every security group,
    ACL and route decision the packet met before its first blocker."""
    network = generate_network(seed, PRESETS["small"])
    for flow in generate_flows(network, flow_seed, 8):
        trace = vpcsim.trace(network, flow)
        answer = analysis_answer(network, trace)
        assert answer["NetworkPathFound"] is trace.reachable
        assert [e["ExplanationCode"] for e in answer["Explanations"]] == trace.codes
        paths = [(answer["ForwardPathComponents"], trace.forward)]
        if answer["ReturnPathComponents"]:
            paths.append((answer["ReturnPathComponents"], trace.return_))
        for components, hops in paths:
            assert [c["SequenceNumber"] for c in components] == list(range(1, len(components) + 1))
            kept, _ = until_blocked(hops)
            steps = [(h.type, s.kind) for h in kept for s in h.steps]
            wanted = {
                "SecurityGroupRule": steps.count(("network-interface", "security-group")),
                "AclRule": steps.count(("subnet", "network-acl")),
                "RouteTableRoute": steps.count(("route-table", "route")),
            }
            for key, count in wanted.items():
                assert sum(key in c for c in components) == count, (key, flow.describe())
            for component in components:
                resource = component["Component"]["Id"]
                assert "Arn" in component["Component"] or network.get(resource) is None
