"""``matrix``: all-pairs reachability between instances, subnets or security groups.

Computed by classes, never by tracing pairs: ENI addresses fall into classes
(:mod:`~vpcsim.analysis.bulk`); the engine walks one representative pair per class pair, and a
class pair whose every walk is stopped before any filter (no route, disconnected VPCs) is
dropped whole. A sender is then judged against a whole destination subnet at once, as rows of
big integers (:mod:`~vpcsim.analysis.matrix_fast`); class pairs whose paths meet other filters
than the two ends' security groups are judged member pair by member pair, memoised on the
filter results.

A cell ``X -> Y`` holds the traffic that some ENI of ``X`` can send some ENI of ``Y`` (an ENI to
itself, and two ENIs of one instance, are not pairs). Its lists are disjoint, the best case
winning: ``allowed`` (both ways for every client port, for some pair), then ``partial`` (with
the client ports that work for some pair), then ``one_way``, then ``unknown``.

A cell is of one address family (``family``): the IPv4 cells as above, the IPv6 ones from every
pair of IPv6 addresses (:mod:`~vpcsim.analysis.matrix6`); a pair of labels may have both.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ..engine.compiled import CompiledEni, compile_network
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Network
from ..progress import NO_PROGRESS, Progress
from .atoms import TrafficSpace
from .bulk import Bulk, quiet_gc
from .diff_rules import DiffRules
from .endpoints import Host
from .entries import Traffic, traffic_of
from .intervals import Interval, Intervals, as_lists, format_ranges
from .matrix6 import ipv6_accs
from .matrix_fast import Acc, FastMatrix

SCHEMA_VERSION = 1
By = Literal["instance", "subnet", "security-group"]
Family = Literal["ipv4", "ipv6"]
BY_CHOICES: tuple[By, ...] = ("instance", "subnet", "security-group")


@dataclass(frozen=True, slots=True)
class Cell:
    source: str
    destination: str
    allowed: tuple[Traffic, ...] = ()
    partial: tuple[tuple[Traffic, Intervals], ...] = ()
    one_way: tuple[Traffic, ...] = ()
    unknown: tuple[Traffic, ...] = ()
    family: Family = "ipv4"

    def sort_key(self) -> tuple[str, str, str]:
        return (self.source, self.destination, self.family)

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "family": self.family,
            "allowed": [t.to_dict() for t in self.allowed],
            "partial": [{**t.to_dict(), "source_ports": as_lists(p)} for t, p in self.partial],
            "one_way": [t.to_dict() for t in self.one_way],
            "unknown": [t.to_dict() for t in self.unknown],
        }


@dataclass(frozen=True, slots=True)
class MatrixResult:
    by: By
    labels: tuple[str, ...]
    cells: tuple[Cell, ...]
    class_pairs: int = 0
    member_pairs: int = 0

    def to_dict(self) -> dict[str, object]:
        return {**self.header(), "cells": [c.to_dict() for c in self.cells]}

    def header(self) -> dict[str, object]:
        """The document but its cells: the CLI streams them after it, one by one."""
        return {"schema_version": SCHEMA_VERSION, "by": self.by, "labels": list(self.labels)}

    def summary(self) -> dict[str, int]:
        """The counts a person reads first."""
        return {
            "labels": len(self.labels),
            "cells": len(self.cells),
            "cells_allowed": sum(1 for c in self.cells if c.allowed),
            "cells_partial": sum(1 for c in self.cells if c.partial),
            "cells_one_way": sum(1 for c in self.cells if c.one_way),
            "cells_unknown": sum(1 for c in self.cells if c.unknown),
            "cells_ipv6": sum(1 for c in self.cells if c.family == "ipv6"),
            "class_pairs": self.class_pairs,
            "member_pairs": self.member_pairs,
        }

    def cell(self, source: str, destination: str, family: Family = "ipv4") -> Cell | None:
        for c in self.cells:
            if c.source == source and c.destination == destination and c.family == family:
                return c
        return None

    def to_csv(self) -> str:
        """One row per traffic entry: from,to,list,protocol,ports,icmp,source_ports,family."""
        return "".join(self.iter_csv())

    def iter_csv(self) -> Iterator[str]:
        """:meth:`to_csv` in pieces, a cell's rows at a time (the CLI writes them as they come)."""
        yield "from,to,list,protocol,ports,icmp,source_ports,family\n"
        # Cells share traffic lists: render each (list, traffic, ports, family) tail once.
        tails: dict[tuple[str, int, Intervals | None, str], str] = {}

        def tail(name: str, t: Traffic, ports: Intervals | None, family: str) -> str:
            key = (name, id(t), ports, family)
            got = tails.get(key)
            if got is None:
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerow(
                    [
                        name,
                        t.protocol,
                        _csv_ports(t),
                        " ".join(f"{a}:{b}" for a, b in t.icmp) if t.icmp else "",
                        format_ranges(ports).replace(", ", " ") if ports else "",
                        family,
                    ]
                )
                got = tails[key] = buffer.getvalue()
            return got

        for c in self.cells:
            head = f"{c.source},{c.destination},"
            f = c.family
            parts = [head + tail("allowed", t, None, f) for t in c.allowed]
            parts.extend(head + tail("partial", t, p, f) for t, p in c.partial)
            parts.extend(head + tail("one_way", t, None, f) for t in c.one_way)
            parts.extend(head + tail("unknown", t, None, f) for t in c.unknown)
            yield "".join(parts)


def _csv_ports(t: Traffic) -> str:
    if t.protocol == "other" and t.protocols is not None:
        return format_ranges(t.protocols).replace(", ", " ")
    return format_ranges(t.ports).replace(", ", " ") if t.ports else ""


def _labels(eni: CompiledEni, by: By) -> tuple[str, ...]:
    if by == "instance":
        return (eni.instance_id or eni.eni_id,)
    if by == "subnet":
        return (eni.subnet.subnet_id,)
    return eni.group_ids


def _candidate_vpcs(bulk: Bulk) -> dict[str, set[str] | None]:
    """VPCs a source VPC's packets can reach an ENI in: itself and its peers, or any (None) when
    one of its route tables leads outside the model (where anything may happen)."""
    c = bulk.c
    peers: dict[str, set[str]] = {v: {v} for v in c.vpcs}
    for pcx in c.network.vpc_peering_connections.values():
        a, b = pcx.requester.vpc_id, pcx.accepter.vpc_id
        peers.setdefault(a, {a}).add(b)
        peers.setdefault(b, {b}).add(a)
    out: dict[str, set[str] | None] = dict(peers)
    for subnet in c.subnets.values():
        table = subnet.route_table
        if table is None:
            continue
        kinds = {r.kind for _, level in table.levels for r in level.values()}
        kinds |= {r.kind for routes in table.shadowed.values() for r in routes}
        if kinds - {"local", "igw", "nat", "eni", "pcx", "vpce"}:
            out[subnet.vpc_id] = None
    return out


def matrix(
    network: Network,
    by: By = "subnet",
    *,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    bulk: Bulk | None = None,
    rows: bool = True,
    ipv6: bool = True,
    progress: Progress = NO_PROGRESS,
) -> MatrixResult:
    """All-pairs reachability grouped ``by`` instance, subnet or security group, over both
    address families (``ipv6=False``: the IPv4 cells only).

    ``rows`` (the default) evaluates a sender against a whole subnet at once where the class
    pair allows it (:mod:`~vpcsim.analysis.matrix_fast`); ``rows=False`` evaluates every member
    pair (the same answer, slower: tests compare the two).
    """
    with quiet_gc():
        try:
            result = _matrix(network, by, client_ports=client_ports, bulk=bulk, rows=rows, progress=progress)
            if ipv6:
                result = with_ipv6(network, result, client_ports, progress)
            return result
        finally:
            progress.finish()


def with_ipv6(
    network: Network, result: MatrixResult, client_ports: Interval, progress: Progress = NO_PROGRESS
) -> MatrixResult:
    """``result`` with the IPv6 cells added (the same result when no host has an IPv6 address)."""
    if not any(e.ipv6_addresses for e in network.network_interfaces.values()):
        return result
    labels_of, owner_of = host_labels(network, result.by)
    space, accs, judged = ipv6_accs(
        network,
        labels_of,
        owner_of,
        same_owner=result.by != "instance",
        client_ports=client_ports,
        progress=progress,
    )
    if space is None:
        return result
    cells = sorted((*result.cells, *cells_of(space.space, accs, "ipv6")), key=Cell.sort_key)
    return MatrixResult(
        result.by, result.labels, tuple(cells), result.class_pairs, result.member_pairs + judged
    )


def host_labels(network: Network, by: By) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """The host ENIs' labels ``by`` instance, subnet or group, and their owners (instance or
    ENI): NAT gateways' ENIs and the other ENIs AWS manages for a service are no hosts."""
    c = compile_network(network)
    labels_of: dict[str, tuple[str, ...]] = {}
    owner_of: dict[str, str] = {}
    for eni_id in sorted(c.enis):
        eni = c.enis[eni_id]
        if eni.nat_gateway is not None or eni.managed is not None:
            continue
        labels = _labels(eni, by)
        if labels:
            labels_of[eni_id] = labels
            owner_of[eni_id] = eni.instance_id or eni.eni_id
    return labels_of, owner_of


def _may_reach(candidates: dict[str, set[str] | None], src_vpc: str, vpc: str) -> bool:
    allowed_vpcs = candidates.get(src_vpc)
    return allowed_vpcs is None or vpc in allowed_vpcs


def receiver_parts(
    receivers: dict[str, list[Host]],
    labels_of: dict[str, tuple[str, ...]],
    vpc_of: dict[str, str] | None = None,
) -> list[list[str]]:
    """The destination subnets in parts that share no receiver label (two subnets whose
    receivers share a label -- a group, an instance -- are in one part), each sorted: a cell's
    receiver label lies in one part, so a cell only ever gathers bits of that part's rows.
    ``vpc_of`` (subnet -> VPC) also joins the subnets of one VPC: the same senders are asked
    against them (the VPCs a path may join are per VPC), so one space serves them all and its
    filter caches are shared."""
    parent: dict[str, str] = {s: s for s in receivers}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple[str, str], str] = {}
    for subnet_id in sorted(receivers):
        keys = {("label", label) for h in receivers[subnet_id] for label in labels_of[h.eni_id or ""]}
        if vpc_of is not None:
            keys.add(("vpc", vpc_of[subnet_id]))
        for key in sorted(keys):
            other = first.setdefault(key, subnet_id)
            a, b = find(other), find(subnet_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
    parts: dict[str, list[str]] = {}
    for subnet_id in sorted(receivers):
        parts.setdefault(find(subnet_id), []).append(subnet_id)
    return list(parts.values())


def _matrix(
    network: Network, by: By, *, client_ports: Interval, bulk: Bulk | None, rows: bool, progress: Progress
) -> MatrixResult:
    bulk = bulk or Bulk(network, client_ports)
    c = bulk.c
    labels_of: dict[str, tuple[str, ...]] = {}
    owner_of: dict[str, str] = {}
    receivers: dict[str, list[Host]] = defaultdict(list)
    senders: dict[str, list[tuple[Host, tuple[str, ...], str]]] = defaultdict(list)
    all_labels: set[str] = set()
    for eni_id in sorted(c.enis):
        eni = c.enis[eni_id]
        if eni.nat_gateway is not None or eni.managed is not None:
            continue  # a NAT gateway, transit gateway attachment, load balancer node...: no host
        labels = _labels(eni, by)
        if not labels:
            continue
        labels_of[eni_id] = labels
        owner_of[eni_id] = eni.instance_id or eni.eni_id
        all_labels.update(labels)
        for address in sorted(eni.addresses - eni.addresses6):  # IPv4 (the IPv6 cells: matrix6)
            host = Host(address, eni_id)
            receivers[eni.subnet.subnet_id].append(host)
            senders[eni.vpc_id].append((host, labels, owner_of[eni_id]))
    candidates = _candidate_vpcs(bulk)
    labels = tuple(sorted(all_labels))
    if rows:
        progress.start(f"matrix by {by} (destination subnets)", len(receivers))
        cells: list[Cell] = []
        pairwise = 0
        with bulk.keeping_space():
            for part in receiver_parts(receivers, labels_of, {s: c.subnets[s].vpc_id for s in receivers}):
                # One traffic space per part (:mod:`~vpcsim.analysis.local_atoms`): cut by the
                # rules of the paths into its subnets only; no cell takes bits from two parts.
                asked = {
                    subnet_id: [
                        a
                        for src_vpc in sorted(senders)
                        if _may_reach(candidates, src_vpc, c.subnets[subnet_id].vpc_id)
                        for a in senders[src_vpc]
                    ]
                    for subnet_id in part
                }
                gathered = DiffRules()
                for subnet_id in part:
                    gathered.pairs(bulk, (a for a, _, _ in asked[subnet_id]), receivers[subnet_id])
                gathered.rules.add_service_ports(bulk.service_ports)
                bulk.use_space(TrafficSpace(gathered.rules, client_ports))
                fm = FastMatrix(bulk, by, labels_of, owner_of)
                for subnet_id in part:
                    progress.advance()  # per subnet of receivers
                    d = fm.dest(receivers[subnet_id])
                    fm.begin()
                    for a, labels_a, owner_a in asked[subnet_id]:
                        fm.row(a, labels_a, owner_a, d)
                    fm.end(d)
                cells.extend(cells_of(bulk.space, fm.accs))
                pairwise += fm.pairwise
        progress.start("matrix: cells", None)
        cells.sort(key=Cell.sort_key)
        return MatrixResult(by, labels, tuple(cells), len(bulk._pair_classes), pairwise)
    accs: dict[tuple[str, str], Acc] = defaultdict(Acc)
    member_pairs = 0
    progress.start(f"matrix by {by} (source VPCs)", len(senders))
    for src_vpc in sorted(senders):
        progress.advance()
        allowed_vpcs = candidates.get(src_vpc)
        for subnet_id in sorted(receivers):
            if allowed_vpcs is not None and c.subnets[subnet_id].vpc_id not in allowed_vpcs:
                continue
            for a, labels_a, owner_a in senders[src_vpc]:
                for b in receivers[subnet_id]:
                    b_eni = b.eni_id or ""
                    if a.eni_id == b_eni or (by == "instance" and owner_a == owner_of[b_eni]):
                        continue
                    out = bulk.pair(a, b)
                    member_pairs += 1
                    if out.empty:
                        continue
                    for x in labels_a:
                        for y in labels_of[b_eni]:
                            accs[(x, y)].add(out)
    return MatrixResult(by, labels, cells_of(bulk.space, accs), len(bulk._pair_classes), member_pairs)


def cells_of(
    space: TrafficSpace, accs: dict[tuple[str, str], Acc], family: Family = "ipv4"
) -> tuple[Cell, ...]:
    """Cells of one family from what each gathered, with disjoint lists (the best case winning)."""
    render: dict[int, tuple[Traffic, ...]] = {}  # cells share traffic tuples: each rendered once
    cells: list[Cell] = []
    for (x, y), acc in sorted(accs.items()):
        allowed = acc.allowed
        partial: dict[Intervals, int] = {}
        partial_bits = 0
        for bits, ports in acc.partial_classes(skip=allowed):
            partial[ports] = partial.get(ports, 0) | bits
            partial_bits |= bits
        one_way = acc.one_way & ~allowed & ~partial_bits
        unknown = acc.unknown & ~allowed & ~partial_bits & ~one_way
        if not (allowed or partial_bits or one_way or unknown):
            continue
        cells.append(
            Cell(
                x,
                y,
                _traffic(space, allowed, render),
                tuple(
                    sorted(
                        (
                            (t, ports)
                            for ports, bits in partial.items()
                            for t in _traffic(space, bits, render)
                        ),
                        key=lambda tp: (tp[0].sort_key(), tp[1]),
                    )
                ),
                _traffic(space, one_way, render),
                _traffic(space, unknown, render),
                family,
            )
        )
    return tuple(cells)


def _traffic(space: object, bits: int, render: dict[int, tuple[Traffic, ...]]) -> tuple[Traffic, ...]:
    got = render.get(bits)
    if got is None:
        got = render[bits] = tuple(sorted(traffic_of(space, bits), key=Traffic.sort_key))  # type: ignore[arg-type]
    return got
