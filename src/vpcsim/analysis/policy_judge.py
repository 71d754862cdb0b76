"""Judging one ``check`` assertion over one address family: outcomes in, violations out.

Why apart from :mod:`~vpcsim.analysis.policy`: the same judgement (``allow``, ``deny``, ``only``
over the atoms of a traffic space) serves the IPv4 pairs, found with the bulk machinery, and the
IPv6 ones (:mod:`~vpcsim.analysis.policy6`), each over its own traffic space.

Outcomes may come from several traffic spaces (one per internet class of an assertion with the
internet, :meth:`Judge.use`). A violation record whose facts come from two or more spaces is
built over their common refinement -- the space cut at every boundary of theirs --, each fact's
atoms mapped onto it: entries are printed from sets of flows, so the record reads as it would
over the network's atoms.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

from ..engine.compiled import SgRule
from ..engine.flow import TCP, UDP
from .atoms import Atom, RuleSet, TrafficSpace
from .entries import Entry, EntryBuilder, RenderCache
from .evaluate import Outcome
from .intervals import IntervalIndex, Intervals

MAX_VIOLATIONS = 50
"""Violation records kept per assertion and family (the count of all of them is reported)."""
INTERNET = "internet"
Family = Literal["ipv4", "ipv6"]


@dataclass(frozen=True, slots=True)
class Violation:
    source: str
    destination: str
    reason: str
    """``not-allowed`` (allow), ``delivered`` (deny) or ``outside-only`` (only)."""
    entries: tuple[Entry, ...]
    unknown: bool = False
    family: Family = "ipv4"

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "to": self.destination,
            "family": self.family,
            "reason": self.reason,
            "unknown": self.unknown,
            "entries": [e.to_dict() for e in self.entries],
        }

    def describe(self) -> str:
        what = "; ".join(sorted({e.describe() for e in self.entries}))
        text = {"not-allowed": "does not allow", "delivered": "delivers", "outside-only": "also delivers"}[
            self.reason
        ]
        over = " over IPv6" if self.family == "ipv6" else ""
        return f"{self.source} -> {self.destination}{over} {text} {what}" + (
            " (unknown)" if self.unknown else ""
        )


@dataclass(slots=True)
class Judge:
    """One assertion's verdicts over one family: its flows as atom bits of ``space``."""

    space: TrafficSpace
    family: Family
    allow_bits: int | None
    deny_bits: int | None
    only_bits: int | None
    render: RenderCache = field(default_factory=RenderCache)
    records: dict[tuple[str, str, str, bool], list[tuple[TrafficSpace, int, Intervals, Intervals]]] = field(
        default_factory=dict
    )
    """Per violation record, its facts: (space, atoms, sources, destinations)."""
    pairs: int = 0
    violation_count: int = 0
    failed: bool = False
    unknown: bool = False

    def judge(
        self, outcome: Outcome, src_label: str, dst_label: str, srcs: Intervals, dsts: Intervals
    ) -> None:
        """One pair's (or internet piece's) outcome against the assertion."""
        self.pairs += 1
        delivered = outcome.delivered()
        checks: list[tuple[str, int, int]] = []
        if self.allow_bits is not None:
            missing = self.allow_bits & ~outcome.allowed
            checks.append(("not-allowed", missing & ~outcome.unknown, missing & outcome.unknown))
        if self.deny_bits is not None:
            hit = self.deny_bits & delivered
            checks.append(("delivered", hit & ~outcome.unknown, hit & outcome.unknown))
        if self.only_bits is not None:
            extra = delivered & ~self.only_bits
            checks.append(("outside-only", extra & ~outcome.unknown, extra & outcome.unknown))
        for reason, sure, maybe in checks:
            for bits, is_unknown in ((sure, False), (maybe, True)):
                if bits:
                    self.record(bits, src_label, dst_label, reason, is_unknown, srcs, dsts)

    def record(
        self,
        bits: int,
        src_label: str,
        dst_label: str,
        reason: str,
        is_unknown: bool,
        srcs: Intervals,
        dsts: Intervals,
    ) -> None:
        if is_unknown:
            self.unknown = True
        else:
            self.failed = True
        key = (src_label, dst_label, reason, is_unknown)
        facts = self.records.get(key)
        if facts is None:
            self.violation_count += 1
            if len(self.records) >= MAX_VIOLATIONS:
                return
            facts = self.records[key] = []
        facts.append((self.space, bits, srcs, dsts))

    def use(self, space: TrafficSpace, allow: int | None, deny: int | None, only: int | None) -> None:
        """Judge the next outcomes over ``space``, the assertion's flows as its atoms."""
        self.space, self.allow_bits, self.deny_bits, self.only_bits = space, allow, deny, only

    def unaddressable(self, label: str, everywhere: Intervals, points: Intervals) -> None:
        """``allow`` from the internet to an end the internet cannot address: nothing is allowed."""
        self.pairs += 1
        if self.allow_bits:
            self.record(self.allow_bits, INTERNET, label, "not-allowed", False, everywhere, points)

    def violations(self, universe: IntervalIndex) -> list[Violation]:
        out: list[Violation] = []
        for (src_label, dst_label, reason, is_unknown), facts in sorted(self.records.items()):
            builder = _builder(facts, self.render)
            entries = builder.build(
                universe if src_label == INTERNET else None,
                universe if dst_label == INTERNET else None,
            )
            out.append(Violation(src_label, dst_label, reason, tuple(entries), is_unknown, self.family))
        return out


def _builder(
    facts: list[tuple[TrafficSpace, int, Intervals, Intervals]], render: RenderCache
) -> EntryBuilder:
    """One record's facts in one entry builder: over their space, or over the common refinement
    of theirs with each fact's atoms mapped onto it."""
    spaces = list({id(space): space for space, _, _, _ in facts}.values())
    if len(spaces) == 1:
        builder = EntryBuilder(spaces[0], render)
        for _, bits, srcs, dsts in facts:
            builder.add(bits, srcs, dsts)
        return builder
    rules = RuleSet()
    for space in spaces:
        rules.add_sg(_boundaries(space))
    common = TrafficSpace(rules, spaces[0].client_ports, ipv6=spaces[0].ipv6)
    maps = {id(space): _onto(space, common) for space in spaces}
    builder = EntryBuilder(common, render)
    for space, bits, srcs, dsts in facts:
        onto = maps[id(space)]
        mapped = 0
        while bits:
            low = bits & -bits
            mapped |= onto[low.bit_length() - 1]
            bits ^= low
        builder.add(mapped, srcs, dsts)
    return builder


def _boundaries(space: TrafficSpace) -> list[SgRule]:
    """Rules that cut a traffic space at every boundary of ``space``'s atoms."""
    out: list[SgRule] = []
    for atom in space.atoms:
        if atom.ports is not None:
            out.extend(SgRule.from_anywhere(atom.protocol, lo, hi, "boundary") for lo, hi in atom.ports)
        elif atom.icmp_types is not None:
            types, codes = atom.icmp_types, atom.icmp_codes
            t = types[0][0] if len(types) == 1 and types[0][0] == types[0][1] else -1
            c = codes[0][0] if codes is not None and len(codes) == 1 and codes[0][0] == codes[0][1] else -1
            out.append(SgRule.from_anywhere(atom.protocol, t, c, "boundary"))
        elif atom.protocols == ((atom.protocol, atom.protocol),):
            out.append(SgRule.from_anywhere(atom.protocol, 0, 65535, "boundary"))
    return out


def _onto(space: TrafficSpace, common: TrafficSpace) -> list[int]:
    """Per atom of ``space``, the atoms of ``common`` (a refinement of it) that it holds."""
    out = [0] * len(space.atoms)
    for atom in common.atoms:
        out[_holder(space, atom)] |= 1 << atom.index
    return out


def _holder(space: TrafficSpace, atom: Atom) -> int:
    """The atom of ``space`` that holds ``atom``'s representative flow."""
    if atom.protocol in (TCP, UDP) and atom.ports is not None:
        first, starts = space.port_runs[atom.protocol]
        return first + bisect_right(starts, atom.ports[0][0]) - 1
    for candidate in space.atoms:
        if not any(lo <= atom.protocol <= hi for lo, hi in candidate.protocols):
            continue
        if atom.icmp_types is not None and candidate.icmp_types is not None:
            t, c = atom.icmp_types[0][0], (atom.icmp_codes or ((0, 0),))[0][0]
            codes = candidate.icmp_codes or ((0, 255),)
            if not (
                any(lo <= t <= hi for lo, hi in candidate.icmp_types)
                and any(lo <= c <= hi for lo, hi in codes)
            ):
                continue
        return candidate.index
    raise AssertionError(f"no atom of the space holds {atom}")  # the partition covers every flow


__all__ = ["INTERNET", "MAX_VIOLATIONS", "Judge", "Violation"]
