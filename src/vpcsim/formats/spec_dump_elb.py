"""Write a VPC's target groups and load balancers back as spec sections (for :mod:`.spec_dump`).

Why apart: load balancers are keyed by name and carry ARNs; their nodes stay under
``network_interfaces`` (written like any ENI, with AWS's description), and the load balancer says
``create_nodes: false`` so that loading does not make them twice. An ARN is written only when
loading would not derive the same one from the name and the seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Vpc
from ..model.elb import (
    ListenerRule,
    LoadBalancer,
    TargetGroup,
    default_rule_arn,
    derived_suffix,
    load_balancer_arn,
    target_group_arn,
)

if TYPE_CHECKING:
    from .spec_dump import _SpecWriter


def target_groups(writer: _SpecWriter, vpc: Vpc) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tg in sorted(writer.net.target_groups.values(), key=lambda t: t.target_group_name):
        if tg.vpc_id == vpc.vpc_id:
            out[tg.target_group_name] = _target_group(writer, tg, vpc)
    return out


def outside_target_groups(writer: _SpecWriter) -> dict[str, Any]:
    """Groups whose VPC the network does not hold: at the top of the file, with ``vpc_id``."""
    out: dict[str, Any] = {}
    for tg in sorted(writer.net.target_groups.values(), key=lambda t: t.target_group_name):
        if tg.vpc_id is None or tg.vpc_id not in writer.net.vpcs:
            key = tg.target_group_name if tg.target_group_name not in out else tg.target_group_arn
            out[key] = _target_group(writer, tg, None)
    return out


def _target_group(writer: _SpecWriter, tg: TargetGroup, vpc: Vpc | None) -> dict[str, Any]:
    item: dict[str, Any] = {}
    name = tg.target_group_name
    derived = (
        target_group_arn(vpc.region, vpc.owner_id, name, derived_suffix(writer.seed, "tg", name))
        if vpc is not None
        else None
    )
    if tg.target_group_arn != derived:
        item["arn"] = tg.target_group_arn
    if vpc is None:
        item["vpc_id"] = tg.vpc_id
    if tg.protocol is not None:
        item["protocol"] = tg.protocol
    if tg.port is not None:
        item["port"] = tg.port
    if tg.target_type != "instance":
        item["target_type"] = tg.target_type
    targets: list[Any] = []
    for target in tg.targets:
        ref = writer.ref(target.id) if tg.target_type == "instance" else target.id
        written: dict[str, Any] = {"id": ref}
        if target.port is not None:
            written["port"] = target.port
        if target.availability_zone is not None:
            written["availability_zone"] = target.availability_zone
        if target.health_state is not None:
            written["health"] = target.health_state
        targets.append(written)
    if targets:
        item["targets"] = targets
    if tg.preserve_client_ip is not None:
        item["preserve_client_ip"] = tg.preserve_client_ip
    if tg.cross_zone is not None:
        item["cross_zone"] = tg.cross_zone
    if tg.attributes_missing:
        item["attributes_missing"] = True
    if tg.health_check_port != "traffic-port":
        item["health_check_port"] = tg.health_check_port
    if tg.health_check_protocol is not None:
        item["health_check_protocol"] = tg.health_check_protocol
    by_listener = {
        lb.load_balancer_arn
        for lb in writer.net.load_balancers.values()
        for listener in lb.listeners
        for action in listener.default_actions
        if tg.target_group_arn in action.target_group_arns
    }
    others = [arn for arn in tg.load_balancer_arns if arn not in by_listener]
    if others:  # what a partial dump says without the listeners (which say it in a spec)
        item["load_balancer_arns"] = others
    if tg.tags:
        item["tags"] = dict(tg.tags)
    return item


def _group_names(writer: _SpecWriter, arns: list[str]) -> list[str]:
    return [
        writer.net.target_groups[a].target_group_name if a in writer.net.target_groups else a for a in arns
    ]


def _rule(writer: _SpecWriter, listener_arn: str, rule: ListenerRule) -> dict[str, Any]:
    """A listener rule: its conditions as read, its forward groups, its first action's type."""
    written: dict[str, Any] = {"priority": rule.priority}
    if rule.conditions:
        written["conditions"] = [{"field": c.field, "values": list(c.values)} for c in rule.conditions]
    forward = [a for action in rule.actions if action.type == "forward" for a in action.target_group_arns]
    if forward:
        written["forward"] = _group_names(writer, forward)
    if rule.actions and rule.actions[0].type != "forward":
        written["action"] = rule.actions[0].type
    if rule.rule_arn != default_rule_arn(listener_arn, rule.priority):
        written["arn"] = rule.rule_arn
    return written


def load_balancers(writer: _SpecWriter, vpc: Vpc) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lb in sorted(writer.net.load_balancers.values(), key=lambda b: b.load_balancer_name):
        if lb.vpc_id == vpc.vpc_id:
            out[lb.load_balancer_name] = _load_balancer(writer, lb, vpc)
    return out


def _load_balancer(writer: _SpecWriter, lb: LoadBalancer, vpc: Vpc) -> dict[str, Any]:
    item: dict[str, Any] = {}
    name = lb.load_balancer_name
    derived = load_balancer_arn(
        vpc.region, vpc.owner_id, lb.type, name, derived_suffix(writer.seed, "elb", name)
    )
    if lb.load_balancer_arn != derived:
        item["arn"] = lb.load_balancer_arn
    if lb.type != "application":
        item["type"] = lb.type
    if lb.scheme != "internet-facing":
        item["scheme"] = lb.scheme
    item["subnets"] = [writer.ref(z.subnet_id) for z in lb.availability_zones]
    item["security_groups"] = [writer.ref(g) for g in lb.security_groups]
    listeners = []
    for listener in lb.listeners:
        written: dict[str, Any] = {"port": listener.port, "protocol": listener.protocol}
        forward = listener.target_group_arns
        if forward:
            written["forward"] = _group_names(writer, forward)
        actions = [a.type for a in listener.default_actions]
        if actions and actions[0] != "forward":
            written["action"] = actions[0]
        if listener.instance_port is not None:
            written["instance_port"] = listener.instance_port
        if listener.instance_protocol is not None:
            written["instance_protocol"] = listener.instance_protocol
        default_arn = lb.load_balancer_arn.replace(":loadbalancer/", ":listener/") + f"/{listener.port}"
        if listener.listener_arn != default_arn:
            written["arn"] = listener.listener_arn
        if listener.rules:
            written["rules"] = [_rule(writer, listener.listener_arn, rule) for rule in listener.rules]
        listeners.append(written)
    if listeners:
        item["listeners"] = listeners
    if lb.instances:
        item["instances"] = [writer.ref(i) for i in lb.instances]
    if lb.cross_zone is not None:
        item["cross_zone"] = lb.cross_zone
    if lb.state != "active":
        item["state"] = lb.state
    if lb.dns_name is not None:
        item["dns_name"] = lb.dns_name
    if lb.ip_address_type != "ipv4":
        item["ip_address_type"] = lb.ip_address_type
    addresses = {
        writer.ref(z.subnet_id): [
            {
                k: v
                for k, v in (
                    ("ip_address", a.ip_address),
                    ("allocation_id", a.allocation_id),
                    ("private_ipv4_address", a.private_ipv4_address),
                )
                if v is not None
            }
            for a in z.load_balancer_addresses
        ]
        for z in lb.availability_zones
        if z.load_balancer_addresses
    }
    if addresses:
        item["addresses"] = addresses
    item["create_nodes"] = False
    if lb.tags:
        item["tags"] = dict(lb.tags)
    return item


__all__ = ["load_balancers", "outside_target_groups", "target_groups"]
