"""What an exposure finding on a load balancer's node says: the load balancer, the listeners the
finding's traffic opens, and the targets they forward to.

Why apart from :mod:`vpcsim.analysis.exposure`: the finding itself (which internet addresses can
send which traffic to the node's public address, and whether replies come back) is the engine's
answer like any other -- the engine follows each listener to its targets (:mod:`vpcsim.engine.elb`)
-- and this module only names the load-balancer path, from the engine's compiled load balancers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.compiled import Compiled, ip_int, ip_str
from ..engine.elb_compiled import elb_index
from ..engine.flow import TCP, UDP, Flow
from ..engine.trace import trace
from ..model import Network
from .entries import Entry
from .intervals import IntervalIndex, cidr_interval


@dataclass(frozen=True, slots=True)
class LoadBalancerPath:
    """``via: load-balancer``: the load balancer, its listeners in the finding, their targets."""

    load_balancer: str
    listeners: tuple[tuple[str, int], ...]
    """(protocol, port) of each listener the finding's traffic reaches."""
    targets: tuple[tuple[str, int], ...]
    """(target id, port) the listeners forward to, in the zones the load balancer enables."""

    def to_dict(self) -> dict[str, object]:
        return {
            "via": "load-balancer",
            "load_balancer": self.load_balancer,
            "listeners": [{"protocol": p, "port": port} for p, port in self.listeners],
            "targets": [{"id": t, "port": port} for t, port in self.targets],
        }


def load_balancer_path(c: Compiled, eni_id: str, entry: Entry) -> LoadBalancerPath | None:
    """The load-balancer path of a finding on ``eni_id``, or None when it is no node."""
    eni = c.enis.get(eni_id)
    if eni is None or eni.managed is None or eni.managed[0] != "load balancer":
        return None
    lb = elb_index(c).by_eni.get(eni_id)
    if lb is None:
        return None
    traffic = entry.traffic
    ports = traffic.ports if traffic.ports is not None else ((0, 65535),)
    listeners: list[tuple[str, int]] = []
    targets: list[tuple[str, int]] = []
    sources = []
    for cidr in entry.sources:
        address, _, length = cidr.partition("/")
        sources.append(cidr_interval(ip_int(address), int(length or 32)))
    for listener in lb.listeners:
        if traffic.protocol not in ("tcp", "udp", "all"):
            continue
        if not any(lo <= listener.port <= hi for lo, hi in ports):
            continue
        listeners.append((listener.listener.protocol, listener.port))
        # The default action's targets, then those of every rule some source of the finding may meet.
        reached = [*listener.targets]
        for rule in listener.rules:
            if rule.sources is None or all(
                any(a <= hi and lo <= b for a, b in ranges for lo, hi in sources) for ranges in rule.sources
            ):
                reached.extend(rule.targets)
        for target in reached:
            pair = (target.target_id, target.port)
            if (
                target.zone is None or target.zone in lb.zones or target.zone == "all"
            ) and pair not in targets:
                targets.append(pair)
    return LoadBalancerPath(lb.lb.load_balancer_arn, tuple(listeners), tuple(targets))


def load_balancer_trace_path(
    network: Network, public: int, entry: Entry, path: LoadBalancerPath, universe: IntervalIndex
) -> tuple[str, ...]:
    """The components a finding's flow crosses, forward, through the load balancer to its
    targets (one traced flow: the first listener's port, from the first internet address of the
    finding's sources): hops, each followed by the filters that judged it there."""
    if not path.listeners or entry.traffic.protocol not in ("tcp", "udp"):
        return ()
    source: int | None = None
    for cidr in entry.sources:
        address, _, length = cidr.partition("/")
        lo, hi = cidr_interval(ip_int(address), int(length or 32))
        source = universe.first_in(lo, hi)
        if source is not None:
            break
    if source is None:
        return ()
    flow = Flow(
        protocol=TCP if entry.traffic.protocol == "tcp" else UDP,
        source=ip_str(source),
        destination=ip_str(public),
        destination_port=path.listeners[0][1],
    )
    out: list[str] = []
    for hop in trace(network, flow).forward:
        for component in (
            hop.component,
            *(s.component for s in hop.steps if s.kind in ("network-acl", "security-group")),
        ):
            if component not in out:
                out.append(component)
    return tuple(out)


__all__ = ["LoadBalancerPath", "load_balancer_path", "load_balancer_trace_path"]
