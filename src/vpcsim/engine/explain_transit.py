"""What a transit gateway blocker says (the transit half of :mod:`vpcsim.engine.explain`)."""

from __future__ import annotations

from ..model import Network
from ..model.addressing import FULL_MASK
from . import codes as C
from .compiled import PEER_MEMBERS, Compiled, CompiledEni, CompiledRoute, SgRule, ip_str
from .filters import Packet, sg_decide
from .result import Blocker, PathName, Step

#: Reachability Analyzer's additional detail codes (informational, not blockers), given as
#: ``detail`` steps: traces have no additional-detail field.


def gateway_between(network: Network, vpc_a: str, vpc_b: str) -> str | None:
    """A transit gateway both VPCs are attached to (available VPC attachments), or None."""
    attached: dict[str, set[str]] = {}
    for attachment in network.transit_gateway_attachments.values():
        if attachment.resource_type == "vpc" and attachment.state == "available":
            attached.setdefault(attachment.transit_gateway_id, set()).add(attachment.resource_id)
    return next((tgw for tgw, vpcs in sorted(attached.items()) if {vpc_a, vpc_b} <= vpcs), None)


def attachment_not_available(
    path: PathName, component: str, vpc_id: str, tgw_id: str, state: str | None
) -> Blocker:
    what = f"is {state}" if state else "does not exist"
    return Blocker(
        C.BAD_STATE_ATTACHMENT,
        component,
        path,
        f"the attachment of {vpc_id} to {tgw_id} {what}: the route to {tgw_id} leads nowhere",
        f"attach {vpc_id} to {tgw_id} (an available VPC attachment), or replace the route",
    )


def az_restriction(path: PathName, attachment_id: str, subnet_id: str, zone: str) -> Blocker:
    return Blocker(
        C.TGW_ROUTE_AZ_RESTRICTION,
        attachment_id,
        path,
        f"{subnet_id} is in {zone}, where attachment {attachment_id} has no subnet: traffic from that zone "
        "cannot reach the transit gateway",
        f"add a subnet of {zone} to {attachment_id}",
    )


def missing_association(path: PathName, attachment_id: str, tgw_id: str) -> Blocker:
    return Blocker(
        C.TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION,
        attachment_id,
        path,
        f"attachment {attachment_id} is associated with no route table of {tgw_id}: {tgw_id} drops what "
        "arrives from it",
        f"associate {attachment_id} with a route table of {tgw_id}",
    )


def cannot_route(
    path: PathName, table_id: str, dst: int, attachment: tuple[str, str] | None = None
) -> Blocker:
    """No route for ``dst``; ``attachment``: (attachment, VPC) of the destination's VPC when it is
    attached to the table's transit gateway (``TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT``)."""
    if attachment is not None:
        attachment_id, vpc_id = attachment
        return Blocker(
            C.TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT,
            table_id,
            path,
            f"transit gateway route table {table_id} has no route for {ip_str(dst)} to {attachment_id}, the "
            f"attachment of its VPC {vpc_id}",
            f"propagate {attachment_id} into {table_id}, or add a static route for {ip_str(dst)} to {attachment_id}",
        )
    return Blocker(
        C.TGW_RTB_CANNOT_ROUTE,
        table_id,
        path,
        f"transit gateway route table {table_id} has no route for {ip_str(dst)}",
        f"propagate the destination's attachment into {table_id}, or add a static route for {ip_str(dst)}",
    )


def routes_unknown(path: PathName, component: str, dst: int, why: str) -> Blocker:
    return Blocker(
        C.TGW_RTB_ROUTES_ARE_UNKNOWN,
        component,
        path,
        f"where {component} sends {ip_str(dst)} is not known: {why}",
        "import the transit gateway's route tables and routes (vpcsim collect gathers them)",
    )


def bad_route(
    path: PathName,
    table_id: str,
    chosen: CompiledRoute,
    matching: list[CompiledRoute],
    hidden: list[CompiledRoute] | None = None,
    vpn_down: bool = False,
) -> Blocker:
    """The winning route drops: ``TGW_BAD_STATE_VPN`` for an unavailable VPN attachment,
    and, for a blackhole route, ``TGW_RTB_HIGHER_PRIORITY_ROUTE`` when it hides a usable route of
    its prefix (``hidden``), ``TGW_RTB_MORE_SPECIFIC_ROUTE`` when a usable shorter route matches;
    else (a route not active) ``TGW_RTB_BAD_STATE_ROUTE``."""
    rule = f"{chosen.destination} -> {chosen.target}"
    fix = f"replace the route {chosen.destination} in {table_id} with one to an available attachment, or delete it"
    if vpn_down:
        return Blocker(
            C.TGW_BAD_STATE_VPN,
            chosen.target,
            path,
            f"route {rule} in {table_id} leads to VPN attachment {chosen.target}, which is not available: "
            f"{chosen.blackhole}",
            f"bring the VPN connection of {chosen.target} up (an available attachment), or replace the route "
            f"{chosen.destination} in {table_id}",
        )
    # A deliberate blackhole hides a usable route; a route in a bad state is a bad state route.
    deliberate = chosen.kind == "blackhole"
    usable = next((r for r in hidden or () if r.blackhole is None), None) if deliberate else None
    if usable is not None:
        return Blocker(
            C.TGW_RTB_HIGHER_PRIORITY_ROUTE,
            table_id,
            path,
            f"route {rule} in {table_id} drops the packet ({chosen.blackhole}) and, of higher priority, hides "
            f"the route {usable.destination} -> {usable.target} of the same prefix",
            f"delete the route {chosen.destination} -> {chosen.target} from {table_id}, or point it to "
            f"{usable.target}",
        )
    shorter = next((r for r in matching if r is not chosen and r.blackhole is None), None)
    if shorter is not None and deliberate:
        return Blocker(
            C.TGW_RTB_MORE_SPECIFIC_ROUTE,
            table_id,
            path,
            f"route {rule} in {table_id} drops the packet ({chosen.blackhole}) and, more specific, wins over "
            f"the route {shorter.destination} -> {shorter.target}, which is not used (no fallback)",
            f"delete the route {chosen.destination} from {table_id}, or narrow it to exclude the destination",
        )
    extra = (
        f"; the shorter route {shorter.destination} -> {shorter.target} is not used (no fallback)"
        if shorter is not None
        else ""
    )
    return Blocker(
        C.TGW_RTB_BAD_STATE_ROUTE,
        table_id,
        path,
        f"route {rule} in {table_id} drops the packet: {chosen.blackhole}{extra}",
        fix,
    )


def az_mismatch(
    path: PathName, attachment_id: str, vpc_id: str, request_subnet: str, reply_subnet: str
) -> Blocker:
    return Blocker(
        C.TGW_ATTACH_VPC_AZ_RESTRICTION,
        attachment_id,
        path,
        f"the reply enters {vpc_id} through {reply_subnet}, the request through {request_subnet} (another "
        "Availability Zone): a stateful appliance there never saw the request",
        f"enable appliance mode (ApplianceModeSupport) on {attachment_id}",
    )


def appliance_mode_recommended(attachment_id: str, vpc_id: str) -> Step:
    """The request crosses ``vpc_id``, neither end's (an inspection VPC), through an attachment
    without appliance mode: AWS's additional detail, a step of the trace."""
    return Step(
        "detail",
        attachment_id,
        "forward",
        f"{C.TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED}: the flow is inspected in {vpc_id} through {attachment_id}, "
        "which has no appliance mode: the reply may cross another Availability Zone's appliance (enable "
        f"ApplianceModeSupport on {attachment_id})",
        rule=C.TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED,
    )


def response_route_missing(
    table_id: str | None, subnet_id: str, tgw_id: str, client: int, route: CompiledRoute | None
) -> Step:
    """The destination's subnet does not route the reply back to the transit gateway the request
    came from: AWS's additional detail, a step of the trace (not a blocker)."""
    if table_id is None:
        where = f"{subnet_id} has no route table"
    elif route is None:
        where = f"{table_id} (of {subnet_id}) has no route for {ip_str(client)}"
    elif route.blackhole is not None:
        where = f"{table_id} (of {subnet_id}) routes {ip_str(client)} to a blackhole ({route.destination} -> {route.target})"
    else:
        where = (
            f"{table_id} (of {subnet_id}) routes {ip_str(client)} by {route.destination} -> {route.target}"
        )
    fix = f"add a route for {ip_str(client)}'s block to {tgw_id} in {table_id}" if table_id else ""
    return Step(
        "detail",
        table_id or subnet_id,
        "forward",
        f"{C.RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY}: the request came from {tgw_id}, but {where}: the "
        "reply does not go back through the transit gateway" + (f" ({fix})" if fix else ""),
        rule=C.RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY,
    )


def unresolved_transit_reference(
    compiled: Compiled, eni: CompiledEni, pkt: Packet, remote: int, rules: list[SgRule]
) -> tuple[SgRule, tuple[str, ...]] | None:
    """An inbound rule of ``eni`` (among ``rules``, none of which allows ``pkt``) that references
    a group ``remote``'s ENI belongs to and would allow ``pkt`` if the reference resolved, with
    what keeps it from resolving across a transit gateway: the gateway and/or attachments without
    ``SecurityGroupReferencingSupport`` (:meth:`vpcsim.model.Network.group_reference_transit_gaps`).
    None when no such rule exists. Called only once a packet that crossed a transit gateway is
    blocked. ``remote`` is looked up in the referenced group's own VPC: VPCs joined by a transit
    gateway may overlap elsewhere."""
    network = compiled.network
    groups = network.security_groups
    only_remote = frozenset((remote,))
    for rule in rules:
        if rule.peer_kind != PEER_MEMBERS or remote in rule.members:
            continue
        group, referenced = groups.get(rule.group_id), groups.get(rule.peer)
        if group is None or referenced is None:
            continue
        if remote > FULL_MASK:
            holder = compiled.global6.get(remote)
        else:
            holder = compiled.private.get(referenced.vpc_id, {}).get(remote)
        if holder is None or rule.peer not in holder.group_ids:
            continue
        if sg_decide([rule._replace(members=only_remote)], pkt, remote)[0] is None:
            continue
        missing = network.group_reference_transit_gaps(group, referenced)
        if missing:
            return rule, missing
    return None


def vpce_source_outside(path: PathName, vpce_id: str, vpc_id: str, src: int) -> Blocker:
    return Blocker(
        C.VPCSIM_VPCE_GATEWAY_REQUIRES_SOURCE_IN_VPC,
        vpce_id,
        path,
        f"the source {ip_str(src)} is not in {vpc_id}: a gateway endpoint carries only its own VPC's traffic "
        "(not over peering or a transit gateway)",
        "create a gateway endpoint in the source's VPC, or use an interface endpoint",
    )


def endpoint_not_available(path: PathName, vpce_id: str, state: str) -> Blocker:
    return Blocker(
        C.BAD_STATE,
        vpce_id,
        path,
        f"endpoint {vpce_id} is {state}: only an available endpoint carries traffic",
        "wait for the endpoint to be available (or accept it), or route elsewhere",
    )


def endpoint_initiates(path: PathName, eni_id: str, vpce_id: str) -> Blocker:
    return Blocker(
        C.VPCE_INTRA_VPC_TRAFFIC,
        eni_id,
        path,
        f"{eni_id} belongs to endpoint {vpce_id}, which only answers connections its consumers open: it "
        "initiates nothing",
        "trace from a consumer to the endpoint instead",
    )


def loop(path: PathName, component: str) -> Blocker:
    return Blocker(
        C.VPCSIM_ROUTING_LOOP,
        component,
        path,
        f"the packet loops between transit gateways at {component}",
        "fix the transit gateway routes so that they lead to the destination",
    )
