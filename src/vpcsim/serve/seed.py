"""``vpcsim serve --from NETWORK``: a network (YAML spec, AWS folder, Terraform JSON) written
into the store as the ``describe-*`` items the AWS exporter makes of it, one row per resource.
An account/region seeded this way is what the network says: no default VPC is added to it."""

from __future__ import annotations

from typing import Any

from ..formats.aws import network_to_aws_documents
from ..model import Network
from .store import Store

__all__ = ["ID_FIELDS", "OTHER_APIS", "not_served", "seed"]

#: describe-* key -> the id field of its items (the store's row id).
ID_FIELDS = {
    "Vpcs": "VpcId",
    "Subnets": "SubnetId",
    "RouteTables": "RouteTableId",
    "InternetGateways": "InternetGatewayId",
    "EgressOnlyInternetGateways": "EgressOnlyInternetGatewayId",
    "NatGateways": "NatGatewayId",
    "NetworkAcls": "NetworkAclId",
    "SecurityGroups": "GroupId",
    "ManagedPrefixLists": "PrefixListId",
    "ManagedPrefixListEntries": "PrefixListId",
    "NetworkInterfaces": "NetworkInterfaceId",
    "Instances": "InstanceId",
    "Addresses": "AllocationId",
    "VpcPeeringConnections": "VpcPeeringConnectionId",
    "VpcEndpoints": "VpcEndpointId",
    "VpnGateways": "VpnGatewayId",
    "TransitGateways": "TransitGatewayId",
    "TransitGatewayAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayVpcAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayPeeringAttachments": "TransitGatewayAttachmentId",
    "TransitGatewayRouteTables": "TransitGatewayRouteTableId",
}
#: Per-route-table answers: stored under the table's id with a suffix (as ``actions/transit_gateways``
#: stores them), so that the table's own row is the one its id names.
WRAPPED = {
    "TransitGatewayRouteTableAssociations": "#associations",
    "TransitGatewayPropagations": "#propagations",
    "TransitGatewayRoutes": "#routes",
    "TransitGatewayStaticRoutes": "#static-routes",
}
#: Listings whose content another listing already carries (rules inside their groups, AWS-managed
#: prefix lists among the managed ones).
_REDUNDANT = frozenset({"SecurityGroupRules", "PrefixLists"})
#: Listings of another API than EC2's (Elastic Load Balancing): the server answers the EC2 API
#: only, so they are not stored -- `vpcsim serve --from` says which it leaves out. (The load
#: balancers' node ENIs are EC2 network interfaces: they are stored.)
OTHER_APIS = frozenset(
    {
        "LoadBalancers",
        "LoadBalancerDescriptions",
        "LoadBalancerListeners",
        "LoadBalancerTargetHealth",
        "LoadBalancerAttributes",
        "TargetGroups",
        "TargetGroupAttributes",
        "ListenerRules",
    }
)


def not_served(network: Network) -> dict[str, int]:
    """How many items of each listing of another API than EC2's :func:`seed` leaves out."""
    counts: dict[str, int] = {}
    for documents in network_to_aws_documents(network).values():
        for key, items in documents.items():
            if key in OTHER_APIS and items:
                counts[key] = counts.get(key, 0) + len(items)
    return counts


def seed(store: Store, network: Network) -> dict[str, int]:
    """Write ``network`` into ``store``; returns how many items of each key were written."""
    counts: dict[str, int] = {}
    for (account, region), documents in sorted(network_to_aws_documents(network).items()):
        with store.transaction(account, region) as tx:
            tx.is_new_scope()  # exists now: it gets no default VPC
            for key, items in documents.items():
                if key in _REDUNDANT or key in OTHER_APIS:
                    continue
                for kind, item in _items(key, items):
                    if kind in WRAPPED:
                        tx.put(kind, str(item["TransitGatewayRouteTableId"]) + WRAPPED[kind], item)
                        counts[kind] = counts.get(kind, 0) + 1
                        continue
                    if kind == "TransitGatewayAttachments" and item.get("ResourceType") == "vpc":
                        continue  # TransitGatewayVpcAttachments describes it (the server's layout)
                    id_field = ID_FIELDS.get(kind)
                    if id_field is None:
                        raise ValueError(f"vpcsim serve cannot store {kind} yet")
                    resource_id = item.get(id_field) or item.get("PublicIp")
                    tx.put(kind, str(resource_id), item)
                    counts[kind] = counts.get(kind, 0) + 1
    return counts


def _items(key: str, items: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    if key == "Reservations":
        return [
            ("Instances", dict(instance, _ReservationId=reservation.get("ReservationId", "")))
            for reservation in items
            for instance in reservation.get("Instances", [])
        ]
    return [(key, item) for item in items]
