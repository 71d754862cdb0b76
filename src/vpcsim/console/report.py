"""A shareable report: one self-contained HTML file (no script, no external file) with the map,
the exposure table and the validation findings, to attach to a ticket.

The map is the console's own layout drawn as inline SVG; every text from the network is escaped
(``html.escape``), so a hostile name is text in the report too.
"""

from __future__ import annotations

from html import escape

import vpcsim

from ..model import Network
from .layout import layout
from .topology import Node, topology

FILL = {
    "region": ("#f4f6f9", "#5b6b80"),
    "vpc": ("#eef5ec", "#3b7a2e"),
    "availability-zone": ("#f7faff", "#4a78b5"),
    "subnet": ("#e4eefb", "#2f5f9e"),
    "instance": ("#fff7e6", "#b26b00"),
    "network-interface": ("#fffbe0", "#8a7a00"),
    "nat-gateway": ("#efe6ff", "#6b3fb2"),
    "collapsed": ("#eceff3", "#5b6b80"),
    "internet": ("#e8f1ff", "#333355"),
}
GATEWAY = ("#fdecec", "#aa3333")
SEVERITY = {"high": "#c0001a", "medium": "#d56a00", "low": "#9a8a00"}
CONTAINERS = {"region", "vpc", "availability-zone", "subnet"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _labels(roots: list[Node]) -> dict[str, Node]:
    out: dict[str, Node] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        out[node.id] = node
        stack.extend(node.children)
        stack.extend(node.edge)
    return out


def _svg(network: Network, severity: dict[str, str]) -> str:
    topo = topology(network)
    boxes = layout(topo)
    nodes = _labels(topo.roots)
    width = max((b.x + b.w for b in boxes), default=100) + 20
    height = max((b.y + b.h for b in boxes), default=100) + 20
    centre = {b.id: (b.x + b.w / 2, b.y + b.h / 2) for b in boxes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" role="img" aria-label="Map of the network">'
    ]
    for link in topo.links:
        if link.source in centre and link.target in centre:
            (x1, y1), (x2, y2) = centre[link.source], centre[link.target]
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#8a96a8"/>')
    for box in sorted(boxes, key=lambda b: (b.on_edge, b.depth)):
        node = nodes.get(box.id)
        label = node.label if node else box.id
        sub = node.sublabel.split("\n") if node and node.sublabel else []
        fill, stroke = FILL.get(box.kind, GATEWAY)
        worst = severity.get(box.id)
        if worst:
            stroke = SEVERITY[worst]
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{4 if worst else 1.5}"/>'
        )
        fits = max(int(box.w / 6.6), 8)  # characters of 11px text across the box
        if box.kind in CONTAINERS:
            lines = [_short(f"{box.kind.upper()}  {label}", fits), *(_short(s, fits) for s in sub)]
            x, y, anchor = box.x + 10, box.y + 16, "start"
        else:
            lines = [_short(label, fits), *(_short(s, fits) for s in sub)]
            if worst:
                lines.insert(0, f"⚠ {worst.upper()} exposed")
            x, y, anchor = box.x + box.w / 2, box.y + 14, "middle"
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            parts.append(
                f'<text x="{x:.1f}" y="{y + i * 13:.1f}" text-anchor="{anchor}" font-size="11"{weight}>'
                f"{escape(line)}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def html_report(network: Network, *, title: str) -> str:
    """The report of ``network`` as one HTML document."""
    exposure = vpcsim.exposure(network)
    problems = vpcsim.validate(network)
    severity: dict[str, str] = {}
    order = {"high": 0, "medium": 1, "low": 2}
    for finding in exposure.findings:
        for component in (finding.instance, finding.eni):
            if component and (
                component not in severity or order[finding.severity] < order[severity[component]]
            ):
                severity[component] = finding.severity
    names = {r.id: (r.name or "") for r in network.resources()}
    rows = "\n".join(
        "<tr>"
        f'<td class="sev-{escape(f.severity)}">{escape(f.severity.upper())}</td>'
        f"<td>{escape(names.get(f.instance or f.eni or '', ''))} <code>{escape(f.instance or f.eni or '')}</code></td>"
        f"<td>{escape(f.address)}</td><td>{escape(f.describe())}</td>"
        f"<td>{escape(' → '.join(f.path))}</td>"
        "</tr>"
        for f in exposure.findings
    )
    issues = "\n".join(
        f"<li><strong>{escape(p.severity)}</strong> <code>{escape(p.code)}</code> "
        f"<code>{escape(p.resource)}</code> {escape(p.message)}</li>"
        for p in problems
    )
    incomplete = "".join(
        f"<li><code>{escape(item.component)}</code> {escape(item.detail)}</li>"
        for item in exposure.incomplete
    )
    counts = (
        f"{len(network.vpcs)} VPCs, {len(network.subnets)} subnets, {len(network.instances)} instances, "
        f"{len(network.network_interfaces)} network interfaces, {len(network.security_groups)} security groups"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; color: #1d2430; margin: 1.5rem; }}
table {{ border-collapse: collapse; margin: .5rem 0; }}
th, td {{ border-bottom: 1px solid #dde3ea; padding: .25rem .5rem; text-align: left; vertical-align: top; }}
.sev-high {{ color: #8a0012; font-weight: 700; }} .sev-medium {{ color: #7a3c00; font-weight: 700; }}
.sev-low {{ color: #5a5000; font-weight: 700; }}
.map {{ overflow: auto; border: 1px solid #dde3ea; max-height: 80vh; }}
code {{ font-family: ui-monospace, monospace; }}
</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(counts)}. Made by vpcsim {escape(vpcsim.__version__)}: every answer is offline, from the network as read.</p>
<h2>Map</h2>
<div class="map">{_svg(network, severity)}</div>
<h2>Exposure: what the internet can deliver ({len(exposure.findings)})</h2>
<table>
<thead><tr><th>severity</th><th>instance</th><th>address</th><th>traffic</th><th>path</th></tr></thead>
<tbody>
{rows or '<tr><td colspan="5">No finding.</td></tr>'}
</tbody>
</table>
{f"<h3>Incomplete</h3><ul>{incomplete}</ul>" if incomplete else ""}
<h2>Findings of validation ({len(problems)})</h2>
<ul>
{issues or "<li>None: the network passes AWS's rules.</li>"}
</ul>
</body>
</html>
"""
