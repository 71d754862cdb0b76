"""``diff OLD NEW``: the flows a change opens and closes, per ENI address and with the internet.

Why: "what will this Terraform plan open?" is answered by comparing what every ENI address can
send every other (and the internet, both ways) before and after. Endpoints (instances, and ENIs
that belong to no instance) are matched across the two inputs by id, then by Name tag, then by
the ``vpcsim:terraform_address`` tag, so that a YAML spec, an AWS dump and a Terraform plan of
the same estate line up even where their ids differ. Pairs are **per ENI and address**, never
merged per instance: an Elastic IP or a rule added on a second ENI is its own pair. An matched
instance's ENIs pair up by id, then by device order; an ENI's addresses by value, then by
position (primary first), so that an address known only after apply (a stand-in) is compared
with the one it replaces and flagged ``unknown-address`` rather than reported as a closure.

Both networks are judged over one traffic space (the union of both rule sets), so atoms compare
one to one. "Open" means what ``exposure`` and ``check``'s ``deny`` mean: the request is
delivered. Per pair the diff lists what works both ways now and did not (``newly_allowed``, for
the client ports it works for), what no longer does (``newly_blocked``), what is newly delivered
without replies (``newly_one_way``) or no longer delivered at all after landing one way
(``no_longer_one_way``), and changes whose answer depends on what is not modelled on one side
(``unknown``). Internet flows are compared over addresses that are the internet in both inputs.

Over IPv6 (:mod:`~vpcsim.analysis.diff6`) the same endpoints' IPv6 addresses are compared pair by
pair and with the IPv6 internet, over a traffic space of their own (ICMP is ICMPv6 there).

Only what can differ is recomputed: when the two inputs differ only in security groups and
network interfaces, and no changed ENI is a route target (a firewall appliance, a NAT instance:
paths of other pairs cross it), the pairs whose sender's outbound or receiver's inbound rules (or
group memberships) changed; otherwise every pair. A property test holds the shortcut equal to the
full recomputation.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from itertools import pairwise
from typing import Literal, Protocol

from ..engine.compiled import UNKNOWN_ADDRESS_TAG, ip_int, ip_str
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Instance, Network, NetworkInterface
from ..model.addressing import managed_interface
from ..model.network import COLLECTIONS
from ..progress import NO_PROGRESS, Progress
from .atoms import RuleSet, TrafficSpace
from .bulk import Bulk, every_rule_space, quiet_gc
from .diff_rows import row_pairs
from .diff_rules import DiffRules
from .endpoints import Host
from .entries import Entry, EntryBuilder, RenderCache, Traffic
from .evaluate import Outcome
from .incomplete import Incomplete, incomplete_of, undermines
from .intervals import Interval, IntervalIndex, Intervals, intersect, subtract
from .matrix import _candidate_vpcs
from .matrix_fast import Acc, FastMatrix

SCHEMA_VERSION = 1
TERRAFORM_TAG = "vpcsim:terraform_address"
INTERNET = "internet"
_COMPARE_ROWS = True
"""Compare both inputs' rows before cutting them into cells (:mod:`~vpcsim.analysis.diff_rows`)
when they lay the pairs out alike; False: gather every cell of both (a test compares both)."""
_REUSE_SHAPES = True
"""Print pairs whose cells are alike from one pair diff's shape; False: build every pair diff
(a test compares both)."""

#: atom index -> the client ports for which the flow works both ways.
Works = dict[int, Intervals]


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class PairDiff:
    source: str
    destination: str
    source_eni: str | None = None
    destination_eni: str | None = None
    newly_allowed: tuple[Entry, ...] = ()
    newly_blocked: tuple[Entry, ...] = ()
    newly_one_way: tuple[Entry, ...] = ()
    no_longer_one_way: tuple[Entry, ...] = ()
    unknown: tuple[Entry, ...] = ()
    family: Literal["ipv4", "ipv6"] = "ipv4"
    """The address family of the pair's addresses (an ENI pair may have a pair diff of each)."""

    @property
    def changed(self) -> bool:
        """Something is opened or closed for sure (``unknown`` aside)."""
        return bool(self.newly_allowed or self.newly_blocked or self.newly_one_way or self.no_longer_one_way)

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.source, self.destination, self.source_eni or "", self.destination_eni or "", self.family)

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "from_eni": self.source_eni,
            "to_eni": self.destination_eni,
            "family": self.family,
            "newly_allowed": [e.to_dict() for e in self.newly_allowed],
            "newly_blocked": [e.to_dict() for e in self.newly_blocked],
            "newly_one_way": [e.to_dict() for e in self.newly_one_way],
            "no_longer_one_way": [e.to_dict() for e in self.no_longer_one_way],
            "unknown": [e.to_dict() for e in self.unknown],
        }


@dataclass(frozen=True, slots=True)
class DiffResult:
    pairs: tuple[PairDiff, ...] = ()
    unmatched_old: tuple[str, ...] = ()
    unmatched_new: tuple[str, ...] = ()
    matched: tuple[tuple[str, str], ...] = ()
    """(old id, new id) of endpoints matched by Name tag or Terraform address (ids differ)."""
    incomplete: tuple[tuple[str, Incomplete], ...] = ()
    """(``old`` or ``new``, what that input's answer cannot cover)."""
    incremental: bool = False

    @property
    def changed(self) -> bool:
        return any(p.changed for p in self.pairs)

    @property
    def status(self) -> str:
        """``changed``; else ``unknown`` (unknown changes or an incomplete input); else ``same``."""
        if self.changed:
            return "changed"
        unknown = undermines(i for _, i in self.incomplete) or any(p.unknown for p in self.pairs)
        return "unknown" if unknown else "same"

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "pairs": [p.to_dict() for p in self.pairs],
            "matched_by_name": [{"old": o, "new": n} for o, n in self.matched],
            "only_in_old": list(self.unmatched_old),
            "only_in_new": list(self.unmatched_new),
            "incomplete": [{"side": side, **item.to_dict()} for side, item in self.incomplete],
        }


# ---------------------------------------------------------------------------- matching


def _endpoints_of(network: Network) -> dict[str, Instance | NetworkInterface]:
    """Instances, and ENIs of no instance (NAT gateways' and the other ENIs AWS manages for a
    service aside: transit gateway attachments', endpoints'...), by id."""
    out: dict[str, Instance | NetworkInterface] = dict(network.instances)
    nat_enis = {n.network_interface_id for n in network.nat_gateways.values()}
    for eni in network.network_interfaces.values():
        attached = eni.attachment is not None and eni.attachment.instance_id in network.instances
        managed = managed_interface(eni.interface_type, eni.description) is not None
        if not attached and not managed and eni.network_interface_id not in nat_enis:
            out[eni.network_interface_id] = eni
    return out


def _enis_of(resource: Instance | NetworkInterface) -> list[str]:
    if isinstance(resource, Instance):
        return list(resource.network_interface_ids)
    return [resource.network_interface_id]


@dataclass(slots=True)
class Side:
    """An ENI as one of the two networks holds it."""

    label: str
    """The endpoint (instance, or the ENI itself) in that network."""
    eni: str


@dataclass(slots=True)
class Endpoint:
    """One ENI, matched across the two inputs (either side may be missing)."""

    key: str
    label: str
    """The endpoint's id in the new input (the old one's when it exists only there)."""
    old: Side | None
    new: Side | None

    @property
    def eni(self) -> str:
        return (self.new or self.old).eni  # type: ignore[union-attr]


def _pair_lists(old: list[str], new: list[str]) -> list[tuple[str | None, str | None]]:
    """ENIs of one matched endpoint: by id, then in device order."""
    same = [e for e in old if e in new]
    rest_old = [e for e in old if e not in same]
    rest_new = [e for e in new if e not in same]
    out: list[tuple[str | None, str | None]] = [(e, e) for e in same]
    for i in range(max(len(rest_old), len(rest_new))):
        out.append((rest_old[i] if i < len(rest_old) else None, rest_new[i] if i < len(rest_new) else None))
    return out


def match(old: Network, new: Network) -> tuple[list[Endpoint], list[str], list[str], list[tuple[str, str]]]:
    """ENI endpoints, from resources matched by id, then Name tag, then Terraform address; and
    the resources only in the old input, only in the new one, matched by tag."""
    old_eps, new_eps = _endpoints_of(old), _endpoints_of(new)
    pairs: dict[str, str] = {i: i for i in old_eps if i in new_eps and type(old_eps[i]) is type(new_eps[i])}
    for tag in ("Name", TERRAFORM_TAG):
        taken = set(pairs.values())
        old_by = _unique_by(old_eps, tag, set(pairs))
        new_by = _unique_by(new_eps, tag, taken)
        for value, old_id in old_by.items():
            new_id = new_by.get(value)
            if new_id is not None and type(old_eps[old_id]) is type(new_eps[new_id]):
                pairs[old_id] = new_id
    endpoints: list[Endpoint] = []
    by_name: list[tuple[str, str]] = []
    for old_id, new_id in sorted(pairs.items(), key=lambda p: p[1]):
        for a, b in _pair_lists(_enis_of(old_eps[old_id]), _enis_of(new_eps[new_id])):
            endpoints.append(
                Endpoint(
                    f"{b or ''}|{a or ''}",
                    new_id,
                    Side(old_id, a) if a is not None else None,
                    Side(new_id, b) if b is not None else None,
                )
            )
        if old_id != new_id:
            by_name.append((old_id, new_id))
    matched_new = set(pairs.values())
    only_old = sorted(i for i in old_eps if i not in pairs)
    only_new = sorted(i for i in new_eps if i not in matched_new)
    for i in only_old:
        endpoints.extend(Endpoint(f"|{e}", i, Side(i, e), None) for e in _enis_of(old_eps[i]))
    for i in only_new:
        endpoints.extend(Endpoint(f"{e}|", i, None, Side(i, e)) for e in _enis_of(new_eps[i]))
    return endpoints, only_old, only_new, by_name


def _unique_by(eps: dict[str, Instance | NetworkInterface], tag: str, exclude: set[str]) -> dict[str, str]:
    seen: dict[str, list[str]] = {}
    for rid, resource in eps.items():
        if rid in exclude:
            continue
        value = resource.tags.get(tag)
        if value:
            seen.setdefault(value, []).append(rid)
    return {v: ids[0] for v, ids in seen.items() if len(ids) == 1}


Slot = tuple[int, int | None]
"""(private address, its public address or None)."""


def _slots_of(network: Network, eni_id: str) -> list[Slot]:
    eni = network.network_interfaces.get(eni_id)
    if eni is None:
        return []
    ordered = sorted(eni.private_ip_addresses, key=lambda p: not p.primary)
    return [(ip_int(p.private_ip_address), ip_int(p.public_ip) if p.public_ip else None) for p in ordered]


def _pair_slots(old: list[Slot], new: list[Slot]) -> list[tuple[Slot | None, Slot | None]]:
    """An ENI's addresses across the inputs: by private address, then by position."""
    new_by = {s[0]: s for s in new}
    same = [(s, new_by[s[0]]) for s in old if s[0] in new_by]
    used = {s[0] for s, _ in same}
    rest_old = [s for s in old if s[0] not in used]
    rest_new = [s for s in new if s[0] not in used]
    out: list[tuple[Slot | None, Slot | None]] = list(same)
    for i in range(max(len(rest_old), len(rest_new))):
        out.append((rest_old[i] if i < len(rest_old) else None, rest_new[i] if i < len(rest_new) else None))
    return out


# ---------------------------------------------------------------------------- what changed


@dataclass(slots=True)
class Affected:
    """ENIs (by id, per network) whose outbound or inbound behaviour may have changed;
    None means every ENI."""

    senders: set[str] | None
    receivers: set[str] | None


def _route_target_enis(network: Network) -> set[str]:
    """ENIs that routes send traffic to (directly, through their instance or their NAT gateway):
    middleboxes whose groups and settings filter other pairs' paths."""
    out: set[str] = set()
    for table in network.route_tables.values():
        for route in table.routes:
            if route.network_interface_id:
                out.add(route.network_interface_id)
            if route.nat_gateway_id:
                nat = network.nat_gateways.get(route.nat_gateway_id)
                if nat is not None and nat.network_interface_id in network.network_interfaces:
                    out.add(nat.network_interface_id)
            if route.instance_id:
                instance = network.instances.get(route.instance_id)
                if instance is not None:
                    out.update(instance.network_interface_ids)
    return out


_GROUP_FILTER_FIELDS = ("ingress", "egress", "tags", "description", "group_name")


def affected(old: Network, new: Network) -> Affected:
    """Narrow the pairs to recompute, when only security groups and ENIs differ (same ids) and
    no changed ENI is on other pairs' paths."""
    for name in COLLECTIONS.values():
        if name in ("security_groups", "network_interfaces"):
            continue
        if getattr(old, name) != getattr(new, name):
            return Affected(None, None)
    senders: set[str] = set()
    receivers: set[str] = set()
    changed_in: set[str] = set()
    changed_out: set[str] = set()
    moved_groups: set[str] = set()
    for gid in set(old.security_groups) | set(new.security_groups):
        a, b = old.security_groups.get(gid), new.security_groups.get(gid)
        if (
            a is None
            or b is None
            or any(
                getattr(a, f.name) != getattr(b, f.name)
                for f in fields(a)
                if f.name not in _GROUP_FILTER_FIELDS
            )
        ):
            # Created, deleted or moved (VPC, account): rules that reference it change too.
            changed_in.add(gid)
            changed_out.add(gid)
            moved_groups.add(gid)
            continue
        if a.ingress != b.ingress:
            changed_in.add(gid)
        if a.egress != b.egress:
            changed_out.add(gid)
    for eni_id in set(old.network_interfaces) | set(new.network_interfaces):
        a_eni, b_eni = old.network_interfaces.get(eni_id), new.network_interfaces.get(eni_id)
        if a_eni != b_eni:
            senders.add(eni_id)
            receivers.add(eni_id)
            for e in (a_eni, b_eni):
                if e is not None:
                    moved_groups.update(e.groups)
    # Rules that reference a group whose members moved now match other addresses.
    if moved_groups:
        for network in (old, new):
            for group in network.security_groups.values():
                if any(r.referenced_group_id in moved_groups for r in group.ingress):
                    changed_in.add(group.group_id)
                if any(r.referenced_group_id in moved_groups for r in group.egress):
                    changed_out.add(group.group_id)
    for network in (old, new):
        for eni in network.network_interfaces.values():
            if changed_in.intersection(eni.groups):
                receivers.add(eni.network_interface_id)
            if changed_out.intersection(eni.groups):
                senders.add(eni.network_interface_id)
    middleboxes = _route_target_enis(old) | _route_target_enis(new)
    if middleboxes & (senders | receivers):
        return Affected(None, None)
    return Affected(senders, receivers)


# ---------------------------------------------------------------------------- states


@dataclass(frozen=True, slots=True)
class State:
    """What happens to every atom between two ends in one input."""

    works: Works
    """Atoms that work both ways, with the client ports they work for."""
    one_way: int = 0
    unknown: int = 0

    def delivered(self) -> int:
        bits = self.one_way | self.unknown
        for index in self.works:
            bits |= 1 << index
        return bits


NOTHING = State({})


def _bits(bits: int, full: Intervals) -> Works:
    out: Works = {}
    while bits:
        low = bits & -bits
        out[low.bit_length() - 1] = full
        bits ^= low
    return out


def state_of(out: Outcome, full: Intervals) -> State:
    works = _bits(out.allowed, full)
    works.update(out.partial)
    return State(works, out.one_way, out.unknown)


def state_of_acc(acc: Acc, full: Intervals) -> State:
    works = _bits(acc.allowed, full)
    for bits, ports in acc.partial_classes(skip=acc.allowed):
        while bits:
            low = bits & -bits
            works[low.bit_length() - 1] = ports
            bits ^= low
    taken = acc.allowed
    for index in works:
        taken |= 1 << index
    return State(works, acc.one_way & ~taken, acc.unknown & ~taken & ~acc.one_way)


@dataclass(slots=True)
class Change:
    gained: Works
    lost: Works
    newly_one_way: int
    no_longer_one_way: int
    unknown: int

    def __bool__(self) -> bool:
        return bool(self.gained or self.lost or self.newly_one_way or self.no_longer_one_way or self.unknown)


def compare(old: State, new: State) -> Change:
    """The atoms whose state differs; those unknown on one side only are ``unknown``."""
    unknown = old.unknown ^ new.unknown
    gained: Works = {}
    lost: Works = {}
    for index in set(old.works) | set(new.works):
        if unknown >> index & 1:
            continue
        a, b = old.works.get(index, ()), new.works.get(index, ())
        if a == b:
            continue
        plus, minus = subtract(b, a), subtract(a, b)
        if plus:
            gained[index] = plus
        if minus:
            lost[index] = minus
    before, after = old.delivered(), new.delivered()
    return Change(
        gained,
        lost,
        new.one_way & ~before & ~unknown,
        old.one_way & ~after & ~unknown,
        unknown,
    )


def _add_works(
    builder: EntryBuilder, works: Works, sources: Intervals, destinations: Intervals, full: Intervals
) -> None:
    by_ports: dict[Intervals, int] = {}
    for index, ports in works.items():
        by_ports[ports] = by_ports.get(ports, 0) | (1 << index)
    for ports, bits in by_ports.items():
        builder.add(bits, sources, destinations, None if ports == full else ports)


class _Lists:
    """The five entry builders of one pair; the old input's addresses for what closes."""

    def __init__(self, space: TrafficSpace, render: RenderCache) -> None:
        self.builders = {
            name: EntryBuilder(space, render)
            for name in ("newly_allowed", "newly_blocked", "newly_one_way", "no_longer_one_way", "unknown")
        }

    def add(
        self,
        change: Change,
        full: Intervals,
        new_ends: tuple[Intervals, Intervals],
        old_ends: tuple[Intervals, Intervals],
    ) -> None:
        b = self.builders
        _add_works(b["newly_allowed"], change.gained, *new_ends, full)
        _add_works(b["newly_blocked"], change.lost, *old_ends, full)
        b["newly_one_way"].add(change.newly_one_way, *new_ends)
        b["no_longer_one_way"].add(change.no_longer_one_way, *old_ends)
        b["unknown"].add(change.unknown, *new_ends)

    def pair(
        self,
        ends: tuple[str, str, str | None, str | None],
        src_u: IntervalIndex | None,
        dst_u: IntervalIndex | None,
    ) -> PairDiff | None:
        """The pair's diff (source, destination and their ENIs), or None when nothing changed."""
        lists = {name: tuple(b.build(src_u, dst_u)) for name, b in self.builders.items()}
        if not any(lists.values()):
            return None
        return PairDiff(
            *ends,
            newly_allowed=lists["newly_allowed"],
            newly_blocked=lists["newly_blocked"],
            newly_one_way=lists["newly_one_way"],
            no_longer_one_way=lists["no_longer_one_way"],
            unknown=lists["unknown"],
        )


_NEW_ENDS = ("newly_allowed", "newly_one_way", "unknown")
PairShape = tuple[tuple[tuple[Traffic, Intervals | None], ...], ...]
"""A pair diff without its addresses: per list (:data:`_LISTS` order), each entry's traffic and
client ports. Within one list every entry has the pair's two addresses, so two pairs whose
cells are alike have the same shape, and entries in the same order."""
_LISTS = ("newly_allowed", "newly_blocked", "newly_one_way", "no_longer_one_way", "unknown")
_UNSEEN: PairShape = ()


def _acc_key(acc: Acc) -> tuple[object, ...]:
    """Everything a cell holds, hashable: equal keys, equal states."""
    partial = tuple((i, tuple(p)) for i, p in sorted(acc.partial.items())) if acc.partial else ()
    rows = tuple(sorted(acc.partial_rows.items())) if acc.partial_rows else ()
    return (acc.allowed, acc.one_way, acc.unknown, partial, rows)


def _shape_of(pd: PairDiff | None) -> PairShape | None:
    if pd is None:
        return None
    return tuple(tuple((e.traffic, e.source_ports) for e in getattr(pd, name)) for name in _LISTS)


def _from_shape(
    shape: PairShape | None,
    labels: tuple[str, str, str | None, str | None],
    new_texts: tuple[tuple[str, ...], tuple[str, ...]],
    old_texts: tuple[tuple[str, ...], tuple[str, ...]],
) -> PairDiff | None:
    """A pair's diff from the shape of another pair whose cells were alike, with its own
    addresses (``*_texts``: its two addresses in each input as entries print them)."""
    if shape is None:
        return None
    lists: list[tuple[Entry, ...]] = [(), (), (), (), ()]
    for k, items in enumerate(shape):
        if items:
            src, dst = new_texts if _IS_NEW[k] else old_texts
            lists[k] = tuple([Entry(t, src, dst, ports) for t, ports in items])
    return PairDiff(*labels, lists[0], lists[1], lists[2], lists[3], lists[4])


_IS_NEW = tuple(name in _NEW_ENDS for name in _LISTS)
"""Per list (:data:`_LISTS` order): whether its entries print the new input's addresses."""


# ---------------------------------------------------------------------------- one input


@dataclass(frozen=True, slots=True)
class _Host:
    eni: str
    address: int
    label: str
    """The cell label: the endpoint's key and the address's slot."""
    owner: str
    """The instance (or ENI) label: two ENIs of one instance are not a pair."""


class _InternetSide(Protocol):
    """What :func:`_internet_diff` asks of an input: an address's states with the internet."""

    def internet(self, eni: str, address: int | None, *, inbound: bool) -> list[tuple[Interval, State]]: ...


Sender = tuple[Host, tuple[str, ...], str]
"""A sender: its host, its cell labels and its owner."""


@dataclass(slots=True)
class _Layout:
    """One input's hosts by subnet and VPC, and the destination subnets the diff recomputes,
    each with the senders whose rows are asked against it."""

    labels_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    owner_of: dict[str, str] = field(default_factory=dict)
    label_of: dict[tuple[str, int], str] = field(default_factory=dict)
    subnets: list[tuple[str, list[Host], list[Sender]]] = field(default_factory=list)


class _Net:
    """One side of the diff: its bulk evaluator."""

    def __init__(self, network: Network, space: TrafficSpace, client_ports: Interval) -> None:
        self.network = network
        self.bulk = Bulk(network, client_ports, space=space)
        self.candidates = _candidate_vpcs(self.bulk)

    def layout(self, hosts: list[_Host], senders: set[str] | None, receivers: set[str] | None) -> _Layout:
        """The subnets whose receivers are recomputed, with their candidate senders: every
        sender of a VPC a path may join when a receiver is touched (or every pair is), else the
        touched senders only."""
        c = self.bulk.c
        out = _Layout()
        by_subnet: dict[str, list[Host]] = {}
        by_vpc: dict[str, list[Sender]] = {}
        for h in hosts:
            eni = c.enis.get(h.eni)
            if eni is None or eni.nat_gateway is not None or h.address not in eni.addresses:
                continue
            out.labels_of[h.eni] = (h.label,)
            out.owner_of[h.eni] = h.owner
            out.label_of[(h.eni, h.address)] = h.label
            host = Host(h.address, h.eni)
            by_subnet.setdefault(eni.subnet.subnet_id, []).append(host)
            by_vpc.setdefault(eni.vpc_id, []).append((host, (h.label,), h.owner))
        moved: dict[str, list[Sender]] = {}
        for vpc_id, entries in by_vpc.items():
            moved[vpc_id] = [e for e in entries if senders is not None and e[0].eni_id in senders]
        for subnet_id in sorted(by_subnet):
            members = by_subnet[subnet_id]
            touched = receivers is None or any(h.eni_id in receivers for h in members)
            if not touched and senders is not None and not senders:
                continue
            vpc = c.subnets[subnet_id].vpc_id
            asked: list[Sender] = []
            for src_vpc in sorted(by_vpc):
                allowed_vpcs = self.candidates.get(src_vpc)
                if allowed_vpcs is not None and vpc not in allowed_vpcs:
                    continue
                asked.extend(by_vpc[src_vpc] if touched or senders is None else moved.get(src_vpc, ()))
            out.subnets.append((subnet_id, members, asked))
        return out

    def gather(self, rules: DiffRules, layout: _Layout, internet: list[tuple[str, int, bool]]) -> None:
        """The rules of every path :meth:`cells` and :meth:`internet` evaluate (``internet``:
        the (ENI, address, inbound) questions that will be asked)."""
        for _, members, asked in layout.subnets:
            rules.pairs(self.bulk, (a for a, _, _ in asked), members)
        for eni, address, inbound in internet:
            if eni in self.bulk.c.enis:
                rules.internet(self.bulk, Host(address, eni), inbound=inbound)
        rules.rules.add_service_ports(self.bulk.service_ports)

    def fast(self, layout: _Layout) -> FastMatrix:
        """The rows of this input, one cell per address pair."""
        return FastMatrix(self.bulk, "instance", layout.labels_of, layout.owner_of)

    def cells(
        self, layout: _Layout, senders: set[str] | None, receivers: set[str] | None
    ) -> dict[tuple[str, str], Acc]:
        """What each host can send each other (one cell per address pair), for the pairs whose
        sender (or receiver) ENI is in ``senders`` (``receivers``); None: every one."""
        fm = self.fast(layout)
        label_of = layout.label_of
        for _, members, asked in layout.subnets:
            d = fm.dest(members)
            # One cell per address, not per ENI.
            d.labels = [(label_of[(h.eni_id or "", h.address)],) for h in d.hosts]
            keep_receivers = -1 if receivers is None else fm.position_bits(d, receivers)
            fm.begin()
            for a, labels_a, owner_a in asked:
                if senders is None or a.eni_id in senders:
                    fm.row(a, labels_a, owner_a, d)
                else:
                    fm.row(a, labels_a, owner_a, d, keep_receivers)
            fm.end(d)
        return fm.accs

    def internet(self, eni: str, address: int | None, *, inbound: bool) -> list[tuple[Interval, State]]:
        """(internet piece, state) from (inbound) or to the internet, for one address."""
        if address is None or eni not in self.bulk.c.enis:
            return []
        full = (self.bulk.space.client_ports,)
        pieces = self.bulk.internet(Host(address, eni), internet_is_source=inbound)
        return sorted((piece[0], state_of(outcome, full)) for piece, outcome in pieces if piece)


# ---------------------------------------------------------------------------- the diff


def diff(
    old: Network,
    new: Network,
    *,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    incremental: bool = True,
    skipped_old: Mapping[str, int] | None = None,
    skipped_new: Mapping[str, int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> DiffResult:
    """Flows newly allowed, blocked, one way and unknown between every pair of ENI addresses and
    the internet; ``skipped_*`` are what each input's import read but did not model."""
    incomplete = [("old", i) for i in incomplete_of(old, skipped_old, ipv6_analysed=True)] + [
        ("new", i) for i in incomplete_of(new, skipped_new, ipv6_analysed=True)
    ]
    with quiet_gc():
        try:
            return _diff(
                old,
                new,
                client_ports=client_ports,
                incremental=incremental,
                incomplete=incomplete,
                progress=progress,
            )
        finally:
            progress.finish()


@dataclass(slots=True)
class _Address:
    """One address slot of an endpoint, in both inputs."""

    endpoint: Endpoint
    label: str
    old: Slot | None
    new: Slot | None


def _addresses(old: Network, new: Network, endpoints: list[Endpoint]) -> list[_Address]:
    out: list[_Address] = []
    for ep in endpoints:
        old_slots = _slots_of(old, ep.old.eni) if ep.old else []
        new_slots = _slots_of(new, ep.new.eni) if ep.new else []
        for k, (a, b) in enumerate(_pair_slots(old_slots, new_slots)):
            out.append(_Address(ep, f"{ep.key}#{k}", a, b))
    return out


def _unknown_addresses(new: Network, addresses: list[_Address]) -> list[tuple[str, Incomplete]]:
    """Addresses of the new input that are stand-ins (known only after apply)."""
    out: list[tuple[str, Incomplete]] = []
    for item in addresses:
        if item.new is None or item.endpoint.new is None:
            continue
        eni = new.network_interfaces[item.endpoint.new.eni]
        unknown = eni.tags.get(UNKNOWN_ADDRESS_TAG, "").split(",")
        private, public = item.new
        parts: list[str] = []
        if "private_ip" in unknown:
            parts.append(f"private IP {ip_str(private)}")
        if public is not None and "public_ip" in unknown:
            parts.append(f"public IP {ip_str(public)}")
        if not parts:
            continue
        was = ""
        if item.old is not None:
            was = (
                f" (it replaces {ip_str(item.old[0])}"
                + (f", {ip_str(item.old[1])}" if item.old[1] else "")
                + ")"
            )
        out.append(
            (
                "new",
                Incomplete(
                    "unknown-address",
                    eni.network_interface_id,
                    f"{' and '.join(parts)} known only after apply: a stand-in, compared by position{was}; flows "
                    "that other rules grant to the real address are not seen",
                ),
            )
        )
    return out


def _involved(ep: Endpoint, enis: set[str] | None) -> bool:
    return enis is None or any(s.eni in enis for s in (ep.old, ep.new) if s)


def _sides(
    old: Network, new: Network, addresses: list[_Address], touched: Affected, client_ports: Interval
) -> tuple[TrafficSpace, tuple[_Net, _Net], tuple[_Layout, _Layout]]:
    """Both inputs' evaluators over one traffic space, and the pairs each recomputes. When every
    pair is recomputed, the space is cut by every rule of both inputs; else by the rules the
    recomputed pairs' and internet questions' paths meet (:mod:`~vpcsim.analysis.diff_rules`)."""
    local = touched.senders is not None
    space = TrafficSpace(RuleSet(), client_ports) if local else every_rule_space((old, new), client_ports)
    sides = (_Net(old, space, client_ports), _Net(new, space, client_ports))
    layouts: list[_Layout] = []
    gathered = DiffRules()
    for i, net in enumerate(sides):
        hosts: list[_Host] = []
        internet: list[tuple[str, int, bool]] = []
        for a in addresses:
            side, slot = (a.endpoint.old, a.old) if i == 0 else (a.endpoint.new, a.new)
            if side is None or slot is None:
                continue
            hosts.append(_Host(side.eni, slot[0], a.label, side.label))
            for inbound, enis in ((True, touched.receivers), (False, touched.senders)):
                address = slot[1 if inbound else 0]
                if address is not None and _involved(a.endpoint, enis):
                    internet.append((side.eni, address, inbound))
        layouts.append(net.layout(hosts, touched.senders, touched.receivers))
        if local:
            net.gather(gathered, layouts[-1], internet)
    if local:
        # A load balancer's legs meet filters no skeleton lists: then every rule cuts the atoms.
        space = (
            every_rule_space((old, new), client_ports)
            if gathered.load_balancer
            else TrafficSpace(gathered.rules, client_ports)
        )
        for net in sides:
            net.bulk.use_space(space)
    return space, sides, (layouts[0], layouts[1])


def _diff(
    old: Network,
    new: Network,
    *,
    client_ports: Interval,
    incremental: bool,
    incomplete: list[tuple[str, Incomplete]],
    progress: Progress,
) -> DiffResult:
    progress.start("diff: rules and addresses", None)
    endpoints, only_old, only_new, by_name = match(old, new)
    addresses = _addresses(old, new, endpoints)
    touched = affected(old, new) if incremental else Affected(None, None)
    space, sides, layouts = _sides(old, new, addresses, touched, client_ports)
    pairs: list[PairDiff] = []
    render = RenderCache()
    full: Intervals = (client_ports,)
    by_label = {a.label: a for a in addresses}
    if _COMPARE_ROWS and layouts[0] == layouts[1]:
        # Both inputs lay the pairs out alike: compare their rows before cutting them into cells.
        printer = _Printer(by_label, space, render, full)
        fms = (sides[0].fast(layouts[0]), sides[1].fast(layouts[1]))
        row_pairs(fms, layouts[0], touched.senders, touched.receivers, printer, progress)
        pairs += printer.pairs()
    else:
        cells: list[dict[tuple[str, str], Acc]] = []
        for i, net in enumerate(sides):
            progress.start(f"diff: pairs of the {('old', 'new')[i]} network", None)
            cells.append(net.cells(layouts[i], touched.senders, touched.receivers))
        pairs += _cell_pairs(cells, by_label, space, render, full, progress)

    common = IntervalIndex(intersect(sides[0].bulk.universe.intervals, sides[1].bulk.universe.intervals))
    universe = sides[1].bulk.universe.index
    progress.start("diff: with the internet", len(addresses))
    for a in addresses:
        progress.advance()
        for inbound in (True, False):
            if not _involved(a.endpoint, touched.receivers if inbound else touched.senders):
                continue
            pd = _internet_diff(space, render, common, universe, a, sides, inbound)
            if pd is not None:
                pairs.append(pd)
    from .diff6 import ipv6_diff  # diff6 builds on this module's pieces

    pairs += ipv6_diff(old, new, endpoints, client_ports=client_ports, progress=progress)
    pairs.sort(key=PairDiff.sort_key)
    return DiffResult(
        pairs=tuple(pairs),
        unmatched_old=tuple(only_old),
        unmatched_new=tuple(only_new),
        matched=tuple(by_name),
        incomplete=(*incomplete, *_unknown_addresses(new, addresses)),
        incremental=touched.senders is not None,
    )


def _ends(a: _Address, b: _Address, i: int) -> tuple[Intervals, Intervals]:
    """The pair's addresses in input ``i`` (the other input's where it has none)."""
    sa, sb = (a.old, b.old) if i == 0 else (a.new, b.new)
    sa, sb = sa or (a.new if i == 0 else a.old), sb or (b.new if i == 0 else b.old)
    return ((sa[0], sa[0]),) if sa else (), ((sb[0], sb[0]),) if sb else ()


class _Printer:
    """Builds the pair diffs of cells that differ between the inputs. Pairs whose cells are
    alike in both inputs differ alike -- only their addresses differ --, so each such pair's
    diff is built once and the others are printed from its shape (with :data:`_REUSE_SHAPES`
    off every pair is built, the same answer: a test compares both)."""

    def __init__(
        self,
        by_label: dict[str, _Address],
        space: TrafficSpace,
        render: RenderCache,
        full: Intervals,
    ) -> None:
        self.by_label = by_label
        self.space = space
        self.render = render
        self.full = full
        self._out: list[tuple[str, str, PairDiff]] = []
        self._shapes: dict[object, PairShape | None] = {}
        self._texts: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _texts_of(self, item: _Address) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """An address slot as entries print it: in the new input (the old one's where it has
        none), and in the old one (the new one's where it has none)."""
        got = self._texts.get(item.label)
        if got is None:
            new, old = item.new or item.old, item.old or item.new
            assert new is not None and old is not None
            render = self.render
            got = self._texts[item.label] = (
                render.cover(((new[0], new[0]),), None),
                render.cover(((old[0], old[0]),), None),
            )
        return got

    def pair(self, x: str, y: str, sig: object, cells: Callable[[], tuple[Acc, Acc]]) -> None:
        """The pair diff of cells (``x``, ``y``) that may differ: ``sig`` is a hashable key equal
        for alike cells (both inputs), ``cells`` gives them (old, new) when the diff is built."""
        a, b = self.by_label[x], self.by_label[y]
        labels = (a.endpoint.label, b.endpoint.label, a.endpoint.eni, b.endpoint.eni)
        shape = self._shapes.get(sig, _UNSEEN) if _REUSE_SHAPES else _UNSEEN
        if shape is _UNSEEN:
            pd = None
            full = self.full
            before, after = cells()
            change = compare(state_of_acc(before, full), state_of_acc(after, full))
            if change:
                lists = _Lists(self.space, self.render)
                lists.add(change, full, _ends(a, b, 1), _ends(a, b, 0))
                pd = lists.pair(labels, None, None)
            self._shapes[sig] = _shape_of(pd)
        elif shape is not None:
            (new_a, old_a), (new_b, old_b) = self._texts_of(a), self._texts_of(b)
            pd = _from_shape(shape, labels, (new_a, new_b), (old_a, old_b))
        else:
            pd = None
        if pd is not None:
            self._out.append((x, y, pd))

    def pairs(self) -> list[PairDiff]:
        """The pair diffs in the order of their cells' labels (two pairs of one ENI pair, for two
        addresses of an ENI, keep that order through the final sort)."""
        self._out.sort(key=lambda item: (item[0], item[1]))
        return [pd for _, _, pd in self._out]

    def cell_pairs(self, cells: list[dict[tuple[str, str], Acc]], progress: Progress = NO_PROGRESS) -> None:
        """The pair diffs of every cell of either input that differs from the other's."""
        empty = Acc()
        progress.start("diff: comparing pairs", len(cells[0]) + len(cells[1]))
        done = 0
        for i, side in enumerate(cells):
            other = cells[1 - i]
            for key, acc in side.items():
                done += 1
                if done % 4096 == 0:
                    progress.advance(4096)
                if i == 1 and key in other:
                    continue  # compared from the old input's side
                got = other.get(key, empty)
                self.pair_cells(key[0], key[1], *((acc, got) if i == 0 else (got, acc)))

    def pair_cells(self, x: str, y: str, before: Acc, after: Acc) -> None:
        """The pair diff of the cells (``x``, ``y``) of the old and the new input."""
        if (
            before.allowed == after.allowed
            and before.one_way == after.one_way
            and before.unknown == after.unknown
            and before.partial == after.partial
            and before.partial_rows == after.partial_rows
        ):
            return  # the common case: nothing changed between these two
        self.pair(x, y, (_acc_key(before), _acc_key(after)), lambda: (before, after))


def _cell_pairs(
    cells: list[dict[tuple[str, str], Acc]],
    by_label: dict[str, _Address],
    space: TrafficSpace,
    render: RenderCache,
    full: Intervals,
    progress: Progress = NO_PROGRESS,
) -> list[PairDiff]:
    """The pair diffs of the cells that differ between the inputs (:class:`_Printer`)."""
    printer = _Printer(by_label, space, render, full)
    printer.cell_pairs(cells, progress)
    return printer.pairs()


def _internet_diff(
    space: TrafficSpace,
    render: RenderCache,
    common: IntervalIndex,
    universe: IntervalIndex,
    a: _Address,
    sides: tuple[_InternetSide, _InternetSide],
    inbound: bool,
) -> PairDiff | None:
    """Compare one address with the internet over the common refinement of both inputs' pieces,
    where the addresses are the internet in both."""
    ep = a.endpoint
    pick = 1 if inbound else 0  # inbound: the public address; outbound: the private one
    old_pieces = sides[0].internet(ep.old.eni, a.old[pick], inbound=inbound) if ep.old and a.old else []
    new_pieces = sides[1].internet(ep.new.eni, a.new[pick], inbound=inbound) if ep.new and a.new else []
    if not old_pieces and not new_pieces:
        return None
    full: Intervals = (space.client_ports,)
    old_end, new_end = _point(a.old, pick), _point(a.new, pick)
    old_end, new_end = old_end or new_end, new_end or old_end
    lists = _Lists(space, render)
    points: set[int] = set()
    for (lo, hi), _ in (*old_pieces, *new_pieces):
        points.update((lo, hi + 1))
    old_los = [p[0][0] for p in old_pieces]
    new_los = [p[0][0] for p in new_pieces]
    # Both inputs' states are constant between two piece boundaries: compare once there, over
    # the addresses that are the internet in both (not once per hole of the universe).
    for lo, hi in ((x, y - 1) for x, y in pairwise(sorted(points))):
        before = _state_at(old_pieces, old_los, lo)
        after = _state_at(new_pieces, new_los, lo)
        if before == after:
            continue
        change = compare(before, after)
        if not change:
            continue
        cut: Intervals = tuple(common.within(lo, hi))
        if not cut:
            continue
        if inbound:
            lists.add(change, full, (cut, new_end), (cut, old_end))
        else:
            lists.add(change, full, (new_end, cut), (old_end, cut))
    source, destination = (INTERNET, ep.label) if inbound else (ep.label, INTERNET)
    eni_source, eni_destination = (None, ep.eni) if inbound else (ep.eni, None)
    src_u, dst_u = (universe, None) if inbound else (None, universe)
    return lists.pair((source, destination, eni_source, eni_destination), src_u, dst_u)


def _point(slot: Slot | None, pick: int) -> Intervals:
    value = slot[pick] if slot is not None else None
    return ((value, value),) if value is not None else ()


def _state_at(pieces: list[tuple[Interval, State]], los: list[int], address: int) -> State:
    i = bisect_right(los, address) - 1
    if i >= 0 and pieces[i][0][1] >= address:
        return pieces[i][1]
    return NOTHING


__all__ = ["DiffResult", "PairDiff", "affected", "compare", "diff", "match"]
