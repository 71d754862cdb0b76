"""What a blocker says: pure functions from the walk's facts to :class:`Blocker` objects.

Why apart from the walk: the walk (:mod:`vpcsim.engine.walk`) decides *whether* a packet goes
on; these functions decide *how the answer reads* -- the explanation code, the component to
blame, a detail that names the rule or route and a fix a user can act on. Keeping the prose
here leaves the walk readable as forwarding, lets ``why`` (:mod:`vpcsim.analysis.why`) reuse
the same wording and choices (which peering to route through, how traffic is named), and makes
every explanation testable without walking a network.

Every function is pure: it reads the compiled network when it needs names (a subnet's CIDR, a
VPC's block) and returns a new ``Blocker`` for the walk's current ``path``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

from ..model import Network, protocol_name
from ..model.addressing import FULL_MASK, MANAGED_NEVER_ANSWERS
from . import codes as C
from .compiled import (
    STAR_RULE6,
    Compiled,
    CompiledEni,
    CompiledRoute,
    CompiledSubnet,
    SgRule,
    ip_str,
    is_internet_routable,
)
from .explain_transit import gateway_between
from .filters import STAR_RULE, Packet
from .flow import DEFAULT_INTERNET_HOST, DEFAULT_INTERNET_HOST6, ICMP, ICMPV6, PortRanges
from .ports import format_ranges
from .result import Blocker, Direction, PathName

# ---------------------------------------------------------------------------- naming things


@functools.lru_cache(maxsize=4096)
def describe_traffic(pkt: Packet) -> str:
    """``tcp/443``, ``icmp type 8 code 0``, ``protocol 47``: the packet as rules match it."""
    if pkt.has_ports:
        return f"{protocol_name(pkt.proto)}/{format_ranges(pkt.dports)}"
    if pkt.proto == ICMP or pkt.proto == ICMPV6:
        return f"{protocol_name(pkt.proto)} type {pkt.itype} code {pkt.icode}"
    return f"protocol {pkt.proto}"


def peer_hint(compiled: Compiled, ip: int) -> str:
    """The block a fix should allow for ``ip``: the subnet of the ENI that holds it, the whole
    internet for ``internet``'s stand-in host (a rule for it opens nothing for a real client), else
    the address alone (``10.0.1.0/24 (the subnet of 10.0.1.5)``, ``0.0.0.0/0``, ``8.8.8.8/32``)."""
    for table in compiled.private.values():
        owner = table.get(ip)
        if owner is not None:
            block = owner.subnet.subnet.ipv6_cidr_block if ip > FULL_MASK else owner.subnet.subnet.cidr_block
            return f"{block} (the subnet of {ip_str(ip)})"
    text = ip_str(ip)
    if ip > FULL_MASK:
        return "::/0 (the internet)" if text == DEFAULT_INTERNET_HOST6 else f"{text}/128"
    return "0.0.0.0/0 (the internet)" if text == DEFAULT_INTERNET_HOST else f"{text}/32"


def rule_name(rule_number: int) -> str:
    """A network-ACL entry as the console shows it (``*`` for the last one)."""
    return "*" if rule_number in (STAR_RULE, STAR_RULE6) else str(rule_number)


def peering_between(network: Network, vpc_a: str, vpc_b: str) -> str | None:
    """The active VPC peering connection that joins two VPCs, or None: the one answer to "which
    peering joins these VPCs" (AWS allows one at a time between two VPCs)."""
    for pcx in network.vpc_peering_connections.values():
        if pcx.status == "active" and {pcx.requester.vpc_id, pcx.accepter.vpc_id} == {vpc_a, vpc_b}:
            return pcx.vpc_peering_connection_id
    return None


class OtherVpc(NamedTuple):
    """Where an address of another VPC lives, and how a route could reach it."""

    vpc_id: str
    block: str
    """The VPC's primary CIDR block (the destination of a route to it)."""
    peering: str | None
    """The active peering connection that joins it to the sender's VPC, else a transit gateway
    both are attached to, if any: the target of the route a fix adds."""


def other_vpc(compiled: Compiled, vpc_id: str, ip: int) -> OtherVpc | None:
    """The VPC other than ``vpc_id`` where an ENI holds ``ip``: the walk's fix for a missing
    route names its block and peering, and ``why`` creates that route."""
    network = compiled.network
    for other_id, table in compiled.private.items():
        if other_id != vpc_id and ip in table:
            block = network.vpcs[other_id].cidr_block if other_id in network.vpcs else ip_str(ip)
            joined = peering_between(network, vpc_id, other_id) or gateway_between(network, vpc_id, other_id)
            return OtherVpc(other_id, block, joined)
    return None


# ---------------------------------------------------------------------------- the whole flow


def unknown_source(path: PathName, eni_id: str) -> Blocker:
    return Blocker(
        C.UNKNOWN_RESOURCE,
        eni_id,
        path,
        f"the source {eni_id} is not in the network",
        "import or describe the source network interface",
    )


def reply_elsewhere(path: PathName, component: str, reached: str) -> Blocker:
    return Blocker(
        C.NO_PATH,
        component,
        path,
        f"the reply reaches {reached}, not the client",
        "make the return route lead back to the client (asymmetric routing)",
    )


def asymmetric_reply(path: PathName, component: str, reply_src: int, request_dst: int) -> Blocker:
    return Blocker(
        C.VPCSIM_ASYMMETRIC_REPLY,
        component,
        path,
        f"the reply comes back from {ip_str(reply_src)}, but the client sent to {ip_str(request_dst)}: "
        "it drops the reply",
        "route the reply back the way the request came (e.g. the server's subnet to the internet gateway, "
        "not a NAT gateway, when the server has a public address)",
    )


def placeholder_address(path: PathName, end: CompiledEni, splitter: str) -> Blocker:
    return Blocker(
        C.VPCSIM_UNKNOWN_ADDRESS,
        end.eni_id,
        path,
        f"{end.eni_id}'s address {end.eni.private_ip_address} is a stand-in (AWS assigns it at apply), "
        f"and {splitter} covers only part of its subnet {end.subnet.subnet.cidr_block}: the real "
        "address may fall on either side",
        f"pin the private IP in the configuration, or make rules cover the whole subnet ({splitter})",
    )


def service_port_closed(
    path: PathName, name: str, open_ports: Iterable[tuple[int, int]], pkt: Packet
) -> Blocker:
    listed = ", ".join(f"{protocol_name(p)}/{n}" for p, n in sorted(open_ports))
    return Blocker(
        C.VPCSIM_SERVICE_PORT_CLOSED,
        name,
        path,
        f"{name} answers only on {listed}, not {describe_traffic(pkt)}",
        f"use {listed}",
    )


# ---------------------------------------------------------------------------- instances and ENIs


def stopped(path: PathName, eni: CompiledEni) -> Blocker:
    instance = eni.instance_id or eni.eni_id
    return Blocker(
        C.BAD_STATE,
        instance,
        path,
        f"instance {instance} is not running: it neither sends nor receives",
        f"start {instance}",
    )


def not_a_host(path: PathName, eni: CompiledEni, dst: int) -> Blocker:
    """Traffic addressed to an ENI AWS manages for a service (``eni.managed``): it is no host."""
    assert eni.managed is not None
    owner, answers = eni.managed
    what = f"{eni.eni_id} ({owner}{': ' + eni.eni.description if eni.eni.description else ''})"
    if answers == MANAGED_NEVER_ANSWERS:
        return Blocker(
            C.VPCSIM_NOT_A_HOST,
            eni.eni_id,
            path,
            f"{ip_str(dst)} belongs to {what}, which forwards or sends for the service and answers nothing "
            "addressed to it",
            "address a host (an instance's network interface) instead",
        )
    return Blocker(
        C.VPCSIM_OUTSIDE_MODEL,
        eni.eni_id,
        path,
        f"{ip_str(dst)} belongs to {what}: what it answers depends on the service behind it (listeners, "
        "service ports), which vpcsim does not model",
        f"check what the {owner} answers on",
    )


def source_dest_check(path: PathName, eni: CompiledEni, why: str) -> Blocker:
    return Blocker(
        C.ENI_SOURCE_DEST_CHECK_RESTRICTION,
        eni.eni_id,
        path,
        f"source/destination check is on for {eni.eni_id}: {why}",
        f"disable source/destination check on {eni.eni_id}",
    )


def untracked_icmp_error(path: PathName, device: str, pkt: Packet) -> Blocker:
    return Blocker(
        C.VPCSIM_NAT_UNTRACKED_ICMP_ERROR,
        device,
        path,
        f"ICMP type {pkt.itype} is an error message that belongs to no connection: a NAT translates an "
        "ICMP error only through the session of the packet it quotes (RFC 5508) and drops it otherwise",
        "send ICMP errors only in answer to traffic that crossed the NAT, or give the sender a public address",
    )


# ---------------------------------------------------------------------------- security groups


def sg_references_not_preserved(
    path: PathName, compiled: Compiled, eni: CompiledEni, pkt: Packet, remote: int
) -> Blocker:
    group = eni.group_ids[0] if eni.group_ids else eni.eni_id
    return Blocker(
        C.SG_REFERENCES_NOT_PRESERVED,
        group,
        path,
        f"only a group-reference rule of {', '.join(eni.group_ids)} would allow {describe_traffic(pkt)} "
        f"from {ip_str(remote)}, but the packet was forwarded by a middlebox, which does not preserve "
        "group membership",
        f"allow {describe_traffic(pkt)} from {peer_hint(compiled, remote).split(' ')[0]} by CIDR in {group}",
        "inbound",
    )


def referencing_support_command(component: str, *, transit_gateway: bool) -> str:
    """The AWS CLI command that enables ``SecurityGroupReferencingSupport`` on ``component``: a
    transit gateway, else a VPC attachment (the blocker's fix and ``why``'s change both say it)."""
    if transit_gateway:
        return (
            f"aws ec2 modify-transit-gateway --transit-gateway-id {component} "
            "--options SecurityGroupReferencingSupport=enable"
        )
    return (
        f"aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {component} "
        "--options SecurityGroupReferencingSupport=enable"
    )


def sg_referencing_support(
    path: PathName, compiled: Compiled, rule: SgRule, missing: tuple[str, ...], pkt: Packet, remote: int
) -> list[Blocker]:
    """One blocker per resource without ``SecurityGroupReferencingSupport`` (the transit gateway,
    an attachment) that keeps ``rule``'s group reference from resolving: each must be enabled."""
    network = compiled.network
    referenced = network.security_groups[rule.peer]
    found: list[Blocker] = []
    for component in missing:
        transit_gateway = component in network.transit_gateways
        if transit_gateway:
            what = f"transit gateway {component} has"
        else:
            what = f"attachment {component} (of {network.transit_gateway_attachments[component].resource_id}) has"
        command = referencing_support_command(component, transit_gateway=transit_gateway)
        found.append(
            Blocker(
                C.SG_REFERENCING_SUPPORT,
                component,
                path,
                f"rule {rule.label} of {rule.group_id} references {rule.peer} (in {referenced.vpc_id}), which "
                f"would allow {describe_traffic(pkt)} from {ip_str(remote)}, but {what} no security group "
                "referencing support: the reference is not resolved across the transit gateway",
                f"enable SecurityGroupReferencingSupport on {component} ({command})",
                "inbound",
            )
        )
    return found


def unknown_peer(path: PathName, group_id: str, label: str, peer: str, direction: Direction) -> Blocker:
    return Blocker(
        C.UNKNOWN_PEERED_SGS,
        group_id,
        path,
        f"rule {label} of {group_id} references {peer}, which is not in the input",
        f"import {peer} to decide",
        direction,
    )


def sg_denies(
    path: PathName,
    compiled: Compiled,
    eni: CompiledEni,
    pkt: Packet,
    remote: int,
    *,
    egress: bool,
    no_rules: bool,
    ports: PortRanges | None = None,
) -> Blocker:
    """No rule of the ENI's groups allows the packet (``no_rules``: they have none at all;
    ``ports``: the client ports that fail, when an untracked reply is judged port by port)."""
    direction: Direction = "outbound" if egress else "inbound"
    group = eni.group_ids[0] if eni.group_ids else eni.eni_id
    where = "to" if egress else "from"
    if no_rules:
        code = C.SG_HAS_NO_RULES
        detail = f"the security groups of {eni.eni_id} ({', '.join(eni.group_ids) or 'none'}) have no {direction} rules"
    else:
        code = C.ENI_SG_RULES_MISMATCH
        detail = (
            f"no {direction} rule of {', '.join(eni.group_ids) or 'its groups'} on {eni.eni_id} allows "
            f"{describe_traffic(pkt)} {where} {ip_str(remote)}"
        )
    return Blocker(
        code,
        group,
        path,
        detail,
        f"add an {direction} rule to {group} allowing {describe_traffic(pkt)} {where} {peer_hint(compiled, remote)}",
        direction,
        ports,
    )


# ---------------------------------------------------------------------------- network ACLs


def acl_denies(
    path: PathName,
    compiled: Compiled,
    subnet: CompiledSubnet,
    pkt: Packet,
    remote: int,
    *,
    inbound: bool,
    deny_rules: list[int],
    failing: PortRanges | None,
    multi_port: bool,
) -> Blocker:
    """Entries of the subnet's ACL deny the packet (``failing``: the destination ports denied)."""
    assert subnet.acl is not None
    acl_id = subnet.acl.acl_id
    direction: Direction = "inbound" if inbound else "outbound"
    rules_text = ", ".join(rule_name(r) for r in sorted(set(deny_rules)))
    traffic = f"{protocol_name(pkt.proto)}/{format_ranges(failing)}" if failing else describe_traffic(pkt)
    lowest = min(deny_rules)
    number_hint = "a number below 32767" if lowest in (STAR_RULE, STAR_RULE6) else f"a number below {lowest}"
    part = ""
    if multi_port and failing is not None:
        part = f" (ports {format_ranges(failing)} of {format_ranges(pkt.dports)})"
    return Blocker(
        C.SUBNET_ACL_RESTRICTION,
        acl_id,
        path,
        f"{direction} rule {rules_text} of {acl_id} ({subnet.subnet_id}) denies "
        f"{describe_traffic(pkt)}{part} {'from' if inbound else 'to'} {ip_str(remote)}",
        f"add an {direction} allow rule to {acl_id} with {number_hint} for {traffic} "
        f"{'from' if inbound else 'to'} {peer_hint(compiled, remote).split(' ')[0]}",
        direction,
        failing if (multi_port or path == "return") else None,
    )


# ---------------------------------------------------------------------------- routing


def routing_loop(path: PathName, subnet: CompiledSubnet) -> Blocker:
    return Blocker(
        C.VPCSIM_ROUTING_LOOP,
        subnet.subnet_id,
        path,
        "the packet keeps being routed: a loop",
        "fix the routes that send the packet around",
    )


def no_route_table(path: PathName, subnet: CompiledSubnet) -> Blocker:
    return Blocker(
        C.NO_ROUTE_TO_DESTINATION,
        subnet.subnet_id,
        path,
        f"{subnet.subnet_id} has no route table",
        f"associate a route table with {subnet.subnet_id}",
    )


def no_route(path: PathName, compiled: Compiled, subnet: CompiledSubnet, rt_id: str, dst_ip: int) -> Blocker:
    """The route table has no route for the destination; the fix depends on where it lives: an
    ENI of another VPC (a peering route, or a peering first), the internet, or elsewhere."""
    dst = ip_str(dst_ip)
    other = other_vpc(compiled, subnet.vpc_id, dst_ip)
    if other is not None:
        if other.peering is not None:
            return Blocker(
                C.NO_ROUTE_TO_DESTINATION,
                rt_id,
                path,
                f"{rt_id} has no route for {dst} (in {other.vpc_id})",
                f"add a route {other.block} -> {other.peering} to {rt_id}",
            )
        return Blocker(
            C.DISCONNECTED_VPCS,
            rt_id,
            path,
            f"{dst} is in {other.vpc_id}, which no active peering connects to {subnet.vpc_id}",
            f"create a VPC peering connection between {subnet.vpc_id} and {other.vpc_id} and add "
            f"routes both ways ({other.block} in {rt_id})",
        )
    if is_internet_routable(dst_ip) and dst_ip > FULL_MASK:
        fix = f"add a route for {dst} (e.g. ::/0) to an internet gateway or egress-only internet gateway in {rt_id}"
    elif is_internet_routable(dst_ip):
        fix = f"add a route for {dst} (e.g. 0.0.0.0/0) to an internet gateway or NAT gateway in {rt_id}"
    else:
        fix = f"add a route for {dst} in {rt_id}"
    return Blocker(C.NO_ROUTE_TO_DESTINATION, rt_id, path, f"{rt_id} has no route for {dst}", fix)


def blackhole(path: PathName, rt_id: str, chosen: CompiledRoute, matching: list[CompiledRoute]) -> Blocker:
    """The longest match is a blackhole; a shorter working route is not a fallback."""
    code = (
        C.BAD_STATE_ATTACHMENT
        if chosen.kind in ("igw", "vgw") and "attached" in (chosen.blackhole or "")
        else C.BAD_STATE_ROUTE
    )
    shorter = next((r for r in matching if r is not chosen and r.blackhole is None), None)
    extra = (
        (
            f"; the shorter route {shorter.destination} -> {shorter.target} is not used "
            "(no fallback past a more specific route)"
        )
        if shorter is not None
        else ""
    )
    return Blocker(
        code,
        rt_id if code == C.BAD_STATE_ROUTE else chosen.target,
        path,
        f"route {chosen.destination} -> {chosen.target} in {rt_id} is a blackhole: {chosen.blackhole}{extra}",
        (
            f"attach {chosen.target} to the VPC, or replace the route"
            if code == C.BAD_STATE_ATTACHMENT
            else f"replace the route {chosen.destination} in {rt_id} with a working target, or delete it"
        ),
    )


def no_destination(path: PathName, where: str, dst: int) -> Blocker:
    return Blocker(
        C.NO_POSSIBLE_DESTINATION,
        where,
        path,
        f"no network interface holds {ip_str(dst)} in {where}",
        "check the destination address (is the instance or ENI there?)",
    )


def unknown_target(path: PathName, compiled: Compiled, target: str, kind: str, dst: int) -> Blocker:
    """A route leads to something the input does not describe, or outside the model."""
    if target in compiled.unknown_ids or kind == "unknown":
        return Blocker(
            C.UNKNOWN_RESOURCE,
            target,
            path,
            f"{target} is referenced but not described in the input",
            f"import {target}",
        )
    return Blocker(
        C.VPCSIM_OUTSIDE_MODEL,
        target,
        path,
        f"the packet for {ip_str(dst)} leaves the modelled network through {target} ({kind})",
        f"model what lies behind {target} to decide",
    )


# ---------------------------------------------------------------------------- internet gateways


def igw_destination_not_internet(path: PathName, igw_id: str, dst: int, *, rfc6598: bool) -> Blocker:
    return Blocker(
        C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS
        if rfc6598
        else C.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS,
        igw_id,
        path,
        f"{ip_str(dst)} is not an internet address; the internet gateway does not carry it",
        f"route {ip_str(dst)} to where it lives (a local, peering or VPN route), not to {igw_id}",
    )


def igw_no_public_address(path: PathName, igw_id: str, src: int, owner: CompiledEni | None) -> Blocker:
    where = owner.eni_id if owner is not None else ip_str(src)
    return Blocker(
        C.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
        igw_id,
        path,
        f"{ip_str(src)} ({where}) has no public IPv4 address, so {igw_id} drops its traffic",
        f"associate an Elastic IP with {where}, or route the subnet's internet traffic through a NAT gateway",
    )


def igw_source_not_internet(path: PathName, gateway: str, src: int, *, rfc6598: bool) -> Blocker:
    return Blocker(
        C.IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS
        if rfc6598
        else C.IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS,
        gateway,
        path,
        f"{ip_str(src)} is not an internet address: the internet gateway drops traffic from it",
        "use a public source address",
    )


def igw_private_destination(path: PathName, component: str, dst: int, owner: CompiledEni | None) -> Blocker:
    public = owner.public_of.get(dst) if owner is not None else None
    if owner is None:
        fix = "use the destination's public address"
    elif public is not None:
        fix = f"use {owner.eni_id}'s public address {ip_str(public)}"
    else:
        fix = (
            f"give {owner.eni_id} an Elastic IP and use that address; its subnet must route the reply to the "
            "internet gateway (not a NAT gateway)"
        )
    return Blocker(
        C.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
        component,
        path,
        f"{ip_str(dst)} is a private address: the internet cannot reach it",
        fix,
    )


def unknown_public_address(path: PathName, dst: int) -> Blocker:
    return Blocker(
        C.UNKNOWN_DESTINATION,
        "internet",
        path,
        f"nothing in the network owns the public address {ip_str(dst)}",
        "check the destination address",
    )


def no_internet_gateway(path: PathName, vpc_id: str, detached: str | None, dst: int) -> Blocker:
    """``detached``: an internet gateway with an attachment to the VPC that is not available."""
    return Blocker(
        C.BAD_STATE_ATTACHMENT if detached is not None else C.NO_PATH,
        detached if detached is not None else vpc_id,
        path,
        f"{vpc_id} has no attached internet gateway, so {ip_str(dst)} is unreachable from the internet",
        f"attach an internet gateway to {vpc_id}",
    )


# ---------------------------------------------------------------------------- NAT gateways


def nat_protocol(path: PathName, nat_id: str, proto: int) -> Blocker:
    return Blocker(
        C.PROTOCOL_RESTRICTION,
        nat_id,
        path,
        f"a NAT gateway carries TCP, UDP and ICMP only, not protocol {proto}",
        "use a NAT instance or give the instance a public address for this protocol",
    )


def nat_source_outside_vpc(path: PathName, nat_id: str, vpc_id: str, src: int) -> Blocker:
    return Blocker(
        C.NGW_REQUIRES_SOURCE_IN_VPC,
        nat_id,
        path,
        f"{ip_str(src)} is not in {vpc_id}: a NAT gateway serves its own VPC only",
        f"give {ip_str(src)}'s VPC its own NAT gateway",
    )


def nat_no_inbound(path: PathName, nat_id: str) -> Blocker:
    return Blocker(
        C.VPCSIM_NAT_GATEWAY_NO_INBOUND,
        nat_id,
        path,
        f"{nat_id} accepts no connection initiated towards it",
        "reach the instance through a public address on it, a load balancer or a bastion",
    )


# ---------------------------------------------------------------------------- peering and endpoints


def pcx_not_of_vpc(path: PathName, pcx_id: str, vpc_id: str) -> Blocker:
    return Blocker(
        C.BAD_STATE_ROUTE,
        pcx_id,
        path,
        f"{pcx_id} does not connect {vpc_id}",
        f"route to a peering connection of {vpc_id}",
    )


def pcx_source_outside(path: PathName, pcx_id: str, vpc_id: str, src: int) -> Blocker:
    return Blocker(
        C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
        pcx_id,
        path,
        f"the source {ip_str(src)} is not in {vpc_id}: a peering carries no transit or edge-to-edge traffic",
        "connect the two ends directly (their own peering, or a transit gateway)",
    )


def peer_vpc_unknown(path: PathName, peer_id: str, owner_id: str, region: str) -> Blocker:
    return Blocker(
        C.UNKNOWN_RESOURCE,
        peer_id,
        path,
        f"the peer VPC {peer_id} is not in the input",
        f"import {peer_id} (account {owner_id}, {region})",
    )


def pcx_destination_outside(
    path: PathName, pcx_id: str, peer_id: str, dst: int, *, peer_known: bool
) -> Blocker:
    """The destination is not in the peer VPC (``peer_known``: the peer VPC is in the input)."""
    if peer_known:
        return Blocker(
            C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
            pcx_id,
            path,
            f"the destination {ip_str(dst)} is not in the peer VPC {peer_id}: no transitive or edge-to-edge routing",
            "route the destination through a connection of its own (peering, NAT gateway or internet gateway of this VPC)",
        )
    return Blocker(
        C.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
        pcx_id,
        path,
        f"the destination {ip_str(dst)} is not in the peer VPC {peer_id}",
        "no transitive peering: connect the destination's VPC directly",
    )


def gateway_endpoint_protocol(path: PathName, vpce_id: str) -> Blocker:
    return Blocker(
        C.VPCE_GATEWAY_PROTOCOL_RESTRICTION,
        vpce_id,
        path,
        "a gateway endpoint carries TCP and ICMP echo only",
        "use TCP to reach the service",
    )
