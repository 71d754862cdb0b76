"""The blockers only IPv6 packets meet: the egress-only internet gateway, address families a
component does not carry, addresses outside IPv6's global unicast space.

Why a module of its own: :mod:`vpcsim.engine.explain` states the blockers both families share
(security groups, ACLs, routes...), and takes IPv6 addresses as they come; these are the ones
Reachability Analyzer has no code for (it does not analyse IPv6), all ``VPCSIM_``.
"""

from __future__ import annotations

from . import codes as C
from .compiled import ip_str
from .result import Blocker, PathName


def eigw_inbound(path: PathName, eigw_id: str, dst: int, *, reply: bool) -> Blocker:
    """The egress-only gateway drops a connection initiated from outside (``reply``: the reply of
    one that came in through the internet gateway, leaving through the egress-only one)."""
    if reply:
        detail = (
            f"{eigw_id} is egress-only: the reply to {ip_str(dst)} belongs to a connection initiated from "
            "outside the VPC, which it never forwards"
        )
        fix = (
            "route the subnet's IPv6 internet traffic (::/0) to the internet gateway if the host must be "
            "reachable from the internet, or close the inbound rules that let the connection in"
        )
    else:
        detail = f"{eigw_id} is egress-only: it drops IPv6 connections initiated from the internet (to {ip_str(dst)})"
        fix = (
            "attach an internet gateway and route ::/0 to it from the host's subnet, if it must be reachable"
        )
    return Blocker(C.VPCSIM_EIGW_INBOUND_INITIATED, eigw_id, path, detail, fix)


def address_family(path: PathName, component: str, what: str, dst: int) -> Blocker:
    """``component`` does not carry the packet's address family (``what`` says which it does)."""
    return Blocker(
        C.VPCSIM_ADDRESS_FAMILY,
        component,
        path,
        f"{component} {what}: it does not carry the packet to {ip_str(dst)}",
        "route the packet to a target of its address family (IPv6 to the internet: an internet gateway or "
        "egress-only internet gateway; IPv4: an internet or NAT gateway)",
    )


def not_global(path: PathName, component: str, address: int, *, destination: bool) -> Blocker:
    """An IPv6 address outside 2000::/3 at a gateway to the internet."""
    role = "destination" if destination else "source"
    return Blocker(
        C.VPCSIM_IPV6_NOT_GLOBAL,
        component,
        path,
        f"the {role} {ip_str(address)} is not a global unicast IPv6 address (2000::/3): the internet "
        f"does not route it, and {component} does not carry it",
        f"route {ip_str(address)} to where it lives (a local or peering route)"
        if destination
        else "use a global unicast source address",
    )


__all__ = ["address_family", "eigw_inbound", "not_global"]
