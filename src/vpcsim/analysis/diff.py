"""``diff OLD NEW``: the flows a change opens and closes, between every pair and with the internet.

Why: "what will this Terraform plan open?" is answered by comparing what every endpoint can
send every other (and the internet, both ways) before and after. Endpoints (instances, and ENIs
that belong to no instance) are matched across the two inputs by id, then by Name tag, then by
the ``vpcsim:terraform_address`` tag, so that a YAML spec, an AWS dump and a Terraform plan of
the same estate line up even where their ids differ.

Both networks are judged over one traffic space (the union of both rule sets), so atoms compare
one to one. A flow counts as allowed when it works both ways, for the client ports it works for
(a ``partial`` flow is allowed for its listed ports). Only what can differ is recomputed: when
the two inputs differ only in security groups and network interfaces, the pairs whose sender's
outbound or receiver's inbound rules (or group memberships) changed; otherwise every pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Instance, Network, NetworkInterface
from ..model.network import COLLECTIONS
from .atoms import RuleSet, TrafficSpace
from .bulk import Bulk, network_rules, quiet_gc
from .endpoints import Host
from .entries import Entry, EntryBuilder, RenderCache
from .evaluate import Outcome
from .intervals import Interval, Intervals, normalize, subtract
from .matrix import _candidate_vpcs
from .matrix_fast import Acc, FastMatrix

SCHEMA_VERSION = 1
TERRAFORM_TAG = "vpcsim:terraform_address"
INTERNET = "internet"

#: atom index -> the client ports for which the flow works both ways.
Allowed = dict[int, Intervals]


@dataclass(slots=True)
class Side:
    """An endpoint as one of the two networks holds it."""

    label: str
    enis: list[str]


@dataclass(slots=True)
class Endpoint:
    label: str
    old: Side | None
    new: Side | None


@dataclass(frozen=True, slots=True)
class PairDiff:
    source: str
    destination: str
    newly_allowed: tuple[Entry, ...] = ()
    newly_blocked: tuple[Entry, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "newly_allowed": [e.to_dict() for e in self.newly_allowed],
            "newly_blocked": [e.to_dict() for e in self.newly_blocked],
        }


@dataclass(frozen=True, slots=True)
class DiffResult:
    pairs: tuple[PairDiff, ...] = ()
    unmatched_old: tuple[str, ...] = ()
    unmatched_new: tuple[str, ...] = ()
    matched: tuple[tuple[str, str], ...] = ()
    """(old id, new id) of endpoints matched by Name tag or Terraform address (ids differ)."""
    incremental: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.pairs)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "pairs": [p.to_dict() for p in self.pairs],
            "matched_by_name": [{"old": o, "new": n} for o, n in self.matched],
            "only_in_old": list(self.unmatched_old),
            "only_in_new": list(self.unmatched_new),
        }


# ---------------------------------------------------------------------------- matching


def _endpoints_of(network: Network) -> dict[str, Instance | NetworkInterface]:
    """Instances, and ENIs of no instance (NAT gateways' aside), by id."""
    out: dict[str, Instance | NetworkInterface] = dict(network.instances)
    nat_enis = {n.network_interface_id for n in network.nat_gateways.values()}
    for eni in network.network_interfaces.values():
        attached = eni.attachment is not None and eni.attachment.instance_id in network.instances
        if not attached and eni.network_interface_id not in nat_enis:
            out[eni.network_interface_id] = eni
    return out


def _enis_of(resource: Instance | NetworkInterface) -> list[str]:
    if isinstance(resource, Instance):
        return list(resource.network_interface_ids)
    return [resource.network_interface_id]


def match(old: Network, new: Network) -> tuple[list[Endpoint], list[str], list[str], list[tuple[str, str]]]:
    """Endpoints matched by id, then Name tag, then Terraform address."""
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
        endpoints.append(
            Endpoint(new_id, Side(old_id, _enis_of(old_eps[old_id])), Side(new_id, _enis_of(new_eps[new_id])))
        )
        if old_id != new_id:
            by_name.append((old_id, new_id))
    matched_new = set(pairs.values())
    only_old = sorted(i for i in old_eps if i not in pairs)
    only_new = sorted(i for i in new_eps if i not in matched_new)
    for i in only_old:
        endpoints.append(Endpoint(i, Side(i, _enis_of(old_eps[i])), None))
    for i in only_new:
        endpoints.append(Endpoint(i, None, Side(i, _enis_of(new_eps[i]))))
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


# ---------------------------------------------------------------------------- what changed


@dataclass(slots=True)
class Affected:
    """ENIs (by id, per network) whose outbound or inbound behaviour may have changed;
    None means every ENI."""

    senders: set[str] | None
    receivers: set[str] | None


def affected(old: Network, new: Network) -> Affected:
    """Narrow the pairs to recompute, when only security groups and ENIs differ (same ids)."""
    for name in COLLECTIONS.values():
        if name in ("security_groups", "network_interfaces"):
            continue
        if getattr(old, name) != getattr(new, name):
            return Affected(None, None)
    senders: set[str] = set()
    receivers: set[str] = set()
    changed_in: set[str] = set()
    changed_out: set[str] = set()
    for gid in set(old.security_groups) | set(new.security_groups):
        a, b = old.security_groups.get(gid), new.security_groups.get(gid)
        if a is None or b is None:
            changed_in.add(gid)
            changed_out.add(gid)
            continue
        if a.ingress != b.ingress:
            changed_in.add(gid)
        if a.egress != b.egress:
            changed_out.add(gid)
    moved_groups: set[str] = set()
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
    return Affected(senders, receivers)


# ---------------------------------------------------------------------------- allowed sets


def allowed_of(out: Outcome, client_ports: Interval) -> Allowed:
    full: Intervals = (client_ports,)
    result: Allowed = dict(out.partial)
    bits = out.allowed
    while bits:
        low = bits & -bits
        result[low.bit_length() - 1] = full
        bits ^= low
    return result


def _unite(into: Allowed, more: Allowed) -> None:
    for index, ports in more.items():
        have = into.get(index)
        into[index] = ports if have is None else normalize([*have, *ports])


def _minus(a: Allowed, b: Allowed) -> Allowed:
    out: Allowed = {}
    for index, ports in a.items():
        rest = subtract(ports, b.get(index, ()))
        if rest:
            out[index] = rest
    return out


class _Net:
    """One side of the diff: its bulk evaluator and its endpoints' ENIs."""

    def __init__(self, network: Network, space: TrafficSpace, client_ports: Interval) -> None:
        self.bulk = Bulk(network, client_ports, space=space)
        self.client_ports = client_ports
        self.candidates = _candidate_vpcs(self.bulk)

    def addresses(self, side: Side | None, *, public: bool = False) -> Intervals:
        if side is None:
            return ()
        out: list[int] = []
        for eni_id in side.enis:
            eni = self.bulk.c.enis.get(eni_id)
            if eni is not None:
                out.extend(eni.public_of.values() if public else eni.addresses)
        return normalize((a, a) for a in out)

    def cells(
        self, sides: list[Side], senders: set[str] | None, receivers: set[str] | None
    ) -> dict[tuple[str, str], Acc]:
        """What each endpoint can send each other, for the pairs whose sender (or receiver) is in
        ``senders`` (``receivers``); None: every one. Computed as matrix rows by instance."""
        bulk = self.bulk
        c = bulk.c
        labels_of: dict[str, tuple[str, ...]] = {}
        owner_of: dict[str, str] = {}
        by_subnet: dict[str, list[Host]] = {}
        by_vpc: dict[str, list[tuple[Host, tuple[str, ...], str]]] = {}
        for side in sides:
            for eni_id in side.enis:
                eni = c.enis.get(eni_id)
                if eni is None or eni.nat_gateway is not None:
                    continue
                labels_of[eni_id] = (side.label,)
                owner_of[eni_id] = side.label
                for address in sorted(eni.addresses):
                    host = Host(address, eni_id)
                    by_subnet.setdefault(eni.subnet.subnet_id, []).append(host)
                    by_vpc.setdefault(eni.vpc_id, []).append((host, (side.label,), side.label))
        moved: dict[str, list[tuple[Host, tuple[str, ...], str]]] = {}
        for vpc_id, entries in by_vpc.items():
            moved[vpc_id] = [e for e in entries if senders is not None and e[0].eni_id in senders]
        fm = FastMatrix(bulk, "instance", labels_of, owner_of)
        for subnet_id in sorted(by_subnet):
            hosts = by_subnet[subnet_id]
            touched = receivers is None or any(h.eni_id in receivers for h in hosts)
            if not touched and senders is not None and not senders:
                continue
            d = fm.dest(hosts)
            keep_receivers = -1 if receivers is None else fm.position_bits(d, receivers)
            vpc = c.subnets[subnet_id].vpc_id
            fm.begin()
            for src_vpc in sorted(by_vpc):
                allowed_vpcs = self.candidates.get(src_vpc)
                if allowed_vpcs is not None and vpc not in allowed_vpcs:
                    continue
                candidates = by_vpc[src_vpc] if keep_receivers or senders is None else moved.get(src_vpc, ())
                for a, labels_a, owner_a in candidates:
                    if senders is None or a.eni_id in senders:
                        fm.row(a, labels_a, owner_a, d)
                    else:
                        fm.row(a, labels_a, owner_a, d, keep_receivers)
            fm.end(d)
        return fm.accs

    def internet(self, side: Side | None, *, inbound: bool) -> list[tuple[Intervals, Intervals, Allowed]]:
        """(internet piece, endpoint addresses, allowed) per piece, from or to the internet."""
        out: list[tuple[Intervals, Intervals, Allowed]] = []
        if side is None:
            return out
        for eni_id in side.enis:
            eni = self.bulk.c.enis.get(eni_id)
            if eni is None:
                continue
            addresses = sorted(eni.public_of.values()) if inbound else sorted(eni.addresses)
            for address in addresses:
                for piece, outcome in self.bulk.internet(Host(address, eni_id), internet_is_source=inbound):
                    out.append((piece, ((address, address),), allowed_of(outcome, self.client_ports)))
        return out


def _partials(acc: Acc) -> dict[int, Intervals]:
    """A cell's partial atoms (not allowed outright) with the client ports that work."""
    return {
        index: normalize(p for lst in lists for p in lst)
        for index, lists in acc.partial.items()
        if not acc.allowed >> index & 1
    }


def _delta(a: Acc, b: Acc, full: Intervals) -> tuple[int, dict[int, Intervals]]:
    """What ``a`` allows and ``b`` does not: atoms allowed for every client port, and atoms
    allowed for some client ports (with those ports)."""
    a_part, b_part = _partials(a), _partials(b)
    bits = a.allowed & ~b.allowed
    part: dict[int, Intervals] = {}
    for index, ports in b_part.items():
        if bits >> index & 1:
            bits &= ~(1 << index)
            rest = subtract(full, ports)
            if rest:
                part[index] = rest
    for index, ports in a_part.items():
        if b.allowed >> index & 1:
            continue
        rest = subtract(ports, b_part.get(index, ()))
        if rest:
            part[index] = rest
    return bits, part


def _delta_entries(
    space: TrafficSpace,
    render: RenderCache,
    delta: tuple[int, dict[int, Intervals]],
    full: Intervals,
    sources: Intervals,
    destinations: Intervals,
) -> list[Entry]:
    bits, part = delta
    if not (bits or part):
        return []
    builder = EntryBuilder(space, render)
    builder.add(bits, sources, destinations)
    by_ports: dict[Intervals, int] = {}
    for index, ports in part.items():
        by_ports[ports] = by_ports.get(ports, 0) | (1 << index)
    for ports, more in by_ports.items():
        builder.add(more, sources, destinations, None if ports == full else ports)
    return builder.build(None, None)


def diff(
    old: Network, new: Network, *, client_ports: Interval = LINUX_CLIENT_PORTS, incremental: bool = True
) -> DiffResult:
    """Flows newly allowed and newly blocked between every pair of endpoints and the internet."""
    with quiet_gc():
        return _diff(old, new, client_ports=client_ports, incremental=incremental)


def _diff(old: Network, new: Network, *, client_ports: Interval, incremental: bool) -> DiffResult:
    rules = RuleSet()
    for network in (old, new):
        both = network_rules(network)
        rules.add_sg(both.sg_rules)
        rules.add_acl(both.acl_entries)
    space = TrafficSpace(rules, client_ports)
    sides = (_Net(old, space, client_ports), _Net(new, space, client_ports))
    endpoints, only_old, only_new, by_name = match(old, new)
    touched = affected(old, new) if incremental else Affected(None, None)
    pairs: list[PairDiff] = []
    render = RenderCache()
    universe = sides[1].bulk.universe.index
    label_of: list[dict[str, Endpoint]] = [{}, {}]
    for ep in endpoints:
        for i, side in enumerate((ep.old, ep.new)):
            if side is not None:
                label_of[i][side.label] = ep
    cells = []
    for i, net in enumerate(sides):
        side_list = [s for ep in endpoints for s in ((ep.old,) if i == 0 else (ep.new,)) if s is not None]
        raw = net.cells(side_list, touched.senders, touched.receivers)
        cells.append({(label_of[i][x].label, label_of[i][y].label): acc for (x, y), acc in raw.items()})
    by_label = {ep.label: ep for ep in endpoints}
    empty = Acc()
    full: Intervals = (client_ports,)
    for key in sorted(set(cells[0]) | set(cells[1])):
        before, after = cells[0].get(key, empty), cells[1].get(key, empty)
        if before.allowed == after.allowed and _partials(before) == _partials(after):
            continue  # the common case: nothing changed between these two
        gained = _delta(after, before, full)
        lost = _delta(before, after, full)
        if not (gained[0] or gained[1] or lost[0] or lost[1]):
            continue
        src, dst = by_label[key[0]], by_label[key[1]]
        pairs.append(
            PairDiff(
                src.label,
                dst.label,
                tuple(
                    _delta_entries(
                        space, render, gained, full, sides[1].addresses(src.new), sides[1].addresses(dst.new)
                    )
                ),
                tuple(
                    _delta_entries(
                        space, render, lost, full, sides[0].addresses(src.old), sides[0].addresses(dst.old)
                    )
                ),
            )
        )

    def sends(ep: Endpoint) -> bool:
        if touched.senders is None:
            return True
        return any(e in touched.senders for s in (ep.old, ep.new) if s for e in s.enis)

    def receives(ep: Endpoint) -> bool:
        if touched.receivers is None:
            return True
        return any(e in touched.receivers for s in (ep.old, ep.new) if s for e in s.enis)

    for ep in endpoints:
        for inbound in (True, False):
            if (inbound and not receives(ep)) or (not inbound and not sends(ep)):
                continue
            internet = _internet_diff(space, render, universe, ep, sides, inbound)
            if internet is not None:
                pairs.append(internet)
    pairs.sort(key=lambda p: (p.source, p.destination))
    return DiffResult(
        pairs=tuple(pairs),
        unmatched_old=tuple(only_old),
        unmatched_new=tuple(only_new),
        matched=tuple(by_name),
        incremental=touched.senders is not None,
    )


def _internet_diff(
    space: TrafficSpace,
    render: RenderCache,
    universe: object,
    ep: Endpoint,
    sides: tuple[_Net, _Net],
    inbound: bool,
) -> PairDiff | None:
    """Compare over the common refinement of the two networks' internet pieces."""
    old_pieces = sides[0].internet(ep.old, inbound=inbound)
    new_pieces = sides[1].internet(ep.new, inbound=inbound)
    gained = EntryBuilder(space, render)
    lost = EntryBuilder(space, render)
    full = (space.client_ports,)
    old_by_end = _by_end(old_pieces)
    new_by_end = _by_end(new_pieces)
    old_union = _union_by_piece(old_pieces)
    new_union = _union_by_piece(new_pieces)
    any_change = False
    for cut in _refine([p for p, _, _ in old_pieces] + [p for p, _, _ in new_pieces]):
        a = _lookup(old_union, cut)
        b = _lookup(new_union, cut)
        plus, minus = _minus(b, a), _minus(a, b)
        for delta, builder, ends in ((plus, gained, new_by_end), (minus, lost, old_by_end)):
            if not delta:
                continue
            any_change = True
            by_ports: dict[Intervals, int] = {}
            for index, ports in delta.items():
                by_ports[ports] = by_ports.get(ports, 0) | (1 << index)
            endpoint = ends or ((0, 0),)
            for ports, bits in by_ports.items():
                sports = None if ports == full else ports
                if inbound:
                    builder.add(bits, ((cut[0], cut[1]),), endpoint, sports)
                else:
                    builder.add(bits, endpoint, ((cut[0], cut[1]),), sports)
    if not any_change:
        return None
    source, destination = (INTERNET, ep.label) if inbound else (ep.label, INTERNET)
    src_u, dst_u = (universe, None) if inbound else (None, universe)
    return PairDiff(
        source,
        destination,
        tuple(gained.build(src_u, dst_u)),  # type: ignore[arg-type]
        tuple(lost.build(src_u, dst_u)),  # type: ignore[arg-type]
    )


def _by_end(pieces: list[tuple[Intervals, Intervals, Allowed]]) -> Intervals:
    return normalize(iv for _, end, _ in pieces for iv in end)


def _union_by_piece(pieces: list[tuple[Intervals, Intervals, Allowed]]) -> list[tuple[int, int, Allowed]]:
    """Pieces (lo, hi, allowed united over the endpoint's addresses), cut where any piece is."""
    cuts = _refine([p for p, _, _ in pieces])
    out: list[tuple[int, int, Allowed]] = []
    for lo, hi in cuts:
        merged: Allowed = {}
        for piece, _, allowed in pieces:
            if piece[0][0] <= lo and hi <= piece[0][1]:
                _unite(merged, allowed)
        out.append((lo, hi, merged))
    return out


def _refine(pieces: list[Intervals]) -> list[tuple[int, int]]:
    points: set[int] = set()
    for piece in pieces:
        for lo, hi in piece:
            points.add(lo)
            points.add(hi + 1)
    ordered = sorted(points)
    return [(a, b - 1) for a, b in pairwise(ordered)]


def _lookup(union: list[tuple[int, int, Allowed]], cut: tuple[int, int]) -> Allowed:
    merged: Allowed = {}
    for lo, hi, allowed in union:
        if lo <= cut[0] and cut[1] <= hi:
            _unite(merged, allowed)
    return merged


__all__ = ["DiffResult", "PairDiff", "affected", "diff", "match"]
