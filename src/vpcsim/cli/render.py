"""Human rendering of results (rich), kept apart from the data it renders.

One function per result: a trace, a network (``show``), a validation, an import summary; the
analyses' results are in :mod:`vpcsim.cli.render_analysis`. Every function takes plain results
and returns a rich renderable; the command prints it. Golden tests pin the exact output.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from ..engine import Trace
from ..engine.trace import format_ranges
from ..formats.problems import LoadResult
from ..model import (
    Instance,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    Problem,
    Resource,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    protocol_name,
)
from ..model.elb import LoadBalancer
from ..model.network import COLLECTIONS, Network
from .render_transit import add_transit_gateways

VERDICT_STYLE = {"reachable": "bold green", "unreachable": "bold red", "unknown": "bold yellow"}


def label(network: Network, component: str) -> str:
    """``eni-0abc (web)``: an id with its Name tag (an ENI borrows its instance's)."""
    resource = network.get(component)
    name = resource.name if resource is not None else None
    if name is None and isinstance(resource, SecurityGroup):
        name = resource.group_name
    if name is None and isinstance(resource, NetworkInterface) and resource.attachment:
        instance = network.instances.get(resource.attachment.instance_id or "")
        if instance is not None:
            name = instance.name
    return f"{component} ({name})" if name else component


def flow_line(trace: Trace) -> str:
    flow = trace.flow
    proto = protocol_name(flow.protocol)
    if flow.has_ports:
        ports = format_ranges(flow.source_ports)
        kind = "source port" if flow.pinned else "client ports"
        to = f"[{flow.destination}]" if ":" in flow.destination else flow.destination
        return f"{proto} {flow.source} -> {to}:{flow.destination_port} ({kind} {ports})"
    if proto in ("icmp", "icmpv6"):
        return f"{proto} {flow.source} -> {flow.destination} (type {flow.icmp_type} code {flow.icmp_code})"
    return f"protocol {proto} {flow.source} -> {flow.destination}"


def render_trace(network: Network, trace: Trace, *, brief: bool = False) -> RenderableType:
    parts: list[RenderableType] = []
    parts.append(Text(flow_line(trace)))
    parts.append(Text(trace.verdict.upper(), style=VERDICT_STYLE[trace.verdict]))
    paths = () if brief else (("Forward path", trace.forward), ("Return path", trace.return_))
    for title, hops in paths:
        if not hops:
            continue
        parts.append(Text(""))
        parts.append(Text(title, style="bold"))
        for number, hop in enumerate(hops, 1):
            parts.append(Text(f"{number:>2} {label(network, hop.component)}  [{hop.type}]", style="cyan"))
            for step in hop.steps:
                style = "red" if step.action in ("deny", "drop") else ""
                parts.append(Text(f"     {step.action:<9} {step.detail}", style=style))
                if step.before is not None and step.after is not None:
                    parts.append(
                        Text(
                            f"               {step.before.source} -> {step.before.destination}  becomes  "
                            f"{step.after.source} -> {step.after.destination}"
                        )
                    )
    if trace.blockers:
        if not brief:
            parts.append(Text(""))
        parts.append(Text(f"Blockers ({len(trace.blockers)})", style="bold"))
        for number, blocker in enumerate(trace.blockers, 1):
            where = ", ".join(x for x in (blocker.path, blocker.direction) if x)
            ports = f" ports {format_ranges(blocker.ports)}" if blocker.ports else ""
            parts.append(
                Text(
                    f"{number:>2} {blocker.code}  {label(network, blocker.component)} ({where}){ports}",
                    style="bold red",
                )
            )
            parts.append(Text(f"     {blocker.detail}"))
            parts.append(Text(f"     fix: {blocker.fix}", style="green"))
    return Group(*parts)


# ---------------------------------------------------------------------------- validate and import


def render_validation(name: str, loaded: LoadResult, problems: list[Problem]) -> RenderableType:
    """The load's warnings (the model's among them, located: each printed once) and a summary line
    naming the NETWORK argument. A network with errors does not load, so ``problems`` (what
    validation found) are warnings; errors are counted all the same."""
    parts: list[RenderableType] = [Text(str(warning), style="yellow") for warning in loaded.warnings]
    errors = sum(1 for p in problems if p.severity == "error")
    summary = f"{name}: {errors} error(s), {len(problems) - errors} warning(s)"
    parts.append(Text(summary if problems else f"{name}: valid"))
    return Group(*parts)


def render_import(name: str, loaded: LoadResult, counts: dict[str, int]) -> RenderableType:
    """The format read, resources per type, what was skipped (not modelled) and every warning."""
    parts: list[RenderableType] = [Text(f"{name}: {loaded.format} input")]
    parts.extend(Text(f"  {count:>7}  {kind}") for kind, count in counts.items())
    if loaded.skipped:
        parts.append(Text("skipped (not modelled):"))
        parts.extend(Text(f"  {count:>7}  {kind}") for kind, count in sorted(loaded.skipped.items()))
    if loaded.warnings:
        parts.append(Text(f"warnings ({len(loaded.warnings)}):"))
        parts.extend(Text(f"  {warning}", style="yellow") for warning in loaded.warnings)
    return Group(*parts)


# ---------------------------------------------------------------------------- show


def _sg_rule_text(rule: SecurityGroupRule, network: Network, egress: bool) -> str:
    proto = "all" if rule.ip_protocol == "-1" else rule.ip_protocol
    if rule.ip_protocol in ("tcp", "udp"):
        lo, hi = rule.from_port, rule.to_port
        ports = (
            "all"
            if lo is None or (lo in (0, -1) and hi in (65535, -1))
            else (str(lo) if lo == hi else f"{lo}-{hi}")
        )
        proto = f"{proto} {ports}"
    elif rule.ip_protocol == "icmp" and rule.from_port not in (None, -1):
        proto = f"icmp type {rule.from_port}" + (
            f" code {rule.to_port}" if rule.to_port not in (None, -1) else ""
        )
    peer = rule.peer
    if rule.referenced_group_id:
        peer = label(network, rule.referenced_group_id)
    return f"{'out' if egress else 'in'}: {proto} {'to' if egress else 'from'} {peer}"


def _acl_entry_text(entry: NetworkAclEntry) -> str:
    number = "*" if entry.rule_number >= 32767 else str(entry.rule_number)
    proto = "all" if entry.protocol == "-1" else protocol_name(entry.protocol)
    if entry.port_range is not None and entry.protocol in ("6", "17"):
        lo, hi = entry.port_range
        proto += f" {lo}" if lo == hi else f" {lo}-{hi}"
    if entry.icmp_type_code is not None and entry.protocol == "1":
        proto += f" type {entry.icmp_type_code[0]}"
    cidr = entry.cidr_block or entry.ipv6_cidr_block
    return f"{'out' if entry.egress else 'in '} {number:>5} {entry.rule_action:<5} {proto} {'to' if entry.egress else 'from'} {cidr}"


def _route_table_node(network: Network, table: RouteTable) -> Tree:
    flags = ["main"] if table.main else []
    if table.subnet_ids:
        flags.append("subnets: " + ", ".join(label(network, s) for s in sorted(table.subnet_ids)))
    if table.gateway_ids:
        flags.append("edge: " + ", ".join(sorted(table.gateway_ids)))
    node = Tree(f"{label(network, table.route_table_id)}" + (f"  [{'; '.join(flags)}]" if flags else ""))
    for route in table.routes:
        state = " (blackhole)" if route.state == "blackhole" else ""
        origin = " (propagated)" if route.origin == "EnableVgwRoutePropagation" else ""
        node.add(f"{route.destination} -> {route.target}{state}{origin}")
    return node


def _acl_node(network: Network, acl: NetworkAcl) -> Tree:
    flags = ["default"] if acl.is_default else []
    if acl.subnet_ids:
        flags.append("subnets: " + ", ".join(label(network, s) for s in sorted(acl.subnet_ids)))
    node = Tree(f"{label(network, acl.network_acl_id)}" + (f"  [{'; '.join(flags)}]" if flags else ""))
    for entry in sorted(acl.entries, key=lambda e: (e.egress, e.rule_number)):
        node.add(_acl_entry_text(entry))
    return node


def _sg_node(network: Network, group: SecurityGroup) -> Tree:
    node = Tree(label(network, group.group_id))
    for rule in group.ingress:
        node.add(_sg_rule_text(rule, network, False))
    for rule in group.egress:
        node.add(_sg_rule_text(rule, network, True))
    if not group.ingress and not group.egress:
        node.add("no rules")
    return node


def _eni_text(network: Network, eni: NetworkInterface) -> str:
    addresses = []
    for slot in eni.private_ip_addresses:
        text = slot.private_ip_address
        if slot.public_ip:
            text += f" -> {slot.public_ip}" + (" (EIP)" if slot.allocation_id else "")
        addresses.append(text)
    addresses += eni.ipv6_addresses  # global unicast: what the internet sees, no NAT
    groups = ", ".join(label(network, g) for g in eni.groups) or "no groups"
    extra = "" if eni.source_dest_check else "  source/dest check off"
    kind = "" if eni.interface_type == "interface" else f" [{eni.interface_type}]"
    if eni.description.startswith("ELB "):
        extra += f"  node of load balancer {eni.description[4:]}"
    return f"{eni.network_interface_id}{kind}  {'; '.join(addresses)}  sg: {groups}{extra}"


def _load_balancer_text(network: Network, lb: LoadBalancer) -> str:
    """``load balancer NAME (type, scheme): HTTP:80 -> i-...:8080, ...`` for the tree."""
    listeners = []
    for listener in lb.listeners:
        if lb.type == "classic":
            targets = [f"{i}:{listener.instance_port}" for i in lb.instances]
        else:
            targets = [
                f"{t.id}:{t.port or network.target_groups[arn].port}"
                for arn in listener.target_group_arns
                if arn in network.target_groups
                for t in network.target_groups[arn].targets
            ]
        listeners.append(f"{listener.protocol}:{listener.port} -> {', '.join(targets) or 'no target'}")
    state = "" if lb.state == "active" else f", {lb.state}"
    return f"load balancer {lb.load_balancer_name} ({lb.type}, {lb.scheme}{state}): " + (
        "; ".join(listeners) or "no listener"
    )


def render_network(network: Network) -> RenderableType:
    root = Tree(f"network (account {network.account})")
    regions: dict[str, Tree] = {}
    for vpc in sorted(network.vpcs.values(), key=lambda v: (v.region, v.vpc_id)):
        region = regions.get(vpc.region)
        if region is None:
            region = regions[vpc.region] = root.add(vpc.region)
        blocks = ", ".join([*vpc.cidr_blocks, *vpc.ipv6_cidr_blocks])
        vnode = region.add(
            f"{label(network, vpc.vpc_id)}  {blocks}" + ("  [default VPC]" if vpc.is_default else "")
        )
        igw = network.internet_gateway_of_vpc(vpc.vpc_id)
        vnode.add(f"internet gateway: {label(network, igw.internet_gateway_id) if igw else 'none attached'}")
        for eigw in sorted(network.egress_only_internet_gateways.values(), key=lambda g: g.id):
            if eigw.vpc_id == vpc.vpc_id:
                vnode.add(
                    f"egress-only internet gateway: {label(network, eigw.egress_only_internet_gateway_id)}"
                )
        for nat in sorted(network.nat_gateways.values(), key=lambda x: x.nat_gateway_id):
            if nat.vpc_id == vpc.vpc_id:
                vnode.add(
                    f"NAT gateway {label(network, nat.nat_gateway_id)} ({nat.connectivity_type}, {nat.state}) in "
                    f"{label(network, nat.subnet_id)}: {nat.private_ip}"
                    + (f" -> {nat.public_ip}" if nat.public_ip else "")
                )
        for lb in sorted(network.load_balancers.values(), key=lambda b: b.load_balancer_name):
            if lb.vpc_id == vpc.vpc_id:
                vnode.add(_load_balancer_text(network, lb))
        for pcx in sorted(
            network.vpc_peering_connections.values(), key=lambda x: x.vpc_peering_connection_id
        ):
            peer = pcx.peer_of(vpc.vpc_id)
            if peer is not None:
                vnode.add(
                    f"peering {label(network, pcx.vpc_peering_connection_id)} ({pcx.status}) with {label(network, peer)}"
                )
        azs: dict[str, Tree] = {}
        for subnet in sorted(network.subnets.values(), key=lambda s: (s.availability_zone, s.cidr_block)):
            if subnet.vpc_id != vpc.vpc_id:
                continue
            az = azs.get(subnet.availability_zone)
            if az is None:
                az = azs[subnet.availability_zone] = vnode.add(subnet.availability_zone)
            table = network.route_table_of_subnet(subnet.subnet_id)
            acl = network.network_acl_of_subnet(subnet.subnet_id)
            snode = az.add(
                f"{label(network, subnet.subnet_id)}  {subnet.cidr_block}"
                + (f", {subnet.ipv6_cidr_block}" if subnet.ipv6_cidr_block else "")
                + "  route table "
                f"{table.route_table_id if table else 'none'}, ACL {acl.network_acl_id if acl else 'none'}"
                + ("  [public IP on launch]" if subnet.map_public_ip_on_launch else "")
            )
            for instance in sorted(network.instances.values(), key=lambda i: i.instance_id):
                if instance.subnet_id != subnet.subnet_id:
                    continue
                inode = snode.add(f"{label(network, instance.instance_id)}  {instance.state}")
                for eni_id in instance.network_interface_ids:
                    eni = network.network_interfaces.get(eni_id)
                    if eni is not None:
                        where = (
                            ""
                            if eni.subnet_id == subnet.subnet_id
                            else f"  (in {label(network, eni.subnet_id)})"
                        )
                        inode.add(_eni_text(network, eni) + where)
            for eni in network.network_interfaces_in_subnet(subnet.subnet_id):
                if eni.attachment is None or eni.attachment.instance_id is None:
                    snode.add(_eni_text(network, eni))
        tables = vnode.add("route tables")
        for table in sorted(network.route_tables.values(), key=lambda t: t.route_table_id):
            if table.vpc_id == vpc.vpc_id:
                tables.children.append(_route_table_node(network, table))
        acls = vnode.add("network ACLs")
        for acl in sorted(network.network_acls.values(), key=lambda a: a.network_acl_id):
            if acl.vpc_id == vpc.vpc_id:
                acls.children.append(_acl_node(network, acl))
        groups = vnode.add("security groups")
        for group in sorted(network.security_groups.values(), key=lambda g: g.group_id):
            if group.vpc_id == vpc.vpc_id:
                groups.children.append(_sg_node(network, group))
    add_transit_gateways(network, root, regions)
    if network.unknown_resources:
        unknown = root.add("unknown (referenced, not described)")
        for item in sorted(network.unknown_resources.values(), key=lambda u: u.resource_id):
            unknown.add(f"{item.resource_id} [{item.resource_type}]: {item.reason}")
    return root


def network_to_json(network: Network) -> dict[str, Any]:
    """Every resource, per collection, sorted by id: the ``show --json`` document."""
    out: dict[str, Any] = {"schema_version": 1, "account": network.account, "region": network.region}
    for cls, name in COLLECTIONS.items():
        items = sorted(network.collection(cls).values(), key=lambda r: r.id)
        out[name] = [_resource_dict(r) for r in items]
    return out


def _resource_dict(resource: Resource) -> dict[str, Any]:
    data = asdict(resource)
    result: dict[str, Any] = {"id": resource.id, **data}
    if isinstance(resource, Instance):
        result["network_interface_ids"] = list(resource.network_interface_ids)
    return result
