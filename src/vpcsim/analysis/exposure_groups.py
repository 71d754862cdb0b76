"""Findings grouped so that 16,000 of them read as a page: one line per kind of exposure.

Estates are built from templates: a web tier's hundred instances share their security groups,
and so their findings differ only by instance and address. A group is the findings with the
same severity, the same set of security groups on the ENI, the same traffic (protocol, ports,
ICMP, protocols), the same internet sources and the same replies; it counts them and names its
ENIs. The findings themselves stay in ``exposure --json`` as they are; ``--group`` adds this
view (``groups``), in the findings' order of severity, then by count, largest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.compiled import compile_network
from ..model import Network
from .exposure import SEVERITY_ORDER, ExposureResult, Finding
from .intervals import as_lists


@dataclass(frozen=True, slots=True)
class ExposureGroup:
    severity: str
    security_groups: tuple[str, ...]
    example: Finding
    """The first finding of the group: its traffic, sources and replies are every member's."""
    enis: tuple[str, ...]
    instances: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.enis)

    def to_dict(self) -> dict[str, object]:
        f = self.example
        t = f.entry.traffic
        return {
            "severity": self.severity,
            "security_groups": list(self.security_groups),
            "protocol": t.protocol,
            "ports": as_lists(t.ports) if t.ports is not None else None,
            "icmp": [list(p) for p in t.icmp] if t.icmp is not None else None,
            **({"protocols": as_lists(t.protocols)} if t.protocols is not None else {}),
            "sources": list(f.entry.sources),
            "bidirectional": f.bidirectional,
            "source_ports": as_lists(f.entry.source_ports) if f.entry.source_ports is not None else None,
            "count": self.count,
            "enis": list(self.enis),
            "instances": list(self.instances),
        }


def group_findings(network: Network, result: ExposureResult) -> tuple[ExposureGroup, ...]:
    """The findings of ``result`` grouped (module docstring); every finding is in exactly one
    group, and ``count`` is the number of findings it holds."""
    enis = compile_network(network).enis
    members: dict[tuple[object, ...], list[Finding]] = {}
    groups_of: dict[tuple[object, ...], tuple[str, ...]] = {}
    for f in result.findings:
        eni = enis.get(f.eni)
        security_groups = tuple(sorted(eni.group_ids)) if eni is not None else ()
        key = (
            f.severity,
            security_groups,
            f.entry.traffic,
            f.entry.sources,
            f.bidirectional,
            f.entry.source_ports,
        )
        members.setdefault(key, []).append(f)
        groups_of[key] = security_groups
    groups = [
        ExposureGroup(
            severity=found[0].severity,
            security_groups=groups_of[key],
            example=found[0],
            enis=tuple(f.eni for f in found),
            instances=tuple(sorted({f.instance for f in found if f.instance})),
        )
        for key, found in members.items()
    ]
    groups.sort(key=lambda g: (SEVERITY_ORDER[g.severity], -g.count, g.example.sort_key()))
    return tuple(groups)
