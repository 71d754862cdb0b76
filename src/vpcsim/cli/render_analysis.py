"""Human rendering of the analyses' results (rich), kept apart from the data it renders.

One function per result type: it takes the immutable result (and the network, to name
components by their Name tags) and returns a rich renderable; the command prints it. Golden tests
pin the exact output.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .render import label

if TYPE_CHECKING:
    from ..analysis.diff import DiffResult
    from ..analysis.entries import Entry
    from ..analysis.exposure import ExposureResult, Finding
    from ..analysis.exposure_groups import ExposureGroup
    from ..analysis.matrix import MatrixResult
    from ..analysis.policy import CheckResult
    from ..analysis.reach import ReachResult
    from ..analysis.why import WhyResult
    from ..model import Network

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
CHECK_STYLE = {"pass": "green", "fail": "bold red", "unknown": "yellow"}
REPLIES = {True: "yes", False: "never", "partial": "some client ports"}


def addresses(cidrs: tuple[str, ...]) -> str:
    """Every address or block (hosts without ``/32``), never cut; a set that is a block minus a
    few holes is written so: ``0.0.0.0/0 except 198.51.100.0/24`` rather than the 23 blocks left."""
    written = ", ".join(c.removesuffix("/32") for c in cidrs)
    if len(cidrs) < 3:
        return written
    try:
        networks = [ipaddress.IPv4Network(c) for c in cidrs]
    except ValueError:
        return written
    blocks = list(ipaddress.collapse_addresses(networks))
    first, last = int(blocks[0].network_address), int(blocks[-1].broadcast_address)
    span = ipaddress.IPv4Network((first, 32 - (first ^ last).bit_length()), strict=False)
    holes: list[ipaddress.IPv4Network] = []
    cursor = int(span.network_address)
    for block in [*blocks, None]:
        start = int(block.network_address) if block is not None else int(span.broadcast_address) + 1
        if start > cursor:
            gap = (ipaddress.IPv4Address(cursor), ipaddress.IPv4Address(start - 1))
            holes.extend(ipaddress.summarize_address_range(*gap))
        if block is not None:
            cursor = int(block.broadcast_address) + 1
    if not holes or len(holes) >= len(cidrs):
        return written
    except_ = ", ".join(str(h).removesuffix("/32") for h in sorted(holes))
    return f"{span} except {except_}"


def render_reach(result: ReachResult) -> RenderableType:
    lo, hi = result.client_ports
    table = Table(title=f"reach {result.source} -> {result.destination} (client ports {lo}-{hi})")
    for column in ("", "traffic", "from", "to"):
        table.add_column(column)
    rows = 0
    for name, entries, style in (
        ("allowed", result.allowed, "green"),
        ("partial", result.partial, "yellow"),
        ("one way", result.one_way, "red"),
        ("unknown", result.unknown, "yellow"),
    ):
        for entry in entries:
            rows += 1
            table.add_row(
                Text(name, style=style),
                entry.describe(),
                addresses(entry.sources),
                addresses(entry.destinations),
            )
    parts: list[RenderableType] = [
        table
        if rows
        else Text(f"{result.source} -> {result.destination}: nothing gets through", style="bold red")
    ]
    parts.extend(Text(note, style="yellow") for note in result.notes)
    return Group(*parts)


def render_why(result: WhyResult) -> RenderableType:
    parts: list[RenderableType] = [Text(f"{result.flow.describe()}: {result.verdict}", style="bold")]
    if not result.blockers:
        parts.append(Text("nothing blocks this flow", style="green"))
    for finding in result.blockers:
        step, name = finding.step
        b = finding.blocker
        revealed = " (revealed once the blockers before it are fixed)" if finding.round else ""
        where = f"{b.path}{', ' + b.direction if b.direction else ''}"
        parts.append(Text(f"{step}. {name}: {b.code} at {b.component} [{where}]{revealed}", style="red"))
        parts.append(Text(f"     {b.detail}"))
    if result.fixes:
        parts.append(
            Text(
                "changes that open the path (applied to a copy and traced again; each one is needed):",
                style="bold",
            )
        )
        for change in result.fixes:
            parts.append(Text(f"  {change.command}"))
            if change.affects:
                parts.append(Text(f"    also changes {', '.join(change.affects)}", style="yellow"))
    if result.advice:
        parts.append(Text("advice (not verified: the path stays closed):", style="bold"))
        for change in result.advice:
            tag = " (tried)" if change.applied else " (the model cannot try it)"
            parts.append(Text(f"  {change.command}{tag}"))
            if change.affects:
                parts.append(Text(f"    also changes {', '.join(change.affects)}", style="yellow"))
    return Group(*parts)


def _load_balancer_name(network: Network, finding: Finding) -> str:
    path = finding.load_balancer
    assert path is not None
    lb = network.load_balancers.get(path.load_balancer)
    return lb.load_balancer_name if lb is not None else path.load_balancer


def _via_load_balancer(network: Network, finding: Finding) -> str:
    """`` via load balancer NAME`` for a finding on a node (its listeners and targets are listed
    under the table)."""
    if finding.load_balancer is None:
        return ""
    return f" via load balancer {_load_balancer_name(network, finding)}"


def _load_balancer_paths(network: Network, findings: tuple[Finding, ...]) -> list[str]:
    """One line per load balancer with findings: its listeners in them and their targets."""
    lines: dict[str, str] = {}
    for finding in findings:
        path = finding.load_balancer
        if path is None:
            continue
        listeners = ", ".join(f"{p}:{port}" for p, port in path.listeners)
        targets = ", ".join(f"{t}:{port}" for t, port in path.targets)
        key = f"{path.load_balancer} {listeners}"
        lines.setdefault(
            key,
            f"load balancer {_load_balancer_name(network, finding)}: {listeners} -> {targets or 'no target'}",
        )
    return list(lines.values())


def render_exposure(network: Network, result: ExposureResult) -> RenderableType:
    table = Table(title=f"internet exposure: {len(result.findings)} finding(s)")
    for column in ("severity", "instance / ENI", "address", "traffic", "from", "replies"):
        table.add_column(column)
    for f in result.findings:
        table.add_row(
            Text(f.severity, style=SEVERITY_STYLE[f.severity]),
            label(network, f.instance) if f.instance else label(network, f.eni),
            f.address,
            f.entry.traffic.describe() + _via_load_balancer(network, f),
            addresses(f.entry.sources),
            REPLIES[f.bidirectional],
        )
    parts: list[RenderableType] = [table]
    for line in _load_balancer_paths(network, result.findings):
        parts.append(Text(line))
    for item in result.incomplete:
        count = f" x{item.count}" if item.count else ""
        parts.append(Text(f"incomplete: {item.kind} {item.component}{count}: {item.detail}", style="yellow"))
    parts += _family_notes(network, result)
    return Group(*parts)


def _family_notes(network: Network, result: ExposureResult) -> list[RenderableType]:
    """The dual-stack notes: exposed over IPv6 only, open over one family only."""
    return [
        Text(
            f"note ({n.kind}): {label(network, n.instance) if n.instance else label(network, n.eni)}: {n.detail}",
            style="magenta",
        )
        for n in result.family_notes or ()
    ]


def render_exposure_groups(
    network: Network, result: ExposureResult, groups: tuple[ExposureGroup, ...]
) -> RenderableType:
    """``exposure --group``: one row per kind of exposure, with how many ENIs have it."""
    table = Table(title=f"internet exposure: {len(result.findings)} finding(s) in {len(groups)} group(s)")
    for column in ("severity", "ENIs", "security groups", "traffic", "from", "replies", "e.g."):
        table.add_column(column)
    for g in groups:
        f = g.example
        shown = [label(network, i) for i in g.instances[:2]] or [label(network, e) for e in g.enis[:2]]
        more = g.count - len(shown)
        table.add_row(
            Text(g.severity, style=SEVERITY_STYLE[g.severity]),
            str(g.count),
            ", ".join(g.security_groups) or "-",
            f.entry.traffic.describe(),
            addresses(f.entry.sources),
            REPLIES[f.bidirectional],
            ", ".join(shown) + (f" and {more} more" if more > 0 else ""),
        )
    parts: list[RenderableType] = [table]
    for item in result.incomplete:
        count = f" x{item.count}" if item.count else ""
        parts.append(Text(f"incomplete: {item.kind} {item.component}{count}: {item.detail}", style="yellow"))
    parts += _family_notes(network, result)
    return Group(*parts)


def render_matrix_summary(result: MatrixResult) -> RenderableType:
    """``matrix --summary``: the counts, not the cells."""
    counts = result.summary()
    table = Table(title=f"reachability by {result.by}: summary", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    names = {
        "labels": f"{result.by}s",
        "cells": "pairs with traffic",
        "cells_allowed": "  with allowed traffic",
        "cells_partial": "  with partial traffic (some client ports)",
        "cells_one_way": "  with one-way traffic (replies fail)",
        "cells_unknown": "  with unknown traffic (not modelled)",
        "class_pairs": "class pairs walked",
        "member_pairs": "member pairs judged one by one",
    }
    if counts.get("cells_ipv6"):
        names = {**names, "cells_ipv6": "  over IPv6"}
    for key, text in names.items():
        table.add_row(text, f"{counts[key]:,}")
    return table


def render_matrix(network: Network, result: MatrixResult) -> RenderableType:
    table = Table(title=f"reachability by {result.by}: {len(result.cells)} pair(s) with traffic")
    dual = any(c.family == "ipv6" for c in result.cells)  # a column for the family only then
    for column in ("from", "to", *(("over",) if dual else ()), "allowed", "partial / one way / unknown"):
        table.add_column(column)
    for cell in result.cells:
        others = [f"partial {t.describe()}" for t, _ in cell.partial]
        others += [f"one way {t.describe()}" for t in cell.one_way]
        others += [f"unknown {t.describe()}" for t in cell.unknown]
        table.add_row(
            label(network, cell.source),
            label(network, cell.destination),
            *(("IPv6" if cell.family == "ipv6" else "IPv4",) if dual else ()),
            "; ".join(t.describe() for t in cell.allowed),
            "; ".join(others),
        )
    return table


def _change(sign: str, entry: Entry, style: str, note: str = "") -> Text:
    ends = f"{addresses(entry.sources)} -> {addresses(entry.destinations)}"
    return Text(f"  {sign} {entry.describe()}  {ends}{note}", style=style)


def _diff_end(old: Network, new: Network, end: str, eni: str | None) -> str:
    """An end of a pair by name, from the input that holds it (the new one first); an instance
    with several ENIs names the ENI too (pairs are per ENI address)."""
    if end == "internet":
        return end
    network = new if end in new.instances or eni in new.network_interfaces else old
    name = label(network, end)
    instance = network.instances.get(end)
    several = instance is not None and len(instance.network_interface_ids) > 1
    return f"{name} [{eni}]" if several else name


def render_diff(old: Network, new: Network, result: DiffResult) -> RenderableType:
    """``old`` and ``new`` name the endpoints of every pair."""
    parts: list[RenderableType] = []
    if not result.pairs:
        parts.append(Text("no flow is opened or closed"))
    for pair in result.pairs:
        source = _diff_end(old, new, pair.source, pair.source_eni)
        destination = _diff_end(old, new, pair.destination, pair.destination_eni)
        over = " (over IPv6)" if pair.family == "ipv6" else ""
        parts.append(Text(f"{source} -> {destination}{over}", style="bold"))
        for sign, entries, style, note in (
            ("+", pair.newly_allowed, "green", ""),
            ("-", pair.newly_blocked, "red", ""),
            ("+", pair.newly_one_way, "yellow", " (one way: replies never come back)"),
            ("-", pair.no_longer_one_way, "red", " (was delivered one way)"),
            ("?", pair.unknown, "yellow", " (unknown: depends on what is not modelled)"),
        ):
            parts.extend(_change(sign, entry, style, note) for entry in entries)
    for old_id, new_id in result.matched:
        parts.append(Text(f"matched {old_id} (old) with {new_id} (new) by Name tag or Terraform address"))
    parts.extend(Text(f"only in old: {rid}") for rid in result.unmatched_old)
    parts.extend(Text(f"only in new: {rid}") for rid in result.unmatched_new)
    for side, item in result.incomplete:
        count = f" x{item.count}" if item.count else ""
        parts.append(
            Text(f"incomplete ({side}): {item.kind} {item.component}{count}: {item.detail}", style="yellow")
        )
    return Group(*parts)


def render_check(result: CheckResult) -> RenderableType:
    parts: list[RenderableType] = []
    for a in result.assertions:
        parts.append(Text(f"{a.status.upper():7} {a.name}", style=CHECK_STYLE[a.status]))
        parts.extend(Text(f"        {v.describe()}") for v in a.violations)
        if a.violation_count > len(a.violations):
            parts.append(Text(f"        ... {a.violation_count - len(a.violations)} more"))
        parts.extend(Text(f"        warning: {w}", style="yellow") for w in a.warnings)
    return Group(*parts)
