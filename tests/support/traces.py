"""What ``trace`` says about one TCP port between two ENIs, over every pair of their addresses of
one family: the reference answer that ``check``'s property tests compare with."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vpcsim.engine import Flow, trace
from vpcsim.model import Network


def tcp_between(
    network: Network, a: str, b: str, port: int, addresses: Callable[[str], Iterable[str]]
) -> tuple[bool, bool] | None:
    """(the request is delivered for some pair, reachable for every pair) of ``tcp/port`` from
    ENI ``a`` to ENI ``b`` over the addresses ``addresses(eni)`` gives; None when a trace is
    unknown (the path crosses what is not modelled)."""
    traces = [
        trace(
            network,
            Flow(
                protocol=6,
                source=x,
                destination=y,
                destination_port=port,
                source_ports=((32768, 60999),),
                source_eni=a,
            ),
            record=False,
        )
        for x in addresses(a)
        for y in addresses(b)
    ]
    if any(t.verdict == "unknown" for t in traces):
        return None
    delivered = any(not any(k.path == "forward" for k in t.blockers) for t in traces)
    return delivered, all(t.reachable for t in traces)
