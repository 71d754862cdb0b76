"""Write a :class:`~vpcsim.model.Network` as a YAML spec that loads back to the same network.

Why it is shaped this way: a dump is for people (an imported estate to read, edit and keep in
git) and for the loader (the round trip). So it writes what a person would write -- resources
keyed by their Name tag, references by key, one-line rules, AWS's defaults left out -- and keeps
exactly what loading needs to rebuild the same ids: the network's id seed, and every id that
loading would not derive again (see :mod:`.spec_names`). Implicit resources that are still as
AWS made them (a VPC's untouched main route table, default ACL and default group) are left out.

What cannot be written faithfully raises :class:`SpecDumpError` rather than vanishing.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from ..model import (
    Instance,
    ManagedPrefixList,
    NatGateway,
    Network,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    NetworkInterfaceAttachment,
    PrivateIpAddress,
    Resource,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    Vpc,
    VpcPeeringSide,
)
from ..model.elb import TargetGroup
from ..model.network import default_network_acl_entries
from ..model.validate import INACTIVE_NAT_STATES
from . import spec_dump_elb
from .spec_build_network import aws_default_acl_entries
from .spec_dump_transit import SpecDumpTransitError, transit_gateway_fields
from .spec_names import (
    ASSOCIATION,
    DEFAULT_NETWORK_ACL,
    KINDS,
    MAIN_ROUTE_TABLE,
    NAT_INTERFACE,
    PRIMARY_INTERFACE,
    TARGET_QUALIFIERS,
    derive_id,
    looks_like_id,
)
from .spec_rules import Direction, format_nacl_rule, format_sg_rule
from .spec_yaml import Path, format_path

PRIMARY_DESCRIPTION = "Primary network interface"


class SpecDumpError(ValueError):
    """A network that a spec cannot express (it would not load back the same)."""


class _Flow(list[Any]):
    """A list written on one line: ``[a, b]``."""


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: ``{rule: ..., id: ...}``."""


#: libyaml's emitter when PyYAML has it (ten times faster on a large estate); both write the same.
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[misc,valid-type]
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)


def dump_spec(network: Network) -> str:
    """The network as YAML spec text (``docs/spec.md``); :func:`load_spec` reads it back."""
    data = _SpecWriter(network).write()
    header = "# vpcsim network spec (docs/spec.md), written by vpcsim\n"
    return header + yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120
    )


def _valid_name(name: str | None) -> bool:
    return bool(name) and name == (name or "").strip()


class _SpecWriter:
    """One dump: keys first (so references can be written), then each section."""

    def __init__(self, network: Network) -> None:
        self.net = network
        # the seed loading derives ids from; a Network keeps it private
        seed: object = getattr(network, "_seed", "")
        self.seed: str = seed if isinstance(seed, str) else ""
        self.key: dict[str, str] = {}
        """Resource id -> its key in the spec."""
        self.path: dict[str, Path] = {}
        self.vpc_key: dict[str, str] = {}
        self.inline_eth0: dict[str, str] = {}
        """Instance id -> its eth0's id, for instances written with an inline eth0."""
        self.nat_enis: set[str] = set()

    # ------------------------------------------------------------------ keys

    def derived(self, prefix: str, path: Iterable[object]) -> str:
        return derive_id(prefix, self.seed, format_path(tuple(path)))

    def assign(
        self,
        resources: Iterable[Resource],
        kind: str,
        base: Path,
        name_of: Callable[[Any], str | None] = lambda r: r.name,
    ) -> None:
        """Key each resource by its name when that name is unique and usable, else by its id."""
        items = list(resources)
        counts = Counter(name_of(r) for r in items)
        prefix = KINDS[kind].prefix
        for resource in items:
            name = name_of(resource)
            usable = _valid_name(name) and counts[name] == 1 and not looks_like_id(name or "", prefix)
            key = name if usable and name is not None else resource.id
            self.key[resource.id] = key
            self.path[resource.id] = (*base, key)

    def in_vpc(self, items: Iterable[Any], vpc_id: str) -> list[Any]:
        return [item for item in items if item.vpc_id == vpc_id]

    def assign_keys(self) -> None:
        net = self.net
        self.assign(net.vpcs.values(), "vpc", ("vpcs",))
        for vpc_id in net.vpcs:
            self.vpc_key[vpc_id] = self.key[vpc_id]
        self.assign(net.prefix_lists.values(), "prefix_list", ("prefix_lists",), lambda r: r.prefix_list_name)
        self.assign(net.internet_gateways.values(), "internet_gateway", ("internet_gateways",))
        self.assign(net.addresses.values(), "elastic_ip", ("elastic_ips",))
        self.assign(net.vpc_peering_connections.values(), "peering_connection", ("peering_connections",))
        self.assign(net.vpn_gateways.values(), "vpn_gateway", ("vpn_gateways",))
        self.assign(net.transit_gateways.values(), "transit_gateway", ("transit_gateways",))
        for resource in net.resources():
            owner: object = getattr(resource, "vpc_id", None)
            if (
                isinstance(owner, str)
                and owner not in net.vpcs
                and not isinstance(resource, Vpc | TargetGroup)
            ):
                raise SpecDumpError(
                    f"{resource.id} belongs to VPC {owner}, which is not in the network; a spec holds "
                    "resources inside their VPC"
                )
            subnet: object = getattr(resource, "subnet_id", None)
            if isinstance(subnet, str) and subnet in net.unknown_resources:
                raise SpecDumpError(
                    f"{resource.id} is in subnet {subnet}, which is not in the network; a spec holds "
                    "interfaces, instances and NAT gateways inside their subnet"
                )
        # a deleted NAT gateway has released its ENI (AWS); one still in the network is written as it is
        self.nat_enis = {
            n.network_interface_id
            for n in net.nat_gateways.values()
            if n.network_interface_id and n.state not in INACTIVE_NAT_STATES
        }
        for instance in net.instances.values():
            if self.inline(instance):
                self.inline_eth0[instance.instance_id] = instance.network_interface_ids[0]
        for vpc_id, vkey in self.vpc_key.items():
            base: Path = ("vpcs", vkey)
            self.assign(self.in_vpc(net.subnets.values(), vpc_id), "subnet", (*base, "subnets"))
            self.assign(
                self.in_vpc(net.route_tables.values(), vpc_id), "route_table", (*base, "route_tables")
            )
            self.assign(
                self.in_vpc(net.network_acls.values(), vpc_id), "network_acl", (*base, "network_acls")
            )
            self.assign(
                self.in_vpc(net.security_groups.values(), vpc_id),
                "security_group",
                (*base, "security_groups"),
                lambda r: r.group_name,
            )
            self.assign(
                self.in_vpc(net.nat_gateways.values(), vpc_id), "nat_gateway", (*base, "nat_gateways")
            )
            enis = [
                e
                for e in self.in_vpc(net.network_interfaces.values(), vpc_id)
                if e.network_interface_id not in self.nat_enis
                and e.network_interface_id not in self.inline_eth0.values()
            ]
            self.assign(enis, "network_interface", (*base, "network_interfaces"))
            self.assign(self.in_vpc(net.instances.values(), vpc_id), "instance", (*base, "instances"))
            self.assign(self.in_vpc(net.vpc_endpoints.values(), vpc_id), "endpoint", (*base, "endpoints"))
            self.assign(
                [e for e in net.egress_only_internet_gateways.values() if e.vpc_id == vpc_id],
                "egress_only_internet_gateway",
                (*base, "egress_only_internet_gateways"),
            )
        for eigw in net.egress_only_internet_gateways.values():
            if eigw.vpc_id is None:
                raise SpecDumpError(
                    f"egress-only internet gateway {eigw.id} is in no VPC; a spec cannot hold it"
                )

    def inline(self, instance: Instance) -> bool:
        """An instance whose eth0 is what ``run_instance`` makes can describe it inline."""
        if not instance.network_interface_ids:
            return False
        eni = self.net.network_interfaces.get(instance.network_interface_ids[0])
        subnet = self.net.subnets.get(instance.subnet_id)
        if eni is None or subnet is None:
            return False
        return (
            eni.subnet_id == instance.subnet_id
            and eni.vpc_id == instance.vpc_id
            and eni.description == PRIMARY_DESCRIPTION
            and not eni.tags
            and eni.interface_type == "interface"
            and not eni.ipv6_addresses
            and eni.availability_zone == subnet.availability_zone
            and eni.status == "in-use"
            and eni.attachment == NetworkInterfaceAttachment(instance_id=instance.instance_id, device_index=0)
            and (eni.owner_id, eni.region) == (subnet.owner_id, subnet.region)
            and bool(eni.private_ip_addresses)
            and eni.private_ip_addresses[0].primary
        )

    def ref(self, resource_id: str) -> str:
        """How the spec names a resource: its key, or its id when it is not in the network."""
        return self.key.get(resource_id, resource_id)

    # ------------------------------------------------------------------ common fields

    def ident(self, resource: Resource, path: Path, prefix: str, out: dict[str, Any]) -> None:
        """``id`` when the key is a name and loading would not derive the same id."""
        key = path[-1]
        if key != resource.id and resource.id != self.derived(prefix, path):
            out["id"] = resource.id

    def tags(self, resource: Resource, path: Path, out: dict[str, Any], *, name_keyed: bool = True) -> None:
        tags = dict(resource.tags)
        if name_keyed and path[-1] != resource.id:
            tags.pop("Name", None)
        if tags:
            out["tags"] = tags

    def scope(self, resource: Resource, account: str, region: str, out: dict[str, Any]) -> None:
        if resource.owner_id != account:
            out["account"] = resource.owner_id
        if resource.region != region:
            out["region"] = resource.region

    # ------------------------------------------------------------------ the document

    def write(self) -> dict[str, Any]:
        net = self.net
        self.assign_keys()
        out: dict[str, Any] = {"version": 1, "account": net.account, "region": net.region, "seed": self.seed}
        sections: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("prefix_lists", self.prefix_lists),
            ("vpcs", self.vpcs),
            ("internet_gateways", self.internet_gateways),
            ("elastic_ips", self.elastic_ips),
            ("peering_connections", self.peering_connections),
            ("vpn_gateways", lambda: self.gateways(net.vpn_gateways.values(), "vpn_gateway")),
            ("transit_gateways", lambda: self.gateways(net.transit_gateways.values(), "transit_gateway")),
            ("unknown_resources", self.unknown_resources),
            ("target_groups", lambda: spec_dump_elb.outside_target_groups(self)),
        ]
        for name, build in sections:
            section = build()
            if section:
                out[name] = section
        return out

    def prefix_lists(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pl in self.net.prefix_lists.values():
            out[self.key[pl.id]] = self.prefix_list(pl)
        return out

    def prefix_list(self, pl: ManagedPrefixList) -> dict[str, Any]:
        path = self.path[pl.id]
        item: dict[str, Any] = {}
        self.ident(pl, path, "pl", item)
        if path[-1] != pl.prefix_list_name:
            item["prefix_list_name"] = pl.prefix_list_name
        if pl.address_family != "IPv4":
            item["address_family"] = pl.address_family
        item["entries"] = [
            e.cidr if e.description is None else _FlowMap(cidr=e.cidr, description=e.description)
            for e in pl.entries
        ]
        if pl.max_entries != max(len(pl.entries), 1):
            item["max_entries"] = pl.max_entries
        if pl.aws_managed:
            item["aws_managed"] = True
        self.scope(pl, self.net.account, self.net.region, item)
        self.tags(pl, path, item, name_keyed=False)
        return item

    def internet_gateways(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for igw in self.net.internet_gateways.values():
            path = self.path[igw.id]
            item: dict[str, Any] = {}
            self.ident(igw, path, "igw", item)
            if len(igw.attachments) > 1:
                raise SpecDumpError(
                    f"internet gateway {igw.id} has {len(igw.attachments)} attachments; AWS allows one"
                )
            if igw.attachments:
                item["vpc"] = self.ref(igw.attachments[0].vpc_id)
                if igw.attachments[0].state != "available":
                    item["attachment_state"] = igw.attachments[0].state
            self.scope(igw, self.net.account, self.net.region, item)
            self.tags(igw, path, item)
            out[self.key[igw.id]] = item
        return out

    def elastic_ips(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for eip in self.net.addresses.values():
            path = self.path[eip.id]
            item: dict[str, Any] = {}
            self.ident(eip, path, "eipalloc", item)
            item["public_ip"] = eip.public_ip
            if eip.association_id and eip.association_id != self.derived("eipassoc", (*path, ASSOCIATION)):
                item["association_id"] = eip.association_id
            outside = eip.network_interface_id
            if outside and outside not in self.net.network_interfaces:  # a partial dump's
                item["network_interface"] = outside
                if eip.private_ip_address:
                    item["private_ip"] = eip.private_ip_address
                if eip.instance_id:
                    item["instance"] = eip.instance_id
            if eip.domain != "vpc":
                item["domain"] = eip.domain
            self.scope(eip, self.net.account, self.net.region, item)
            self.tags(eip, path, item)
            out[self.key[eip.id]] = item
        return out

    def peering_connections(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pcx in self.net.vpc_peering_connections.values():
            path = self.path[pcx.id]
            item: dict[str, Any] = {}
            self.ident(pcx, path, "pcx", item)
            item["requester"] = self.peering_side(pcx.requester)
            item["accepter"] = self.peering_side(pcx.accepter)
            if pcx.status != "active":
                item["status"] = pcx.status
            self.scope(pcx, pcx.requester.owner_id, pcx.requester.region, item)
            self.tags(pcx, path, item)
            out[self.key[pcx.id]] = item
        return out

    def peering_side(self, side: VpcPeeringSide) -> Any:
        vpc = self.net.vpcs.get(side.vpc_id)
        if vpc is not None:
            same = (side.owner_id, side.region, side.cidr_blocks) == (
                vpc.owner_id,
                vpc.region,
                vpc.cidr_blocks,
            )
            if same:
                return self.ref(side.vpc_id)
            item: dict[str, Any] = {"vpc": self.ref(side.vpc_id)}
            if side.owner_id != vpc.owner_id:
                item["account"] = side.owner_id
            if side.region != vpc.region:
                item["region"] = side.region
            if side.cidr_blocks != vpc.cidr_blocks:
                if not side.cidr_blocks:
                    raise SpecDumpError(f"peering side {side.vpc_id} has no blocks while its VPC has some")
                item["cidr_blocks"] = _Flow(side.cidr_blocks)
            return item
        outside: dict[str, Any] = {"vpc": side.vpc_id}
        if side.owner_id != self.net.account:
            outside["account"] = side.owner_id
        if side.region != self.net.region:
            outside["region"] = side.region
        outside["cidr_blocks"] = _Flow(side.cidr_blocks)
        return outside

    def gateways(self, gateways: Iterable[Any], kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for gateway in gateways:
            path = self.path[gateway.id]
            item: dict[str, Any] = {}
            self.ident(gateway, path, KINDS[kind].prefix, item)
            if gateway.vpc_ids:
                item["vpcs"] = _Flow(self.ref(v) for v in gateway.vpc_ids)
            if gateway.state != "available":
                item["state"] = gateway.state
            self.scope(gateway, self.net.account, self.net.region, item)
            self.tags(gateway, path, item)
            if isinstance(gateway, TransitGateway):
                try:
                    transit_gateway_fields(self.net, gateway, path, self.seed, self.ref, item)
                except SpecDumpTransitError as exc:
                    raise SpecDumpError(str(exc)) from None
            out[self.key[gateway.id]] = item
        return out

    def unknown_resources(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for unknown in self.net.unknown_resources.values():
            item: dict[str, Any] = {"type": unknown.resource_type, "reason": unknown.reason}
            if unknown.referenced_by:
                item["referenced_by"] = _Flow(unknown.referenced_by)
            self.scope(unknown, self.net.account, self.net.region, item)
            if unknown.tags:
                item["tags"] = dict(unknown.tags)
            out[unknown.resource_id] = item
        return out

    # ------------------------------------------------------------------ VPCs

    def vpcs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for vpc in self.net.vpcs.values():
            out[self.key[vpc.id]] = self.vpc(vpc)
        return out

    def vpc(self, vpc: Vpc) -> dict[str, Any]:
        path = self.path[vpc.id]
        item: dict[str, Any] = {}
        self.ident(vpc, path, "vpc", item)
        item["cidr"] = vpc.cidr_block
        if vpc.secondary_cidr_blocks:
            item["secondary_cidrs"] = _Flow(vpc.secondary_cidr_blocks)
        if vpc.ipv6_cidr_blocks:
            item["ipv6_cidrs"] = _Flow(vpc.ipv6_cidr_blocks)
        if vpc.is_default:
            item["default"] = True
        if vpc.state != "available":
            item["state"] = vpc.state
        self.scope(vpc, self.net.account, self.net.region, item)
        self.tags(vpc, path, item)
        sections: list[tuple[str, Callable[[Vpc], dict[str, Any]]]] = [
            ("subnets", self.subnets),
            ("route_tables", self.route_tables),
            ("network_acls", self.network_acls),
            ("security_groups", self.security_groups),
            ("nat_gateways", self.nat_gateways),
            ("network_interfaces", self.network_interfaces),
            ("instances", self.instances),
            ("endpoints", self.endpoints),
            ("egress_only_internet_gateways", self.egress_only_internet_gateways),
            ("target_groups", lambda v: spec_dump_elb.target_groups(self, v)),
            ("load_balancers", lambda v: spec_dump_elb.load_balancers(self, v)),
        ]
        for name, build in sections:
            section = build(vpc)
            if section:
                item[name] = section
        return item

    def subnets(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        tables = {}
        acls = {}
        for table in self.in_vpc(self.net.route_tables.values(), vpc.vpc_id):
            for subnet_id in table.subnet_ids:
                if subnet_id in tables:
                    raise SpecDumpError(f"subnet {subnet_id} is associated with two route tables")
                tables[subnet_id] = table.route_table_id
        for acl in self.in_vpc(self.net.network_acls.values(), vpc.vpc_id):
            for subnet_id in acl.subnet_ids:
                if subnet_id in acls:
                    raise SpecDumpError(f"subnet {subnet_id} is associated with two network ACLs")
                acls[subnet_id] = acl.network_acl_id
        for subnet in self.in_vpc(self.net.subnets.values(), vpc.vpc_id):
            out[self.key[subnet.id]] = self.subnet(subnet, vpc, tables.get(subnet.id), acls.get(subnet.id))
        return out

    def subnet(self, subnet: Subnet, vpc: Vpc, table: str | None, acl: str | None) -> dict[str, Any]:
        path = self.path[subnet.id]
        item: dict[str, Any] = {}
        self.ident(subnet, path, "subnet", item)
        item["cidr"] = subnet.cidr_block
        if subnet.availability_zone != f"{vpc.region}a" or len(subnet.availability_zone) == 1:
            item["az"] = subnet.availability_zone
        if subnet.ipv6_cidr_block:
            item["ipv6_cidr"] = subnet.ipv6_cidr_block
        if subnet.assign_ipv6_address_on_creation:
            item["assign_ipv6_address_on_creation"] = True
        if subnet.default_for_az:
            item["default_for_az"] = True
        if subnet.map_public_ip_on_launch != subnet.default_for_az:
            item["map_public_ip_on_launch"] = subnet.map_public_ip_on_launch
        if table is not None:
            item["route_table"] = self.ref(table)
        if acl is not None:
            item["network_acl"] = self.ref(acl)
        if subnet.state != "available":
            item["state"] = subnet.state
        self.tags(subnet, path, item)
        return item

    # ------------------------------------------------------------------ route tables

    def route_tables(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for table in self.in_vpc(self.net.route_tables.values(), vpc.vpc_id):
            item = self.route_table(table, vpc)
            if item is not None:
                out[self.key[table.id]] = item
        return out

    def implicit_route(self, route: Route, table: RouteTable, vpc: Vpc) -> bool:
        """A local route of a VPC block, or a gateway endpoint's route: loading adds them."""
        local = route.gateway_id == "local" and route.origin == "CreateRouteTable" and route.state == "active"
        if local and route.destination in (*vpc.cidr_blocks, *vpc.ipv6_cidr_blocks):
            return True
        if route.destination_prefix_list_id and route.gateway_id and route.origin == "CreateRoute":
            endpoint = self.net.vpc_endpoints.get(route.gateway_id)
            if (
                endpoint is not None
                and endpoint.vpc_endpoint_type == "Gateway"
                and endpoint.prefix_list_id == route.destination_prefix_list_id
                and table.route_table_id in endpoint.route_table_ids
                and route.state == "active"
            ):
                return True
        return False

    def route_table(self, table: RouteTable, vpc: Vpc) -> dict[str, Any] | None:
        path = self.path[table.id]
        item: dict[str, Any] = {}
        if table.main and path[-1] != table.id:
            if table.id != self.derived("rtb", path):
                item["id"] = table.id
        elif not table.main:
            self.ident(table, path, "rtb", item)
        if table.main:
            item["main"] = True
        routes: dict[str, Any] = {}
        propagated: dict[str, Any] = {}
        for route in table.routes:
            if self.implicit_route(route, table, vpc):
                continue
            section = propagated if route.origin == "EnableVgwRoutePropagation" else routes
            destination = self.destination(route)
            if destination in section:
                raise SpecDumpError(f"route table {table.id} has two routes for {route.destination}")
            section[destination] = self.route_value(route, vpc)
        if routes:
            item["routes"] = routes
        if propagated:
            item["propagated_routes"] = propagated
        if table.gateway_ids:
            item["edge_associations"] = _Flow(self.ref(g) for g in table.gateway_ids)
        self.tags(table, path, item)
        untouched = (
            table.main
            and path[-1] == table.id
            and table.id == self.derived("rtb", (*self.path[vpc.id], MAIN_ROUTE_TABLE))
            and set(item) == {"main"}
            and not table.subnet_ids
        )
        return None if untouched else item

    def destination(self, route: Route) -> str:
        if route.destination_prefix_list_id:
            pl = self.net.prefix_lists.get(route.destination_prefix_list_id)
            return self.key[pl.id] if pl is not None else route.destination_prefix_list_id
        return route.destination

    def route_value(self, route: Route, vpc: Vpc) -> Any:
        target = self.target_text(route, vpc)
        default_origin = (
            "EnableVgwRoutePropagation" if route.origin == "EnableVgwRoutePropagation" else "CreateRoute"
        )
        replaced_local = route.origin == "CreateRouteTable" and route.destination in (
            *vpc.cidr_blocks,
            *vpc.ipv6_cidr_blocks,
        )
        if route.state == "active" and (route.origin == default_origin or replaced_local):
            return target
        item: dict[str, Any] = {"target": target}
        if route.state != "active":
            item["state"] = route.state
        if route.origin != default_origin and not replaced_local:
            item["origin"] = route.origin
        return _FlowMap(item)

    def target_text(self, route: Route, vpc: Vpc) -> str:
        target = route.instance_id or route.target
        if not target:
            raise SpecDumpError(f"a route to {route.destination} has no target")
        if target == "local" or target not in self.key:
            return target
        key = self.key[target]
        clashes = [
            qualifier for qualifier, kind in TARGET_QUALIFIERS.items() if key in self.keys_of(kind, vpc)
        ]
        if len(clashes) > 1 or key == "local":
            qualifier = next(
                q for q, kind in TARGET_QUALIFIERS.items() if KINDS[kind].prefix == _prefix(target)
            )
            return f"{qualifier}:{key}"
        return key

    def keys_of(self, kind: str, vpc: Vpc) -> set[str]:
        collections: dict[str, dict[str, Any]] = {
            "internet_gateway": self.net.internet_gateways,
            "vpn_gateway": self.net.vpn_gateways,
            "peering_connection": self.net.vpc_peering_connections,
            "transit_gateway": self.net.transit_gateways,
            "nat_gateway": self.net.nat_gateways,
            "network_interface": self.net.network_interfaces,
            "instance": self.net.instances,
            "endpoint": self.net.vpc_endpoints,
            "egress_only_internet_gateway": self.net.egress_only_internet_gateways,
        }
        collection = collections[kind]
        scoped = KINDS[kind].scoped
        return {
            self.key[r.id]
            for r in collection.values()
            if r.id in self.key and (not scoped or getattr(r, "vpc_id", None) == vpc.vpc_id)
        }

    # ------------------------------------------------------------------ network ACLs

    def network_acls(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for acl in self.in_vpc(self.net.network_acls.values(), vpc.vpc_id):
            item = self.network_acl(acl, vpc)
            if item is not None:
                out[self.key[acl.id]] = item
        return out

    def network_acl(self, acl: NetworkAcl, vpc: Vpc) -> dict[str, Any] | None:
        path = self.path[acl.id]
        item: dict[str, Any] = {}
        if acl.is_default and path[-1] != acl.id:
            if acl.id != self.derived("acl", path):
                item["id"] = acl.id
        elif not acl.is_default:
            self.ident(acl, path, "acl", item)
        if acl.is_default:
            item["default"] = True
        implicit = {
            (e.rule_number, e.egress) for e in default_network_acl_entries() if e.rule_number >= 32767
        }
        if vpc.ipv6_cidr_blocks:
            implicit |= {(32768, False), (32768, True)}
        for egress, name in ((False, "ingress"), (True, "egress")):
            entries = [e for e in acl.entries if e.egress == egress]
            numbered = [e for e in entries if not self.star(e, implicit)]
            expected = [
                e
                for e in aws_default_acl_entries(bool(vpc.ipv6_cidr_blocks))
                if e.egress == egress and e.rule_number < 32767
            ]
            if acl.is_default and numbered == expected:
                continue
            if not acl.is_default and not numbered:
                continue
            rules: dict[int, str] = {}
            for entry in sorted(numbered, key=lambda e: e.rule_number):
                if entry.rule_number in rules:
                    raise SpecDumpError(
                        f"network ACL {acl.id} has two {name} rules numbered {entry.rule_number}"
                    )
                rules[entry.rule_number] = self.acl_rule(acl, entry, "to" if egress else "from")
            item[name] = rules
        self.tags(acl, path, item)
        untouched = (
            acl.is_default
            and path[-1] == acl.id
            and acl.id == self.derived("acl", (*self.path[vpc.id], DEFAULT_NETWORK_ACL))
            and set(item) == {"default"}
            and not acl.subnet_ids
        )
        return None if untouched else item

    @staticmethod
    def star(entry: NetworkAclEntry, implicit: set[tuple[int, bool]]) -> bool:
        """The `*` rule loading adds by itself (deny all, last)."""
        everything = "0.0.0.0/0" if entry.rule_number == 32767 else "::/0"
        block = entry.cidr_block if entry.rule_number == 32767 else entry.ipv6_cidr_block
        return (
            (entry.rule_number, entry.egress) in implicit
            and entry.rule_action == "deny"
            and entry.protocol == "-1"
            and block == everything
            and entry.port_range is None
            and entry.icmp_type_code is None
        )

    def acl_rule(self, acl: NetworkAcl, entry: NetworkAclEntry, direction: Direction) -> str:
        cidr = entry.cidr_block or entry.ipv6_cidr_block
        text = None
        if cidr is not None and 1 <= entry.rule_number <= 32766:
            text = format_nacl_rule(
                entry.rule_action, entry.protocol, entry.port_range, entry.icmp_type_code, direction, cidr
            )
        if text is None:
            raise SpecDumpError(
                f"network ACL {acl.id} rule {entry.rule_number} cannot be written as a spec rule"
            )
        return text

    # ------------------------------------------------------------------ security groups

    def security_groups(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for group in self.in_vpc(self.net.security_groups.values(), vpc.vpc_id):
            item = self.security_group(group, vpc)
            if item is not None:
                out[self.key[group.id]] = item
        return out

    def security_group(self, group: SecurityGroup, vpc: Vpc) -> dict[str, Any] | None:
        path = self.path[group.id]
        item: dict[str, Any] = {}
        default = group.group_name == "default"
        id_path = (*self.path[vpc.id], "security_groups", "default") if default else path
        if path[-1] != group.id and group.id != self.derived("sg", id_path):
            item["id"] = group.id
        if path[-1] != group.group_name:
            item["group_name"] = group.group_name
        expected_description = "default VPC security group" if default else group.group_name
        if group.description != expected_description:
            item["description"] = group.description
        defaults = {
            "ingress": [SecurityGroupRule(ip_protocol="-1", referenced_group_id=group.group_id)]
            if default
            else [],
            "egress": [SecurityGroupRule(ip_protocol="-1", cidr_ipv4="0.0.0.0/0")]
            + ([SecurityGroupRule(ip_protocol="-1", cidr_ipv6="::/0")] if vpc.ipv6_cidr_blocks else []),
        }
        for direction in ("ingress", "egress"):
            rules: list[SecurityGroupRule] = getattr(group, direction)
            if rules == defaults[direction]:
                continue
            item[direction] = [self.sg_rule(group, vpc, direction, r) for r in rules]
        self.tags(group, path, item, name_keyed=False)
        if default and not item and path[-1] == "default":
            return None
        return item

    def sg_rule(self, group: SecurityGroup, vpc: Vpc, direction: str, rule: SecurityGroupRule) -> Any:
        peer = self.peer_text(rule, vpc)
        text = format_sg_rule(
            rule.ip_protocol, rule.from_port, rule.to_port, "from" if direction == "ingress" else "to", peer
        )
        if text is None:
            raise SpecDumpError(
                f"a rule of security group {group.id} cannot be written as a spec rule: {rule}"
            )
        if rule.description is None and rule.security_group_rule_id is None:
            return text
        item: dict[str, Any] = {"rule": text}
        if rule.description is not None:
            item["description"] = rule.description
        if rule.security_group_rule_id is not None:
            item["id"] = rule.security_group_rule_id
        return _FlowMap(item)

    def peer_text(self, rule: SecurityGroupRule, vpc: Vpc) -> str:
        if rule.cidr_ipv4 or rule.cidr_ipv6:
            return rule.cidr_ipv4 or rule.cidr_ipv6 or ""
        group_keys = {self.key[g.id] for g in self.in_vpc(self.net.security_groups.values(), vpc.vpc_id)}
        list_keys = {self.key[p.id] for p in self.net.prefix_lists.values()}
        if rule.referenced_group_id:
            group = self.net.security_groups.get(rule.referenced_group_id)
            if group is None:
                return rule.referenced_group_id
            key = self.key[group.id]
            if group.vpc_id != vpc.vpc_id:
                vkey = self.vpc_key[group.vpc_id]
                return f"{vkey}/{key}" if "/" not in vkey and key != group.id else group.id
            return f"sg:{key}" if key in list_keys or _ambiguous(key) else key
        if rule.prefix_list_id:
            pl = self.net.prefix_lists.get(rule.prefix_list_id)
            if pl is None:
                return rule.prefix_list_id
            key = self.key[pl.id]
            return f"pl:{key}" if key in group_keys or _ambiguous(key) else key
        raise SpecDumpError(f"a security group rule has no peer: {rule}")

    # ------------------------------------------------------------------ NAT gateways, ENIs, instances

    def nat_gateways(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for nat in self.in_vpc(self.net.nat_gateways.values(), vpc.vpc_id):
            out[self.key[nat.id]] = self.nat_gateway(nat)
        return out

    def nat_gateway(self, nat: NatGateway) -> dict[str, Any]:
        path = self.path[nat.id]
        item: dict[str, Any] = {}
        self.ident(nat, path, "nat", item)
        item["subnet"] = self.ref(nat.subnet_id)
        if nat.connectivity_type != "public":
            item["connectivity_type"] = nat.connectivity_type
        if nat.allocation_id:
            item["elastic_ip"] = self.ref(nat.allocation_id)
        item["private_ip"] = nat.private_ip
        if nat.network_interface_id and nat.network_interface_id != self.derived(
            "eni", (*path, NAT_INTERFACE)
        ):
            item["network_interface_id"] = nat.network_interface_id
        if nat.state != "available":
            item["state"] = nat.state
        self.tags(nat, path, item)
        return item

    def addresses(self, eni: NetworkInterface, item: dict[str, Any], default_public: bool) -> None:
        """An ENI's addresses: ``private_ip``, ``public_ip``/``elastic_ip``, secondaries."""
        slots = eni.private_ip_addresses
        if not slots or not slots[0].primary or any(s.primary for s in slots[1:]):
            raise SpecDumpError(f"network interface {eni.id} does not list its primary address first")
        primary = slots[0]
        item["private_ip"] = primary.private_ip_address
        self.public(primary, item, default_public)
        secondary: list[Any] = []
        for slot in slots[1:]:
            extra: dict[str, Any] = {}
            self.public(slot, extra, False)
            if extra:
                secondary.append(_FlowMap(address=slot.private_ip_address, **extra))
            else:
                secondary.append(slot.private_ip_address)
        if secondary:
            item["secondary_private_ips"] = secondary

    def public(self, slot: PrivateIpAddress, item: dict[str, Any], default_public: bool) -> None:
        if slot.allocation_id and slot.allocation_id in self.net.addresses:
            item["elastic_ip"] = self.ref(slot.allocation_id)
        elif slot.public_ip:
            item["public_ip"] = slot.public_ip
        elif default_public:
            item["public_ip"] = False

    def groups(self, eni: NetworkInterface, vpc_id: str, item: dict[str, Any]) -> None:
        default = self.net.default_security_group(vpc_id)
        if default is not None and eni.groups == [default.group_id]:
            return
        item["security_groups"] = _Flow(self.ref(g) for g in eni.groups)

    def network_interfaces(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for eni in self.in_vpc(self.net.network_interfaces.values(), vpc.vpc_id):
            if eni.id in self.key:
                out[self.key[eni.id]] = self.network_interface(eni)
        return out

    def network_interface(self, eni: NetworkInterface) -> dict[str, Any]:
        path = self.path[eni.id]
        item: dict[str, Any] = {}
        self.ident(eni, path, "eni", item)
        item["subnet"] = self.ref(eni.subnet_id)
        self.addresses(eni, item, False)
        self.groups(eni, eni.vpc_id, item)
        if not eni.source_dest_check:
            item["source_dest_check"] = False
        if eni.interface_type != "interface":
            item["type"] = eni.interface_type
        if eni.description:
            item["description"] = eni.description
        if eni.ipv6_addresses:
            item["ipv6_addresses"] = _Flow(eni.ipv6_addresses)
        attachment = eni.attachment
        instance = self.net.instances.get(attachment.instance_id or "") if attachment else None
        outside = attachment is not None and attachment.instance_id is not None and instance is None
        if attachment is not None and (attachment.instance_id is None or outside):
            item["attachment"] = _FlowMap(device_index=attachment.device_index)
            if attachment.status != "attached":
                item["attachment"]["status"] = attachment.status
            if outside:  # an instance absent from the input (a partial dump), by its id
                item["attachment"]["instance"] = attachment.instance_id
        listed = instance is not None and eni.network_interface_id in instance.network_interface_ids
        attached = attachment is not None and (attachment.instance_id is None or listed or outside)
        if eni.status != ("in-use" if attached else "available"):
            item["status"] = eni.status
        self.tags(eni, path, item)
        return item

    def instances(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for instance in self.in_vpc(self.net.instances.values(), vpc.vpc_id):
            out[self.key[instance.id]] = self.instance(instance)
        return out

    def instance(self, instance: Instance) -> dict[str, Any]:
        path = self.path[instance.id]
        item: dict[str, Any] = {}
        self.ident(instance, path, "i", item)
        extra = instance.network_interface_ids
        if instance.instance_id in self.inline_eth0:
            eni = self.net.network_interfaces[instance.network_interface_ids[0]]
            subnet = self.net.subnets[instance.subnet_id]
            item["subnet"] = self.ref(instance.subnet_id)
            running = instance.state in ("running", "pending")
            self.addresses(eni, item, running and subnet.map_public_ip_on_launch)
            self.groups(eni, instance.vpc_id, item)
            if not eni.source_dest_check:
                item["source_dest_check"] = False
            if eni.id != self.derived("eni", (*path, PRIMARY_INTERFACE)):
                item["network_interface_id"] = eni.id
            extra = extra[1:]
        else:
            item["inline_eth0"] = False
            first = self.net.network_interfaces.get(extra[0]) if extra else None
            if first is None or first.subnet_id != instance.subnet_id:
                item["subnet"] = self.ref(instance.subnet_id)
        if extra or instance.instance_id not in self.inline_eth0:
            item["network_interfaces"] = _Flow(self.ref(e) for e in extra)
        if instance.state != "running":
            item["state"] = instance.state
        if instance.instance_type != "t3.micro":
            item["instance_type"] = instance.instance_type
        if instance.image_id:
            item["image_id"] = instance.image_id
        if instance.http_protocol_ipv6:
            item["http_protocol_ipv6"] = True
        self.tags(instance, path, item)
        return item

    def endpoints(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for endpoint in self.in_vpc(self.net.vpc_endpoints.values(), vpc.vpc_id):
            path = self.path[endpoint.id]
            item: dict[str, Any] = {}
            self.ident(endpoint, path, "vpce", item)
            item["service_name"] = endpoint.service_name
            if endpoint.vpc_endpoint_type != "Gateway":
                item["type"] = endpoint.vpc_endpoint_type
            if endpoint.route_table_ids:
                item["route_tables"] = _Flow(self.ref(t) for t in endpoint.route_table_ids)
            if endpoint.prefix_list_id:
                item["prefix_list"] = self.ref(endpoint.prefix_list_id)
            if endpoint.subnet_ids:
                item["subnets"] = _Flow(self.ref(s) for s in endpoint.subnet_ids)
            if endpoint.group_ids:
                item["security_groups"] = _Flow(self.ref(g) for g in endpoint.group_ids)
            if endpoint.network_interface_ids:
                item["network_interfaces"] = _Flow(self.ref(e) for e in endpoint.network_interface_ids)
            if endpoint.state != "available":
                item["state"] = endpoint.state
            self.tags(endpoint, path, item)
            out[self.key[endpoint.id]] = item
        return out

    def egress_only_internet_gateways(self, vpc: Vpc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for eigw in self.net.egress_only_internet_gateways.values():
            if eigw.vpc_id != vpc.vpc_id:
                continue
            path = self.path[eigw.id]
            item: dict[str, Any] = {}
            self.ident(eigw, path, "eigw", item)
            self.tags(eigw, path, item)
            out[self.key[eigw.id]] = item
        return out


def _prefix(resource_id: str) -> str:
    return resource_id.split("-", 1)[0]


def _ambiguous(key: str) -> bool:
    """A key that loading would read as something else than a name."""
    if key.startswith(("sg:", "pl:")):
        return True
    for candidate in (key, key.split("/", 1)[0]):
        try:
            ipaddress.ip_network(candidate, strict=False)
        except ValueError:
            continue
        return True
    return False


__all__ = ["SpecDumpError", "dump_spec"]
