"""The result of a trace, as frozen value objects (after pybatfish's Flow/Trace/Hop/Step).

``Trace.to_dict()`` is the JSON contract of ``vpcsim trace --json`` (``docs/json.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .flow import Flow

Verdict = Literal["reachable", "unreachable", "unknown"]
PathName = Literal["forward", "return"]
Direction = Literal["inbound", "outbound"]

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Header:
    """A packet header, shown before and after a translation."""

    source: str
    destination: str
    source_ports: tuple[tuple[int, int], ...] | None = None
    destination_ports: tuple[tuple[int, int], ...] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "destination": self.destination,
            "source_ports": [list(r) for r in self.source_ports] if self.source_ports is not None else None,
            "destination_ports": (
                [list(r) for r in self.destination_ports] if self.destination_ports is not None else None
            ),
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One decision at a hop: a rule matched, a route chosen, a translation made."""

    kind: str
    """``security-group``, ``network-acl``, ``route``, ``nat``, ``conntrack``, ``delivery``,
    ``source-dest-check``, ``instance-state``, ``service``, ``peering``, ``gateway``, ``detail``
    (an additional detail code of AWS's, informational: the step's ``rule``)."""
    component: str
    action: str
    """``allow``, ``deny``, ``forward``, ``translate``, ``drop``, ``deliver``, ``unknown``."""
    detail: str
    direction: Direction | None = None
    rule: str | None = None
    before: Header | None = None
    after: Header | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "component": self.component,
            "action": self.action,
            "direction": self.direction,
            "rule": self.rule,
            "detail": self.detail,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
        }


@dataclass(frozen=True, slots=True)
class Hop:
    component: str
    """An AWS id (``eni-``, ``subnet-``, ``igw-``, ``nat-``, ``pcx-``...) or ``internet``."""
    type: str
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, object]:
        return {"component": self.component, "type": self.type, "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason the flow fails, with AWS's explanation code and a fix a user can act on."""

    code: str
    component: str
    path: PathName
    detail: str
    fix: str
    direction: Direction | None = None
    ports: tuple[tuple[int, int], ...] | None = None
    """The client ports that fail, when only some do (or all, for a port-dependent failure)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "component": self.component,
            "path": self.path,
            "direction": self.direction,
            "ports": [list(r) for r in self.ports] if self.ports is not None else None,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Trace:
    flow: Flow
    verdict: Verdict
    forward: tuple[Hop, ...]
    return_: tuple[Hop, ...]
    blockers: tuple[Blocker, ...]

    @property
    def reachable(self) -> bool:
        return self.verdict == "reachable"

    @property
    def codes(self) -> list[str]:
        return [b.code for b in self.blockers]

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict,
            "reachable": self.reachable,
            "flow": self.flow.to_dict(),
            "forward": [h.to_dict() for h in self.forward],
            "return": [h.to_dict() for h in self.return_],
            "blockers": [b.to_dict() for b in self.blockers],
        }
