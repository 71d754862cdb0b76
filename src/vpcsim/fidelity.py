"""Differential testing: the engine's verdicts against what the Linux kernel does.

For random small dual-stack networks (:func:`vpcsim.testing.generate_network`, the
``dual-stack-small`` preset), reshaped by :mod:`vpcsim.fidelity_bias` (IPv4 flows) and
:mod:`vpcsim.fidelity6` (IPv6 flows, half of a dual-stack network's) so that most flows over them
almost work (random networks mostly block, and the kernel then rarely gets to disagree about
what passes), every flow is traced by
the engine and probed for real in a lab (:mod:`vpcsim.lab`); the two must agree. A real probe uses one source port, so probes always
pin it: a pinned flow is probed as it is, and a flow from the client's whole ephemeral range
is probed at the edges of its range and of every port range the engine says works or fails,
each probe compared with the engine's trace of that pinned flow.

What is compared, per probe: whether the request reaches the destination (no blocker on the
engine's forward path) and whether the exchange completes (no blocker at all). A NAT gateway
picks its own source port; the probe reports the one it picked, and the engine's blockers
that name ports (a NAT subnet's ACL letting only part of 1024-65535 back in) count only when
they name that port.

The harness lives outside :mod:`vpcsim.lab` on purpose: the lab never imports the engine.

Where the kernel cannot mimic AWS, the shape is excluded *by name* (:data:`EXCLUSIONS`), counted
and reported; everything else that disagrees is a finding.

Command line (``make fidelity``)::

    python -m vpcsim.fidelity --networks 100 --flows 100 [--parallel 3] [--preset transit-small]
        [--unbiased] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import ipaddress
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from .engine import Flow, Trace, trace
from .engine.compiled import is_internet_routable
from .fidelity6 import DUAL_STACK_PRESET, IPV6_SHARE, MUTATIONS6, dual_stack_case, is_ipv6_flow
from .fidelity_bias import BiasStats, along_legs
from .lab import ProbeResult, ProbeSpec, lab_down, lab_up, probe_many
from .model import Network, protocol_name
from .model.addressing import ip_int
from .testing import PRESETS, GeneratorConfig, generate_flows, generate_network
from .testing.ipv6_generator import sample_ipv6_flows

TCP, UDP, ICMP = 6, 17, 1
#: Generator presets the differential run takes (``--preset``): small enough for a lab.
FIDELITY_PRESETS = (DUAL_STACK_PRESET, "small", "transit-small", "small-elb")
DEFAULT_TIMEOUT = 0.8
RECHECK_FACTOR = 3
MAX_PORTS_PER_FLOW = 8


# ---------------------------------------------------------------------------- exclusions


@dataclass(frozen=True)
class Exclusion:
    """A shape of flow the kernel cannot realise as AWS behaves; documented in docs/fidelity.md."""

    name: str
    reason: str
    applies: Callable[[Network, Flow], bool]


def _sctp(network: Network, flow: Flow) -> bool:
    return flow.protocol == 132


_AWS_IPV6_SERVICES = ipaddress.IPv6Network("fd00:ec2::/32")


def _ipv6_vpc_service(network: Network, flow: Flow) -> bool:
    return is_ipv6_flow(flow) and ipaddress.IPv6Address(flow.destination) in _AWS_IPV6_SERVICES


EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion(
        "sctp-without-association",
        "Linux tracks SCTP by association (INIT, INIT-ACK and verification tags, CRC32c-checked); "
        "a bare probe packet is invalid to it and its reply is judged as new traffic, while AWS "
        "tracks protocols other than TCP, UDP and ICMP by address and protocol only",
        _sctp,
    ),
    Exclusion(
        "ipv6-vpc-services",
        "AWS's IPv6 services (the DNS resolver, Time Sync and metadata at fd00:ec2::/32) live in the "
        "hypervisor; the lab realises the IPv4 resolver only",
        _ipv6_vpc_service,
    ),
)


@dataclass(frozen=True)
class KnownIssue:
    """A disagreement found here and reported as an engine bug (docs/fidelity.md): it stays
    in the comparison, and is listed apart until the engine is fixed."""

    name: str
    report: str
    applies: Callable[[Network, Flow, Trace], bool]


#: Engine issues the differential run found and that are not fixed yet (none at present: the
#: first one, NAT gateways translating ICMP errors of no connection, is fixed and kept as the
#: regression test ``test_nat_drops_icmp_errors_of_no_connection``).
KNOWN_ENGINE_ISSUES: tuple[KnownIssue, ...] = ()


def known_issue_of(network: Network, flow: Flow, result: Trace) -> KnownIssue | None:
    for issue in KNOWN_ENGINE_ISSUES:
        if issue.applies(network, flow, result):
            return issue
    return None


def exclusion_of(network: Network, flow: Flow) -> Exclusion | None:
    for exclusion in EXCLUSIONS:
        if exclusion.applies(network, flow):
            return exclusion
    return None


# ---------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One probe: a pinned flow derived from generated flow number ``flow_index``."""

    flow_index: int
    flow: Flow
    unpinned: Flow | None = None
    """The generated flow, when it was unpinned and this case probes one edge port."""

    def spec(self) -> ProbeSpec:
        flow = self.flow
        ports = flow.protocol in (TCP, UDP)
        return ProbeSpec(
            protocol=flow.protocol,
            source=flow.source,
            destination=flow.destination,
            source_eni=flow.source_eni,
            destination_port=flow.destination_port if ports else None,
            source_port=flow.source_ports[0][0] if ports else None,
            icmp_type=flow.icmp_type,
            icmp_code=flow.icmp_code,
        )


def edge_ports(flow: Flow, result: Trace) -> list[int]:
    """Where to probe an unpinned flow: the edges of its client range and of every port range
    a blocker names (the ports that fail, and their neighbours that work)."""
    lo, hi = flow.source_ports[0][0], flow.source_ports[-1][1]
    ports = [lo, hi]
    for blocker in result.blockers:
        for a, b in blocker.ports or ():
            ports += [a - 1, a, b, b + 1]
    chosen: list[int] = []
    for port in ports:
        if 1 <= port <= 65535 and port not in chosen:
            chosen.append(port)
    return chosen[:MAX_PORTS_PER_FLOW]


def pinned(flow: Flow, port: int) -> Flow:
    return replace(flow, source_ports=((port, port),))


@dataclass
class Planned:
    cases: list[Case]
    excluded: Counter[str]
    unknown: int


def plan_cases(network: Network, flows: Sequence[Flow]) -> Planned:
    """The probes for ``flows`` (exclusions and flows the engine calls unknown left out)."""
    cases: list[Case] = []
    excluded: Counter[str] = Counter()
    unknown = 0
    for index, flow in enumerate(flows):
        exclusion = exclusion_of(network, flow)
        if exclusion is not None:
            excluded[exclusion.name] += 1
            continue
        result = trace(network, flow, record=False)
        if result.verdict == "unknown":
            unknown += 1
            continue
        if flow.protocol not in (TCP, UDP) or flow.pinned:
            cases.append(Case(index, flow))
            continue
        cases.extend(Case(index, pinned(flow, port), flow) for port in edge_ports(flow, result))
    return Planned(cases, excluded, unknown)


def internet_hosts(network: Network, flows: Sequence[Flow]) -> list[str]:
    """Outside addresses the flows use (the lab's internet namespace must hold them)."""
    hosts: list[str] = []
    for flow in flows:
        for address in (flow.source if flow.source_eni is None else None, flow.destination):
            if address is None or address in hosts:
                continue
            if network.owners_of_private_ip(address) or network.owner_of_public_ip(address):
                continue
            if ":" in address or is_internet_routable(ip_int(address)):
                hosts.append(address)
    return hosts


# ---------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Disagreement:
    seed: int
    flow_index: int
    flow: Flow
    kind: str
    """``request`` (did it reach the destination), ``exchange`` (did the reply come back), or
    ``engine-consistency`` (the unpinned verdict contradicts a pinned one)."""
    known_issue: str | None
    engine_verdict: str
    engine_codes: tuple[str, ...]
    engine_blockers: tuple[dict[str, object], ...]
    kernel_delivered: bool | None
    kernel_request_arrived: bool | None
    kernel_observed: str | None
    kernel_detail: str

    def to_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "flow_index": self.flow_index,
            "flow": self.flow.to_dict(),
            "kind": self.kind,
            "known_issue": self.known_issue,
            "engine": {
                "verdict": self.engine_verdict,
                "codes": list(self.engine_codes),
                "blockers": list(self.engine_blockers),
            },
            "kernel": {
                "delivered": self.kernel_delivered,
                "request_arrived": self.kernel_request_arrived,
                "observed": self.kernel_observed,
                "detail": self.kernel_detail,
            },
        }

    def describe(self) -> str:
        port = (
            f" from port {self.flow.source_ports[0][0]}" if self.flow.has_ports and self.flow.pinned else ""
        )
        kernel = (
            "n/a"
            if self.kernel_delivered is None
            else (
                "delivered"
                if self.kernel_delivered
                else "arrived, no reply"
                if self.kernel_request_arrived
                else "not delivered"
            )
        )
        return (
            f"seed {self.seed} flow {self.flow_index} [{self.kind}]: {self.flow.describe()}{port}"
            f" (eni {self.flow.source_eni or 'internet'}): engine {self.engine_verdict}"
            f" {list(self.engine_codes)}, kernel {kernel} ({self.kernel_detail})"
        )


def _blockers(result: Trace) -> tuple[dict[str, object], ...]:
    return tuple(
        {
            "code": b.code,
            "component": b.component,
            "path": b.path,
            "ports": [list(r) for r in b.ports or ()] or None,
        }
        for b in result.blockers
    )


def engine_expects(
    result: Trace, observed_port: int | None, nat_side: frozenset[int] | None = None
) -> tuple[bool, bool]:
    """(request arrives, exchange completes) as the engine says, for the port a NAT picked.

    A blocker that names ports counts only when it names the port the packet had there: the
    one the NAT gateway picked for a blocker between the gateway and the server (``nat_side``:
    their indexes, see :func:`nat_side_blockers`; all of them when not given), the client's
    own past the gateway's reverse translation."""
    request = not any(b.path == "forward" for b in result.blockers)
    client = result.flow.source_ports[0][0] if result.flow.has_ports and result.flow.pinned else None

    def counts(index: int, ports: tuple[tuple[int, int], ...] | None) -> bool:
        port = observed_port if nat_side is None or index in nat_side else client
        if ports is None or port is None:
            return True
        return any(lo <= port <= hi for lo, hi in ports)

    exchange = not any(counts(i, b.ports) for i, b in enumerate(result.blockers))
    return request, exchange


def nat_side_blockers(network: Network, result: Trace, observed_port: int | None) -> frozenset[int] | None:
    """Indexes of the blockers met before the reply's reverse translation at a NAT gateway
    (their ports are the gateway's), or None when that cannot matter (no NAT picked a port of
    its own, or no blocker names ports)."""
    flow = result.flow
    client = flow.source_ports[0][0] if flow.has_ports and flow.pinned else None
    if observed_port is None or observed_port == client or not any(b.ports for b in result.blockers):
        return None
    recorded = trace(network, flow, record=True)
    on_legs = along_legs(flow, recorded)
    if on_legs:
        # Through a load balancer the port that differs is the leg's (the node picked it, and
        # the probe reports the port of the leg that served): blockers on a leg are compared
        # with it, the others with the client's.
        steps = {step_id for step_id, _ in on_legs}
        leg_texts = {
            step.detail
            for hops in (recorded.forward, recorded.return_)
            for hop in hops
            for step in hop.steps
            if step.kind == "blocked" and id(step) in steps
        }
        return frozenset(i for i, b in enumerate(result.blockers) if f"{b.code}: {b.detail}" in leg_texts)
    side: set[int] = set()
    index = 0
    for hop in recorded.forward:
        index += sum(step.kind == "blocked" for step in hop.steps)
    translated = False
    for hop in recorded.return_:
        for step in hop.steps:
            if step.kind == "nat" and step.component.startswith("nat-"):
                translated = True
            if step.kind == "blocked":
                if not translated:
                    side.add(index)
                index += 1
    return frozenset(side)


def compare_case(network: Network, seed: int, case: Case, observed: ProbeResult) -> list[Disagreement]:
    result = trace(network, case.flow, record=False)
    if result.verdict == "unknown":
        return []
    port = observed_port(network, case.flow, observed)
    request, exchange = engine_expects(result, port, nat_side_blockers(network, result, port))
    kind = None
    if not observed.probed:
        pass  # the kernel was not asked (the client's port was taken): nothing to compare
    elif request != observed.forward and not _proxied_miss(network, case.flow, request, exchange, observed):
        kind = "request"
    elif request and exchange != observed.delivered:
        kind = "exchange"
    found: list[Disagreement] = []
    if kind is not None:
        issue = known_issue_of(network, case.flow, result)
        found.append(
            Disagreement(
                seed,
                case.flow_index,
                case.flow,
                kind,
                issue.name if issue is not None else None,
                result.verdict,
                tuple(result.codes),
                _blockers(result),
                observed.delivered,
                observed.forward,
                f"{observed.observed_source}:{observed.observed_source_port}" if observed.forward else None,
                observed.detail,
            )
        )
    if case.unpinned is not None:
        lo, hi = case.unpinned.source_ports[0]
        port = case.flow.source_ports[0][0]
        whole = trace(network, case.unpinned, record=False)
        if lo <= port <= hi and whole.verdict == "reachable" and result.verdict != "reachable":
            found.append(
                Disagreement(
                    seed,
                    case.flow_index,
                    case.unpinned,
                    "engine-consistency",
                    None,
                    whole.verdict,
                    tuple(whole.codes),
                    _blockers(whole),
                    None,
                    None,
                    None,
                    f"the whole range {lo}-{hi} is reachable but the pinned port {port} is {result.verdict}",
                )
            )
    return found


# ---------------------------------------------------------------------------- runs


@dataclass
class NetworkRun:
    """One network's kernel observations: engine-independent, so any engine can be compared."""

    seed: int
    network: Network
    flows: list[Flow]
    cases: list[Case]
    results: list[ProbeResult]
    excluded: Counter[str]
    unknown: int
    seconds: float = 0.0
    rechecked: int = 0
    """Probes asked again (alone, with more time) because the kernel did less than the engine said."""
    bias: BiasStats | None = None
    """What :mod:`vpcsim.fidelity_bias` did to the network (None: the generator's network as is)."""
    transit: frozenset[int] = frozenset()
    """Indexes of the cases whose engine trace crosses a transit gateway."""

    def compare(self) -> list[Disagreement]:
        """Disagreements of the engine *as it is now* (a mutated one in the mutation tests)."""
        found: list[Disagreement] = []
        for case, observed in zip(self.cases, self.results, strict=True):
            found.extend(compare_case(self.network, self.seed, case, observed))
        return found


def lab_name(index: int) -> str:
    """A lab name unique to this process (tests run several processes at once): ``f<pid>n<i>``,
    so that a later run can tell a crashed run's leftovers (their process is gone)."""
    if not 0 <= index < 1000:
        raise ValueError(f"lab index {index} is outside 0-999")
    return f"f{os.getpid()}n{index}"


def run_network(
    seed: int,
    *,
    flows: int,
    name: str,
    config: GeneratorConfig | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    biased: bool = True,
) -> NetworkRun:
    """Generate network ``seed`` and ``flows`` flows, realise it as lab ``name``, probe, tear down."""
    started = time.monotonic()
    network, generated, bias = network_and_flows(seed, flows, config=config, biased=biased)
    planned = plan_cases(network, generated)
    lab_up(network, name, internet_hosts=internet_hosts(network, generated), responder=False)
    slow: list[int] = []
    try:
        results = probe_many(name, [case.spec() for case in planned.cases], timeout=timeout)
        # A busy machine can be slow, never permissive: where the kernel did less than the
        # engine expects, ask again, alone and with more time, before calling it a finding.
        slow = [i for i, case in enumerate(planned.cases) if _short_of_engine(network, case, results[i])]
        if slow:
            again = probe_many(
                name, [planned.cases[i].spec() for i in slow], timeout=timeout * RECHECK_FACTOR
            )
            for i, result in zip(slow, again, strict=True):
                results[i] = result
    finally:
        lab_down(name)
    return NetworkRun(
        seed,
        network,
        generated,
        planned.cases,
        results,
        planned.excluded,
        planned.unknown,
        time.monotonic() - started,
        rechecked=len(slow),
        bias=bias,
        transit=frozenset(i for i, case in enumerate(planned.cases) if crosses_transit(network, case.flow)),
    )


def crosses_transit(network: Network, flow: Flow) -> bool:
    """Whether the engine's trace of ``flow`` (either way) enters a transit gateway."""
    if not network.transit_gateway_attachments:
        return False
    result = trace(network, flow, record=True)
    return any(hop.type == "transit-gateway" for hop in (*result.forward, *result.return_))


def network_and_flows(
    seed: int, flows: int, *, config: GeneratorConfig | None = None, biased: bool = True
) -> tuple[Network, list[Flow], BiasStats | None]:
    """Network ``seed`` (of ``config``, the ``dual-stack-small`` preset by default) and its ``flows``
    flows: biased toward paths that almost work (:func:`vpcsim.fidelity6.dual_stack_case`), or the
    generator's and the IPv6 sampler's as they are."""
    if biased:
        case = dual_stack_case(seed, flows, config)
        return case.network, case.flows, case.stats
    cfg = config or PRESETS[DUAL_STACK_PRESET]
    network = generate_network(seed, cfg)
    six = sample_ipv6_flows(network, seed, round(flows * IPV6_SHARE)) if cfg.ipv6_ratio else []
    return network, [*generate_flows(network, seed, flows - len(six)), *six], None


def _short_of_engine(network: Network, case: Case, observed: ProbeResult) -> bool:
    result = trace(network, case.flow, record=False)
    port = observed_port(network, case.flow, observed)
    request, exchange = engine_expects(result, port, nat_side_blockers(network, result, port))
    if _proxied_miss(network, case.flow, request, exchange, observed):
        return False
    return (request and not observed.forward) or (exchange and not observed.delivered)


def observed_port(network: Network, flow: Flow, observed: ProbeResult) -> int | None:
    """The source port the destination saw, as the comparison uses it. Through a load balancer,
    the port of the leg that served (none when none did): each leg's port is the node's pick,
    and the engine names the ports a leg fails on -- without a served leg, they all count."""
    if not observed.delivered and to_load_balancer(network, flow):
        return None
    return observed.observed_source_port


def to_load_balancer(network: Network, flow: Flow) -> bool:
    """Whether ``flow`` goes to a load balancer's node (its private or public address)."""
    owners = list(network.owners_of_private_ip(flow.destination))
    public = network.owner_of_public_ip(flow.destination)
    if public is not None:
        owners.append(public)
    enis = (network.network_interfaces.get(o.network_interface_id) for o in owners)
    return any(eni is not None and eni.description.startswith("ELB ") for eni in enis)


def _proxied_miss(network: Network, flow: Flow, request: bool, exchange: bool, observed: ProbeResult) -> bool:
    """A flow to a load balancer that the engine lets reach a target but not back, and that the
    kernel never took to a target: not a disagreement. A node opens its connection to a target
    only once the client's own handshake completed (the lab's nodes relay every connection, as
    an ALB or a CLB does), so when the node's answer cannot get back to the client no request
    reaches a target -- the engine's request path counts the leg regardless. The exchange is
    still compared: both must fail."""
    return (
        request
        and not exchange
        and not observed.forward
        and not observed.delivered
        and to_load_balancer(network, flow)
    )


def run_many(
    seeds: Sequence[int],
    *,
    flows: int,
    parallel: int = 2,
    config: GeneratorConfig | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[NetworkRun], None] | None = None,
    biased: bool = True,
) -> list[NetworkRun]:
    """Several labs at once (distinct names), one per seed; results in seed order."""

    def one(pair: tuple[int, int]) -> NetworkRun:
        index, seed = pair
        run = run_network(
            seed, flows=flows, name=lab_name(index % 1000), config=config, timeout=timeout, biased=biased
        )
        if progress is not None:
            progress(run)
        return run

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, enumerate(seeds)))


@dataclass
class Report:
    runs: list[NetworkRun]
    found: list[Disagreement] = field(default_factory=list)

    @property
    def disagreements(self) -> list[Disagreement]:
        """Unexplained disagreements: each is a finding."""
        return [d for d in self.found if d.known_issue is None]

    @property
    def known(self) -> list[Disagreement]:
        """Disagreements of an engine issue already reported (:data:`KNOWN_ENGINE_ISSUES`)."""
        return [d for d in self.found if d.known_issue is not None]

    @property
    def flows(self) -> int:
        return sum(len(r.flows) for r in self.runs)

    @property
    def probes(self) -> int:
        return sum(len(r.cases) for r in self.runs)

    @property
    def excluded(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for run in self.runs:
            total.update(run.excluded)
        return total

    @property
    def unknown(self) -> int:
        return sum(r.unknown for r in self.runs)

    @property
    def flows_ipv6(self) -> int:
        return sum(is_ipv6_flow(f) for r in self.runs for f in r.flows)

    def ipv6_probes(self) -> tuple[int, int]:
        """(IPv6 probes, of them delivered)."""
        pairs = [
            (c, p) for r in self.runs for c, p in zip(r.cases, r.results, strict=True) if is_ipv6_flow(c.flow)
        ]
        return len(pairs), sum(p.delivered for _, p in pairs)

    @property
    def delivered(self) -> int:
        """Probes whose exchange the kernel completed."""
        return sum(1 for r in self.runs for p in r.results if p.delivered)

    @property
    def balanced(self) -> tuple[int, int]:
        """(probes to a load balancer's listener address, those the kernel completed)."""
        probes = delivered = 0
        for run in self.runs:
            for case, result in zip(run.cases, run.results, strict=True):
                if to_load_balancer(run.network, case.flow):
                    probes += 1
                    delivered += result.delivered
        return probes, delivered

    @property
    def delivered_share(self) -> float:
        return self.delivered / self.probes if self.probes else 0.0

    @property
    def bias(self) -> BiasStats | None:
        stats = [r.bias for r in self.runs if r.bias is not None]
        if not stats:
            return None
        total = BiasStats()
        for item in stats:
            total.add(item)
        return total

    def to_dict(self) -> dict[str, Any]:
        bias = self.bias
        return {
            "schema_version": 1,
            "networks": len(self.runs),
            "flows": self.flows,
            "probes": self.probes,
            "probes_delivered": self.delivered,
            "probes_delivered_share": round(self.delivered_share, 4),
            "flows_ipv6": self.flows_ipv6,
            "flows_ipv6_share": round(self.flows_ipv6 / self.flows, 4) if self.flows else 0.0,
            "probes_ipv6": self.ipv6_probes()[0],
            "probes_ipv6_delivered": self.ipv6_probes()[1],
            "probes_request_only": sum(
                1 for r in self.runs for p in r.results if p.forward and not p.delivered
            ),
            "probes_to_load_balancers": self.balanced[0],
            "probes_to_load_balancers_delivered": self.balanced[1],
            "biased": bias is not None,
            "bias": bias.to_dict() if bias is not None else None,
            "engine_unknown_flows": self.unknown,
            "excluded": dict(sorted(self.excluded.items())),
            "exclusions": {e.name: e.reason for e in EXCLUSIONS},
            "disagreements": [d.to_dict() for d in self.disagreements],
            "known_engine_issues": {i.name: i.report for i in KNOWN_ENGINE_ISSUES},
            "known_issue_disagreements": [d.to_dict() for d in self.known],
            "probes_through_transit_gateways": sum(len(r.transit) for r in self.runs),
            "probes_through_transit_gateways_delivered": sum(
                1 for r in self.runs for i in r.transit if r.results[i].delivered
            ),
            "seconds": round(sum(r.seconds for r in self.runs), 1),
            "rechecked_probes": sum(r.rechecked for r in self.runs),
        }


def report(runs: list[NetworkRun]) -> Report:
    return Report(runs, [d for run in runs for d in run.compare()])


# ---------------------------------------------------------------------------- mutations


def _engine_module() -> Any:
    """``vpcsim.engine.hooks``: where the reference trace applies filters (``acl_decide``,
    ``sg_decide``, ``ReferenceHooks``)."""
    return importlib.import_module("vpcsim.engine.hooks")


@contextlib.contextmanager
def _patched(module: object, attribute: str, value: object) -> Iterator[None]:
    if not hasattr(module, attribute):
        raise RuntimeError(f"the engine has no {attribute}: update vpcsim.fidelity.MUTATIONS")
    original = getattr(module, attribute)
    setattr(module, attribute, value)
    try:
        yield
    finally:
        setattr(module, attribute, original)


def _acl_off_by_one() -> contextlib.AbstractContextManager[None]:
    """NACL port ranges lose their upper port (``lo <= port < hi``)."""
    engine_trace = _engine_module()

    original = engine_trace.acl_decide

    def mutated(entries: list[Any], pkt: Any, remote: int) -> Any:
        shifted = [e._replace(hi=e.hi - 1) if (e.lo, e.hi) != (0, 65535) else e for e in entries]
        return original(shifted, pkt, remote)

    return _patched(engine_trace, "acl_decide", mutated)


def _acl_reversed() -> contextlib.AbstractContextManager[None]:
    """NACL rules taken highest number first (the ``*`` rule still last)."""
    engine_trace = _engine_module()

    original = engine_trace.acl_decide

    def mutated(entries: list[Any], pkt: Any, remote: int) -> Any:
        numbered = sorted((e for e in entries if e.rule_number < 32767), key=lambda e: -e.rule_number)
        return original(numbered + [e for e in entries if e.rule_number >= 32767], pkt, remote)

    return _patched(engine_trace, "acl_decide", mutated)


def _stateful_acl_replies() -> contextlib.AbstractContextManager[None]:
    """Replies pass network ACLs as if they were stateful."""
    engine_trace = _engine_module()

    hooks = engine_trace.ReferenceHooks
    original = hooks.on_network_acl

    def mutated(self: Any, walk: Any, subnet: Any, pkt: Any, *, inbound: bool) -> None:
        if walk.recorder.path == "return":
            return
        original(self, walk, subnet, pkt, inbound=inbound)

    return _patched(hooks, "on_network_acl", mutated)


def _sg_ignores_ports() -> contextlib.AbstractContextManager[None]:
    """Security group rules match any port of their protocol."""
    engine_trace = _engine_module()

    original = engine_trace.sg_decide

    def mutated(rules: list[Any], pkt: Any, remote: int) -> Any:
        widened = [r._replace(lo=0, hi=65535) if r.protocol in (TCP, UDP) else r for r in rules]
        return original(widened, pkt, remote)

    return _patched(engine_trace, "sg_decide", mutated)


def _transit_module() -> Any:
    """``vpcsim.engine.transit``: the walk across transit gateways."""
    return importlib.import_module("vpcsim.engine.transit")


def _tgw_attachment_acl_skipped() -> contextlib.AbstractContextManager[None]:
    """A transit gateway attachment subnet's network ACL is never evaluated (neither inbound
    as a packet enters the gateway nor outbound as it leaves into the VPC)."""

    def mutated(walk: Any, subnet: Any, pkt: Any, *, inbound: bool) -> None:
        return None

    return _patched(_transit_module(), "attachment_acl", mutated)


def _tgw_blackhole_ignored() -> contextlib.AbstractContextManager[None]:
    """Blackhole routes of transit gateway route tables are ignored: the longest route that
    forwards wins instead."""

    def mutated(table: Any, dst: int) -> Any:
        return next((r for r in table.all_matching(dst) if r.kind != "blackhole"), None)

    return _patched(_transit_module(), "table_lookup", mutated)


class _SkipTargetGroups:
    """Hooks that let every request into one ENI past its security groups (a mutation)."""

    def __init__(self, inner: Any, target: Any) -> None:
        self.inner = inner
        self.target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def on_security_groups(
        self, walk: Any, eni: Any, pkt: Any, *, egress: bool, reply: bool, tracked: bool
    ) -> None:
        if eni is self.target and not egress and not reply:
            return
        self.inner.on_security_groups(walk, eni, pkt, egress=egress, reply=reply, tracked=tracked)


def _elb_module() -> Any:
    """``vpcsim.engine.elb``: a load balancer's legs to its targets (``_leg``)."""
    return importlib.import_module("vpcsim.engine.elb")


def _elb_target_groups_ignored() -> contextlib.AbstractContextManager[None]:
    """A load balancer's leg enters its target past the target's security groups."""
    elb = _elb_module()
    original = elb._leg

    def mutated(walk: Any, lb: Any, node: Any, listener: Any, target: Any, pkt: Any, *, say: bool) -> Any:
        if target.eni is None:
            return original(walk, lb, node, listener, target, pkt, say=say)
        hooks = walk.hooks
        walk.hooks = _SkipTargetGroups(hooks, target.eni)
        try:
            return original(walk, lb, node, listener, target, pkt, say=say)
        finally:
            walk.hooks = hooks

    return _patched(elb, "_leg", mutated)


def _nlb_client_ip_not_preserved() -> contextlib.AbstractContextManager[None]:
    """A Network Load Balancer always sends from its node's address (client IP preservation
    ignored)."""
    elb = _elb_module()
    original = elb._leg

    def mutated(walk: Any, lb: Any, node: Any, listener: Any, target: Any, pkt: Any, *, say: bool) -> Any:
        if target.preserve_client_ip:
            target = replace(target, preserve_client_ip=False)
        return original(walk, lb, node, listener, target, pkt, say=say)

    return _patched(elb, "_leg", mutated)


def _elb_cross_zone_always() -> contextlib.AbstractContextManager[None]:
    """Every node sends to targets in every zone (cross-zone load balancing taken as on)."""
    elb = _elb_module()
    original = elb._serve

    def mutated(walk: Any, lb: Any, node: Any, listener: Any, pkt: Any, *, record_steps: bool) -> Any:
        crossing = replace(listener, targets=[replace(t, cross_zone=True) for t in listener.targets])
        return original(walk, lb, node, crossing, pkt, record_steps=record_steps)

    return _patched(elb, "_serve", mutated)


#: Deliberate engine bugs the differential run must catch (``--mutation NAME``); the ``elb-``
#: and ``nlb-`` ones need networks with load balancers (``--preset small-elb``), the ``tgw-`` ones
#: transit gateways (``--preset transit-small``), the IPv6 ones IPv6 flows.
MUTATIONS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "nacl-port-range-off-by-one": _acl_off_by_one,
    "nacl-rules-reversed": _acl_reversed,
    "nacl-replies-stateful": _stateful_acl_replies,
    "sg-ignores-ports": _sg_ignores_ports,
    **MUTATIONS6,
    "tgw-attachment-acl-skipped": _tgw_attachment_acl_skipped,
    "tgw-blackhole-ignored": _tgw_blackhole_ignored,
    "elb-target-groups-ignored": _elb_target_groups_ignored,
    "nlb-client-ip-not-preserved": _nlb_client_ip_not_preserved,
    "elb-cross-zone-always": _elb_cross_zone_always,
}
#: The mutations of load-balancer semantics (caught only over networks with load balancers).
ELB_MUTATIONS = frozenset(
    {"elb-target-groups-ignored", "nlb-client-ip-not-preserved", "elb-cross-zone-always"}
)


# ---------------------------------------------------------------------------- command line


def _print_text(result: Report, out: Any) -> None:
    data = result.to_dict()
    out.write(
        f"{data['networks']} networks, {data['flows']} flows, {data['probes']} probes "
        f"({data['probes_delivered']} delivered, {100 * data['probes_delivered_share']:.1f}%; "
        f"{data['probes_request_only']} arrived without a reply), "
        f"{data['engine_unknown_flows']} flows unknown to the engine, "
        f"{data['seconds']}s of lab time, {data['rechecked_probes']} probes asked again with more time\n"
    )
    out.write(
        f"IPv6: {data['flows_ipv6']} flows ({100 * data['flows_ipv6_share']:.1f}%), "
        f"{data['probes_ipv6']} probes ({data['probes_ipv6_delivered']} delivered)\n"
    )
    if data["probes_to_load_balancers"]:
        out.write(
            f"{data['probes_to_load_balancers']} probes to load balancers "
            f"({data['probes_to_load_balancers_delivered']} delivered)\n"
        )
    bias = data["bias"]
    if bias is not None:
        out.write(
            f"biased: {bias['path_flows']} path flows ({bias['already_open']} open as generated, "
            f"{bias['opened']} opened by {bias['changes']} changes, {bias['not_opened']} left blocked), "
            f"{bias['nudged']} nudged by one component ({bias['nudges_missing']} of them missing on purpose), "
            f"{bias['variants']} variants one port away, {bias['random_flows']} random flows\n"
        )
    if data["probes_through_transit_gateways"]:
        out.write(
            f"{data['probes_through_transit_gateways']} probes cross a transit gateway "
            f"({data['probes_through_transit_gateways_delivered']} delivered)\n"
        )
    for name, count in data["excluded"].items():
        out.write(f"excluded {count} flows: {name}\n")
    out.write(f"{len(result.disagreements)} unexplained disagreements\n")
    for item in result.disagreements:
        out.write(f"  {item.describe()}\n")
    counts = Counter(d.known_issue for d in result.known)
    for issue in KNOWN_ENGINE_ISSUES:
        out.write(f"{counts.get(issue.name, 0)} disagreements of the reported engine issue {issue.name}\n")
        for item in result.known:
            if item.known_issue == issue.name:
                out.write(f"  {item.describe()}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vpcsim.fidelity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", type=int, default=100)
    parser.add_argument("--flows", type=int, default=100)
    parser.add_argument("--seed-start", type=int, default=0)
    parser.add_argument("--parallel", type=int, default=3, help="labs at a time")
    parser.add_argument(
        "--preset",
        choices=sorted(FIDELITY_PRESETS),
        default=DUAL_STACK_PRESET,
        help=f"the generator's preset (default {DUAL_STACK_PRESET}; transit-small: with transit gateways; small-elb: with load balancers)",
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for a reply")
    parser.add_argument("--mutation", choices=sorted(MUTATIONS), help="compare a deliberately broken engine")
    parser.add_argument(
        "--unbiased",
        action="store_true",
        help="probe the generator's networks and flows as they are (most flows then block)",
    )
    parser.add_argument(
        "--check-mutations",
        "--all-mutations",
        action="store_true",
        help="also compare the same observations with every deliberately broken engine that applies "
        "to the networks run (tgw- ones need transit gateways, IPv6 ones IPv6 flows); each must disagree",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    from .lab import LabError, missing_requirements

    missing = missing_requirements()
    if missing:
        sys.stderr.write("vpcsim fidelity: the live lab needs " + "; ".join(missing) + "\n")
        return 2
    seeds = list(range(args.seed_start, args.seed_start + args.networks))
    done = 0

    def progress(run: NetworkRun) -> None:
        nonlocal done
        done += 1
        if not args.json:
            sys.stderr.write(f"\r{done}/{len(seeds)} networks")
            sys.stderr.flush()

    try:
        runs = run_many(
            seeds,
            flows=args.flows,
            parallel=args.parallel,
            config=PRESETS[args.preset],
            timeout=args.timeout,
            progress=progress,
            biased=not args.unbiased,
        )
    except LabError as exc:
        sys.stderr.write(f"vpcsim fidelity: {exc}\n")
        return 2
    if not args.json:
        sys.stderr.write("\n")
    with MUTATIONS[args.mutation]() if args.mutation else contextlib.nullcontext():
        result = report(runs)
    caught = mutations_caught(runs) if args.check_mutations else {}
    if args.json:
        data = result.to_dict()
        if args.check_mutations:
            data["mutations"] = caught
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_text(result, sys.stdout)
        for name, count in caught.items():
            sys.stdout.write(
                f"mutation {name}: {count} disagreements ({'caught' if count else 'NOT caught'})\n"
            )
    return 1 if result.disagreements or any(count == 0 for count in caught.values()) else 0


def mutations_caught(runs: list[NetworkRun]) -> dict[str, int]:
    """Unexplained disagreements of each deliberately broken engine over the same observations;
    a mutation of a feature none of the runs exercises (transit gateways, IPv6) is left out, as it
    cannot be caught there (load balancers too)."""
    has_transit = any(run.network.transit_gateway_attachments for run in runs)
    has_ipv6 = any(is_ipv6_flow(flow) for run in runs for flow in run.flows)
    has_balancers = any(run.network.load_balancers for run in runs)
    counts: dict[str, int] = {}
    for name in sorted(MUTATIONS):
        if name.startswith("tgw-") and not has_transit:
            continue
        if name in MUTATIONS6 and not has_ipv6:
            continue
        if name in ELB_MUTATIONS and not has_balancers:
            continue
        with MUTATIONS[name]():
            counts[name] = len(report(runs).disagreements)
    return counts


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "ELB_MUTATIONS",
    "EXCLUSIONS",
    "KNOWN_ENGINE_ISSUES",
    "MUTATIONS",
    "Case",
    "Disagreement",
    "Exclusion",
    "KnownIssue",
    "NetworkRun",
    "Report",
    "compare_case",
    "crosses_transit",
    "edge_ports",
    "engine_expects",
    "internet_hosts",
    "mutations_caught",
    "nat_side_blockers",
    "network_and_flows",
    "plan_cases",
    "protocol_name",
    "report",
    "run_many",
    "run_network",
    "to_load_balancer",
]
