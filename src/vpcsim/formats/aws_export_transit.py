"""Transit gateway attachments and route tables as ``describe-*`` documents (the transit half of
:mod:`.aws_export`), in the shapes :mod:`.aws_read_transit` reads: per-table answers are
wrapped with their ``TransitGatewayRouteTableId``."""

from __future__ import annotations

from typing import Any

from ..model import TransitGateway, TransitGatewayAttachment, TransitGatewayRouteTable


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _flag(value: bool) -> str:
    return "enable" if value else "disable"


def transit_gateway_options(tgw: TransitGateway) -> dict[str, Any]:
    options: dict[str, Any] = {
        "AmazonSideAsn": tgw.amazon_side_asn,
        "DefaultRouteTableAssociation": _flag(tgw.default_route_table_association),
        "DefaultRouteTablePropagation": _flag(tgw.default_route_table_propagation),
        "SecurityGroupReferencingSupport": _flag(tgw.security_group_referencing_support),
    }
    if tgw.association_default_route_table_id:
        options["AssociationDefaultRouteTableId"] = tgw.association_default_route_table_id
    if tgw.propagation_default_route_table_id:
        options["PropagationDefaultRouteTableId"] = tgw.propagation_default_route_table_id
    return options


def export_attachment(documents: dict[str, list[Any]], attachment: TransitGatewayAttachment) -> None:
    attachment_id = attachment.transit_gateway_attachment_id
    documents["TransitGatewayAttachments"].append(
        {
            "ResourceId": attachment.resource_id,
            "ResourceOwnerId": attachment.owner_id,
            "ResourceType": attachment.resource_type,
            "State": attachment.state,
            "Tags": _tags(attachment.tags),
            "TransitGatewayAttachmentId": attachment_id,
            "TransitGatewayId": attachment.transit_gateway_id,
            "TransitGatewayOwnerId": attachment.owner_id,
        }
    )
    if attachment.resource_type == "vpc":
        documents["TransitGatewayVpcAttachments"].append(
            {
                "Options": {
                    "ApplianceModeSupport": _flag(attachment.appliance_mode_support),
                    "SecurityGroupReferencingSupport": _flag(attachment.security_group_referencing_support),
                },
                "State": attachment.state,
                "SubnetIds": list(attachment.subnet_ids),
                "Tags": _tags(attachment.tags),
                "TransitGatewayAttachmentId": attachment_id,
                "TransitGatewayId": attachment.transit_gateway_id,
                "VpcId": attachment.resource_id,
                "VpcOwnerId": attachment.owner_id,
            }
        )
    elif attachment.peer_transit_gateway_id:
        accepter: dict[str, Any] = {"TransitGatewayId": attachment.peer_transit_gateway_id}
        if attachment.peer_owner_id:
            accepter["OwnerId"] = attachment.peer_owner_id
        if attachment.peer_region:
            accepter["Region"] = attachment.peer_region
        documents["TransitGatewayPeeringAttachments"].append(
            {
                "AccepterTgwInfo": accepter,
                "RequesterTgwInfo": {
                    "OwnerId": attachment.owner_id,
                    "Region": attachment.region,
                    "TransitGatewayId": attachment.transit_gateway_id,
                },
                "State": attachment.state,
                "Tags": _tags(attachment.tags),
                "TransitGatewayAttachmentId": attachment_id,
            }
        )


def export_route_table(documents: dict[str, list[Any]], table: TransitGatewayRouteTable) -> None:
    table_id = table.transit_gateway_route_table_id
    documents["TransitGatewayRouteTables"].append(
        {
            "DefaultAssociationRouteTable": table.default_association_route_table,
            "DefaultPropagationRouteTable": table.default_propagation_route_table,
            "OwnerId": table.owner_id,
            "State": table.state,
            "Tags": _tags(table.tags),
            "TransitGatewayId": table.transit_gateway_id,
            "TransitGatewayRouteTableId": table_id,
        }
    )
    documents["TransitGatewayRouteTableAssociations"].append(
        {
            "TransitGatewayRouteTableId": table_id,
            "Associations": [
                {"State": "associated", "TransitGatewayAttachmentId": a} for a in table.associations
            ],
        }
    )
    documents["TransitGatewayPropagations"].append(
        {
            "TransitGatewayRouteTableId": table_id,
            "TransitGatewayRouteTablePropagations": [
                {"State": "enabled", "TransitGatewayAttachmentId": a} for a in table.propagations
            ],
        }
    )
    routes = []
    for route in table.routes:
        item: dict[str, Any] = {"State": "blackhole" if route.blackhole else route.state, "Type": route.type}
        if route.destination_cidr_block:
            item["DestinationCidrBlock"] = route.destination_cidr_block
        if route.prefix_list_id:
            item["PrefixListId"] = route.prefix_list_id
        if route.transit_gateway_attachment_id:
            item["TransitGatewayAttachments"] = [
                {"TransitGatewayAttachmentId": route.transit_gateway_attachment_id}
            ]
        routes.append(item)
    documents["TransitGatewayRoutes"].append({"TransitGatewayRouteTableId": table_id, "Routes": routes})
