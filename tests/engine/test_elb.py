"""One test per rule of the reference's Elastic Load Balancing section (engine/elb.py).

Each test builds the smallest estate that isolates the rule (``tests/support/elb.py``), traces
a flow to a load balancer's node and asserts the verdict and the exact blockers.
"""

from __future__ import annotations

from tests.support.builders import ANYWHERE, AclRule, blockers, custom_acl, security_group, steps
from tests.support.elb import ElbEstate, alb_estate

from vpcsim.engine import codes as C
from vpcsim.engine import trace
from vpcsim.engine.flow import TCP, UDP, Flow
from vpcsim.engine.result import Trace
from vpcsim.model.elb import TargetDescription

CLIENT = "8.8.8.8"


def _from_internet(e: ElbEstate, port: int = 80, proto: int = TCP, zone: str = "us-east-1a") -> Trace:
    return trace(
        e.net, Flow(protocol=proto, source=CLIENT, destination=e.node_public(zone), destination_port=port)
    )


def _from_instance(e: ElbEstate, source_eni: str, port: int = 80, zone: str = "us-east-1a") -> Trace:
    source = e.net.network_interfaces[source_eni].private_ip_address
    return trace(
        e.net,
        Flow(
            protocol=TCP,
            source=source,
            destination=e.node_private(zone),
            destination_port=port,
            source_eni=source_eni,
        ),
    )


def _web_eni(e: ElbEstate, which: str = "a") -> str:
    instance = e.web_a if which == "a" else e.web_b
    return e.net.primary_network_interface(instance.instance_id).network_interface_id


# ------------------------------------------------------------------------- scheme, nodes, listener


def test_internet_facing_alb_reaches_private_targets_through_its_node() -> None:
    e = alb_estate()
    t = _from_internet(e)
    assert t.verdict == "reachable", t.codes
    assert [s.detail for s in steps(t, "target") if s.action == "forward"][-1] == (
        f"served by {e.web_a.instance_id}:8080, {e.web_b.instance_id}:8080"
    )


def test_alb_leg_is_a_new_connection_from_the_node_with_remapped_ports() -> None:
    e = alb_estate()
    t = _from_internet(e)
    remap = [s for s in steps(t, "nat") if s.component == e.lb.load_balancer_arn]
    assert remap, "no translation step at the load balancer"
    after = remap[0].after
    assert after is not None
    assert after.source == e.node_private()
    assert after.source_ports == ((1024, 65535),)
    assert after.destination == e.private_ip(e.web_a)
    assert after.destination_ports == ((8080, 8080),)


def test_internal_load_balancer_has_no_public_address() -> None:
    e = alb_estate(scheme="internal")
    node = e.net.network_interfaces[e.node()]
    assert node.public_ip is None
    t = _from_instance(e, _web_eni(e, "b"))
    assert t.verdict == "reachable", t.codes


def test_no_listener_on_the_port_is_blocked_with_the_listener_port_code() -> None:
    e = alb_estate()
    e.net.authorize_security_group_ingress(
        e.lb_sg, ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=ANYWHERE
    )
    t = _from_internet(e, port=443)
    assert blockers(t) == [(C.ELBV2_LISTENER_PORT_RESTRICTION, e.lb.load_balancer_arn, "forward", None, None)]


def test_listener_protocol_mismatch_is_blocked_with_the_listeners_mismatch_code() -> None:
    e = alb_estate(load_balancer_type="network", lb_groups=False)
    t = _from_internet(e, proto=UDP)
    assert blockers(t) == [(C.ELBV2_LISTENERS_MISMATCH, e.lb.load_balancer_arn, "forward", None, None)]


def test_classic_listener_codes() -> None:
    e = alb_estate(load_balancer_type="classic")
    e.net.authorize_security_group_ingress(e.lb_sg, ip_protocol="-1", cidr_ipv4=ANYWHERE)
    assert _from_internet(e).verdict == "reachable"
    assert blockers(_from_internet(e, port=81))[0].code == C.ELB_LISTENER_PORT_RESTRICTION
    assert blockers(_from_internet(e, proto=UDP))[0].code == C.ELB_LISTENERS_MISMATCH


def test_alb_security_group_filters_clients() -> None:
    e = alb_estate()
    e.net.revoke_security_group_ingress(e.lb_sg)
    t = _from_internet(e)
    assert [(b.code, b.direction) for b in t.blockers] == [(C.SG_HAS_NO_RULES, "inbound")]
    assert t.blockers[0].component in (e.node(), e.lb_sg.group_id)


def test_node_subnet_acl_judges_the_client() -> None:
    e = alb_estate()
    custom_acl(
        e.net,
        e.public_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(1024, 65535))],
        outbound=[AclRule(100, "allow")],
    )
    t = _from_internet(e)
    assert C.SUBNET_ACL_RESTRICTION in t.codes
    assert t.verdict == "unreachable"


# ------------------------------------------------------------------------- actions and target groups


def test_only_forward_actions_reach_targets_fixed_response_answers_at_the_lb() -> None:
    e = alb_estate()
    listener = e.lb.listeners[0]
    listener.default_actions[0].type = "fixed-response"
    listener.default_actions[0].target_group_arns = []
    e.net.touch()
    t = _from_internet(e)
    assert t.verdict == "reachable"
    assert not any(h.component == _web_eni(e) for h in t.forward)


def test_listener_without_a_target_group_in_the_input() -> None:
    e = alb_estate()
    e.lb.listeners[0].default_actions[0].target_group_arns = [
        "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/gone/1"
    ]
    e.net.touch()
    assert [b.code for b in _from_internet(e).blockers] == [C.ELBV2_LISTENER_REQUIRES_TG_ACCEPT]


def test_target_group_without_targets() -> None:
    e = alb_estate(targets="none")
    assert [b.code for b in _from_internet(e).blockers] == [C.ELBV2_LISTENER_HAS_NO_TG]


def test_target_port_overrides_the_group_port() -> None:
    e = alb_estate()
    e.tg.targets = [TargetDescription(id=e.web_a.instance_id, port=9090, availability_zone="us-east-1a")]
    e.net.touch()
    t = _from_internet(e)
    assert [b.code for b in t.blockers] == [C.ENI_SG_RULES_MISMATCH]  # web-sg allows 8080 only
    e.net.authorize_security_group_ingress(
        e.web_sg, ip_protocol="tcp", from_port=9090, to_port=9090, referenced_group_id=e.lb_sg.group_id
    )
    assert _from_internet(e).verdict == "reachable"


def test_ip_target_receives_on_its_address() -> None:
    e = alb_estate(target_type="ip")
    assert _from_internet(e).verdict == "reachable"


# ------------------------------------------------------------------------- what the target must allow


def test_alb_target_group_must_allow_the_load_balancer_not_the_client() -> None:
    e = alb_estate(
        web_ingress=[{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": f"{CLIENT}/32"}]
    )
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert {b.code for b in t.blockers} == {C.ENI_SG_RULES_MISMATCH}
    assert {(b.component, b.direction) for b in t.blockers} == {(e.web_sg.group_id, "inbound")}
    assert len(t.blockers) == 2  # one per target's leg


def test_alb_outbound_rules_must_allow_the_target_port() -> None:
    e = alb_estate()
    e.net.revoke_security_group_egress(e.lb_sg)
    e.net.authorize_security_group_egress(
        e.lb_sg, ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=ANYWHERE
    )
    t = _from_internet(e)
    assert {(b.code, b.component, b.direction) for b in t.blockers} == {
        (C.ENI_SG_RULES_MISMATCH, e.lb_sg.group_id, "outbound")
    }


def test_one_reachable_target_serves_the_flow() -> None:
    e = alb_estate()
    # web-b's subnet ACL denies everything: only web-a's leg goes through.
    custom_acl(e.net, e.private_b)
    t = _from_internet(e)
    assert t.verdict == "reachable", t.codes
    assert f"served by {e.web_a.instance_id}:8080" in [s.detail for s in steps(t, "target")]


def test_every_target_blocked_reports_every_leg() -> None:
    e = alb_estate()
    custom_acl(e.net, e.private_a)
    custom_acl(e.net, e.private_b)
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert {(b.code, b.path, b.direction) for b in t.blockers} == {
        (C.SUBNET_ACL_RESTRICTION, "forward", "inbound"),
        (C.SUBNET_ACL_RESTRICTION, "return", "outbound"),
    }
    assert len({b.component for b in t.blockers}) == 2  # both targets' ACLs


def test_target_replies_need_the_lb_subnet_acl_to_admit_ephemeral_ports() -> None:
    e = alb_estate()
    custom_acl(
        e.net,
        e.public_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(80, 80))],
        outbound=[AclRule(100, "allow")],
    )
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert {(b.code, b.path, b.direction) for b in t.blockers} == {
        (C.SUBNET_ACL_RESTRICTION, "return", "inbound")
    }


def test_nlb_preserves_the_client_address_for_instance_targets() -> None:
    vpc_only = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=vpc_only)
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert {b.code for b in t.blockers} == {C.ENI_SG_RULES_MISMATCH}
    nat = [s for s in steps(t, "nat") if s.component == e.lb.load_balancer_arn]
    assert nat[0].after is not None and nat[0].after.source == CLIENT
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    assert _from_internet(
        alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world)
    ).reachable


def test_nlb_ip_targets_over_tcp_see_the_node_address_by_default() -> None:
    vpc_only = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=vpc_only, target_type="ip")
    assert _from_internet(e).verdict == "reachable"
    on = alb_estate(
        load_balancer_type="network",
        lb_groups=False,
        web_ingress=vpc_only,
        target_type="ip",
        preserve_client_ip=True,
    )
    assert _from_internet(on).verdict == "unreachable"


def test_nlb_ip_targets_over_udp_always_preserve() -> None:
    vpc_only = [{"ip_protocol": "udp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    e = alb_estate(
        load_balancer_type="network",
        lb_groups=False,
        web_ingress=vpc_only,
        target_type="ip",
        protocol="UDP",
        preserve_client_ip=False,
    )
    assert e.tg.preserves_client_ip()
    t = _from_internet(e, proto=UDP)
    assert t.verdict == "unreachable"


def test_nlb_group_reference_matches_even_with_preservation() -> None:
    e = alb_estate(load_balancer_type="network")  # web-sg allows 8080 from the NLB's group only
    assert _from_internet(e).verdict == "reachable", _from_internet(e).codes


def test_nlb_without_groups_lets_every_client_in() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world)
    assert not e.net.network_interfaces[e.node()].groups
    assert _from_internet(e).verdict == "reachable"


def test_nlb_target_calling_itself_through_the_nlb_fails_with_preservation() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world, targets="a")
    t = _from_instance(e, _web_eni(e, "a"))
    assert C.ELBV2_SOURCE_ADDRESS_PRESERVATION in t.codes
    assert t.verdict == "unreachable"


def test_nlb_preserved_reply_needs_the_target_acl_to_let_client_ports_out() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world, targets="a")
    custom_acl(
        e.net,
        e.private_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(8080, 8080))],
        outbound=[AclRule(100, "allow", "tcp", cidr="10.0.0.0/16")],
    )
    t = _from_internet(e)
    assert {(b.code, b.component, b.path, b.direction) for b in t.blockers} == {
        (
            C.SUBNET_ACL_RESTRICTION,
            e.net.network_acl_of_subnet(e.private_a.subnet_id).network_acl_id,
            "return",
            "outbound",
        )  # type: ignore[union-attr]
    }


# ------------------------------------------------------------------------- zones


def test_nlb_cross_zone_off_serves_only_its_own_zone() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world, targets="b")
    assert [b.code for b in _from_internet(e, zone="us-east-1a").blockers] == [C.ELBV2_NO_TARGETS_IN_AZ]
    assert _from_internet(e, zone="us-east-1b").verdict == "reachable"
    on = alb_estate(
        load_balancer_type="network", lb_groups=False, web_ingress=world, targets="b", cross_zone=True
    )
    assert _from_internet(on, zone="us-east-1a").verdict == "reachable"


def test_alb_is_cross_zone() -> None:
    e = alb_estate(targets="b")
    assert _from_internet(e, zone="us-east-1a").verdict == "reachable"


def test_classic_cross_zone_off() -> None:
    e = alb_estate(load_balancer_type="classic", targets="b", cross_zone=False)
    assert [b.code for b in _from_internet(e, zone="us-east-1a").blockers] == [C.ELB_NOT_CROSSZONE]


def test_targets_only_in_zones_the_lb_does_not_enable() -> None:
    e = alb_estate(targets="none")
    other = e.net.create_subnet(e.vpc, "10.0.12.0/24", availability_zone="us-east-1c", name="private-c")
    web_c = e.net.run_instance(other, name="web-c", groups=[e.web_sg])
    e.net.register_targets(e.tg, [web_c.instance_id])
    assert [b.code for b in _from_internet(e).blockers] == [C.ELB_INSTALLED_AZ_RESTRICTION]


def test_classic_acl_applies_within_its_own_subnet() -> None:
    e = alb_estate(load_balancer_type="classic", targets="none")
    near = e.net.run_instance(e.public_a, name="near", groups=[e.web_sg])
    e.net.register_instances_with_load_balancer(e.lb, [near])
    custom_acl(
        e.net,
        e.public_a,
        inbound=[AclRule(100, "allow")],
        outbound=[AclRule(100, "allow", "tcp", ports=(32768, 65535))],
    )
    t = _from_internet(e)
    assert [b.code for b in t.blockers] == [C.ELB_ACL_RESTRICTION]


# ------------------------------------------------------------------------- health and state


def test_health_is_a_note_never_a_blocker() -> None:
    e = alb_estate()
    for target in e.tg.targets:
        target.health_state = "unhealthy"
    e.net.touch()
    t = _from_internet(e)
    assert t.verdict == "reachable"
    assert any("health: unhealthy" in s.detail for s in steps(t, "target"))


def test_load_balancer_not_active() -> None:
    e = alb_estate()
    e.lb.state = "provisioning"
    e.net.touch()
    assert [b.code for b in _from_internet(e).blockers] == [C.BAD_STATE]


def test_gateway_load_balancer_is_not_followed() -> None:
    e = alb_estate()
    e.lb.type = "gateway"
    e.net.touch()
    t = _from_internet(e)
    assert t.verdict == "unknown"
    assert t.codes == [C.VPCSIM_OUTSIDE_MODEL]


def test_node_of_an_undescribed_load_balancer_is_unknown() -> None:
    e = alb_estate()
    del e.net.load_balancers[e.lb.load_balancer_arn]
    e.net.touch()
    assert _from_internet(e).codes == [C.VPCSIM_OUTSIDE_MODEL]


def test_nlb_in_front_of_an_alb() -> None:
    e = alb_estate()
    nlb = e.net.create_load_balancer("front", [e.public_a], load_balancer_type="network", security_groups=[])
    tg = e.net.create_target_group("to-alb", vpc=e.vpc, protocol="TCP", port=80, target_type="alb")
    e.net.register_targets(tg, [e.lb.load_balancer_arn])
    e.net.create_listener(nlb, port=80, protocol="TCP", target_groups=[tg])
    node = next(eni for eni in e.net.network_interfaces.values() if eni.description == "ELB " + nlb.node_key)
    assert node.public_ip is not None
    t = trace(e.net, Flow(protocol=TCP, source=CLIENT, destination=node.public_ip, destination_port=80))
    assert t.verdict == "reachable", t.codes
    assert e.lb.load_balancer_arn in [h.component for h in t.forward]


def test_security_group_helper_kept() -> None:
    # The estate's groups are ordinary groups: the builder helper makes them.
    e = alb_estate()
    assert security_group is not None and e.lb_sg.group_id in e.lb.security_groups


def test_target_group_attribute_turns_cross_zone_off_even_on_an_alb() -> None:
    e = alb_estate(targets="b")
    e.tg.cross_zone = False
    e.net.touch()
    assert [b.code for b in _from_internet(e, zone="us-east-1a").blockers] == [C.ELBV2_NO_TARGETS_IN_AZ]
    assert _from_internet(e, zone="us-east-1b").verdict == "reachable"


def test_nlb_security_group_filters_clients() -> None:
    e = alb_estate(load_balancer_type="network")
    e.net.revoke_security_group_ingress(e.lb_sg)
    e.net.authorize_security_group_ingress(
        e.lb_sg, ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv4="192.0.2.0/24"
    )
    t = _from_internet(e)
    assert [(b.code, b.component, b.direction) for b in t.blockers] == [
        (C.ENI_SG_RULES_MISMATCH, e.lb_sg.group_id, "inbound")
    ]


def test_ip_target_outside_the_vpc_in_zone_all_is_routed_like_any_packet() -> None:
    """An on-premises IP target (zone ``all``) is served (no zone restriction); the node's leg
    follows its subnet's routes: here 0.0.0.0/0 -> the internet gateway, which drops RFC 1918."""
    e = alb_estate(target_type="ip", targets="none")
    e.tg.targets = [TargetDescription(id="192.168.7.10", availability_zone="all")]
    e.net.touch()
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert [b.code for b in t.blockers] == [C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS]


def test_a_load_balancer_targeting_its_own_node_is_a_loop_not_a_hang() -> None:
    e = alb_estate(load_balancer_type="network", lb_groups=False, target_type="ip", targets="none")
    e.tg.targets = [
        TargetDescription(id=e.node_private("us-east-1a"), port=80, availability_zone="us-east-1a")
    ]
    e.net.touch()
    t = _from_internet(e)
    assert t.verdict == "unreachable"
    assert C.VPCSIM_ROUTING_LOOP in t.codes


def test_a_target_does_not_track_the_clients_connection_its_leg_is_another() -> None:
    """Found by the differential run (``--preset small-elb``): a target that also forwards the
    node's reply to the client (the public subnet routes the client's prefix to it) judges that
    reply as new traffic -- it tracked the leg, a connection of its own, not the client's."""
    udp_in = [{"ip_protocol": "udp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = alb_estate(
        load_balancer_type="network", protocol="UDP", web_ingress=udp_in, lb_groups=False, targets="a"
    )
    web = e.net.network_interfaces[_web_eni(e, "a")]
    web.source_dest_check = False
    public_rt = next(t for t in e.net.route_tables.values() if t.name == "public-rt")
    e.net.create_route(public_rt, "8.8.8.0/24", web.network_interface_id)
    t = _from_internet(e, proto=UDP)
    assert t.verdict == "unreachable"
    assert (C.ENI_SG_RULES_MISMATCH, "return") in [(b.code, b.path) for b in t.blockers]
    assert e.web_sg.group_id in [b.component for b in t.blockers]


# ------------------------------------------- target group attributes missing: RA's assumption details


def _missing(e: ElbEstate) -> ElbEstate:
    e.tg.attributes_missing = True
    e.net.touch()
    return e


def _details(t: Trace) -> list[tuple[str, str | None]]:
    return [(s.component, s.rule) for s in steps(t, "detail")]


def test_nlb_instance_targets_without_attributes_assume_preservation_on() -> None:
    """RA's MISSING_TARGET_GROUP_ATTRIBUTES and ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED: the
    attributes are missing and instance targets default to preservation on. Details only: the
    verdict and blockers are those of the same estate with the attribute known."""
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = _missing(alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world))
    t = _from_internet(e)
    arn = e.tg.target_group_arn
    assert _details(t) == [
        (arn, C.MISSING_TARGET_GROUP_ATTRIBUTES),
        (arn, C.ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED),
    ]
    assert "web-tg" in steps(t, "detail")[0].detail
    known = _from_internet(alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world))
    assert (t.verdict, t.blockers) == (known.verdict, known.blockers) == ("reachable", ())
    assert not _details(known)


def test_nlb_ip_targets_over_tcp_without_attributes_assume_preservation_off() -> None:
    vpc_only = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": "10.0.0.0/16"}]
    e = _missing(
        alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=vpc_only, target_type="ip")
    )
    t = _from_internet(e)
    assert t.verdict == "reachable", t.codes  # the node's address, as assumed
    assert [rule for _, rule in _details(t)] == [
        C.MISSING_TARGET_GROUP_ATTRIBUTES,
        C.ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED,
    ]


def test_no_assumption_where_the_protocol_fixes_preservation_or_the_lb_is_not_an_nlb() -> None:
    udp = _missing(
        alb_estate(load_balancer_type="network", lb_groups=False, target_type="ip", protocol="UDP")
    )
    assert udp.tg.assumed_client_ip_preservation() is None
    assert not _details(_from_internet(udp, proto=UDP))
    alb = _missing(alb_estate())
    assert alb.tg.assumed_client_ip_preservation() is True  # the group's own default...
    t = _from_internet(alb)
    assert t.verdict == "reachable" and not _details(t)  # ...but an ALB never preserves


def test_no_assumption_when_the_attribute_is_known_or_left_to_the_default() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    given = _missing(
        alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world, preserve_client_ip=False)
    )
    assert given.tg.assumed_client_ip_preservation() is None
    assert not _details(_from_internet(given))
    default = alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world)
    assert default.tg.preserve_client_ip is None and not default.tg.attributes_missing
    assert not _details(_from_internet(default))


def test_assumption_details_once_per_target_group_and_only_in_recorded_traces() -> None:
    world = [{"ip_protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_ipv4": ANYWHERE}]
    e = _missing(
        alb_estate(load_balancer_type="network", lb_groups=False, web_ingress=world, cross_zone=True)
    )
    assert len(e.tg.targets) == 2
    t = _from_internet(e)
    assert len(_details(t)) == 2  # two targets, one group: one pair of details
    flow = Flow(protocol=TCP, source=CLIENT, destination=e.node_public(), destination_port=80)
    bare = trace(e.net, flow, record=False)
    assert bare.verdict == t.verdict and bare.blockers == t.blockers
    assert not bare.forward
