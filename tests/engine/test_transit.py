"""Transit gateways, rule by rule (the reference's transit-gateway section, part 2 section 2)."""

from __future__ import annotations

from tests.support.builders import ANYWHERE, AclRule, B, blockers, custom_acl, hop_ids, security_group, steps
from tests.support.transit import ZONE_A, ZONE_B, Hub, hub, reference_across

import vpcsim
from vpcsim.engine import Trace
from vpcsim.engine.compiled import compile_network, ip_int
from vpcsim.model import Network


def _trace(h: Hub, src: str, dst: str, port: int = 22) -> Trace:
    return vpcsim.trace(h.net, src, dst, port=port)


def _route_to_tgw(h: Hub, cidr: str) -> None:
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    h.net.create_route(main, cidr, h.tgw.transit_gateway_id)


def _ab(h: Hub) -> Trace:
    return _trace(h, h.a.instance.instance_id, h.b.instance.instance_id)


# ------------------------------------------------------------------ the path through the gateway


def test_vpc_to_vpc_through_the_default_route_table() -> None:
    h = hub()
    result = _ab(h)
    assert result.verdict == "reachable"
    hops = hop_ids(result)
    tgw, table = h.tgw.transit_gateway_id, h.table.transit_gateway_route_table_id
    a_att, b_att = h.a.attachment.transit_gateway_attachment_id, h.b.attachment.transit_gateway_attachment_id
    # in through A's attachment subnet, the table, out through B's attachment subnet and B's route table
    order = [h.a.tgw_subnet.subnet_id, a_att, tgw, table, b_att, h.b.tgw_subnet.subnet_id, h.b.work.subnet_id]
    assert [x for x in hops if x in order] == order
    route = [s for s in steps(result, "route") if s.component == table]
    assert route and route[0].rule == f"{h.b.vpc.cidr_block} -> {b_att}"
    assert [x for x in hop_ids(result, "return") if x in (a_att, b_att)] == [b_att, a_att]


def test_attachment_enis_are_the_hops_into_and_out_of_the_gateway() -> None:
    h = hub()
    enis = {
        e.subnet_id: e.network_interface_id
        for e in h.net.network_interfaces.values()
        if e.interface_type == "transit_gateway"
    }
    hops = hop_ids(_ab(h))
    assert enis[h.a.tgw_subnet.subnet_id] in hops and enis[h.b.tgw_subnet.subnet_id] in hops


def test_no_attachment_subnet_in_the_senders_zone() -> None:
    """[TGW-vpc] A subnet routing to tgw- forwards only from zones where the attachment has a subnet."""
    h = hub()
    other = h.net.create_subnet(h.a.vpc, "10.1.2.0/24", availability_zone=ZONE_B)
    sender = h.net.run_instance(
        other, groups=[h.net.primary_network_interface(h.a.instance.instance_id).groups[0]]
    )
    result = _trace(h, sender.instance_id, h.b.instance.instance_id)
    assert blockers(result) == [
        B("TGW_ROUTE_AZ_RESTRICTION", h.a.attachment.transit_gateway_attachment_id, "forward")
    ]


def test_attachment_without_association_drops() -> None:
    h = hub()
    h.net.disassociate_transit_gateway_route_table(h.table, h.a.attachment)
    result = _ab(h)
    assert blockers(result) == [
        B("TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION", h.a.attachment.transit_gateway_attachment_id, "forward")
    ]


def test_no_route_in_the_transit_gateway_table() -> None:
    h = hub()
    h.net.disable_transit_gateway_route_table_propagation(h.table, h.b.attachment)
    result = _ab(h)
    # B is attached to the gateway, but the table has no route to its attachment
    assert blockers(result) == [
        B("TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT", h.table.transit_gateway_route_table_id, "forward")
    ]
    assert h.b.attachment.transit_gateway_attachment_id in result.blockers[0].fix
    # a destination in no attached VPC: the table cannot route it
    _route_to_tgw(h, "172.16.0.0/12")
    assert _trace(h, h.a.instance.instance_id, "172.16.0.1").codes == ["TGW_RTB_CANNOT_ROUTE"]


def test_propagation_serves_the_return_path_separately() -> None:
    h = hub()
    h.net.disable_transit_gateway_route_table_propagation(h.table, h.a.attachment)
    result = _ab(h)
    assert blockers(result) == [
        B("TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT", h.table.transit_gateway_route_table_id, "return")
    ]


def test_more_specific_blackhole_wins_without_fallback() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, "10.2.1.0/24", blackhole=True)
    result = _ab(h)
    # the blackhole, more specific, wins over B's usable propagated route
    assert blockers(result) == [
        B("TGW_RTB_MORE_SPECIFIC_ROUTE", h.table.transit_gateway_route_table_id, "forward")
    ]
    assert "not used (no fallback)" in result.blockers[0].detail
    # an address of B outside the blackhole still goes through
    target = h.net.run_instance(
        h.b.tgw_subnet, groups=h.net.primary_network_interface(h.b.instance.instance_id).groups
    )
    assert _trace(h, h.a.instance.instance_id, target.instance_id).verdict == "reachable"


def test_longest_prefix_beats_priority() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, "10.2.1.0/24", h.c.attachment)
    result = _ab(h)
    # C's attachment subnet routes 10.2.1.x with its own table: back to the gateway, arriving from C
    assert h.c.attachment.transit_gateway_attachment_id in hop_ids(result)


def test_static_beats_propagated_at_equal_prefix() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, h.b.vpc.cidr_block, h.c.attachment)
    route = [s for s in steps(_ab(h), "route") if s.component == h.table.transit_gateway_route_table_id]
    assert route[0].rule == f"{h.b.vpc.cidr_block} -> {h.c.attachment.transit_gateway_attachment_id}"


def test_static_blackhole_hides_the_propagated_route_of_the_same_prefix() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, h.b.vpc.cidr_block, blackhole=True)
    # the static blackhole, of higher priority, hides B's usable propagated route
    result = _ab(h)
    assert blockers(result) == [
        B("TGW_RTB_HIGHER_PRIORITY_ROUTE", h.table.transit_gateway_route_table_id, "forward")
    ]
    assert h.b.attachment.transit_gateway_attachment_id in result.blockers[0].detail


def test_a_blackhole_hiding_no_usable_route_is_a_bad_state_route() -> None:
    h = hub()
    h.net.disable_transit_gateway_route_table_propagation(h.table, h.b.attachment)
    h.net.create_transit_gateway_route(h.table, h.b.vpc.cidr_block, blackhole=True)
    assert _ab(h).codes == ["TGW_RTB_BAD_STATE_ROUTE"]


def test_a_route_to_a_vpn_attachment_that_is_down_is_a_bad_state_vpn() -> None:
    h = hub()
    vpn = h.net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0")
    h.net.disable_transit_gateway_route_table_propagation(h.table, vpn)
    h.net.create_transit_gateway_route(h.table, "192.168.0.0/16", vpn)
    _route_to_tgw(h, "192.168.0.0/16")
    vpn.state = "pending"
    h.net.touch()
    result = _trace(h, h.a.instance.instance_id, "192.168.1.1")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("TGW_BAD_STATE_VPN", vpn.transit_gateway_attachment_id, "forward")]


def test_prefix_list_route_beats_propagated_but_not_static() -> None:
    h = hub()
    pl = h.net.create_managed_prefix_list("b-work", [h.b.vpc.cidr_block])
    h.net.create_transit_gateway_route(h.table, pl.prefix_list_id, h.c.attachment)
    first = next(s for s in steps(_ab(h), "route") if s.component == h.table.transit_gateway_route_table_id)
    assert first.rule is not None and first.rule.endswith(h.c.attachment.transit_gateway_attachment_id)
    h.net.create_transit_gateway_route(h.table, h.b.vpc.cidr_block, h.b.attachment)
    first = next(s for s in steps(_ab(h), "route") if s.component == h.table.transit_gateway_route_table_id)
    assert first.rule == f"{h.b.vpc.cidr_block} -> {h.b.attachment.transit_gateway_attachment_id}"


def test_overlapping_vpc_block_of_a_later_attachment_is_not_propagated() -> None:
    h = hub()
    clash = h.net.create_vpc("10.2.0.0/16", name="clash")
    subnet = h.net.create_subnet(clash, "10.2.0.0/28", availability_zone=ZONE_A)
    h.net.create_transit_gateway_vpc_attachment(h.tgw, clash, [subnet])
    route = [s for s in steps(_ab(h), "route") if s.component == h.table.transit_gateway_route_table_id]
    assert route[0].rule == f"10.2.0.0/16 -> {h.b.attachment.transit_gateway_attachment_id}"


def test_attachment_not_available() -> None:
    h = hub()
    h.a.attachment.state = "pending"
    h.net.touch()
    assert [b.code for b in _ab(h).blockers] == ["BAD_STATE_ATTACHMENT"]


def test_route_to_an_attachment_not_available_is_a_bad_state_route() -> None:
    h = hub()
    h.b.attachment.state = "deleting"
    h.net.touch()
    # propagated routes of an attachment that is not available are gone: no route
    assert [b.code for b in _ab(h).blockers] == ["TGW_RTB_CANNOT_ROUTE"]
    h.net.create_transit_gateway_route(h.table, h.b.vpc.cidr_block, h.b.attachment)
    assert [b.code for b in _ab(h).blockers] == ["TGW_RTB_BAD_STATE_ROUTE"]


def test_transit_gateway_with_no_attachment_described_is_unknown() -> None:
    net = Network()
    vpc = net.create_vpc("10.1.0.0/16")
    subnet = net.create_subnet(vpc, "10.1.1.0/24")
    host = net.run_instance(subnet)
    tgw = net.add(
        vpcsim.model.TransitGateway(transit_gateway_id="tgw-0123456789abcdef0", vpc_ids=[vpc.vpc_id])
    )
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    net.create_route(main, "10.9.0.0/16", tgw.transit_gateway_id)
    result = vpcsim.trace(net, host.instance_id, "10.9.0.5", port=22)
    assert result.verdict == "unknown" and result.codes == ["VPCSIM_OUTSIDE_MODEL"]


# ------------------------------------------------------------------ network ACLs [TGW-nacl]


def test_attachment_subnet_inbound_rules_judge_instance_to_tgw_by_source() -> None:
    h = hub()
    acl = custom_acl(
        h.net,
        h.a.tgw_subnet,
        inbound=[AclRule(90, "deny", cidr=h.a.work.cidr_block), AclRule(100, "allow")],
        outbound=[AclRule(100, "allow")],
    )
    assert blockers(_ab(h)) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]


def test_attachment_subnet_outbound_rules_are_not_applied_to_instance_to_tgw() -> None:
    h = hub()
    acl = custom_acl(h.net, h.a.tgw_subnet, inbound=[AclRule(100, "allow")], outbound=[])
    # the request leaves A unjudged by the outbound rules; the reply (TGW -> instance) meets them
    assert [b[:4] for b in blockers(_ab(h))] == [
        ("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound")
    ]


def test_attachment_subnet_outbound_rules_judge_tgw_to_instance_by_destination() -> None:
    h = hub()
    acl = custom_acl(
        h.net,
        h.b.tgw_subnet,
        inbound=[AclRule(100, "allow")],
        outbound=[AclRule(90, "deny", cidr=h.b.work.cidr_block), AclRule(100, "allow")],
    )
    assert blockers(_ab(h)) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "outbound")]


def test_instance_in_the_attachment_subnet_tgw_to_instance_is_not_judged() -> None:
    """Same subnet: TGW -> instance meets neither direction; instance -> TGW meets both."""
    h = hub()
    groups = h.net.primary_network_interface(h.b.instance.instance_id).groups
    target = h.net.run_instance(h.b.tgw_subnet, groups=groups)
    custom_acl(
        h.net,
        h.b.tgw_subnet,
        inbound=[AclRule(90, "deny", cidr=h.a.vpc.cidr_block), AclRule(100, "allow")],
        outbound=[AclRule(90, "deny", cidr=h.a.vpc.cidr_block), AclRule(100, "allow")],
    )
    # request: TGW -> target in the same subnet: not judged. reply: target -> TGW: outbound by
    # destination (A) denies; inbound by source (the target) allows.
    result = _trace(h, h.a.instance.instance_id, target.instance_id)
    assert [(b.code, b.path, b.direction) for b in result.blockers] == [
        ("SUBNET_ACL_RESTRICTION", "return", "outbound")
    ]


def test_instance_in_the_attachment_subnet_to_tgw_meets_inbound_too() -> None:
    h = hub()
    groups = h.net.primary_network_interface(h.a.instance.instance_id).groups
    sender = h.net.run_instance(h.a.tgw_subnet, groups=groups)
    acl = custom_acl(
        h.net,
        h.a.tgw_subnet,
        inbound=[AclRule(90, "deny", cidr=h.a.tgw_subnet.cidr_block), AclRule(100, "allow")],
        outbound=[AclRule(100, "allow")],
    )
    result = _trace(h, sender.instance_id, h.b.instance.instance_id)
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]


# ------------------------------------------------------------------ the VPC side


def test_the_attachment_subnets_route_table_routes_into_the_vpc() -> None:
    """Current guide: TGW -> VPC traffic is routed by the attachment subnet's route table."""
    h = hub()
    table = h.net.create_route_table(h.b.vpc)
    h.net.associate_route_table(table, h.b.tgw_subnet)
    eni = h.net.create_network_interface(h.b.work, groups=[])
    # a more specific route in the attachment subnet's table sends B's work subnet elsewhere
    h.net.create_route(table, h.b.work.cidr_block, eni.network_interface_id)
    result = _ab(h)
    assert eni.network_interface_id in hop_ids(result)
    assert "ENI_SOURCE_DEST_CHECK_RESTRICTION" in result.codes


def test_no_transit_through_a_gateway_endpoint() -> None:
    """[GWE] A gateway endpoint is not usable across a transit gateway."""
    h = hub()
    s3 = h.net.create_managed_prefix_list("com.amazonaws.us-east-1.s3", ["52.216.0.0/15"])
    table = h.net.create_route_table(h.b.vpc)
    h.net.associate_route_table(table, h.b.tgw_subnet)
    endpoint = h.net.create_vpc_endpoint(
        h.b.vpc, "com.amazonaws.us-east-1.s3", route_tables=[table], prefix_list_id=s3.prefix_list_id
    )
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    h.net.create_route(main, "0.0.0.0/0", h.tgw.transit_gateway_id)
    h.net.create_transit_gateway_route(h.table, "0.0.0.0/0", h.b.attachment)
    result = _trace(h, h.a.instance.instance_id, "52.216.0.10", port=443)
    assert blockers(result) == [
        B("VPCSIM_VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC", endpoint.vpc_endpoint_id, "forward")
    ]
    # from B itself the endpoint carries it
    local = h.net.run_instance(h.b.tgw_subnet)
    assert vpcsim.trace(h.net, local.instance_id, "52.216.0.10", port=443).verdict == "reachable"


# ------------------------------------------------------------------ other attachments


def test_peering_attachment_with_static_routes_on_both_sides() -> None:
    h = hub()
    remote = h.net.create_transit_gateway(name="remote", region="eu-west-1")
    far_vpc = h.net.create_vpc("10.8.0.0/16", region="eu-west-1")
    far_subnet = h.net.create_subnet(far_vpc, "10.8.1.0/24", availability_zone="eu-west-1a")
    group = security_group(h.net, far_vpc, "far-open", ingress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}])
    far = h.net.run_instance(far_subnet, groups=[group])
    h.net.create_transit_gateway_vpc_attachment(remote, far_vpc, [far_subnet])
    main = h.net.main_route_table(far_vpc.vpc_id)
    assert main is not None
    h.net.create_route(main, "10.0.0.0/8", remote.transit_gateway_id)
    peering = h.net.create_transit_gateway_peering_attachment(h.tgw, remote)
    remote_table = h.net.transit_gateway_route_tables[remote.association_default_route_table_id or ""]
    # not associated by default: each side must associate it and route to it
    assert blockers(_trace(h, h.a.instance.instance_id, far.instance_id))[0].code == "TGW_RTB_CANNOT_ROUTE"
    h.net.create_transit_gateway_route(h.table, "10.8.0.0/16", peering)
    result = _trace(h, h.a.instance.instance_id, far.instance_id)
    assert blockers(result) == [
        B("TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION", peering.transit_gateway_attachment_id, "forward")
    ]
    h.net.associate_transit_gateway_route_table(remote_table, peering)
    h.net.create_transit_gateway_route(remote_table, "10.1.0.0/16", peering)
    h.net.associate_transit_gateway_route_table(h.table, peering)
    result = _trace(h, h.a.instance.instance_id, far.instance_id)
    assert result.verdict == "reachable"
    assert remote.transit_gateway_id in hop_ids(result) and h.tgw.transit_gateway_id in hop_ids(
        result, "return"
    )


def test_peering_not_accepted_is_a_bad_state_route() -> None:
    h = hub()
    remote = h.net.create_transit_gateway(name="remote")
    peering = h.net.create_transit_gateway_peering_attachment(h.tgw, remote, accept=False)
    h.net.create_transit_gateway_route(h.table, "10.8.0.0/16", peering)
    result = _trace(h, h.a.instance.instance_id, "10.8.1.10")
    assert [b.code for b in result.blockers] == ["TGW_RTB_BAD_STATE_ROUTE"]
    assert "pendingAcceptance" in result.blockers[0].detail


def test_vpn_attachment_is_a_target_beyond_which_the_network_is_unknown() -> None:
    h = hub()
    vpn = h.net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0")
    h.net.disable_transit_gateway_route_table_propagation(h.table, vpn)
    h.net.create_transit_gateway_route(h.table, "192.168.0.0/16", vpn)
    _route_to_tgw(h, "192.168.0.0/16")
    result = _trace(h, h.a.instance.instance_id, "192.168.1.1")
    assert result.verdict == "unknown"
    assert blockers(result) == [B("VPCSIM_OUTSIDE_MODEL", vpn.transit_gateway_attachment_id, "forward")]


def test_vpn_propagating_bgp_routes_makes_the_table_unknown() -> None:
    h = hub()
    # the default options propagate the VPN's BGP routes, which the input does not list
    h.net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0")
    _route_to_tgw(h, "192.168.0.0/16")
    result = _trace(h, h.a.instance.instance_id, "192.168.1.1")
    assert result.verdict == "unknown" and result.codes == ["TGW_RTB_ROUTES_ARE_UNKNOWN"]
    assert _ab(h).verdict == "unknown"  # a BGP route more specific than B's block could win
    # the BGP routes, once listed (SearchTransitGatewayRoutes), decide
    vpn = next(a for a in h.net.transit_gateway_attachments.values() if a.resource_type == "vpn")
    h.table.routes.append(
        vpcsim.model.TransitGatewayRoute(
            destination_cidr_block="192.168.0.0/16",
            transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
            type="propagated",
        )
    )
    h.net.touch()
    assert _ab(h).verdict == "reachable"


def test_vpc_propagated_route_beats_vpn_propagated_of_the_same_prefix() -> None:
    h = hub()
    vpn = h.net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0")
    h.table.routes.append(
        vpcsim.model.TransitGatewayRoute(
            destination_cidr_block=h.b.vpc.cidr_block,
            transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
            type="propagated",
        )
    )
    h.net.touch()
    assert _ab(h).verdict == "reachable"


# ------------------------------------------------------------------ AZ affinity and appliance mode [TGW-app]


def _inspection(appliance_mode: bool) -> tuple[Hub, str]:
    """A and B talk through an inspection VPC (zones a and b, one appliance per zone); B has a
    subnet in zone b only, so the reply enters the gateway in zone b."""
    net = Network(seed="inspection")
    tgw = net.create_transit_gateway(
        name="hub", default_route_table_association=False, default_route_table_propagation=False
    )
    from tests.support.transit import Spoke

    def host(name: str, octet: int, zone: str) -> Spoke:
        vpc = net.create_vpc(f"10.{octet}.0.0/16", name=name)
        work = net.create_subnet(vpc, f"10.{octet}.1.0/24", availability_zone=zone)
        tgw_subnet = net.create_subnet(vpc, f"10.{octet}.0.0/28", availability_zone=zone)
        group = security_group(
            net, vpc, f"{name}-open", ingress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}]
        )
        instance = net.run_instance(work, groups=[group])
        attachment = net.create_transit_gateway_vpc_attachment(tgw, vpc, [tgw_subnet])
        main = net.main_route_table(vpc.vpc_id)
        assert main is not None
        net.create_route(main, "10.0.0.0/8", tgw.transit_gateway_id)
        return Spoke(vpc, work, tgw_subnet, instance, attachment)

    a, b = host("a", 1, ZONE_A), host("b", 2, ZONE_B)
    inspect = net.create_vpc("10.9.0.0/16", name="inspection")
    group = security_group(net, inspect, "fw", ingress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}])
    attach_subnets = []
    for index, zone in enumerate((ZONE_A, ZONE_B)):
        tgw_subnet = net.create_subnet(inspect, f"10.9.{index}.0/28", availability_zone=zone)
        fw_subnet = net.create_subnet(inspect, f"10.9.{10 + index}.0/24", availability_zone=zone)
        fw = net.create_network_interface(fw_subnet, groups=[group], source_dest_check=False)
        to_fw = net.create_route_table(inspect)
        net.associate_route_table(to_fw, tgw_subnet)
        net.create_route(to_fw, "0.0.0.0/0", fw.network_interface_id)
        back = net.create_route_table(inspect)
        net.associate_route_table(back, fw_subnet)
        net.create_route(back, "10.0.0.0/8", tgw.transit_gateway_id)
        attach_subnets.append(tgw_subnet)
    inspection = net.create_transit_gateway_vpc_attachment(
        tgw, inspect, attach_subnets, appliance_mode_support=appliance_mode
    )
    spokes = net.create_transit_gateway_route_table(tgw)
    firewall = net.create_transit_gateway_route_table(tgw)
    for spoke_ in (a, b):
        net.associate_transit_gateway_route_table(spokes, spoke_.attachment)
        net.enable_transit_gateway_route_table_propagation(firewall, spoke_.attachment)
    net.create_transit_gateway_route(spokes, "0.0.0.0/0", inspection)
    net.associate_transit_gateway_route_table(firewall, inspection)
    return Hub(net, tgw, spokes, a, b, a), inspection.transit_gateway_attachment_id


def test_without_appliance_mode_the_reply_crosses_the_inspection_vpc_in_another_zone() -> None:
    h, inspection = _inspection(appliance_mode=False)
    result = _ab(h)
    assert blockers(result) == [B("TGW_ATTACH_VPC_AZ_RESTRICTION", inspection, "return")]
    # AWS's additional detail: the inspection VPC's attachment should have appliance mode
    details = steps(result, "detail")
    assert [(d.component, d.rule) for d in details] == [
        (inspection, "TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED")
    ]


def test_appliance_mode_keeps_both_directions_on_one_appliance() -> None:
    h, _ = _inspection(appliance_mode=True)
    assert _ab(h).verdict == "reachable"
    assert not steps(_ab(h), "detail")
    # a flow between the two ends' VPCs only gets no detail
    assert not steps(hub_ab := _ab(hub()), "detail") and hub_ab.verdict == "reachable"


def test_az_affinity_crosses_zones_only_where_the_next_attachment_has_no_subnet() -> None:
    h, _ = _inspection(appliance_mode=False)
    result = _ab(h)
    # the request stays in zone a through the inspection VPC, then crosses to B's only zone (b)
    zone_of = {s.subnet_id: s.availability_zone for s in h.net.subnets.values()}
    inspect_subnets = [
        x
        for x in hop_ids(result)
        if zone_of.get(x)
        and x.startswith("subnet-")
        and h.net.subnets[x].vpc_id not in (h.a.vpc.vpc_id, h.b.vpc.vpc_id)
    ]
    assert {zone_of[x] for x in inspect_subnets} == {ZONE_A}
    assert h.b.tgw_subnet.subnet_id in hop_ids(result)


# ------------------------------------------------------------------ centralised egress, overlapping blocks, peering propagation


def test_centralised_egress_through_a_nat_gateway_of_another_vpc() -> None:
    """The transit gateway guide's centralised egress: spokes route 0.0.0.0/0 to the gateway, the
    egress VPC's attachment subnet routes it to a NAT gateway, which translates traffic from the
    other VPCs too (it arrived through the attachment), and the reply comes back the same way."""
    h = hub()
    net = h.net
    public = net.create_subnet(h.c.vpc, "10.3.200.0/24", availability_zone=ZONE_A)
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, h.c.vpc)
    public_table = net.create_route_table(h.c.vpc)
    net.associate_route_table(public_table, public)
    net.create_route(public_table, "0.0.0.0/0", igw.internet_gateway_id)
    net.create_route(public_table, "10.0.0.0/8", h.tgw.transit_gateway_id)
    nat = net.create_nat_gateway(public)
    attach_table = net.create_route_table(h.c.vpc)
    net.associate_route_table(attach_table, h.c.tgw_subnet)
    net.create_route(attach_table, "0.0.0.0/0", nat.nat_gateway_id)
    _route_to_tgw(h, "0.0.0.0/0")
    net.create_transit_gateway_route(h.table, "0.0.0.0/0", h.c.attachment)
    result = _trace(h, h.a.instance.instance_id, "internet:8.8.8.8", port=443)
    assert result.verdict == "reachable"
    assert nat.nat_gateway_id in hop_ids(result) and h.c.attachment.transit_gateway_attachment_id in hop_ids(
        result
    )


def test_a_later_vpc_block_overlapping_a_propagated_one_is_not_propagated() -> None:
    h = hub()
    inner = h.net.create_vpc("10.2.5.0/24", name="inner")
    subnet = h.net.create_subnet(inner, "10.2.5.0/28", availability_zone=ZONE_A)
    h.net.create_transit_gateway_vpc_attachment(h.tgw, inner, [subnet])
    result = _trace(h, h.a.instance.instance_id, "10.2.5.10")
    route = next(s for s in steps(result, "route") if s.component == h.table.transit_gateway_route_table_id)
    assert route.rule == f"10.2.0.0/16 -> {h.b.attachment.transit_gateway_attachment_id}"


def test_a_peering_attachment_propagates_nothing() -> None:
    h = hub()
    remote = h.net.create_transit_gateway()
    peering = h.net.create_transit_gateway_peering_attachment(h.tgw, remote)
    remote_table = h.net.transit_gateway_route_tables[remote.association_default_route_table_id or ""]
    h.net.associate_transit_gateway_route_table(remote_table, peering)
    h.net.enable_transit_gateway_route_table_propagation(h.table, peering)
    h.net.create_transit_gateway_route(h.table, "10.8.0.0/16", peering)
    # the remote side has no static route back: the peering's propagation gives it none
    result = _trace(h, h.a.instance.instance_id, "10.8.0.10")
    assert blockers(result) == [
        B("TGW_RTB_CANNOT_ROUTE", remote_table.transit_gateway_route_table_id, "forward")
    ]


def test_a_static_route_to_an_attachment_that_is_gone_is_a_blackhole() -> None:
    h = hub()
    h.net.create_transit_gateway_route(h.table, "10.2.1.0/24", h.c.attachment)
    h.table.routes[-1].transit_gateway_attachment_id = "tgw-attach-0123456789abcdef0"
    h.net.touch()
    result = _ab(h)
    assert blockers(result) == [
        B("TGW_RTB_BAD_STATE_ROUTE", h.table.transit_gateway_route_table_id, "forward")
    ]
    assert "does not exist" in result.blockers[0].detail


# ------------------------------------------------------------------ security group referencing [TGW-sgref]


def test_group_references_across_a_transit_gateway_need_its_option() -> None:
    """[TGW-sgref] SecurityGroupReferencingSupport: default off on the gateway, on on attachments."""
    h = hub()
    reference_across(h)
    tgw = h.tgw.transit_gateway_id
    # the option is off on the gateway by default: RA's SG_REFERENCING_SUPPORT names the gateway
    result = _ab(h)
    assert blockers(result) == [B("SG_REFERENCING_SUPPORT", tgw, "forward", "inbound")]
    assert result.blockers[0].direction == "inbound"
    assert "modify-transit-gateway --transit-gateway-id " + tgw in result.blockers[0].fix
    h.tgw.security_group_referencing_support = True
    h.net.touch()
    assert _ab(h).verdict == "reachable"


def test_an_attachment_without_the_option_is_named() -> None:
    h = hub()
    reference_across(h)
    h.tgw.security_group_referencing_support = True
    b_att = h.b.attachment.transit_gateway_attachment_id
    h.b.attachment.security_group_referencing_support = False
    h.net.touch()
    result = _ab(h)
    assert blockers(result) == [B("SG_REFERENCING_SUPPORT", b_att, "forward", "inbound")]
    assert (
        "modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id " + b_att
        in result.blockers[0].fix
    )
    # the source's attachment counts as much as the destination's
    h.b.attachment.security_group_referencing_support = True
    h.a.attachment.security_group_referencing_support = False
    h.net.touch()
    assert blockers(_ab(h)) == [
        B("SG_REFERENCING_SUPPORT", h.a.attachment.transit_gateway_attachment_id, "forward", "inbound")
    ]


def test_every_resource_lacking_the_option_is_a_blocker_of_its_own() -> None:
    h = hub()
    reference_across(h)
    h.a.attachment.security_group_referencing_support = False
    h.net.touch()
    assert blockers(_ab(h)) == [
        B("SG_REFERENCING_SUPPORT", h.tgw.transit_gateway_id, "forward", "inbound"),
        B("SG_REFERENCING_SUPPORT", h.a.attachment.transit_gateway_attachment_id, "forward", "inbound"),
    ]


def test_a_reference_that_would_not_allow_the_packet_is_a_plain_mismatch() -> None:
    """The code is given only when the unresolved reference is what would admit the packet."""
    h = hub()
    b_group = reference_across(h)  # tcp/22 from A's group
    result = _trace(h, h.a.instance.instance_id, h.b.instance.instance_id, port=80)
    assert blockers(result)[0][:2] == ("ENI_SG_RULES_MISMATCH", b_group)
    # a reference to a group the source is not in: enabling the option would not help
    other = security_group(h.net, h.a.vpc, "a-other")
    group = h.net.security_groups[b_group]
    group.ingress = []
    h.net.touch()
    h.net.authorize_security_group_ingress(
        group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=other.group_id
    )
    assert blockers(_ab(h))[0][:2] == ("ENI_SG_RULES_MISMATCH", b_group)


def test_the_sender_is_found_in_its_own_vpc_when_another_vpc_overlaps() -> None:
    """An estate may hold another VPC with the sender's block and an ENI at the sender's address
    (not on the gateway): the referenced group's own VPC decides whose ENI the address is."""
    h = hub()
    reference_across(h)
    a_eni = h.net.primary_network_interface(h.a.instance.instance_id)
    decoy = h.net.create_vpc(h.a.vpc.cidr_block, name="decoy")
    work = h.net.create_subnet(decoy, h.a.work.cidr_block, availability_zone=ZONE_A, name="decoy-work")
    other = security_group(h.net, decoy, "decoy-open")
    copy = h.net.run_instance(work, name="decoy-host", private_ip=a_eni.private_ip_address, groups=[other])
    # the decoy's ENI first in the estate, so that a scan of every VPC would meet it first
    decoy_eni = h.net.primary_network_interface(copy.instance_id)
    enis = h.net.network_interfaces
    h.net.network_interfaces = {decoy_eni.network_interface_id: decoy_eni, **enis}
    h.net.touch()
    assert blockers(_ab(h)) == [B("SG_REFERENCING_SUPPORT", h.tgw.transit_gateway_id, "forward", "inbound")]


def test_a_peering_between_the_vpcs_decides_alone() -> None:
    """With an active peering the reference resolves (same region) through it, whatever the gateway."""
    h = hub()
    reference_across(h)
    h.net.create_vpc_peering_connection(h.a.vpc, h.b.vpc)
    assert _ab(h).verdict == "reachable"


def test_without_a_transit_gateway_on_the_path_no_transit_code() -> None:
    """A flow that crosses no transit gateway never gets the code (the check runs only for flows
    that crossed one)."""
    h = hub()
    b_group = reference_across(h)
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    h.net.delete_route(main, "10.0.0.0/8")
    pcx = h.net.create_vpc_peering_connection(h.a.vpc, h.b.vpc)
    pcx.accepter.region = "eu-west-1"  # an inter-region peering: references across it never resolve
    h.net.touch()
    h.net.create_route(main, h.b.vpc.cidr_block, pcx.vpc_peering_connection_id)
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.create_route(main_b, h.a.vpc.cidr_block, pcx.vpc_peering_connection_id)
    assert blockers(_ab(h))[0][:2] == ("ENI_SG_RULES_MISMATCH", b_group)


def test_outbound_group_references_never_resolve_across_a_transit_gateway() -> None:
    h = hub()
    h.tgw.security_group_referencing_support = True
    a_group = h.net.security_groups[h.net.primary_network_interface(h.a.instance.instance_id).groups[0]]
    b_group = h.net.primary_network_interface(h.b.instance.instance_id).groups[0]
    h.net.revoke_security_group_egress(a_group)
    h.net.authorize_security_group_egress(
        a_group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=b_group
    )
    assert blockers(_ab(h))[0][:2] == ("ENI_SG_RULES_MISMATCH", a_group.group_id)
    assert "SG_REFERENCING_SUPPORT" not in _ab(h).codes
    # even with every option off, an outbound reference gets no SG_REFERENCING_SUPPORT: enabling
    # the option would not resolve it
    h.tgw.security_group_referencing_support = False
    h.net.touch()
    assert blockers(_ab(h))[0][:2] == ("ENI_SG_RULES_MISMATCH", a_group.group_id)
    assert "SG_REFERENCING_SUPPORT" not in _ab(h).codes


# ------------------------------------------------------------------ the reply's route back to the gateway


def _response_details(result: Trace) -> list[tuple[str, str | None]]:
    return [(d.component, d.rule) for d in steps(result, "detail")]


def test_a_reply_route_back_to_the_gateway_gives_no_detail() -> None:
    h = hub()
    result = _ab(h)
    assert result.verdict == "reachable" and _response_details(result) == []


def test_no_reply_route_to_the_gateway_is_an_additional_detail_and_the_reply_fails() -> None:
    """RA's RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY: the destination subnet's route table has
    no route for the client back to the transit gateway. A detail step of the request; the reply,
    traced as always, is what blocks (NO_ROUTE_TO_DESTINATION on the return path)."""
    h = hub()
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.delete_route(main_b, "10.0.0.0/8")
    h.net.create_route(main_b, h.c.vpc.cidr_block, h.tgw.transit_gateway_id)  # C only, not A
    result = _ab(h)
    assert _response_details(result) == [
        (main_b.route_table_id, "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY")
    ]
    detail = steps(result, "detail")[0]
    assert detail.action == "forward" and h.tgw.transit_gateway_id in detail.detail
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", main_b.route_table_id, "return")]
    # the route back restored: no detail, reachable
    h.net.create_route(main_b, h.a.vpc.cidr_block, h.tgw.transit_gateway_id)
    result = _ab(h)
    assert result.verdict == "reachable" and _response_details(result) == []


def test_a_reply_routed_elsewhere_than_the_gateway_gets_the_detail_too() -> None:
    """A more specific route for the client to another target (here a peering): the response
    route table has no route to the gateway the request came from. The reply takes the peering
    and is delivered (AWS tracks connections per ENI), so the flow stays reachable."""
    h = hub()
    pcx = h.net.create_vpc_peering_connection(h.a.vpc, h.b.vpc)
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.create_route(main_b, h.a.vpc.cidr_block, pcx.vpc_peering_connection_id)
    result = _ab(h)
    assert _response_details(result) == [
        (main_b.route_table_id, "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY")
    ]
    assert pcx.vpc_peering_connection_id in steps(result, "detail")[0].detail
    assert result.verdict == "reachable"


def test_a_blackhole_reply_route_to_the_gateway_gets_the_detail() -> None:
    h = hub()
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.create_route(main_b, h.a.vpc.cidr_block, "tgw-0123456789abcdef0")  # a gateway that is not there
    result = _ab(h)
    assert _response_details(result) == [
        (main_b.route_table_id, "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY")
    ]
    assert result.verdict != "reachable"


def test_no_detail_without_a_transit_gateway_or_without_a_reply() -> None:
    h = hub()
    # a flow inside one VPC crosses no gateway
    other = h.net.run_instance(
        h.b.work, groups=h.net.primary_network_interface(h.b.instance.instance_id).groups
    )
    assert _response_details(_trace(h, other.instance_id, h.b.instance.instance_id)) == []
    # a flow that gets no reply (an ICMP message other than a request) gets no response detail
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.delete_route(main_b, "10.0.0.0/8")
    result = vpcsim.trace(
        h.net, h.a.instance.instance_id, h.b.instance.instance_id, protocol="icmp", icmp_type=3
    )
    assert _response_details(result) == []


def test_ipv6_members_of_a_group_referenced_across_the_gateway_only_inbound() -> None:
    """The IPv6 rules follow the same rule: an inbound reference resolves with the option on, an
    outbound one never (compiled to no member)."""
    h = hub()
    net = h.net
    net.modify_transit_gateway(h.tgw, security_group_referencing_support=True)
    for octet, spoke_ in ((1, h.a), (2, h.b)):
        net.associate_vpc_ipv6_cidr_block(spoke_.vpc, f"2600:1f18:0:{octet}00::/56")
        spoke_.work.ipv6_cidr_block = f"2600:1f18:0:{octet}01::/64"
        net.assign_ipv6_addresses(net.primary_network_interface(spoke_.instance.instance_id), count=1)
    a_eni = net.primary_network_interface(h.a.instance.instance_id)
    b_eni = net.primary_network_interface(h.b.instance.instance_id)
    a_group, b_group = a_eni.groups[0], b_eni.groups[0]
    net.authorize_security_group_egress(
        a_group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=b_group
    )
    net.authorize_security_group_ingress(
        b_group, ip_protocol="tcp", from_port=22, to_port=22, referenced_group_id=a_group
    )
    compiled = compile_network(net)
    out = [r for r in compiled.enis[a_eni.network_interface_id].egress6 if r.peer == b_group]
    into = [r for r in compiled.enis[b_eni.network_interface_id].ingress6 if r.peer == a_group]
    assert len(out) == 1 and out[0].members == frozenset()
    assert len(into) == 1 and into[0].members == frozenset({ip_int(a_eni.ipv6_addresses[0])})
