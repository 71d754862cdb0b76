"""A deterministic layout of the map: every box gets its place from the tree alone, children
packed inside their parent without overlap, gateways straddling their VPC's top border.

Why here rather than a JavaScript layout library: the same network must draw the same every time,
the no-overlap promise is checked by a test on these numbers, and a 50,000-ENI estate must not
wait on a force-directed layout in the browser. The browser only draws the boxes.

Packing (one rule per kind of box): a region's VPCs in rows, a VPC's availability zones side by
side, a zone's subnets in a column, a subnet's members in a grid; the internet sits above
everything. Coordinates are pixels, ``x``/``y`` the top-left corner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .topology import Node, Topology

LEAF_W, LEAF_H = 176, 60
EDGE_W, EDGE_H = 156, 36
PAD = 16
GAP = 18
HEADER = 46
"""Room for a box's two label lines above its children."""
EDGE_LABEL_W = 380
"""Room left of a VPC's gateways for its own label."""
REGION_ROW_WIDTH = 1900
SUBNET_COLUMNS = 4


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    kind: str
    parent: str | None
    x: float
    y: float
    w: float
    h: float
    depth: int
    on_edge: bool = False
    """A gateway drawn on its parent's (a VPC's) top border."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "parent": self.parent,
            "x": round(self.x, 1),
            "y": round(self.y, 1),
            "w": round(self.w, 1),
            "h": round(self.h, 1),
            "depth": self.depth,
            "on_edge": self.on_edge,
        }

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


@dataclass(slots=True)
class _Size:
    w: float
    h: float
    over: float = 0.0
    """How far the box's gateways stick out above its top border."""


def _leaf(node: Node) -> bool:
    return node.kind not in ("region", "vpc", "availability-zone", "subnet")


def _measure(node: Node, sizes: dict[str, _Size]) -> _Size:
    if _leaf(node):
        size = _Size(LEAF_W, LEAF_H)
        sizes[node.id] = size
        return size
    kids = [_measure(child, sizes) for child in node.children]
    inner_w, inner_h = _pack_size(node, kids)
    w = max(inner_w + 2 * PAD, LEAF_W + 2 * PAD)
    h = HEADER + inner_h + PAD
    over = 0.0
    if node.edge:
        w = max(w, EDGE_LABEL_W + len(node.edge) * (EDGE_W + GAP) + PAD)
        over = EDGE_H / 2
    size = _Size(w, h, over)
    sizes[node.id] = size
    return size


def _rows(node: Node, kids: list[_Size]) -> list[list[int]]:
    """Which children go on which row."""
    if not kids:
        return []
    if node.kind == "vpc":
        return [list(range(len(kids)))]
    if node.kind == "availability-zone":
        return [[i] for i in range(len(kids))]
    if node.kind == "subnet":
        columns = max(1, min(SUBNET_COLUMNS, math.ceil(math.sqrt(len(kids)))))
        return [list(range(i, min(i + columns, len(kids)))) for i in range(0, len(kids), columns)]
    # region (and the top level): fill rows up to a width
    limit = max(REGION_ROW_WIDTH, max(k.w for k in kids))
    rows: list[list[int]] = [[]]
    width = 0.0
    for i, kid in enumerate(kids):
        if rows[-1] and width + GAP + kid.w > limit:
            rows.append([])
            width = 0.0
        width += kid.w + (GAP if rows[-1] else 0)
        rows[-1].append(i)
    return rows


def _pack_size(node: Node, kids: list[_Size]) -> tuple[float, float]:
    rows = _rows(node, kids)
    width = max((sum(kids[i].w for i in row) + GAP * (len(row) - 1) for row in rows), default=0.0)
    height = sum(max(kids[i].h + kids[i].over for i in row) for row in rows) + GAP * max(len(rows) - 1, 0)
    return width, height


def _place(
    node: Node, x: float, y: float, parent: str | None, depth: int, sizes: dict[str, _Size], out: list[Box]
) -> None:
    size = sizes[node.id]
    out.append(Box(node.id, node.kind, parent, x, y, size.w, size.h, depth))
    if _leaf(node):
        return
    for i, gateway in enumerate(node.edge):
        gx = x + EDGE_LABEL_W + i * (EDGE_W + GAP)
        out.append(
            Box(gateway.id, gateway.kind, node.id, gx, y - EDGE_H / 2, EDGE_W, EDGE_H, depth + 1, True)
        )
    kids = [sizes[child.id] for child in node.children]
    cy = y + HEADER
    for row in _rows(node, kids):
        cx = x + PAD
        row_h = max(kids[i].h + kids[i].over for i in row)
        for i in row:
            kid = kids[i]
            _place(node.children[i], cx, cy + kid.over, node.id, depth + 1, sizes, out)
            cx += kid.w + GAP
        cy += row_h + GAP


def layout(topo: Topology) -> list[Box]:
    """Every box of ``topo``, parents before their children; the internet on top when any
    internet gateway links to it."""
    sizes: dict[str, _Size] = {}
    roots = [_measure(root, sizes) for root in topo.roots]
    boxes: list[Box] = []
    y = 0.0
    if any(link.source == "internet" for link in topo.links):
        total = sum(r.w for r in roots) + GAP * max(len(roots) - 1, 0)
        boxes.append(Box("internet", "internet", None, max(total / 2 - EDGE_W / 2, 0), 0, EDGE_W, EDGE_H, 0))
        y = EDGE_H + 3 * GAP
    x = 0.0
    for root, size in zip(topo.roots, roots, strict=True):
        _place(root, x, y + size.over, None, 0, sizes, boxes)
        x += size.w + GAP
    return boxes
