"""Build a VPC's target groups and load balancers from the spec (a mixin of the spec builder).

Why a module of its own: load balancers are keyed by name and identified by ARN (not by an
``xyz-`` id like EC2 resources), and they refer to instances, subnets, groups and target groups
that the other builders made first. Names that do not resolve are problems with their key path,
like every other reference of the file.
"""

from __future__ import annotations

from ..model import Vpc
from ..model.addressing import cidr_int
from ..model.elb import (
    Listener,
    ListenerAction,
    ListenerRule,
    LoadBalancerAddress,
    RuleCondition,
    TargetDescription,
    arn_problem,
    default_rule_arn,
    derived_suffix,
    load_balancer_arn,
    name_in_arn,
    target_group_arn,
)
from ..model.network import ModelError
from .spec_build_base import SpecBuilderBase
from .spec_names import is_id_of
from .spec_schema import ListenerRuleSpec, TargetGroupSpec, TargetSpec, VpcSpec
from .spec_yaml import Path


class ElbBuilders(SpecBuilderBase):
    def build_load_balancers(self, vkey: str, spec: VpcSpec) -> None:
        """Target groups first (listeners name them), then load balancers and their listeners."""
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs.get(vpc_id)
        if vpc is None:
            return
        groups: dict[str, str] = {}
        for key, item in spec.target_groups.items():
            path: Path = ("vpcs", vkey, "target_groups", key)
            if item.arn is not None and name_in_arn(item.arn, "targetgroup") is None:
                self.error((*path, "arn"), "ValidationError", arn_problem(item.arn, "targetgroup"))
                continue
            arn = item.arn or target_group_arn(
                vpc.region, vpc.owner_id, key, derived_suffix(self.seed, "tg", key)
            )
            groups[key] = arn
            self.target_group(key, item, arn, vpc, vkey, path)
        for key, lb_item in spec.load_balancers.items():
            path = ("vpcs", vkey, "load_balancers", key)
            if lb_item.arn is not None and name_in_arn(lb_item.arn, "loadbalancer") is None:
                self.error((*path, "arn"), "ValidationError", arn_problem(lb_item.arn, "loadbalancer"))
                continue
            subnets = []
            for index, ref in enumerate(lb_item.subnets):
                subnet = self.subnet_of(vkey, ref, (*path, "subnets", index))
                if subnet is not None:
                    subnets.append(subnet)
            if len(subnets) != len(lb_item.subnets):
                continue
            if not subnets:
                self.error((*path, "subnets"), "ValidationError", "a load balancer needs at least one subnet")
                continue
            group_ids: list[str] | None = None
            if lb_item.security_groups is not None:
                group_ids = []
                for index, ref in enumerate(lb_item.security_groups):
                    found = self.resolve("security_group", vkey, ref, (*path, "security_groups", index))
                    if found is not None:
                        group_ids.append(found)
                if len(group_ids) != len(lb_item.security_groups):
                    continue
            arn = lb_item.arn or load_balancer_arn(
                vpc.region, vpc.owner_id, lb_item.type, key, derived_suffix(self.seed, "elb", key)
            )
            nodes: dict[str, tuple[str | None, str | None]] = {}
            if lb_item.create_nodes:
                for subnet in subnets:
                    nodes[subnet.subnet_id] = (
                        self.next_private_ip(subnet, path),
                        self.next_public_ip() if lb_item.scheme == "internet-facing" else None,
                    )
            with self.model_errors(path):
                lb = self.net.create_load_balancer(
                    key,
                    subnets,
                    load_balancer_type=lb_item.type,
                    scheme=lb_item.scheme,
                    security_groups=group_ids,
                    cross_zone=lb_item.cross_zone,
                    load_balancer_arn=arn,
                    tags=dict(lb_item.tags),
                    nodes=nodes,
                    create_nodes=lb_item.create_nodes,
                )
            lb.state = lb_item.state
            lb.dns_name = lb_item.dns_name
            lb.ip_address_type = lb_item.ip_address_type
            for ref, addresses in lb_item.addresses.items():
                subnet_id = self.resolve("subnet", vkey, ref, (*path, "addresses", ref))
                zone = next((z for z in lb.availability_zones if z.subnet_id == subnet_id), None)
                if zone is None:
                    if subnet_id is not None:
                        self.error(
                            (*path, "addresses", ref),
                            "InvalidSubnet",
                            f"{ref} is not a subnet of the load balancer",
                        )
                    continue
                zone.load_balancer_addresses = [
                    LoadBalancerAddress(
                        ip_address=a.ip_address,
                        allocation_id=a.allocation_id,
                        private_ipv4_address=a.private_ipv4_address,
                    )
                    for a in addresses
                ]
            self.record(arn, path)
            for index, listener in enumerate(lb_item.listeners):
                lpath: Path = (*path, "listeners", index)
                forward, outside = self._forward_groups(vkey, groups, listener.forward, lpath)
                try:
                    created = self.net.create_listener(
                        lb,
                        port=listener.port,
                        protocol=listener.protocol,
                        target_groups=forward,
                        action_type=listener.action,
                        instance_port=listener.instance_port,
                        instance_protocol=listener.instance_protocol,
                    )
                except ModelError as exc:
                    self.error(lpath, exc.code or "VPCSIM_SPEC_VALUE", str(exc))
                    continue
                if listener.arn is not None:
                    created.listener_arn = listener.arn
                if outside and created.default_actions:
                    created.default_actions[0].target_group_arns.extend(outside)
                self._rules(vkey, groups, created, listener.rules, lpath)
            instances = []
            for index, ref in enumerate(lb_item.instances):
                found = self.resolve("instance", vkey, ref, (*path, "instances", index))
                if found is not None:
                    instances.append(found)
            if instances:
                self.net.register_instances_with_load_balancer(lb, instances)
        self.net.touch()

    def _forward_groups(
        self, vkey: str, groups: dict[str, str], refs: list[str], path: Path
    ) -> tuple[list[str], list[str]]:
        """The ARNs of the target groups ``refs`` names, and those it names by an ARN the file
        does not describe (forwarded to, but nowhere vpcsim can follow)."""
        forward: list[str] = []
        outside: list[str] = []
        for gindex, ref in enumerate(refs):
            found_arn = groups.get(ref) or (ref if ref in self.net.target_groups else None)
            if found_arn is None and name_in_arn(ref, "targetgroup") is not None:
                outside.append(ref)
                continue
            if found_arn is None:
                self.error(
                    (*path, "forward", gindex),
                    "TargetGroupNotFound",
                    f"no target group {ref!r} here; define it under vpcs.{vkey}.target_groups, or fix the name",
                )
                continue
            forward.append(found_arn)
        return forward, outside

    def _rules(
        self, vkey: str, groups: dict[str, str], listener: Listener, rules: list[ListenerRuleSpec], path: Path
    ) -> None:
        """A listener's rules; a ``source-ip`` value must be a CIDR block."""
        for index, item in enumerate(rules):
            rpath: Path = (*path, "rules", index)
            conditions = []
            for cindex, condition in enumerate(item.conditions):
                values = list(condition.values)
                if condition.field == "source-ip":
                    values = []
                    for vindex, value in enumerate(condition.values):
                        try:
                            cidr_int(value)
                        except ValueError:
                            self.error(
                                (*rpath, "conditions", cindex, "values", vindex),
                                "VPCSIM_SPEC_VALUE",
                                f"{value!r} is not a CIDR block (a source-ip condition lists client CIDRs)",
                            )
                            continue
                        values.append(value)
                conditions.append(RuleCondition(field=condition.field, values=values))
            forward, outside = self._forward_groups(vkey, groups, item.forward, rpath)
            arns = forward + outside
            action = ListenerAction(
                type=item.action, target_group_arns=arns if item.action == "forward" else [], order=1
            )
            listener.rules.append(
                ListenerRule(
                    rule_arn=item.arn or default_rule_arn(listener.listener_arn, item.priority),
                    priority=item.priority,
                    conditions=conditions,
                    actions=[action],
                )
            )
        listener.rules.sort(key=lambda r: r.priority)

    def build_outside_target_groups(self) -> None:
        """Target groups of VPCs the file does not hold (top-level ``target_groups``)."""
        for key, item in self.spec.target_groups.items():
            path: Path = ("target_groups", key)
            if item.arn is None:
                self.error(
                    path, "VPCSIM_SPEC_MISSING_KEY", "a target group outside the file's VPCs needs its arn"
                )
                continue
            self.target_group(key, item, item.arn, None, None, path)

    def target_group(
        self, key: str, item: TargetGroupSpec, arn: str, vpc: Vpc | None, vkey: str | None, path: Path
    ) -> None:
        name = arn.rsplit("/", 2)[-2] if key.startswith("arn:") else key
        with self.model_errors(path):
            tg = self.net.create_target_group(
                name,
                vpc=vpc,
                protocol=item.protocol,
                port=item.port,
                target_type=item.target_type,
                preserve_client_ip=item.preserve_client_ip,
                target_group_arn=arn,
            )
        if vpc is None:
            tg.vpc_id = item.vpc_id
        tg.cross_zone = item.cross_zone
        tg.attributes_missing = item.attributes_missing
        tg.health_check_port = item.health_check_port
        tg.health_check_protocol = item.health_check_protocol
        tg.tags = dict(item.tags)
        for index, outside in enumerate(item.load_balancer_arns):
            if name_in_arn(outside, "loadbalancer") is None:
                self.error(
                    (*path, "load_balancer_arns", index),
                    "ValidationError",
                    arn_problem(outside, "loadbalancer"),
                )
            elif outside not in tg.load_balancer_arns:
                tg.load_balancer_arns.append(outside)
        self.record(arn, path)
        for index, target in enumerate(item.targets):
            written = target if isinstance(target, TargetSpec) else TargetSpec(id=target)
            target_id = (
                self.target_id(vkey, item.target_type, written.id, (*path, "targets", index))
                if vkey is not None
                else written.id
            )
            if target_id is None:
                continue
            tg.targets.append(
                TargetDescription(
                    id=target_id,
                    port=written.port,
                    availability_zone=written.availability_zone,
                    health_state=written.health,
                )
            )
        self.net.touch()

    def target_id(self, vkey: str, target_type: str, ref: str, path: Path) -> str | None:
        """What a target names: an instance's id (key or id), an IP address, an ALB's ARN."""
        if target_type == "instance":
            if self.lookup("instance", vkey, ref) is None and is_id_of(ref, "i"):
                return ref  # an instance the file does not describe, by its id (as AWS's inputs hold it)
            return self.resolve("instance", vkey, ref, path)
        if target_type == "alb":
            for lb in self.net.load_balancers.values():
                if ref in (lb.load_balancer_arn, lb.load_balancer_name):
                    return lb.load_balancer_arn
            for vpc_key, vpc in self.spec.vpcs.items():
                item = vpc.load_balancers.get(ref)
                owner = self.net.vpcs.get(self.vpc_ids[vpc_key])
                if item is not None and owner is not None:
                    # defined further down: its ARN as it will be made
                    return item.arn or load_balancer_arn(
                        owner.region, owner.owner_id, item.type, ref, derived_suffix(self.seed, "elb", ref)
                    )
            return ref  # an ALB outside the file: kept as written (its ARN)
        return ref


__all__ = ["ElbBuilders"]
