"""The IPv6 half of the differential run: dual-stack networks, IPv6 flows biased toward paths
that almost work, and the IPv6 engine mutations the run must catch.

Why apart from :mod:`vpcsim.fidelity_bias`: that module's fixes speak IPv4 (``/32`` peers,
public addresses, NAT); IPv6 has none of those and its own components (``::/0`` routes to an
internet gateway or an egress-only one, ``CidrIpv6`` rules, ``Ipv6CidrBlock`` ACL entries). What
the two do alike (an ACL entry before the denying one, a rule's port range, an internet gateway
for a VPC without one) is :class:`~vpcsim.fidelity_bias.FamilyFixes`, drawn in the same order. A
dual-stack case is the IPv4 biased case of the generator's ``dual-stack-small`` preset with a
share :data:`IPV6_SHARE` of its flows replaced by IPv6 flows (from
:func:`vpcsim.testing.ipv6_generator.sample_ipv6_flows`), most of them *opened* one blocker at a
time by the smallest IPv6 change, some then *nudged* (a rule one port off, a deny rule just
before the allow, the route gone), the rest left as drawn (outside sources, unique-local
addresses, AWS's IPv6 services, ICMPv6 errors). IPv6 changes never change an IPv4 verdict,
except an internet gateway attached to a VPC that had none (then both families may use it).
"""

from __future__ import annotations

import contextlib
import importlib
import ipaddress
import random
from collections.abc import Callable, Iterator
from typing import Any

from .engine import Flow, Trace, trace
from .engine.compiled import is_internet_routable
from .engine.result import Step
from .fidelity_bias import (
    MAX_ROUNDS,
    MISS_SHARE,
    NUDGE_SHARE,
    BiasedCase,
    BiasStats,
    FamilyFixes,
    biased_case,
    clamp_port,
)
from .model import Network, RouteTable, SecurityGroupRule, protocol_name
from .model.addressing import ip_int
from .testing import PRESETS, GeneratorConfig
from .testing.ipv6_generator import sample_ipv6_flows

TCP, UDP, ICMPV6 = 6, 17, 58
#: Share of a dual-stack network's flows that are IPv6 (when some ENI holds an IPv6 address).
IPV6_SHARE = 0.5
#: Share of the IPv6 flows drawn along paths that are opened (the rest as drawn).
PATH_SHARE6 = 0.7
DUAL_STACK_PRESET = "dual-stack-small"
#: Share of the flows an egress-only gateway stops that are left stopped by it alone.
EIGW_NEAR_MISS = 0.6
_SG_CODES = frozenset({"ENI_SG_RULES_MISMATCH", "SG_HAS_NO_RULES"})
_ROUTE_CODES = frozenset({"NO_ROUTE_TO_DESTINATION", "BAD_STATE_ROUTE", "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"})


def is_ipv6_flow(flow: Flow) -> bool:
    return ":" in flow.destination


def dual_stack_case(seed: int, flows: int, config: GeneratorConfig | None = None) -> BiasedCase:
    """Network ``seed`` of ``config`` (``dual-stack-small`` by default), its IPv4 flows biased by
    :func:`~vpcsim.fidelity_bias.biased_case` and its IPv6 flows by this module."""
    cfg = config or PRESETS[DUAL_STACK_PRESET]
    six = round(flows * IPV6_SHARE) if cfg.ipv6_ratio else 0
    case = biased_case(seed, flows - six, cfg)
    if six:
        extra = _Biaser6(case.network, random.Random(f"vpcsim-fidelity6-{seed}"), case.stats).run(seed, six)
        if len(extra) < six:  # no IPv6 address in this network: IPv4 flows instead
            case = biased_case(seed, flows - len(extra), cfg)
            extra = _Biaser6(case.network, random.Random(f"vpcsim-fidelity6-{seed}"), case.stats).run(
                seed, six
            )
        case.flows.extend(extra)
    case.network.touch()
    return case


def _prefix(address: str, length: int) -> str:
    return str(ipaddress.IPv6Network(f"{address}/{length}", strict=False))


class _Biaser6(FamilyFixes):
    ACL_HOST = 128
    ACL_PREFIXES = (64, 56, 48)
    ACL_ANY = "::/0"

    def __init__(self, network: Network, rng: random.Random, stats: BiasStats) -> None:
        super().__init__(network, rng)
        self.stats = stats
        self.past_eigw = False
        self.holders: dict[str, str] = {
            a: eni.network_interface_id
            for eni in network.network_interfaces.values()
            for a in eni.ipv6_addresses
        }

    def run(self, seed: int, count: int) -> list[Flow]:
        if not self.holders:
            return []
        rng = self.rng
        wanted = round(count * PATH_SHARE6)
        candidates = [
            f for f in sample_ipv6_flows(self.net, seed * 7919 + 61, count * 6) if self._pathlike(f)
        ]
        paths = candidates[:wanted]
        opened = [f for f in paths if self._open(f) != "blocked"]
        nudged = {id(f) for f in opened if rng.random() < NUDGE_SHARE}
        for flow in opened:
            if id(flow) in nudged:
                self._nudge(flow, miss=rng.random() < MISS_SHARE)
        for flow in opened:
            if id(flow) not in nudged:
                self._open(flow, again=True)
        self.net.touch()
        rest = sample_ipv6_flows(self.net, seed, count - len(paths))
        self.stats.path_flows += len(paths)
        self.stats.random_flows += len(rest)
        return [*paths, *rest]

    # ------------------------------------------------------------------ choosing

    def _pathlike(self, flow: Flow) -> bool:
        if flow.source == flow.destination or (flow.protocol == ICMPV6 and flow.icmp_type != 128):
            return False
        if flow.source_eni is not None and not self._running(flow.source_eni):
            return False
        owner = self.holders.get(flow.destination)
        if owner is not None:
            return self._running(owner) and (
                flow.source_eni is not None or is_internet_routable(ip_int(flow.source))
            )
        return flow.source_eni is not None and is_internet_routable(ip_int(flow.destination))

    # ------------------------------------------------------------------ opening

    def _open(self, flow: Flow, *, again: bool = False) -> str:
        for round_ in range(MAX_ROUNDS):
            result = trace(self.net, flow, record=True)
            if result.verdict == "reachable":
                if not again:
                    if round_ == 0:
                        self.stats.already_open += 1
                    else:
                        self.stats.opened += 1
                return "open" if round_ == 0 else "opened"
            if not self._fix_first(flow, result):
                break
            self.stats.changes += 1
            self.net.touch()
        if not again:
            self.stats.not_opened += 1
        return "blocked"

    def _fix_first(self, flow: Flow, result: Trace) -> bool:
        for path, hops in (("forward", result.forward), ("return", result.return_)):
            table: str | None = None
            denied: dict[tuple[str, str | None], str] = {}
            for hop in hops:
                for step in hop.steps:
                    if step.kind == "route" and step.component.startswith("rtb-"):
                        table = step.component
                    if step.kind == "network-acl" and step.action == "deny" and step.rule is not None:
                        denied[(step.component, step.direction)] = step.rule
                    if step.kind == "blocked":
                        code = step.detail.split(":", 1)[0]
                        return self._fix(flow, code, step, path == "forward", table, denied, result)
        return False

    def _fix(
        self,
        flow: Flow,
        code: str,
        step: Step,
        forward: bool,
        table: str | None,
        denied: dict[tuple[str, str | None], str],
        result: Trace,
    ) -> bool:
        if code in _SG_CODES and forward:
            return self._fix_group(flow, step)
        if code == "SUBNET_ACL_RESTRICTION":
            rule = denied.get((step.component, step.direction), "*")
            ports = next((b.ports for b in result.blockers if b.component == step.component), None)
            return self._fix_acl(flow, step.component, step.direction == "outbound", forward, rule, ports)
        if step.component.startswith("rtb-"):
            table = step.component
        if code in _ROUTE_CODES and table is not None:
            return self._fix_route(table, flow.destination if forward else flow.source)
        if (
            code == "VPCSIM_EIGW_INBOUND_INITIATED"
            and not self.past_eigw
            and self.rng.random() < EIGW_NEAR_MISS
        ):
            # A near miss: everything else on the path opened, the egress-only gateway alone
            # stops the flow (an engine that forgets its state lets it through).
            self.past_eigw = True
            try:
                with _eigw_stateless():
                    self._open(flow, again=True)
            finally:
                self.past_eigw = False
            return False
        if code == "VPCSIM_EIGW_INBOUND_INITIATED":
            vpc_id = self._vpc_of(flow.destination)
            if vpc_id is None:
                return False
            if self._attach_internet_gateway(vpc_id):
                return True
            return (
                table is not None and not forward and self._route_to(table, _prefix(flow.source, 48), "igw")
            )
        if code == "NO_PATH" and step.component.startswith("vpc-"):
            return self._attach_internet_gateway(step.component)
        return False

    def _vpc_of(self, address: str) -> str | None:
        eni_id = self.holders.get(address)
        return self.net.network_interfaces[eni_id].vpc_id if eni_id is not None else None

    def _fix_group(self, flow: Flow, step: Step) -> bool:
        group = self._blocking_group(step)
        if group is None:
            return False
        inbound = step.direction == "inbound"
        remote = flow.source if inbound else flow.destination
        rule = SecurityGroupRule(ip_protocol=protocol_name(flow.protocol))
        rng = self.rng
        if flow.protocol in (TCP, UDP):
            self._rule_port_range(rule, flow)
        elif flow.protocol == ICMPV6:
            rule.from_port = flow.icmp_type if rng.random() < 0.7 else -1
            rule.to_port = -1
        roll = rng.random()
        owner = self.holders.get(remote)
        owner_eni = self.net.network_interfaces.get(owner) if owner is not None else None
        if owner_eni is not None and owner_eni.vpc_id == group.vpc_id and owner_eni.groups and roll < 0.15:
            rule.referenced_group_id = rng.choice(owner_eni.groups)
        elif roll < 0.5:
            rule.cidr_ipv6 = f"{remote}/128"
        elif roll < 0.8:
            rule.cidr_ipv6 = _prefix(remote, rng.choice((127, 124, 120, 64, 56, 48)))
        else:
            rule.cidr_ipv6 = "::/0"
        rule.security_group_rule_id = self.net.new_id("sgr")
        (group.ingress if inbound else group.egress).append(rule)
        return True

    def _acl_icmp(self, flow: Flow, forward: bool) -> tuple[int, int] | None:
        if flow.protocol != ICMPV6:
            return None
        return (flow.icmp_type if forward and flow.icmp_type is not None else -1, -1)

    def _fix_route(self, table_id: str, address: str) -> bool:
        table = self.net.route_tables.get(table_id)
        if table is None:
            return False
        other = next(
            (
                v
                for v in self.net.vpcs.values()
                if v.vpc_id != table.vpc_id
                and any(
                    ipaddress.IPv6Address(address) in ipaddress.IPv6Network(b) for b in v.ipv6_cidr_blocks
                )
            ),
            None,
        )
        if other is not None:
            pcx = next(
                (
                    p.vpc_peering_connection_id
                    for p in sorted(
                        self.net.vpc_peering_connections.values(), key=lambda p: p.vpc_peering_connection_id
                    )
                    if p.status == "active"
                    and {p.requester.vpc_id, p.accepter.vpc_id} == {table.vpc_id, other.vpc_id}
                ),
                None,
            )
            return pcx is not None and self._replace(table, other.ipv6_cidr_blocks[0], pcx)
        if not is_internet_routable(ip_int(address)):
            return False
        roll = self.rng.random()
        destination = "::/0" if roll < 0.6 else _prefix(address, self.rng.choice((48, 32, 16)))
        return self._route_to(table, destination, "igw" if self.rng.random() < 0.5 else "eigw")

    def _route_to(self, table: RouteTable | str, destination: str, kind: str) -> bool:
        table = self.net.route_tables[table] if isinstance(table, str) else table
        target: str | None = None
        if kind == "igw":
            igw = self.net.internet_gateway_of_vpc(table.vpc_id)
            target = igw.internet_gateway_id if igw is not None else None
        if target is None:
            eigw = next(
                (
                    g
                    for g in sorted(self.net.egress_only_internet_gateways)
                    if self.net.egress_only_internet_gateways[g].vpc_id == table.vpc_id
                ),
                None,
            )
            target = (
                eigw
                or self.net.create_egress_only_internet_gateway(table.vpc_id).egress_only_internet_gateway_id
            )
        return self._replace(table, destination, target)

    def _replace(self, table: RouteTable, destination: str, target: str) -> bool:
        destination = str(ipaddress.IPv6Network(destination, strict=False))
        current = next((r for r in table.routes if r.destination_ipv6_cidr_block == destination), None)
        if current is not None:
            if current.gateway_id == "local" or (current.target == target and current.state == "active"):
                return False
            self.net.delete_route(table, destination)
        self.net.create_route(table, destination, target)
        return True

    # ------------------------------------------------------------------ nudging

    def _nudge(self, flow: Flow, *, miss: bool) -> bool:
        """Change one component of the opened path by one (``miss``: next to the flow)."""
        result = trace(self.net, flow, record=True)
        steps = [
            s
            for hop in result.forward
            for s in hop.steps
            if s.action == "allow" and s.rule and s.kind in ("security-group", "network-acl")
        ]
        if not steps:
            return False
        step = self.rng.choice(steps)
        self.stats.nudged += 1
        self.stats.nudges_missing += miss
        if step.kind == "network-acl":
            acl = self.net.network_acls.get(step.component)
            if acl is None or not (step.rule or "").isdigit():
                return False
            egress = step.direction == "outbound"
            taken = {e.rule_number for e in acl.entries if e.egress == egress}
            number = next((n for n in range(int(step.rule or "1") - 1, 0, -1) if n not in taken), None)
            if number is None:
                return False
            remote = flow.destination if egress else flow.source
            ports: tuple[int, int] | None = None
            if flow.protocol in (TCP, UDP):
                port = flow.destination_port or 0
                ports = (clamp_port(port + 1), clamp_port(port + 1)) if miss else (port, port)
            icmp = (-1, -1) if flow.protocol == ICMPV6 else None
            self._add_acl_entry(
                acl.network_acl_id, number, egress, "deny", flow, f"{remote}/128", ports, icmp
            )
            return True
        rule = next(
            (
                r
                for g in self.net.security_groups.values()
                for r in (*g.ingress, *g.egress)
                if r.cidr_ipv6 and r.security_group_rule_id and r.security_group_rule_id in (step.rule or "")
            ),
            None,
        )
        if rule is None or flow.protocol not in (TCP, UDP) or rule.from_port is None or rule.to_port is None:
            return False
        port = flow.destination_port or 0
        if miss:  # the other end of the range moves: the flow still passes
            if rule.from_port < port:
                rule.from_port += 1
            elif rule.to_port > port:
                rule.to_port -= 1
        elif rule.from_port == port:
            rule.from_port = clamp_port(port + 1)
            rule.to_port = max(rule.to_port, rule.from_port)
        elif rule.to_port == port:
            rule.to_port = clamp_port(port - 1)
            rule.from_port = min(rule.from_port, rule.to_port)
        return True


# ---------------------------------------------------------------------------- mutations


def _module(name: str) -> Any:
    return importlib.import_module(name)


@contextlib.contextmanager
def _patched(module: object, attribute: str, value: object) -> Iterator[None]:
    if not hasattr(module, attribute):
        raise RuntimeError(f"the engine has no {attribute}: update vpcsim.fidelity6.MUTATIONS6")
    original = getattr(module, attribute)
    setattr(module, attribute, value)
    try:
        yield
    finally:
        setattr(module, attribute, original)


def _v6(pkt: Any) -> bool:
    return bool(pkt.dst > 0xFFFFFFFF)


def _eigw_stateless() -> contextlib.AbstractContextManager[None]:
    """The egress-only gateway forwards both ways: connections from the internet enter a VPC
    that has only an egress-only gateway, and replies of connections initiated outside leave."""
    walk6 = _module("vpcsim.engine.walk6")
    via, from_internet = walk6.via_egress_only, walk6.from_internet

    def via_mutated(walk: Any, eigw_id: str, pkt: Any, *, reply: bool) -> Any:
        return via(walk, eigw_id, pkt, reply=False)

    def from_mutated(walk: Any, pkt: Any, *, reply: bool, hopped: bool = False) -> Any:
        owner = walk.compiled.global6.get(pkt.dst)
        vpc = walk.compiled.vpcs.get(owner.vpc_id) if owner is not None else None
        if vpc is not None and vpc.igw_id is None and vpc.eigw_ids:
            walk.egress_only = walk.egress_only | {vpc.eigw_ids[0]}
            return from_internet(walk, pkt, reply=True, hopped=hopped)
        return from_internet(walk, pkt, reply=reply, hopped=hopped)

    return _both(
        _patched(walk6, "via_egress_only", via_mutated), _patched(walk6, "from_internet", from_mutated)
    )


@contextlib.contextmanager
def _both(
    first: contextlib.AbstractContextManager[None], second: contextlib.AbstractContextManager[None]
) -> Iterator[None]:
    with first, second:
        yield


def _nacl_ignores_ipv6() -> contextlib.AbstractContextManager[None]:
    """Network ACLs let every IPv6 packet through (only IPv4 entries are evaluated)."""
    hooks = _module("vpcsim.engine.hooks")
    original = hooks.acl_decide

    def mutated(entries: list[Any], pkt: Any, remote: int) -> Any:
        if _v6(pkt):
            return [(pkt.dports if pkt.proto in (TCP, UDP) else None, True, 100)]
        return original(entries, pkt, remote)

    return _patched(hooks, "acl_decide", mutated)


def _sg_ipv6_ignores_ports() -> contextlib.AbstractContextManager[None]:
    """Security group rules match any port of their protocol, for IPv6 packets."""
    hooks = _module("vpcsim.engine.hooks")
    original = hooks.sg_decide

    def mutated(rules: list[Any], pkt: Any, remote: int) -> Any:
        if _v6(pkt):
            rules = [r._replace(lo=0, hi=65535) if r.protocol in (TCP, UDP) else r for r in rules]
        return original(rules, pkt, remote)

    return _patched(hooks, "sg_decide", mutated)


#: Deliberate IPv6 engine bugs the differential run must catch.
MUTATIONS6: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "eigw-stateless": _eigw_stateless,
    "nacl-ignores-ipv6": _nacl_ignores_ipv6,
    "sg-ipv6-ignores-ports": _sg_ipv6_ignores_ports,
}


__all__ = ["DUAL_STACK_PRESET", "IPV6_SHARE", "MUTATIONS6", "dual_stack_case", "is_ipv6_flow"]
