"""Terraform's transit gateway and VPC endpoint resources (see :mod:`.terraform`).

``aws_ec2_transit_gateway`` (its default route table, which AWS creates and Terraform only
names in ``association_default_route_table_id``, becomes a table of its own),
``aws_ec2_transit_gateway_vpc_attachment`` (associated and propagating by default, as its
``transit_gateway_default_route_table_*`` flags say), ``aws_ec2_transit_gateway_peering_attachment``
(available once an ``..._accepter`` in the input accepts it), ``..._route_table``,
``..._route_table_association``, ``..._route_table_propagation``, ``..._route``,
``..._prefix_list_reference``; ``aws_vpc_endpoint`` (a gateway endpoint's prefix-list routes in
its route tables) and its ``_route_table_association``, ``_subnet_association`` and
``_security_group_association``.
"""

from __future__ import annotations

from ..model import (
    Route,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    VpcEndpoint,
)
from .terraform_base import TfBase
from .terraform_doc import TfResource

_ENDPOINT_TYPES = ("Gateway", "Interface", "GatewayLoadBalancer")


class TransitMaps(TfBase):
    """Transit gateways, their attachments and route tables; VPC endpoints."""

    def _enabled(self, res: TfResource, name: str) -> bool:
        return self.text(res, name) != "disable"

    def map_transit_gateway(self, res: TfResource) -> None:
        tgw_id = self.own_id(res)
        association = self._enabled(res, "default_route_table_association")
        propagation = self._enabled(res, "default_route_table_propagation")
        tgw = self.network.add(
            TransitGateway(
                transit_gateway_id=tgw_id,
                default_route_table_association=association,
                default_route_table_propagation=propagation,
                security_group_referencing_support=self.text(res, "security_group_referencing_support")
                == "enable",
                amazon_side_asn=self.number(
                    res, self.get(res, "amazon_side_asn"), "amazon_side_asn", 1, 4294967295
                )
                or 64512,
                region=self.network.region,
                owner_id=self.text(res, "owner_id") or self.network.account,
                tags=self.tags_of(res),
            )
        )
        if not (association or propagation):
            return
        table_id = (
            self.text(res, "association_default_route_table_id")
            or self.text(res, "propagation_default_route_table_id")
            or self.placeholder(res, "default_route_table", "tgw-rtb")
        )
        self.network.add(
            TransitGatewayRouteTable(
                transit_gateway_route_table_id=table_id,
                transit_gateway_id=tgw_id,
                default_association_route_table=association,
                default_propagation_route_table=propagation,
                region=tgw.region,
                owner_id=tgw.owner_id,
                tags={k: v for k, v in self.tags_of(res, "default_route_table").items() if k != "Name"},
            )
        )
        tgw.association_default_route_table_id = table_id if association else None
        tgw.propagation_default_route_table_id = table_id if propagation else None
        for name in ("association_default_route_table_id", "propagation_default_route_table_id"):
            res.derived[name] = lambda table_id=table_id: table_id

    def _gateway(self, res: TfResource, attr: str = "transit_gateway_id") -> TransitGateway | None:
        tgw_id = self.ident(res, attr, required=True)
        if tgw_id is None:
            return None
        tgw = self.network.transit_gateways.get(tgw_id)
        if tgw is None:
            self.warn(res, "VPCSIM_TF_NOT_IN_INPUT", f"transit gateway {tgw_id} is not in the input", attr)
        return tgw

    def map_transit_gateway_attachment(self, res: TfResource) -> None:
        tgw = self._gateway(res)
        vpc_id = self.ident(res, "vpc_id", required=True)
        if tgw is None or vpc_id is None:
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(res, "VPCSIM_TF_NOT_IN_INPUT", f"VPC {vpc_id} is not in the input", "vpc_id")
            return
        attachment = self.network.add(
            TransitGatewayAttachment(
                transit_gateway_attachment_id=self.own_id(res),
                transit_gateway_id=tgw.transit_gateway_id,
                resource_type="vpc",
                resource_id=vpc_id,
                subnet_ids=self.idents(res, "subnet_ids") or [],
                appliance_mode_support=self.text(res, "appliance_mode_support") == "enable",
                security_group_referencing_support=self.text(res, "security_group_referencing_support")
                != "disable",
                owner_id=vpc.owner_id,
                region=tgw.region,
                tags=self.tags_of(res),
            )
        )
        self._defaults(res, tgw, attachment)

    def _defaults(self, res: TfResource, tgw: TransitGateway, attachment: TransitGatewayAttachment) -> None:
        tables = self.network.transit_gateway_route_tables
        attachment_id = attachment.transit_gateway_attachment_id
        if (
            tgw.default_route_table_association
            and self.flag(res, "transit_gateway_default_route_table_association", True)
            and tgw.association_default_route_table_id in tables
        ):
            tables[tgw.association_default_route_table_id or ""].associations.append(attachment_id)
        if (
            tgw.default_route_table_propagation
            and self.flag(res, "transit_gateway_default_route_table_propagation", True)
            and tgw.propagation_default_route_table_id in tables
        ):
            tables[tgw.propagation_default_route_table_id or ""].propagations.append(attachment_id)
        self.network.touch()

    def map_transit_gateway_peering_attachment(self, res: TfResource) -> None:
        tgw = self._gateway(res)
        peer_id = self.ident(res, "peer_transit_gateway_id", required=True)
        if tgw is None or peer_id is None:
            return
        accepted = any(
            self.text(other, "transit_gateway_attachment_id") == self.own_id(res)
            for other in self.by_type.get("aws_ec2_transit_gateway_peering_attachment_accepter", [])
        )
        if not accepted:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                "no aws_ec2_transit_gateway_peering_attachment_accepter in the input accepts this peering: "
                "it is kept pendingAcceptance (routes to it drop their traffic)",
            )
        self.network.add(
            TransitGatewayAttachment(
                transit_gateway_attachment_id=self.own_id(res),
                transit_gateway_id=tgw.transit_gateway_id,
                resource_type="peering",
                resource_id=peer_id,
                peer_transit_gateway_id=peer_id,
                peer_region=self.text(res, "peer_region"),
                peer_owner_id=self.text(res, "peer_account_id"),
                state="available" if accepted else "pendingAcceptance",
                owner_id=tgw.owner_id,
                region=tgw.region,
                tags=self.tags_of(res),
            )
        )

    def map_transit_gateway_peering_accepter(self, res: TfResource) -> None:
        """Read with its requester (:meth:`map_transit_gateway_peering_attachment`)."""
        del res

    def map_transit_gateway_route_table(self, res: TfResource) -> None:
        tgw = self._gateway(res)
        if tgw is None:
            return
        self.network.add(
            TransitGatewayRouteTable(
                transit_gateway_route_table_id=self.own_id(res),
                transit_gateway_id=tgw.transit_gateway_id,
                owner_id=tgw.owner_id,
                region=tgw.region,
                tags=self.tags_of(res),
            )
        )

    def _table(self, res: TfResource) -> TransitGatewayRouteTable | None:
        table_id = self.ident(res, "transit_gateway_route_table_id", required=True)
        if table_id is None:
            return None
        table = self.network.transit_gateway_route_tables.get(table_id)
        if table is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"transit gateway route table {table_id} is not in the input: left out",
                "transit_gateway_route_table_id",
            )
        return table

    def map_transit_gateway_association(self, res: TfResource) -> None:
        table = self._table(res)
        attachment_id = self.ident(res, "transit_gateway_attachment_id", required=True)
        if table is None or attachment_id is None:
            return
        for other in self.network.transit_gateway_route_tables.values():
            if other.transit_gateway_id == table.transit_gateway_id and attachment_id in other.associations:
                other.associations.remove(attachment_id)  # replaces the default association
        table.associations.append(attachment_id)
        self.network.touch()

    def map_transit_gateway_propagation(self, res: TfResource) -> None:
        table = self._table(res)
        attachment_id = self.ident(res, "transit_gateway_attachment_id", required=True)
        if table is None or attachment_id is None:
            return
        if attachment_id not in table.propagations:
            table.propagations.append(attachment_id)
        self.network.touch()

    def map_transit_gateway_route(self, res: TfResource) -> None:
        table = self._table(res)
        if table is None:
            return
        blackhole = self.flag(res, "blackhole", False)
        destination = self.cidr4(res, self.get(res, "destination_cidr_block"), "destination_cidr_block")
        prefix_list = self.ident(res, "prefix_list_id")
        if destination is None and prefix_list is None:
            self.warn(res, "VPCSIM_TF_UNRESOLVED", "the route has no destination: left out")
            return
        table.routes.append(
            TransitGatewayRoute(
                destination_cidr_block=destination if prefix_list is None else None,
                prefix_list_id=prefix_list,
                transit_gateway_attachment_id=None
                if blackhole
                else self.ident(res, "transit_gateway_attachment_id"),
                blackhole=blackhole,
                state="blackhole" if blackhole else "active",
            )
        )
        self.network.touch()

    # ------------------------------------------------------------------ VPC endpoints

    def map_vpc_endpoint(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id", required=True)
        service = self.text(res, "service_name")
        if vpc_id is None or service is None:
            return
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(res, "VPCSIM_TF_NOT_IN_INPUT", f"VPC {vpc_id} is not in the input", "vpc_id")
            return
        kind = self.text(res, "vpc_endpoint_type") or "Gateway"
        if kind not in _ENDPOINT_TYPES:
            self.error(
                res, "VPCSIM_TF_BAD_VALUE", f"vpc_endpoint_type {kind!r} is not known", "vpc_endpoint_type"
            )
            return
        endpoint = self.network.add(
            VpcEndpoint(
                vpc_endpoint_id=self.own_id(res),
                vpc_id=vpc_id,
                service_name=service,
                vpc_endpoint_type=kind,  # type: ignore[arg-type]
                prefix_list_id=self.text(res, "prefix_list_id"),
                subnet_ids=self.idents(res, "subnet_ids") or [],
                group_ids=self.idents(res, "security_group_ids") or [],
                network_interface_ids=[
                    e
                    for e in self.idents(res, "network_interface_ids") or []
                    if e in self.network.network_interfaces
                ],
                state=(self.text(res, "state") or "available").lower(),
                owner_id=vpc.owner_id,
                region=vpc.region,
                tags=self.tags_of(res),
            )
        )
        if endpoint.prefix_list_id is None and kind == "Gateway":
            named = [p for p in self.network.prefix_lists.values() if p.prefix_list_name == service]
            endpoint.prefix_list_id = named[0].prefix_list_id if named else None
        for table_id in self.idents(res, "route_table_ids") or []:
            self._endpoint_route(res, endpoint, table_id)

    def _endpoint_route(self, res: TfResource, endpoint: VpcEndpoint, table_id: str) -> None:
        if table_id not in endpoint.route_table_ids:
            endpoint.route_table_ids.append(table_id)
        table = self.network.route_tables.get(table_id)
        pl = endpoint.prefix_list_id
        if table is None or pl is None or endpoint.vpc_endpoint_type != "Gateway":
            return
        if not any(r.destination_prefix_list_id == pl for r in table.routes):
            table.routes.append(Route(destination_prefix_list_id=pl, gateway_id=endpoint.vpc_endpoint_id))
        self.network.touch()

    def _endpoint(self, res: TfResource) -> VpcEndpoint | None:
        endpoint_id = self.ident(res, "vpc_endpoint_id", required=True)
        if endpoint_id is None:
            return None
        endpoint = self.network.vpc_endpoints.get(endpoint_id)
        if endpoint is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC endpoint {endpoint_id} is not in the input",
                "vpc_endpoint_id",
            )
        return endpoint

    def map_vpc_endpoint_route_table_association(self, res: TfResource) -> None:
        endpoint = self._endpoint(res)
        table_id = self.ident(res, "route_table_id", required=True)
        if endpoint is not None and table_id is not None:
            self._endpoint_route(res, endpoint, table_id)

    def map_vpc_endpoint_subnet_association(self, res: TfResource) -> None:
        endpoint = self._endpoint(res)
        subnet_id = self.ident(res, "subnet_id", required=True)
        if endpoint is not None and subnet_id is not None and subnet_id not in endpoint.subnet_ids:
            endpoint.subnet_ids.append(subnet_id)
            self.network.touch()

    def map_vpc_endpoint_security_group_association(self, res: TfResource) -> None:
        endpoint = self._endpoint(res)
        group_id = self.ident(res, "security_group_id", required=True)
        if endpoint is not None and group_id is not None and group_id not in endpoint.group_ids:
            endpoint.group_ids.append(group_id)
            self.network.touch()
