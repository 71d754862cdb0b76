"""``exposure``: what the internet can deliver to every instance and ENI, through the real path.

Why not a rule scan: scanners flag "port 22 open to 0.0.0.0/0" on groups attached to nothing, on
instances without a public address, in subnets with no route to an internet gateway. Here a
finding is a flow the engine delivers from an internet address to an ENI's public address
(public IP, attached internet gateway, routes, both ACLs, the security groups): forward delivery
for any source port counts (a SYN that lands is exposure even when the reply dies), and
``bidirectional`` says whether replies come back (``true``), never (``false``) or for part of
the client ports (``"partial"``).

What the answer cannot cover is listed in ``incomplete`` (:mod:`vpcsim.analysis.incomplete`, the
same list ``diff`` and ``check`` use): skipped input, unknown resources, every resource holding
IPv6 (not analysed), and paths that cross what is not modelled.

Severity (``docs/symbolic.md``) is a property of what a finding exposes: its traffic, and how
many internet addresses can send it -- never how that set is written (one CIDR, or "the internet
but one /24" as 23 CIDRs) or how the rules split it. A set of at least :data:`WIDE_EXPOSURE`
addresses (a /8's worth) is *wide*:

* ``high``: a sensitive port (remote administration, databases, caches; :data:`SENSITIVE_PORTS`)
  or every protocol, open to a wide set;
* ``medium``: a sensitive port or every protocol open to a narrower set, or any other non-web
  port or protocol open to a wide set;
* ``low``: the rest (web ports 80 and 443, ICMP, other ports from a narrower set).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, cast

from ..engine.compiled import Compiled, ip_int, ip_str
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Network
from ..progress import NO_PROGRESS, Progress
from .addresses import internet_universe
from .bulk import Bulk, quiet_gc
from .endpoints import Host
from .entries import Entry, EntryBuilder, RenderCache, Traffic
from .exposure6 import WIDE_EXPOSURE6, FamilyNote, family_notes, ipv6_exposure
from .exposure_elb import LoadBalancerPath, load_balancer_path, load_balancer_trace_path
from .incomplete import Incomplete, incomplete_of
from .intervals import Interval, IntervalIndex, Intervals, as_lists, cidr_interval, format_ranges, normalize
from .reach import add_outcome
from .skeleton import Skeleton

SCHEMA_VERSION = 1

#: Ports whose exposure to the whole internet is high severity.
SENSITIVE_PORTS: dict[int, str] = {
    20: "FTP data",
    21: "FTP",
    22: "SSH",
    23: "Telnet",
    135: "MS RPC",
    139: "NetBIOS",
    445: "SMB",
    1433: "SQL Server",
    1521: "Oracle",
    2375: "Docker API",
    2376: "Docker API (TLS)",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5900: "VNC",
    5984: "CouchDB",
    6379: "Redis",
    9042: "Cassandra",
    9200: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
}
WEB_PORTS = frozenset({80, 443})
WORLD = ("0.0.0.0/0",)
Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
#: Exposed to at least this many internet addresses (a /8's worth, however split) is exposed to
#: the internet at large.
WIDE_EXPOSURE = 1 << 24
_NOWHERE: Intervals = ((0, 0),)
"""Findings name their address themselves; entries are built without destinations."""


def exposed_addresses(sources: Iterable[str], universe: IntervalIndex | None = None) -> int:
    """How many addresses the CIDRs hold together -- internet addresses only, when ``universe``
    (the internet universe, :mod:`vpcsim.analysis.addresses`) is given."""
    pieces = []
    for cidr in sources:
        address, _, length = cidr.partition("/")
        net = ip_int(address)
        pieces.append(cidr_interval(net, int(length), 128 if ":" in address else 32))
    merged = normalize(pieces)
    if universe is None:
        return sum(hi - lo + 1 for lo, hi in merged)
    return sum(universe.count(lo, hi) for lo, hi in merged)


def severity(traffic: Traffic, sources: Iterable[str], universe: IntervalIndex | None = None) -> str:
    """The documented severity table (module docstring): the traffic's ports or protocols, and
    whether the sources are a wide set (:data:`WIDE_EXPOSURE` addresses or more; over IPv6
    :data:`~vpcsim.analysis.exposure6.WIDE_EXPOSURE6`, a /32's worth)."""
    sources = list(sources)
    bar = WIDE_EXPOSURE6 if any(":" in s for s in sources) else WIDE_EXPOSURE
    wide = exposed_addresses(sources, universe) >= bar
    if traffic.protocol == "all":
        return "high" if wide else "medium"
    if traffic.protocol in ("tcp", "udp"):
        ports: Intervals = traffic.ports if traffic.ports is not None else ((0, 65535),)
        sensitive = any(lo <= p <= hi for p in SENSITIVE_PORTS for lo, hi in ports)
        if sensitive:
            return "high" if wide else "medium"
        non_web = any(p not in WEB_PORTS for lo, hi in ports for p in (lo, hi)) or any(
            hi - lo > 1 for lo, hi in ports
        )
        return "medium" if wide and non_web else "low"
    if traffic.protocol in ("icmp", "icmpv6"):
        return "low"
    return "medium" if wide else "low"


@dataclass(frozen=True, slots=True)
class Finding:
    instance: str | None
    eni: str
    address: str
    entry: Entry
    bidirectional: bool | str
    severity: str
    path: tuple[str, ...]
    load_balancer: LoadBalancerPath | None = None
    """A node of a load balancer: ``via: load-balancer``, its listeners and targets."""

    def sort_key(self) -> tuple[object, ...]:
        return (
            SEVERITY_ORDER[self.severity],
            self.eni,
            self.address,
            self.entry.sort_key(),
            str(self.bidirectional),
        )

    def to_dict(self) -> dict[str, object]:
        t = self.entry.traffic
        return {
            "instance": self.instance,
            "eni": self.eni,
            "address": self.address,
            "protocol": t.protocol,
            "ports": as_lists(t.ports) if t.ports is not None else None,
            "icmp": [list(p) for p in t.icmp] if t.icmp is not None else None,
            "sources": list(self.entry.sources),
            "bidirectional": self.bidirectional,
            **({"protocols": as_lists(t.protocols)} if t.protocols is not None else {}),
            "source_ports": as_lists(self.entry.source_ports)
            if self.entry.source_ports is not None
            else None,
            "severity": self.severity,
            "path": list(self.path),
            **(self.load_balancer.to_dict() if self.load_balancer is not None else {}),
        }

    def describe(self) -> str:
        text = f"{self.entry.traffic.describe()} from {', '.join(self.entry.sources)}"
        if self.bidirectional == "partial" and self.entry.source_ports is not None:
            text += f" (replies for client ports {format_ranges(self.entry.source_ports)} only)"
        elif self.bidirectional is False:
            text += " (replies never come back)"
        return text


@dataclass(frozen=True, slots=True)
class ExposureResult:
    findings: tuple[Finding, ...] = ()
    """Of the severity asked for and above, most severe first."""
    incomplete: tuple[Incomplete, ...] = ()
    exposed_enis: int = 0
    """ENIs with a finding of any severity."""
    public_addresses: int = 0
    family_notes: tuple[FamilyNote, ...] | None = None
    """Only for a network with IPv6 addresses: ENIs exposed over IPv6 only, and traffic open over
    one family but closed over the other (:mod:`vpcsim.analysis.exposure6`)."""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "schema_version": SCHEMA_VERSION,
            "findings": [f.to_dict() for f in self.findings],
            "incomplete": [i.to_dict() for i in self.incomplete],
        }
        if self.family_notes is not None:
            out["family_notes"] = [n.to_dict() for n in self.family_notes]
        return out


def _path(skeleton: Skeleton, rep_eni: str, eni: str, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The forward path's components: hops, with the ACL after its subnet and the groups before
    their ENI."""
    acl_of: dict[str, str] = {}
    sg_of: set[str] = set()
    for call in skeleton.filters:
        if call.path != "forward":
            continue
        if call.kind == "acl":
            acl_of[call.owner] = call.component
        else:
            sg_of.add(call.owner)
    out: list[str] = []
    for path, component, _ in skeleton.hops:
        if path != "forward":
            continue
        if component in sg_of:
            out.extend(groups if component == rep_eni else ())
        out.append(eni if component == rep_eni else component)
        if component in acl_of:
            out.append(acl_of[component])
    return tuple(out)


def exposure(
    network: Network,
    *,
    skipped: dict[str, int] | None = None,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    bulk: Bulk | None = None,
    min_severity: Severity = "low",
    progress: Progress = NO_PROGRESS,
) -> ExposureResult:
    """Every flow the internet can deliver to every public address of the network, as findings
    of ``min_severity`` and above. ``skipped`` is what the input held but the model does not
    (type -> count): each type that can carry traffic makes the answer incomplete."""
    if min_severity not in SEVERITY_ORDER:
        raise ValueError(f"severity {min_severity!r}: use low, medium or high")
    with quiet_gc():
        return _exposure(
            network,
            skipped=skipped,
            client_ports=client_ports,
            bulk=bulk,
            min_severity=min_severity,
            progress=progress,
        )


def _exposure(
    network: Network,
    *,
    skipped: dict[str, int] | None = None,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    bulk: Bulk | None = None,
    min_severity: Severity = "low",
    progress: Progress = NO_PROGRESS,
) -> ExposureResult:
    bulk = bulk or Bulk(network, client_ports)
    c = bulk.c
    findings: list[Finding] = []
    incomplete: list[Incomplete] = incomplete_of(network, skipped, ipv6_analysed=True)
    exposed_enis = public_addresses = 0
    universe = bulk.universe.index
    render = RenderCache()
    severities: dict[tuple[Traffic, tuple[str, ...]], str] = {}

    def _severity(entry: Entry) -> str:
        key = (entry.traffic, entry.sources)
        cached = severities.get(key)
        if cached is None:
            cached = severities[key] = severity(entry.traffic, entry.sources, universe)
        return cached

    # Each question over its own atoms (the rules its paths meet), not the estate's.
    spaces = bulk.internet_spaces(
        (Host(public, eni_id) for eni_id, eni in c.enis.items() for public in eni.public_of.values()),
        internet_is_source=True,
    )
    progress.start("exposure (ENIs)", len(c.enis))
    for done, eni_id in enumerate(sorted(c.enis), 1):
        if done % 256 == 0:
            progress.advance(256)  # per chunk of ENIs, never per flow
        eni = c.enis[eni_id]
        for _private, public in sorted(eni.public_of.items()):
            public_addresses += 1
            host = Host(public, eni_id)
            local = spaces[host]
            pieces = bulk.internet(host, internet_is_source=True, local=local)
            # Members whose pieces and outcomes are the same get the same entries: build them once
            # (the entry keeps its outcomes alive, so that their ids stay theirs).
            key = tuple((piece, id(out)) for piece, out in pieces)
            cached = cast("tuple[dict[str, list[Entry]], object] | None", local.built.get(key))
            lists = cached[0] if cached is not None else None
            if lists is None:
                builders = {
                    k: EntryBuilder(local.space, render) for k in ("allowed", "one_way", "partial", "unknown")
                }
                for piece, out in pieces:
                    add_outcome(builders, out, piece, _NOWHERE)
                lists = {name: b.build(universe, None) for name, b in builders.items()}
                local.built[key] = (lists, pieces)
            ic = bulk.internet_class(host, internet_is_source=True)
            rep_eni = ic.host.eni_id or eni_id
            skeleton = next((sk for _, sks in ic.contexts for sk in sks.values() if sk.delivered), None)
            path = _path(skeleton, rep_eni, eni_id, eni.group_ids) if skeleton is not None else ()
            instance = eni.instance_id
            found = False
            for name, bidirectional in (("allowed", True), ("one_way", False), ("partial", "partial")):
                for entry in lists[name]:
                    found = True
                    via = load_balancer_path(c, eni_id, entry) if eni.managed is not None else None
                    findings.append(
                        Finding(
                            instance,
                            eni_id,
                            ip_str(public),
                            entry,
                            bidirectional,
                            _severity(entry),
                            load_balancer_trace_path(network, public, entry, via, universe)
                            if via is not None
                            else path,
                            via,
                        )
                    )
            for entry in lists["unknown"]:
                incomplete.append(
                    Incomplete(
                        "unknown-path",
                        eni_id,
                        f"{entry.describe()} from {', '.join(entry.sources)} to {ip_str(public)}: the path "
                        "crosses what is not modelled",
                    )
                )
            if found:
                exposed_enis += 1
    progress.finish()
    notes: list[FamilyNote] | None = None
    if c.global6:
        notes, exposed6 = _exposure6(network, c, client_ports, findings, incomplete, _severity6)
        exposed_enis = len({f.eni for f in findings})
        public_addresses += exposed6
    limit = SEVERITY_ORDER[min_severity]
    return ExposureResult(
        findings=tuple(
            sorted((f for f in findings if SEVERITY_ORDER[f.severity] <= limit), key=Finding.sort_key)
        ),
        incomplete=tuple(incomplete),
        exposed_enis=exposed_enis,
        public_addresses=public_addresses,
        family_notes=tuple(notes) if notes is not None else None,
    )


def _severity6(entry: Entry, compiled: Compiled) -> str:
    return severity(entry.traffic, entry.sources, internet_universe(compiled, ipv6=True).index)


def _exposure6(
    network: Network,
    c: Compiled,
    client_ports: Interval,
    findings: list[Finding],
    incomplete: list[Incomplete],
    rate: Callable[[Entry, Compiled], str],
) -> tuple[list[FamilyNote], int]:
    """The IPv6 findings (added to ``findings``), and every ENI's family notes."""
    v4_open: dict[str, list[Entry]] = {}
    for f in findings:
        v4_open.setdefault(f.eni, []).append(f.entry)
    notes: list[FamilyNote] = []
    addresses = 0
    for eni_id in sorted(c.enis):
        eni = c.enis[eni_id]
        if not eni.addresses6:
            continue
        v6_open: list[Entry] = []
        for item in ipv6_exposure(network, c, eni_id, client_ports):
            addresses += 1
            text = ip_str(item.address)
            path = _path(item.skeleton, eni_id, eni_id, eni.group_ids) if item.skeleton is not None else ()
            for name, bidirectional in (("allowed", True), ("one_way", False), ("partial", "partial")):
                for entry in item.lists[name]:
                    v6_open.append(entry)
                    findings.append(
                        Finding(eni.instance_id, eni_id, text, entry, bidirectional, rate(entry, c), path)
                    )
            for entry in item.lists["unknown"]:
                incomplete.append(
                    Incomplete(
                        "unknown-path",
                        eni_id,
                        f"{entry.describe()} from {', '.join(entry.sources)} to {text}: the path crosses what "
                        "is not modelled",
                    )
                )
        addressable4 = bool(eni.public_of)

        def why_not_v4(eni_id: str = eni_id, addressable4: bool = addressable4) -> str:
            return "nothing is open over IPv4" if addressable4 else "it has no public IPv4 address"

        notes += family_notes(
            eni_id, eni.instance_id, v4_open.get(eni_id, []) if addressable4 else None, v6_open, why_not_v4
        )
    return notes, addresses
