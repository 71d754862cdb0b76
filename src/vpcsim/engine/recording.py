"""What a walk leaves behind: hops with their steps, blockers, and the verdict they add up to.

Why apart from the walk: forwarding decides where a packet goes; this module keeps the record a
user reads (``vpcsim trace``) and turns it into the frozen :class:`Trace`. With ``record=False``
hops and steps are skipped and only blockers are kept (the verdict is the same), which is what
bulk questions need.
"""

from __future__ import annotations

from . import codes as C
from .compiled import ip_str
from .filters import Packet
from .flow import Flow
from .result import Blocker, Header, Hop, PathName, Step, Trace, Verdict

#: Causes that belong to a component, not to a direction: reported once per flow.
ONCE_PER_FLOW = frozenset({C.BAD_STATE, C.ENI_SOURCE_DEST_CHECK_RESTRICTION})


class Recorder:
    """Hops, steps and blockers of one flow, per path (``forward`` then ``return``)."""

    __slots__ = ("blockers", "hops", "path", "record")

    def __init__(self, record: bool) -> None:
        self.record = record
        """Whether hops and steps are kept (blockers always are)."""
        self.path: PathName = "forward"
        self.blockers: list[Blocker] = []
        self.hops: dict[PathName, list[tuple[str, str, list[Step]]]] = {"forward": [], "return": []}
        """(component, type, steps) per hop, per path."""

    def hop(self, component: str, kind: str) -> None:
        """Enter a component (once: a component met twice in a row is one hop). Only when
        recording."""
        hops = self.hops[self.path]
        if hops:
            last, _, _ = hops[-1]
            if last == component:
                return
        hops.append((component, kind, []))

    def step(self, step: Step) -> None:
        """A decision at the current hop (only when recording)."""
        _, _, steps = self.hops[self.path][-1]
        steps.append(step)

    def block(self, blocker: Blocker) -> None:
        """A reason the flow fails (a component's own state is reported once per flow)."""
        code, component = blocker.code, blocker.component
        if code in ONCE_PER_FLOW and any(b.code == code and b.component == component for b in self.blockers):
            return
        self.blockers.append(blocker)
        if self.record:
            self.step(Step("blocked", component, "drop", f"{code}: {blocker.detail}", blocker.direction))

    def delivery(self, component: str, text: str) -> Step:
        """The delivery step; past a blocker it says the packet only gets there in the analysis."""
        if self.blockers:
            return Step(
                "delivery",
                component,
                "reach",
                f"{text.replace('delivered to', 'reaches')} only past the blockers above "
                "(the analysis goes on to find every blocker)",
            )
        return Step("delivery", component, "deliver", text)

    @staticmethod
    def header(pkt: Packet) -> Header:
        """A packet's header as a translation step shows it."""
        ports = pkt.has_ports
        return Header(
            ip_str(pkt.src),
            ip_str(pkt.dst),
            pkt.sports if ports else None,
            pkt.dports if ports else None,
        )

    def result(self, flow: Flow) -> Trace:
        """The verdict the blockers add up to, with the hops."""
        verdict: Verdict = "reachable"
        if any(b.code == C.VPCSIM_UNKNOWN_ADDRESS for b in self.blockers):
            verdict = "unknown"  # even a blocker may not apply to the real address
        elif any(b.code not in C.UNKNOWN_CODES for b in self.blockers):
            verdict = "unreachable"
        elif self.blockers:
            verdict = "unknown"
        hops = {
            path: tuple(Hop(component, kind, tuple(steps)) for component, kind, steps in self.hops[path])
            for path in ("forward", "return")
        }
        return Trace(flow, verdict, hops["forward"], hops["return"], tuple(self.blockers))


__all__ = ["ONCE_PER_FLOW", "Recorder"]
