"""Load balancers compiled for the walk: each node ENI's load balancer, each listener's
protocols and targets (address, port, zone), built once per network version on first use.

Why apart from :mod:`vpcsim.engine.compiled`: estates without load balancers never pay for it
(the index is built the first time a packet reaches a node), and the rules it encodes -- which
address a target receives on, which port, which zone -- stay next to each other.

Rules encoded here (reference, Elastic Load Balancing):

* a node is the ENI whose description is ``ELB <key>``, ``<key>`` being the ARN's part after
  ``loadbalancer/`` (``app/<name>/<id>``) or a Classic Load Balancer's name;
* listener protocols map to IP protocols: HTTP, HTTPS, TCP, TLS, SSL -> TCP; UDP, QUIC -> UDP;
  TCP_UDP, TCP_QUIC -> both;
* only ``forward`` actions reach targets (a ``TargetGroupArn``, or every group of a
  ``ForwardConfig``); a target's port is its own ``Port``, else its group's
  (a Classic listener's ``InstancePort``);
* an instance target receives on the primary private address of its primary ENI; an IP target
  on its address; a Lambda function outside any VPC path; an ``alb`` target on the nodes of
  that Application Load Balancer;
* an Application Load Balancer's listener rules: a rule with a ``source-ip`` condition applies
  only to clients inside its blocks (each such condition must hold); every other condition
  (path, host, header, method, query) looks inside the request, so some request of any client
  may meet it -- the rule stays reachable for every client;
* cross-zone: the target group's attribute, else the load balancer's, else the type's default
  (on for ALB and Classic, off for NLB and GWLB).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Network
from ..model.addressing import last_address
from ..model.elb import Listener, ListenerAction, ListenerRule, LoadBalancer, TargetGroup, node_key_of_arn
from .compiled import Compiled, CompiledEni, cidr_int, ip_int
from .flow import TCP, UDP

#: Listener protocol -> the IP protocols it accepts.
LISTENER_IP_PROTOCOLS: dict[str, frozenset[int]] = {
    "HTTP": frozenset({TCP}),
    "HTTPS": frozenset({TCP}),
    "TCP": frozenset({TCP}),
    "TLS": frozenset({TCP}),
    "SSL": frozenset({TCP}),
    "UDP": frozenset({UDP}),
    "QUIC": frozenset({UDP}),
    "TCP_UDP": frozenset({TCP, UDP}),
    "TCP_QUIC": frozenset({TCP, UDP}),
}


@dataclass(slots=True)
class CompiledTarget:
    """One registered target as a node sends to it."""

    target_id: str
    """The instance id, IP address, Lambda ARN or ALB ARN as registered."""
    target_type: str
    address: int | None
    """Where the node sends (None: a Lambda function, or a target the input does not describe)."""
    eni: CompiledEni | None
    port: int
    zone: str | None
    health: str | None
    target_group: TargetGroup | None
    """None for a Classic Load Balancer's instances."""
    cross_zone: bool
    preserve_client_ip: bool
    """A Network Load Balancer keeps the client's address towards it."""


@dataclass(slots=True)
class CompiledRule:
    """A listener rule as the walk meets it: which clients it may apply to, what it does."""

    rule: ListenerRule
    sources: list[list[tuple[int, int]]] | None
    """Per ``source-ip`` condition, the client address ranges it admits; None: no address
    condition (any client may match)."""
    forwards: bool
    missing_groups: list[str]
    targets: list[CompiledTarget]
    actions: list[str]
    """The type of each action."""

    def admits(self, src: int) -> bool:
        """Whether a client at ``src`` may meet the rule's conditions."""
        if self.sources is None:
            return True
        return all(any(lo <= src <= hi for lo, hi in ranges) for ranges in self.sources)


@dataclass(slots=True)
class CompiledListener:
    listener: Listener
    protocols: frozenset[int]
    port: int
    forwards: bool
    """Some action forwards (to target groups, or a Classic listener to its instances)."""
    missing_groups: list[str]
    """Target groups it forwards to that the input does not hold."""
    targets: list[CompiledTarget]
    rules: list[CompiledRule] = field(default_factory=list)
    """An Application Load Balancer's non-default rules, by priority."""
    actions: list[str] = field(default_factory=list)
    """The type of each default action."""

    def for_client(self, src: int) -> CompiledListener:
        """What a client at ``src`` may reach: the default actions' targets and those of every
        rule whose ``source-ip`` conditions admit it (a rule's other conditions may match some
        of its requests and not others, so each admitted rule may be taken). Itself when the
        listener has no rules."""
        admitted = [r for r in self.rules if r.admits(src)]
        if not admitted:
            return self
        targets = list(self.targets)
        seen = {
            (t.target_group.target_group_arn if t.target_group else "", t.target_id, t.port) for t in targets
        }
        missing = list(self.missing_groups)
        actions = list(self.actions)
        for rule in admitted:
            for t in rule.targets:
                key = (t.target_group.target_group_arn if t.target_group else "", t.target_id, t.port)
                if key not in seen:
                    seen.add(key)
                    targets.append(t)
            missing.extend(m for m in rule.missing_groups if m not in missing)
            actions.extend(a for a in rule.actions if a not in actions)
        return CompiledListener(
            self.listener,
            self.protocols,
            self.port,
            self.forwards or any(r.forwards for r in admitted),
            missing,
            targets,
            [],
            actions,
        )

    @property
    def label(self) -> str:
        return f"{self.listener.protocol}:{self.port}"


@dataclass(slots=True)
class CompiledLoadBalancer:
    lb: LoadBalancer
    zones: frozenset[str]
    listeners: list[CompiledListener]
    nodes: list[CompiledEni] = field(default_factory=list)

    @property
    def ports(self) -> frozenset[tuple[int, int]]:
        """(protocol, port) pairs its listeners accept."""
        return frozenset((proto, li.port) for li in self.listeners for proto in li.protocols)


@dataclass(slots=True)
class ElbIndex:
    by_eni: dict[str, CompiledLoadBalancer]
    by_arn: dict[str, CompiledLoadBalancer]


def listener_ports(network: Network) -> set[tuple[int, int]]:
    """(protocol, port) of every listener of the network: each is an atom of its own for the
    analyses (a load balancer answers on these ports only)."""
    return {
        (proto, listener.port)
        for lb in network.load_balancers.values()
        for listener in lb.listeners
        for proto in LISTENER_IP_PROTOCOLS.get(listener.protocol.upper(), ())
    }


def rule_source_blocks(network: Network, *, ipv6: bool = False) -> set[tuple[int, int]]:
    """(network, mask) of every ``source-ip`` block of a listener rule: the analyses cut the
    client address space at them (a rule's targets differ on either side)."""
    out: set[tuple[int, int]] = set()
    for lb in network.load_balancers.values():
        for listener in lb.listeners:
            for rule in listener.rules:
                for condition in rule.conditions:
                    if condition.field != "source-ip":
                        continue
                    for value in condition.values:
                        if (":" in value) != ipv6:
                            continue
                        try:
                            net, mask, _ = cidr_int(value)
                        except ValueError:
                            continue
                        out.add((net, mask))
    return out


def elb_index(c: Compiled) -> ElbIndex:
    """The load balancers of ``c``, built on first use and kept with the compiled network."""
    index = c.load_balancers
    if index is None:
        index = c.load_balancers = _build(c)
    return index


def _target_address(
    n: Network, c: Compiled, tg: TargetGroup | None, target_type: str, target_id: str
) -> tuple[int | None, CompiledEni | None]:
    if target_type == "instance":
        instance = n.instances.get(target_id)
        if instance is None or not instance.network_interface_ids:
            return None, None
        eni = c.enis.get(instance.network_interface_ids[0])
        if eni is None:
            return None, None
        return ip_int(eni.eni.private_ip_address), eni
    if target_type == "ip":
        try:
            address = ip_int(target_id)
        except ValueError:
            return None, None
        owner = c.private.get(tg.vpc_id or "", {}).get(address) if tg is not None else None
        if owner is None:
            owner = next((table[address] for table in c.private.values() if address in table), None)
        return address, owner
    return None, None


def _build(c: Compiled) -> ElbIndex:
    n = c.network
    by_key: dict[str, CompiledLoadBalancer] = {}
    by_arn: dict[str, CompiledLoadBalancer] = {}
    for lb in n.load_balancers.values():
        zones = frozenset(z.zone_name for z in lb.availability_zones)
        listeners = [_listener(n, c, lb, listener) for listener in lb.listeners]
        compiled = CompiledLoadBalancer(lb, zones, listeners)
        by_key[node_key_of_arn(lb.load_balancer_arn, lb.load_balancer_name)] = compiled
        by_arn[lb.load_balancer_arn] = compiled
    by_eni: dict[str, CompiledLoadBalancer] = {}
    for eni in c.enis.values():
        description = eni.eni.description
        if eni.managed is None or not description.startswith("ELB "):
            continue
        found = by_key.get(description[4:])
        if found is not None and found.lb.vpc_id == eni.vpc_id:
            found.nodes.append(eni)
            by_eni[eni.eni_id] = found
    for compiled in by_arn.values():
        for listener in compiled.listeners:
            for target in listener.targets:
                if target.target_type == "alb" and target.target_id in by_arn:
                    _alb_target(target, by_arn[target.target_id])
    return ElbIndex(by_eni, by_arn)


def _alb_target(target: CompiledTarget, alb: CompiledLoadBalancer) -> None:
    """An ``alb`` target receives on a node of that Application Load Balancer (the one in the
    target's zone when there is one)."""
    nodes = sorted(alb.nodes, key=lambda e: (e.subnet.subnet.availability_zone != target.zone, e.eni_id))
    if nodes:
        target.eni = nodes[0]
        target.address = ip_int(nodes[0].eni.private_ip_address)


def _listener(n: Network, c: Compiled, lb: LoadBalancer, listener: Listener) -> CompiledListener:
    protocols = LISTENER_IP_PROTOCOLS.get(listener.protocol.upper(), frozenset())
    targets: list[CompiledTarget] = []
    missing: list[str] = []
    lb_cross = lb.cross_zone_enabled
    if lb.type == "classic":
        forwards = True
        port = listener.instance_port if listener.instance_port is not None else listener.port
        for instance_id in lb.instances:
            address, eni = _target_address(n, c, None, "instance", instance_id)
            instance = n.instances.get(instance_id)
            subnet = n.subnets.get(instance.subnet_id) if instance is not None else None
            targets.append(
                CompiledTarget(
                    instance_id,
                    "instance",
                    address,
                    eni,
                    port,
                    subnet.availability_zone if subnet is not None else None,
                    None,
                    None,
                    lb_cross,
                    False,
                )
            )
    else:
        arns = listener.target_group_arns
        forwards = bool(arns)
        targets, missing = _forward_targets(n, c, lb, listener, arns)
    rules = [_rule(n, c, lb, listener, rule) for rule in sorted(listener.rules, key=lambda r: r.priority)]
    actions = [a.type for a in listener.default_actions]
    return CompiledListener(listener, protocols, listener.port, forwards, missing, targets, rules, actions)


def _forward_arns(actions: list[ListenerAction]) -> list[str]:
    out: list[str] = []
    for action in actions:
        if action.type == "forward":
            out.extend(a for a in action.target_group_arns if a not in out)
    return out


def _rule(n: Network, c: Compiled, lb: LoadBalancer, listener: Listener, rule: ListenerRule) -> CompiledRule:
    sources: list[list[tuple[int, int]]] | None = None
    for condition in rule.conditions:
        if condition.field != "source-ip":
            continue
        ranges = []
        for value in condition.values:
            try:
                net, mask, _ = cidr_int(value)
            except ValueError:
                continue  # validation reports it
            ranges.append((net, last_address(net, mask)))
        sources = [*(sources or []), ranges]
    arns = _forward_arns(rule.actions)
    targets, missing = _forward_targets(n, c, lb, listener, arns)
    return CompiledRule(rule, sources, bool(arns), missing, targets, [a.type for a in rule.actions])


def _forward_targets(
    n: Network, c: Compiled, lb: LoadBalancer, listener: Listener, arns: list[str]
) -> tuple[list[CompiledTarget], list[str]]:
    """The targets of the target groups ``arns``, and the groups the input does not hold."""
    targets: list[CompiledTarget] = []
    missing: list[str] = []
    lb_cross = lb.cross_zone_enabled
    for arn in arns:
        tg = n.target_groups.get(arn)
        if tg is None:
            missing.append(arn)
            continue
        cross = tg.cross_zone if tg.cross_zone is not None else lb_cross
        if lb.type == "application" and tg.cross_zone is None:
            cross = True  # ALB: always on at the load balancer's level
        preserve = lb.type == "network" and tg.target_type in ("instance", "ip") and tg.preserves_client_ip()
        for target in tg.targets:
            address, eni = _target_address(n, c, tg, tg.target_type, target.id)
            zone = target.availability_zone
            if zone is None and eni is not None:
                zone = eni.subnet.subnet.availability_zone
            port = target.port if target.port is not None else (tg.port or listener.port)
            targets.append(
                CompiledTarget(
                    target.id,
                    tg.target_type,
                    address,
                    eni,
                    port,
                    zone,
                    target.health_state,
                    tg,
                    cross,
                    preserve,
                )
            )
    return targets, missing


__all__ = [
    "LISTENER_IP_PROTOCOLS",
    "CompiledListener",
    "CompiledLoadBalancer",
    "CompiledRule",
    "CompiledTarget",
    "ElbIndex",
    "elb_index",
    "listener_ports",
    "rule_source_blocks",
]
