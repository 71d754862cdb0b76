"""``check NETWORK POLICY.yaml``: assertions over every flow between sets of endpoints.

Why exact: each assertion ranges over all flows between every sender and receiver it selects
(or every internet address), evaluated over atoms as ``reach`` is. The policy's own flows
(``tcp/5432``...) are added to the traffic partition, so each is a union of atoms and "all of
it is allowed" or "none of it is delivered" is decided atom by atom without sampling. The atoms
are per question (``docs/symbolic.md``): an assertion between ENIs is cut by the rules of the
paths its pairs meet (:func:`assertion_space`), one with the internet by those of each internet
class of its addresses, as ``exposure``; a path through a load balancer's node keeps every rule.

* ``allow``: every flow listed works both ways, for every client port, for every pair;
* ``deny``: no flow listed is delivered for any pair (a request that lands counts, reply or not);
* ``only``: nothing outside the list is delivered for any pair.

An assertion whose answer depends on what is not modelled is ``unknown`` (exit 3 when nothing
fails). An assertion holds ``over`` IPv4, IPv6 or both (the default): its IPv6 half is judged
by :mod:`~vpcsim.analysis.policy6`, where ``icmp`` means ICMPv6. The grammar is in :mod:`vpcsim.model.policy` and ``docs/policy.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..engine.compiled import Compiled, CompiledEni, SgRule
from ..engine.flow import ICMP, ICMPV6, TCP, UDP, parse_client_ports
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
from .bulk import Bulk, every_rule_space, quiet_gc
from .diff_rules import DiffRules
from .endpoints import Host
from .incomplete import UNSEEN_BY_VERDICTS, Incomplete, incomplete_of
from .intervals import Interval, IntervalIndex, Intervals, normalize
from .local_atoms import LocalSpace
from .pairs6 import Space6, has_ipv6_hosts
from .policy6 import Check6, Item
from .policy_judge import INTERNET, MAX_VIOLATIONS, Judge, Violation

SCHEMA_VERSION = 1
_LOCAL_ATOMS = True
"""Judge each assertion over the atoms of its own paths (:func:`assertion_space`); False: over
every rule of the network (a test compares both)."""


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
                elif p in (ICMP, ICMPV6):
                    t = self.icmp_types[0][0] if self.icmp_types else -1
                    c = self.icmp_codes[0][0] if self.icmp_codes else -1
                    out.append(SgRule.from_anywhere(p, t, c, "policy"))
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

    def over_ipv6(self) -> FlowSet:
        """The flow set as IPv6 packets carry it: ICMP is ICMPv6 (protocol 58)."""
        if self.protocols == ((ICMP, ICMP),):
            return FlowSet(((ICMPV6, ICMPV6),), self.ports, self.icmp_types, self.icmp_codes)
        return self


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
    incomplete = tuple(incomplete_of(network, skipped, ipv6_analysed=True))
    # An unknown resource already makes every flow it could decide ``unknown`` in the engine's
    # verdicts; what is skipped is invisible to them, so a pass of ``deny``/``only`` cannot be
    # trusted over it. (IPv6 is analysed: an assertion ``over: ipv4`` asks for IPv4 alone.)
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
    bulks: dict[Interval, Bulk] = {}
    every: dict[Interval, TrafficSpace] = {}

    def every_rule(ports: Interval) -> TrafficSpace:
        """The traffic space cut by every rule of the network and every flow of the policy."""
        got = every.get(ports)
        if got is None:
            got = every[ports] = every_rule_space((network,), ports, (r for f in flows for r in f.rules()))
        return got

    resolver = Resolver(network, policy.endpoints)
    ends = _resolve_ends(resolver, policy, policy_path, lines)
    six = Check6(network) if has_ipv6_hosts(network) else None
    results: list[AssertionResult] = []
    progress.start("check (assertions)", len(policy.assertions))
    for index, (assertion, (allow, deny, only)) in enumerate(zip(policy.assertions, parsed, strict=True)):
        progress.advance()
        line = lines[index] if lines else 0
        ports = parse_client_ports(assertion.client_ports) if assertion.client_ports else (32768, 60999)
        over = assertion.over or "both"
        bulk = None
        spaces: _InternetSpaces | None = None
        senders, receivers = ends[index]
        if over != "ipv6":
            bulk = bulks.get(ports)
            if bulk is None:
                # Each assertion is judged over its own space (below): none is built here.
                bulk = bulks[ports] = Bulk(network, ports, space=TrafficSpace(RuleSet(), ports))
            fs = _FlowSets(allow, deny, only)
            if _LOCAL_ATOMS and (senders is None or receivers is None):
                # With the internet: one space per internet class of the addresses, as exposure;
                # the judge starts over the flows' own atoms (an end the internet cannot address).
                spaces = _InternetSpaces(bulk, fs, lambda ports=ports: every_rule(ports))  # type: ignore[misc]
                own_flows = RuleSet()
                own_flows.add_sg(r for f in fs.all() for r in f.rules())
                bulk.use_space(TrafficSpace(own_flows, ports))
            else:
                own = (
                    assertion_space(bulk, senders, receivers, fs.all())
                    if _LOCAL_ATOMS and senders is not None and receivers is not None
                    else None
                )
                bulk.use_space(own if own is not None else every_rule(ports))
                spaces = None
        results.append(
            _evaluate(
                network,
                bulk,
                spaces,
                six if over != "ipv4" else None,
                over == "ipv6",
                ports,
                assertion,
                line,
                senders,
                receivers,
                _FlowSets(allow, deny, only),
                untrusted,
            )
        )
    return CheckResult(policy_path, tuple(results), incomplete)


def assertion_space(
    bulk: Bulk, senders: set[str], receivers: set[str], flows: list[FlowSet]
) -> TrafficSpace | None:
    """The traffic space of one assertion's IPv4 questions between ENIs: cut by the rules of
    every path its pairs meet (:mod:`~vpcsim.analysis.diff_rules`, as ``diff`` and ``matrix``
    gather them) and by its own flows, not by the rest of the estate (an assertion with the
    internet is judged per internet class, :class:`_InternetSpaces`). None when a path reaches a
    load balancer's node: its legs to the targets meet filters no skeleton lists, and only every
    rule of the network is exact there."""
    gathered = DiffRules()
    c = bulk.c
    gathered.pairs(bulk, _hosts(c, senders), _hosts(c, receivers))
    if gathered.load_balancer:
        return None
    gathered.rules.add_service_ports(bulk.service_ports)
    gathered.rules.add_sg(r for f in flows for r in f.rules())
    return TrafficSpace(gathered.rules, bulk.client_ports)


class _InternetSpaces:
    """An assertion with the internet, judged over one traffic space per internet class of its
    addresses (:meth:`~vpcsim.analysis.bulk.Bulk.internet_spaces`, cut by the assertion's flows
    too), as ``exposure`` is; the judge switches space with the address."""

    def __init__(self, bulk: Bulk, flows: _FlowSets, every: Callable[[], TrafficSpace]) -> None:
        self.bulk = bulk
        self.flows = flows
        self.every = every
        self._bits: dict[int, tuple[TrafficSpace, int | None, int | None, int | None]] = {}

    def of(self, hosts: list[Host], *, inbound: bool) -> dict[Host, LocalSpace]:
        extra = [r for f in self.flows.all() for r in f.rules()]
        return self.bulk.internet_spaces(hosts, internet_is_source=inbound, extra=extra, every=self.every)

    def use(self, judge: Judge, space: TrafficSpace) -> None:
        """Judge the next outcomes over ``space`` (the flows' atoms found once per space)."""
        got = self._bits.get(id(space))
        if got is None:
            f = self.flows

            def bits(flows: list[FlowSet] | None) -> int | None:
                return bits_of(space, flows) if flows is not None else None

            got = self._bits[id(space)] = (space, bits(f.allow), bits(f.deny), bits(f.only))
        judge.use(space, got[1], got[2], got[3])


def _hosts(c: Compiled, enis: set[str]) -> list[Host]:
    """The IPv4 addresses of ``enis`` (those the network holds), as hosts."""
    return [Host(a, eni_id) for eni_id in sorted(enis) if (eni := c.enis.get(eni_id)) for a in _ipv4(eni)]


@dataclass(frozen=True, slots=True)
class _FlowSets:
    """An assertion's flows: ``allow``, ``deny``, ``only`` (None: not asserted)."""

    allow: list[FlowSet] | None
    deny: list[FlowSet] | None
    only: list[FlowSet] | None

    def over_ipv6(self) -> _FlowSets:
        def six(flows: list[FlowSet] | None) -> list[FlowSet] | None:
            return [f.over_ipv6() for f in flows] if flows is not None else None

        return _FlowSets(six(self.allow), six(self.deny), six(self.only))

    def all(self) -> list[FlowSet]:
        return [*(self.allow or ()), *(self.deny or ()), *(self.only or ())]

    def judge(self, space: TrafficSpace, family: Literal["ipv4", "ipv6"]) -> Judge:
        def bits(flows: list[FlowSet] | None) -> int | None:
            return bits_of(space, flows) if flows is not None else None

        return Judge(space, family, bits(self.allow), bits(self.deny), bits(self.only))


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
    bulk: Bulk | None,
    spaces: _InternetSpaces | None,
    six: Check6 | None,
    only_ipv6: bool,
    client_ports: Interval,
    assertion: Assertion,
    line: int,
    senders: set[str] | None,
    receivers: set[str] | None,
    flows: _FlowSets,
    untrusted: str | None,
) -> AssertionResult:
    """One assertion's answer over IPv4 (``bulk``; ``spaces``: with the internet, over a space
    per internet class) and IPv6 (``six``: None when not asked or when no ENI holds an IPv6
    address); ``only_ipv6``: the assertion is over IPv6 alone.
    ``untrusted`` (why the network is incomplete) turns a ``deny`` or ``only`` that holds into
    ``unknown``."""
    if senders is None and receivers is None:
        return AssertionResult(
            assertion.name, line, "fail", warnings=("from and to are both the internet: nothing to check",)
        )
    warnings: list[str] = []
    judged: list[tuple[Judge, IntervalIndex]] = []
    if bulk is not None:
        judge = flows.judge(bulk.space, "ipv4")
        _judge_ipv4(network, bulk, judge, senders, receivers, spaces)
        judged.append((judge, bulk.universe.index))
    if six is not None:
        unaddressable: list[str] = []

        def label(eni_id: str) -> str:
            return _label(network, eni_id)

        items: list[Item] = list(six.items(senders, receivers, label, unaddressable))
        if not only_ipv6:
            unaddressable = []  # over both: an ENI without IPv6 is judged over IPv4 alone
        v6 = flows.over_ipv6()
        extra = [r for f in v6.all() for r in f.rules()]

        def make(space: Space6) -> Judge:
            return v6.judge(space.space, "ipv6")

        judge6, _ = six.judge(items, client_ports, extra, make, unaddressable, label)
        judged.append((judge6, six.side.universe.index))
    pairs = sum(j.pairs for j, _ in judged)
    failed = any(j.failed for j, _ in judged)
    unknown = any(j.unknown for j, _ in judged)
    if flows.allow and pairs == 0:
        failed = True
        warnings.append("allow: the selectors leave no pair to allow anything between")
    violations = tuple(v for j, universe in judged for v in j.violations(universe))
    violation_count = sum(j.violation_count for j, _ in judged)
    status = "fail" if failed else "unknown" if unknown else "pass"
    if status == "pass" and untrusted is not None and (flows.deny is not None or flows.only is not None):
        status = "unknown"
        warnings.append(untrusted)
    return AssertionResult(assertion.name, line, status, violations, violation_count, pairs, tuple(warnings))


def _judge_ipv4(
    network: Network,
    bulk: Bulk,
    judge: Judge,
    senders: set[str] | None,
    receivers: set[str] | None,
    spaces: _InternetSpaces | None = None,
) -> None:
    """Every IPv4 pair (or address and internet piece) an assertion ranges over."""
    if senders is None or receivers is None:
        chosen = receivers if senders is None else senders
        inbound = senders is None
        ends: list[tuple[str, list[int]]] = []
        for eni_id in sorted(chosen or ()):
            eni = bulk.c.enis.get(eni_id)
            if eni is not None:
                ends.append((eni_id, sorted(eni.public_of.values()) if inbound else _ipv4(eni)))
        local_of = (
            spaces.of([Host(a, eni_id) for eni_id, addresses in ends for a in addresses], inbound=inbound)
            if spaces is not None
            else {}
        )
        for eni_id, addresses in ends:
            label = _label(network, eni_id)
            if inbound and not addresses and judge.allow_bits:
                judge.unaddressable(label, ((0, 2**32 - 1),), _points(_ipv4(bulk.c.enis[eni_id])))
                continue
            for address in addresses:
                point = ((address, address),)
                host = Host(address, eni_id)
                local = local_of.get(host)
                if local is not None and spaces is not None and local.space is not judge.space:
                    spaces.use(judge, local.space)
                for piece, outcome in bulk.internet(host, internet_is_source=inbound, local=local):
                    if inbound:
                        judge.judge(outcome, INTERNET, label, piece, point)
                    else:
                        judge.judge(outcome, label, INTERNET, point, piece)
        return
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
                    judge.judge(
                        bulk.pair(Host(a, a_id), Host(b, b_id)), a_label, b_label, ((a, a),), ((b, b),)
                    )


def _ipv4(eni: CompiledEni) -> list[int]:
    """An ENI's IPv4 addresses (its IPv6 ones are judged by :mod:`~vpcsim.analysis.policy6`)."""
    return sorted(eni.addresses - eni.addresses6 if eni.addresses6 else eni.addresses)


def _points(addresses: list[int]) -> Intervals:
    return normalize((a, a) for a in addresses)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "assertion"


__all__ = ["MAX_VIOLATIONS", "CheckResult", "FlowSet", "Violation", "check", "parse_flow", "slug"]
