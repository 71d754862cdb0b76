"""VPC endpoints, rule by rule (the reference's endpoint section, part 2 section 4)."""

from __future__ import annotations

import pytest
from tests.support.builders import ANYWHERE, AclRule, B, blockers, custom_acl, hop_ids, security_group, steps
from tests.support.transit import Hub, hub

import vpcsim
from vpcsim.model import ModelError, VpcEndpoint

S3 = "com.amazonaws.us-east-1.s3"


def _interface(
    h: Hub, *, open_to: str = "10.0.0.0/8", service: str = "com.amazonaws.us-east-1.ssm"
) -> VpcEndpoint:
    group = security_group(
        h.net,
        h.b.vpc,
        "endpoint",
        ingress=[{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": open_to}],
    )
    return h.net.create_vpc_endpoint(
        h.b.vpc, service, vpc_endpoint_type="Interface", subnets=[h.b.work], groups=[group]
    )


def _address(h: Hub, endpoint: VpcEndpoint) -> str:
    return h.net.network_interfaces[endpoint.network_interface_ids[0]].private_ip_address


# ------------------------------------------------------------------ interface endpoints


def test_interface_endpoint_answers_https_in_its_vpc() -> None:
    h = hub()
    endpoint = _interface(h)
    sender = h.net.run_instance(h.b.work)
    result = vpcsim.trace(h.net, sender.instance_id, _address(h, endpoint), port=443)
    assert result.verdict == "reachable"
    assert endpoint.network_interface_ids[0] in hop_ids(result, "return")


def test_interface_endpoint_is_reachable_through_a_transit_gateway() -> None:
    """Unlike a gateway endpoint, an interface endpoint is an ordinary address of its VPC."""
    h = hub()
    endpoint = _interface(h)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert result.verdict == "reachable"
    assert h.tgw.transit_gateway_id in hop_ids(result)


def test_no_return_route_from_the_endpoint_to_the_transit_gateway() -> None:
    """RA's additional detail RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY: the endpoint's subnet
    does not route the client back to the gateway; the reply then fails on its own route."""
    h = hub()
    endpoint = _interface(h)
    to_c = h.net.create_route_table(h.b.vpc)  # the endpoint's subnet routes only C to the gateway
    h.net.create_route(to_c, h.c.vpc.cidr_block, h.tgw.transit_gateway_id)
    h.net.associate_route_table(to_c, h.b.work)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    details = steps(result, "detail")
    assert [(d.component, d.rule) for d in details] == [
        (to_c.route_table_id, "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY")
    ]
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", to_c.route_table_id, "return")]
    h.net.create_route(to_c, h.a.vpc.cidr_block, h.tgw.transit_gateway_id)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert result.verdict == "reachable" and not steps(result, "detail")


def test_interface_endpoint_groups_filter_traffic_to_it() -> None:
    h = hub()
    endpoint = _interface(h, open_to=h.b.vpc.cidr_block)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert [(b.code, b.component) for b in result.blockers] == [
        ("ENI_SG_RULES_MISMATCH", endpoint.group_ids[0])
    ]


def test_interface_endpoint_subnet_acl_applies() -> None:
    h = hub()
    endpoint = _interface(h)
    acl = custom_acl(
        h.net,
        h.b.work,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow")],
    )
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert [(b.code, b.component, b.direction) for b in result.blockers] == [
        ("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "inbound")
    ]


def test_interface_endpoint_carries_tcp_only() -> None:
    h = hub()
    endpoint = _interface(h, open_to=ANYWHERE)
    h.net.authorize_security_group_ingress(endpoint.group_ids[0], ip_protocol="-1", cidr_ipv4=ANYWHERE)
    udp = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), protocol="udp", port=443)
    assert blockers(udp) == [B("PROTOCOL_RESTRICTION", endpoint.vpc_endpoint_id, "forward")]
    http = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=80)
    assert blockers(http) == [B("VPCSIM_SERVICE_PORT_CLOSED", endpoint.vpc_endpoint_id, "forward")]


def test_interface_endpoint_not_available_carries_nothing() -> None:
    h = hub()
    endpoint = _interface(h)
    endpoint.state = "pendingacceptance"
    h.net.touch()
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert blockers(result) == [B("BAD_STATE", endpoint.vpc_endpoint_id, "forward")]


def test_endpoint_of_another_providers_service_stays_unknown() -> None:
    h = hub()
    endpoint = _interface(h, service="com.example.vpce.svc-0123456789abcdef0")
    result = vpcsim.trace(h.net, h.a.instance.instance_id, _address(h, endpoint), port=443)
    assert result.verdict == "unknown" and result.codes == ["VPCSIM_OUTSIDE_MODEL"]


# ------------------------------------------------------------------ gateway endpoints


def _gateway(h: Hub) -> tuple[VpcEndpoint, str]:
    s3 = h.net.create_managed_prefix_list(S3, ["52.216.0.0/15"])
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    return h.net.create_vpc_endpoint(
        h.a.vpc, S3, route_tables=[main], prefix_list_id=s3.prefix_list_id
    ), main.route_table_id


def test_prefix_list_route_beats_the_default_route() -> None:
    h = hub()
    igw = h.net.create_internet_gateway()
    h.net.attach_internet_gateway(igw, h.a.vpc)
    endpoint, table = _gateway(h)
    h.net.create_route(table, "0.0.0.0/0", igw.internet_gateway_id)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, "52.216.0.10", port=443)
    assert result.verdict == "reachable" and hop_ids(result)[-1] == endpoint.vpc_endpoint_id


def test_a_more_specific_cidr_route_beats_the_prefix_list_route() -> None:
    h = hub()
    endpoint, table = _gateway(h)
    h.net.create_route(table, "52.216.0.0/24", h.tgw.transit_gateway_id)
    result = vpcsim.trace(h.net, h.a.instance.instance_id, "52.216.0.10", port=443)
    assert endpoint.vpc_endpoint_id not in hop_ids(result)
    assert h.tgw.transit_gateway_id in hop_ids(result)


def test_gateway_endpoint_carries_tcp_and_echo_only() -> None:
    h = hub()
    endpoint, _ = _gateway(h)
    assert (
        vpcsim.trace(h.net, h.a.instance.instance_id, "52.216.0.10", protocol="icmp").verdict == "reachable"
    )
    udp = vpcsim.trace(h.net, h.a.instance.instance_id, "52.216.0.10", protocol="udp", port=53)
    assert blockers(udp) == [B("VPCE_GATEWAY_PROTOCOL_RESTRICTION", endpoint.vpc_endpoint_id, "forward")]


def test_gateway_endpoint_not_usable_across_peering() -> None:
    h = hub()
    _gateway(h)
    pcx = h.net.create_vpc_peering_connection(h.b.vpc, h.a.vpc)
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.create_route(main_b, "52.216.0.0/15", pcx.vpc_peering_connection_id)
    result = vpcsim.trace(h.net, h.b.instance.instance_id, "52.216.0.10", port=443)
    assert [b.code for b in result.blockers] == ["PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"]


def test_an_interface_endpoint_initiates_nothing() -> None:
    h = hub()
    endpoint = _interface(h)
    eni = endpoint.network_interface_ids[0]
    result = vpcsim.trace(h.net, eni, h.b.instance.instance_id, port=22)
    assert blockers(result) == [B("VPCE_INTRA_VPC_TRAFFIC", eni, "forward")]


def test_a_gateway_endpoint_not_available_carries_nothing() -> None:
    h = hub()
    endpoint, _ = _gateway(h)
    endpoint.state = "pending"
    h.net.touch()
    result = vpcsim.trace(h.net, h.a.instance.instance_id, "52.216.0.10", port=443)
    assert blockers(result) == [B("BAD_STATE", endpoint.vpc_endpoint_id, "forward")]


# ------------------------------------------------------------------ Gateway Load Balancer endpoints


def test_a_gateway_load_balancer_endpoint_passes_the_packet_on_unchanged() -> None:
    """[GWLB] A route to a GWLB endpoint sends the packet through the appliances (not analysed:
    PATH_THROUGH_GWLB_NOT_CHECKED) and on by the endpoint subnet's route table, unchanged."""
    h = hub()
    inspection = h.net.create_subnet(h.a.vpc, "10.1.50.0/28", availability_zone="us-east-1a")
    endpoint = h.net.create_vpc_endpoint(
        h.a.vpc,
        "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
        vpc_endpoint_type="GatewayLoadBalancer",
        subnets=[inspection],
    )
    work_table = h.net.create_route_table(h.a.vpc)
    h.net.associate_route_table(work_table, h.a.work)
    h.net.create_route(work_table, "10.0.0.0/8", endpoint.vpc_endpoint_id)
    inspection_table = h.net.create_route_table(h.a.vpc)
    h.net.associate_route_table(inspection_table, inspection)
    h.net.create_route(inspection_table, "10.0.0.0/8", h.tgw.transit_gateway_id)
    result = _ab_trace(h)
    assert result.verdict == "reachable"
    hops = hop_ids(result)
    assert hops.index(endpoint.vpc_endpoint_id) < hops.index(h.tgw.transit_gateway_id)
    gateway = [s for hop in result.forward for s in hop.steps if s.kind == "gateway"]
    assert [s.component for s in gateway] == [endpoint.vpc_endpoint_id]
    # RA's additional detail, where the path crosses the endpoint (the reply, from the transit
    # gateway's attachment straight to the client's subnet, does not)
    assert [(s.component, s.rule) for s in steps(result, "detail")] == [
        (endpoint.vpc_endpoint_id, "PATH_THROUGH_GWLB_NOT_CHECKED")
    ]
    assert endpoint.vpc_endpoint_id not in [h.component for h in result.return_]
    assert not steps(result, "detail", "return")
    bare = vpcsim.trace(h.net, h.a.instance.instance_id, h.b.instance.instance_id, port=22, record=False)
    assert (bare.verdict, bare.blockers, bare.forward) == (result.verdict, result.blockers, ())
    # its subnet's ACL applies to what passes through it
    acl = custom_acl(h.net, inspection, inbound=[], outbound=[AclRule(100, "allow")])
    assert [(b.code, b.component) for b in _ab_trace(h).blockers] == [
        ("SUBNET_ACL_RESTRICTION", acl.network_acl_id)
    ]


def test_a_gateway_load_balancer_endpoint_takes_one_subnet() -> None:
    h = hub()
    with pytest.raises(ModelError):
        h.net.create_vpc_endpoint(
            h.a.vpc, "svc", vpc_endpoint_type="GatewayLoadBalancer", subnets=[h.a.work, h.a.tgw_subnet]
        )


def _ab_trace(h: Hub) -> vpcsim.engine.Trace:
    return vpcsim.trace(h.net, h.a.instance.instance_id, h.b.instance.instance_id, port=22)
