"""What the side panel shows for one component: its fields, and the rules that decide its traffic
(security-group rules, network-ACL entries in evaluation order, routes with the longest-prefix
winner for an address marked).

The route winner and a route's blackhole state are the engine's own (its compiled tables); the
ACL order is the rule-number order the engine evaluates. Nothing here decides a packet.
"""

from __future__ import annotations

from typing import Any

from ..engine.compiled import CompiledRoute, CompiledRouteTable, compile_network
from ..model import Network, NetworkAcl, Resource, RouteTable, SecurityGroup, SecurityGroupRule
from ..model.addressing import ip_int
from .topology import label_of

SCHEMA_VERSION = 1
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


class UnknownComponent(LookupError):
    """An id that names nothing in the network."""


def _ports(protocol: str, lo: int | None, hi: int | None) -> str:
    if protocol in ("-1", "all"):
        return "all"
    if protocol in ("icmp", "1", "icmpv6", "58"):
        if lo is None or lo == -1:
            return "all types"
        return f"type {lo}" + ("" if hi is None or hi == -1 else f" code {hi}")
    if lo is None or (lo == 0 and hi == 65535) or lo == -1:
        return "all"
    return str(lo) if lo == hi else f"{lo}-{hi}"


def sg_rule_dict(index: int, rule: SecurityGroupRule, *, egress: bool) -> dict[str, Any]:
    return {
        "index": index,
        "direction": "outbound" if egress else "inbound",
        "ip_protocol": rule.ip_protocol,
        "protocol": PROTOCOLS.get(rule.ip_protocol, rule.ip_protocol),
        "from_port": rule.from_port,
        "to_port": rule.to_port,
        "ports": _ports(rule.ip_protocol, rule.from_port, rule.to_port),
        "peer": rule.peer,
        "cidr_ipv4": rule.cidr_ipv4,
        "referenced_group_id": rule.referenced_group_id,
        "prefix_list_id": rule.prefix_list_id,
        "description": rule.description,
        "security_group_rule_id": rule.security_group_rule_id,
    }


def security_group_dict(group: SecurityGroup) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "vpc_id": group.vpc_id,
        "description": group.description,
        "ingress": [sg_rule_dict(i, r, egress=False) for i, r in enumerate(group.ingress)],
        "egress": [sg_rule_dict(i, r, egress=True) for i, r in enumerate(group.egress)],
    }


def network_acl_dict(network: Network, acl: NetworkAcl) -> dict[str, Any]:
    """Entries per direction in the order AWS evaluates them (lowest rule number first), ending
    with the ``*`` entry (rule 32767, as the model stores it) that denies what no other decided."""

    def entries(egress: bool) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for entry in sorted((e for e in acl.entries if e.egress == egress), key=lambda e: e.rule_number):
            if entry.ipv6_cidr_block is not None and entry.cidr_block is None:
                peer = entry.ipv6_cidr_block
            else:
                peer = entry.cidr_block or ""
            lo, hi = entry.port_range or (None, None)
            if entry.icmp_type_code is not None:
                lo, hi = entry.icmp_type_code
            rows.append(
                {
                    "rule_number": "*" if entry.rule_number == 32767 else entry.rule_number,
                    "protocol": PROTOCOLS.get(entry.protocol, entry.protocol),
                    "protocol_number": entry.protocol,
                    "ports": _ports(entry.protocol, lo, hi),
                    "port_range": list(entry.port_range) if entry.port_range else None,
                    "cidr_block": peer,
                    "rule_action": entry.rule_action,
                    "egress": egress,
                }
            )
        if rows and rows[-1]["rule_number"] == "*":
            return rows
        rows.append(
            {
                "rule_number": "*",
                "protocol": "all",
                "protocol_number": "-1",
                "ports": "all",
                "port_range": None,
                "cidr_block": "0.0.0.0/0",
                "rule_action": "deny",
                "egress": egress,
            }
        )
        return rows

    return {
        "network_acl_id": acl.network_acl_id,
        "vpc_id": acl.vpc_id,
        "is_default": acl.is_default,
        "subnet_ids": sorted(
            s
            for s in network.subnets
            if (used := network.network_acl_of_subnet(s)) is not None and used is acl
        ),
        "inbound": entries(False),
        "outbound": entries(True),
    }


def _compiled_table(network: Network, table: RouteTable) -> CompiledRouteTable | None:
    """The engine's compiled form of ``table``: through a subnet that uses it (a table no subnet
    uses routes nothing)."""
    compiled = compile_network(network)
    for sub in compiled.subnets.values():
        if sub.route_table is not None and sub.route_table.route_table_id == table.route_table_id:
            return sub.route_table
    return None


def route_table_dict(network: Network, table: RouteTable, destination: str | None) -> dict[str, Any]:
    """The routes, each with the engine's state, and the one the longest prefix match picks for
    ``destination`` (an IPv4 address) marked ``winner``."""
    compiled = _compiled_table(network, table)
    by_route: dict[int, CompiledRoute] = {}
    winner: CompiledRoute | None = None
    if compiled is not None:
        for _, level in compiled.levels:
            for entry in level.values():
                by_route[id(entry.route)] = entry
        for losers in compiled.shadowed.values():
            for entry in losers:
                by_route.setdefault(id(entry.route), entry)
        if destination:
            winner = compiled.lookup(ip_int(destination))
    subnets = sorted(
        s.subnet_id for s in network.subnets.values() if network.route_table_of_subnet(s.subnet_id) is table
    )
    routes = []
    for route in table.routes:
        compiled_route = by_route.get(id(route))
        routes.append(
            {
                "destination": route.destination,
                "target": route.target,
                "origin": route.origin,
                "state": ("blackhole" if compiled_route.blackhole else "active")
                if compiled_route
                else route.state,
                "blackhole_reason": compiled_route.blackhole if compiled_route else None,
                "winner": winner is not None and winner.route is route,
                "deletable": route.gateway_id != "local",
            }
        )
    return {
        "route_table_id": table.route_table_id,
        "vpc_id": table.vpc_id,
        "main": table.main,
        "subnet_ids": subnets,
        "destination": destination,
        "winner": None if winner is None else {"destination": winner.destination, "target": winner.target},
        "routes": routes,
        "in_use": compiled is not None,
    }


def component(network: Network, component_id: str, *, destination: str | None = None) -> dict[str, Any]:
    """The panel's document for ``component_id``; raises :class:`UnknownComponent`."""
    resource = network.get(component_id)
    if resource is None:
        raise UnknownComponent(component_id)
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": resource.id,
        "type": _type(resource),
        "name": resource.name,
        "label": label_of(resource),
        "tags": dict(sorted(resource.tags.items())),
        "region": resource.region,
    }
    if isinstance(resource, SecurityGroup):
        out["security_group"] = security_group_dict(resource)
    elif isinstance(resource, NetworkAcl):
        out["network_acl"] = network_acl_dict(network, resource)
    elif isinstance(resource, RouteTable):
        out["route_table"] = route_table_dict(network, resource, destination)
    else:
        out.update(_related(network, resource, destination))
    return out


def _type(resource: Resource) -> str:
    name = type(resource).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def _related(network: Network, resource: Resource, destination: str | None) -> dict[str, Any]:
    """An instance's, ENI's or subnet's fields, and the groups, ACL and route table that decide its
    traffic."""
    from ..model import Instance, NetworkInterface, Subnet

    fields: dict[str, Any] = {}
    groups: list[str] = []
    subnet_id: str | None = None
    if isinstance(resource, Instance):
        enis = [
            network.network_interfaces[e]
            for e in resource.network_interface_ids
            if e in network.network_interfaces
        ]
        fields = {
            "state": resource.state,
            "instance_type": resource.instance_type,
            "subnet_id": resource.subnet_id,
            "vpc_id": resource.vpc_id,
            "network_interfaces": [_eni_fields(eni) for eni in enis],
        }
        groups = [g for eni in enis for g in eni.groups]
        subnet_id = resource.subnet_id
    elif isinstance(resource, NetworkInterface):
        fields = _eni_fields(resource)
        groups = list(resource.groups)
        subnet_id = resource.subnet_id
    elif isinstance(resource, Subnet):
        fields = {
            "cidr_block": resource.cidr_block,
            "availability_zone": resource.availability_zone,
            "vpc_id": resource.vpc_id,
            "map_public_ip_on_launch": resource.map_public_ip_on_launch,
        }
        subnet_id = resource.subnet_id
    else:
        fields = {"fields": _plain_fields(resource)}
    out: dict[str, Any] = {"fields": fields}
    seen: list[str] = []
    for group_id in groups:
        if group_id not in seen:
            seen.append(group_id)
    out["security_groups"] = [
        security_group_dict(network.security_groups[g]) for g in seen if g in network.security_groups
    ]
    if subnet_id is not None and subnet_id in network.subnets:
        acl = network.network_acl_of_subnet(subnet_id)
        table = network.route_table_of_subnet(subnet_id)
        out["network_acl"] = network_acl_dict(network, acl) if acl else None
        out["route_table"] = route_table_dict(network, table, destination) if table else None
    return out


def _eni_fields(eni: Any) -> dict[str, Any]:
    return {
        "network_interface_id": eni.network_interface_id,
        "subnet_id": eni.subnet_id,
        "interface_type": eni.interface_type,
        "description": eni.description,
        "groups": list(eni.groups),
        "source_dest_check": eni.source_dest_check,
        "private_ip_addresses": [
            {"private_ip_address": p.private_ip_address, "public_ip": p.public_ip, "primary": p.primary}
            for p in eni.private_ip_addresses
        ],
    }


def _plain_fields(resource: Resource) -> dict[str, Any]:
    """Scalar and list-of-scalar fields of any other resource (gateways, peering...)."""
    out: dict[str, Any] = {}
    for name in getattr(type(resource), "__slots__", ()):
        if name in ("tags", "owner_id", "region"):
            continue
        value = getattr(resource, name, None)
        if isinstance(value, str | int | bool) or value is None:
            out[name] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[name] = list(value)
    return out
