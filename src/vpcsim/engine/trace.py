"""The reference packet engine: one flow, forward and return, hop by hop.

``trace(network, flow)`` is the one truth for semantics; faster or symbolic paths must agree
with it. The engine is a few small modules with one job each:

* :mod:`~vpcsim.engine.compiled`: the network's rules compiled once per version (addresses as
  integers, routes by prefix length, security-group rules and ACL entries as named tuples);
* :mod:`~vpcsim.engine.filters`: how a security group and a network ACL judge one packet;
* :mod:`~vpcsim.engine.walk`: forwarding -- routes, gateways, translations, peering, the reply;
* :mod:`~vpcsim.engine.hooks`: the walk's hook interface, and the reference hooks that apply
  the filters (analyses plug in their own to record filters instead);
* :mod:`~vpcsim.engine.explain`: what each blocker says (code, component, detail, fix);
* :mod:`~vpcsim.engine.recording`: hops, steps and blockers, and the verdict they add up to;
* :mod:`~vpcsim.engine.ports`: the port-range algebra the engine and the analyses share.

Every blocker is reported, not only the first: a filter that drops the packet (security group,
ACL, source/destination check, a stopped instance) is recorded and the walk goes on as if it
had passed, so that the user sees everything to fix; a failure that leaves no path to follow
(no route, a blackhole, a gateway that cannot translate) ends the walk.

Ports: the request's source ports are a set of ranges -- the client's whole ephemeral range
unless pinned -- and a flow is reachable only if every port works. ACLs match destination ports
only, so the client's range is judged on the return path, where it is the destination.
"""

from __future__ import annotations

from ..model import Network
from .compiled import compile_network
from .filters import Packet, acl_decide, sg_decide
from .flow import Flow
from .ports import format_ranges
from .result import Trace
from .walk import Walk, vpc_service


def trace(network: Network, flow: Flow, *, record: bool = True) -> Trace:
    """Trace ``flow`` through ``network``: forward and return, with every blocker.

    With ``record=False`` hops and steps are not built (verdict and blockers only), which is
    several times faster for bulk questions.
    """
    walk = Walk(compile_network(network), flow, record=record)
    walk.run()
    return walk.recorder.result(flow)


# ``Packet``, ``acl_decide``, ``sg_decide``, ``format_ranges`` and ``vpc_service`` live in their
# own modules and are named here too for code that imports them from this one.
__all__ = ["Packet", "acl_decide", "format_ranges", "sg_decide", "trace", "vpc_service"]
