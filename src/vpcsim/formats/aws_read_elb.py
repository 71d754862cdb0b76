"""Readers of Elastic Load Balancing's describe calls (a mixin of :class:`.aws_import.AwsImporter`).

What is read, by top-level key:

* ``LoadBalancers`` -- ``elbv2 describe-load-balancers``;
* ``LoadBalancerDescriptions`` -- the classic ``elb describe-load-balancers`` (listeners and
  instances inside);
* ``TargetGroups`` -- ``elbv2 describe-target-groups``;
* ``Listeners`` -- ``elbv2 describe-listeners`` (each listener names its load balancer), and
  ``LoadBalancerListeners`` -- the same per load balancer, as Batfish and ``vpcsim collect``
  write them (``[{LoadBalancerArn, Listeners}]``);
* ``ListenerRules`` -- ``elbv2 describe-rules`` per listener, as ``vpcsim collect`` writes it
  (``[{ListenerArn, Rules}]``), and ``Rules`` -- a bare ``describe-rules`` output (each rule's
  listener is read from its ARN, ``...:listener-rule/app/<name>/<id>/<listener>/<rule>``): the
  non-default rules of an Application Load Balancer's listeners (the default rule, ``IsDefault``
  or priority ``default``, is the listener's ``DefaultActions`` and is skipped);
* ``LoadBalancerTargetHealth`` -- ``elbv2 describe-target-health`` per target group
  (``[{TargetGroupArn, TargetHealthDescriptions}]``): the registered targets (a bare
  ``TargetHealthDescriptions`` names no group and stays skipped);
* ``LoadBalancerAttributes`` / ``TargetGroupAttributes`` -- ``[{LoadBalancerArn|TargetGroupArn,
  Attributes}]``: ``load_balancing.cross_zone.enabled``, ``preserve_client_ip.enabled``. A target
  group with no ``TargetGroupAttributes`` item is marked ``attributes_missing``: a trace through
  it records Reachability Analyzer's ``MISSING_TARGET_GROUP_ATTRIBUTES`` and the assumption made
  (AWS's default). An item without ``preserve_client_ip.enabled`` is AWS's answer for a group of
  another type (AWS gives it for every Network Load Balancer's group): the default applies.

Files come in any order, so items are kept as read and joined in :meth:`_apply_load_balancers`
(called from ``finish``): a listener or health document whose load balancer or group is absent
is reported with its path, never dropped in silence.
"""

from __future__ import annotations

from typing import Any

from ..model.addressing import cidr_int
from ..model.elb import (
    Listener,
    ListenerAction,
    ListenerRule,
    LoadBalancer,
    LoadBalancerAddress,
    LoadBalancerAvailabilityZone,
    RuleCondition,
    TargetDescription,
    TargetGroup,
    arn_problem,
    load_balancer_arn,
    name_in_arn,
)
from .aws_fields import OUT_OF_RANGE, Bad, opt_int, opt_list, opt_str, req_str, type_name
from .aws_import_base import ImporterBase, Scope

#: The keys this mixin reads.
ELB_KEYS = (
    "LoadBalancers",
    "LoadBalancerDescriptions",
    "TargetGroups",
    "Listeners",
    "LoadBalancerListeners",
    "LoadBalancerTargetHealth",
    "LoadBalancerAttributes",
    "TargetGroupAttributes",
    "ListenerRules",
    "Rules",
)

_Deferred = tuple[str, str, int, dict[str, Any], Scope]


class ElbReaders(ImporterBase):
    """``describe-load-balancers``, ``-listeners``, ``-target-groups``, ``-target-health``."""

    def __init__(self, network: Any = None) -> None:
        super().__init__(network)
        self._elb_items: dict[str, list[_Deferred]] = {key: [] for key in ELB_KEYS}

    def _elb_defer(self, item: dict[str, Any]) -> None:
        self._elb_items[self._key].append((self._src, self._key, self._index, item, self._scope))

    # The handlers: everything is joined once all files are read.
    _load_balancer = _classic_load_balancer = _target_group = _elb_defer
    _listeners = _load_balancer_listeners = _target_health = _elb_defer
    _load_balancer_attributes = _target_group_attributes = _elb_defer
    _listener_rules = _rules = _elb_defer

    def _apply_load_balancers(self) -> None:
        order = (
            ("LoadBalancers", self._read_load_balancer),
            ("LoadBalancerDescriptions", self._read_classic),
            ("TargetGroups", self._read_target_group),
            ("Listeners", self._read_listener),
            ("LoadBalancerListeners", self._read_listener_set),
            ("LoadBalancerTargetHealth", self._read_target_health),
            ("LoadBalancerAttributes", self._read_lb_attributes),
            ("TargetGroupAttributes", self._read_tg_attributes),
            ("ListenerRules", self._read_rule_set),
            ("Rules", self._read_rule),
        )
        for key, reader in order:
            for src, key_, index, item, scope in self._elb_items[key]:
                self._src, self._key, self._index, self._scope, self._prefix = src, key_, index, scope, ""
                try:
                    reader(item)
                except Bad as bad:
                    self._error(bad.path, f"{bad.message}; this item of {key} was left out", bad.code)
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    self._error("", f"unreadable item of {key} ({exc}); left out")
        self._prefix = ""

    # ------------------------------------------------------------------ load balancers

    def _read_load_balancer(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "LoadBalancerArn")
        name = name_in_arn(arn, "loadbalancer")
        if name is None:
            raise Bad(".LoadBalancerArn", arn_problem(arn, "loadbalancer"), OUT_OF_RANGE)
        self._hint_arn(arn)
        kind = opt_str(item, "Type") or "application"
        if kind not in ("application", "network", "gateway"):
            raise Bad(".Type", f"Type {kind!r} is not application, network or gateway")
        scheme = opt_str(item, "Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise Bad(".Scheme", f"Scheme {scheme!r} is not internet-facing or internal")
        zones = []
        for i, zone in enumerate(opt_list(item, "AvailabilityZones")):
            if type(zone) is not dict:
                raise Bad(f".AvailabilityZones[{i}]", "an availability zone must be an object")
            addresses = [
                LoadBalancerAddress(
                    ip_address=opt_str(a, "IpAddress"),
                    allocation_id=opt_str(a, "AllocationId"),
                    private_ipv4_address=opt_str(a, "PrivateIPv4Address"),
                )
                for a in opt_list(zone, "LoadBalancerAddresses")
                if type(a) is dict
            ]
            zones.append(
                LoadBalancerAvailabilityZone(
                    zone_name=req_str(zone, "ZoneName"),
                    subnet_id=req_str(zone, "SubnetId"),
                    load_balancer_addresses=addresses,
                )
            )
        state = item.get("State")
        lb = LoadBalancer(
            load_balancer_arn=arn,
            load_balancer_name=opt_str(item, "LoadBalancerName") or name,
            type=kind,  # type: ignore[arg-type]
            scheme=scheme,  # type: ignore[arg-type]
            vpc_id=req_str(item, "VpcId"),
            availability_zones=zones,
            security_groups=[g for g in opt_list(item, "SecurityGroups") if type(g) is str],
            state=(opt_str(state, "Code") or "active") if type(state) is dict else "active",
            dns_name=opt_str(item, "DNSName"),
            ip_address_type=opt_str(item, "IpAddressType") or "ipv4",
            owner_id=self._owner({}),
            region=self._region(),
        )
        self._add(lb)

    def _read_classic(self, item: dict[str, Any]) -> None:
        name = req_str(item, "LoadBalancerName")
        scheme = opt_str(item, "Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise Bad(".Scheme", f"Scheme {scheme!r} is not internet-facing or internal")
        subnets = [s for s in opt_list(item, "Subnets") if type(s) is str]
        zone_names = [z for z in opt_list(item, "AvailabilityZones") if type(z) is str]
        zones = []
        for i, subnet_id in enumerate(subnets):
            subnet = self.network.subnets.get(subnet_id)
            zone = (
                subnet.availability_zone
                if subnet is not None
                else (zone_names[i] if i < len(zone_names) else "")
            )
            zones.append(LoadBalancerAvailabilityZone(zone_name=zone, subnet_id=subnet_id))
        region = self._scope.region or "us-east-1"
        account = self._scope.account or "123456789012"
        arn = load_balancer_arn(region, account, "classic", name, "")
        listeners = []
        for i, described in enumerate(opt_list(item, "ListenerDescriptions")):
            raw = described.get("Listener") if type(described) is dict else None
            if type(raw) is not dict:
                raise Bad(f".ListenerDescriptions[{i}]", "a listener description must hold a Listener object")
            port = opt_int(raw, "LoadBalancerPort", 1, 65535)
            if port is None:
                raise Bad(
                    f".ListenerDescriptions[{i}].Listener.LoadBalancerPort", "LoadBalancerPort is required"
                )
            listeners.append(
                Listener(
                    # Classic listeners have no ARN: the one the model's builder gives them.
                    listener_arn=arn.replace(":loadbalancer/", ":listener/") + f"/{port}",
                    port=port,
                    protocol=(opt_str(raw, "Protocol") or "TCP").upper(),
                    instance_port=opt_int(raw, "InstancePort", 1, 65535),
                    instance_protocol=opt_str(raw, "InstanceProtocol"),
                )
            )
        lb = LoadBalancer(
            load_balancer_arn=arn,
            load_balancer_name=name,
            type="classic",
            scheme=scheme,  # type: ignore[arg-type]
            vpc_id=opt_str(item, "VPCId") or req_str(item, "VpcId"),
            availability_zones=zones,
            security_groups=[g for g in opt_list(item, "SecurityGroups") if type(g) is str],
            listeners=listeners,
            dns_name=opt_str(item, "DNSName"),
            instances=[
                i["InstanceId"]
                for i in opt_list(item, "Instances")
                if type(i) is dict and type(i.get("InstanceId")) is str
            ],
            owner_id=self._owner({}),
            region=self._region(),
        )
        self._add(lb)

    # ------------------------------------------------------------------ target groups and targets

    def _read_target_group(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "TargetGroupArn")
        name = name_in_arn(arn, "targetgroup")
        if name is None:
            raise Bad(".TargetGroupArn", arn_problem(arn, "targetgroup"), OUT_OF_RANGE)
        self._hint_arn(arn)
        kind = opt_str(item, "TargetType") or "instance"
        if kind not in ("instance", "ip", "lambda", "alb"):
            raise Bad(".TargetType", f"TargetType {kind!r} is not instance, ip, lambda or alb")
        balancers: list[str] = []
        for j, lb_arn in enumerate(opt_list(item, "LoadBalancerArns")):
            if type(lb_arn) is not str:
                raise Bad(f".LoadBalancerArns[{j}]", f"expected a string, not {type_name(lb_arn)}")
            if name_in_arn(lb_arn, "loadbalancer") is None:
                raise Bad(f".LoadBalancerArns[{j}]", arn_problem(lb_arn, "loadbalancer"), OUT_OF_RANGE)
            balancers.append(lb_arn)
        tg = TargetGroup(
            target_group_arn=arn,
            target_group_name=opt_str(item, "TargetGroupName") or name,
            protocol=opt_str(item, "Protocol"),
            port=opt_int(item, "Port", 1, 65535),
            vpc_id=opt_str(item, "VpcId"),
            target_type=kind,  # type: ignore[arg-type]
            health_check_port=opt_str(item, "HealthCheckPort") or "traffic-port",
            health_check_protocol=opt_str(item, "HealthCheckProtocol"),
            load_balancer_arns=balancers,
            owner_id=self._owner({}),
            region=self._region(),
            attributes_missing=True,  # until describe-target-group-attributes gives them
        )
        self._add(tg)

    def _read_target_health(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "TargetGroupArn")
        tg = self.network.target_groups.get(arn)
        if tg is None:
            self._warn(
                ".TargetGroupArn",
                f"target group {arn} is not in the input (TargetGroups); its targets were not read",
                "VPCSIM_MISSING_REFERENCE",
            )
            return
        for i, described in enumerate(opt_list(item, "TargetHealthDescriptions")):
            target = described.get("Target") if type(described) is dict else None
            if type(target) is not dict:
                raise Bad(
                    f".TargetHealthDescriptions[{i}]", "a target health description must hold a Target object"
                )
            health = described.get("TargetHealth")
            tg.targets.append(
                TargetDescription(
                    id=req_str(target, "Id"),
                    port=opt_int(target, "Port", 1, 65535),
                    availability_zone=opt_str(target, "AvailabilityZone"),
                    health_state=opt_str(health, "State") if type(health) is dict else None,
                )
            )
        self.network.touch()

    # ------------------------------------------------------------------ listeners

    def _read_listener_set(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "LoadBalancerArn")
        for i, listener in enumerate(opt_list(item, "Listeners")):
            if type(listener) is not dict:
                raise Bad(f".Listeners[{i}]", "a listener must be an object")
            self._prefix = f".Listeners[{i}]"
            self._read_listener({"LoadBalancerArn": arn, **listener})
        self._prefix = ""

    def _read_listener(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "LoadBalancerArn")
        lb = self.network.load_balancers.get(arn)
        if lb is None:
            self._warn(
                ".LoadBalancerArn",
                f"load balancer {arn} is not in the input (LoadBalancers); its listener was not read",
                "VPCSIM_MISSING_REFERENCE",
            )
            return
        port = opt_int(item, "Port", 1, 65535)
        if port is None:
            raise Bad(".Port", "Port is required")
        actions = self._actions(item, "DefaultActions")
        lb.listeners.append(
            Listener(
                listener_arn=opt_str(item, "ListenerArn") or f"{arn}:{port}",
                port=port,
                protocol=(opt_str(item, "Protocol") or "TCP").upper(),
                default_actions=actions,
            )
        )
        self.network.touch()

    @staticmethod
    def _actions(item: dict[str, Any], key: str) -> list[ListenerAction]:
        """``DefaultActions`` or a rule's ``Actions``: a ``TargetGroupArn`` or every group of a
        ``ForwardConfig`` (weights are not kept: every listed group may get traffic)."""
        actions = []
        for i, action in enumerate(opt_list(item, key)):
            if type(action) is not dict:
                raise Bad(f".{key}[{i}]", "an action must be an object")
            groups: list[str] = []
            single = opt_str(action, "TargetGroupArn")
            if single:
                if name_in_arn(single, "targetgroup") is None:
                    raise Bad(f".{key}[{i}].TargetGroupArn", arn_problem(single, "targetgroup"), OUT_OF_RANGE)
                groups.append(single)
            forward = action.get("ForwardConfig")
            if type(forward) is dict:
                for j, weighted in enumerate(opt_list(forward, "TargetGroups")):
                    arn_of = weighted.get("TargetGroupArn") if type(weighted) is dict else None
                    where = f".{key}[{i}].ForwardConfig.TargetGroups[{j}]"
                    if type(arn_of) is not str:
                        raise Bad(where, "expected an object with a TargetGroupArn string")
                    if name_in_arn(arn_of, "targetgroup") is None:
                        raise Bad(f"{where}.TargetGroupArn", arn_problem(arn_of, "targetgroup"), OUT_OF_RANGE)
                    if arn_of not in groups:
                        groups.append(arn_of)
            actions.append(
                ListenerAction(
                    type=opt_str(action, "Type") or "forward",
                    target_group_arns=groups,
                    order=opt_int(action, "Order", 1, 50000),
                )
            )
        return actions

    # ------------------------------------------------------------------ listener rules

    def _read_rule_set(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "ListenerArn")
        for i, rule in enumerate(opt_list(item, "Rules")):
            if type(rule) is not dict:
                raise Bad(f".Rules[{i}]", "a rule must be an object")
            self._prefix = f".Rules[{i}]"
            self._read_rule(rule, arn)
        self._prefix = ""

    def _read_rule(self, item: dict[str, Any], listener_arn: str | None = None) -> None:
        rule_arn = req_str(item, "RuleArn")
        priority_text = item.get("Priority")
        if item.get("IsDefault") is True or priority_text == "default":
            return  # the listener's DefaultActions
        try:
            priority = int(str(priority_text))
        except ValueError:
            raise Bad(".Priority", f"Priority {priority_text!r} is neither a number nor 'default'") from None
        if not 1 <= priority <= 50000:
            raise Bad(".Priority", f"Priority {priority} is out of range 1-50000", OUT_OF_RANGE)
        if listener_arn is None:
            listener_arn = _listener_of_rule(rule_arn)
        listener = next(
            (
                li
                for lb in self.network.load_balancers.values()
                for li in lb.listeners
                if li.listener_arn == listener_arn
            ),
            None,
        )
        if listener is None:
            self._warn(
                ".RuleArn",
                f"listener {listener_arn} is not in the input (Listeners); its rule {rule_arn} was not read",
                "VPCSIM_MISSING_REFERENCE",
            )
            return
        conditions = []
        for i, condition in enumerate(opt_list(item, "Conditions")):
            if type(condition) is not dict:
                raise Bad(f".Conditions[{i}]", "a condition must be an object")
            field_name = req_str(condition, "Field")
            values: list[str] = []
            if field_name == "source-ip":
                config = condition.get("SourceIpConfig")
                raw = opt_list(config, "Values") if type(config) is dict else opt_list(condition, "Values")
                for value in raw:
                    if type(value) is not str:
                        raise Bad(
                            f".Conditions[{i}].SourceIpConfig.Values", "a source-ip value must be a CIDR"
                        )
                    try:
                        cidr_int(value)
                    except ValueError:
                        raise Bad(
                            f".Conditions[{i}].SourceIpConfig.Values", f"{value!r} is not a CIDR block"
                        ) from None
                    values.append(value)
            else:
                values = [str(v) for v in opt_list(condition, "Values")]
            conditions.append(RuleCondition(field=field_name, values=values))
        listener.rules.append(
            ListenerRule(
                rule_arn=rule_arn,
                priority=priority,
                conditions=conditions,
                actions=self._actions(item, "Actions"),
            )
        )
        listener.rules.sort(key=lambda r: r.priority)
        self.network.touch()

    # ------------------------------------------------------------------ attributes

    @staticmethod
    def _attribute(item: dict[str, Any], key: str) -> bool | None:
        for attribute in opt_list(item, "Attributes"):
            if type(attribute) is dict and attribute.get("Key") == key:
                value = attribute.get("Value")
                if value == "true" or value == "false":
                    return bool(value == "true")
        return None

    def _read_lb_attributes(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "LoadBalancerArn")
        lb = self.network.load_balancers.get(arn)
        if lb is None:
            self._warn(
                ".LoadBalancerArn", f"load balancer {arn} is not in the input", "VPCSIM_MISSING_REFERENCE"
            )
            return
        lb.cross_zone = self._attribute(item, "load_balancing.cross_zone.enabled")
        self.network.touch()

    def _read_tg_attributes(self, item: dict[str, Any]) -> None:
        arn = req_str(item, "TargetGroupArn")
        tg = self.network.target_groups.get(arn)
        if tg is None:
            self._warn(
                ".TargetGroupArn", f"target group {arn} is not in the input", "VPCSIM_MISSING_REFERENCE"
            )
            return
        tg.preserve_client_ip = self._attribute(item, "preserve_client_ip.enabled")
        tg.attributes_missing = False
        cross = next(
            (
                a.get("Value")
                for a in opt_list(item, "Attributes")
                if type(a) is dict and a.get("Key") == "load_balancing.cross_zone.enabled"
            ),
            None,
        )
        tg.cross_zone = {"true": True, "false": False}.get(cross) if type(cross) is str else None
        self.network.touch()


def _listener_of_rule(rule_arn: str) -> str:
    """The listener ARN a rule ARN contains (``listener-rule/app/n/id/l/r`` -> ``listener/app/n/id/l``)."""
    head, sep, rest = rule_arn.partition(":listener-rule/")
    if not sep:
        return rule_arn
    return f"{head}:listener/{rest.rsplit('/', 1)[0]}"


__all__ = ["ELB_KEYS", "ElbReaders"]
