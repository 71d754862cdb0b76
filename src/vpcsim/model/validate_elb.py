"""What AWS refuses about load balancers, target groups and listeners (for :mod:`.validate`).

Why apart: the rules belong to the ``elbv2`` API (its error codes: ``InvalidSubnet``,
``ValidationError``, ``InvalidConfigurationRequest``, ``UnsupportedProtocol``,
``DuplicateListener``, ``InvalidTarget``, ``TargetGroupNotFound``...), not to EC2's; the
validator calls :func:`check_load_balancers` with its own reporting functions, so the checks stay
next to each other and the rest of the validator is untouched.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable

from .addressing import RFC1918, RFC6598, cidr_int
from .elb import LISTENER_PROTOCOLS, LoadBalancer, TargetGroup
from .network import Network

Report = Callable[[str, str, str, str], None]
"""(resource, field, code, message)."""

DANGLING = "VPCSIM_DANGLING_REFERENCE"


def check_load_balancers(network: Network, error: Report, warning: Report) -> None:
    for lb in network.load_balancers.values():
        _load_balancer(network, lb, error, warning)
    for tg in network.target_groups.values():
        _target_group(network, tg, error, warning)


def _load_balancer(n: Network, lb: LoadBalancer, error: Report, warning: Report) -> None:
    rid = lb.load_balancer_arn
    if lb.vpc_id not in n.vpcs and lb.vpc_id not in n.unknown_resources:
        error(rid, "vpc_id", DANGLING, f"VPC {lb.vpc_id} is not in the network")
    zones: Counter[str] = Counter()
    for index, zone in enumerate(lb.availability_zones):
        subnet = n.subnets.get(zone.subnet_id)
        field = f"availability_zones[{index}].subnet_id"
        if subnet is None:
            if zone.subnet_id not in n.unknown_resources:
                error(rid, field, DANGLING, f"subnet {zone.subnet_id} is not in the network")
            continue
        if subnet.vpc_id != lb.vpc_id:
            error(
                rid,
                field,
                "InvalidSubnet",
                f"subnet {zone.subnet_id} is in {subnet.vpc_id}, not in {lb.vpc_id}",
            )
        zones[subnet.availability_zone] += 1
    for zone_name, count in sorted(zones.items()):
        if count > 1:
            error(
                rid,
                "availability_zones",
                "InvalidConfigurationRequest",
                f"{count} subnets in {zone_name}: a load balancer takes at most one subnet per Availability Zone",
            )
    if lb.type == "application" and len(zones) < 2:
        error(
            rid,
            "availability_zones",
            "ValidationError",
            "an Application Load Balancer needs subnets in at least two Availability Zones",
        )
    elif not lb.availability_zones:
        error(rid, "availability_zones", "ValidationError", "a load balancer needs at least one subnet")
    if (
        lb.scheme == "internet-facing"
        and lb.vpc_id in n.vpcs
        and n.internet_gateway_of_vpc(lb.vpc_id) is None
    ):
        error(
            rid,
            "scheme",
            "InvalidSubnet",
            f"VPC {lb.vpc_id} has no internet gateway: an internet-facing load balancer needs one (or make it internal)",
        )
    for index, group_id in enumerate(lb.security_groups):
        group = n.security_groups.get(group_id)
        if group is None:
            if group_id not in n.unknown_resources:
                error(
                    rid,
                    f"security_groups[{index}]",
                    DANGLING,
                    f"security group {group_id} is not in the network",
                )
        elif group.vpc_id != lb.vpc_id:
            error(
                rid,
                f"security_groups[{index}]",
                "InvalidSecurityGroup",
                f"{group_id} is in {group.vpc_id}, not in {lb.vpc_id}",
            )
    if lb.type == "gateway" and lb.security_groups:
        error(rid, "security_groups", "ValidationError", "a Gateway Load Balancer has no security groups")
    if lb.type in ("application", "classic") and not lb.security_groups:
        error(
            rid,
            "security_groups",
            "ValidationError",
            "an Application or Classic Load Balancer has at least one security group",
        )
    ports: Counter[int] = Counter()
    allowed = LISTENER_PROTOCOLS[lb.type]
    for index, listener in enumerate(lb.listeners):
        ports[listener.port] += 1
        if listener.protocol.upper() not in allowed:
            error(
                rid,
                f"listeners[{index}].protocol",
                "UnsupportedProtocol",
                f"{listener.protocol} is not a listener protocol of a {lb.type} load balancer ({', '.join(sorted(allowed))})",
            )
        for arn in listener.target_group_arns:
            if arn not in n.target_groups and arn not in n.unknown_resources:
                warning(
                    rid,
                    f"listeners[{index}].default_actions",
                    "TargetGroupNotFound",
                    f"target group {arn} is not in the input: the listener forwards nowhere vpcsim can follow",
                )
        if listener.rules and lb.type != "application":
            error(
                rid,
                f"listeners[{index}].rules",
                "ValidationError",
                "only an Application Load Balancer's listeners have rules",
            )
        priorities: Counter[int] = Counter(r.priority for r in listener.rules)
        for rindex, rule in enumerate(listener.rules):
            where = f"listeners[{index}].rules[{rindex}]"
            if priorities[rule.priority] > 1:
                error(
                    rid,
                    f"{where}.priority",
                    "PriorityInUse",
                    f"two rules of the listener have priority {rule.priority}",
                )
            for condition in rule.conditions:
                if condition.field != "source-ip":
                    continue
                for value in condition.values:
                    try:
                        cidr_int(value)
                    except ValueError:
                        error(
                            rid,
                            f"{where}.conditions",
                            "ValidationError",
                            f"source-ip value {value!r} is not a CIDR block",
                        )
            for action in rule.actions:
                for arn in action.target_group_arns if action.type == "forward" else []:
                    if arn not in n.target_groups and arn not in n.unknown_resources:
                        warning(
                            rid,
                            f"{where}.actions",
                            "TargetGroupNotFound",
                            f"target group {arn} is not in the input: the rule forwards nowhere vpcsim can follow",
                        )
        if lb.type == "classic" and listener.instance_port is None:
            error(
                rid,
                f"listeners[{index}].instance_port",
                "ValidationError",
                "a Classic listener needs its InstancePort",
            )
    for port, count in sorted(ports.items()):
        if count > 1:
            error(rid, "listeners", "DuplicateListener", f"{count} listeners on port {port}")
    for index, instance_id in enumerate(lb.instances):
        if instance_id not in n.instances:
            warning(rid, f"instances[{index}]", DANGLING, f"instance {instance_id} is not in the network")
    if lb.vpc_id in n.vpcs and lb.availability_zones and not n.load_balancer_nodes(lb):
        warning(
            rid,
            "",
            "VPCSIM_NO_NODES",
            f"no network interface of the input is a node of {lb.load_balancer_name} (description ELB "
            f"{lb.node_key}): traffic to it cannot be traced",
        )


def _target_group(n: Network, tg: TargetGroup, error: Report, warning: Report) -> None:
    rid = tg.target_group_arn
    for index, target in enumerate(tg.targets):
        field = f"targets[{index}].id"
        if tg.target_type == "ip":
            try:
                address = ipaddress.IPv4Address(target.id)
            except ValueError:
                error(
                    rid,
                    field,
                    "InvalidTarget",
                    f"{target.id!r} is not an IPv4 address (the group's targets are ip)",
                )
                continue
            if not any(address in net for net in (*RFC1918, RFC6598)):
                error(
                    rid,
                    field,
                    "InvalidTarget",
                    f"{target.id} is not in RFC 1918 or 100.64.0.0/10: IP targets are never public addresses",
                )
        elif tg.target_type == "instance":
            if target.id not in n.instances and target.id not in n.unknown_resources:
                warning(
                    rid,
                    field,
                    DANGLING,
                    f"instance {target.id} is not in the network: traffic to it is unknown",
                )
            elif (
                target.id in n.instances
                and tg.vpc_id is not None
                and n.instances[target.id].vpc_id != tg.vpc_id
            ):
                error(
                    rid, field, "InvalidTarget", f"instance {target.id} is not in the group's VPC {tg.vpc_id}"
                )
        if target.port is not None and not 1 <= target.port <= 65535:
            error(rid, f"targets[{index}].port", "ValidationError", f"port {target.port} is outside 1-65535")


__all__ = ["check_load_balancers"]
