"""A load balancer on the walk: the listener that accepts a packet, and the second leg to each
target.

Why a module of its own: the walk (:mod:`vpcsim.engine.walk`) delivers a packet to a load
balancer's node like to any ENI (the node's security groups, its subnet's network ACL); from
there on the load balancer's own rules apply, and they are all here, applied through the walk's
own ``send`` and hooks so that analyses walking with their hooks meet the same filters.

The rules (reference, "Elastic Load Balancing as an exposure path"):

* a packet is accepted only if a listener has its destination port and protocol
  (``ELBV2_LISTENER_PORT_RESTRICTION`` / ``ELBV2_LISTENERS_MISMATCH``; Classic:
  ``ELB_LISTENER_PORT_RESTRICTION`` / ``ELB_LISTENERS_MISMATCH``); a Gateway Load Balancer is not
  followed (as Reachability Analyzer, ``PATH_THROUGH_GWLB_NOT_CHECKED``): unknown;
* only ``forward`` actions reach targets (``redirect`` and ``fixed-response`` answer at the load
  balancer); an Application Load Balancer's listener rules add targets: those of every rule
  whose ``source-ip`` condition (if any) admits the client -- its other conditions (path, host,
  headers) may match some requests and not others -- plus the default action's; when some of
  them forward, the legs decide, else the load balancer answers itself; no target group: ``ELBV2_LISTENER_REQUIRES_TG_ACCEPT``; no target:
  ``ELBV2_LISTENER_HAS_NO_TG``;
* a node sends only to targets in zones enabled on the load balancer
  (``ELB_INSTALLED_AZ_RESTRICTION``) and, cross-zone off, only in its own zone
  (``ELBV2_NO_TARGETS_IN_AZ``, Classic ``ELB_NOT_CROSSZONE``);
* the second leg: an ALB or CLB opens a new TCP connection from the node's private address,
  source ports 1024-65535 (``REMAP_EPHEMERAL_PORT``), to the target's address and port, through
  the node's security groups (outbound), both subnets' ACLs, routes and the target's groups; an
  NLB keeps the client's address and ports where client IP preservation is on (instance targets;
  IP targets over UDP/TCP_UDP/QUIC/TCP_QUIC; IP targets over TCP/TLS when the attribute is on),
  else sends from its node's address like an ALB. With preservation, a target group rule that
  references the NLB's security group still matches, and a target that is its own client fails
  (``ELBV2_SOURCE_ADDRESS_PRESERVATION``, no hairpin); replies go back to the node whatever the
  target's routes (the load balancer tracks the flow);
* a Classic Load Balancer's subnet ACL judges its outbound traffic even to an instance in its
  own subnet (``ELB_ACL_RESTRICTION``);
* health is a note, never a reason to drop (Reachability Analyzer ignores it);
* a Network Load Balancer's target group whose attributes the input does not give
  (``attributes_missing``) and whose preservation is open (instance targets; IP targets over
  TCP/TLS): a recorded trace gives Reachability Analyzer's additional details
  ``MISSING_TARGET_GROUP_ATTRIBUTES`` and ``ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED`` /
  ``_DISABLED`` (AWS's default, the value the legs use), once per group.

Which target serves (the choice in ``docs/architecture.md``): a load balancer sends each
connection to one target, and a target it cannot reach fails its health checks and gets none.
So the flow is served when one target's leg goes through, forward and back; the trace shows
every leg with where it stops, and its blockers are those of the best legs (every leg's when all
fail in the same way).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import codes as C
from . import explain
from .compiled import PEER_MEMBERS, CompiledEni, ip_str
from .elb_compiled import CompiledListener, CompiledLoadBalancer, CompiledTarget, elb_index
from .filters import Packet, sg_decide
from .flow import TCP
from .hooks import ReferenceHooks, WalkHooks
from .result import Blocker, PathName, Step

if TYPE_CHECKING:
    from .compiled import CompiledSubnet
    from .recording import Recorder
    from .walk import Arrival, Walk

#: Source ports of a connection a load balancer opens itself (``REMAP_EPHEMERAL_PORT``).
LB_SOURCE_PORTS = (1024, 65535)
_ACTIVE = ("active", "active_impaired")
#: Load balancers a packet may cross in a row (an NLB in front of an ALB is two).
_MAX_NESTING = 4


def _blocker(code: str, component: str, path: PathName, detail: str, fix: str) -> Blocker:
    return Blocker(code, component, path, detail, fix)


def at_node(walk: Walk, node: CompiledEni, pkt: Packet) -> Arrival | None:
    """A request delivered to a load balancer's node (its groups and ACL judged already): the
    listener, then the legs to the targets. Returns the arrival the client's reply leaves from
    (the node), or None when the load balancer drops the packet."""
    from .walk import Arrival

    rec = walk.recorder
    lb = elb_index(walk.compiled).by_eni.get(node.eni_id)
    if lb is None:
        # A node whose load balancer the input does not describe.
        rec.block(explain.not_a_host(rec.path, node, pkt.dst))
        return None
    lb_id = lb.lb.load_balancer_arn
    walk.hop(lb_id, "load-balancer")
    depth = getattr(walk, "_elb_depth", 0)
    if depth >= _MAX_NESTING:
        # A load balancer whose targets lead back to load balancers, again and again.
        rec.block(
            _blocker(
                C.VPCSIM_ROUTING_LOOP,
                lb_id,
                rec.path,
                f"the packet crossed {depth} load balancers in a row: their targets form a loop",
                "register targets that are not the load balancers themselves",
            )
        )
        return None
    if type(walk.hooks) is not ReferenceHooks:
        # The load balancer answers on its listeners' ports only: analyses trace every atom.
        walk.hooks.on_service(walk, node, lb_id, lb.ports)
    if lb.lb.type == "gateway":
        rec.block(
            _blocker(
                C.VPCSIM_OUTSIDE_MODEL,
                lb_id,
                rec.path,
                f"{ip_str(pkt.dst)} is a node of Gateway Load Balancer {lb.lb.load_balancer_name}: the path "
                "through its appliances is not followed (Reachability Analyzer: PATH_THROUGH_GWLB_NOT_CHECKED)",
                "analyse the appliances behind the Gateway Load Balancer separately",
            )
        )
        return None
    if lb.lb.state not in _ACTIVE:
        rec.block(
            _blocker(
                C.BAD_STATE,
                lb_id,
                rec.path,
                f"load balancer {lb.lb.load_balancer_name} is {lb.lb.state}",
                f"wait until {lb.lb.load_balancer_name} is active",
            )
        )
    listener = _listener_for(lb, pkt)
    if listener is None:
        rec.block(_mismatch(lb, pkt, rec.path))
        if type(walk.hooks) is not ReferenceHooks:
            # Analyses record every filter a flow of another port could meet: walk each
            # listener's legs too (their blockers are the mismatch's business, not kept).
            start = len(rec.blockers)
            for other in lb.listeners:
                _serve(walk, lb, node, other, pkt, record_steps=False)
            del rec.blockers[start:]
        return None
    if rec.record:
        rec.step(
            Step(
                "listener",
                lb_id,
                "allow",
                f"listener {listener.label} of {lb.lb.load_balancer_name} accepts the packet",
                rule=listener.listener.listener_arn,
            )
        )
    if _serve(walk, lb, node, listener, pkt, record_steps=True):
        return Arrival("eni", pkt, node, node.eni_id)
    return None


def _listener_for(lb: CompiledLoadBalancer, pkt: Packet) -> CompiledListener | None:
    if not pkt.has_ports:
        return None
    port = pkt.dports[0][0]
    for listener in lb.listeners:
        if listener.port == port and pkt.proto in listener.protocols:
            return listener
    return None


def _mismatch(lb: CompiledLoadBalancer, pkt: Packet, path: PathName) -> Blocker:
    classic = lb.lb.type == "classic"
    port = pkt.dports[0][0] if pkt.has_ports else None
    on_port = [li for li in lb.listeners if port is not None and li.port == port]
    listeners = ", ".join(li.label for li in lb.listeners) or "none"
    traffic = explain.describe_traffic(pkt)
    if on_port:
        code = C.ELB_LISTENERS_MISMATCH if classic else C.ELBV2_LISTENERS_MISMATCH
        detail = f"no listener of {lb.lb.load_balancer_name} accepts {traffic} (listeners: {listeners})"
    else:
        code = C.ELB_LISTENER_PORT_RESTRICTION if classic else C.ELBV2_LISTENER_PORT_RESTRICTION
        detail = (
            f"{lb.lb.load_balancer_name} has no listener on {traffic}; it accepts only its listeners' "
            f"ports ({listeners})"
        )
    return _blocker(
        code,
        lb.lb.load_balancer_arn,
        path,
        detail,
        "add a listener for this traffic, or use a listener's port",
    )


def _serve(
    walk: Walk,
    lb: CompiledLoadBalancer,
    node: CompiledEni,
    listener: CompiledListener,
    pkt: Packet,
    *,
    record_steps: bool,
) -> bool:
    """The listener's targets, each as a leg; the best legs' blockers are kept. False when the
    load balancer has nowhere to send (blocked here)."""
    rec = walk.recorder
    lb_id = lb.lb.load_balancer_arn
    name = lb.lb.load_balancer_name
    say = rec.record and record_steps
    if listener.rules:
        # An Application Load Balancer's rules: the targets this client's requests may reach.
        listener = listener.for_client(pkt.src)
    if not listener.forwards:
        actions = listener.actions
        if actions:
            if say:
                rec.step(
                    Step(
                        "listener",
                        lb_id,
                        "deliver",
                        f"the listener answers itself ({', '.join(actions)}): no target is involved",
                    )
                )
            return True
        rec.block(
            _blocker(
                C.ELBV2_LISTENER_REQUIRES_TG_ACCEPT,
                lb_id,
                rec.path,
                f"listener {listener.label} of {name} has no action that forwards to a target group",
                "give the listener a forward action to a target group",
            )
        )
        return False
    if not listener.targets:
        if listener.missing_groups:
            rec.block(
                _blocker(
                    C.ELBV2_LISTENER_REQUIRES_TG_ACCEPT,
                    lb_id,
                    rec.path,
                    f"listener {listener.label} of {name} forwards to target groups the input does not hold "
                    f"({', '.join(listener.missing_groups)})",
                    "import the listener's target groups",
                )
            )
        else:
            rec.block(
                _blocker(
                    C.ELBV2_LISTENER_HAS_NO_TG,
                    lb_id,
                    rec.path,
                    f"listener {listener.label} of {name} has no registered target",
                    "register targets in the listener's target group",
                )
            )
        return False
    zone = node.subnet.subnet.availability_zone
    eligible: list[CompiledTarget] = []
    other_zone = installed = 0
    for target in listener.targets:
        where = f"target {target.target_id}:{target.port}"
        if target.zone not in lb.zones and target.zone != "all" and target.zone is not None:
            installed += 1
            if say:
                rec.step(
                    Step(
                        "target",
                        target.target_id,
                        "drop",
                        f"{where} is in {target.zone}, a zone not enabled on {name}: it gets no traffic",
                    )
                )
            continue
        if not target.cross_zone and target.zone not in (zone, "all", None):
            other_zone += 1
            if say:
                rec.step(
                    Step(
                        "target",
                        target.target_id,
                        "drop",
                        f"{where} is in {target.zone}; cross-zone load balancing is off, so the node in "
                        f"{zone} does not send to it",
                    )
                )
            continue
        eligible.append(target)
    if not eligible:
        if other_zone:
            code = C.ELB_NOT_CROSSZONE if lb.lb.type == "classic" else C.ELBV2_NO_TARGETS_IN_AZ
            detail = (
                f"cross-zone load balancing is off and no target of listener {listener.label} is in {zone}, "
                f"the zone of the node {node.eni_id} that received the traffic"
            )
            fix = f"register a target in {zone}, or turn cross-zone load balancing on"
        else:
            code = C.ELB_INSTALLED_AZ_RESTRICTION
            detail = f"every target of listener {listener.label} is in a zone not enabled on {name}"
            fix = f"enable the targets' zones on {name} (a subnet per zone)"
        rec.block(_blocker(code, lb_id, rec.path, detail, fix))
        return False
    if say and lb.lb.type == "network":
        _assumptions(rec, eligible)
    start = len(rec.blockers)
    legs: list[tuple[int, CompiledTarget, list[Blocker]]] = []
    depth = getattr(walk, "_elb_depth", 0)
    walk._elb_depth = depth + 1  # type: ignore[attr-defined]
    try:
        for target in eligible:
            blockers = _leg(walk, lb, node, listener, target, pkt, say=say)
            legs.append((_rank(blockers), target, blockers))
    finally:
        walk._elb_depth = depth  # type: ignore[attr-defined]
    del rec.blockers[start:]
    best = min(rank for rank, _, _ in legs)
    kept: list[Blocker] = []
    for rank, _, blockers in legs:
        if rank == best:
            kept.extend(b for b in blockers if b not in kept)
    rec.blockers.extend(kept)
    if say:
        rec.path = "forward"
        walk.hop(lb_id, "load-balancer")
        served = [f"{t.target_id}:{t.port}" for rank, t, _ in legs if rank == 0]
        if served:
            rec.step(Step("target", lb_id, "forward", f"served by {', '.join(served)}"))
        else:
            rec.step(Step("target", lb_id, "drop", "no target's leg goes through: see the blockers"))
    return True


def _assumptions(rec: Recorder, targets: list[CompiledTarget]) -> None:
    """Reachability Analyzer's additional details for each target group whose client IP
    preservation the input does not give (recorded traces only): ``MISSING_TARGET_GROUP_ATTRIBUTES``
    and the assumption made, AWS's default for the target type and protocol."""
    seen: set[str] = set()
    for target in targets:
        tg = target.target_group
        if tg is None or tg.target_group_arn in seen:
            continue
        seen.add(tg.target_group_arn)
        assumed = tg.assumed_client_ip_preservation()
        if assumed is None:
            continue
        name = tg.target_group_name
        rec.step(
            Step(
                "detail",
                tg.target_group_arn,
                "forward",
                f"{C.MISSING_TARGET_GROUP_ATTRIBUTES}: the input does not give the attributes of target group "
                f"{name} (preserve_client_ip.enabled; describe-target-group-attributes)",
                rule=C.MISSING_TARGET_GROUP_ATTRIBUTES,
            )
        )
        if assumed:
            code = C.ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED
            what = f"on, AWS's default for {tg.target_type} targets: the targets see the client's address"
        else:
            code = C.ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED
            what = f"off, AWS's default for IP targets over {tg.protocol or 'TCP'}: the targets see the node's address"
        rec.step(
            Step(
                "detail",
                tg.target_group_arn,
                "forward",
                f"{code}: vpcsim assumes client IP preservation {what}; verify it (import the target group's "
                "attributes)",
                rule=code,
            )
        )


def _rank(blockers: list[Blocker]) -> int:
    """0: the leg goes through; 1: unknown; 2: only its reply fails; 3: its request fails."""
    if not blockers:
        return 0
    if any(b.code not in C.UNKNOWN_CODES and b.path == "forward" for b in blockers):
        return 3
    if any(b.code not in C.UNKNOWN_CODES for b in blockers):
        return 2
    return 1


def _leg(
    walk: Walk,
    lb: CompiledLoadBalancer,
    node: CompiledEni,
    listener: CompiledListener,
    target: CompiledTarget,
    pkt: Packet,
    *,
    say: bool,
) -> list[Blocker]:
    """One target's leg, request and reply; returns its blockers (taken off the recorder)."""
    from .walk import reply_to

    rec = walk.recorder
    start = len(rec.blockers)
    lookups = walk._lookups
    # The leg is a connection of its own: the ENIs that track it (the target, a middlebox on
    # its way) do not track the client's connection, whose reply may cross them later.
    tracked = set(walk.tracked)
    rec.path = "forward"
    lb_id = lb.lb.load_balancer_arn
    try:
        walk.hop(lb_id, "load-balancer")
        health = (
            f" (health: {target.health}; a note only, reachability ignores health)" if target.health else ""
        )
        if target.target_type == "lambda":
            if say:
                rec.step(
                    Step(
                        "target",
                        target.target_id,
                        "deliver",
                        f"invokes Lambda function {target.target_id}{health}",
                    )
                )
            return []
        if target.address is None:
            rec.block(
                _blocker(
                    C.UNKNOWN_RESOURCE,
                    target.target_id,
                    rec.path,
                    f"target {target.target_id} of {lb.lb.load_balancer_name} is not described in the input",
                    f"import {target.target_id}",
                )
            )
            return list(rec.blockers[start:])
        node_ip = next(iter(sorted(node.addresses)))
        preserve = target.preserve_client_ip
        proto = TCP if lb.lb.type in ("application", "classic") else pkt.proto
        port = ((target.port, target.port),)
        if preserve:
            leg = Packet(pkt.src, target.address, proto, pkt.sports, port, -1, -1, True)
            text = f"client IP preserved: {ip_str(pkt.src)} -> {ip_str(target.address)}:{target.port}"
        else:
            leg = Packet(node_ip, target.address, proto, (LB_SOURCE_PORTS,), port, -1, -1)
            text = (
                f"new connection from the node {ip_str(node_ip)}, ports 1024-65535 (REMAP_EPHEMERAL_PORT), "
                f"to {ip_str(target.address)}:{target.port}"
            )
        if say:
            rec.step(
                Step(
                    "target",
                    target.target_id,
                    "forward",
                    f"to target {target.target_id}:{target.port}{health}",
                )
            )
            rec.step(Step("nat", lb_id, "translate", text, before=rec.header(pkt), after=rec.header(leg)))
        if preserve and target.eni is not None and pkt.src in target.eni.addresses:
            rec.block(
                _blocker(
                    C.ELBV2_SOURCE_ADDRESS_PRESERVATION,
                    lb_id,
                    rec.path,
                    f"client IP preservation is on and {target.target_id} is the client itself: the connection "
                    "is hashed back to it and fails (no hairpin)",
                    "turn client IP preservation off on the target group, or call the target directly",
                )
            )
        if lb.lb.type == "classic" and target.eni is not None and target.eni.subnet is node.subnet:
            _classic_acl(walk, node.subnet, leg)
        hooks = walk.hooks
        if preserve and lb.lb.security_groups and target.eni is not None:
            walk.hooks = _LoadBalancerGroupHooks(hooks, target.eni, frozenset(lb.lb.security_groups), node_ip)
        try:
            arrival = walk.send(node, leg, reply=False, forwarded=preserve)
        finally:
            walk.hooks = hooks
        if arrival is None or arrival.eni is None:
            return list(rec.blockers[start:])
        answer = reply_to(arrival.packet)
        if answer is None:
            return list(rec.blockers[start:])
        rec.path = "return"
        if preserve:
            _preserved_reply(walk, node, arrival.eni, answer)
        else:
            back = walk.send(arrival.eni, answer, reply=True)
            if back is not None and back.eni is not node:
                rec.block(explain.reply_elsewhere(rec.path, back.component, back.component))
        return list(rec.blockers[start:])
    finally:
        rec.path = "forward"
        walk._lookups = lookups
        walk.tracked = tracked


def _classic_acl(walk: Walk, subnet: CompiledSubnet, leg: Packet) -> None:
    """A Classic Load Balancer's subnet ACL judges its outbound traffic even within the subnet."""
    if subnet.acl is None:
        return
    rec = walk.recorder
    start = len(rec.blockers)
    walk.hooks.on_network_acl(walk, subnet, leg, inbound=False)
    for i in range(start, len(rec.blockers)):
        if rec.blockers[i].code == C.SUBNET_ACL_RESTRICTION:
            rec.blockers[i] = replace(rec.blockers[i], code=C.ELB_ACL_RESTRICTION)


def _preserved_reply(walk: Walk, node: CompiledEni, target: CompiledEni, answer: Packet) -> None:
    """The target's reply to a preserved client address goes back to the node that sent the
    request (the load balancer tracks the flow), whatever the target's routes: the target's
    groups (tracked), its subnet's ACL outbound and the node subnet's ACL inbound."""
    hooks = walk.hooks
    walk.hop(target.eni_id, "network-interface")
    if target.filtered:
        hooks.on_security_groups(
            walk, target, answer, egress=True, reply=True, tracked=target.eni_id in walk.tracked
        )
    if target.subnet is not node.subnet:
        walk.hop(target.subnet.subnet_id, "subnet")
        if target.subnet.acl is not None:
            hooks.on_network_acl(walk, target.subnet, answer, inbound=False)
        walk.hop(node.subnet.subnet_id, "subnet")
        if node.subnet.acl is not None:
            hooks.on_network_acl(walk, node.subnet, answer, inbound=True)
    walk.hop(node.eni_id, "network-interface")
    if walk.recorder.record:
        walk.recorder.step(
            Step("delivery", node.eni_id, "deliver", f"the target's reply reaches the node {node.eni_id}")
        )


class _LoadBalancerGroupHooks:
    """The walk's hooks for a leg with client IP preservation through a Network Load Balancer
    with security groups: a target rule that references the load balancer's group matches even
    though the packet carries the client's address; everything else is the wrapped hooks'."""

    def __init__(self, inner: WalkHooks, target: CompiledEni, groups: frozenset[str], node_ip: int) -> None:
        self.inner = inner
        self.target = target
        self.groups = groups
        self.node_ip = node_ip

    def on_hop(self, walk: Walk, component: str, kind: str) -> None:
        self.inner.on_hop(walk, component, kind)

    def on_route(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet) -> None:
        self.inner.on_route(walk, subnet, pkt)

    def on_service(self, walk: Walk, eni: CompiledEni, name: str, ports: frozenset[tuple[int, int]]) -> None:
        self.inner.on_service(walk, eni, name, ports)

    def on_reply(self, walk: Walk, request: Packet, reply: Packet | None) -> None:
        self.inner.on_reply(walk, request, reply)

    def on_network_acl(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
        self.inner.on_network_acl(walk, subnet, pkt, inbound=inbound)

    def on_security_groups(
        self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, tracked: bool
    ) -> None:
        if eni is self.target and not egress and not reply:
            by_lb = [r for r in eni.ingress if r.peer_kind == PEER_MEMBERS and r.peer in self.groups]
            allowed, _ = sg_decide(by_lb, pkt, self.node_ip)
            if allowed is not None:
                if walk.recorder.record:
                    walk.recorder.step(
                        Step(
                            "security-group",
                            allowed.group_id,
                            "allow",
                            f"{allowed.group_id} ingress rule allows the load balancer's group {allowed.peer} "
                            "(it matches even with client IP preservation)",
                            "inbound",
                            rule=allowed.label,
                        )
                    )
                return
        self.inner.on_security_groups(walk, eni, pkt, egress=egress, reply=reply, tracked=tracked)


__all__ = ["LB_SOURCE_PORTS", "at_node"]
