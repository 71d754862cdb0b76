"""What AWS refuses about load balancers, with the ``elbv2`` API's error codes."""

from __future__ import annotations

from tests.support.elb import alb_estate

from vpcsim.model import validate
from vpcsim.model.elb import TargetDescription


def _codes(net: object) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in validate(net)]  # type: ignore[arg-type]


def test_builder_estates_are_valid() -> None:
    for kind in ("application", "network", "classic"):
        assert validate(alb_estate(load_balancer_type=kind).net) == []  # type: ignore[arg-type]


def test_internet_facing_needs_an_internet_gateway() -> None:
    e = alb_estate()
    igw = e.net.internet_gateway_of_vpc(e.vpc.vpc_id)
    assert igw is not None
    e.net.detach_internet_gateway(igw)
    assert ("InvalidSubnet", "scheme") in _codes(e.net)
    assert ("InvalidSubnet", "scheme") not in _codes(alb_estate(scheme="internal").net)


def test_alb_needs_two_zones_and_one_subnet_per_zone() -> None:
    e = alb_estate()
    e.lb.availability_zones[1].subnet_id = e.private_a.subnet_id  # us-east-1a twice
    e.lb.availability_zones[1].zone_name = "us-east-1a"
    codes = _codes(e.net)
    assert ("InvalidConfigurationRequest", "availability_zones") in codes
    assert ("ValidationError", "availability_zones") in codes


def test_listener_protocol_must_suit_the_type_and_ports_are_unique() -> None:
    e = alb_estate()
    e.lb.listeners[0].protocol = "UDP"
    e.net.create_listener(e.lb, port=80, protocol="HTTP", target_groups=[e.tg])
    codes = _codes(e.net)
    assert ("UnsupportedProtocol", "listeners[0].protocol") in codes
    assert ("DuplicateListener", "listeners") in codes


def test_ip_targets_are_never_public_addresses() -> None:
    e = alb_estate(target_type="ip")
    e.tg.targets.append(TargetDescription(id="8.8.8.8"))
    e.net.touch()
    assert ("InvalidTarget", "targets[2].id") in _codes(e.net)


def test_alb_has_a_security_group_and_gwlb_none() -> None:
    e = alb_estate()
    e.lb.security_groups = []
    assert ("ValidationError", "security_groups") in _codes(e.net)


def test_missing_target_group_and_missing_nodes_are_warnings() -> None:
    e = alb_estate()
    e.lb.listeners[0].default_actions[0].target_group_arns = [
        "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/1"
    ]
    for eni in list(e.net.network_interfaces.values()):
        if eni.description.startswith("ELB "):
            del e.net.network_interfaces[eni.network_interface_id]
    e.net.touch()
    found = {(p.severity, p.code) for p in validate(e.net)}
    assert ("warning", "TargetGroupNotFound") in found
    assert ("warning", "VPCSIM_NO_NODES") in found


def test_listener_rules_priorities_source_ip_blocks_and_groups() -> None:
    from vpcsim.model.elb import ListenerAction, ListenerRule, RuleCondition

    e = alb_estate()
    listener = e.lb.listeners[0]
    gone = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/0123456789abcdef"
    for arn in ("r1", "r2"):
        listener.rules.append(
            ListenerRule(
                rule_arn=arn,
                priority=5,
                conditions=[RuleCondition(field="source-ip", values=["nope"])],
                actions=[ListenerAction(target_group_arns=[gone])],
            )
        )
    codes = _codes(e.net)
    assert ("PriorityInUse", "listeners[0].rules[0].priority") in codes
    assert ("ValidationError", "listeners[0].rules[1].conditions") in codes
    assert ("TargetGroupNotFound", "listeners[0].rules[0].actions") in codes
    nlb = alb_estate(load_balancer_type="network")
    nlb.lb.listeners[0].rules.append(ListenerRule(rule_arn="r", priority=1))
    assert ("ValidationError", "listeners[0].rules") in _codes(nlb.net)
