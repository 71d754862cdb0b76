"""Build transit gateways' attachments and route tables from the spec (see :mod:`.spec_build`).

Keys of attachments and route tables are scoped by their transit gateway; a route or a peer's
association may also name an attachment of another gateway by its key when that key is unique
in the file, or by id. Ids are derived from the key path when not written, like every other.
"""

from __future__ import annotations

from ..model import TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable
from .spec_build_base import GLOBAL, SpecBuilderBase
from .spec_names import derive_id, is_id_of
from .spec_schema import TransitGatewayAttachmentSpec, TransitGatewayRouteSpec, TransitGatewaySpec
from .spec_yaml import Path, format_path

#: The key of the default route table a transit gateway gets when the file marks none default.
DEFAULT_TABLE_KEY = "default"
BLACKHOLE = "blackhole"


def _own_id(prefix: str, key: str, explicit: str | None, seed: str, path: Path) -> str:
    if key.startswith(f"{prefix}-"):
        return key
    return explicit or derive_id(prefix, seed, format_path(path))


class TransitBuilders(SpecBuilderBase):
    """Attachments, route tables, associations, propagations and routes of transit gateways."""

    def build_transit_gateways(self) -> None:
        spec = self.spec
        self._tgw_attachments: dict[str, dict[str, str]] = {}
        self._tgw_tables: dict[str, dict[str, str]] = {}
        tgw_ids = {key: self.names[(GLOBAL, "transit_gateway")][key] for key in spec.transit_gateways}
        for key, item in spec.transit_gateways.items():
            path: Path = ("transit_gateways", key)
            tables = self._tgw_tables[tgw_ids[key]] = {}
            for tkey, table in item.route_tables.items():
                tables[tkey] = _own_id("tgw-rtb", tkey, table.id, self.seed, (*path, "route_tables", tkey))
            needs_default = (
                item.attachments
                and (item.default_route_table_association or item.default_route_table_propagation)
                and not any(
                    t.default_association or t.default_propagation for t in item.route_tables.values()
                )
                and DEFAULT_TABLE_KEY not in item.route_tables
            )
            if needs_default:
                tables[DEFAULT_TABLE_KEY] = derive_id(
                    "tgw-rtb", self.seed, format_path((*path, "#default-route-table"))
                )
            attachments = self._tgw_attachments[tgw_ids[key]] = {}
            for akey, attachment in item.attachments.items():
                attachments[akey] = _own_id(
                    "tgw-attach", akey, attachment.id, self.seed, (*path, "attachments", akey)
                )
        for key, item in spec.transit_gateways.items():
            self._build_tables(key, tgw_ids[key], item)
        for key, item in spec.transit_gateways.items():
            for akey, attachment in item.attachments.items():
                self._build_attachment(key, tgw_ids[key], item, akey, attachment)
        for key, item in spec.transit_gateways.items():
            self._build_routes(key, tgw_ids[key], item)
        self.net.touch()

    # ------------------------------------------------------------------ tables

    def _build_tables(self, key: str, tgw_id: str, item: TransitGatewaySpec) -> None:
        tgw = self.net.transit_gateways[tgw_id]
        tables = self._tgw_tables[tgw_id]
        for tkey, table_id in tables.items():
            spec = item.route_tables.get(tkey)
            path: Path = (
                ("transit_gateways", key, "route_tables", tkey) if spec else ("transit_gateways", key)
            )
            default_association = spec.default_association if spec else item.default_route_table_association
            default_propagation = spec.default_propagation if spec else item.default_route_table_propagation
            with self.model_errors(path):
                self.net.add(
                    TransitGatewayRouteTable(
                        transit_gateway_route_table_id=table_id,
                        transit_gateway_id=tgw_id,
                        default_association_route_table=default_association,
                        default_propagation_route_table=default_propagation,
                        state=spec.state if spec else "available",
                        owner_id=tgw.owner_id,
                        region=tgw.region,
                        tags=self._table_tags(tkey, spec.tags if spec else {}, table_id),
                    )
                )
            self.record(table_id, path)
            if default_association:
                tgw.association_default_route_table_id = table_id
            if default_propagation:
                tgw.propagation_default_route_table_id = table_id

    @staticmethod
    def _table_tags(key: str, tags: dict[str, str], resource_id: str) -> dict[str, str]:
        if key == resource_id or key.startswith(("tgw-rtb-", "tgw-attach-")):
            return dict(tags)
        return {"Name": key, **{k: v for k, v in tags.items() if k != "Name"}}

    # ------------------------------------------------------------------ attachments

    def _table_ref(self, tgw_id: str, ref: str, path: Path) -> str | None:
        tables = self._tgw_tables.get(tgw_id, {})
        if ref in tables:
            return tables[ref]
        if ref in tables.values():
            return ref
        self.error(
            path,
            "InvalidRouteTableID.NotFound",
            f"no route table {ref!r} in transit gateway {tgw_id}; define it under its route_tables",
        )
        return None

    def _build_attachment(
        self, key: str, tgw_id: str, item: TransitGatewaySpec, akey: str, spec: TransitGatewayAttachmentSpec
    ) -> None:
        path: Path = ("transit_gateways", key, "attachments", akey)
        attachment_id = self._tgw_attachments[tgw_id][akey]
        tgw = self.net.transit_gateways[tgw_id]
        kinds = [
            k
            for k, v in (("vpc", spec.vpc), ("peering", spec.peer), ("vpn", spec.vpn), ("type", spec.type))
            if v
        ]
        if len(kinds) != 1:
            self.error(
                path,
                "InvalidParameterCombination",
                "an attachment names exactly one of vpc, peer, vpn or type"
                + (f" (here: {', '.join(kinds)})" if kinds else ""),
            )
            return
        attachment = TransitGatewayAttachment(
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_id=tgw_id,
            state=spec.state,
            appliance_mode_support=spec.appliance_mode,
            security_group_referencing_support=spec.security_group_referencing,
            owner_id=tgw.owner_id,
            region=tgw.region,
            tags=self._table_tags(akey, spec.tags, attachment_id),
        )
        peer_id: str | None = None
        if spec.vpc is not None:
            vpc_id = self.resolve("vpc", GLOBAL, spec.vpc, (*path, "vpc"))
            if vpc_id is None:
                return
            vkey = next((k for k, v in self.vpc_ids.items() if v == vpc_id), None)
            attachment.resource_type = "vpc"
            attachment.resource_id = vpc_id
            attachment.owner_id = self.net.vpcs[vpc_id].owner_id
            for index, ref in enumerate(spec.subnets):
                subnet_id = self.resolve("subnet", vkey or GLOBAL, ref, (*path, "subnets", index))
                if subnet_id is not None:
                    attachment.subnet_ids.append(subnet_id)
        elif spec.peer is not None:
            peer_id = self.lookup("transit_gateway", GLOBAL, spec.peer)
            if peer_id is None and not is_id_of(spec.peer, "tgw"):
                peer_id = self.resolve("transit_gateway", GLOBAL, spec.peer, (*path, "peer"), unknown_ok=True)
            elif peer_id is None:
                peer_id = spec.peer  # a gateway outside the file (another region or account), by its id
            if peer_id is None:
                return
            peer = self.net.transit_gateways.get(peer_id)
            attachment.resource_type = "peering"
            attachment.resource_id = peer_id
            attachment.peer_transit_gateway_id = peer_id
            attachment.peer_region = spec.peer_region or (peer.region if peer else None)
            attachment.peer_owner_id = spec.peer_account or (peer.owner_id if peer else None)
        elif spec.vpn is not None:
            attachment.resource_type = "vpn"
            attachment.resource_id = spec.vpn
        else:
            attachment.resource_type = spec.type  # type: ignore[assignment]
            attachment.resource_id = spec.resource or ""
        with self.model_errors(path):
            self.net.add(attachment)
        self.record(attachment_id, path, subnet_ids=(*path, "subnets"))
        peering = spec.peer is not None
        if "route_table" in spec.model_fields_set:
            association = spec.route_table
        else:
            association = (
                None
                if peering or not item.default_route_table_association
                else tgw.association_default_route_table_id
            )
        if association is not None:
            table_id = (
                association
                if association == tgw.association_default_route_table_id
                else self._table_ref(tgw_id, association, (*path, "route_table"))
            )
            if table_id is not None:
                self.net.transit_gateway_route_tables[table_id].associations.append(attachment_id)
        if spec.propagate_to is not None:
            targets = [
                self._table_ref(tgw_id, ref, (*path, "propagate_to", index))
                for index, ref in enumerate(spec.propagate_to)
            ]
        elif not peering and item.default_route_table_propagation and tgw.propagation_default_route_table_id:
            targets = [tgw.propagation_default_route_table_id]
        else:
            targets = []
        for table_id in targets:
            if table_id is not None:
                self.net.transit_gateway_route_tables[table_id].propagations.append(attachment_id)
        if peering and spec.peer_route_table is not None and peer_id is not None:
            table_id = self._table_ref(peer_id, spec.peer_route_table, (*path, "peer_route_table"))
            if table_id is not None:
                self.net.transit_gateway_route_tables[table_id].associations.append(attachment_id)

    # ------------------------------------------------------------------ routes

    def _attachment_ref(self, tgw_id: str, ref: str, path: Path) -> str | None:
        own = self._tgw_attachments.get(tgw_id, {})
        if ref in own:
            return own[ref]
        found = {a[ref] for a in self._tgw_attachments.values() if ref in a}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            self.error(
                path,
                "VPCSIM_SPEC_AMBIGUOUS",
                f"{ref!r} names attachments of several transit gateways; write its id",
            )
            return None
        if ref.startswith("tgw-attach-"):
            return ref  # an attachment not in the file: the route is a blackhole
        self.error(
            path,
            "InvalidTransitGatewayAttachmentID.NotFound",
            f"no attachment {ref!r}; define it under a transit gateway's attachments, or write blackhole",
        )
        return None

    def _build_routes(self, key: str, tgw_id: str, item: TransitGatewaySpec) -> None:
        for tkey, table_spec in item.route_tables.items():
            table = self.net.transit_gateway_route_tables[self._tgw_tables[tgw_id][tkey]]
            for index, (destination, target) in enumerate(table_spec.routes.items()):
                path: Path = ("transit_gateways", key, "route_tables", tkey, "routes", destination)
                long = target if isinstance(target, TransitGatewayRouteSpec) else None
                text = long.target if long is not None else str(target)
                route = TransitGatewayRoute(
                    type=long.type if long is not None else "static",
                    state=long.state if long is not None else "active",
                )
                if "/" in destination:
                    route.destination_cidr_block = destination
                else:
                    route.prefix_list_id = self.resolve(
                        "prefix_list", GLOBAL, destination, path, unknown_ok=True
                    )
                    if route.prefix_list_id is None:
                        continue
                if text == BLACKHOLE:
                    route.blackhole = True
                    route.state = "blackhole"
                else:
                    route.transit_gateway_attachment_id = self._attachment_ref(tgw_id, text, path)
                    if route.transit_gateway_attachment_id is None:
                        continue
                table.routes.append(route)
                self.record_field(table.transit_gateway_route_table_id, f"routes[{index}]", path)
