"""Terraform -> model: load balancers (``aws_lb``/``aws_alb``, ``aws_elb``), listeners
(``aws_lb_listener``/``aws_alb_listener``) and their rules (``aws_lb_listener_rule``: a
``source_ip`` condition filters clients, the other conditions are kept as read), target groups (``aws_lb_target_group``/
``aws_alb_target_group``) and their attachments (``aws_lb_target_group_attachment``).

A load balancer's nodes are no Terraform resource: AWS makes one ENI per subnet at apply. They
are made here as the model's builder makes them (``Network.create_load_balancer``), after every
instance and interface has its address; a plan's node addresses are stand-ins (the subnet's
lowest free address, the simulated public pool), tagged ``vpcsim:unknown_address`` like every
address AWS assigns at apply. An ARN known only after apply is a placeholder shaped as AWS
shapes it, derived from the Terraform address.
"""

from __future__ import annotations

import hashlib

from ..model import ModelError
from ..model.addressing import cidr_int
from ..model.elb import (
    Listener,
    ListenerAction,
    ListenerRule,
    RuleCondition,
    TargetDescription,
    arn_problem,
    default_rule_arn,
    load_balancer_arn,
    name_in_arn,
    target_group_arn,
)
from .terraform_base import TfBase
from .terraform_doc import TfResource, is_unknown

#: Terraform types of Elastic Load Balancing, and which AWS type an ``aws_lb`` is by default.
ELB_TYPES = frozenset(
    {
        "aws_lb",
        "aws_alb",
        "aws_elb",
        "aws_lb_listener",
        "aws_alb_listener",
        "aws_lb_listener_rule",
        "aws_alb_listener_rule",
        "aws_lb_target_group",
        "aws_alb_target_group",
        "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment",
    }
)
_UNKNOWN_ADDRESS_TAG = "vpcsim:unknown_address"


def _suffix(address: str) -> str:
    return hashlib.sha256(f"terraform:{address}".encode()).hexdigest()[:16]


class ElbMaps(TfBase):
    """``aws_lb``, ``aws_elb``, listeners, target groups and attachments."""

    def derive_elb(self, res: TfResource) -> None:
        """Placeholder ARNs (the ``id`` of these resources is their ARN)."""
        if res.type in ("aws_lb", "aws_alb", "aws_elb", "aws_lb_target_group", "aws_alb_target_group"):
            res.derived["arn"] = res.derived["id"] = lambda: self.elb_arn(res)

    def elb_arn(self, res: TfResource) -> str:
        known = res.values.get("arn") if res.type != "aws_elb" else None
        if isinstance(known, str) and known and not res.unknown_at("arn"):
            return known
        name = res.values.get("name")
        name = name if isinstance(name, str) and name else res.address.rsplit(".", 1)[-1]
        if res.type in ("aws_lb_target_group", "aws_alb_target_group"):
            return target_group_arn(self.network.region, self.network.account, name, _suffix(res.address))
        kind = "classic" if res.type == "aws_elb" else (self.text(res, "load_balancer_type") or "application")
        return load_balancer_arn(self.network.region, self.network.account, kind, name, _suffix(res.address))

    # ------------------------------------------------------------------ target groups

    def map_lb_target_group(self, res: TfResource) -> None:
        arn = self.elb_arn(res)
        name = name_in_arn(arn, "targetgroup")
        if name is None:
            self.error(res, "ValidationError", arn_problem(arn, "targetgroup"), "arn")
            return
        target_type = self.text(res, "target_type") or "instance"
        if target_type not in ("instance", "ip", "lambda", "alb"):
            self.error(
                res,
                "ValidationError",
                f"target_type {target_type!r} is not instance, ip, lambda or alb",
                "target_type",
            )
            return
        vpc_id = self.ident(res, "vpc_id")
        preserve = self.get(res, "preserve_client_ip")
        # A string attribute: "" (or null) when the configuration leaves it to AWS's default
        if preserve in ("", None):
            preserve = None
        elif str(preserve).lower() in ("true", "false"):
            preserve = str(preserve).lower() == "true"
        else:
            self.error(
                res,
                "VPCSIM_TF_BAD_VALUE",
                f"preserve_client_ip {preserve!r} is not true or false",
                "preserve_client_ip",
            )
            return
        cross = self.get(res, "load_balancing_cross_zone_enabled")
        try:
            tg = self.network.create_target_group(
                name,
                vpc=vpc_id if vpc_id in self.network.vpcs else None,
                protocol=self.text(res, "protocol"),
                port=self.number(res, self.get(res, "port"), "port", 1, 65535)
                if self.get(res, "port")
                else None,
                target_type=target_type,  # type: ignore[arg-type]
                preserve_client_ip=preserve,
                target_group_arn=arn,
            )
        except ModelError as exc:
            self.error(res, exc.code or "VPCSIM_TF_BAD_VALUE", str(exc))
            return
        if vpc_id is not None and tg.vpc_id is None:
            tg.vpc_id = vpc_id
        if isinstance(cross, str) and cross in ("true", "false"):
            tg.cross_zone = cross == "true"
        tg.tags = self.tags_of(res)

    def map_lb_target_group_attachment(self, res: TfResource) -> None:
        arn = self.ident(res, "target_group_arn", required=True)
        target = self.ident(res, "target_id", required=True)
        if arn is None or target is None:
            return
        tg = self.network.target_groups.get(arn)
        if tg is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"target group {arn} is not in the input: left out",
                "target_group_arn",
            )
            return
        port = self.get(res, "port")
        tg.targets.append(
            TargetDescription(
                id=target,
                port=self.number(res, port, "port", 1, 65535)
                if port is not None and not is_unknown(port)
                else None,
                availability_zone=self.text(res, "availability_zone"),
            )
        )
        self.network.touch()

    # ------------------------------------------------------------------ load balancers

    def map_lb(self, res: TfResource) -> None:
        arn = self.elb_arn(res)
        arn_name = name_in_arn(arn, "loadbalancer")
        if arn_name is None:
            self.error(res, "ValidationError", arn_problem(arn, "loadbalancer"), "arn")
            return
        classic = res.type == "aws_elb"
        kind = "classic" if classic else (self.text(res, "load_balancer_type") or "application")
        if kind not in ("application", "network", "gateway", "classic"):
            self.error(
                res, "ValidationError", f"load_balancer_type {kind!r} is not application, network or gateway"
            )
            return
        subnet_ids = self.idents(res, "subnets") or []
        addresses: dict[str, tuple[str | None, str | None]] = {}
        for item in self.items(res, "subnet_mapping"):
            subnet_id = self.item_get(res, item, "subnet_id")
            if isinstance(subnet_id, str) and subnet_id:
                if subnet_id not in subnet_ids:
                    subnet_ids.append(subnet_id)
                private = self.item_get(res, item, "private_ipv4_address")
                addresses[subnet_id] = (private if isinstance(private, str) and private else None, None)
        if not subnet_ids:
            # No subnet at all in the input (a state trimmed to the load balancer): it cannot be
            # placed, so it is counted as skipped -- the answers that depend on it say incomplete.
            self.skip(res.type)
            return
        subnets = [self.network.subnets[s] for s in subnet_ids if s in self.network.subnets]
        missing = [s for s in subnet_ids if s not in self.network.subnets]
        if missing or not subnets:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"subnets {', '.join(missing) or '(none known)'} are not in the input: the load balancer is left out",
                "subnets",
            )
            return
        groups = self.idents(res, "security_groups")
        name = self.text(res, "name") or arn_name
        internal = self.flag(res, "internal", False)
        cross_attr = "cross_zone_load_balancing" if classic else "enable_cross_zone_load_balancing"
        cross_value = self.get(res, cross_attr)
        try:
            lb = self.network.create_load_balancer(
                name,
                subnets,
                load_balancer_type=kind,  # type: ignore[arg-type]
                scheme="internal" if internal else "internet-facing",
                security_groups=groups if groups else ([] if kind == "network" else None),
                cross_zone=cross_value if isinstance(cross_value, bool) else None,
                load_balancer_arn=arn,
                tags=self.tags_of(res),
                nodes=addresses,
            )
        except ModelError as exc:
            self.error(res, exc.code or "VPCSIM_TF_BAD_VALUE", str(exc))
            return
        dns = self.text(res, "dns_name")
        lb.dns_name = dns
        for eni in self.network.network_interfaces.values():
            if eni.description == f"ELB {lb.node_key}" and eni.subnet_id not in {
                s for s, (private, _) in addresses.items() if private
            }:
                eni.tags[_UNKNOWN_ADDRESS_TAG] = "private_ip,public_ip" if not internal else "private_ip"
        if classic:
            self.classic_listeners(res, lb.load_balancer_arn)
            instances = self.idents(res, "instances") or []
            lb.instances.extend(i for i in instances if i not in lb.instances)
        self.network.touch()

    def classic_listeners(self, res: TfResource, arn: str) -> None:
        lb = self.network.load_balancers[arn]
        for item in self.items(res, "listener"):
            port = self.number(res, self.item_get(res, item, "lb_port"), "listener.lb_port", 1, 65535)
            if port is None:
                continue
            instance_port = self.number(
                res, self.item_get(res, item, "instance_port"), "listener.instance_port", 1, 65535
            )
            protocol = self.item_get(res, item, "lb_protocol")
            instance_protocol = self.item_get(res, item, "instance_protocol")
            lb.listeners.append(
                Listener(
                    listener_arn=arn.replace(":loadbalancer/", ":listener/") + f"/{port}",
                    port=port,
                    protocol=str(protocol).upper() if isinstance(protocol, str) else "TCP",
                    instance_port=instance_port,
                    instance_protocol=str(instance_protocol).upper()
                    if isinstance(instance_protocol, str)
                    else None,
                )
            )

    def map_lb_listener(self, res: TfResource) -> None:
        arn = self.ident(res, "load_balancer_arn", required=True)
        if arn is None:
            return
        lb = self.network.load_balancers.get(arn)
        if lb is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"load balancer {arn} is not in the input: left out",
                "load_balancer_arn",
            )
            return
        port = self.number(res, self.get(res, "port"), "port", 1, 65535)
        if port is None:
            self.warn(res, "VPCSIM_TF_UNRESOLVED", "port is unknown: the listener is left out", "port")
            return
        actions = self.lb_actions(res, "default_action")
        known = res.values.get("arn")
        protocol = self.text(res, "protocol") or ("HTTP" if lb.type == "application" else "TCP")
        lb.listeners.append(
            Listener(
                listener_arn=known
                if isinstance(known, str) and known
                else lb.load_balancer_arn.replace(":loadbalancer/", ":listener/") + f"/{port}",
                port=port,
                protocol=protocol.upper(),
                default_actions=actions,
            )
        )
        for action in actions:
            for group in action.target_group_arns:
                tg = self.network.target_groups.get(group)
                if tg is not None and lb.load_balancer_arn not in tg.load_balancer_arns:
                    tg.load_balancer_arns.append(lb.load_balancer_arn)
        self.network.touch()

    def lb_actions(self, res: TfResource, block: str) -> list[ListenerAction]:
        """``default_action`` / ``action`` blocks: ``target_group_arn`` or every
        ``forward { target_group { arn } }`` (weights are not kept)."""
        actions: list[ListenerAction] = []
        for item in self.items(res, block):
            kind = self.item_get(res, item, "type")
            groups: list[str] = []
            single = self.item_get(res, item, "target_group_arn")
            if isinstance(single, str) and single:
                groups.append(single)
            forward = item.values.get("forward")
            for fblock in forward if isinstance(forward, list) else []:
                for weighted in fblock.get("target_group", []) if isinstance(fblock, dict) else []:
                    found = weighted.get("arn") if isinstance(weighted, dict) else None
                    if isinstance(found, str) and found not in groups:
                        groups.append(found)
            order = self.item_get(res, item, "order")
            actions.append(
                ListenerAction(
                    type=kind if isinstance(kind, str) else "forward",
                    target_group_arns=groups,
                    # AWS numbers the actions from 1 when the plan leaves it to them
                    order=order if type(order) is int and 1 <= order <= 50000 else len(actions) + 1,
                )
            )
        return actions

    def map_lb_listener_rule(self, res: TfResource) -> None:
        """``aws_lb_listener_rule``: ``condition { source_ip { values } }`` (and the request
        conditions, kept as read), ``action`` blocks, ``priority``."""
        arn = self.ident(res, "listener_arn", required=True)
        if arn is None:
            return
        listener = next(
            (
                li
                for lb in self.network.load_balancers.values()
                for li in lb.listeners
                if li.listener_arn == arn
            ),
            None,
        )
        if listener is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"listener {arn} is not in the input: its rule is left out",
                "listener_arn",
            )
            return
        priority = self.number(res, self.get(res, "priority"), "priority", 1, 50000)
        if priority is None:  # AWS gives the next free priority
            priority = max((r.priority for r in listener.rules), default=0) + 1
        conditions: list[RuleCondition] = []
        for item in self.items(res, "condition"):
            for key in _TF_CONDITIONS:
                blocks = item.values.get(key)
                if not isinstance(blocks, list) or not blocks:
                    continue
                values: list[str] = []
                for block in blocks:
                    if not isinstance(block, dict):
                        continue
                    if key == "query_string":
                        values.append(f"{block.get('key') or ''}={block.get('value') or ''}")
                    else:
                        found = block.get("values")
                        if isinstance(found, list):
                            values.extend(v for v in found if isinstance(v, str))
                if key == "source_ip":
                    for value in values:
                        try:
                            cidr_int(value)
                        except ValueError:
                            self.warn(
                                res,
                                "VPCSIM_TF_UNRESOLVED",
                                f"source_ip value {value!r} is not a CIDR block: the rule is left out",
                                "condition",
                            )
                            return
                conditions.append(RuleCondition(field=key.replace("_", "-"), values=values))
        known = res.values.get("arn")
        listener.rules.append(
            ListenerRule(
                rule_arn=known if isinstance(known, str) and known else default_rule_arn(arn, priority),
                priority=priority,
                conditions=conditions,
                actions=self.lb_actions(res, "action"),
            )
        )
        listener.rules.sort(key=lambda r: r.priority)
        self.network.touch()


#: ``aws_lb_listener_rule`` condition blocks (the AWS field is the name with dashes).
_TF_CONDITIONS = (
    "source_ip",
    "path_pattern",
    "host_header",
    "http_header",
    "http_request_method",
    "query_string",
)


def elb_phases() -> tuple[tuple[tuple[str, ...], str], ...]:
    """The mapping phases of these types (after instances, interfaces and their addresses)."""
    return (
        (("aws_lb_target_group", "aws_alb_target_group"), "map_lb_target_group"),
        (
            ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"),
            "map_lb_target_group_attachment",
        ),
        (("aws_lb", "aws_alb", "aws_elb"), "map_lb"),
        (("aws_lb_listener", "aws_alb_listener"), "map_lb_listener"),
        (("aws_lb_listener_rule", "aws_alb_listener_rule"), "map_lb_listener_rule"),
    )


__all__ = ["ELB_TYPES", "ElbMaps", "elb_phases"]
