"""``check NETWORK POLICY.yaml``: assertions over every flow between sets of endpoints.

Why exact: each assertion ranges over all flows between every sender and receiver it selects
(or every internet address), evaluated with the same atoms as ``reach``. The policy's own flows
(``tcp/5432``...) are added to the traffic partition, so each is a union of atoms and "all of
it is allowed" or "none of it is delivered" is decided atom by atom without sampling.

* ``allow``: every flow listed works both ways, for every client port, for every pair;
* ``deny``: no flow listed is delivered for any pair (a request that lands counts, reply or not);
* ``only``: nothing outside the list is delivered for any pair.

An assertion whose answer depends on what is not modelled is ``unknown`` (exit 3 when nothing
fails). The grammar is in :mod:`vpcsim.model.policy` and ``docs/policy.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine.compiled import CompiledEni, SgRule
from ..engine.flow import ICMP, TCP, UDP, parse_client_ports
from ..model import (
    Instance,
    ModelError,
    Network,
    NetworkInterface,
    Resource,
    SecurityGroup,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from ..model.addressing import managed_interface
from ..model.elb import LoadBalancer
from ..model.hints import did_you_mean
from ..model.policy import Assertion, Policy, Selector, SelectorSpec
from ..model.problems import InputError, LoadProblem, Location
from ..progress import NO_PROGRESS, Progress
from .atoms import Atom, RuleSet, TrafficSpace
from .bulk import Bulk, network_rules, quiet_gc
from .endpoints import Host
from .entries import Entry, EntryBuilder, RenderCache
from .evaluate import Outcome
from .incomplete import UNSEEN_BY_VERDICTS, Incomplete, incomplete_of
from .intervals import Interval, Intervals, normalize

SCHEMA_VERSION = 1
MAX_VIOLATIONS = 50
"""Violation records kept per assertion (the count of all of them is reported)."""
INTERNET = "internet"


# ---------------------------------------------------------------------------- flows


@dataclass(frozen=True, slots=True)
class FlowSet:
    """A flow spec as sets: protocols, and ports or ICMP types/codes (None: every one)."""

    protocols: Intervals
    ports: Intervals | None = None
    icmp_types: Intervals | None = None
    icmp_codes: Intervals | None = None

    def rules(self) -> list[SgRule]:
        """Synthetic rules whose boundaries make this flow set a union of atoms."""
        out: list[SgRule] = []
        for lo, hi in self.protocols:
            for p in range(lo, hi + 1) if hi - lo < 4 else ():
                if p in (TCP, UDP):
                    for a, b in self.ports or ((0, 65535),):
                        out.append(SgRule.from_anywhere(p, a, b, "policy"))
                elif p == ICMP:
                    t = self.icmp_types[0][0] if self.icmp_types else -1
                    c = self.icmp_codes[0][0] if self.icmp_codes else -1
                    out.append(SgRule.from_anywhere(ICMP, t, c, "policy"))
                else:
                    out.append(SgRule.from_anywhere(p, 0, 65535, "policy"))
        return out

    def contains(self, atom: Atom) -> bool:
        """Whether every flow of the atom is in this set."""
        if not _within(atom.protocols, self.protocols):
            return False
        if atom.ports is not None and self.ports is not None and not _within(atom.ports, self.ports):
            return False
        if (
            atom.icmp_types is not None
            and self.icmp_types is not None
            and not _within(atom.icmp_types, self.icmp_types)
        ):
            return False
        return not (
            atom.icmp_codes is not None
            and self.icmp_codes is not None
            and not _within(atom.icmp_codes, self.icmp_codes)
        )


def _within(inner: Intervals, outer: Intervals) -> bool:
    return all(any(a <= lo and hi <= b for a, b in outer) for lo, hi in inner)


_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP}


def parse_flow(text: str) -> FlowSet:
    """``all``, ``tcp``, ``tcp/22``, ``tcp/1024-65535``, ``icmp/8``, ``icmp/3:4``, ``47``."""
    spec = text.strip().lower()
    proto, _, rest = spec.partition("/")
    if proto == "all":
        return FlowSet(((0, 255),))
    number = _NAMES.get(proto)
    if number is None:
        return FlowSet(((int(proto), int(proto)),))
    if not rest:
        return FlowSet(((number, number),))
    if number in (TCP, UDP):
        lo, _, hi = rest.partition("-")
        return FlowSet(((number, number),), ports=((int(lo), int(hi or lo)),))
    t, _, c = rest.partition(":")
    return FlowSet(
        ((ICMP, ICMP),), icmp_types=((int(t), int(t)),), icmp_codes=((int(c), int(c)),) if c else None
    )


def bits_of(space: TrafficSpace, flows: list[FlowSet]) -> int:
    bits = 0
    for atom in space.atoms:
        if any(f.contains(atom) for f in flows):
            bits |= 1 << atom.index
    return bits


# ---------------------------------------------------------------------------- selectors


class SelectorError(ValueError):
    pass


def _prefix_kind(text: str) -> str | None:
    for prefix, kind in (
        ("i-", "instance"),
        ("eni-", "eni"),
        ("subnet-", "subnet"),
        ("sg-", "security_group"),
        ("vpc-", "vpc"),
        ("vpce-", "endpoint"),
    ):
        if text.startswith(prefix):
            return kind
    return None


class Resolver:
    """Turns selectors into sets of ENI ids (or the internet)."""

    def __init__(self, network: Network, endpoints: dict[str, Selector]) -> None:
        self.n = network
        self.endpoints = endpoints
        nat_enis = {g.network_interface_id for g in network.nat_gateways.values()}
        self.enis = sorted(
            e
            for e, eni in network.network_interfaces.items()
            if e not in nat_enis and managed_interface(eni.interface_type, eni.description) is None
        )  # hosts only: no NAT gateway, transit gateway attachment, load balancer node...

    def resolve(self, selector: Selector, stack: tuple[str, ...] = ()) -> set[str] | None:
        """ENI ids, or None for the internet."""
        if isinstance(selector, SelectorSpec):
            return self._spec(selector, stack)
        text = selector.strip()
        if text == INTERNET:
            return None
        if text == "all":
            return set(self.enis)
        if text in self.endpoints:
            if text in stack:
                raise SelectorError(f"endpoint {text!r} refers to itself ({' -> '.join((*stack, text))})")
            return self.resolve(self.endpoints[text], (*stack, text))
        kind = _prefix_kind(text)
        if kind is not None and self._exists(kind, text):
            return self._by(kind, [text])
        named = self.n.find_by_name(text)
        if not named and self._load_balancer(text) is not None:
            return self._nodes([text])
        if named:
            out: set[str] = set()
            for resource in named:
                out |= self._of_resource(resource)
            return out
        raise SelectorError(
            f"{text!r} names nothing: use internet, all, a name from endpoints, an id (i-, eni-, subnet-, sg-, vpc-, vpce-) or a Name tag"
        )

    def _exists(self, kind: str, text: str) -> bool:
        collection: dict[str, object] = {
            "instance": self.n.instances,
            "eni": self.n.network_interfaces,
            "subnet": self.n.subnets,
            "security_group": self.n.security_groups,
            "vpc": self.n.vpcs,
            "endpoint": self.n.vpc_endpoints,
        }[kind]  # type: ignore[assignment]
        return text in collection

    def _of_resource(self, resource: object) -> set[str]:
        if isinstance(resource, Instance):
            return set(resource.network_interface_ids)
        if isinstance(resource, NetworkInterface):
            return {resource.network_interface_id}
        if isinstance(resource, Subnet):
            return self._by("subnet", [resource.subnet_id])
        if isinstance(resource, SecurityGroup):
            return self._by("security_group", [resource.group_id])
        if isinstance(resource, Vpc):
            return self._by("vpc", [resource.vpc_id])
        if isinstance(resource, VpcEndpoint):
            return self._by("endpoint", [resource.vpc_endpoint_id])
        return set()

    def _ids(self, kind: str, values: list[str]) -> list[str]:
        out = []
        for value in values:
            if self._exists(kind, value):
                out.append(value)
                continue
            matches = [r.id for r in self.n.find_by_name(value)]
            if kind == "security_group":
                matches += [g.group_id for g in self.n.security_groups.values() if g.group_name == value]
            if kind in ("instance", "eni", "subnet", "security_group", "vpc", "endpoint"):
                cls = {
                    "instance": Instance,
                    "eni": NetworkInterface,
                    "subnet": Subnet,
                    "security_group": SecurityGroup,
                    "vpc": Vpc,
                    "endpoint": VpcEndpoint,
                }[kind]
                matches = [m for m in matches if isinstance(self.n.get(m), cls)]
            if not matches:
                hint = did_you_mean(value, self._names(kind)).strip()
                raise SelectorError(
                    f"{kind} {value!r} names nothing in the network" + (f"; {hint}" if hint else "")
                )
            out.extend(matches)
        return out

    def _names(self, kind: str) -> set[str]:
        """Ids and Name tags of what a selector of ``kind`` can name (and group names)."""
        collections: dict[str, Mapping[str, Resource]] = {
            "instance": self.n.instances,
            "eni": self.n.network_interfaces,
            "subnet": self.n.subnets,
            "security_group": self.n.security_groups,
            "vpc": self.n.vpcs,
            "endpoint": self.n.vpc_endpoints,
        }
        collection = collections.get(kind, {})
        names: set[str] = set()
        for resource_id, resource in collection.items():
            names.add(resource_id)
            if resource.name:
                names.add(resource.name)
        if kind == "security_group":
            names.update(g.group_name for g in self.n.security_groups.values() if g.group_name)
        return names

    def _by(self, kind: str, values: list[str]) -> set[str]:
        ids = set(self._ids(kind, values))
        if kind == "endpoint":
            return self._endpoint_enis(ids)
        out: set[str] = set()
        for eni_id in self.enis:
            eni = self.n.network_interfaces[eni_id]
            instance = eni.attachment.instance_id if eni.attachment else None
            if (
                (kind == "instance" and instance in ids)
                or (kind == "eni" and eni_id in ids)
                or (kind == "subnet" and eni.subnet_id in ids)
                or (kind == "security_group" and ids.intersection(eni.groups))
                or (kind == "vpc" and eni.vpc_id in ids)
            ):
                out.add(eni_id)
        return out

    def _endpoint_enis(self, endpoint_ids: set[str]) -> set[str]:
        """The ENIs of interface endpoints (a gateway endpoint has none: it is a route target)."""
        out: set[str] = set()
        for endpoint_id in endpoint_ids:
            endpoint = self.n.vpc_endpoints[endpoint_id]
            if endpoint.vpc_endpoint_type != "Interface":
                raise SelectorError(
                    f"{endpoint_id} is a {endpoint.vpc_endpoint_type} endpoint: it has no network interface to "
                    "send to (name its service's addresses instead)"
                )
            out.update(e for e in endpoint.network_interface_ids if e in self.n.network_interfaces)
            out.update(
                e.network_interface_id
                for e in self.n.network_interfaces.values()
                if e.description == f"VPC Endpoint Interface {endpoint_id}"
            )
        return out

    def _load_balancer(self, text: str) -> LoadBalancer | None:
        try:
            return self.n.load_balancer_named(text)
        except ModelError as exc:
            raise SelectorError(str(exc)) from None

    def _nodes(self, values: list[str]) -> set[str]:
        """The node ENIs of load balancers (name or ARN): receivers the engine follows to targets."""
        out: set[str] = set()
        for value in values:
            lb = self._load_balancer(value)
            if lb is None:
                raise SelectorError(f"load_balancer {value!r} names nothing in the network")
            out |= {e.network_interface_id for e in self.n.load_balancer_nodes(lb)}
        return out

    def _spec(self, spec: SelectorSpec, stack: tuple[str, ...]) -> set[str]:
        chosen: set[str] = set(self.enis)
        if spec.endpoint is not None:
            chosen = self._by(
                "endpoint", [spec.endpoint] if isinstance(spec.endpoint, str) else spec.endpoint
            )
        given = spec.endpoint is not None
        if spec.load_balancer is not None:
            given = True
            values = spec.load_balancer
            nodes = self._nodes([values] if isinstance(values, str) else values)
            chosen = nodes if spec.endpoint is None else chosen & nodes
        for kind in ("instance", "eni", "subnet", "security_group", "vpc"):
            value = getattr(spec, kind)
            if value is not None:
                given = True
                chosen &= self._by(kind, [value] if isinstance(value, str) else value)
        if spec.tag is not None:
            given = True
            chosen &= self._tagged(spec.tag)
        if spec.all:
            given = True
        if not given:
            raise SelectorError(
                "a selector mapping needs one of all, instance, eni, subnet, security_group, vpc, endpoint, "
                "load_balancer, tag"
            )
        if spec.except_ is not None:
            removed = self.resolve(spec.except_, stack)
            if removed is None:
                raise SelectorError("except: internet is not a set of ENIs")
            chosen -= removed
        return chosen

    def _tagged(self, tags: dict[str, str | list[str]]) -> set[str]:
        out: set[str] = set()
        for eni_id in self.enis:
            eni = self.n.network_interfaces[eni_id]
            instance = self.n.instances.get(eni.attachment.instance_id or "") if eni.attachment else None
            merged = {**(instance.tags if instance else {}), **eni.tags}
            if all(merged.get(k) in ([v] if isinstance(v, str) else v) for k, v in tags.items()):
                out.add(eni_id)
        return out


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Violation:
    source: str
    destination: str
    reason: str
    """``not-allowed`` (allow), ``delivered`` (deny) or ``outside-only`` (only)."""
    entries: tuple[Entry, ...]
    unknown: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "reason": self.reason,
            "unknown": self.unknown,
            "entries": [e.to_dict() for e in self.entries],
        }

    def describe(self) -> str:
        what = "; ".join(sorted({e.describe() for e in self.entries}))
        text = {"not-allowed": "does not allow", "delivered": "delivers", "outside-only": "also delivers"}[
            self.reason
        ]
        return f"{self.source} -> {self.destination} {text} {what}" + (" (unknown)" if self.unknown else "")


@dataclass(frozen=True, slots=True)
class AssertionResult:
    name: str
    line: int
    status: str = "pass"
    """``pass``, ``fail`` or ``unknown``."""
    violations: tuple[Violation, ...] = ()
    violation_count: int = 0
    pairs: int = 0
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "line": self.line,
            "status": self.status,
            "pairs": self.pairs,
            "violation_count": self.violation_count,
            "violations": [v.to_dict() for v in self.violations],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    policy: str
    assertions: tuple[AssertionResult, ...] = ()
    incomplete: tuple[Incomplete, ...] = ()
    """What the network's answers cannot cover (as ``exposure`` lists it): a ``deny`` or ``only``
    assertion that holds over what is modelled is ``unknown`` when this is not empty."""

    @property
    def status(self) -> str:
        states = {a.status for a in self.assertions}
        return "fail" if "fail" in states else "unknown" if "unknown" in states else "pass"

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "policy": self.policy,
            "status": self.status,
            "passed": self.status == "pass",
            "assertions": [a.to_dict() for a in self.assertions],
            "incomplete": [i.to_dict() for i in self.incomplete],
        }


# ---------------------------------------------------------------------------- evaluation


def _label(network: Network, eni_id: str) -> str:
    eni = network.network_interfaces[eni_id]
    if eni.attachment and eni.attachment.instance_id in network.instances:
        return eni.attachment.instance_id
    return eni_id


def check(
    network: Network,
    policy: Policy,
    *,
    policy_path: str = "policy.yaml",
    lines: list[int] | None = None,
    skipped: Mapping[str, int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> CheckResult:
    """Evaluate every assertion of ``policy`` over ``network``; ``skipped`` is what the import
    read but did not model."""
    incomplete = tuple(incomplete_of(network, skipped))
    # An unknown resource already makes every flow it could decide ``unknown`` in the engine's
    # verdicts; what is skipped or not analysed (IPv6) is invisible to them, so a pass of
    # ``deny``/``only`` cannot be trusted over it.
    unseen = [i for i in incomplete if i.kind in UNSEEN_BY_VERDICTS]
    untrusted = None
    if unseen:
        what = ", ".join(f"{i.kind} {i.component}" for i in unseen[:5])
        more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
        untrusted = (
            f"holds over what is modelled, but the network is incomplete ({what}{more}): what that "
            "delivers is not analysed"
        )
    with quiet_gc():
        try:
            return _check(
                network,
                policy,
                policy_path=policy_path,
                lines=lines,
                incomplete=incomplete,
                untrusted=untrusted,
                progress=progress,
            )
        finally:
            progress.finish()


def _check(
    network: Network,
    policy: Policy,
    *,
    policy_path: str,
    lines: list[int] | None,
    incomplete: tuple[Incomplete, ...],
    untrusted: str | None,
    progress: Progress,
) -> CheckResult:
    flows: list[FlowSet] = []
    parsed: list[tuple[list[FlowSet] | None, list[FlowSet] | None, list[FlowSet] | None]] = []
    for assertion in policy.assertions:
        allow = [parse_flow(f) for f in assertion.allow] if assertion.allow is not None else None
        deny = (
            [FlowSet(((0, 255),))]
            if assertion.deny == "all"
            else [parse_flow(f) for f in assertion.deny]
            if assertion.deny is not None
            else None
        )
        only = [parse_flow(f) for f in assertion.only] if assertion.only is not None else None
        parsed.append((allow, deny, only))
        for group in (allow, deny, only):
            flows.extend(group or ())
    base = network_rules(network)
    base.add_sg(r for f in flows for r in f.rules())
    bulks: dict[Interval, Bulk] = {}
    resolver = Resolver(network, policy.endpoints)
    ends = _resolve_ends(resolver, policy, policy_path, lines)
    results: list[AssertionResult] = []
    progress.start("check (assertions)", len(policy.assertions))
    for index, (assertion, (allow, deny, only)) in enumerate(zip(policy.assertions, parsed, strict=True)):
        progress.advance()
        line = lines[index] if lines else 0
        ports = parse_client_ports(assertion.client_ports) if assertion.client_ports else (32768, 60999)
        bulk = bulks.get(ports)
        if bulk is None:
            rules = RuleSet(list(base.sg_rules), list(base.acl_entries))
            rules.add_service_ports(base.service_ports)
            bulk = bulks[ports] = Bulk(network, ports, space=TrafficSpace(rules, ports))
        senders, receivers = ends[index]
        results.append(
            _evaluate(network, bulk, assertion, line, senders, receivers, allow, deny, only, untrusted)
        )
    return CheckResult(policy_path, tuple(results), incomplete)


def _resolve_ends(
    resolver: Resolver, policy: Policy, policy_path: str, lines: list[int] | None
) -> list[tuple[set[str] | None, set[str] | None]]:
    """Every assertion's senders and receivers; every selector that names nothing (or selects no
    ENI) is a problem, and all of them are reported at once (:class:`InputError`)."""
    problems: list[LoadProblem] = []
    ends: list[tuple[set[str] | None, set[str] | None]] = []
    for index, assertion in enumerate(policy.assertions):
        line = lines[index] if lines else 0
        chosen: list[set[str] | None] = []
        for key, selector in (("from", assertion.from_), ("to", assertion.to)):
            try:
                found = resolver.resolve(selector)
                if found is not None and not found:
                    raise SelectorError(
                        f"{key} selects no network interface: the assertion would hold vacuously; fix the "
                        "selector or remove the assertion"
                    )
            except SelectorError as exc:
                where = Location(policy_path, line or None, None, f"assertions[{index}].{key}")
                problems.append(LoadProblem("error", "VPCSIM_POLICY", str(exc), where))
                found = None
            chosen.append(found)
        ends.append((chosen[0], chosen[1]))
    if problems:
        raise InputError(problems)
    return ends


def _evaluate(
    network: Network,
    bulk: Bulk,
    assertion: Assertion,
    line: int,
    senders: set[str] | None,
    receivers: set[str] | None,
    allow: list[FlowSet] | None,
    deny: list[FlowSet] | None,
    only: list[FlowSet] | None,
    untrusted: str | None,
) -> AssertionResult:
    """One assertion's answer; ``untrusted`` (why the network is incomplete) turns a ``deny`` or
    ``only`` that holds into ``unknown``."""
    if senders is None and receivers is None:
        return AssertionResult(
            assertion.name, line, "fail", warnings=("from and to are both the internet: nothing to check",)
        )
    warnings: list[str] = []
    pairs = violation_count = 0
    space = bulk.space
    allow_bits = bits_of(space, allow) if allow is not None else None
    deny_bits = bits_of(space, deny) if deny is not None else None
    only_bits = bits_of(space, only) if only is not None else None
    render = RenderCache()
    universe = bulk.universe.index
    records: dict[tuple[str, str, str, bool], EntryBuilder] = {}
    failed = unknown = False

    def judge(outcome: Outcome, src_label: str, dst_label: str, srcs: Intervals, dsts: Intervals) -> None:
        nonlocal failed, unknown, pairs, violation_count
        pairs += 1
        delivered = outcome.delivered()
        checks: list[tuple[str, int, int]] = []
        if allow_bits is not None:
            missing = allow_bits & ~outcome.allowed
            checks.append(("not-allowed", missing & ~outcome.unknown, missing & outcome.unknown))
        if deny_bits is not None:
            hit = deny_bits & delivered
            checks.append(("delivered", hit & ~outcome.unknown, hit & outcome.unknown))
        if only_bits is not None:
            extra = delivered & ~only_bits
            checks.append(("outside-only", extra & ~outcome.unknown, extra & outcome.unknown))
        for reason, sure, maybe in checks:
            for bits, is_unknown in ((sure, False), (maybe, True)):
                if not bits:
                    continue
                if is_unknown:
                    unknown = True
                else:
                    failed = True
                key = (src_label, dst_label, reason, is_unknown)
                builder = records.get(key)
                if builder is None:
                    violation_count += 1
                    if len(records) >= MAX_VIOLATIONS:
                        continue
                    builder = records[key] = EntryBuilder(space, render)
                builder.add(bits, srcs, dsts)

    if senders is None or receivers is None:
        chosen = receivers if senders is None else senders
        ends = sorted(chosen or ())
        inbound = senders is None
        for eni_id in ends:
            eni = bulk.c.enis.get(eni_id)
            if eni is None:
                continue
            addresses = sorted(eni.public_of.values()) if inbound else _ipv4(eni)
            label = _label(network, eni_id)
            if inbound and not addresses and allow_bits:
                pairs += 1
                failed = True
                violation_count += 1
                key = (INTERNET, label, "not-allowed", False)
                builder = records.setdefault(key, EntryBuilder(space, render))
                builder.add(allow_bits, ((0, 2**32 - 1),), _points(_ipv4(eni)))
                continue
            for address in addresses:
                point = ((address, address),)
                for piece, outcome in bulk.internet(Host(address, eni_id), internet_is_source=inbound):
                    if inbound:
                        judge(outcome, INTERNET, label, piece, point)
                    else:
                        judge(outcome, label, INTERNET, point, piece)
    else:
        for a_id in sorted(senders):
            a_eni = bulk.c.enis.get(a_id)
            if a_eni is None:
                continue
            a_label = _label(network, a_id)
            for b_id in sorted(receivers):
                b_eni = bulk.c.enis.get(b_id)
                if b_eni is None or b_id == a_id:
                    continue
                b_label = _label(network, b_id)
                if a_label == b_label and a_label.startswith("i-"):
                    continue
                for a in _ipv4(a_eni):
                    for b in _ipv4(b_eni):
                        judge(bulk.pair(Host(a, a_id), Host(b, b_id)), a_label, b_label, ((a, a),), ((b, b),))
    if allow_bits and pairs == 0:
        failed = True
        warnings.append("allow: the selectors leave no pair to allow anything between")
    violations = tuple(
        Violation(
            src_label,
            dst_label,
            reason,
            tuple(
                builder.build(
                    universe if src_label == INTERNET else None, universe if dst_label == INTERNET else None
                )
            ),
            is_unknown,
        )
        for (src_label, dst_label, reason, is_unknown), builder in sorted(records.items())
    )
    status = "fail" if failed else "unknown" if unknown else "pass"
    if status == "pass" and untrusted is not None and (deny is not None or only is not None):
        status = "unknown"
        warnings.append(untrusted)
    return AssertionResult(assertion.name, line, status, violations, violation_count, pairs, tuple(warnings))


def _ipv4(eni: CompiledEni) -> list[int]:
    """An ENI's IPv4 addresses: the pairs ``check`` judges (IPv6 is not analysed here yet)."""
    return sorted(eni.addresses - eni.addresses6)


def _points(addresses: list[int]) -> Intervals:
    return normalize((a, a) for a in addresses)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "assertion"


__all__ = ["CheckResult", "FlowSet", "check", "parse_flow", "slug"]
