"""One test per rule of AWS VPC semantics (the AWS VPC User Guide) that the engine implements.

Each test builds the smallest network that isolates the rule, traces it through the public API and
asserts the verdict and the exact blockers. Where the engine disagrees with AWS's documentation, the test states the right answer and is marked ``xfail(strict=True)`` with
the bug in its reason, so that the fix turns it green (and strictness makes it fail loudly then,
until the mark is removed).
"""

from __future__ import annotations

import json
from typing import Literal

import pytest
from tests.support.builders import (
    ANYWHERE,
    INTERNET_HOST,
    LINUX_PORTS,
    NAT_PORTS,
    AclRule,
    B,
    appliance_network,
    blockers,
    custom_acl,
    eni_of,
    hop_ids,
    private_ip,
    public_ip,
    public_private_vpc,
    replace_rules,
    security_group,
    steps,
    tutorial_vpc,
    two_vpcs,
)

import vpcsim
from vpcsim import Network
from vpcsim.model import (
    Instance,
    PrivateIpAddress,
    RouteTable,
    TransitGateway,
    UnknownResource,
    VpcEndpoint,
    validate,
)

INTERNET = f"internet:{INTERNET_HOST}"


# ====================================================================================== routing


def _lpm_network() -> tuple[Network, RouteTable, str, Instance]:
    """A subnet ``src`` (no public IPs) routed 0.0.0.0/0 -> igw and 8.8.8.0/24 -> NAT gateway."""
    p = public_private_vpc()
    net = p.net
    src = net.create_subnet(p.vpc, "10.0.64.0/24", name="src")
    rt = net.create_route_table(p.vpc, name="src-rt")
    net.create_route(rt, ANYWHERE, p.igw.internet_gateway_id)
    net.create_route(rt, "8.8.8.0/24", p.nat.nat_gateway_id)
    net.associate_route_table(rt, src)
    host = net.run_instance(src, name="host", associate_public_ip_address=False)
    return net, rt, p.nat.nat_gateway_id, host


def test_longest_prefix_match_wins() -> None:
    net, _rt, nat_id, host = _lpm_network()
    via_nat = vpcsim.trace(net, host, "internet:8.8.8.8", port=443)
    assert via_nat.verdict == "reachable"
    assert steps(via_nat, "route")[0].rule == f"8.8.8.0/24 -> {nat_id}"
    assert nat_id in hop_ids(via_nat)
    # Outside the /24 the 0.0.0.0/0 route to the IGW applies, and the host has no public IP.
    via_igw = vpcsim.trace(net, host, "internet:1.1.1.1", port=443)
    assert [b.code for b in via_igw.blockers] == ["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]
    rule = steps(via_igw, "route")[0].rule
    assert rule is not None and rule.startswith("0.0.0.0/0 -> igw-")


def test_a_winning_blackhole_drops_with_no_fallback() -> None:
    net, rt, nat_id, host = _lpm_network()
    net.delete_nat_gateway(nat_id)
    # Give the host a public IP so that the shorter 0.0.0.0/0 -> igw route *would* work.
    eip = net.allocate_address()
    net.associate_address(eip, host)
    result = vpcsim.trace(net, host, "internet:8.8.8.8", port=443)
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("BAD_STATE_ROUTE", rt.route_table_id, "forward")]
    assert "8.8.8.0/24" in result.blockers[0].detail
    assert vpcsim.trace(net, host, "internet:1.1.1.1", port=443).verdict == "reachable"


def test_a_route_to_a_deleted_nat_gateway_is_a_blackhole() -> None:
    p = public_private_vpc()
    assert vpcsim.trace(p.net, p.app, INTERNET, port=443).verdict == "reachable"
    p.net.delete_nat_gateway(p.nat)
    result = vpcsim.trace(p.net, p.app, INTERNET, port=443)
    assert blockers(result) == [B("BAD_STATE_ROUTE", p.private_rt.route_table_id, "forward")]
    assert p.nat.nat_gateway_id in result.blockers[0].detail


def test_a_route_read_as_blackhole_drops() -> None:
    t = tutorial_vpc()
    route = next(r for r in t.public_rt.routes if r.destination == ANYWHERE)
    route.state = "blackhole"
    t.net.touch()
    result = vpcsim.trace(t.net, t.web1, INTERNET, port=443)
    assert blockers(result) == [B("BAD_STATE_ROUTE", t.public_rt.route_table_id, "forward")]


@pytest.mark.parametrize("static_first", [True, False])
def test_static_route_beats_propagated_route_for_the_same_prefix(static_first: bool) -> None:
    v = two_vpcs(route_a=False)
    net = v.net
    assert v.pcx is not None
    vgw = net.create_vpn_gateway(v.vpc_a)
    Origin = Literal["CreateRoute", "EnableVgwRoutePropagation"]
    static: tuple[str, Origin] = (v.pcx.vpc_peering_connection_id, "CreateRoute")
    propagated: tuple[str, Origin] = (vgw.vpn_gateway_id, "EnableVgwRoutePropagation")
    for target, origin in (static, propagated) if static_first else (propagated, static):
        net.create_route(v.rt_a, v.vpc_b.cidr_block, target, origin=origin)
    result = vpcsim.trace(net, v.a, v.b, port=22)
    assert result.verdict == "reachable"
    assert steps(result, "route")[0].rule == f"10.1.0.0/16 -> {v.pcx.vpc_peering_connection_id}"


def test_prefix_list_route_beats_propagated_and_loses_to_static() -> None:
    v = two_vpcs(route_a=False)
    net = v.net
    assert v.pcx is not None
    pcx = v.pcx.vpc_peering_connection_id
    vgw = net.create_vpn_gateway(v.vpc_a)
    peer = net.create_managed_prefix_list("peer-vpc", [v.vpc_b.cidr_block])
    net.create_route(v.rt_a, v.vpc_b.cidr_block, vgw.vpn_gateway_id, origin="EnableVgwRoutePropagation")
    assert vpcsim.trace(net, v.a, v.b, port=22).verdict == "unknown"  # only the VGW route so far
    net.create_route(v.rt_a, peer.prefix_list_id, pcx)
    result = vpcsim.trace(net, v.a, v.b, port=22)
    assert result.verdict == "reachable"
    assert steps(result, "route")[0].rule == f"{peer.prefix_list_id} (10.1.0.0/16) -> {pcx}"
    # A static route for the same prefix wins over the prefix-list route.
    net.create_route(v.rt_a, v.vpc_b.cidr_block, vgw.vpn_gateway_id)
    result = vpcsim.trace(net, v.a, v.b, port=22)
    assert blockers(result) == [B("VPCSIM_OUTSIDE_MODEL", vgw.vpn_gateway_id, "forward")]


def test_prefix_list_route_covers_each_of_its_entries() -> None:
    v = two_vpcs(route_a=False)
    net = v.net
    assert v.pcx is not None
    pl = net.create_managed_prefix_list("some-of-b", ["10.1.1.0/24", "10.1.2.0/24"])
    net.create_route(v.rt_a, pl.prefix_list_id, v.pcx.vpc_peering_connection_id)
    result = vpcsim.trace(net, v.a, v.b, port=22)  # b is 10.1.1.4
    assert result.verdict == "reachable"
    assert (
        steps(result, "route")[0].rule
        == f"{pl.prefix_list_id} (10.1.1.0/24) -> {v.pcx.vpc_peering_connection_id}"
    )
    # 10.1.3.0/24 is in VPC B but not in the list: no route.
    assert blockers(vpcsim.trace(net, v.a, "10.1.3.7", port=22)) == [
        B("NO_ROUTE_TO_DESTINATION", v.rt_a.route_table_id, "forward")
    ]


def test_a_subnet_without_explicit_association_follows_the_main_route_table() -> None:
    net = Network(seed="main-rt")
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    instance = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"), associate_public_ip_address=True)
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    assert blockers(vpcsim.trace(net, instance, INTERNET, port=443)) == [
        B("NO_ROUTE_TO_DESTINATION", main.route_table_id, "forward")
    ]
    public = net.create_route_table(vpc)
    net.create_route(public, ANYWHERE, igw.internet_gateway_id)
    net.replace_main_route_table(vpc, public)
    assert vpcsim.trace(net, instance, INTERNET, port=443).verdict == "reachable"


def test_a_routing_loop_is_reported() -> None:
    # The NAT gateway's own subnet routes 8.8.8.0/24 back to the NAT gateway.
    p = public_private_vpc()
    net = p.net
    net.create_route(p.public_rt, "8.8.8.0/24", p.nat.nat_gateway_id)
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert [b.code for b in result.blockers] == ["VPCSIM_ROUTING_LOOP"]


# ====================================================================================== internet gateway


def test_a_detached_igw_is_a_bad_attachment() -> None:
    t = tutorial_vpc(attach_igw=False)
    result = vpcsim.trace(t.net, t.web1, INTERNET, port=443)
    assert blockers(result) == [B("BAD_STATE_ATTACHMENT", t.igw.internet_gateway_id, "forward")]
    # From the internet, the VPC has no attached gateway at all.
    inbound = vpcsim.trace(t.net, "internet", t.web1, port=22)
    assert inbound.verdict == "unreachable"
    assert inbound.codes == ["NO_PATH"]


def test_an_igw_attached_to_another_vpc_is_a_bad_attachment() -> None:
    t = tutorial_vpc(attach_igw=False)
    other = t.net.create_vpc("10.9.0.0/16")
    t.net.attach_internet_gateway(t.igw, other)
    result = vpcsim.trace(t.net, t.web1, INTERNET, port=443)
    assert blockers(result) == [B("BAD_STATE_ATTACHMENT", t.igw.internet_gateway_id, "forward")]


@pytest.mark.parametrize("destination", ["10.99.0.1", "172.16.0.5", "192.168.1.10"])
def test_igw_drops_rfc1918_destinations(destination: str) -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, t.web1, destination, port=443)
    assert blockers(result) == [
        B("IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS", t.igw.internet_gateway_id, "forward")
    ]


def test_igw_drops_rfc6598_destinations_with_their_own_code() -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, t.web1, "100.64.1.1", port=443)
    assert blockers(result) == [
        B("IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS", t.igw.internet_gateway_id, "forward")
    ]


def test_igw_drops_rfc1918_sources_from_the_internet() -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, "internet:192.168.0.1", t.web1, port=22)
    assert result.verdict == "unreachable"
    assert result.codes == ["IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"]


def test_igw_ingress_drop_names_the_gateway() -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, "internet:10.5.5.5", t.web1, port=22)
    assert blockers(result) == [
        B("IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS", t.igw.internet_gateway_id, "forward")
    ]


def test_igw_drops_rfc6598_sources_with_their_own_code() -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, "internet:100.64.0.5", t.web1, port=22)
    assert result.codes == ["IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS"]


def test_igw_one_to_one_nat_works_per_private_address() -> None:
    """An Elastic IP on a secondary private address: inbound to it reaches that address, the
    reply leaves from it; the primary address, without a public IP, cannot use the IGW."""
    t = tutorial_vpc(public_ips=False, firewall="ssh")
    net = t.net
    eni = eni_of(net, t.web1)
    eni.private_ip_addresses.append(PrivateIpAddress(private_ip_address="10.0.0.50"))
    net.touch()
    eip = net.allocate_address()
    net.associate_address(eip, eni, private_ip="10.0.0.50")
    result = vpcsim.trace(net, "internet", eip.public_ip, port=22)
    assert result.verdict == "reachable"
    inbound, outbound = steps(result, "nat")[0], steps(result, "nat", "return")[0]
    assert inbound.before is not None and inbound.after is not None
    assert (inbound.before.destination, inbound.after.destination) == (eip.public_ip, "10.0.0.50")
    assert outbound.before is not None and outbound.after is not None
    assert (outbound.before.source, outbound.after.source) == ("10.0.0.50", eip.public_ip)
    assert vpcsim.trace(net, t.web1, INTERNET, port=443).codes == ["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]


def test_internet_to_an_unowned_public_address_is_an_unknown_destination() -> None:
    t = tutorial_vpc()
    result = vpcsim.trace(t.net, "internet", "8.8.4.4", port=80)
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("UNKNOWN_DESTINATION", "internet", "forward")]
    # From inside, the same address is just a host on the internet.
    assert vpcsim.trace(t.net, t.web1, "8.8.4.4", port=80).verdict == "reachable"


# ====================================================================================== NAT gateway


def test_nat_gateway_carries_tcp_udp_icmp_only() -> None:
    p = public_private_vpc()
    net = p.net
    assert vpcsim.trace(net, p.app, INTERNET, port=443).verdict == "reachable"
    assert vpcsim.trace(net, p.app, INTERNET, protocol="udp", port=123).verdict == "reachable"
    assert vpcsim.trace(net, p.app, INTERNET, protocol="icmp").verdict == "reachable"
    for protocol in (47, 50):
        result = vpcsim.trace(net, p.app, INTERNET, protocol=protocol)
        assert blockers(result) == [B("PROTOCOL_RESTRICTION", p.nat.nat_gateway_id, "forward")], protocol


def test_nat_gateway_is_for_its_own_vpc_only() -> None:
    """VPC B is peered with VPC A, which has a NAT gateway. B cannot use it: routed 0.0.0.0/0 to the
    peering, the packet is refused at the peering (its addresses are not in A) and never reaches
    the NAT gateway; routed straight at A's NAT gateway (a route AWS would refuse to create, but a
    dump may hold), the NAT gateway refuses a source outside its VPC."""
    v = two_vpcs()
    net = v.net
    assert v.pcx is not None
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, v.vpc_a)
    public = net.create_subnet(v.vpc_a, "10.0.0.0/24")
    public_rt = net.create_route_table(v.vpc_a)
    net.create_route(public_rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(public)
    net.create_route(v.rt_a, ANYWHERE, nat.nat_gateway_id)
    assert vpcsim.trace(net, v.a, INTERNET, port=443).verdict == "reachable"

    net.create_route(v.rt_b, ANYWHERE, v.pcx.vpc_peering_connection_id)
    over_peering = vpcsim.trace(net, v.b, INTERNET, port=443)
    assert blockers(over_peering) == [
        B("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", v.pcx.vpc_peering_connection_id, "forward")
    ]
    assert nat.nat_gateway_id not in hop_ids(over_peering)

    net.delete_route(v.rt_b, ANYWHERE)
    net.create_route(v.rt_b, ANYWHERE, nat.nat_gateway_id)
    direct = vpcsim.trace(net, v.b, INTERNET, port=443)
    assert blockers(direct) == [B("NGW_REQUIRES_SOURCE_IN_VPC", nat.nat_gateway_id, "forward")]


def test_nat_gateway_accepts_nothing_unsolicited() -> None:
    p = public_private_vpc()
    net = p.net
    assert p.nat.public_ip is not None
    from_internet = vpcsim.trace(net, "internet", p.nat.public_ip, port=443)
    assert blockers(from_internet) == [B("VPCSIM_NAT_GATEWAY_NO_INBOUND", p.nat.nat_gateway_id, "forward")]
    from_inside = vpcsim.trace(net, p.bastion, p.nat.private_ip, port=443)
    assert blockers(from_inside) == [B("VPCSIM_NAT_GATEWAY_NO_INBOUND", p.nat.nat_gateway_id, "forward")]


def test_nat_gateway_traffic_to_a_public_ip_of_the_same_vpc_hairpins() -> None:
    """app (private, behind the NAT gateway) to the bastion's public IP: out through the NAT and the
    IGW, back in to the bastion, which sees the NAT gateway's Elastic IP as the source."""
    p = public_private_vpc()
    net = p.net
    net.authorize_security_group_ingress(
        p.bastion_sg, ip_protocol="tcp", port=80, cidr_ipv4=f"{p.nat.public_ip}/32"
    )
    result = vpcsim.trace(net, p.app, public_ip(net, p.bastion), port=80)
    assert result.verdict == "reachable"
    assert hop_ids(result).count(p.igw.internet_gateway_id) == 2
    assert hop_ids(result, "return")[-1] == eni_of(net, p.app).network_interface_id
    # The bastion's group sees the Elastic IP, so a rule for the app's private address does not match.
    p.bastion_sg.ingress.pop()
    net.authorize_security_group_ingress(
        p.bastion_sg, ip_protocol="tcp", port=80, cidr_ipv4=f"{private_ip(net, p.app)}/32"
    )
    result = vpcsim.trace(net, p.app, public_ip(net, p.bastion), port=80)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", p.bastion_sg.group_id, "forward", "inbound")]


def test_nat_subnet_acl_is_crossed_twice_each_way() -> None:
    p = public_private_vpc()
    net = p.net
    acl = custom_acl(net, p.public, inbound=[AclRule(100, "allow")], outbound=[AclRule(100, "allow")])
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert result.verdict == "reachable"
    app = private_ip(net, p.app)

    def crossings(path: Literal["forward", "return"]) -> list[tuple[str | None, str]]:
        return [
            (s.direction, s.detail)
            for s in steps(result, "network-acl", path)
            if s.component == acl.network_acl_id
        ]

    forward, back = crossings("forward"), crossings("return")
    assert [d for d, _ in forward] == ["inbound", "outbound"]
    assert f"tcp/443 from {app}" in forward[0][1] and f"tcp/443 to {INTERNET_HOST}" in forward[1][1]
    assert [d for d, _ in back] == ["inbound", "outbound"]
    # Replies come in on the NAT's ports, then go out to the instance's own ephemeral ports.
    assert f"tcp/1024-65535 from {INTERNET_HOST}" in back[0][1]
    assert f"tcp/32768-60999 to {app}" in back[1][1]


def test_nat_subnet_acl_denying_inbound_high_ports_breaks_the_return() -> None:
    p = public_private_vpc()
    net = p.net
    acl = custom_acl(
        net,
        p.public,
        inbound=[AclRule(100, "deny", "tcp", ports=NAT_PORTS), AclRule(200, "allow")],
        outbound=[AclRule(100, "allow")],
    )
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert result.verdict == "unreachable"
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "inbound", (NAT_PORTS,))
    ]
    # The NAT's ports are 1024-65535 whatever the client's: allowing only the Linux range fails partly.
    replace_rules(
        net,
        acl,
        egress=False,
        rules=[
            AclRule(100, "allow", "tcp", ports=(32768, 65535)),
            AclRule(110, "allow", "tcp", ports=(443, 443)),
        ],
    )
    partly = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert blockers(partly) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "inbound", ((1024, 32767),))
    ]


def test_nat_subnet_acl_denying_the_instance_ports_outbound_breaks_the_return() -> None:
    p = public_private_vpc()
    net = p.net
    acl = custom_acl(
        net,
        p.public,
        inbound=[AclRule(100, "allow")],
        outbound=[
            AclRule(100, "deny", "tcp", cidr=p.private.cidr_block, ports=NAT_PORTS),
            AclRule(200, "allow"),
        ],
    )
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound", (LINUX_PORTS,))
    ]


def test_private_nat_gateway_traffic_to_an_igw_is_dropped() -> None:
    p = public_private_vpc(nat_route=False)
    net = p.net
    private_nat = net.create_nat_gateway(p.public, connectivity_type="private")
    assert private_nat.public_ip is None
    net.create_route(p.private_rt, ANYWHERE, private_nat.nat_gateway_id)
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert blockers(result) == [
        B("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", p.igw.internet_gateway_id, "forward")
    ]


# ====================================================================================== gateway endpoints


def _s3_endpoint() -> tuple[Network, Instance, str]:
    """The private subnet of ``public_private_vpc`` with an S3 gateway endpoint: its automatic
    route has the service's prefix list as destination."""
    p = public_private_vpc()
    net = p.net
    s3 = net.create_managed_prefix_list("com.amazonaws.us-east-1.s3", ["52.216.0.0/15"])
    endpoint = net.add(
        VpcEndpoint(
            vpc_endpoint_id="vpce-0123456789abcdef0",
            vpc_id=p.vpc.vpc_id,
            service_name="com.amazonaws.us-east-1.s3",
            route_table_ids=[p.private_rt.route_table_id],
            prefix_list_id=s3.prefix_list_id,
        )
    )
    net.create_route(p.private_rt, s3.prefix_list_id, endpoint.vpc_endpoint_id)
    return net, p.app, endpoint.vpc_endpoint_id


def test_gateway_endpoint_carries_tcp_and_icmp_echo() -> None:
    net, app, vpce = _s3_endpoint()
    for kwargs in ({"port": 443}, {"protocol": "icmp"}):
        result = vpcsim.trace(net, app, "52.216.1.1", **kwargs)
        assert result.verdict == "reachable", kwargs
        assert hop_ids(result)[-1] == vpce and hop_ids(result, "return")[0] == vpce
        assert "nat-" not in " ".join(hop_ids(result))  # the endpoint's prefix list beats 0.0.0.0/0


def test_gateway_endpoint_refuses_udp_with_its_own_code() -> None:
    net, app, vpce = _s3_endpoint()
    result = vpcsim.trace(net, app, "52.216.1.1", protocol="udp", port=53)
    assert blockers(result) == [B("VPCE_GATEWAY_PROTOCOL_RESTRICTION", vpce, "forward")]


# ====================================================================================== peering


def _three_vpcs() -> tuple[Network, Instance, Instance, str, str]:
    """A (10.0/16) - B (10.1/16) - C (10.2/16) peered in a line, routes both ways on each peering
    and, in A and C, routes for the far VPC through B."""
    v = two_vpcs()
    net = v.net
    assert v.pcx is not None
    vpc_c = net.create_vpc("10.2.0.0/16", name="vpc-c")
    subnet_c = net.create_subnet(vpc_c, "10.2.1.0/24")
    sg_c = security_group(net, vpc_c, "sg-c", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/8"}])
    c = net.run_instance(subnet_c, name="c", groups=[sg_c])
    bc = net.create_vpc_peering_connection(v.vpc_b, vpc_c)
    rt_c = net.main_route_table(vpc_c.vpc_id)
    assert rt_c is not None
    net.create_route(v.rt_b, "10.2.0.0/16", bc.vpc_peering_connection_id)
    net.create_route(rt_c, "10.1.0.0/16", bc.vpc_peering_connection_id)
    net.create_route(v.rt_a, "10.2.0.0/16", v.pcx.vpc_peering_connection_id)
    net.create_route(rt_c, "10.0.0.0/16", bc.vpc_peering_connection_id)
    return net, v.a, c, v.pcx.vpc_peering_connection_id, bc.vpc_peering_connection_id


def test_peering_is_not_transitive() -> None:
    net, a, c, ab, bc = _three_vpcs()
    assert vpcsim.trace(net, "b", c, protocol="icmp").verdict == "reachable"
    assert blockers(vpcsim.trace(net, a, c, protocol="icmp")) == [
        B("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", ab, "forward")
    ]
    assert blockers(vpcsim.trace(net, c, a, protocol="icmp")) == [
        B("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", bc, "forward")
    ]


def test_peering_has_no_edge_to_edge_routing() -> None:
    """A cannot use its peer's internet gateway (nor, the same way, its NAT gateway)."""
    v = two_vpcs()
    net = v.net
    assert v.pcx is not None
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, v.vpc_b)
    net.create_route(v.rt_b, ANYWHERE, igw.internet_gateway_id)
    b_public = net.run_instance("subnet-b", name="b-public", associate_public_ip_address=True)
    assert vpcsim.trace(net, b_public, INTERNET, port=443).verdict == "reachable"
    net.create_route(v.rt_a, ANYWHERE, v.pcx.vpc_peering_connection_id)
    result = vpcsim.trace(net, v.a, INTERNET, port=443)
    assert blockers(result) == [
        B("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", v.pcx.vpc_peering_connection_id, "forward")
    ]
    assert igw.internet_gateway_id not in hop_ids(result)


def test_peering_requires_the_destination_in_the_peer_cidr() -> None:
    v = two_vpcs()
    net = v.net
    assert v.pcx is not None
    net.create_route(v.rt_a, "10.50.0.0/16", v.pcx.vpc_peering_connection_id)
    result = vpcsim.trace(net, v.a, "10.50.0.9", port=22)
    assert blockers(result) == [
        B("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", v.pcx.vpc_peering_connection_id, "forward")
    ]
    # In the peer's block but held by nobody.
    nobody = vpcsim.trace(net, v.a, "10.1.1.200", port=22)
    assert blockers(nobody) == [B("NO_POSSIBLE_DESTINATION", v.vpc_b.vpc_id, "forward")]


def test_a_pending_or_deleted_peering_is_a_blackhole() -> None:
    v = two_vpcs(accept=False)
    net = v.net
    assert v.pcx is not None and v.pcx.status == "pending-acceptance"
    assert blockers(vpcsim.trace(net, v.a, v.b, port=22)) == [
        B("BAD_STATE_ROUTE", v.rt_a.route_table_id, "forward")
    ]
    net.accept_vpc_peering_connection(v.pcx)
    assert vpcsim.trace(net, v.a, v.b, port=22).verdict == "reachable"
    v.pcx.status = "deleted"
    net.touch()
    assert blockers(vpcsim.trace(net, v.a, v.b, port=22)) == [
        B("BAD_STATE_ROUTE", v.rt_a.route_table_id, "forward")
    ]


def _peered_across_regions(accepter_region: str) -> tuple[Network, Instance, Instance, str]:
    """VPC A (us-east-1) peered with VPC B (``accepter_region``), both routed; A's server allows
    tcp/22 only from B's client group (a group reference across the peering)."""
    net = Network(seed="inter-region")
    vpc_a = net.create_vpc("10.0.0.0/16", name="a")
    vpc_b = net.create_vpc("10.1.0.0/16", name="b", region=accepter_region)
    subnet_a = net.create_subnet(vpc_a, "10.0.1.0/24")
    subnet_b = net.create_subnet(vpc_b, "10.1.1.0/24")
    pcx = net.create_vpc_peering_connection(vpc_a, vpc_b)
    for vpc, other in ((vpc_a, vpc_b), (vpc_b, vpc_a)):
        table = net.main_route_table(vpc.vpc_id)
        assert table is not None
        net.create_route(table, other.cidr_block, pcx.vpc_peering_connection_id)
    clients = security_group(net, vpc_b, "clients")
    servers = security_group(
        net,
        vpc_a,
        "servers",
        ingress=[{"ip_protocol": "tcp", "port": 22, "referenced_group_id": clients.group_id}],
    )
    server = net.run_instance(subnet_a, name="server", groups=[servers])
    client = net.run_instance(subnet_b, name="client", groups=[clients])
    return net, client, server, servers.group_id


def test_a_group_reference_across_an_inter_region_peering_matches_nothing() -> None:
    """AWS resolves group references in the same VPC or across a same-region peering only
    (reference page, security groups); across regions the rule matches no address: trace,
    reach and validate agree."""
    net, client, server, servers = _peered_across_regions("us-east-1")
    assert vpcsim.trace(net, client, server, port=22).verdict == "reachable"
    net, client, server, servers = _peered_across_regions("eu-west-1")
    result = vpcsim.trace(net, client, server, port=22)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", servers, "forward", "inbound")]
    assert vpcsim.reach(net, client.instance_id, server.instance_id).allowed == ()
    warned = [p for p in validate(net) if p.code == "VPCSIM_SG_REFERENCE_OUT_OF_REACH"]
    assert [p.resource for p in warned] == [servers]


# ====================================================================================== subnets, ACLs


def test_same_subnet_traffic_skips_network_acls_and_route_tables() -> None:
    net = Network(seed="same-subnet")
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    elsewhere = net.create_subnet(vpc, "10.0.2.0/24")
    # The subnet's route table sends its own CIDR to an appliance, and its ACL denies everything:
    # neither applies between two addresses of the subnet.
    appliance = net.create_network_interface(elsewhere)
    rt = net.create_route_table(vpc)
    net.create_route(rt, "10.0.1.0/24", appliance.network_interface_id)
    net.associate_route_table(rt, subnet)
    custom_acl(net, subnet)
    sg = security_group(net, vpc, "vpc", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/16"}])
    a = net.run_instance(subnet, groups=[sg])
    b = net.run_instance(subnet, groups=[sg])
    result = vpcsim.trace(net, a, b, port=5432)
    assert result.verdict == "reachable"
    assert hop_ids(result) == [eni_of(net, a).network_interface_id, eni_of(net, b).network_interface_id]
    assert steps(result, "network-acl") == [] and steps(result, "network-acl", "return") == []
    assert appliance.network_interface_id not in hop_ids(result)
    # Security groups still apply inside a subnet.
    sg.ingress.clear()
    net.touch()
    assert blockers(vpcsim.trace(net, a, b, port=5432)) == [
        B("SG_HAS_NO_RULES", sg.group_id, "forward", "inbound")
    ]


def test_nacl_rules_match_the_destination_port_never_the_source_port() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    # Inbound allows only 32768-60999 -- the client's *source* ports -- so SSH to port 22 is denied.
    acl = custom_acl(
        net,
        t.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", ports=LINUX_PORTS)],
        outbound=[AclRule(100, "allow")],
    )
    result = vpcsim.trace(net, "internet", t.web1, port=22, source_port=40000)
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]


def test_nacl_rules_match_the_remote_cidr() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    acl = custom_acl(
        net,
        t.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", cidr="192.0.2.0/24", ports=(22, 22))],
        outbound=[AclRule(100, "allow", "tcp", cidr="192.0.2.0/24", ports=(1024, 65535))],
    )
    assert vpcsim.trace(net, "internet:192.0.2.10", t.web1, port=22).verdict == "reachable"
    result = vpcsim.trace(net, "internet:198.51.100.7", t.web1, port=22)
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound"),
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound", (LINUX_PORTS,)),
    ]


def test_the_star_rule_applies_even_when_a_dump_omits_it() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = custom_acl(
        net,
        t.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow")],
    )
    acl.entries = [e for e in acl.entries if e.rule_number != 32767]
    net.touch()
    assert vpcsim.trace(net, "internet", t.web1, port=22).verdict == "reachable"
    result = vpcsim.trace(net, "internet", t.web1, port=80)
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]
    assert [s.rule for s in steps(result, "network-acl")] == ["*"]


def test_icmp_echo_reply_is_judged_by_the_nacl() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = custom_acl(net, t.subnet_b, inbound=[AclRule(100, "allow", "icmp", icmp=(8, -1))])
    result = vpcsim.trace(net, t.web1, t.web2, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound")]
    assert [s.action for s in steps(result, "network-acl") if s.component == acl.network_acl_id] == ["allow"]
    net.create_network_acl_entry(
        acl, 100, egress=True, rule_action="allow", protocol="icmp", icmp_type_code=(0, -1)
    )
    assert vpcsim.trace(net, t.web1, t.web2, protocol="icmp").verdict == "reachable"
    # Another ICMP type (timestamp, 13) matches neither rule.
    other = vpcsim.trace(net, t.web1, t.web2, protocol="icmp", icmp_type=13)
    assert [b.direction for b in other.blockers] == ["inbound", "outbound"]


# ====================================================================================== security groups


def test_group_references_match_members_private_addresses_not_public_ones() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    net.authorize_security_group_ingress(t.sg, ip_protocol="-1", referenced_group_id=t.sg.group_id)
    assert vpcsim.trace(net, t.web1, t.web2, protocol="icmp").verdict == "reachable"
    # To web-2's public IP: out through the IGW and back in; web-2 sees web-1's public address.
    hairpin = vpcsim.trace(net, t.web1, public_ip(net, t.web2), protocol="icmp")
    assert hop_ids(hairpin).count(t.igw.internet_gateway_id) == 2
    assert blockers(hairpin) == [B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "inbound")]
    assert public_ip(net, t.web1) in hairpin.blockers[0].detail
    # A rule for web-1's public address lets it in.
    net.authorize_security_group_ingress(
        t.sg, ip_protocol="icmp", from_port=-1, to_port=-1, cidr_ipv4=f"{public_ip(net, t.web1)}/32"
    )
    assert vpcsim.trace(net, t.web1, public_ip(net, t.web2), protocol="icmp").verdict == "reachable"


def test_security_group_rules_can_name_a_prefix_list() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    office = net.create_managed_prefix_list("office", ["192.0.2.0/24", "198.51.100.0/24"])
    net.authorize_security_group_ingress(
        t.sg, ip_protocol="tcp", port=22, prefix_list_id=office.prefix_list_id
    )
    assert vpcsim.trace(net, "internet:192.0.2.5", t.web1, port=22).verdict == "reachable"
    assert vpcsim.trace(net, "internet:198.51.100.5", t.web1, port=22).verdict == "reachable"
    assert blockers(vpcsim.trace(net, "internet:8.8.8.8", t.web1, port=22)) == [
        B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "inbound")
    ]


def test_the_default_group_lets_its_members_talk_and_nobody_else_in() -> None:
    t = tutorial_vpc()
    net = t.net
    a = net.run_instance(t.subnet_a, associate_public_ip_address=True)  # no groups: the VPC's default group
    b = net.run_instance(t.subnet_b)
    default = net.default_security_group(t.vpc.vpc_id)
    assert default is not None and eni_of(net, a).groups == [default.group_id]
    assert vpcsim.trace(net, a, b, port=5432).verdict == "reachable"
    assert blockers(vpcsim.trace(net, "internet", a, port=22)) == [
        B("ENI_SG_RULES_MISMATCH", default.group_id, "forward", "inbound")
    ]
    # web-1 is not a member: the default group's self-reference does not let it in.
    assert blockers(vpcsim.trace(net, t.web1, b, port=5432)) == [
        B("ENI_SG_RULES_MISMATCH", default.group_id, "forward", "inbound")
    ]


def test_icmp_errors_need_their_own_rule() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    result = vpcsim.trace(net, "internet", t.web1, protocol="icmp", icmp_type=3, icmp_code=4)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "inbound")]
    net.authorize_security_group_ingress(t.sg, ip_protocol="icmp", from_port=3, to_port=4, cidr_ipv4=ANYWHERE)
    mtu = vpcsim.trace(net, "internet", t.web1, protocol="icmp", icmp_type=3, icmp_code=4)
    assert mtu.verdict == "reachable"
    assert mtu.return_ == ()  # an ICMP error gets no reply
    assert (
        vpcsim.trace(net, "internet", t.web1, protocol="icmp", icmp_type=3, icmp_code=1).verdict
        == "unreachable"
    )


def test_security_group_cidr_rules_match_the_internet_source() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    net.authorize_security_group_ingress(
        t.sg, ip_protocol="tcp", from_port=20, to_port=25, cidr_ipv4="192.0.2.0/24"
    )
    assert vpcsim.trace(net, "internet:192.0.2.99", t.web1, port=22).verdict == "reachable"
    assert vpcsim.trace(net, "internet:192.0.2.99", t.web1, port=26).codes == ["ENI_SG_RULES_MISMATCH"]
    assert vpcsim.trace(net, "internet:198.51.100.1", t.web1, port=22).codes == ["ENI_SG_RULES_MISMATCH"]


# ====================================================================================== appliances


def test_source_dest_check_on_an_appliance_eni_drops_forwarded_traffic() -> None:
    a = appliance_network(source_dest_check=True)
    result = vpcsim.trace(a.net, a.client, a.server, port=443)
    assert result.verdict == "unreachable"
    eni_id = a.firewall_eni.network_interface_id
    assert blockers(result)[0] == B("ENI_SOURCE_DEST_CHECK_RESTRICTION", eni_id, "forward")
    assert {(b.code, b.component) for b in result.blockers} == {("ENI_SOURCE_DEST_CHECK_RESTRICTION", eni_id)}
    assert eni_id in result.blockers[0].fix


def test_an_appliance_with_source_dest_check_disabled_forwards() -> None:
    a = appliance_network(source_dest_check=False)
    result = vpcsim.trace(a.net, a.client, a.server, port=443)
    assert result.verdict == "reachable"
    eni_id = a.firewall_eni.network_interface_id
    assert eni_id in hop_ids(result) and eni_id in hop_ids(result, "return")
    # The appliance's own security group judges what it forwards.
    a.net.revoke_security_group_ingress(a.firewall_sg)
    a.net.authorize_security_group_ingress(
        a.firewall_sg, ip_protocol="tcp", port=443, cidr_ipv4="10.0.1.0/24"
    )
    assert vpcsim.trace(a.net, a.client, a.server, port=443).verdict == "reachable"
    assert blockers(vpcsim.trace(a.net, a.client, a.server, port=80)) == [
        B("ENI_SG_RULES_MISMATCH", a.firewall_sg.group_id, "forward", "inbound")
    ]


def test_group_references_do_not_match_traffic_through_a_middlebox() -> None:
    a = appliance_network(source_dest_check=False)
    net = a.net
    clients = security_group(net, net.vpcs[a.client.vpc_id], "clients")
    eni_of(net, a.client).groups.append(clients.group_id)
    servers = security_group(
        net,
        net.vpcs[a.client.vpc_id],
        "servers",
        ingress=[{"ip_protocol": "tcp", "port": 443, "referenced_group_id": clients.group_id}],
    )
    eni_of(net, a.server).groups[:] = [servers.group_id]
    net.touch()
    result = vpcsim.trace(net, a.client, a.server, port=443)
    assert result.verdict == "unreachable"
    assert "SG_REFERENCES_NOT_PRESERVED" in result.codes or "ENI_SG_RULES_MISMATCH" in result.codes


def test_a_middlebox_only_on_the_way_back_judges_the_reply_as_new_traffic() -> None:
    """Found by the live lab's differential run (docs/fidelity.md): security groups track
    connections per ENI, so a reply routed through an appliance that never saw the request is
    new traffic there -- its inbound and outbound rules judge it, port by port."""
    a = appliance_network(source_dest_check=False)
    net, eni_id = a.net, a.firewall_eni.network_interface_id
    net.delete_route(a.client_rt, "10.0.2.0/24")  # the request goes straight; the reply does not
    net.touch()
    result = vpcsim.trace(net, a.client, a.server, port=443)
    assert result.verdict == "reachable"
    assert eni_id not in hop_ids(result) and eni_id in hop_ids(result, "return")
    net.revoke_security_group_egress(a.firewall_sg)
    assert blockers(vpcsim.trace(net, a.client, a.server, port=443)) == [
        B("SG_HAS_NO_RULES", a.firewall_sg.group_id, "return", "outbound", ((32768, 60999),))
    ]
    net.authorize_security_group_egress(a.firewall_sg, ip_protocol="-1", cidr_ipv4="10.0.1.0/24")
    net.revoke_security_group_ingress(a.firewall_sg)
    net.authorize_security_group_ingress(
        a.firewall_sg, ip_protocol="tcp", from_port=32768, to_port=40000, cidr_ipv4="10.0.2.0/24"
    )
    assert blockers(vpcsim.trace(net, a.client, a.server, port=443)) == [
        B("ENI_SG_RULES_MISMATCH", a.firewall_sg.group_id, "return", "inbound", ((40001, 60999),))
    ]
    assert vpcsim.trace(net, a.client, a.server, port=443, source_port=33000).verdict == "reachable"
    assert vpcsim.trace(net, a.client, a.server, port=443, source_port=50000).verdict == "unreachable"
    # Where the request passed the appliance too, the reply is tracked there.
    net.create_route(a.client_rt, "10.0.2.0/24", eni_id)
    net.authorize_security_group_ingress(a.firewall_sg, ip_protocol="tcp", port=443, cidr_ipv4="10.0.1.0/24")
    net.authorize_security_group_egress(a.firewall_sg, ip_protocol="tcp", port=443, cidr_ipv4="10.0.2.0/24")
    assert vpcsim.trace(net, a.client, a.server, port=443).verdict == "reachable"


def _nat_instance(source_dest_check: bool) -> tuple[Network, Instance, Instance, RouteTable]:
    p = public_private_vpc(nat_route=False)
    net = p.net
    sg = security_group(
        net, p.vpc, "nat-instance", ingress=[{"ip_protocol": "-1", "cidr_ipv4": p.private.cidr_block}]
    )
    nat = net.run_instance(
        p.public,
        name="nat-instance",
        groups=[sg],
        associate_public_ip_address=True,
        source_dest_check=source_dest_check,
    )
    net.create_route(p.private_rt, ANYWHERE, nat.instance_id)
    return net, nat, p.app, p.private_rt


def test_nat_instance_with_source_dest_check_disabled_translates() -> None:
    net, nat, app, _ = _nat_instance(source_dest_check=False)
    result = vpcsim.trace(net, app, INTERNET, port=443)
    assert result.verdict == "reachable"
    masquerade, igw_nat = steps(result, "nat")
    assert masquerade.component == eni_of(net, nat).network_interface_id
    assert masquerade.before is not None and masquerade.after is not None
    assert (masquerade.before.source, masquerade.after.source) == (private_ip(net, app), private_ip(net, nat))
    assert igw_nat.after is not None and igw_nat.after.source == public_ip(net, nat)
    assert hop_ids(result, "return")[-1] == eni_of(net, app).network_interface_id


def test_a_nat_instance_translates_a_reply_it_never_saw_the_request_of() -> None:
    """Found by the live lab's differential run (docs/fidelity.md): to a NAT instance, a UDP
    reply of a connection it never saw is new traffic, which it masquerades like any other: the
    client then gets its answer from the wrong address."""
    net, nat, app, private_rt = _nat_instance(source_dest_check=False)
    eip = net.allocate_address()
    net.associate_address(eip, app)
    group = net.security_groups[eni_of(net, app).groups[0]]
    net.authorize_security_group_ingress(group, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    net.authorize_security_group_ingress(group, ip_protocol="udp", port=53, cidr_ipv4=ANYWHERE)
    result = vpcsim.trace(net, INTERNET, app, port=53, protocol="udp")
    assert result.verdict == "unreachable"
    assert [b.code for b in result.blockers] == ["VPCSIM_ASYMMETRIC_REPLY"]
    assert eni_of(net, nat).network_interface_id in hop_ids(result, "return")
    # A lone TCP SYN-ACK is no new connection to Linux (conntrack calls it invalid): it is
    # forwarded untranslated, and the exchange completes.
    assert vpcsim.trace(net, INTERNET, app, port=22).verdict == "reachable"
    igw = next(iter(net.internet_gateways))
    net.create_route(private_rt, f"{INTERNET_HOST}/32", igw)
    assert vpcsim.trace(net, INTERNET, app, port=53, protocol="udp").verdict == "reachable"


def test_nat_instance_with_source_dest_check_on_drops() -> None:
    """The check is the one blocker: past it the walk goes on as if the check were off, so the
    instance still translates (no artificial IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS on the app)."""
    net, nat, app, _ = _nat_instance(source_dest_check=True)
    result = vpcsim.trace(net, app, INTERNET, port=443)
    assert result.verdict == "unreachable"
    assert blockers(result) == [
        B("ENI_SOURCE_DEST_CHECK_RESTRICTION", eni_of(net, nat).network_interface_id, "forward")
    ]
    masquerade, _ = steps(result, "nat")
    assert masquerade.component == eni_of(net, nat).network_interface_id
    eni_of(net, nat).source_dest_check = False
    net.touch()
    assert vpcsim.trace(net, app, INTERNET, port=443).verdict == "reachable"


def test_a_route_to_a_stopped_nat_instance_is_a_blackhole() -> None:
    net, nat, app, private_rt = _nat_instance(source_dest_check=False)
    net.stop_instance(nat)
    assert blockers(vpcsim.trace(net, app, INTERNET, port=443)) == [
        B("BAD_STATE_ROUTE", private_rt.route_table_id, "forward")
    ]


# ====================================================================================== instances


def test_a_stopped_instance_neither_receives_nor_sends() -> None:
    t = tutorial_vpc()
    net = t.net
    net.stop_instance(t.web2)
    for src, dst in ((t.web1, t.web2), (t.web2, t.web1)):
        result = vpcsim.trace(net, src, dst, protocol="icmp")
        assert result.verdict == "unreachable"
        assert blockers(result)[0] == B("BAD_STATE", t.web2.instance_id, "forward")
        assert {b.code for b in result.blockers} == {"BAD_STATE"}
    net.start_instance(t.web2)
    assert vpcsim.trace(net, t.web1, t.web2, protocol="icmp").verdict == "reachable"


def test_traffic_to_the_sender_s_own_address_is_loopback() -> None:
    """An instance talking to its own address never leaves it: no security group (here one with
    no rule), ACL (deny all) or route is involved. The reference pages are silent (it never
    reaches the VPC); the lab realises the same. A stopped instance talks to nobody."""
    p = public_private_vpc()
    net = p.net
    net.revoke_security_group_egress(p.app_sg)
    acl = custom_acl(net, p.private)
    own = private_ip(net, p.app)
    for kwargs in ({"port": 5432}, {"port": 53, "protocol": "udp"}, {"protocol": "icmp"}, {"protocol": "47"}):
        result = vpcsim.trace(net, p.app, own, **kwargs)  # type: ignore[arg-type]
        assert result.verdict == "reachable", kwargs
        assert hop_ids(result) == [eni_of(net, p.app).network_interface_id]
        assert acl.network_acl_id not in hop_ids(result) + hop_ids(result, "return")
    assert vpcsim.reach(net, p.app.instance_id, own).to_dict()["allowed"][0]["protocol"] == "all"
    # Another address of the same ENI is its own too.
    extra = "10.0.2.200"
    eni_of(net, p.app).private_ip_addresses.append(PrivateIpAddress(private_ip_address=extra))
    net.touch()
    assert vpcsim.trace(net, p.app, extra, port=22).verdict == "reachable"
    net.stop_instance(p.app)
    assert blockers(vpcsim.trace(net, p.app, own, port=22)) == [B("BAD_STATE", p.app.instance_id, "forward")]


@pytest.mark.parametrize(
    ("interface_type", "description", "code"),
    [
        (
            "transit_gateway",
            "Network Interface for Transit Gateway Attachment tgw-attach-0123",
            "VPCSIM_NOT_A_HOST",
        ),
        (
            "interface",
            "Network Interface for Transit Gateway Attachment tgw-attach-0123",
            "VPCSIM_NOT_A_HOST",
        ),
        ("lambda", "AWS Lambda VPC ENI-fn-1", "VPCSIM_NOT_A_HOST"),
        ("gateway_load_balancer_endpoint", "VPC Endpoint Interface vpce-0123", "VPCSIM_NOT_A_HOST"),
        ("interface", "ELB app/web/50dc6c495c0c9188", "VPCSIM_OUTSIDE_MODEL"),
        ("network_load_balancer", "ELB net/api/725b996cb6be8fba", "VPCSIM_OUTSIDE_MODEL"),
        ("vpc_endpoint", "VPC Endpoint Interface vpce-0123", "VPCSIM_OUTSIDE_MODEL"),
        ("quicksight", "", "VPCSIM_OUTSIDE_MODEL"),
    ],
)
def test_an_eni_aws_manages_for_a_service_answers_as_no_host(
    interface_type: str, description: str, code: str
) -> None:
    """Transit gateway attachment, load balancer, endpoint ENIs (as describe-network-interfaces
    gives them) are no hosts: traffic to one is unreachable (it answers nothing) or unknown (its
    listeners or service are not modelled), whatever their groups allow; they are no matrix rows."""
    t = tutorial_vpc(firewall="open")
    net = t.net
    eni = net.create_network_interface(
        t.subnet_b, groups=[t.sg], interface_type=interface_type, description=description
    )
    result = vpcsim.trace(net, t.web1, eni.private_ip_address, port=443)
    assert blockers(result) == [B(code, eni.network_interface_id, "forward")]
    assert result.return_ == ()
    # An ordinary ENI of the user's in the same place answers.
    own = net.create_network_interface(t.subnet_b, groups=[t.sg], description="my spare ENI")
    assert vpcsim.trace(net, t.web1, own.private_ip_address, port=443).verdict == "reachable"
    for by in ("instance", "subnet", "security-group"):
        result_m = vpcsim.matrix(net, by=by)  # type: ignore[arg-type]
        assert eni.network_interface_id not in result_m.labels
        assert own.network_interface_id in result_m.labels or by != "instance"


# ====================================================================================== protocols and addresses


def test_other_protocol_numbers_are_filtered_by_number() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    net.authorize_security_group_ingress(t.sg, ip_protocol="47", cidr_ipv4="10.0.0.0/16")
    gre = vpcsim.trace(net, t.web1, t.web2, protocol=47)
    assert gre.verdict == "reachable"
    assert gre.flow.destination_port is None
    assert blockers(vpcsim.trace(net, t.web1, t.web2, protocol=50)) == [
        B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "inbound")
    ]
    acl = custom_acl(
        net, t.subnet_b, inbound=[AclRule(100, "allow", 47)], outbound=[AclRule(100, "allow", 47)]
    )
    assert vpcsim.trace(net, t.web1, t.web2, protocol=47).verdict == "reachable"
    net.authorize_security_group_ingress(t.sg, ip_protocol="50", cidr_ipv4="10.0.0.0/16")
    assert blockers(vpcsim.trace(net, t.web1, t.web2, protocol=50)) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound"),
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound"),
    ]


def test_an_unowned_private_destination_has_no_possible_destination() -> None:
    t = tutorial_vpc()
    net = t.net
    # Inside the VPC, in no subnet.
    assert blockers(vpcsim.trace(net, t.web1, "10.0.200.1", port=80)) == [
        B("NO_POSSIBLE_DESTINATION", t.vpc.vpc_id, "forward")
    ]
    # Inside the sender's own subnet.
    subnet_id = t.subnet_a.subnet_id
    assert blockers(vpcsim.trace(net, t.web1, "10.0.0.200", port=80)) == [
        B("NO_POSSIBLE_DESTINATION", subnet_id, "forward")
    ]


def test_the_resolver_is_only_at_the_primary_block_base_plus_two() -> None:
    net = Network(seed="secondary")
    vpc = net.create_vpc("10.0.0.0/16")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    first = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"))
    second = net.run_instance(net.create_subnet(vpc, "10.1.1.0/24"))
    assert (
        vpcsim.trace(net, first, second, protocol="icmp").verdict == "reachable"
    )  # the secondary block's local route
    assert vpcsim.trace(net, second, "10.0.0.2", protocol="udp", port=53).verdict == "reachable"
    assert blockers(vpcsim.trace(net, second, "10.1.0.2", protocol="udp", port=53)) == [
        B("NO_POSSIBLE_DESTINATION", vpc.vpc_id, "forward")
    ]


# ====================================================================================== reporting


def test_every_blocker_is_reported_in_path_order() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    net.revoke_security_group_egress(t.sg)
    net.authorize_security_group_egress(t.sg, ip_protocol="udp", port=53, cidr_ipv4=ANYWHERE)
    acl = custom_acl(
        net, t.subnet_b, inbound=[AclRule(100, "deny", "tcp", ports=(22, 22)), AclRule(200, "allow")]
    )
    result = vpcsim.trace(net, t.web1, t.web2, port=22)
    assert result.verdict == "unreachable"
    assert blockers(result) == [
        B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "outbound"),
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound"),
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound", (LINUX_PORTS,)),
    ]
    assert all(b.fix and b.detail for b in result.blockers)


def test_a_vpn_gateway_route_makes_the_verdict_unknown() -> None:
    t = tutorial_vpc()
    net = t.net
    vgw = net.create_vpn_gateway(t.vpc)
    net.create_route(t.public_rt, "192.168.0.0/16", vgw.vpn_gateway_id)
    result = vpcsim.trace(net, t.web1, "192.168.1.10", port=22)
    assert result.verdict == "unknown"
    assert result.reachable is False
    assert blockers(result) == [B("VPCSIM_OUTSIDE_MODEL", vgw.vpn_gateway_id, "forward")]
    # A definite blocker on the way makes it unreachable, not unknown.
    net.revoke_security_group_egress(t.sg)
    assert vpcsim.trace(net, t.web1, "192.168.1.10", port=22).verdict == "unreachable"
    # A VGW not attached to the VPC is a bad attachment.
    vgw.vpc_ids.clear()
    net.touch()
    assert vpcsim.trace(net, t.web1, "192.168.1.10", port=22).codes[-1] == "BAD_STATE_ATTACHMENT"


def test_a_transit_gateway_route_leaves_the_model() -> None:
    t = tutorial_vpc()
    net = t.net
    tgw = net.add(TransitGateway(transit_gateway_id="tgw-0aaaabbbbccccdddd", vpc_ids=[t.vpc.vpc_id]))
    net.create_route(t.public_rt, "10.200.0.0/16", tgw.transit_gateway_id)
    result = vpcsim.trace(net, t.web1, "10.200.0.1", port=22)
    assert result.verdict == "unknown"
    assert blockers(result) == [B("VPCSIM_OUTSIDE_MODEL", tgw.transit_gateway_id, "forward")]


def test_an_unknown_resource_makes_the_verdict_unknown() -> None:
    t = tutorial_vpc()
    net = t.net
    net.add(
        UnknownResource(
            resource_id="tgw-0123456789abcdef0", resource_type="transit-gateway", reason="not in the dump"
        )
    )
    net.create_route(t.public_rt, "172.16.0.0/12", "tgw-0123456789abcdef0")
    result = vpcsim.trace(net, t.web1, "172.16.1.10", port=22)
    assert result.verdict == "unknown"
    assert blockers(result) == [B("UNKNOWN_RESOURCE", "tgw-0123456789abcdef0", "forward")]


# ====================================================================================== JSON contract


TRACE_KEYS = {"schema_version", "verdict", "reachable", "flow", "forward", "return", "blockers"}
HOP_KEYS = {"component", "type", "steps"}
BLOCKER_KEYS = {"code", "component", "path", "direction", "ports", "detail", "fix"}


def _check_contract(document: dict[str, object]) -> None:
    assert set(document) == TRACE_KEYS
    assert document["schema_version"] == 1
    assert document["verdict"] in ("reachable", "unreachable", "unknown")
    assert document["reachable"] is (document["verdict"] == "reachable")
    for path in ("forward", "return"):
        hops = document[path]
        assert isinstance(hops, list)
        for hop in hops:
            assert set(hop) == HOP_KEYS
            assert isinstance(hop["component"], str) and isinstance(hop["steps"], list)
    blockers_ = document["blockers"]
    assert isinstance(blockers_, list)
    for blocker in blockers_:
        assert set(blocker) == BLOCKER_KEYS
        assert blocker["path"] in ("forward", "return")
        assert blocker["direction"] in ("inbound", "outbound", None)
        ports = blocker["ports"]
        assert ports is None or all(isinstance(r, list) and len(r) == 2 for r in ports)
    assert json.loads(json.dumps(document)) == document  # plain JSON, round-trips


def test_to_dict_matches_the_json_contract() -> None:
    p = public_private_vpc()
    net = p.net
    reachable = vpcsim.trace(net, p.app, INTERNET, port=443).to_dict()
    _check_contract(reachable)
    assert reachable["verdict"] == "reachable" and reachable["reachable"] is True
    assert reachable["blockers"] == []
    forward = reachable["forward"]
    assert isinstance(forward, list)
    assert forward[-1]["component"] == "internet" and forward[-1]["type"] == "internet"
    returned = reachable["return"]
    assert isinstance(returned, list) and returned[0]["component"] == "internet"
    flow = reachable["flow"]
    assert isinstance(flow, dict)
    assert flow["protocol"] == "tcp" and flow["destination_port"] == 443
    assert flow["source"] == private_ip(net, p.app) and flow["destination"] == INTERNET_HOST
    assert flow["source_ports"] == [list(LINUX_PORTS)]

    acl = custom_acl(
        net,
        p.private,
        inbound=[AclRule(100, "allow", "tcp", ports=(32768, 40000))],
        outbound=[AclRule(100, "allow")],
    )
    failing = vpcsim.trace(net, p.app, INTERNET, port=443)
    unreachable = failing.to_dict()
    _check_contract(unreachable)
    assert unreachable["reachable"] is False
    assert unreachable["blockers"] == [
        {
            "code": "SUBNET_ACL_RESTRICTION",
            "component": acl.network_acl_id,
            "path": "return",
            "direction": "inbound",
            "ports": [[40001, 60999]],
            "detail": failing.blockers[0].detail,
            "fix": failing.blockers[0].fix,
        }
    ]

    vgw = net.create_vpn_gateway(p.vpc)
    net.create_route(p.public_rt, "192.168.0.0/16", vgw.vpn_gateway_id)
    unknown = vpcsim.trace(net, p.bastion, "192.168.0.10", port=22).to_dict()
    _check_contract(unknown)
    assert unknown["verdict"] == "unknown" and unknown["reachable"] is False


def test_traces_without_recording_give_the_same_verdict_and_blockers() -> None:
    p = public_private_vpc()
    net = p.net
    for src, dst, port in ((p.app, INTERNET, 443), ("internet", p.app, 22), (p.bastion, p.app, 80)):
        full = vpcsim.trace(net, src, dst, port=port)
        fast = vpcsim.trace(net, src, dst, port=port, record=False)
        assert (fast.verdict, fast.blockers) == (full.verdict, full.blockers)
        assert fast.forward == () and fast.return_ == ()


def test_nat_drops_icmp_errors_of_no_connection() -> None:
    """Found by the live lab's differential run (docs/fidelity.md): an ICMP error that quotes no
    connection of the NAT gateway is dropped there (RFC 5508, and Linux), never translated."""
    p = public_private_vpc()
    result = vpcsim.trace(p.net, p.app, INTERNET, protocol="icmp", icmp_type=11, icmp_code=0)
    assert result.verdict == "unreachable"
    assert [b.code for b in result.blockers] == ["VPCSIM_NAT_UNTRACKED_ICMP_ERROR"]
    echo = vpcsim.trace(p.net, p.app, INTERNET, protocol="icmp")
    assert echo.verdict == "reachable"


def test_stand_in_addresses_make_the_answer_unknown_only_where_they_matter() -> None:
    """A Terraform plan's address known only after apply (tag vpcsim:unknown_address): exact
    while every rule covers the whole subnet or none of it, unknown once one splits the subnet."""
    t = tutorial_vpc(firewall="ssh")
    eni = eni_of(t.net, t.web1)
    eni.tags["vpcsim:unknown_address"] = "private_ip"
    t.net.touch()
    assert vpcsim.trace(t.net, "internet", t.web1, port=22).verdict == "reachable"
    subnet = t.net.subnets[eni.subnet_id]
    host = subnet.cidr_block.replace(".0/20", ".9/32").replace(".0/24", ".9/32")
    group = t.net.security_groups[eni.groups[0]]
    t.net.authorize_security_group_ingress(group, ip_protocol="tcp", port=5432, cidr_ipv4=host)
    result = vpcsim.trace(t.net, "internet", t.web1, port=22)
    assert result.verdict == "unknown"
    assert [(b.code, b.component) for b in result.blockers] == [
        ("VPCSIM_UNKNOWN_ADDRESS", eni.network_interface_id)
    ]
