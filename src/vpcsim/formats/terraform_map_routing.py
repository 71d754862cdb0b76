"""Terraform -> model: route tables, routes and associations; network ACLs and their rules.

Semantics follow the provider: ``aws_route_table`` inline ``route`` blocks and ``aws_route``
resources both add routes (a state lists a table's routes in both places: the same route is kept
once; two different targets for one destination are reported and the ``aws_route`` wins);
``aws_default_route_table`` and ``aws_default_network_acl`` adopt the VPC's defaults and replace
their routes/rules with exactly those configured (the provider removes the others on adoption).
A custom ACL denies everything until rules are added (its ``*`` rules are always there).
"""

from __future__ import annotations

from typing import Any

from ..model import NetworkAcl, NetworkAclEntry, Route, RouteTable, protocol_number
from ..model.addressing import LOCAL, ROUTE_TARGET_FIELDS, field_collection, gateway_collection
from ..model.network import set_route_target
from .terraform_base import BlockItem, TfBase, placeholder_id
from .terraform_doc import TfResource, is_unknown

#: Route target attributes of ``aws_route`` and ``route`` blocks, and the model field each fills.
ROUTE_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("gateway_id", "gateway_id", "igw"),
    ("nat_gateway_id", "nat_gateway_id", "nat"),
    ("network_interface_id", "network_interface_id", "eni"),
    ("instance_id", "instance_id", "i"),
    ("vpc_peering_connection_id", "vpc_peering_connection_id", "pcx"),
    ("transit_gateway_id", "transit_gateway_id", "tgw"),
    ("egress_only_gateway_id", "egress_only_internet_gateway_id", "eigw"),
    ("vpc_endpoint_id", "gateway_id", "vpce"),
)
UNMODELLED_TARGETS = ("local_gateway_id", "carrier_gateway_id", "core_network_arn")

STAR_RULES = (
    NetworkAclEntry(
        rule_number=32767, protocol="-1", rule_action="deny", egress=False, cidr_block="0.0.0.0/0"
    ),
    NetworkAclEntry(
        rule_number=32767, protocol="-1", rule_action="deny", egress=True, cidr_block="0.0.0.0/0"
    ),
)


def star_rules() -> list[NetworkAclEntry]:
    return [
        NetworkAclEntry(
            rule_number=e.rule_number,
            protocol=e.protocol,
            rule_action=e.rule_action,
            egress=e.egress,
            cidr_block=e.cidr_block,
        )
        for e in STAR_RULES
    ]


class RoutingMaps(TfBase):
    """Route tables and network ACLs, with their associations."""

    # ------------------------------------------------------------------ route tables

    def map_route_table(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        if vpc_id is None:
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the table is left out",
                "vpc_id",
            )
            return
        table = RouteTable(
            route_table_id=self.own_id(res),
            vpc_id=vpc_id,
            routes=[
                Route(destination_cidr_block=b, gateway_id="local", origin="CreateRouteTable")
                for b in vpc.cidr_blocks
            ]
            + _local6(vpc.ipv6_cidr_blocks),
            owner_id=vpc.owner_id,
            region=vpc.region,
            tags=self.tags_of(res),
        )
        self.network.add(table)
        self._add_inline_routes(res, table)

    def _add_inline_routes(self, res: TfResource, table: RouteTable) -> None:
        """The ``route`` blocks of an ``aws_route_table`` or ``aws_default_route_table``."""
        for item in self.items(res, "route"):
            route = self.route_from(
                res,
                item.values,
                lambda name, item=item: self.item_get(res, item, name),
                f"route[{item.index}]",
            )
            if route is not None:
                self.add_route(res, table, route, inline=True)

    def map_default_route_table(self, res: TfResource) -> None:
        rtb_id = self.ident(res, "default_route_table_id", required=True)
        if rtb_id is None:
            return
        res.derived["id"] = rtb_id
        table = self.network.route_tables.get(rtb_id)
        if table is None:
            vpc_id = self.ident(res, "vpc_id")
            vpc = self.network.vpcs.get(vpc_id or "")
            if vpc is None:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"route table {rtb_id} and its VPC are not in the input",
                    "default_route_table_id",
                )
                return
            table = self.network.add(
                RouteTable(
                    route_table_id=rtb_id,
                    vpc_id=vpc.vpc_id,
                    main=True,
                    region=vpc.region,
                    owner_id=vpc.owner_id,
                )
            )
        vpc = self.network.vpcs.get(table.vpc_id)
        blocks = vpc.cidr_blocks if vpc else []
        # Adoption removes every route but the local ones; then the configured ones are created.
        table.routes = [
            Route(destination_cidr_block=b, gateway_id="local", origin="CreateRouteTable") for b in blocks
        ] + _local6(vpc.ipv6_cidr_blocks if vpc else [])
        table.tags = {**table.tags, **self.tags_of(res)}
        self.network.touch()
        self._add_inline_routes(res, table)

    def map_route(self, res: TfResource) -> None:
        rtb_id = self.ident(res, "route_table_id", required=True)
        if rtb_id is None:
            return
        table = self.network.route_tables.get(rtb_id)
        if table is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"route table {rtb_id} is not in the input: the route is left out",
                "route_table_id",
            )
            return
        route = self.route_from(res, res.values, lambda name: self.get(res, name), None)
        if route is not None:
            self.add_route(res, table, route, inline=False)

    def route_from(
        self, res: TfResource, values: dict[str, Any], get: Any, where: str | None
    ) -> Route | None:
        """A route from an ``aws_route`` or a ``route`` block; None (reported) when unusable."""
        prefix = f"{where}." if where else ""
        inline = where is not None
        dest4 = get("cidr_block" if inline else "destination_cidr_block")
        dest6 = get("ipv6_cidr_block" if inline else "destination_ipv6_cidr_block")
        dest_pl = get("destination_prefix_list_id")
        route = Route(origin="CreateRoute")
        if isinstance(dest4, str) and dest4:
            route.destination_cidr_block = self.cidr4(res, dest4, prefix + "destination_cidr_block")
            if route.destination_cidr_block is None:
                return None
        elif isinstance(dest6, str) and dest6:
            route.destination_ipv6_cidr_block = dest6
        elif isinstance(dest_pl, str) and dest_pl:
            route.destination_prefix_list_id = dest_pl
        else:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                f"{prefix}destination is missing or unknown: the route is left out",
            )
            return None
        for attr in UNMODELLED_TARGETS:
            if isinstance(values.get(attr), str) and values.get(attr):
                self.skip(f"{res.type} route to {attr.removesuffix('_id')}")
                self.warn(
                    res,
                    "VPCSIM_TF_UNSUPPORTED",
                    f"{prefix}{attr} targets are not modelled: the route is left out",
                )
                return None
        unresolved: list[tuple[str, str, str]] = []
        for attr, field_name, kind in ROUTE_TARGETS:
            target = get(attr)
            if isinstance(target, str) and target:
                if target == "local":
                    route.gateway_id = "local"
                    return route
                try:
                    set_route_target(route, target)
                except ValueError:
                    setattr(route, field_name, target)
                return route
            if is_unknown(target):
                unresolved.append((attr, field_name, kind))
        if unresolved:
            # Configured, but known only after apply and no reference resolves it.
            attr, field_name, kind = unresolved[0]
            stand_in = placeholder_id(kind, f"{res.address}:{prefix}{attr}")
            names = " or ".join(a for a, _, _ in unresolved)
            self.unknown(
                stand_in, kind, f"{res.address} {prefix}{names} is known only after apply", res.address
            )
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                f"{prefix}{names} is unknown: the route targets unknown resource {stand_in}",
                attr,
            )
            setattr(route, field_name, stand_in)
            return route
        self.warn(res, "VPCSIM_TF_UNRESOLVED", f"{prefix}the route has no target: it is left out")
        return None

    def add_route(self, res: TfResource, table: RouteTable, route: Route, *, inline: bool) -> None:
        for existing in table.routes:
            if existing.destination != route.destination:
                continue
            if existing.gateway_id == "local" and route.gateway_id == "local":
                return
            if existing.target == route.target:
                return  # a state lists a route both inline and as an aws_route
            if existing.gateway_id == "local":
                if route.network_interface_id or route.nat_gateway_id:
                    existing.gateway_id = None
                    existing.network_interface_id = route.network_interface_id
                    existing.nat_gateway_id = route.nat_gateway_id
                    self.network.touch()
                    return
                self.error(
                    res,
                    "InvalidParameterValue",
                    f"route for {route.destination} conflicts with the local route",
                )
                return
            self.warn(
                res,
                "RouteAlreadyExists",
                f"{table.route_table_id} has two routes for {route.destination} ({existing.target} and {route.target}); "
                f"AWS keeps one: vpcsim keeps {route.target if not inline else existing.target}",
            )
            if not inline:
                table.routes.remove(existing)
                break
            return
        table.routes.append(route)
        self.network.touch()

    def map_route_table_association(self, res: TfResource) -> None:
        rtb_id = self.ident(res, "route_table_id", required=True)
        subnet_id = self.ident(res, "subnet_id")
        gateway_id = self.ident(res, "gateway_id")
        if rtb_id is None:
            return
        table = self.network.route_tables.get(rtb_id)
        if table is None:
            self.warn(
                res, "VPCSIM_TF_NOT_IN_INPUT", f"route table {rtb_id} is not in the input", "route_table_id"
            )
            return
        if subnet_id:
            if subnet_id not in self.network.subnets:
                self.warn(
                    res, "VPCSIM_TF_NOT_IN_INPUT", f"subnet {subnet_id} is not in the input", "subnet_id"
                )
                return
            self.network.associate_route_table(table, subnet_id)
        elif gateway_id:
            if gateway_id not in table.gateway_ids:
                table.gateway_ids.append(gateway_id)
                self.network.touch()
        else:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                "neither subnet_id nor gateway_id resolves: the association is left out",
            )

    def map_main_route_table_association(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        rtb_id = self.ident(res, "route_table_id", required=True)
        if vpc_id is None or rtb_id is None:
            return
        self.main_override.pop(vpc_id, None)
        table = self.network.route_tables.get(rtb_id)
        if vpc_id not in self.network.vpcs or table is None:
            self.warn(
                res, "VPCSIM_TF_NOT_IN_INPUT", f"VPC {vpc_id} or route table {rtb_id} is not in the input"
            )
            return
        if table.vpc_id != vpc_id:
            self.error(
                res, "InvalidParameterValue", f"route table {rtb_id} belongs to {table.vpc_id}, not {vpc_id}"
            )
            return
        self.network.replace_main_route_table(vpc_id, table)

    def apply_main_overrides(self) -> None:
        """A state's VPC whose ``main_route_table_id`` is another table than its default one."""
        for vpc_id, (rtb_id, res) in self.main_override.items():
            table = self.network.route_tables.get(rtb_id)
            if table is None or table.vpc_id != vpc_id:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"main route table {rtb_id} is not in the input",
                    "main_route_table_id",
                )
                continue
            self.network.replace_main_route_table(vpc_id, table)

    # ------------------------------------------------------------------ network ACLs

    def map_network_acl(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        if vpc_id is None:
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the ACL is left out",
                "vpc_id",
            )
            return
        inline = self.acl_entries(res)
        acl_id = self.own_id(res)
        self.inline_rules_of[acl_id] = (res, [_acl_key(e) for e in inline])
        acl = NetworkAcl(
            network_acl_id=acl_id,
            vpc_id=vpc_id,
            entries=[*inline, *star_rules()],
            owner_id=vpc.owner_id,
            region=vpc.region,
            tags=self.tags_of(res),
        )
        self.network.add(acl)
        self.associate_acl(res, acl, self.idents(res, "subnet_ids") or [])

    def map_default_network_acl(self, res: TfResource) -> None:
        acl_id = self.ident(res, "default_network_acl_id", required=True)
        if acl_id is None:
            return
        res.derived["id"] = acl_id
        acl = self.network.network_acls.get(acl_id)
        if acl is None:
            vpc_id = self.ident(res, "vpc_id")
            vpc = self.network.vpcs.get(vpc_id or "")
            if vpc is None:
                self.warn(
                    res, "VPCSIM_TF_NOT_IN_INPUT", f"network ACL {acl_id} and its VPC are not in the input"
                )
                return
            acl = self.network.add(
                NetworkAcl(
                    network_acl_id=acl_id,
                    vpc_id=vpc.vpc_id,
                    is_default=True,
                    region=vpc.region,
                    owner_id=vpc.owner_id,
                )
            )
        # Adoption removes every rule; then the configured ones are created.
        inline = self.acl_entries(res)
        self.inline_rules_of[acl.network_acl_id] = (res, [_acl_key(e) for e in inline])
        acl.entries = [*inline, *star_rules()]
        acl.tags = {**acl.tags, **self.tags_of(res)}
        self.network.touch()
        self.associate_acl(res, acl, self.idents(res, "subnet_ids") or [])

    def associate_acl(self, res: TfResource, acl: NetworkAcl, subnet_ids: list[str]) -> None:
        for subnet_id in subnet_ids:
            subnet = self.network.subnets.get(subnet_id)
            if subnet is None:
                self.warn(
                    res, "VPCSIM_TF_NOT_IN_INPUT", f"subnet {subnet_id} is not in the input", "subnet_ids"
                )
                continue
            if subnet.vpc_id != acl.vpc_id:
                self.error(
                    res,
                    "InvalidParameterValue",
                    f"subnet {subnet_id} is in {subnet.vpc_id}, not {acl.vpc_id}",
                    "subnet_ids",
                )
                continue
            self.network.replace_network_acl_association(subnet, acl)

    def acl_entries(self, res: TfResource) -> list[NetworkAclEntry]:
        entries: list[NetworkAclEntry] = []
        for egress, name in ((False, "ingress"), (True, "egress")):
            for item in self.items(res, name):
                entry = self.acl_entry(res, item, egress, name)
                if entry is None:
                    continue
                if any(e.rule_number == entry.rule_number and e.egress == egress for e in entries):
                    self.error(
                        res,
                        "NetworkAclEntryAlreadyExists",
                        f"{name} has two rules numbered {entry.rule_number}",
                    )
                    continue
                entries.append(entry)
        return entries

    def acl_entry(self, res: TfResource, item: BlockItem, egress: bool, name: str) -> NetworkAclEntry | None:
        def get(field: str) -> Any:
            return self.item_get(res, item, field)

        return self.make_acl_entry(
            res,
            get,
            egress=egress,
            number_field="rule_no",
            action_field="action",
            where=f"{name}[{item.index}]",
            icmp_default=0,
        )

    def make_acl_entry(
        self,
        res: TfResource,
        get: Any,
        *,
        egress: bool,
        number_field: str,
        action_field: str,
        where: str,
        icmp_default: int,
    ) -> NetworkAclEntry | None:
        number = self.number(res, get(number_field), f"{where}.{number_field}", 1, 32766)
        action = get(action_field)
        raw_protocol = get("protocol")
        if number is None or not isinstance(action, str) or action.lower() not in ("allow", "deny"):
            self.error(
                res,
                "VPCSIM_TF_BAD_VALUE",
                f"{where} needs a rule number 1-32766 and an action allow or deny: left out",
            )
            return None
        try:
            proto = protocol_number(str(raw_protocol))
        except ValueError:
            self.error(
                res, "InvalidParameterValue", f"{where}.protocol {raw_protocol!r} is not a protocol: left out"
            )
            return None
        cidr = self.cidr4(res, get("cidr_block"), f"{where}.cidr_block")
        ipv6 = get("ipv6_cidr_block")
        if cidr is None and not (isinstance(ipv6, str) and ipv6):
            self.warn(res, "VPCSIM_TF_UNRESOLVED", f"{where} has no known cidr_block: left out")
            return None
        entry = NetworkAclEntry(
            rule_number=number,
            protocol=str(proto),
            rule_action="allow" if action.lower() == "allow" else "deny",
            egress=egress,
            cidr_block=cidr,
            ipv6_cidr_block=ipv6 if cidr is None else None,
        )
        if proto in (6, 17):
            lo = self.number(res, get("from_port"), f"{where}.from_port", 0, 65535)
            hi = self.number(res, get("to_port"), f"{where}.to_port", 0, 65535)
            entry.port_range = (lo if lo is not None else 0, hi if hi is not None else 65535)
        elif proto == 1:
            itype = self.number(res, get("icmp_type"), f"{where}.icmp_type", -1, 255)
            icode = self.number(res, get("icmp_code"), f"{where}.icmp_code", -1, 255)
            entry.icmp_type_code = (
                itype if itype is not None else icmp_default,
                icode if icode is not None else icmp_default,
            )
        return entry

    def map_network_acl_rule(self, res: TfResource) -> None:
        acl_id = self.ident(res, "network_acl_id", required=True)
        if acl_id is None:
            return
        acl = self.network.network_acls.get(acl_id)
        if acl is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"network ACL {acl_id} is not in the input: the rule is left out",
                "network_acl_id",
            )
            return
        egress = self.flag(res, "egress", False)
        entry = self.make_acl_entry(
            res,
            lambda name: self.get(res, name),
            egress=egress,
            number_field="rule_number",
            action_field="rule_action",
            where="rule",
            icmp_default=-1,
        )
        if entry is None:
            return
        self.separate_rules_of.setdefault(acl_id, []).append((res, [_acl_key(entry)]))
        for existing in acl.entries:
            if existing.rule_number == entry.rule_number and existing.egress == egress:
                if existing != entry:
                    self.warn(
                        res,
                        "NetworkAclEntryAlreadyExists",
                        f"{acl_id} already has {'an outbound' if egress else 'an inbound'} rule {entry.rule_number}: "
                        "this resource's rule replaces it",
                    )
                    acl.entries.remove(existing)
                    break
                return
        acl.entries.append(entry)
        self.network.touch()

    def subtract_superseded_acl_rules(self) -> None:
        """Rules of ``aws_network_acl_rule`` resources the plan deletes or changes, as they were:
        AWS deletes the entry, so the parent ACL's refreshed inline copy goes too."""
        for res in self.doc.superseded:
            if res.type != "aws_network_acl_rule":
                continue
            acl = self.network.network_acls.get(str(res.values.get("network_acl_id") or ""))
            if acl is None:
                continue
            problems = len(self.problems)
            old = self.make_acl_entry(
                res,
                lambda name, res=res: res.values.get(name),
                egress=res.values.get("egress") is True,
                number_field="rule_number",
                action_field="rule_action",
                where="rule",
                icmp_default=-1,
            )
            del self.problems[problems:]
            if old is not None:
                acl.entries = [e for e in acl.entries if _acl_key(e, icmp=False) != _acl_key(old, icmp=False)]
        self.network.touch()

    def map_network_acl_association(self, res: TfResource) -> None:
        acl_id = self.ident(res, "network_acl_id", required=True)
        subnet_id = self.ident(res, "subnet_id", required=True)
        if acl_id is None or subnet_id is None:
            return
        acl = self.network.network_acls.get(acl_id)
        if acl is None:
            self.warn(
                res, "VPCSIM_TF_NOT_IN_INPUT", f"network ACL {acl_id} is not in the input", "network_acl_id"
            )
            return
        self.associate_acl(res, acl, [subnet_id])

    # ------------------------------------------------------------------ references to what is absent

    def check_route_targets(self) -> None:
        """Routes whose target the input does not describe: an unknown resource, so a trace that
        takes the route answers ``unknown`` rather than guessing."""
        n = self.network

        def exists(field_name: str, target: str) -> bool:
            if field_name != "gateway_id":
                return target in getattr(n, field_collection(field_name))
            collection = gateway_collection(target)
            return target == LOCAL or (collection is not None and target in getattr(n, collection))

        for table in self.network.route_tables.values():
            for route in table.routes:
                for field_name in ROUTE_TARGET_FIELDS:
                    target = getattr(route, field_name)
                    if (
                        target
                        and not exists(field_name, target)
                        and target not in self.network.unknown_resources
                    ):
                        kind = field_name.removesuffix("_id")
                        self.unknown(
                            target,
                            kind,
                            f"route target of {table.route_table_id} not described by the input",
                            table.route_table_id,
                        )
                        self.warn(
                            self.resource_of(table.route_table_id),
                            "VPCSIM_TF_NOT_IN_INPUT",
                            f"route {route.destination} of {table.route_table_id} targets {target}, which the input does not "
                            "describe: traces through it answer unknown",
                        )


def _acl_key(entry: NetworkAclEntry, *, icmp: bool = True) -> str:
    """An entry as compared across inline blocks and rule resources (ICMP defaults differ between
    the two: ``icmp=False`` leaves type and code out)."""
    return " ".join(
        str(x)
        for x in (
            entry.rule_number,
            entry.egress,
            entry.rule_action,
            entry.protocol,
            entry.cidr_block,
            entry.ipv6_cidr_block,
            entry.port_range,
            entry.icmp_type_code if icmp else None,
        )
    )


def _local6(blocks: list[str]) -> list[Route]:
    """The ``local`` routes of a VPC's IPv6 blocks (AWS gives every table one per block)."""
    return [
        Route(destination_ipv6_cidr_block=b, gateway_id="local", origin="CreateRouteTable") for b in blocks
    ]
