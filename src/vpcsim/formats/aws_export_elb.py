"""Elastic Load Balancing as the describe calls return it (for :mod:`.aws_export`), in the
shapes :mod:`.aws_read_elb` reads: ``LoadBalancers``, ``LoadBalancerDescriptions`` (Classic),
``LoadBalancerListeners``, ``TargetGroups``, ``LoadBalancerTargetHealth``,
``LoadBalancerAttributes``, ``TargetGroupAttributes`` and ``ListenerRules`` (an Application
Load Balancer's non-default rules, per listener, only when some listener has them). Keys are written only for networks that
hold load balancers or target groups, so that other exports are unchanged. A Classic Load
Balancer's cross-zone setting is written as its ``load_balancing.cross_zone.enabled`` attribute
under its ARN (the classic API names it ``CrossZoneLoadBalancing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Network, Resource
from ..model.elb import Listener, ListenerAction, ListenerRule, LoadBalancer, TargetGroup


def add_elb_documents(network: Network, bucket: Callable[[Resource], dict[str, list[Any]]]) -> None:
    for lb in network.load_balancers.values():
        documents = bucket(lb)
        if lb.type == "classic":
            documents.setdefault("LoadBalancerDescriptions", []).append(_classic(lb))
        else:
            documents.setdefault("LoadBalancers", []).append(_load_balancer(lb))
            documents.setdefault("LoadBalancerListeners", []).append(
                {
                    "LoadBalancerArn": lb.load_balancer_arn,
                    "Listeners": [_listener(lb, li) for li in lb.listeners],
                }
            )
            rules = [
                {"ListenerArn": li.listener_arn, "Rules": [_rule(r) for r in li.rules]}
                for li in lb.listeners
                if li.rules
            ]
            if rules:
                documents.setdefault("ListenerRules", []).extend(rules)
        if lb.cross_zone is not None:
            documents.setdefault("LoadBalancerAttributes", []).append(
                {
                    "LoadBalancerArn": lb.load_balancer_arn,
                    "Attributes": [
                        {"Key": "load_balancing.cross_zone.enabled", "Value": _bool(lb.cross_zone)}
                    ],
                }
            )
    for tg in network.target_groups.values():
        documents = bucket(tg)
        documents.setdefault("TargetGroups", []).append(_target_group(tg))
        documents.setdefault("LoadBalancerTargetHealth", []).append(
            {
                "TargetGroupArn": tg.target_group_arn,
                "TargetHealthDescriptions": [_target(t) for t in tg.targets],
            }
        )
        attributes = [
            {"Key": key, "Value": _bool(value)}
            for key, value in (
                ("preserve_client_ip.enabled", tg.preserve_client_ip),
                ("load_balancing.cross_zone.enabled", tg.cross_zone),
            )
            if value is not None
        ]
        if not tg.attributes_missing:  # an item, even empty, says they were described
            documents.setdefault("TargetGroupAttributes", []).append(
                {"TargetGroupArn": tg.target_group_arn, "Attributes": attributes}
            )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _load_balancer(lb: LoadBalancer) -> dict[str, Any]:
    item: dict[str, Any] = {
        "LoadBalancerArn": lb.load_balancer_arn,
        "LoadBalancerName": lb.load_balancer_name,
        "Type": lb.type,
        "Scheme": lb.scheme,
        "VpcId": lb.vpc_id,
        "State": {"Code": lb.state},
        "AvailabilityZones": [
            {
                "ZoneName": z.zone_name,
                "SubnetId": z.subnet_id,
                "LoadBalancerAddresses": [
                    {
                        k: v
                        for k, v in (
                            ("IpAddress", a.ip_address),
                            ("AllocationId", a.allocation_id),
                            ("PrivateIPv4Address", a.private_ipv4_address),
                        )
                        if v is not None
                    }
                    for a in z.load_balancer_addresses
                ],
            }
            for z in lb.availability_zones
        ],
        "SecurityGroups": list(lb.security_groups),
        "IpAddressType": lb.ip_address_type,
    }
    if lb.dns_name is not None:
        item["DNSName"] = lb.dns_name
    return item


def _actions(listed: list[ListenerAction]) -> list[dict[str, Any]]:
    actions = []
    for action in listed:
        written: dict[str, Any] = {"Type": action.type}
        if len(action.target_group_arns) == 1:
            written["TargetGroupArn"] = action.target_group_arns[0]
        elif action.target_group_arns:
            written["ForwardConfig"] = {
                "TargetGroups": [{"TargetGroupArn": a, "Weight": 1} for a in action.target_group_arns]
            }
        if action.order is not None:
            written["Order"] = action.order
        actions.append(written)
    return actions


def _listener(lb: LoadBalancer, listener: Listener) -> dict[str, Any]:
    return {
        "ListenerArn": listener.listener_arn,
        "LoadBalancerArn": lb.load_balancer_arn,
        "Port": listener.port,
        "Protocol": listener.protocol,
        "DefaultActions": _actions(listener.default_actions),
    }


def _rule(rule: ListenerRule) -> dict[str, Any]:
    """A ``describe-rules`` rule (the default rule is the listener's ``DefaultActions``)."""
    conditions: list[dict[str, Any]] = []
    for condition in rule.conditions:
        if condition.field == "source-ip":
            conditions.append({"Field": "source-ip", "SourceIpConfig": {"Values": list(condition.values)}})
        else:
            conditions.append({"Field": condition.field, "Values": list(condition.values)})
    return {
        "RuleArn": rule.rule_arn,
        "Priority": str(rule.priority),
        "Conditions": conditions,
        "Actions": _actions(rule.actions),
        "IsDefault": False,
    }


def _classic(lb: LoadBalancer) -> dict[str, Any]:
    item: dict[str, Any] = {
        "LoadBalancerName": lb.load_balancer_name,
        "Scheme": lb.scheme,
        "VPCId": lb.vpc_id,
        "Subnets": [z.subnet_id for z in lb.availability_zones],
        "AvailabilityZones": [z.zone_name for z in lb.availability_zones],
        "SecurityGroups": list(lb.security_groups),
        "ListenerDescriptions": [
            {
                "Listener": {
                    k: v
                    for k, v in (
                        ("Protocol", li.protocol),
                        ("LoadBalancerPort", li.port),
                        ("InstanceProtocol", li.instance_protocol),
                        ("InstancePort", li.instance_port),
                    )
                    if v is not None
                }
            }
            for li in lb.listeners
        ],
        "Instances": [{"InstanceId": i} for i in lb.instances],
    }
    if lb.dns_name is not None:
        item["DNSName"] = lb.dns_name
    return item


def _target_group(tg: TargetGroup) -> dict[str, Any]:
    item: dict[str, Any] = {
        "TargetGroupArn": tg.target_group_arn,
        "TargetGroupName": tg.target_group_name,
        "TargetType": tg.target_type,
        "HealthCheckPort": tg.health_check_port,
        "LoadBalancerArns": list(tg.load_balancer_arns),
    }
    for key, value in (
        ("Protocol", tg.protocol),
        ("Port", tg.port),
        ("VpcId", tg.vpc_id),
        ("HealthCheckProtocol", tg.health_check_protocol),
    ):
        if value is not None:
            item[key] = value
    return item


def _target(target: Any) -> dict[str, Any]:
    written: dict[str, Any] = {"Id": target.id}
    if target.port is not None:
        written["Port"] = target.port
    if target.availability_zone is not None:
        written["AvailabilityZone"] = target.availability_zone
    out: dict[str, Any] = {"Target": written}
    if target.health_state is not None:
        out["TargetHealth"] = {"State": target.health_state}
    return out


__all__ = ["add_elb_documents"]
