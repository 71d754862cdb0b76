"""Judging one ``check`` assertion over one address family: outcomes in, violations out.

Why apart from :mod:`~vpcsim.analysis.policy`: the same judgement (``allow``, ``deny``, ``only``
over the atoms of a traffic space) serves the IPv4 pairs, found with the bulk machinery, and the
IPv6 ones (:mod:`~vpcsim.analysis.policy6`), each over its own traffic space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .atoms import TrafficSpace
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
    records: dict[tuple[str, str, str, bool], EntryBuilder] = field(default_factory=dict)
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
        builder = self.records.get(key)
        if builder is None:
            self.violation_count += 1
            if len(self.records) >= MAX_VIOLATIONS:
                return
            builder = self.records[key] = EntryBuilder(self.space, self.render)
        builder.add(bits, srcs, dsts)

    def unaddressable(self, label: str, everywhere: Intervals, points: Intervals) -> None:
        """``allow`` from the internet to an end the internet cannot address: nothing is allowed."""
        self.pairs += 1
        if self.allow_bits:
            self.record(self.allow_bits, INTERNET, label, "not-allowed", False, everywhere, points)

    def violations(self, universe: IntervalIndex) -> list[Violation]:
        return [
            Violation(
                src_label,
                dst_label,
                reason,
                tuple(
                    builder.build(
                        universe if src_label == INTERNET else None,
                        universe if dst_label == INTERNET else None,
                    )
                ),
                is_unknown,
                self.family,
            )
            for (src_label, dst_label, reason, is_unknown), builder in sorted(self.records.items())
        ]


__all__ = ["INTERNET", "MAX_VIOLATIONS", "Judge", "Violation"]
