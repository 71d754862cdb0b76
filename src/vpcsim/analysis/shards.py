"""Independent parts of an estate, so that ``exposure`` and ``matrix`` can run on many workers.

Why: an organisation's estate is mostly islands -- groups of VPCs that peer with each other but
with nothing else. Nothing in one island changes an answer about another, so each island can be
analysed on its own, on another machine, and the answers put side by side are the answer about
the whole. This module is the pure half of that: which VPCs belong together (:func:`components`),
how to pack them into shards of similar size (:func:`plan`), the sub-network of a shard
(:func:`sub_network`), the analysis of one shard (:func:`exposure_shard`, :func:`matrix_shard`)
and the deterministic merge (:func:`merge_exposure`, :func:`merge_matrix`). Shipping shards to
workers is the edge's job (:mod:`vpcsim.cluster`).

Two VPCs are in one part when anything could make an answer about one depend on the other
(conservatively -- a part too large costs time, never correctness):

* a resource names both (a peering connection, a transit or virtual private gateway attached to
  both, a security-group rule referencing a group of the other VPC, a route to the other's
  peering connection, an unknown resource referenced from both...);
* a route leaves the model (transit gateway, virtual private gateway, an unknown target) toward a
  destination that overlaps the other VPC's blocks: what happens beyond is unknown, and the
  single-process answer lists such flows as ``unknown``.

Managed prefix lists hold no traffic of their own: each shard gets a copy of those it names.
Resources tied to no VPC (an unassociated Elastic IP) go to the first shard.

What stays global: the internet universe excludes the public addresses of the *whole* estate
(a flow from another part's public address is NAT reflection, not the internet), so each shard
is given them (:func:`public_addresses`); and ``exposure``'s ``incomplete`` list of skipped and
unknown input and IPv6 is computed once, over the whole estate, by the merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from ipaddress import IPv4Network
from itertools import pairwise

from ..engine.compiled import ip_int
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Network
from ..model.addressing import LOCAL, route_target_kind
from ..model.network import COLLECTIONS
from ..model.resources import (
    ManagedPrefixList,
    Resource,
    RouteTable,
    UnknownResource,
    Vpc,
    VpcPeeringConnection,
)
from .bulk import Bulk
from .exposure import ExposureResult, Finding, Severity, exposure
from .incomplete import Incomplete, incomplete_of
from .intervals import Interval
from .matrix import By, Cell, MatrixResult, matrix, with_ipv6

#: Route targets whose traffic stays inside the model (the rest lead where anything may happen).
_INSIDE_TARGETS = frozenset({"igw", "nat", "eni", "instance", "pcx", "vpce"})
#: Fields that never name another resource.
_NOT_REFERENCES = frozenset({"tags", "description", "owner_id", "region"})


@dataclass(frozen=True, slots=True)
class Shard:
    """A set of whole parts of an estate, and its sub-network (what a worker is sent)."""

    vpc_ids: tuple[str, ...]
    network: Network
    enis: int


class _Union:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def join(self, items: Iterable[str]) -> None:
        roots = sorted({self.find(i) for i in items})
        for other in roots[1:]:
            self.parent[other] = roots[0]


def _strings(value: object) -> Iterator[str]:
    """Every string held by a resource's fields (lists and nested records included): the ids it
    names, among others."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            if f.name not in _NOT_REFERENCES:
                yield from _strings(getattr(value, f.name))


class _Estate:
    """The VPCs each resource belongs to, and the prefix lists it names."""

    def __init__(self, network: Network) -> None:
        self.network = network
        by_id: dict[str, Resource] = {r.id: r for r in network.resources()}
        self.by_id = by_id
        own: dict[str, set[str]] = {}
        for resource in network.resources():
            vpcs: set[str] = set()
            if isinstance(resource, Vpc):
                vpcs.add(resource.vpc_id)
            elif isinstance(resource, VpcPeeringConnection):
                sides = (resource.requester.vpc_id, resource.accepter.vpc_id)
                vpcs.update(v for v in sides if v in network.vpcs)
            for text in _strings(resource):
                if text.startswith("vpc-") and text in network.vpcs:
                    vpcs.add(text)
            own[resource.id] = vpcs
        _transit_vpcs(network, own)
        self.vpcs_of: dict[str, set[str]] = {}
        self.prefix_lists_of: dict[str, set[str]] = {}
        for resource in network.resources():
            vpcs = set(own[resource.id])
            lists: set[str] = set()
            for text in _strings(resource):
                other = by_id.get(text)
                if other is None or other is resource:
                    continue
                if isinstance(other, ManagedPrefixList):
                    lists.add(text)
                else:
                    vpcs |= own[text]
            if isinstance(resource, UnknownResource):
                for referrer in resource.referenced_by:
                    vpcs |= own.get(referrer, set())
            self.vpcs_of[resource.id] = vpcs
            self.prefix_lists_of[resource.id] = lists

    def outside_destinations(self, table: RouteTable) -> Iterator[IPv4Network]:
        """The IPv4 destinations of ``table``'s routes that leave the model."""
        for route in table.routes:
            target = route.target
            kind = route_target_kind(target)
            if target == LOCAL or (kind is not None and kind.kind in _INSIDE_TARGETS):
                continue
            if route.destination_cidr_block is not None:
                yield IPv4Network(route.destination_cidr_block, strict=False)
            elif route.destination_prefix_list_id is not None:
                plist = self.network.prefix_lists.get(route.destination_prefix_list_id)
                for entry in plist.entries if plist is not None else ():
                    if ":" not in entry.cidr:
                        yield IPv4Network(entry.cidr, strict=False)


def _transit_vpcs(network: Network, own: dict[str, set[str]]) -> None:
    """A transit gateway belongs to every VPC attached to it, and a peering attachment to every VPC
    of its two gateways: no attachment names the other VPCs of its gateway."""
    attachments = network.transit_gateway_attachments.values()
    for attachment in attachments:
        for tgw_id in attachment.transit_gateway_ids():
            if tgw_id in own:
                own[tgw_id] |= own[attachment.transit_gateway_attachment_id]
    for attachment in attachments:
        if attachment.peer_transit_gateway_id:
            for tgw_id in attachment.transit_gateway_ids():
                own[attachment.transit_gateway_attachment_id] |= own.get(tgw_id, set())


def components(network: Network) -> list[tuple[str, ...]]:
    """The estate's VPCs grouped into independent parts (module docstring), each sorted, in the
    order of their first VPC id."""
    return _components(_Estate(network))


def _components(estate: _Estate) -> list[tuple[str, ...]]:
    network = estate.network
    union = _Union(network.vpcs)
    for vpcs in estate.vpcs_of.values():
        if len(vpcs) > 1:
            union.join(vpcs)
    blocks = {
        vpc.vpc_id: [IPv4Network(c, strict=False) for c in vpc.cidr_blocks] for vpc in network.vpcs.values()
    }
    for table in network.route_tables.values():
        if table.vpc_id not in network.vpcs:
            continue
        for destination in estate.outside_destinations(table):
            overlapping = [v for v, nets in blocks.items() if any(n.overlaps(destination) for n in nets)]
            union.join([table.vpc_id, *overlapping])
    groups: dict[str, list[str]] = {}
    for vpc_id in sorted(network.vpcs):
        groups.setdefault(union.find(vpc_id), []).append(vpc_id)
    return sorted(tuple(g) for g in groups.values())


def plan(network: Network, parts: int) -> list[Shard]:
    """At most ``parts`` shards of whole components, balanced by ENI count (largest component
    first onto the lightest shard), in a deterministic order."""
    if parts < 1:
        raise ValueError(f"parts must be at least 1, not {parts}")
    enis_of_vpc: dict[str, int] = {}
    for eni in network.network_interfaces.values():
        enis_of_vpc[eni.vpc_id] = enis_of_vpc.get(eni.vpc_id, 0) + 1
    estate = _Estate(network)
    weighted = sorted(
        ((sum(enis_of_vpc.get(v, 0) for v in group), group) for group in _components(estate)),
        key=lambda wg: (-wg[0], wg[1]),
    )
    bins: list[tuple[int, list[str]]] = [(0, []) for _ in range(min(parts, len(weighted)) or 1)]
    for weight, group in weighted:
        index = min(range(len(bins)), key=lambda i: (bins[i][0], i))
        load, vpcs = bins[index]
        bins[index] = (load + weight, [*vpcs, *group])
    shards = []
    for position, (load, vpcs) in enumerate(bins):
        if vpcs or position == 0:
            shards.append(Shard(tuple(sorted(vpcs)), _sub_network(estate, set(vpcs), position == 0), load))
    return shards


def sub_network(network: Network, vpc_ids: Iterable[str], *, orphans: bool = False) -> Network:
    """The resources of ``vpc_ids`` (whole parts, from :func:`components`), the prefix lists they
    name, and, with ``orphans``, the resources tied to no VPC."""
    return _sub_network(_Estate(network), set(vpc_ids), orphans)


def _sub_network(estate: _Estate, vpc_ids: set[str], orphans: bool) -> Network:
    network = estate.network
    out = Network(account=network.account, region=network.region)
    wanted_lists: set[str] = set()
    chosen: list[Resource] = []
    for name in COLLECTIONS.values():
        for resource in getattr(network, name).values():
            if isinstance(resource, ManagedPrefixList):
                continue
            vpcs = estate.vpcs_of[resource.id]
            if (vpcs & vpc_ids) if vpcs else orphans:
                chosen.append(resource)
                wanted_lists |= estate.prefix_lists_of[resource.id]
    for resource in chosen:
        out.add(resource)
    for list_id, plist in network.prefix_lists.items():
        if list_id in wanted_lists or (orphans and not _named_anywhere(estate, list_id)):
            out.add(plist)
    return out


def _named_anywhere(estate: _Estate, list_id: str) -> bool:
    return any(list_id in lists for lists in estate.prefix_lists_of.values())


def public_addresses(network: Network) -> frozenset[int]:
    """Every public address of the estate's ENIs: not the internet, in any shard."""
    return frozenset(
        ip_int(p.public_ip)
        for eni in network.network_interfaces.values()
        for p in eni.private_ip_addresses
        if p.public_ip
    )


# ------------------------------------------------------------------------------ one shard


def exposure_shard(
    network: Network,
    *,
    public: frozenset[int],
    client_ports: Interval = LINUX_CLIENT_PORTS,
    min_severity: Severity = "low",
) -> ExposureResult:
    """``exposure`` of one shard, with the estate's public addresses kept out of its internet."""
    bulk = Bulk(network, client_ports, also_public=public)
    return exposure(network, client_ports=client_ports, bulk=bulk, min_severity=min_severity)


def matrix_shard(network: Network, by: By, *, client_ports: Interval = LINUX_CLIENT_PORTS) -> MatrixResult:
    """``matrix`` of one shard (its ENIs' labels and IPv4 cells only: over IPv6 the addresses are
    global, so paths through the internet join shards; :func:`merge_matrix` adds those cells)."""
    return matrix(network, by, client_ports=client_ports, ipv6=False)


# ------------------------------------------------------------------------------ merging


def merge_exposure(
    network: Network, results: Sequence[ExposureResult], *, skipped: dict[str, int] | None = None
) -> ExposureResult:
    """The single-process answer from the shards' answers, in its order: findings sorted as
    ``exposure`` sorts them (ties only arise within an ENI, hence within one shard, whose order
    is kept), the estate's own ``incomplete`` items first, then each ENI's unknown paths in ENI
    order; the family notes in ENI order (IPv6 is analysed: no ``ipv6`` item)."""
    findings: list[Finding] = [f for r in results for f in r.findings]
    findings.sort(key=Finding.sort_key)
    unknown = [i for r in results for i in r.incomplete if i.kind == "unknown-path"]
    unknown.sort(key=lambda i: i.component)
    incomplete: list[Incomplete] = [*incomplete_of(network, skipped, ipv6_analysed=True), *unknown]
    notes = None
    if any(r.family_notes is not None for r in results):
        # Each ENI's notes, in ENI order as the single process gives them (one shard per ENI).
        notes = tuple(sorted((n for r in results for n in r.family_notes or ()), key=lambda n: n.eni))
    return ExposureResult(
        findings=tuple(findings),
        incomplete=tuple(incomplete),
        exposed_enis=sum(r.exposed_enis for r in results),
        public_addresses=sum(r.public_addresses for r in results),
        family_notes=notes,
    )


def merge_matrix(
    by: By,
    results: Sequence[MatrixResult],
    network: Network | None = None,
    *,
    client_ports: Interval = LINUX_CLIENT_PORTS,
) -> MatrixResult:
    """The single-process matrix from the shards' matrices: every label, every cell in
    ``(from, to, family)`` order. A cell found by two shards means the plan split a part:
    refused. ``network`` (the whole estate): its IPv6 cells are added, computed here."""
    cells = sorted((c for r in results for c in r.cells), key=Cell.sort_key)
    for before, after in pairwise(cells):
        if before.sort_key() == after.sort_key():
            raise ValueError(f"cell {before.source} -> {before.destination} found by two shards")
    merged = MatrixResult(
        by,
        tuple(sorted({label for r in results for label in r.labels})),
        tuple(cells),
        sum(r.class_pairs for r in results),
        sum(r.member_pairs for r in results),
    )
    return with_ipv6(network, merged, client_ports) if network is not None else merged


__all__ = [
    "Shard",
    "components",
    "exposure_shard",
    "matrix_shard",
    "merge_exposure",
    "merge_matrix",
    "plan",
    "public_addresses",
    "sub_network",
]
