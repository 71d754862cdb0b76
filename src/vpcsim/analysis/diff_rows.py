"""``diff``'s rows of both inputs, compared before they are cut into cells.

Why: one changed rule changes what 100,000-200,000 address pairs can send on ``messy`` estates
(every sender of the VPCs that may reach the group's members). Gathering each input's rows into
cells (:class:`~vpcsim.analysis.matrix_fast.Acc` objects, one per pair and input, in two dicts)
and then comparing the cells cost more than computing the rows. Here both inputs' rows for one
sender against one destination subnet are computed side by side: rows that are equal are never
cut (nothing of them changed), and the others are cut into per-receiver byte blocks that are
compared as bytes. Only a pair whose blocks differ reaches the printer, keyed by its blocks
(alike blocks, alike cells, alike pair diffs), and cells are built from the blocks only when a
pair diff is actually built.

Receivers judged pair by pair (class pairs that are not simple) are gathered as cells, as
:meth:`~vpcsim.analysis.matrix_fast.FastMatrix.row` does, with the other input's block of the
same position, so a pair that is simple in one input and not in the other is compared whole.
This path needs both inputs to lay the pairs out alike (the same subnets, receivers and
senders, with the same labels); ``diff`` falls back to gathering cells otherwise. The answer is
the same: a test compares both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..progress import NO_PROGRESS, Progress
from .endpoints import Host
from .intervals import Intervals
from .matrix_fast import Acc, Block, FastMatrix, RowBytes

Row = tuple[list[int], dict[Intervals, int]]
Sender = tuple[Host, tuple[str, ...], str]


class PairSink(Protocol):
    """Where pairs that may differ go (``diff``'s printer)."""

    def pair(self, x: str, y: str, sig: object, cells: Callable[[], tuple[Acc, Acc]]) -> None: ...

    def pair_cells(self, x: str, y: str, before: Acc, after: Acc) -> None: ...


class Layout(Protocol):
    """One input's subnets, receivers and senders (``diff._Layout``), the same in both inputs."""

    label_of: dict[tuple[str, int], str]
    subnets: list[tuple[str, list[Host], list[Sender]]]


def _changed(rows: list[Row | None]) -> int:
    """The bits where the two inputs' rows differ (partial port sets without bits aside): a
    receiver's block is not zero exactly when its cells differ."""
    r0, r1 = (r if r is not None else ([0, 0, 0], {}) for r in rows)
    (a0, o0, u0), p0 = r0
    (a1, o1, u1), p1 = r1
    out = (a0 ^ a1) | (o0 ^ o1) | (u0 ^ u1)
    for ports in p0.keys() | p1.keys():
        out |= p0.get(ports, 0) ^ p1.get(ports, 0)
    return out


def _cell(row: RowBytes | None, lo: int, hi: int) -> Acc:
    """A cell from one input's row (None: nothing gets through)."""
    acc = Acc()
    if row is not None:
        row.add(acc, lo, hi)
    return acc


def row_pairs(
    fms: tuple[FastMatrix, FastMatrix],
    layout: Layout,
    senders: set[str] | None,
    receivers: set[str] | None,
    sink: PairSink,
    progress: Progress = NO_PROGRESS,
) -> None:
    """Every pair of ``layout`` whose cells may differ between the two inputs (``fms``: each
    input's rows, over one traffic space), sent to ``sink``; pairs whose sender (or receiver)
    ENI is in ``senders`` (``receivers``), None: every one."""
    size = fms[0].B
    zero = bytes(size)
    empty: Block = (zero, zero, zero, ())
    label_of = layout.label_of
    progress.start("diff: comparing pairs", len(layout.subnets))
    for _, members, asked in layout.subnets:
        progress.advance()
        ds = [fm.dest(members) for fm in fms]
        for d in ds:
            d.labels = [(label_of[(h.eni_id or "", h.address)],) for h in d.hosts]
        d0 = ds[0]
        n = len(d0.hosts)
        labels = [y for (y,) in d0.labels]
        keep_receivers = -1 if receivers is None else fms[0].position_bits(d0, receivers)
        for fm in fms:
            fm.begin()
        for a, labels_a, owner_a in asked:
            keep = -1 if senders is None or a.eni_id in senders else keep_receivers
            x = labels_a[0]
            slow: dict[int, list[Acc]] = {}
            rows: list[Row | None] = []
            for s, (fm, d) in enumerate(zip(fms, ds, strict=True)):
                by_shape = fm.class_rows(a, d)
                for j in fm.slow_positions(a, owner_a, d, by_shape, keep):
                    fm.pairwise += 1
                    cells = slow.get(j)
                    if cells is None:
                        cells = slow[j] = [Acc(), Acc()]
                    cells[s].add(fm.bulk.pair(a, d.hosts[j]))
                rows.append(fm.fast_row(a, owner_a, d, by_shape, keep))
            changed = _changed(rows)
            if not (changed or slow):
                continue  # the rows are equal: no cell of this sender changed
            length = n * size
            raw = changed.to_bytes(length, "little")
            c0, c1 = (RowBytes(*r, length) if r is not None else None for r in rows)
            for j in fms[0].keep_positions(keep, n):
                lo = j * size
                hi = lo + size
                gathered = slow.get(j)
                if gathered is None and raw[lo:hi] == zero:
                    continue
                if gathered is not None:
                    for cell, row in zip(gathered, (c0, c1), strict=True):
                        if row is not None:
                            row.add(cell, lo, hi)
                    sink.pair_cells(x, labels[j], gathered[0], gathered[1])
                    continue
                b0 = c0.block(lo, hi, zero) if c0 is not None else empty
                b1 = c1.block(lo, hi, zero) if c1 is not None else empty
                sink.pair(
                    x,
                    labels[j],
                    (b0, b1),
                    lambda c0=c0, c1=c1, lo=lo, hi=hi: (_cell(c0, lo, hi), _cell(c1, lo, hi)),  # type: ignore[misc]
                )


__all__ = ["PairSink", "row_pairs"]
