"""All-pairs by rows of big integers: a sender against every ENI address of a subnet at once.

Why: a 50,000-ENI estate has about a hundred million address pairs that a path connects, far
too many to evaluate one by one in Python. For a class pair whose skeleton is *simple* -- the
only security groups on the path are the sender's (outbound, judging the receiver's address) and
the receiver's (inbound, judging the sender's address) -- every atom is decided independently
and the outcome of a member pair is the class pair's outcome with both groups passing
everything (``Base``, which depends only on the ACL atoms of the two addresses), restricted to
the atoms the two groups allow::

    outcome(a, b) = Base(class(a), class(b), acl_atom(a), acl_atom(b)) & SG_out(a -> b) & SG_in(b <- a)

So a sender's outcomes against all receivers of a subnet are a few operations on Python
integers laid out as one block of atom bits per receiver: the sender's outbound groups and the
receivers' inbound groups become blocks by multiplying a rule's atom bits by a "spread" of the
receivers it covers. Blocks are OR-ed per cell and folded at the end. Class pairs that are not
simple (appliances, NAT reflection, VPC services, groups with unknown peers) are evaluated pair
by pair as before; property tests compare both with tracing every atom.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from ..engine.compiled import PEER_MEMBERS, PEER_UNKNOWN, CompiledEni, SgRule
from ..engine.filters import peer_matches
from .bulk import Bulk, HostKey, PairClass
from .endpoints import Host
from .entries import refine
from .evaluate import NeedsTracing, Outcome, Subst, evaluate
from .intervals import Intervals, normalize

LISTS = ("allowed", "one_way", "unknown")
PEER = "peer"
Remote = str | int | None
"""The address a group judges: :data:`PEER` (the other end), a constant address, or None (no group)."""
Shape = tuple[Remote, Remote] | None


@dataclass(slots=True)
class Acc:
    """What a cell has gathered: atom bits per list, and client ports per partial atom."""

    allowed: int = 0
    one_way: int = 0
    unknown: int = 0
    partial: dict[int, list[Intervals]] = field(default_factory=dict)
    partial_rows: dict[Intervals, int] = field(default_factory=dict)
    """Partial atoms gathered from rows: client ports -> atoms (many atoms share one port set)."""

    def partial_classes(self, skip: int = 0) -> list[tuple[int, Intervals]]:
        """Every partial atom outside ``skip`` with the client ports that come back for it (the
        union of what was gathered), as (atoms, ports): atoms gathered alike share one item."""
        single = 0
        for index in self.partial:
            single |= 1 << index
        sets = [*self.partial_rows.values(), single] if single else list(self.partial_rows.values())
        out: list[tuple[int, Intervals]] = []
        for part in refine(sets):
            part &= ~skip
            if not part:
                continue
            shared = [p for p, bits in self.partial_rows.items() if bits & part]
            if not part & single:
                out.append((part, normalize(iv for ports in shared for iv in ports)))
                continue
            while part:
                low = part & -part
                lists = [*shared, *self.partial[low.bit_length() - 1]]
                out.append((low, normalize(iv for ports in lists for iv in ports)))
                part ^= low
        return out

    def add(self, out: Outcome) -> None:
        self.allowed |= out.allowed
        self.one_way |= out.one_way
        self.unknown |= out.unknown
        for index, ports in out.partial.items():
            self.partial.setdefault(index, []).append(ports)


Block = tuple[bytes, bytes, bytes, tuple[tuple[Intervals, bytes], ...]]
"""A cell from a row, as bytes: allowed, one_way, unknown, and (client ports, atoms) of the
partial atoms that are not empty, in port order."""


class RowBytes:
    """One row (bits per list and per partial port set, a block of atom bits per receiver
    position) as bytes, cut into receivers' blocks by slicing: blocks are whole bytes."""

    __slots__ = ("lists", "partial")

    def __init__(self, lists: list[int], partial: dict[Intervals, int], length: int) -> None:
        # Lists without a bit (one_way and unknown, mostly) are never cut into blocks.
        self.lists = [r.to_bytes(length, "little") if r else None for r in lists]
        self.partial = sorted((p, r.to_bytes(length, "little")) for p, r in partial.items() if r)

    def block(self, lo: int, hi: int, zero: bytes) -> Block:
        """The block of bytes ``lo``..``hi`` (one receiver's) as bytes, to compare and hash;
        ``zero``: that many zero bytes."""
        a, o, u = self.lists
        return (
            a[lo:hi] if a is not None else zero,
            o[lo:hi] if o is not None else zero,
            u[lo:hi] if u is not None else zero,
            tuple((p, raw[lo:hi]) for p, raw in self.partial if raw[lo:hi] != zero) if self.partial else (),
        )

    def add(self, acc: Acc, lo: int, hi: int) -> None:
        """Add the block of bytes ``lo``..``hi`` (one receiver's) to the cell ``acc``."""
        a, o, u = self.lists
        from_bytes = int.from_bytes
        if a is not None:
            acc.allowed |= from_bytes(a[lo:hi], "little")
        if o is not None:
            acc.one_way |= from_bytes(o[lo:hi], "little")
        if u is not None:
            acc.unknown |= from_bytes(u[lo:hi], "little")
        for ports, raw in self.partial:
            bits = from_bytes(raw[lo:hi], "little")
            if bits:
                _add_partial(acc, bits, ports)


@dataclass(slots=True)
class _Base:
    """A class pair's outcome with both security groups passing everything, as bits per list
    and per partial port set."""

    lists: tuple[int, int, int]
    partial: dict[Intervals, int]


@dataclass(slots=True)
class _Dest:
    """The receivers of one subnet, in address order, with their spreads and groups."""

    hosts: list[Host]
    labels: list[tuple[str, ...]]
    owners: list[str]
    addresses: list[int]
    spreads: dict[object, int] = field(default_factory=dict)
    """Group id (holders) or member-set id -> spread of the positions it covers."""
    groups: dict[tuple[HostKey, object], tuple[int, list[Host]]] = field(default_factory=dict)
    """(class, ACL atom) -> (spread of its positions, its members); receivers whose groups have
    rules with unknown peers are groups of their own, keyed ``("unclean", ...)``."""
    by_eni: dict[str, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Rows:
    """A sender class and ACL atom against one destination subnet: Base rows, and the receivers
    that need the pair-by-pair path."""

    lists: list[int]
    partial: dict[Intervals, int]
    slow: int


class FastMatrix:
    """Gathers matrix cells with big-integer rows; see the module docstring."""

    def __init__(
        self, bulk: Bulk, by: str, labels_of: dict[str, tuple[str, ...]], owner_of: dict[str, str]
    ) -> None:
        self.bulk = bulk
        self.by = by
        self.labels_of = labels_of
        self.owner_of = owner_of
        self.T = len(bulk.space.atoms)
        # Blocks are whole bytes (and never full), so rows cut into blocks through bytes.
        self.W = (self.T + 8) // 8 * 8
        self.B = self.W // 8
        self.FULL = (1 << self.T) - 1
        self.accs: dict[tuple[str, str], Acc] = defaultdict(Acc)
        self._bases: dict[tuple[int, object, object], _Base | None] = {}
        self._shapes: dict[int, Shape | None] = {}
        self._full_row: dict[int, int] = {}
        self._group_rules: dict[tuple[str, bool], list[SgRule]] = bulk.group_rules
        self._clean: dict[str, bool] = {}
        # Inbound rules that reference a group: holder group -> atom bits per member set, found
        # when a receiver holds the group (over a question's own traffic space, the estate's
        # other groups' rules are no atom boundaries: their bits are never asked).
        self._member_bits: dict[str, dict[int, int]] = {}
        self._cidr_cache: dict[tuple[str, int], int] = {}
        self._ing_cidr: dict[int, int] = {}
        self._ing_bounds: list[int] | None = None
        """The boundaries of the current destination subnet's groups' CIDRs (``ingress_row``)."""
        self._keep_masks: dict[int, int] = {}
        """``keep`` positions -> the mask of their blocks (the same for every row of a subnet)."""
        self._keep_positions: dict[int, list[int]] = {}
        """``keep`` positions -> the positions themselves, as a list (per subnet, like the mask)."""
        self._ing_member: dict[int, int] = {}
        self.pairwise = 0
        self.rows = 0
        self._eg: dict[str, int] = {}
        self._class_rows: dict[tuple[HostKey, object], dict[Shape, _Rows]] = {}
        self._pending: dict[str, _Rows] = {}
        """Rows gathered per sender label for the current destination subnet (``slow`` unused)."""

    # ------------------------------------------------------------------ helpers

    def clean(self, eni: CompiledEni) -> bool:
        """No rule with an unknown peer (its "maybe" answers need the pair-by-pair path)."""
        got = self._clean.get(eni.eni_id)
        if got is None:
            got = self._clean[eni.eni_id] = all(
                r.peer_kind != PEER_UNKNOWN for r in (*eni.ingress, *eni.egress)
            )
        return got

    def spread_bits(self, positions: int) -> int:
        """Ones at the base of the blocks whose position bit is set."""
        w, out = self.W, 0
        while positions:
            low = positions & -positions
            out |= 1 << ((low.bit_length() - 1) * w)
            positions ^= low
        return out

    def position_bits(self, d: _Dest, enis: set[str]) -> int:
        """A bit per position of ``d`` held by one of ``enis``."""
        out = 0
        for j, h in enumerate(d.hosts):
            if h.eni_id in enis:
                out |= 1 << j
        return out

    def spread(self, lo: int, hi: int) -> int:
        """Ones at the base of blocks lo..hi-1."""
        if hi <= lo:
            return 0
        w = self.W
        return (((1 << ((hi - lo) * w)) - 1) // ((1 << w) - 1)) << (lo * w)

    def dest(self, hosts: list[Host]) -> _Dest:
        bulk = self.bulk
        hosts = sorted(hosts, key=lambda h: h.address)
        d = _Dest(
            hosts,
            [self.labels_of[h.eni_id or ""] for h in hosts],
            [self.owner_of[h.eni_id or ""] for h in hosts],
            [h.address for h in hosts],
        )
        w = self.W
        for j, h in enumerate(hosts):
            bit = 1 << (j * w)
            eni_id = h.eni_id or ""
            eni = bulk.c.enis[eni_id]
            for group in eni.group_ids:
                d.spreads[group] = d.spreads.get(group, 0) | bit
            d.by_eni[eni_id] = d.by_eni.get(eni_id, 0) | bit
            owner = self.owner_of[eni_id]
            d.by_owner[owner] = d.by_owner.get(owner, 0) | bit
            clean = self.clean(eni)
            key = (
                bulk.pair_key(h),
                bulk.keyer.acl_key(h.address) if clean else ("unclean", eni_id, h.address),
            )
            spread, members = d.groups.get(key, (0, []))
            members.append(h)
            d.groups[key] = (spread | bit, members)
        return d

    def _member_spread(self, d: _Dest, peer: frozenset[int]) -> int:
        key = id(peer)
        got = d.spreads.get(key)
        if got is None:
            w = self.W
            got = 0
            for j, address in enumerate(d.addresses):
                if address in peer:
                    got |= 1 << (j * w)
            d.spreads[key] = got
        return got

    def egress_row(self, group: str, d: _Dest) -> int:
        """The blocks of atoms ``group``'s outbound rules allow to each receiver of ``d``."""
        got = self._eg.get(group)
        if got is not None:
            return got
        ev = self.bulk.ev
        row = 0
        for rule in self._group_rules.get((group, True), ()):
            bits = ev.rule_bits(rule)
            # The receivers the peer covers (filters.peer_matches): in its blocks or its members.
            cover = 0
            for net, mask in rule.blocks:
                cover |= self._cidr_spread(d, net, mask)
            if rule.members:
                cover |= self._member_spread(d, rule.members)
            if cover:
                row |= cover * bits
        self._eg[group] = row
        return row

    def ingress_row(self, address: int, d: _Dest) -> int:
        """The blocks of atoms each receiver's inbound groups allow from ``address``: rules with
        CIDR or prefix-list peers depend on the address's atom, rules referencing a group on
        whether the address is a member; each part is one cached row."""
        keyer = self.bulk.keyer
        bounds = self._ing_bounds
        if bounds is None:
            # The receivers' groups decide alike between two boundaries of their own CIDRs.
            points: set[int] = set()
            for holder in d.spreads:
                if isinstance(holder, str):
                    points.update(keyer.cidr_bounds(self._group_rules.get((holder, False), [])))
            bounds = self._ing_bounds = sorted(points)
        atom = bisect_right(bounds, address)
        row = self._ing_cidr.get(atom)
        if row is None:
            row = 0
            for holder, spread in d.spreads.items():
                if isinstance(holder, str):
                    bits = self._cidr_bits(holder, address)
                    if bits:
                        row |= spread * bits
            self._ing_cidr[atom] = row
        for member_set in keyer.member_of.get(address, ()):
            part = self._ing_member.get(member_set)
            if part is None:
                part = 0
                for holder, spread in d.spreads.items():
                    if isinstance(holder, str):
                        bits = self.member_bits(holder).get(member_set, 0)
                        if bits:
                            part |= spread * bits
                self._ing_member[member_set] = part
            row |= part
        return row

    def member_bits(self, group: str) -> dict[int, int]:
        """Atom bits of ``group``'s inbound rules that reference a group, per member set."""
        got = self._member_bits.get(group)
        if got is None:
            got = self._member_bits[group] = {}
            canonical = self.bulk.keyer._canonical
            for rule in self._group_rules.get((group, False), ()):
                if rule.peer_kind == PEER_MEMBERS:
                    index = canonical[rule.members]
                    got[index] = got.get(index, 0) | self.bulk.ev.rule_bits(rule)
        return got

    def _cidr_bits(self, group: str, address: int) -> int:
        """Atom bits of ``group``'s inbound CIDR and prefix-list rules that match ``address``,
        cached between two boundaries of the group's own CIDRs."""
        rules = self._group_rules.get((group, False), [])
        key = (group, bisect_right(self.bulk.keyer.cidr_bounds(rules), address))
        got = self._cidr_cache.get(key)
        if got is None:
            ev = self.bulk.ev
            got = 0
            for rule in rules:
                # Group references are the member rows' part (ingress_row).
                if rule.peer_kind != PEER_MEMBERS and peer_matches(rule, address):
                    got |= ev.rule_bits(rule)
            self._cidr_cache[key] = got
        return got

    def _cidr_spread(self, d: _Dest, net: int, mask: int) -> int:
        hi = net + ((~mask) & 0xFFFFFFFF)
        return self.spread(bisect_left(d.addresses, net), bisect_right(d.addresses, hi))

    def base(self, pc: PairClass, a: Host, b: Host) -> _Base | None:
        """The class pair's outcome with both groups passing everything (None: not simple)."""
        bulk = self.bulk
        key = (id(pc.skeletons), bulk.keyer.acl_key(a.address), bulk.keyer.acl_key(b.address))
        if key in self._bases:
            return self._bases[key]
        got: _Base | None = None
        if self.shape(pc) is not None:
            subst = Subst()
            bulk._subst(pc.source, a, subst)
            bulk._subst(pc.destination, b, subst)
            full = (bulk.space.all_bits, 0)
            for sk in pc.skeletons.values():
                for call in sk.filters:
                    if call.kind == "sg":
                        subst.sg_results[(call.owner, call.direction, call.remote)] = full
            try:
                out = evaluate(bulk.space, pc.skeletons, bulk.ev, subst)
            except NeedsTracing:
                out = None
            if out is not None:
                partial: dict[Intervals, int] = {}
                for index, ports in out.partial.items():
                    partial[ports] = partial.get(ports, 0) | (1 << index)
                got = _Base((out.allowed, out.one_way, out.unknown), partial)
        self._bases[key] = got
        return got

    def class_rows(self, a: Host, d: _Dest) -> dict[Shape, _Rows]:
        """Base rows of ``a``'s class and ACL atom against every receiver of ``d``, per shape of
        the class pairs' security groups; shape ``None`` holds the receivers judged pair by pair."""
        bulk = self.bulk
        key = (bulk.pair_key(a), bulk.keyer.acl_key(a.address))
        got = self._class_rows.get(key)
        if got is not None:
            return got
        by_shape: dict[Shape, _Rows] = {}
        slow = _Rows([0, 0, 0], {}, 0)
        a_clean = self.clean(bulk.c.enis[a.eni_id or ""])
        for (_, atom), (spread, members) in d.groups.items():
            b = next((m for m in members if m.eni_id != a.eni_id), None)
            if b is None:
                continue  # only the sender's own addresses: never a pair
            pc = bulk.pair_class(a, b)
            if pc.blocked:
                continue
            clean = a_clean and not (isinstance(atom, tuple) and atom and atom[0] == "unclean")
            base = self.base(pc, a, b) if clean else None
            shape = self.shape(pc)
            if base is None or shape is None:
                for m in members:
                    j = d.addresses.index(m.address)
                    slow.slow |= 1 << j
                continue
            rows = by_shape.get(shape)
            if rows is None:
                rows = by_shape[shape] = _Rows([0, 0, 0], {}, 0)
            for i in range(3):
                if base.lists[i]:
                    rows.lists[i] |= spread * base.lists[i]
            for ports, bits in base.partial.items():
                rows.partial[ports] = rows.partial.get(ports, 0) | spread * bits
        if slow.slow:
            by_shape[None] = slow
        self._class_rows[key] = by_shape
        return by_shape

    # ------------------------------------------------------------------ one destination subnet

    def begin(self) -> None:
        self._full_row = {}
        self._eg = {}
        self._class_rows = {}
        self._pending = {}
        self._ing_cidr = {}
        self._ing_member = {}
        self._ing_bounds = None
        self._keep_masks = {}
        self._keep_positions = {}

    def row(self, a: Host, a_labels: tuple[str, ...], a_owner: str, d: _Dest, keep: int = -1) -> None:
        """Every receiver of ``d`` against sender ``a`` (only the positions set in ``keep``, a
        bit per position, when given)."""
        by_shape = self.class_rows(a, d)
        for j in self.slow_positions(a, a_owner, d, by_shape, keep):
            self.pairwise += 1
            out = self.bulk.pair(a, d.hosts[j])
            if not out.empty:
                for x in a_labels:
                    for y in d.labels[j]:
                        self.accs[(x, y)].add(out)
        got = self.fast_row(a, a_owner, d, by_shape, keep)
        if got is None:
            return
        lists, partial = got
        if self.by == "instance":
            self._blocks(a_labels, d, lists, partial, keep)
            return
        for x in a_labels:
            pending = self._pending.get(x)
            if pending is None:
                self._pending[x] = _Rows(list(lists), dict(partial), 0)
                continue
            for i in range(3):
                pending.lists[i] |= lists[i]
            for p, r in partial.items():
                pending.partial[p] = pending.partial.get(p, 0) | r

    def slow_positions(
        self, a: Host, a_owner: str, d: _Dest, by_shape: dict[Shape, _Rows], keep: int = -1
    ) -> list[int]:
        """The positions of ``d`` (in ``keep``) judged pair by pair against sender ``a``: never
        ``a``'s own ENI, nor (by instance) its own instance."""
        slow_rows = by_shape.get(None)
        if slow_rows is None:
            return []
        out: list[int] = []
        slow = slow_rows.slow & keep
        while slow:
            low = slow & -slow
            j = low.bit_length() - 1
            slow ^= low
            if d.hosts[j].eni_id == a.eni_id or (self.by == "instance" and d.owners[j] == a_owner):
                continue
            out.append(j)
        return out

    def fast_row(
        self, a: Host, a_owner: str, d: _Dest, by_shape: dict[Shape, _Rows], keep: int = -1
    ) -> tuple[list[int], dict[Intervals, int]] | None:
        """The row of sender ``a`` against the receivers of ``d`` judged by blocks: bits per
        list and per partial port set, ``a``'s own ENI (and instance) and positions outside
        ``keep`` masked out; None when nothing gets through. Counted in :attr:`rows`."""
        lists = [0, 0, 0]
        partial: dict[Intervals, int] = {}
        a_eni = self.bulk.c.enis[a.eni_id or ""]
        for shape, rows in by_shape.items():
            if shape is None or not (any(rows.lists) or rows.partial):
                continue
            out_remote, in_remote = shape
            sg = self._egress(a_eni, out_remote, d)
            if sg:
                sg &= self._ingress(a.address, in_remote, d)
            if not sg:
                continue
            for i in range(3):
                lists[i] |= rows.lists[i] & sg
            for p, r in rows.partial.items():
                partial[p] = partial.get(p, 0) | (r & sg)
        if not (any(lists) or partial):
            return None
        exclude = d.by_eni.get(a.eni_id or "", 0)
        if self.by == "instance":
            exclude |= d.by_owner.get(a_owner, 0)
        mask = -1
        if exclude:
            mask = ~(exclude * self.FULL)
        if keep != -1:
            mask &= self.keep_mask(keep)
        if mask != -1:
            lists = [r & mask for r in lists]
            partial = {p: r & mask for p, r in partial.items()}
        self.rows += 1
        return lists, partial

    def keep_mask(self, keep: int) -> int:
        """The blocks of the positions set in ``keep`` (the same for every row of a subnet)."""
        got = self._keep_masks.get(keep)
        if got is None:
            got = self._keep_masks[keep] = self.spread_bits(keep) * self.FULL
        return got

    def keep_positions(self, keep: int, n: int) -> range | list[int]:
        """The positions set in ``keep`` (-1: all ``n``)."""
        if keep == -1:
            return range(n)
        got = self._keep_positions.get(keep)
        if got is None:
            got = self._keep_positions[keep] = [j for j in range(n) if keep >> j & 1]
        return got

    def _all(self, d: _Dest) -> int:
        got = self._full_row.get(id(d))
        if got is None:
            got = self._full_row[id(d)] = self.spread(0, len(d.hosts)) * self.FULL
        return got

    def _egress(self, a_eni: CompiledEni, remote: Remote, d: _Dest) -> int:
        """What the sender's groups allow, per receiver of ``d``."""
        if remote is None:
            return self._all(d)
        if remote == PEER:
            row = 0
            for group in a_eni.group_ids:
                row |= self.egress_row(group, d)
            return row
        bits = 0
        ev = self.bulk.ev
        for group in a_eni.group_ids:
            rules = self._group_rules.get((group, True))
            if rules:
                bits |= ev.sg(rules, cast(int, remote))[0]
        return self.spread(0, len(d.hosts)) * bits if bits else 0

    def _ingress(self, address: int, remote: Remote, d: _Dest) -> int:
        """What each receiver's groups allow from the sender (or the constant address it sees)."""
        if remote is None:
            return self._all(d)
        return self.ingress_row(address if remote == PEER else cast(int, remote), d)

    def shape(self, pc: PairClass) -> Shape | None:
        key = id(pc.skeletons)
        if key in self._shapes:
            return self._shapes[key]
        got = self._shapes[key] = _shape(self.bulk, pc)
        return got

    def _blocks(
        self,
        a_labels: tuple[str, ...],
        d: _Dest,
        lists: list[int],
        partial: dict[Intervals, int],
        keep: int = -1,
    ) -> None:
        """Spread a row over its receivers' cells, block by block."""
        n, size = len(d.hosts), self.B
        length = n * size
        union = lists[0] | lists[1] | lists[2]
        for r in partial.values():
            union |= r
        raw_union = union.to_bytes(length, "little")
        row = RowBytes(lists, partial, length)
        zero = bytes(size)
        x = a_labels[0]
        for j in self.keep_positions(keep, n):
            lo = j * size
            hi = lo + size
            if raw_union[lo:hi] != zero:
                row.add(self.accs[(x, d.labels[j][0])], lo, hi)

    def end(self, d: _Dest) -> None:
        """Fold the rows gathered for ``d`` into cells: a sender label's row is cut into its
        receivers' blocks once, and each receiver label's cell is the OR of its receivers'."""
        n = len(d.hosts)
        if self.by == "subnet":
            self._end_whole(d, n)
            return
        else:
            w = self.W
            targets: dict[str, list[int]] = {}
            for g, spread in d.spreads.items():
                if isinstance(g, str):
                    positions = []
                    while spread:
                        low = spread & -spread
                        positions.append((low.bit_length() - 1) // w)
                        spread ^= low
                    targets[g] = positions
        full = self.FULL
        for x, pending in self._pending.items():
            lists, partial = pending.lists, pending.partial
            union = lists[0] | lists[1] | lists[2]
            for r in partial.values():
                union |= r
            if not union:
                continue
            reached = self._cut(union, n)
            cut = [self._cut(r, n) if r else None for r in lists]
            pcut = [(p, self._cut(r, n)) for p, r in partial.items()]
            for y, positions in targets.items():
                if not any(reached[j] for j in positions):
                    continue  # nothing from x reaches y's receivers: every list would be empty
                folded = [_or_at(blocks, positions) & full if blocks is not None else 0 for blocks in cut]
                acc = self.accs[(x, y)]
                acc.allowed |= folded[0]
                acc.one_way |= folded[1]
                acc.unknown |= folded[2]
                for ports, blocks in pcut:
                    _add_partial(acc, _or_at(blocks, positions) & full, ports)

    def _end_whole(self, d: _Dest, n: int) -> None:
        """By subnet: one label for every receiver, each sender label's row folded whole."""
        if not d.labels:
            return
        y = d.labels[0][0]
        for x, pending in self._pending.items():
            lists, partial = pending.lists, pending.partial
            if not (any(lists) or any(partial.values())):
                continue
            acc = self.accs[(x, y)]
            acc.allowed |= self._fold(lists[0], n)
            acc.one_way |= self._fold(lists[1], n)
            acc.unknown |= self._fold(lists[2], n)
            for ports, r in partial.items():
                _add_partial(acc, self._fold(r, n), ports)

    def _fold(self, value: int, blocks: int) -> int:
        """OR of the blocks of a row."""
        w = self.W
        while blocks > 1 and value:
            half = (blocks + 1) // 2
            cut = half * w
            value = (value & ((1 << cut) - 1)) | (value >> cut)
            blocks = half
        return value & self.FULL

    def _cut(self, value: int, blocks: int) -> list[int]:
        """A row's blocks, one per receiver position."""
        size = self.B
        raw = value.to_bytes(blocks * size, "little")
        from_bytes = int.from_bytes
        return [from_bytes(raw[j * size : (j + 1) * size], "little") for j in range(blocks)]


def _or_at(blocks: list[int], positions: list[int]) -> int:
    out = 0
    for j in positions:
        out |= blocks[j]
    return out


def _add_partial(acc: Acc, bits: int, ports: Intervals) -> None:
    acc.partial_rows[ports] = acc.partial_rows.get(ports, 0) | bits


def _shape(bulk: Bulk, pc: PairClass) -> Shape | None:
    """How a class pair's skeletons meet security groups, when they meet only the two ends'
    (and judge, in network ACLs, only the two ends' private addresses or constants): the
    address the sender's outbound groups judge and the one the receiver's inbound groups judge,
    each :data:`PEER` (the other end's address), a constant (a NAT gateway's, say) or None (no
    group on the path). None when the pair needs the pair-by-pair path."""
    src, dst = pc.source, pc.destination
    if src.eni_id is None or dst.eni_id is None:
        return None
    src_eni, dst_eni = bulk.c.enis[src.eni_id], bulk.c.enis[dst.eni_id]
    if src.address not in src_eni.addresses or dst.address not in dst_eni.addresses:
        return None
    moving = {src.address, dst.address} | set(src_eni.public_of.values()) | set(dst_eni.public_of.values())
    out: list[Remote] = []
    inn: list[Remote] = []
    for sk in pc.skeletons.values():
        if sk.service:
            return None
        for call in sk.filters:
            if call.kind != "sg":
                if call.remote in moving - {src.address, dst.address}:
                    return None
                continue
            if call.role == "sport":
                return None
            if call.owner == src.eni_id and call.direction == "outbound":
                remote: Remote = PEER if call.remote == dst.address else call.remote
                if remote != PEER and call.remote in moving:
                    return None
                out.append(remote)
            elif call.owner == dst.eni_id and call.direction == "inbound":
                remote = PEER if call.remote == src.address else call.remote
                if remote != PEER and call.remote in moving:
                    return None
                inn.append(remote)
            else:
                return None
    if len(set(out)) > 1 or len(set(inn)) > 1:
        return None
    return (out[0] if out else None, inn[0] if inn else None)
