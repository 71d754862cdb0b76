"""The naive method: trace one concrete flow per atom (and per client-port atom) with the engine.

Why keep it: it is the definition of what the analyses compute, written with nothing but
``vpcsim.engine.trace``. Benchmarks time it against the skeleton method, tests compare the two,
and the analyses fall back to it where a skeleton cannot be evaluated atom by atom.
"""

from __future__ import annotations

from ..engine import codes as C
from ..engine.compiled import ip_str
from ..engine.flow import ICMP, ICMPV6, TCP, UDP, Flow
from ..engine.result import Trace
from ..engine.trace import trace
from ..model import Network
from .atoms import Atom, TrafficSpace
from .evaluate import Outcome
from .intervals import normalize


def atom_flow(atom: Atom, source: int, destination: int, source_eni: str | None, source_port: int) -> Flow:
    """The representative flow of an atom (TCP/UDP with a pinned client port)."""
    src, dst = ip_str(source), ip_str(destination)
    if atom.protocol in (TCP, UDP):
        return Flow(
            protocol=atom.protocol,
            source=src,
            destination=dst,
            destination_port=atom.port,
            source_ports=((source_port, source_port),),
            source_eni=source_eni,
        )
    if atom.protocol in (ICMP, ICMPV6) and atom.icmp_types is not None:
        return Flow(
            protocol=atom.protocol,
            source=src,
            destination=dst,
            icmp_type=atom.icmp_type,
            icmp_code=atom.icmp_code,
            source_eni=source_eni,
        )
    return Flow(protocol=atom.protocol, source=src, destination=dst, source_eni=source_eni)


def _split(result: Trace) -> tuple[str, str]:
    """(forward state, return state), each ``ok``, ``fail`` or ``unknown``."""
    states = {"forward": "ok", "return": "ok"}
    for blocker in result.blockers:
        if blocker.code in C.UNKNOWN_CODES:
            if states[blocker.path] == "ok":
                states[blocker.path] = "unknown"
        else:
            states[blocker.path] = "fail"
    return states["forward"], states["return"]


def naive_outcome(
    network: Network, space: TrafficSpace, source: int, destination: int, source_eni: str | None
) -> Outcome:
    """Sort every atom of ``space`` by tracing its representative flows."""
    out = Outcome()
    for atom in space.atoms:
        bit = 1 << atom.index
        if atom.protocol in (TCP, UDP):
            sport_atoms = space.sport_atoms[atom.protocol]
            working = []
            unknown = False
            delivered = True
            for lo, hi in sport_atoms:
                fwd, ret = _split(
                    trace(network, atom_flow(atom, source, destination, source_eni, lo), record=False)
                )
                if fwd == "fail":
                    delivered = False
                    break
                if fwd == "unknown" or ret == "unknown":
                    unknown = True
                elif ret == "ok":
                    working.append((lo, hi))
            if not delivered:
                continue
            if unknown:
                out.unknown |= bit
            elif len(working) == len(sport_atoms):
                out.allowed |= bit
            elif not working:
                out.one_way |= bit
            else:
                out.partial[atom.index] = normalize(working)
            continue
        fwd, ret = _split(trace(network, atom_flow(atom, source, destination, source_eni, 0), record=False))
        if fwd == "fail":
            continue
        if fwd == "unknown" or ret == "unknown":
            out.unknown |= bit
        elif ret == "ok":
            out.allowed |= bit
        else:
            out.one_way |= bit
    return out
