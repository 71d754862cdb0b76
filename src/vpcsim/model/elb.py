"""Elastic Load Balancing as plain data: load balancers (ALB, NLB, GWLB, Classic), their
listeners, target groups and registered targets.

Why a module of its own: a load balancer is a small world of its own (listeners, target
groups, attributes) that the rest of the model only meets through its nodes -- one ENI per
enabled subnet, which :class:`~vpcsim.model.network.Network` holds like any other ENI (real
dumps list them with the description ``ELB app/<name>/<id>``, ``ELB net/<name>/<id>`` or, for a
Classic Load Balancer, ``ELB <name>``). Field names follow the ``elbv2`` API
(``describe-load-balancers``, ``describe-listeners``, ``describe-target-groups``,
``describe-target-health``) in snake case; a Classic Load Balancer (the old ``elb`` API) is the
same :class:`LoadBalancer` with ``type="classic"``, its listeners carrying ``instance_port`` and
its instances registered on the load balancer itself (``instances``).

These classes hold data only: how traffic crosses a load balancer is
:mod:`vpcsim.engine.elb`'s.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Literal

from .resources import Resource

LoadBalancerType = Literal["application", "network", "gateway", "classic"]
Scheme = Literal["internet-facing", "internal"]
TargetType = Literal["instance", "ip", "lambda", "alb"]

#: Listener protocols per load balancer type (``elbv2`` ``CreateListener``; the classic API).
LISTENER_PROTOCOLS: dict[str, frozenset[str]] = {
    "application": frozenset({"HTTP", "HTTPS"}),
    "network": frozenset({"TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"}),
    "gateway": frozenset({"GENEVE"}),
    "classic": frozenset({"HTTP", "HTTPS", "TCP", "SSL"}),
}

#: The ENI description prefix of a node per type (``ELB app/name/id``; a classic one is ``ELB name``).
NODE_DESCRIPTION_KIND = {"application": "app", "network": "net", "gateway": "gwy"}
#: Target group protocols for which client IP preservation is on and cannot be turned off (IP targets).
_PRESERVATION_FIXED = frozenset({"UDP", "TCP_UDP", "QUIC", "TCP_QUIC"})


@dataclass(kw_only=True, slots=True)
class LoadBalancerAddress:
    """An address of a node (``LoadBalancerAddresses``): an NLB's Elastic IP or chosen private IP."""

    ip_address: str | None = None
    allocation_id: str | None = None
    private_ipv4_address: str | None = None


@dataclass(kw_only=True, slots=True)
class LoadBalancerAvailabilityZone:
    """An enabled zone: its subnet holds one node."""

    zone_name: str
    subnet_id: str
    load_balancer_addresses: list[LoadBalancerAddress] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class ListenerAction:
    """A listener's default action: only ``forward`` reaches targets (``redirect``,
    ``fixed-response``, ``authenticate-*`` end at the load balancer)."""

    type: str = "forward"
    target_group_arns: list[str] = field(default_factory=list)
    """``TargetGroupArn``, or every group of ``ForwardConfig.TargetGroups``."""
    order: int | None = None


@dataclass(kw_only=True, slots=True)
class RuleCondition:
    """A listener rule's condition (``Conditions[]``): ``field`` is ``source-ip``,
    ``path-pattern``, ``host-header``, ``http-header``, ``http-request-method`` or
    ``query-string``. Only ``source-ip`` filters by address (``values``: CIDR blocks of the
    client); every other field looks inside the request, so some requests of any client may
    match it: it does not narrow which clients or ports reach the rule's targets."""

    field: str
    values: list[str] = dataclasses.field(default_factory=list)
    """``source-ip``: the client CIDRs (``SourceIpConfig.Values``); other fields: their values,
    kept as read."""


@dataclass(kw_only=True, slots=True)
class ListenerRule:
    """An Application Load Balancer listener rule (``describe-rules``, Terraform
    ``aws_lb_listener_rule``) other than the default rule (which is the listener's
    ``default_actions``). A request takes the actions of the first rule by priority whose
    conditions it meets, else the default actions."""

    rule_arn: str
    priority: int
    conditions: list[RuleCondition] = field(default_factory=list)
    actions: list[ListenerAction] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class Listener:
    listener_arn: str
    port: int
    protocol: str
    default_actions: list[ListenerAction] = field(default_factory=list)
    rules: list[ListenerRule] = field(default_factory=list)
    """Application Load Balancer only: the non-default rules, by priority."""
    instance_port: int | None = None
    """Classic only: the port the instances receive on."""
    instance_protocol: str | None = None
    """Classic only."""

    @property
    def target_group_arns(self) -> list[str]:
        """The target groups its ``forward`` actions send to, in order."""
        out: list[str] = []
        for action in self.default_actions:
            if action.type == "forward":
                out.extend(a for a in action.target_group_arns if a not in out)
        return out


@dataclass(kw_only=True, slots=True)
class LoadBalancer(Resource):
    load_balancer_arn: str
    load_balancer_name: str
    type: LoadBalancerType = "application"
    scheme: Scheme = "internet-facing"
    vpc_id: str
    availability_zones: list[LoadBalancerAvailabilityZone] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    state: str = "active"
    """``State.Code``: active | provisioning | active_impaired | failed."""
    dns_name: str | None = None
    ip_address_type: str = "ipv4"
    cross_zone: bool | None = None
    """The attribute ``load_balancing.cross_zone.enabled``; None: the type's default (on for
    ALB and Classic, off for NLB and GWLB)."""
    instances: list[str] = field(default_factory=list)
    """Classic only: the registered instances."""

    @property
    def id(self) -> str:
        return self.load_balancer_arn

    @property
    def node_key(self) -> str:
        """What node ENIs name in their description after ``ELB ``: ``app/<name>/<id>`` (the
        ARN's part after ``loadbalancer/``), or the name for a Classic Load Balancer."""
        return node_key_of_arn(self.load_balancer_arn, self.load_balancer_name)

    @property
    def cross_zone_enabled(self) -> bool:
        if self.cross_zone is not None:
            return self.cross_zone
        return self.type in ("application", "classic")


@dataclass(kw_only=True, slots=True)
class TargetDescription:
    """A registered target (``describe-target-health``): ``Id`` is an instance id, an IP address,
    a Lambda function's ARN or an ALB's ARN per the group's ``TargetType``."""

    id: str
    port: int | None = None
    """Overrides the group's port."""
    availability_zone: str | None = None
    health_state: str | None = None
    """``TargetHealth.State`` as read (healthy, unhealthy, unused, draining...): a note only,
    never a reason to drop traffic (Reachability Analyzer ignores health)."""


@dataclass(kw_only=True, slots=True)
class TargetGroup(Resource):
    target_group_arn: str
    target_group_name: str
    protocol: str | None = None
    port: int | None = None
    vpc_id: str | None = None
    target_type: TargetType = "instance"
    targets: list[TargetDescription] = field(default_factory=list)
    health_check_port: str = "traffic-port"
    health_check_protocol: str | None = None
    load_balancer_arns: list[str] = field(default_factory=list)
    preserve_client_ip: bool | None = None
    """The attribute ``preserve_client_ip.enabled``; None: AWS's default (on for instance targets,
    on for IP targets over UDP/TCP_UDP/QUIC/TCP_QUIC, off for IP targets over TCP/TLS)."""
    cross_zone: bool | None = None
    """``load_balancing.cross_zone.enabled`` of the group; None: the load balancer's setting."""
    attributes_missing: bool = False
    """The input comes from AWS's describe calls and holds no ``describe-target-group-attributes``
    answer for the group: ``preserve_client_ip`` None is then an assumption (AWS's default), not a
    known value. A spec or Terraform that leaves the attribute out asks for AWS's default, which is
    then known: False. The AWS export (no attributes item) and the spec (``attributes_missing: true``) keep it."""

    @property
    def id(self) -> str:
        return self.target_group_arn

    def assumed_client_ip_preservation(self) -> bool | None:
        """What vpcsim assumes for client IP preservation because the input does not give the
        attribute (:attr:`attributes_missing`) and the target type and protocol leave it open
        (instance targets; IP targets over TCP/TLS): AWS's default, as :meth:`preserves_client_ip`
        decides it. None when nothing is assumed."""
        if not self.attributes_missing or self.preserve_client_ip is not None:
            return None
        if self.target_type == "ip" and self.protocol in _PRESERVATION_FIXED:
            return None
        if self.target_type not in ("instance", "ip"):
            return None
        return self.preserves_client_ip()

    def preserves_client_ip(self) -> bool:
        """Whether a Network Load Balancer keeps the client's address towards these targets."""
        if self.target_type == "instance":
            return True if self.preserve_client_ip is None else self.preserve_client_ip
        if self.protocol in _PRESERVATION_FIXED:
            return True  # on and fixed
        return bool(self.preserve_client_ip)


def node_key_of_arn(arn: str, name: str) -> str:
    """``app/<name>/<id>`` from an ELBv2 ARN; a Classic Load Balancer's nodes name only ``name``."""
    marker = ":loadbalancer/"
    if marker in arn:
        rest = arn.split(marker, 1)[1]
        if "/" in rest:
            return rest
    return name


def node_description(load_balancer: LoadBalancer) -> str:
    """The description AWS gives a node's ENI."""
    return f"ELB {load_balancer.node_key}"


def load_balancer_arn(region: str, account: str, load_balancer_type: str, name: str, suffix: str) -> str:
    """An ARN shaped as AWS shapes it (``.../loadbalancer/app/<name>/<id>``; classic: ``.../loadbalancer/<name>``)."""
    base = f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/"
    if load_balancer_type == "classic":
        return base + name
    return f"{base}{NODE_DESCRIPTION_KIND[load_balancer_type]}/{name}/{suffix}"


def derived_suffix(seed: str, kind: str, name: str) -> str:
    """The id part of a generated ARN (``kind``: ``elb`` or ``tg``), deterministic per seed."""
    return hashlib.sha256(f"{seed}:{kind}:{name}".encode()).hexdigest()[:16]


def name_in_arn(arn: str, resource: Literal["loadbalancer", "targetgroup"]) -> str | None:
    """The name an Elastic Load Balancing ARN carries: ``...:loadbalancer/app/<name>/<id>``
    (``net``, ``gwy``), ``...:loadbalancer/<name>`` (Classic), ``...:targetgroup/<name>/<id>``;
    None when ``arn`` is not such an ARN of ``resource`` (every reader refuses it, located)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "elasticloadbalancing":
        return None
    kind, _, rest = parts[5].partition("/")
    if kind != resource:
        return None
    pieces = rest.split("/")
    if resource == "loadbalancer" and len(pieces) == 1:
        name = pieces[0]  # Classic
    elif (
        resource == "loadbalancer"
        and len(pieces) == 3
        and pieces[0] in NODE_DESCRIPTION_KIND.values()
        and pieces[2]
    ):
        name = pieces[1]
    elif resource == "targetgroup" and len(pieces) == 2 and pieces[1]:
        name = pieces[0]
    else:
        return None
    return name or None


def arn_problem(arn: str, resource: Literal["loadbalancer", "targetgroup"]) -> str:
    """What to tell a user whose ``arn`` :func:`name_in_arn` refuses."""
    shape = "loadbalancer/app/NAME/ID" if resource == "loadbalancer" else "targetgroup/NAME/ID"
    return f"{arn!r} is not an ARN of a {'load balancer' if resource == 'loadbalancer' else 'target group'} (arn:aws:elasticloadbalancing:REGION:ACCOUNT:{shape})"


def default_rule_arn(listener_arn: str, priority: int) -> str:
    """A rule's ARN when the input gives none: the listener's, as ``listener-rule/``, with the
    priority as the rule's id."""
    return f"{listener_arn.replace(':listener/', ':listener-rule/', 1)}/{priority}"


def target_group_arn(region: str, account: str, name: str, suffix: str) -> str:
    return f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{suffix}"


__all__ = [
    "LISTENER_PROTOCOLS",
    "Listener",
    "ListenerAction",
    "ListenerRule",
    "LoadBalancer",
    "LoadBalancerAddress",
    "LoadBalancerAvailabilityZone",
    "RuleCondition",
    "TargetDescription",
    "TargetGroup",
    "arn_problem",
    "default_rule_arn",
    "derived_suffix",
    "load_balancer_arn",
    "name_in_arn",
    "node_description",
    "node_key_of_arn",
    "target_group_arn",
]
