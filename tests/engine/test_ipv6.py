"""IPv6 in the engine, one test (or more) per rule of the reference pages' IPv6 sections, and the
four classic dual-stack mistakes (the IPv6 half that breaks) as scenarios.

The network: a dual-stack VPC with a public subnet (``0.0.0.0/0`` and ``::/0`` to the internet
gateway) and a private one (``::/0`` to an egress-only internet gateway), each holding an
instance with an IPv4 and an IPv6 address.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import vpcsim
from vpcsim import Network
from vpcsim.engine import codes as C
from vpcsim.engine.flow import EndpointError, make_flow
from vpcsim.model import Instance, NetworkAcl, RouteTable, SecurityGroup, Subnet, Vpc

V6_BLOCK = "2600:1f18:aa:b00::/56"
PUBLIC6 = "2600:1f18:aa:b01::/64"
PRIVATE6 = "2600:1f18:aa:b02::/64"
OUTSIDE6 = "2001:db8:5::1"


@dataclass
class DualStack:
    net: Network
    vpc: Vpc
    public: Subnet
    private: Subnet
    rt_public: RouteTable
    rt_private: RouteTable
    web_sg: SecurityGroup
    app_sg: SecurityGroup
    web: Instance
    app: Instance
    igw: str
    eigw: str

    def v6(self, instance: Instance) -> str:
        return self.net.primary_network_interface(instance.instance_id).ipv6_addresses[0]


def dual_stack() -> DualStack:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", ipv6_cidr_block=V6_BLOCK, name="dual")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    eigw = net.create_egress_only_internet_gateway(vpc, name="eigw")
    public = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=PUBLIC6, name="public")
    private = net.create_subnet(vpc, "10.0.2.0/24", ipv6_cidr_block=PRIVATE6, name="private")
    rt_public = net.create_route_table(vpc, name="rt-public")
    net.associate_route_table(rt_public, public)
    net.create_route(rt_public, "0.0.0.0/0", igw.id)
    net.create_route(rt_public, "::/0", igw.id)
    rt_private = net.create_route_table(vpc, name="rt-private")
    net.associate_route_table(rt_private, private)
    net.create_route(rt_private, "::/0", eigw.id)
    web_sg = net.create_security_group(vpc, "web")
    net.authorize_security_group_ingress(web_sg, ip_protocol="tcp", port=22, cidr_ipv4="0.0.0.0/0")
    net.authorize_security_group_ingress(web_sg, ip_protocol="tcp", port=22, cidr_ipv6="::/0")
    app_sg = net.create_security_group(vpc, "app")
    net.authorize_security_group_ingress(
        app_sg, ip_protocol="tcp", port=22, referenced_group_id=web_sg.group_id
    )
    net.authorize_security_group_ingress(app_sg, ip_protocol="tcp", port=443, cidr_ipv6="::/0")
    web = net.run_instance(public, name="web", groups=[web_sg], associate_public_ip_address=True)
    app = net.run_instance(private, name="app", groups=[app_sg])
    return DualStack(
        net, vpc, public, private, rt_public, rt_private, web_sg, app_sg, web, app, igw.id, eigw.id
    )


def codes(trace: vpcsim.Trace) -> list[tuple[str, str]]:
    return [(b.code, b.path) for b in trace.blockers]


# ---------------------------------------------------------------------------------- flows and endpoints


def test_instances_get_ipv6_addresses_after_the_four_reserved_ones() -> None:
    d = dual_stack()
    assert d.v6(d.web) == "2600:1f18:aa:b01::4"
    assert d.v6(d.app) == "2600:1f18:aa:b02::4"


def test_ipv6_endpoints_make_an_ipv6_flow() -> None:
    d = dual_stack()
    flow = make_flow(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert (flow.source, flow.destination) == (OUTSIDE6, d.v6(d.web))
    flow = make_flow(d.net, "web", "2600:1f18:aa:b02:0::4", port=443)
    assert (flow.source, flow.destination) == (d.v6(d.web), "2600:1f18:aa:b02::4")
    flow = make_flow(d.net, "internet", "web", port=22, ipv6=True)
    assert flow.source == "2001:db8:ffff::1" and flow.destination == d.v6(d.web)
    # IPv4 stays IPv4: the public address, as before
    assert make_flow(d.net, "internet", "web", port=22).destination == "203.0.113.10"


def test_a_flow_has_one_address_family() -> None:
    d = dual_stack()
    with pytest.raises(EndpointError, match="different address families"):
        make_flow(d.net, "web", "10.0.2.4", port=22, ipv6=True)
    with pytest.raises(ValueError, match="icmpv6"):
        make_flow(d.net, "web", "app", protocol="icmp", ipv6=True)
    with pytest.raises(ValueError, match="icmpv6 is IPv6's"):
        make_flow(d.net, "web", "app", protocol="icmpv6")


def test_an_endpoint_without_ipv6_cannot_send_ipv6() -> None:
    d = dual_stack()
    bare = d.net.run_instance(d.public, name="bare", ipv6_addresses=[])
    with pytest.raises(EndpointError, match="no IPv6 address"):
        make_flow(d.net, bare.instance_id, "web", port=22, ipv6=True)


# ---------------------------------------------------------------------------------- families never mix


def test_an_ipv4_rule_never_allows_ipv6_and_the_reverse() -> None:
    d = dual_stack()
    d.web_sg.ingress = [r for r in d.web_sg.ingress if r.cidr_ipv4]  # 0.0.0.0/0 only
    d.net.touch()
    six = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(six) == [(C.ENI_SG_RULES_MISMATCH, "forward")]
    assert vpcsim.trace(d.net, "internet", "web", port=22).verdict == "reachable"
    d.web_sg.ingress = [
        vpcsim.model.SecurityGroupRule(ip_protocol="tcp", from_port=22, to_port=22, cidr_ipv6="::/0")
    ]
    d.net.touch()
    assert vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22).verdict == "reachable"
    assert codes(vpcsim.trace(d.net, "internet", "web", port=22)) == [(C.ENI_SG_RULES_MISMATCH, "forward")]


def test_an_ipv4_route_never_carries_ipv6() -> None:
    d = dual_stack()
    d.net.delete_route(d.rt_public, "::/0")
    six = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(six) == [(C.NO_ROUTE_TO_DESTINATION, "return")]
    assert "::/0" in six.blockers[0].fix
    assert vpcsim.trace(d.net, "internet", "web", port=22).verdict == "reachable"


def test_longest_prefix_match_over_ipv6_routes() -> None:
    d = dual_stack()
    pcx_vpc = d.net.create_vpc("10.9.0.0/16", ipv6_cidr_block="2600:1f18:bb:c00::/56")
    pcx = d.net.create_vpc_peering_connection(d.vpc, pcx_vpc)
    d.net.create_route(d.rt_public, "2001:db8:5::/48", pcx.id)  # more specific than ::/0
    trace = vpcsim.trace(d.net, "web", f"internet:{OUTSIDE6}", port=443)
    assert any(h.component == pcx.id for h in trace.forward)
    assert codes(trace) == [(C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR, "forward")]
    other = vpcsim.trace(d.net, "web", "internet:2001:db8:6::1", port=443)
    assert other.verdict == "reachable"


def test_ipv6_blackhole_has_no_fallback() -> None:
    d = dual_stack()
    gone = d.net.create_egress_only_internet_gateway(d.net.create_vpc("10.7.0.0/16"))
    d.net.create_route(d.rt_private, "2001:db8::/32", gone.id)  # another VPC's gateway
    trace = vpcsim.trace(d.net, "app", f"internet:{OUTSIDE6}", port=443)
    assert codes(trace) == [(C.BAD_STATE_ROUTE, "forward")]
    assert "not attached" in trace.blockers[0].detail


def test_same_subnet_ipv6_needs_no_route_or_acl() -> None:
    d = dual_stack()
    other = d.net.run_instance(d.public, name="other", groups=[d.web_sg])
    d.net.delete_route(d.rt_public, "::/0")
    trace = vpcsim.trace(d.net, "other", "web", port=22, ipv6=True)
    assert trace.verdict == "reachable"
    assert not any(h.type == "route-table" for h in trace.forward)
    assert d.net.primary_network_interface(other.instance_id).ipv6_addresses == ["2600:1f18:aa:b01::5"]


# ---------------------------------------------------------------------------------- internet gateway


def test_the_internet_gateway_does_no_nat_for_ipv6() -> None:
    d = dual_stack()
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert trace.verdict == "reachable"
    assert not any(s.kind == "nat" for h in (*trace.forward, *trace.return_) for s in h.steps)
    out = vpcsim.trace(d.net, "web", f"internet:{OUTSIDE6}", port=443)
    assert out.verdict == "reachable"


def test_ipv6_egress_needs_no_public_address() -> None:
    d = dual_stack()
    bare = d.net.run_instance(d.public, name="nopublic", associate_public_ip_address=False)
    assert vpcsim.trace(d.net, bare.instance_id, f"internet:{OUTSIDE6}", port=443).verdict == "reachable"
    v4 = vpcsim.trace(d.net, bare.instance_id, "internet", port=443)
    assert codes(v4) == [(C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS, "forward")]


def test_an_ipv6_address_outside_global_unicast_is_not_the_internet() -> None:
    d = dual_stack()
    out = vpcsim.trace(d.net, "web", "fd12:3456::1", port=443)
    assert codes(out) == [(C.VPCSIM_IPV6_NOT_GLOBAL, "forward")]
    inbound = vpcsim.trace(d.net, "internet:fd12:3456::1", "web", port=22)
    assert codes(inbound) == [(C.VPCSIM_IPV6_NOT_GLOBAL, "forward")]


def test_no_internet_gateway_no_ipv6_from_the_internet() -> None:
    d = dual_stack()
    d.net.detach_internet_gateway(d.igw)
    del d.net.egress_only_internet_gateways[d.eigw]
    d.net.touch()
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(trace) == [(C.NO_PATH, "forward")]
    assert "no attached internet gateway" in trace.blockers[0].detail


def test_an_unknown_ipv6_address_on_the_internet_side() -> None:
    d = dual_stack()
    owned_by_nobody = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "2600:1f18:aa:b01::99", port=22)
    assert codes(owned_by_nobody) == [(C.NO_POSSIBLE_DESTINATION, "forward")]


# ---------------------------------------------------------------------------------- egress-only gateway


def test_egress_only_gateway_lets_out_connections_and_their_replies() -> None:
    d = dual_stack()
    trace = vpcsim.trace(d.net, "app", f"internet:{OUTSIDE6}", port=443)
    assert trace.verdict == "reachable"
    assert [h.component for h in trace.forward][-2:] == [d.eigw, "internet"]
    assert d.eigw in [h.component for h in trace.return_]


def test_egress_only_gateway_drops_connections_from_the_internet() -> None:
    d = dual_stack()
    d.net.detach_internet_gateway(d.igw)
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", port=443)
    assert codes(trace) == [(C.VPCSIM_EIGW_INBOUND_INITIATED, "forward")]
    assert trace.blockers[0].component == d.eigw


def test_egress_only_gateway_drops_the_reply_of_a_connection_from_outside() -> None:
    """With an internet gateway attached, an inbound IPv6 connection reaches the private instance
    (IPv6 has no NAT: the gateway delivers to any address of the VPC); its reply is routed to the
    egress-only gateway, which never forwards a connection initiated outside."""
    d = dual_stack()
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", port=443)
    assert codes(trace) == [(C.VPCSIM_EIGW_INBOUND_INITIATED, "return")]


def test_egress_only_gateway_forwards_a_udp_reply_it_never_saw_the_request_of() -> None:
    """Reference (aws-vpc-semantics-more.md, IPv6: "Egress-only IGW ... stateful: forwards outbound
    flows and their replies, drops anything initiated from outside" [VPC-eigw]): a UDP datagram
    leaving through the gateway is an outbound flow to it, even when it answers a request that came
    in through the internet gateway -- the egress-only gateway never saw that request. TCP's reply
    (a SYN-ACK) and ICMPv6's (an echo reply) start no connection and stay dropped. Found by the
    differential run (Linux conntrack: a UDP datagram is a new flow, a SYN-ACK is invalid)."""
    d = dual_stack()
    d.net.authorize_security_group_ingress(d.app_sg, ip_protocol="udp", port=53, cidr_ipv6="::/0")
    d.net.authorize_security_group_ingress(d.app_sg, ip_protocol="icmpv6", port=-1, cidr_ipv6="::/0")
    udp = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", protocol="udp", port=53)
    assert udp.verdict == "reachable", codes(udp)
    assert d.eigw in [h.component for h in udp.return_]
    assert [h.component for h in udp.forward][:2] == ["internet", d.igw]
    tcp = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", port=443)
    assert codes(tcp) == [(C.VPCSIM_EIGW_INBOUND_INITIATED, "return")]
    echo = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", protocol="icmpv6")
    assert codes(echo) == [(C.VPCSIM_EIGW_INBOUND_INITIATED, "return")]


def test_egress_only_gateway_still_drops_udp_initiated_from_the_internet() -> None:
    d = dual_stack()
    d.net.detach_internet_gateway(d.igw)
    d.net.authorize_security_group_ingress(d.app_sg, ip_protocol="udp", port=53, cidr_ipv6="::/0")
    udp = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", protocol="udp", port=53)
    assert codes(udp) == [(C.VPCSIM_EIGW_INBOUND_INITIATED, "forward")]


def test_egress_only_gateway_carries_ipv6_only() -> None:
    d = dual_stack()
    d.net.create_route(d.rt_private, "0.0.0.0/0", d.eigw)
    trace = vpcsim.trace(d.net, "app", "internet", port=443)
    assert codes(trace) == [(C.VPCSIM_ADDRESS_FAMILY, "forward")]


def test_egress_only_gateway_does_not_carry_ipv6_that_is_not_global() -> None:
    d = dual_stack()
    assert codes(vpcsim.trace(d.net, "app", "fd00::1", port=443)) == [(C.VPCSIM_IPV6_NOT_GLOBAL, "forward")]


# ---------------------------------------------------------------------------------- security groups


def test_default_group_members_match_over_ipv6() -> None:
    d = dual_stack()
    a = d.net.run_instance(d.public, name="a")
    b = d.net.run_instance(d.private, name="b")
    assert vpcsim.trace(d.net, a.instance_id, b.instance_id, port=5432, ipv6=True).verdict == "reachable"
    default = d.net.default_security_group(d.vpc.vpc_id)
    assert default is not None
    assert any(r.cidr_ipv6 == "::/0" for r in default.egress)  # outbound ::/0 with an IPv6 block


def test_group_reference_matches_ipv6_members_only_by_their_ipv6_addresses() -> None:
    d = dual_stack()
    assert vpcsim.trace(d.net, "web", "app", port=22, ipv6=True).verdict == "reachable"
    assert vpcsim.trace(d.net, "web", "app", port=22).verdict == "reachable"
    stranger = d.net.run_instance(d.public, name="stranger")
    trace = vpcsim.trace(d.net, stranger.instance_id, "app", port=22, ipv6=True)
    assert codes(trace) == [(C.ENI_SG_RULES_MISMATCH, "forward")]
    assert trace.blockers[0].fix.endswith(f"from {PUBLIC6} (the subnet of 2600:1f18:aa:b01::5)")


def test_a_new_group_allows_all_out_over_both_families() -> None:
    d = dual_stack()
    group = d.net.create_security_group(d.vpc, "fresh")
    assert {r.cidr_ipv4 or r.cidr_ipv6 for r in group.egress} == {"0.0.0.0/0", "::/0"}


def test_associating_ipv6_later_adds_outbound_only_to_unmodified_groups() -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    kept = net.create_security_group(vpc, "kept")
    changed = net.create_security_group(vpc, "changed")
    net.authorize_security_group_egress(changed, ip_protocol="tcp", port=443, cidr_ipv4="0.0.0.0/0")
    net.associate_vpc_ipv6_cidr_block(vpc, V6_BLOCK)
    assert any(r.cidr_ipv6 == "::/0" for r in kept.egress)
    assert not any(r.cidr_ipv6 for r in changed.egress)


def test_icmpv6_rules_match_type_and_code() -> None:
    d = dual_stack()
    d.net.authorize_security_group_ingress(
        d.app_sg, ip_protocol="icmpv6", from_port=128, to_port=-1, cidr_ipv6="::/0"
    )
    echo = vpcsim.trace(d.net, "web", "app", protocol="icmpv6", ipv6=True)
    assert echo.verdict == "reachable"
    assert echo.flow.icmp_type == 128
    assert [s.detail for h in echo.return_ for s in h.steps if s.kind == "conntrack"]
    too_big = vpcsim.trace(d.net, "web", "app", protocol="icmpv6", icmp_type=2, icmp_code=0, ipv6=True)
    assert codes(too_big) == [(C.ENI_SG_RULES_MISMATCH, "forward")]
    # an ICMP (IPv4) rule never matches ICMPv6
    d.net.authorize_security_group_ingress(d.app_sg, ip_protocol="icmp", cidr_ipv6="::/0")
    assert codes(vpcsim.trace(d.net, "web", "app", protocol="icmpv6", icmp_type=2, icmp_code=0, ipv6=True))


# ---------------------------------------------------------------------------------- network ACLs


def test_default_acl_has_rule_101_for_ipv6() -> None:
    d = dual_stack()
    acl = d.net.network_acl_of_subnet(d.public.subnet_id)
    assert acl is not None
    six = sorted((e.rule_number, e.egress) for e in acl.entries if e.ipv6_cidr_block == "::/0")
    assert six == [(101, False), (101, True), (32768, False), (32768, True)]
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert any(s.rule == "101" for h in trace.forward for s in h.steps)


def _custom_acl(d: DualStack) -> NetworkAcl:
    acl = d.net.create_network_acl(d.vpc, name="custom")
    d.net.replace_network_acl_association(d.public, acl)
    for egress in (False, True):
        d.net.create_network_acl_entry(acl, 100, egress=egress, rule_action="allow", cidr_block="0.0.0.0/0")
    return acl


def test_a_custom_acl_denies_ipv6_until_rules_are_added() -> None:
    d = dual_stack()
    acl = _custom_acl(d)
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(trace) == [(C.SUBNET_ACL_RESTRICTION, "forward"), (C.SUBNET_ACL_RESTRICTION, "return")]
    assert "rule *" in trace.blockers[0].detail
    assert vpcsim.trace(d.net, "internet", "web", port=22).verdict == "reachable"
    assert sorted(e.rule_number for e in acl.entries if e.ipv6_cidr_block) == [32768, 32768]


def test_ipv6_acl_entries_in_rule_order_first_match_wins() -> None:
    d = dual_stack()
    acl = _custom_acl(d)
    d.net.create_network_acl_entry(
        acl,
        110,
        egress=False,
        rule_action="deny",
        protocol="tcp",
        cidr_block="2001:db8:5::/48",
        port_range=(22, 22),
    )
    d.net.create_network_acl_entry(
        acl, 120, egress=False, rule_action="allow", protocol="tcp", cidr_block="::/0", port_range=(22, 22)
    )
    d.net.create_network_acl_entry(
        acl,
        120,
        egress=True,
        rule_action="allow",
        protocol="tcp",
        cidr_block="::/0",
        port_range=(1024, 65535),
    )
    denied = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(denied) == [(C.SUBNET_ACL_RESTRICTION, "forward")]
    assert "rule 110" in denied.blockers[0].detail
    assert vpcsim.trace(d.net, "internet:2001:db8:6::1", "web", port=22).verdict == "reachable"


# ---------------------------------------------------------------------------------- services, NAT


def test_the_resolver_and_time_sync_answer_over_ipv6_unfiltered() -> None:
    d = dual_stack()
    d.app_sg.egress = []
    d.net.touch()
    assert vpcsim.trace(d.net, "app", "fd00:ec2::253", protocol="udp", port=53).verdict == "reachable"
    assert vpcsim.trace(d.net, "app", "fd00:ec2::123", protocol="udp", port=123).verdict == "reachable"
    closed = vpcsim.trace(d.net, "app", "fd00:ec2::253", protocol="udp", port=54)
    assert codes(closed) == [(C.VPCSIM_SERVICE_PORT_CLOSED, "forward")]


def test_metadata_over_ipv6_only_when_enabled() -> None:
    d = dual_stack()
    off = vpcsim.trace(d.net, "app", "fd00:ec2::254", port=80)
    assert off.verdict == "unreachable"
    d.app.http_protocol_ipv6 = True
    d.net.touch()
    assert vpcsim.trace(d.net, "app", "fd00:ec2::254", port=80).verdict == "reachable"


def test_a_nat_gateway_does_not_carry_ipv6_to_ipv6() -> None:
    d = dual_stack()
    nat = d.net.create_nat_gateway(d.public)
    d.net.delete_route(d.rt_private, "::/0")
    d.net.create_route(d.rt_private, "::/0", nat.nat_gateway_id)
    trace = vpcsim.trace(d.net, "app", f"internet:{OUTSIDE6}", port=443)
    assert codes(trace) == [(C.VPCSIM_ADDRESS_FAMILY, "forward")]


def test_nat64_translates_to_ipv4_and_back() -> None:
    d = dual_stack()
    nat = d.net.create_nat_gateway(d.public)
    d.net.create_route(d.rt_private, "64:ff9b::/96", nat.nat_gateway_id)
    trace = vpcsim.trace(d.net, "app", "64:ff9b::808:808", port=443)
    assert trace.verdict == "reachable", trace.blockers
    translated = [s for h in trace.forward for s in h.steps if s.kind == "nat"]
    assert translated[0].after is not None and translated[0].after.destination == "8.8.8.8"
    back = [s for h in trace.return_ for s in h.steps if s.kind == "nat"]
    assert back[-1].after is not None and back[-1].after.source == "64:ff9b::808:808"


# ---------------------------------------------------------------------------------- peering


def test_ipv6_over_peering_needs_routes_both_ways() -> None:
    d = dual_stack()
    peer = d.net.create_vpc("10.9.0.0/16", ipv6_cidr_block="2600:1f18:bb:c00::/56")
    sub = d.net.create_subnet(peer, "10.9.1.0/24", ipv6_cidr_block="2600:1f18:bb:c01::/64")
    far = d.net.run_instance(sub, name="far")
    pcx = d.net.create_vpc_peering_connection(d.vpc, peer)
    d.net.create_route(d.rt_public, "2600:1f18:bb:c00::/56", pcx.id)
    one_way = vpcsim.trace(d.net, "web", far.instance_id, port=22, ipv6=True)
    assert codes(one_way)[0] in {(C.ENI_SG_RULES_MISMATCH, "forward"), (C.NO_ROUTE_TO_DESTINATION, "return")}
    main = d.net.main_route_table(peer.vpc_id)
    assert main is not None
    d.net.create_route(main, V6_BLOCK, pcx.id)
    default = d.net.default_security_group(peer.vpc_id)
    assert default is not None
    d.net.authorize_security_group_ingress(default, ip_protocol="tcp", port=22, cidr_ipv6=V6_BLOCK)
    assert vpcsim.trace(d.net, "web", far.instance_id, port=22, ipv6=True).verdict == "reachable"


# ---------------------------------------------------------------------------------- the four classic mistakes


def test_mistake_open_to_0_0_0_0_but_not_to_ipv6() -> None:
    """SSH opened to 0.0.0.0/0 only: works over IPv4, fails over IPv6 at the security group."""
    d = dual_stack()
    d.web_sg.ingress = [r for r in d.web_sg.ingress if not r.cidr_ipv6]
    d.net.touch()
    assert vpcsim.trace(d.net, "internet", "web", port=22).verdict == "reachable"
    six = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(six) == [(C.ENI_SG_RULES_MISMATCH, "forward")]


def test_mistake_closed_over_ipv4_but_wide_open_over_ipv6() -> None:
    """The instance "isn't exposed" (no IPv4 rule) but a ::/0 rule opens it over IPv6."""
    d = dual_stack()
    d.web_sg.ingress = [vpcsim.model.SecurityGroupRule(ip_protocol="-1", cidr_ipv6="::/0")]
    d.net.touch()
    assert codes(vpcsim.trace(d.net, "internet", "web", port=3306)) == [(C.ENI_SG_RULES_MISMATCH, "forward")]
    assert vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=3306).verdict == "reachable"


def test_mistake_custom_acl_forgets_the_ipv6_return_ports() -> None:
    d = dual_stack()
    acl = _custom_acl(d)
    d.net.create_network_acl_entry(
        acl, 120, egress=False, rule_action="allow", protocol="tcp", cidr_block="::/0", port_range=(22, 22)
    )
    trace = vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22)
    assert codes(trace) == [(C.SUBNET_ACL_RESTRICTION, "return")]
    assert trace.blockers[0].ports == ((32768, 60999),)
    d.net.create_network_acl_entry(
        acl,
        120,
        egress=True,
        rule_action="allow",
        protocol="tcp",
        cidr_block="::/0",
        port_range=(1024, 65535),
    )
    assert vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "web", port=22).verdict == "reachable"


def test_mistake_private_subnet_routes_ipv6_to_the_internet_gateway() -> None:
    """A "private" subnet given ::/0 -> igw instead of the egress-only gateway: its instances are
    reachable from the internet over IPv6 (no NAT hides them)."""
    d = dual_stack()
    assert vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", port=443).verdict == "unreachable"
    d.net.delete_route(d.rt_private, "::/0")
    d.net.create_route(d.rt_private, "::/0", d.igw)
    assert vpcsim.trace(d.net, f"internet:{OUTSIDE6}", "app", port=443).verdict == "reachable"
