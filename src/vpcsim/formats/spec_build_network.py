"""The spec builder's network family: VPCs (and the main route table, default network ACL and
default security group AWS creates with each), subnets, route tables and their routes, network
ACLs and their entries, gateways, peering connections and VPC endpoints (see :mod:`.spec_build`)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..model import (
    EgressOnlyInternetGateway,
    InternetGatewayAttachment,
    NetworkAclEntry,
    Route,
    RouteTable,
    SecurityGroupRule,
    TransitGateway,
    VpcEndpoint,
    VpcPeeringConnection,
    VpcPeeringSide,
    VpnGateway,
)
from ..model.addressing import route_target_kind
from ..model.network import default_network_acl_entries, set_route_target
from ..model.resources import RouteOrigin
from .spec_build_base import GLOBAL, SpecBuilderBase
from .spec_build_security import default_group_key
from .spec_names import DEFAULT_NETWORK_ACL, KINDS, MAIN_ROUTE_TABLE, TARGET_QUALIFIERS, id_prefix, is_id_of
from .spec_rules import parse_nacl_rule
from .spec_schema import PeeringSideSpec, RouteSpec, TransitGatewaySpec, VpcSpec
from .spec_yaml import Path


def aws_default_acl_entries(ipv6: bool) -> list[NetworkAclEntry]:
    """A default network ACL as AWS makes it: allow all (rule 100, and 101 for IPv6), then `*`."""
    entries = default_network_acl_entries()
    if ipv6:
        entries += [
            NetworkAclEntry(
                rule_number=101, protocol="-1", rule_action="allow", egress=e, ipv6_cidr_block="::/0"
            )
            for e in (False, True)
        ]
        entries += star_entries_ipv6()
    return entries


def star_entries_ipv6() -> list[NetworkAclEntry]:
    """The IPv6 `*` rules (32768) of every network ACL of a VPC with IPv6 blocks."""
    return [
        NetworkAclEntry(
            rule_number=32768, protocol="-1", rule_action="deny", egress=e, ipv6_cidr_block="::/0"
        )
        for e in (False, True)
    ]


def main_table_key(vpc: VpcSpec) -> str | None:
    """The key of the VPC's main route table in the file, if it is written there (the first)."""
    return next((k for k, t in vpc.route_tables.items() if t.main), None)


def default_acl_key(vpc: VpcSpec) -> str | None:
    return next((k for k, a in vpc.network_acls.items() if a.default), None)


class NetworkBuilders(SpecBuilderBase):
    """VPCs, subnets, route tables, network ACLs, gateways, peering connections, endpoints."""

    def build_internet_gateways(self) -> None:
        attached: dict[str, str] = {}
        for key, item in self.spec.internet_gateways.items():
            path: Path = ("internet_gateways", key)
            igw_id = self.names[(GLOBAL, "internet_gateway")][key]
            with self.model_errors(path):
                igw = self.net.create_internet_gateway(region=item.region, internet_gateway_id=igw_id)
            igw.owner_id = item.account or self.net.account
            igw.tags = self.name_tags("internet_gateway", key, item.tags, path)
            self.record(igw_id, path, attachments=(*path, "vpc"))
            if item.vpc is None:
                continue
            vpc_id = self.resolve("vpc", GLOBAL, item.vpc, (*path, "vpc"), unknown_ok=True)
            if vpc_id is None:
                continue
            if item.attachment_state in ("available", "attached") and vpc_id in attached:
                self.error(
                    (*path, "vpc"),
                    "Resource.AlreadyAssociated",
                    f"VPC {item.vpc!r} already has internet gateway {attached[vpc_id]!r} attached; "
                    "a VPC has at most one",
                )
                continue
            if item.attachment_state in ("available", "attached"):
                attached[vpc_id] = key
            igw.attachments = [InternetGatewayAttachment(vpc_id=vpc_id, state=item.attachment_state)]
            self.record_field(igw_id, "attachments[0]", (*path, "vpc"))
        self.net.touch()

    def build_vpn_and_transit_gateways(self) -> None:
        for kind, section in (
            ("vpn_gateway", self.spec.vpn_gateways),
            ("transit_gateway", self.spec.transit_gateways),
        ):
            for key, item in section.items():
                path: Path = (KINDS[kind].section, key)
                gateway_id = self.names[(GLOBAL, kind)][key]
                vpc_ids = []
                for index, ref in enumerate(item.vpcs):
                    vpc_id = self.resolve("vpc", GLOBAL, ref, (*path, "vpcs", index), unknown_ok=True)
                    if vpc_id is not None:
                        vpc_ids.append(vpc_id)
                        self.record_field(gateway_id, f"vpc_ids[{len(vpc_ids) - 1}]", (*path, "vpcs", index))
                common: dict[str, Any] = {
                    "state": item.state,
                    "vpc_ids": vpc_ids,
                    "tags": self.name_tags(kind, key, item.tags, path),
                    **self.scope_of(item.account, item.region),
                }
                with self.model_errors(path):
                    if kind == "vpn_gateway":
                        self.net.add(VpnGateway(vpn_gateway_id=gateway_id, **common))
                    else:
                        assert isinstance(item, TransitGatewaySpec)
                        self.net.add(
                            TransitGateway(
                                transit_gateway_id=gateway_id,
                                default_route_table_association=item.default_route_table_association,
                                default_route_table_propagation=item.default_route_table_propagation,
                                amazon_side_asn=item.amazon_side_asn,
                                security_group_referencing_support=item.security_group_referencing_support,
                                **common,
                            )
                        )
                self.record(gateway_id, path, vpc_ids=(*path, "vpcs"))

    def build_peering_connections(self) -> None:
        for key, item in self.spec.peering_connections.items():
            path: Path = ("peering_connections", key)
            pcx_id = self.names[(GLOBAL, "peering_connection")][key]
            sides = []
            for role in ("requester", "accepter"):
                side = self.peering_side(getattr(item, role), (*path, role))
                if side is not None:
                    sides.append(side)
                self.record_field(pcx_id, role, (*path, role))
            if len(sides) != 2:
                continue
            requester, accepter = sides
            with self.model_errors(path):
                self.net.add(
                    VpcPeeringConnection(
                        vpc_peering_connection_id=pcx_id,
                        requester=requester,
                        accepter=accepter,
                        status=item.status,
                        tags=self.name_tags("peering_connection", key, item.tags, path),
                        owner_id=item.account or requester.owner_id,
                        region=item.region or requester.region,
                    )
                )
            self.record(pcx_id, path)

    def peering_side(self, side: str | PeeringSideSpec, path: Path) -> VpcPeeringSide | None:
        ref = side if isinstance(side, str) else side.vpc
        vpc_id = self.lookup("vpc", GLOBAL, ref)
        if vpc_id is not None and vpc_id in self.net.vpcs:
            vpc = self.net.vpcs[vpc_id]
            if isinstance(side, str):
                return VpcPeeringSide(
                    vpc_id=vpc_id, owner_id=vpc.owner_id, region=vpc.region, cidr_blocks=vpc.cidr_blocks
                )
            return VpcPeeringSide(
                vpc_id=vpc_id,
                owner_id=side.account or vpc.owner_id,
                region=side.region or vpc.region,
                cidr_blocks=list(side.cidr_blocks) or vpc.cidr_blocks,
            )
        if isinstance(side, PeeringSideSpec) and is_id_of(ref, "vpc"):
            return VpcPeeringSide(
                vpc_id=ref,
                owner_id=side.account or self.net.account,
                region=side.region or self.net.region,
                cidr_blocks=list(side.cidr_blocks),
            )
        self.error(
            path if isinstance(side, str) else (*path, "vpc"),
            "InvalidVpcID.NotFound",
            f"no VPC {ref!r} in this file; name one of its VPCs, or describe a VPC outside it as "
            "{vpc: vpc-..., account: ..., region: ..., cidr_blocks: [...]}",
        )
        return None

    def build_vpc(self, vkey: str, spec: VpcSpec) -> None:
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        with self.model_errors(path):
            vpc = self.net.create_vpc(
                spec.cidr,
                vpc_id=vpc_id,
                region=spec.region,
                owner_id=spec.account,
                is_default=spec.default,
                tags=self.name_tags("vpc", vkey, spec.tags, path),
            )
            for block in spec.secondary_cidrs:
                self.net.associate_vpc_cidr_block(vpc, block)
        vpc.state = spec.state
        vpc.ipv6_cidr_blocks = [str(ipaddress.IPv6Network(b)) for b in spec.ipv6_cidrs]
        if vpc.ipv6_cidr_blocks:
            for acl in self.net.network_acls.values():
                if acl.vpc_id == vpc_id and acl.is_default:
                    acl.entries = aws_default_acl_entries(True)
            main = self.net.main_route_table(vpc_id)
            assert main is not None
            self.add_ipv6_local_routes(main, vpc.ipv6_cidr_blocks)
            default_group = self.net.default_security_group(vpc_id)
            if default_group is not None:  # outbound to ::/0 too, as AWS makes it with IPv6
                default_group.egress.append(SecurityGroupRule(ip_protocol="-1", cidr_ipv6="::/0"))
        self.record(vpc_id, path, cidr_block=(*path, "cidr"), is_default=(*path, "default"))
        for index in range(len(spec.secondary_cidrs)):
            self.record_field(vpc_id, f"secondary_cidr_blocks[{index}]", (*path, "secondary_cidrs", index))
        for index in range(len(spec.ipv6_cidrs)):
            self.record_field(vpc_id, f"ipv6_cidr_blocks[{index}]", (*path, "ipv6_cidrs", index))
        self.adopt_implicit(vkey, spec, vpc_id)

    def adopt_implicit(self, vkey: str, spec: VpcSpec, vpc_id: str) -> None:
        """Give the VPC's main route table, default ACL and default group their ids and names."""
        path: Path = ("vpcs", vkey)
        main = self.net.main_route_table(vpc_id)
        acl = next(a for a in self.net.network_acls.values() if a.vpc_id == vpc_id and a.is_default)
        group = self.net.default_security_group(vpc_id)
        assert main is not None and group is not None
        main_key = main_table_key(spec)
        if main_key is not None:
            new_id = self.names[(vkey, "route_table")][main_key]
            main.tags = self.name_tags(
                "route_table", main_key, spec.route_tables[main_key].tags, (*path, "route_tables", main_key)
            )
            self.record(new_id, (*path, "route_tables", main_key))
        else:
            new_id = self.derive("rtb", (*path, MAIN_ROUTE_TABLE))
            self.record(new_id, path)
        self.rekey(self.net.route_tables, main.route_table_id, new_id, "route_table_id")
        acl_key = default_acl_key(spec)
        if acl_key is not None:
            new_id = self.names[(vkey, "network_acl")][acl_key]
            acl.tags = self.name_tags(
                "network_acl", acl_key, spec.network_acls[acl_key].tags, (*path, "network_acls", acl_key)
            )
            self.record(new_id, (*path, "network_acls", acl_key))
        else:
            new_id = self.derive("acl", (*path, DEFAULT_NETWORK_ACL))
            self.record(new_id, path)
        self.rekey(self.net.network_acls, acl.network_acl_id, new_id, "network_acl_id")
        default_key = default_group_key(spec)
        default = spec.security_groups[default_key] if default_key is not None else None
        group_path: Path = (*path, "security_groups", default_key or "default")
        new_id = self.names[(vkey, "security_group")]["default"]
        old_id = group.group_id
        self.rekey(self.net.security_groups, old_id, new_id, "group_id")
        for rule in group.ingress:
            if rule.referenced_group_id == old_id:
                rule.referenced_group_id = new_id
        self.record(new_id, group_path if default is not None else path)
        if default is not None:
            group.tags = dict(default.tags)
            if default.description is not None:
                group.description = default.description

    def build_subnets(self, vkey: str, spec: VpcSpec) -> None:
        """The VPC's subnets."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs[vpc_id]
        for key, item in spec.subnets.items():
            spath: Path = (*path, "subnets", key)
            subnet_id = self.names[(vkey, "subnet")][key]
            az = item.az or f"{vpc.region}a"
            if len(az) == 1 and az.isalpha():
                az = f"{vpc.region}{az}"
            with self.model_errors(spath):
                subnet = self.net.create_subnet(
                    vpc_id,
                    item.cidr,
                    availability_zone=az,
                    subnet_id=subnet_id,
                    map_public_ip_on_launch=(
                        item.default_for_az
                        if item.map_public_ip_on_launch is None
                        else item.map_public_ip_on_launch
                    ),
                    default_for_az=item.default_for_az,
                    tags=self.name_tags("subnet", key, item.tags, spath),
                )
            subnet.state = item.state
            if item.ipv6_cidr is not None:
                subnet.ipv6_cidr_block = str(ipaddress.IPv6Network(item.ipv6_cidr))
            subnet.assign_ipv6_address_on_creation = item.assign_ipv6_address_on_creation
            self.record(
                subnet_id,
                spath,
                cidr_block=(*spath, "cidr"),
                availability_zone=(*spath, "az"),
                ipv6_cidr_block=(*spath, "ipv6_cidr"),
                vpc_id=spath,
            )

    def build_route_tables(self, vkey: str, spec: VpcSpec) -> None:
        """The VPC's custom route tables (its main one comes with the VPC)."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs[vpc_id]
        for key, table in spec.route_tables.items():
            if key == main_table_key(spec):
                continue  # the VPC's own, adopted with the VPC
            tpath: Path = (*path, "route_tables", key)
            table_id = self.names[(vkey, "route_table")][key]
            with self.model_errors(tpath):
                created = self.net.create_route_table(vpc_id, route_table_id=table_id)
            created.tags = self.name_tags("route_table", key, table.tags, tpath)
            self.add_ipv6_local_routes(created, vpc.ipv6_cidr_blocks)
            self.record(table_id, tpath)

    def build_network_acls(self, vkey: str, spec: VpcSpec) -> None:
        """The VPC's custom network ACLs and every ACL's entries."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs[vpc_id]
        for key, acl in spec.network_acls.items():
            apath: Path = (*path, "network_acls", key)
            acl_id = self.names[(vkey, "network_acl")][key]
            if key != default_acl_key(spec):
                with self.model_errors(apath):
                    created_acl = self.net.create_network_acl(vpc_id)
                self.rekey(self.net.network_acls, created_acl.network_acl_id, acl_id, "network_acl_id")
                if vpc.ipv6_cidr_blocks and not any(e.rule_number == 32768 for e in created_acl.entries):
                    created_acl.entries += star_entries_ipv6()
                created_acl.tags = self.name_tags("network_acl", key, acl.tags, apath)
                self.record(acl_id, apath)
            self.build_acl_entries(acl_id, acl.ingress, acl.egress, apath)

    def build_egress_only_gateways(self, vkey: str, spec: VpcSpec) -> None:
        """The VPC's egress-only internet gateways."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        vpc = self.net.vpcs[vpc_id]
        for key, eigw in spec.egress_only_internet_gateways.items():
            epath: Path = (*path, "egress_only_internet_gateways", key)
            eigw_id = self.names[(vkey, "egress_only_internet_gateway")][key]
            with self.model_errors(epath):
                self.net.add(
                    EgressOnlyInternetGateway(
                        egress_only_internet_gateway_id=eigw_id,
                        vpc_id=vpc_id,
                        owner_id=vpc.owner_id,
                        region=vpc.region,
                        tags=self.name_tags("egress_only_internet_gateway", key, eigw.tags, epath),
                    )
                )
            self.record(eigw_id, epath)

    def build_acl_entries(
        self,
        acl_id: str,
        ingress: dict[int, str] | None,
        egress: dict[int, str] | None,
        path: Path,
    ) -> None:
        acl = self.net.network_acls[acl_id]
        if ingress is None and egress is None:
            return
        kept = []
        for entry in acl.entries:
            given = egress if entry.egress else ingress
            if entry.rule_number >= 32767 or given is None:
                kept.append(entry)
        acl.entries = kept
        for direction, rules in (("ingress", ingress), ("egress", egress)):
            if rules is None:
                continue
            for number, text in rules.items():
                rpath: Path = (*path, direction, number)
                parts = parse_nacl_rule(text)
                wanted = "from" if direction == "ingress" else "to"
                if parts.direction != wanted:
                    self.error(
                        rpath,
                        "VPCSIM_SPEC_RULE",
                        f"{direction} rules read '... {wanted} <cidr>' ({text!r}); "
                        f"write {wanted!r}, or move the rule to {'egress' if wanted == 'from' else 'ingress'}",
                    )
                    continue
                six = ":" in parts.cidr
                acl.entries.append(
                    NetworkAclEntry(
                        rule_number=number,
                        protocol=parts.protocol,
                        rule_action=parts.rule_action,
                        egress=direction == "egress",
                        cidr_block=None if six else parts.cidr,
                        ipv6_cidr_block=parts.cidr if six else None,
                        port_range=parts.port_range,
                        icmp_type_code=parts.icmp_type_code,
                    )
                )
                self.record_field(acl_id, f"entries[{len(acl.entries) - 1}]", rpath)
        self.net.touch()

    def associate_subnets(self, vkey: str, spec: VpcSpec) -> None:
        for key, item in spec.subnets.items():
            spath: Path = ("vpcs", vkey, "subnets", key)
            subnet_id = self.names[(vkey, "subnet")][key]
            if item.route_table is not None:
                table_id = self.resolve("route_table", vkey, item.route_table, (*spath, "route_table"))
                if table_id is not None and table_id in self.net.route_tables:
                    self.net.associate_route_table(table_id, subnet_id)
                    index = self.net.route_tables[table_id].subnet_ids.index(subnet_id)
                    self.record_field(table_id, f"subnet_ids[{index}]", (*spath, "route_table"))
            if item.network_acl is not None:
                acl_id = self.resolve("network_acl", vkey, item.network_acl, (*spath, "network_acl"))
                if acl_id is not None and acl_id in self.net.network_acls:
                    self.net.replace_network_acl_association(subnet_id, acl_id)
                    index = self.net.network_acls[acl_id].subnet_ids.index(subnet_id)
                    self.record_field(acl_id, f"subnet_ids[{index}]", (*spath, "network_acl"))

    def destination(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        if text.startswith("pl-") and text in self.spec.unknown_resources:
            return {"destination_prefix_list_id": text}
        plist = self.lookup("prefix_list", GLOBAL, text[3:] if text.startswith("pl:") else text)
        if plist is not None:
            return {"destination_prefix_list_id": plist}
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            self.error(
                path,
                "InvalidParameterValue",
                f"route destination {text!r} is neither a CIDR block nor a prefix list of this file; "
                "write a block like 10.1.0.0/16, or define the prefix list",
                key=True,
            )
            return None
        if "/" not in text or net.network_address != ipaddress.ip_address(text.split("/")[0]):
            self.error(path, "InvalidParameterValue", f"write the destination {text!r} as {net}", key=True)
            return None
        if net.version == 6:
            return {"destination_ipv6_cidr_block": str(net)}
        return {"destination_cidr_block": str(net)}

    def target(self, vkey: str, text: str, path: Path, *, blackhole: bool) -> str | None:
        """A route target: ``local``, a key (of any target kind), ``kind:key``, or an id."""
        if text == "local":
            return "local"
        matches = []
        for qualifier, kind in TARGET_QUALIFIERS.items():
            scope = vkey if KINDS[kind].scoped else GLOBAL
            found = self.names.get((scope, kind), {}).get(text)
            if found is not None:
                matches.append((qualifier, found))
        if len(matches) == 1:
            return matches[0][1]
        if len(matches) > 1:
            options = ", ".join(f"{q}:{text}" for q, _ in matches)
            self.error(
                path,
                "VPCSIM_SPEC_AMBIGUOUS",
                f"route target {text!r} names several things; write one of {options}",
            )
            return None
        qualifier, _, rest = text.partition(":")
        if rest and qualifier in TARGET_QUALIFIERS:
            kind = TARGET_QUALIFIERS[qualifier]
            return self.resolve(kind, vkey if KINDS[kind].scoped else GLOBAL, rest, path)
        is_target_id = id_prefix(text) is not None and route_target_kind(text) is not None
        if is_target_id and (text in self.id_kinds or blackhole):
            return text
        self.error(
            path,
            "VPCSIM_DANGLING_REFERENCE",
            f"route target {text!r} names nothing in VPC {vkey!r}: no internet gateway, NAT gateway, "
            "network interface, instance, peering connection, VPN or transit gateway, endpoint or "
            "egress-only gateway has that key; define it, write `local`, or use an id "
            "(a route to an id that is gone needs `state: blackhole`)",
        )
        return None

    @staticmethod
    def add_ipv6_local_routes(table: RouteTable, blocks: list[str]) -> None:
        """AWS gives each IPv6 block a local route (a table the model's builder made has them)."""
        present = {r.destination_ipv6_cidr_block for r in table.routes if r.gateway_id == "local"}
        for block in blocks:
            if block in present:
                continue
            table.routes.append(
                Route(destination_ipv6_cidr_block=block, gateway_id="local", origin="CreateRouteTable")
            )

    def build_routes(self, vkey: str, spec: VpcSpec) -> None:
        for key, table in spec.route_tables.items():
            tpath: Path = ("vpcs", vkey, "route_tables", key)
            table_id = self.names[(vkey, "route_table")][key]
            model = self.net.route_tables[table_id]
            for index, ref in enumerate(table.edge_associations):
                epath: Path = (*tpath, "edge_associations", index)
                gateway = self.lookup("internet_gateway", GLOBAL, ref) or self.lookup(
                    "vpn_gateway", GLOBAL, ref
                )
                if gateway is None:
                    self.error(
                        epath,
                        "InvalidGatewayID.NotFound",
                        f"no internet gateway or virtual private gateway {ref!r}; define it, or fix the name",
                    )
                    continue
                model.gateway_ids.append(gateway)
                self.record_field(table_id, f"gateway_ids[{len(model.gateway_ids) - 1}]", epath)
            sections: tuple[tuple[str, RouteOrigin], ...] = (
                ("routes", "CreateRoute"),
                ("propagated_routes", "EnableVgwRoutePropagation"),
            )
            for section, origin in sections:
                for destination, value in getattr(table, section).items():
                    self.add_route(vkey, model, (*tpath, section, destination), destination, value, origin)
        self.net.touch()

    def add_route(
        self,
        vkey: str,
        table: RouteTable,
        path: Path,
        destination: str,
        value: str | RouteSpec,
        origin: RouteOrigin,
    ) -> None:
        spec = value if isinstance(value, RouteSpec) else RouteSpec(target=value)
        dest = self.destination(vkey, destination, path)
        target = self.target(vkey, spec.target, path, blackhole=spec.state == "blackhole")
        if dest is None or target is None:
            return
        route = Route(
            destination_cidr_block=dest.get("destination_cidr_block"),
            destination_ipv6_cidr_block=dest.get("destination_ipv6_cidr_block"),
            destination_prefix_list_id=dest.get("destination_prefix_list_id"),
            origin=spec.origin or origin,
            state=spec.state,
        )
        set_route_target(route, target)
        if route.instance_id and route.instance_id in self.net.instances:
            enis = self.net.instances[route.instance_id].network_interface_ids
            if len(enis) != 1:
                self.error(
                    path,
                    "InvalidInstanceID",
                    f"instance {spec.target!r} has {len(enis)} network interfaces; a route may target an "
                    "instance only if it has exactly one -- target one of its ENIs instead",
                )
                return
            route.network_interface_id = enis[0]
        existing = [
            (i, r)
            for i, r in enumerate(table.routes)
            if r.destination == route.destination
            and (r.origin == "EnableVgwRoutePropagation") == (origin == "EnableVgwRoutePropagation")
        ]
        if existing and existing[0][1].gateway_id == "local" and existing[0][1].origin == "CreateRouteTable":
            index, local = existing[0]
            if target != "local":
                # the local route's target replaced by an appliance (middlebox routing)
                local.gateway_id = None
                set_route_target(local, target)
                local.network_interface_id = route.network_interface_id or local.network_interface_id
                local.state = route.state
                if spec.origin is not None:
                    local.origin = spec.origin
            self.record_field(table.route_table_id, f"routes[{index}]", path)
            return
        if existing:
            self.error(
                path, "RouteAlreadyExists", f"another route of this table already goes to {route.destination}"
            )
            return
        table.routes.append(route)
        self.record_field(table.route_table_id, f"routes[{len(table.routes) - 1}]", path)

    def build_endpoints(self, vkey: str, spec: VpcSpec) -> None:
        vpc = self.net.vpcs[self.vpc_ids[vkey]]
        for key, item in spec.endpoints.items():
            path: Path = ("vpcs", vkey, "endpoints", key)
            endpoint_id = self.names[(vkey, "endpoint")][key]
            tables = []
            for index, ref in enumerate(item.route_tables):
                found = self.resolve(
                    "route_table", vkey, ref, (*path, "route_tables", index), unknown_ok=True
                )
                if found is not None:
                    tables.append(found)
            prefix_list = None
            if item.prefix_list is not None:
                prefix_list = self.resolve(
                    "prefix_list", GLOBAL, item.prefix_list, (*path, "prefix_list"), unknown_ok=True
                )
            interface_fields: dict[str, list[str]] = {}
            for field, kind, refs in (
                ("subnet_ids", "subnet", item.subnets),
                ("group_ids", "security_group", item.security_groups),
                ("network_interface_ids", "network_interface", item.network_interfaces),
            ):
                section = {"subnet": "subnets", "security_group": "security_groups"}.get(
                    kind, "network_interfaces"
                )
                found_ids = [self.resolve(kind, vkey, ref, (*path, section, i)) for i, ref in enumerate(refs)]
                interface_fields[field] = [f for f in found_ids if f is not None]
            with self.model_errors(path):
                self.net.add(
                    VpcEndpoint(
                        **interface_fields,
                        vpc_endpoint_id=endpoint_id,
                        vpc_id=vpc.vpc_id,
                        service_name=item.service_name,
                        vpc_endpoint_type=item.type,
                        route_table_ids=tables,
                        prefix_list_id=prefix_list,
                        state=item.state,
                        owner_id=vpc.owner_id,
                        region=vpc.region,
                        tags=self.name_tags("endpoint", key, item.tags, path),
                    )
                )
            self.record(
                endpoint_id,
                path,
                route_table_ids=(*path, "route_tables"),
                prefix_list_id=(*path, "prefix_list"),
            )
            if item.type != "Gateway" or prefix_list is None:
                continue
            for index, table_id in enumerate(tables):
                table = self.net.route_tables.get(table_id)
                if table is None:
                    continue
                same = [r for r in table.routes if r.destination_prefix_list_id == prefix_list]
                if same and same[0].gateway_id != endpoint_id:
                    self.error(
                        (*path, "route_tables", index),
                        "RouteAlreadyExists",
                        f"route table {item.route_tables[index]!r} already routes {item.prefix_list} elsewhere; "
                        "remove that route (the endpoint adds its own)",
                    )
                elif not same:
                    table.routes.append(Route(destination_prefix_list_id=prefix_list, gateway_id=endpoint_id))
        self.net.touch()
