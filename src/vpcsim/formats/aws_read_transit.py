"""Readers for transit gateways (see :mod:`.aws_import`): the gateways, their attachments (VPC,
peering, VPN...), route tables, and what the per-table calls return.

``describe-transit-gateway-attachments`` and ``describe-transit-gateway-vpc-attachments`` both
describe an attachment (the first its type, state and association, the second its subnets and
options): they are merged by id, whichever comes first. The per-table calls
(``get-transit-gateway-route-table-associations`` / ``-propagations``,
``search-transit-gateway-routes``) do not name their table in AWS's output, so the documents
that hold them wrap each answer with its ``TransitGatewayRouteTableId``, as Batfish's snapshots
and ``vpcsim collect`` write them::

    {"TransitGatewayStaticRoutes": [{"TransitGatewayRouteTableId": "tgw-rtb-...", "Routes": [...]}]}
    {"TransitGatewayRoutes": [...the same, every route type...]}
    {"TransitGatewayPropagations": [{"TransitGatewayRouteTableId": ..., "TransitGatewayRouteTablePropagations": [...]}]}
    {"TransitGatewayRouteTableAssociations": [{"TransitGatewayRouteTableId": ..., "Associations": [...]}]}

Associations, propagations and routes are applied once everything is read (tables may come
after them).
"""

from __future__ import annotations

from typing import Any

from ..model import (
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
)
from ..model.states import TRANSIT_GATEWAY_STATES
from .aws_fields import (
    OUT_OF_RANGE,
    Bad,
    as_dict,
    cidr_ok,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
    req_str,
)
from .aws_import_base import ImporterBase

#: Attachment states that no longer exist in AWS's eyes: the attachment is read (it may still be
#: named by a route) but forwards nothing.
_ATTACHMENT_TYPES = frozenset(
    {
        "vpc",
        "vpn",
        "vpn-concentrator",
        "direct-connect-gateway",
        "connect",
        "peering",
        "network-function",
        "client-vpn",
        "tgw-peering",
    }
)
_ROUTE_TYPES = frozenset({"static", "propagated"})

#: Keys read here, in the order they are best read.
TRANSIT_KEYS = (
    "TransitGateways",
    "TransitGatewayRouteTables",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayPeeringAttachments",
    "TransitGatewayRouteTableAssociations",
    "TransitGatewayPropagations",
    "TransitGatewayStaticRoutes",
    "TransitGatewayRoutes",
)


def _enabled(options: dict[str, Any] | None, key: str, default: bool) -> bool:
    value = (options or {}).get(key)
    if value is None:
        return default
    if value not in ("enable", "disable"):
        raise Bad(f".Options.{key}", f"{key} must be enable or disable, not {value!r}", OUT_OF_RANGE)
    return bool(value == "enable")


class TransitReaders(ImporterBase):
    """Transit gateways, attachments, route tables, associations, propagations and routes."""

    _tgw_pending: list[tuple[str, str, str, dict[str, Any], tuple[str, str, int, str]]]
    """(kind, table id, attachment id, entry, where the table was named: file, key, index, suffix)."""

    def transit_handlers(self) -> dict[str, Any]:
        """The readers of :data:`TRANSIT_KEYS` (and a fresh list of what they leave for :meth:`_apply_transit`)."""
        self._tgw_pending = []
        return {
            "TransitGateways": self._transit_gateway,
            "TransitGatewayRouteTables": self._transit_gateway_route_table,
            "TransitGatewayAttachments": self._transit_gateway_attachment,
            "TransitGatewayVpcAttachments": self._transit_gateway_attachment,
            "TransitGatewayPeeringAttachments": self._transit_gateway_peering_attachment,
            "TransitGatewayRouteTableAssociations": self._transit_gateway_per_table,
            "TransitGatewayPropagations": self._transit_gateway_per_table,
            "TransitGatewayStaticRoutes": self._transit_gateway_per_table,
            "TransitGatewayRoutes": self._transit_gateway_per_table,
        }

    # ------------------------------------------------------------------ gateways and tables

    def _transit_gateway(self, item: dict[str, Any]) -> None:
        tgw_id = req_str(item, "TransitGatewayId")
        self._hint_arn(item.get("TransitGatewayArn"))
        options = opt_dict(item, "Options")
        self._add(
            TransitGateway(
                transit_gateway_id=tgw_id,
                state=opt_enum(item, "State", TRANSIT_GATEWAY_STATES, "available"),
                default_route_table_association=_enabled(options, "DefaultRouteTableAssociation", True),
                default_route_table_propagation=_enabled(options, "DefaultRouteTablePropagation", True),
                association_default_route_table_id=opt_str(options or {}, "AssociationDefaultRouteTableId"),
                propagation_default_route_table_id=opt_str(options or {}, "PropagationDefaultRouteTableId"),
                amazon_side_asn=opt_int(options or {}, "AmazonSideAsn", 1, 4294967295) or 64512,
                security_group_referencing_support=_enabled(
                    options, "SecurityGroupReferencingSupport", False
                ),
                owner_id=self._owner(item),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _transit_gateway_route_table(self, item: dict[str, Any]) -> None:
        self._add(
            TransitGatewayRouteTable(
                transit_gateway_route_table_id=req_str(item, "TransitGatewayRouteTableId"),
                transit_gateway_id=req_str(item, "TransitGatewayId"),
                default_association_route_table=item.get("DefaultAssociationRouteTable") is True,
                default_propagation_route_table=item.get("DefaultPropagationRouteTable") is True,
                state=opt_str(item, "State") or "available",
                owner_id=self._owner(item, "OwnerId"),
                region=self._region(),
                tags=self._tags(item),
            )
        )

    # ------------------------------------------------------------------ attachments

    def _attachment(self, attachment_id: str, tgw_id: str) -> TransitGatewayAttachment:
        """The attachment read so far under this id, or a new one (added to the network)."""
        found = self.network.transit_gateway_attachments.get(attachment_id)
        if found is not None:
            return found
        attachment = TransitGatewayAttachment(
            transit_gateway_attachment_id=attachment_id,
            transit_gateway_id=tgw_id,
            owner_id=self._scope.account or self._owner({}),
            region=self._region(),
        )
        self._add(attachment)
        return attachment

    def _transit_gateway_attachment(self, item: dict[str, Any]) -> None:
        attachment_id = req_str(item, "TransitGatewayAttachmentId")
        tgw_id = req_str(item, "TransitGatewayId")
        attachment = self._attachment(attachment_id, tgw_id)
        state = opt_str(item, "State")
        if state:
            attachment.state = state
        tags = self._tags(item)
        if tags:
            attachment.tags = tags
        if self._key == "TransitGatewayVpcAttachments":
            attachment.resource_type = "vpc"
            attachment.resource_id = req_str(item, "VpcId")
            attachment.owner_id = self._account(item, "VpcOwnerId") or attachment.owner_id
            attachment.subnet_ids = [s for s in opt_list(item, "SubnetIds") if type(s) is str]
            options = opt_dict(item, "Options")
            attachment.appliance_mode_support = _enabled(options, "ApplianceModeSupport", False)
            attachment.security_group_referencing_support = _enabled(
                options, "SecurityGroupReferencingSupport", True
            )
        else:
            kind = opt_str(item, "ResourceType") or "vpc"
            if kind not in _ATTACHMENT_TYPES:
                raise Bad(".ResourceType", f"ResourceType {kind!r} is not known", OUT_OF_RANGE)
            attachment.resource_type = kind  # type: ignore[assignment]
            attachment.resource_id = opt_str(item, "ResourceId") or attachment.resource_id
            if kind in ("peering", "tgw-peering") and attachment.peer_transit_gateway_id is None:
                # Each side lists a peering under its own gateway, the other one as its resource.
                other = tgw_id if tgw_id != attachment.transit_gateway_id else attachment.resource_id
                attachment.peer_transit_gateway_id = other or None
            owner_key = "ResourceOwnerId" if kind == "vpc" else "TransitGatewayOwnerId"
            attachment.owner_id = self._account(item, owner_key) or attachment.owner_id
            association = opt_dict(item, "Association")
            if association and opt_str(association, "State") in (None, "associated", "associating"):
                table_id = opt_str(association, "TransitGatewayRouteTableId")
                if table_id:
                    self._tgw_pending.append(
                        (
                            "association",
                            table_id,
                            attachment_id,
                            {},
                            (self._src, self._key, self._index, ".Association.TransitGatewayRouteTableId"),
                        )
                    )

    def _transit_gateway_peering_attachment(self, item: dict[str, Any]) -> None:
        attachment_id = req_str(item, "TransitGatewayAttachmentId")
        requester = as_dict(item.get("RequesterTgwInfo"), ".RequesterTgwInfo")
        accepter = as_dict(item.get("AccepterTgwInfo"), ".AccepterTgwInfo")
        attachment = self._attachment(attachment_id, req_str(requester, "TransitGatewayId"))
        attachment.transit_gateway_id = req_str(requester, "TransitGatewayId")
        attachment.resource_type = "peering"
        attachment.peer_transit_gateway_id = req_str(accepter, "TransitGatewayId")
        attachment.resource_id = req_str(accepter, "TransitGatewayId")
        attachment.peer_region = opt_str(accepter, "Region")
        try:
            attachment.peer_owner_id = self._account(accepter, "OwnerId")
        except Bad as bad:
            raise Bad(".AccepterTgwInfo" + bad.path, bad.message, bad.code) from None
        attachment.state = opt_str(item, "State") or attachment.state
        attachment.tags = self._tags(item) or attachment.tags

    # ------------------------------------------------------------------ per-table answers

    def _transit_gateway_per_table(self, item: dict[str, Any]) -> None:
        table_id = req_str(item, "TransitGatewayRouteTableId")
        where = (self._src, self._key, self._index, ".TransitGatewayRouteTableId")
        if self._key == "TransitGatewayRouteTableAssociations":
            for j, raw in enumerate(opt_list(item, "Associations")):
                entry = as_dict(raw, f".Associations[{j}]")
                if opt_str(entry, "State") in (None, "associated", "associating"):
                    attachment_id = req_str(entry, "TransitGatewayAttachmentId")
                    self._tgw_pending.append(("association", table_id, attachment_id, entry, where))
        elif self._key == "TransitGatewayPropagations":
            for j, raw in enumerate(opt_list(item, "TransitGatewayRouteTablePropagations")):
                entry = as_dict(raw, f".TransitGatewayRouteTablePropagations[{j}]")
                if opt_str(entry, "State") in (None, "enabled", "enabling"):
                    attachment_id = req_str(entry, "TransitGatewayAttachmentId")
                    self._tgw_pending.append(("propagation", table_id, attachment_id, entry, where))
        else:
            for j, raw in enumerate(opt_list(item, "Routes")):
                entry = as_dict(raw, f".Routes[{j}]")
                self._tgw_pending.append(("route", table_id, "", entry, where))

    def _apply_transit(self) -> None:
        """Associations, propagations and routes onto their tables; a table absent from the
        input is made from what names it (its gateway is its attachment's)."""
        net = self.network
        for kind, table_id, attachment_id, entry, (src, key, index, named_at) in self._tgw_pending:
            table = net.transit_gateway_route_tables.get(table_id)
            if table is None:
                attachment = net.transit_gateway_attachments.get(attachment_id)
                if attachment is None:
                    self.report(
                        "warning",
                        "VPCSIM_UNKNOWN_REFERENCE",
                        f"transit gateway route table {table_id} is not in the input; its {kind} was not read",
                        src,
                        f"$.{key}[{index}]",
                    )
                    continue
                table = TransitGatewayRouteTable(
                    transit_gateway_route_table_id=table_id,
                    transit_gateway_id=attachment.transit_gateway_id,
                    owner_id=attachment.owner_id,
                    region=attachment.region,
                )
                net.add(table)
                # located where it was named: later problems about the table point there
                self._origin[table_id] = (src, key, index, named_at)
            if kind == "association":
                if attachment_id not in table.associations:
                    table.associations.append(attachment_id)
            elif kind == "propagation":
                if attachment_id not in table.propagations:
                    table.propagations.append(attachment_id)
            else:
                route = self._tgw_route(entry, src, key, index)
                if route is not None and route not in table.routes:
                    table.routes.append(route)
        self._tgw_pending.clear()
        self._undescribed_vpc_attachments()
        for tgw in net.transit_gateways.values():
            described = any(
                tgw.transit_gateway_id in a.transit_gateway_ids()
                for a in net.transit_gateway_attachments.values()
            )
            if not described:
                where, path = self._where(tgw.transit_gateway_id)
                self.report(
                    "warning",
                    "VPCSIM_NOT_MODELLED",
                    f"transit gateway {tgw.transit_gateway_id}: the input describes none of its attachments, so "
                    "what lies beyond it is unknown (traces through it answer unknown)",
                    where,
                    path,
                )
        net.touch()

    def _undescribed_vpc_attachments(self) -> None:
        """A VPC attachment whose subnets no document gives (``describe-transit-gateway-vpc-
        attachments`` absent) and that no route table names says only that the VPC is attached:
        kept as such (``TransitGateway.vpc_ids``), so that traces through the gateway answer
        unknown rather than guess its subnets."""
        net = self.network
        named = {
            a for t in net.transit_gateway_route_tables.values() for a in (*t.associations, *t.propagations)
        }
        named.update(
            r.transit_gateway_attachment_id or ""
            for t in net.transit_gateway_route_tables.values()
            for r in t.routes
        )
        for attachment_id, attachment in list(net.transit_gateway_attachments.items()):
            if attachment.resource_type != "vpc" or attachment.subnet_ids or attachment_id in named:
                continue
            tgw = net.transit_gateways.get(attachment.transit_gateway_id)
            if tgw is None or attachment.state not in ("available", "pending", "modifying"):
                continue
            del net.transit_gateway_attachments[attachment_id]
            if attachment.resource_id and attachment.resource_id not in tgw.vpc_ids:
                tgw.vpc_ids.append(attachment.resource_id)

    def _tgw_route(self, entry: dict[str, Any], src: str, key: str, index: int) -> TransitGatewayRoute | None:
        destination = opt_str(entry, "DestinationCidrBlock")
        prefix_list = opt_str(entry, "PrefixListId")
        if destination is not None and ":" in destination:
            return None  # IPv6: not analysed (IPv4 only)
        if (destination is None or not cidr_ok(destination, False)) and not prefix_list:
            self.report(
                "error",
                "VPCSIM_WRONG_TYPE",
                f"a transit gateway route needs an IPv4 DestinationCidrBlock or a PrefixListId; left out ({entry})",
                src,
                f"$.{key}[{index}]",
            )
            return None
        kind = opt_str(entry, "Type") or "static"
        if kind not in _ROUTE_TYPES:
            kind = "static"
        state = opt_str(entry, "State") or "active"
        attachments = [a for a in opt_list(entry, "TransitGatewayAttachments") if type(a) is dict]
        attachment_id = opt_str(attachments[0], "TransitGatewayAttachmentId") if attachments else None
        return TransitGatewayRoute(
            destination_cidr_block=destination if not prefix_list else None,
            prefix_list_id=prefix_list,
            transit_gateway_attachment_id=attachment_id,
            blackhole=state == "blackhole",
            type=kind,  # type: ignore[arg-type]
            state=state,
        )
