"""The pickers of the page's Build tab: every resource an EC2 API form can name, by kind.

Why: the Build tab's forms (create a subnet *in this VPC*, a route *to this gateway*, an instance
*in this subnet with these groups*) offer the resources that exist rather than asking for ids by
heart. Read-only, from the network the console serves; the forms themselves post EC2 Query
requests to the server, so what is offered here is never a write path.
"""

from __future__ import annotations

from typing import Any

from ..model import Network, Resource
from ..model.addressing import ROUTE_TARGET_KINDS

__all__ = ["resources"]


def _item(resource: Resource, resource_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": resource_id,
        "name": resource.tags.get("Name", ""),
        "account": resource.owner_id,
        "region": resource.region,
        **extra,
    }


def _route_targets(network: Network) -> list[dict[str, Any]]:
    """Every resource a route can point at, with the ``CreateRoute`` parameter that names it
    (``GatewayId``, ``NatGatewayId``...: the model's table of route targets, in AWS's spelling)."""
    targets: list[dict[str, Any]] = []
    for kind in ROUTE_TARGET_KINDS:
        param = "".join(part.capitalize() for part in kind.field.split("_"))
        collection: dict[str, Resource] = getattr(network, kind.collection)
        targets += [_item(r, rid, param=param) for rid, r in collection.items()]
    return targets


def resources(network: Network) -> dict[str, list[dict[str, Any]]]:
    """``{kind: [{id, name, account, region, ...}]}`` in the network's order; ``route_targets``
    with the ``CreateRoute`` parameter of each."""
    return {
        "route_targets": _route_targets(network),
        "vpcs": [_item(v, v.vpc_id, cidr=v.cidr_block) for v in network.vpcs.values()],
        "subnets": [
            _item(s, s.subnet_id, vpc=s.vpc_id, cidr=s.cidr_block, availability_zone=s.availability_zone)
            for s in network.subnets.values()
        ],
        "route_tables": [
            _item(t, t.route_table_id, vpc=t.vpc_id, main=t.main, subnets=list(t.subnet_ids))
            for t in network.route_tables.values()
        ],
        "internet_gateways": [
            _item(g, g.internet_gateway_id, vpcs=[a.vpc_id for a in g.attachments])
            for g in network.internet_gateways.values()
        ],
        "nat_gateways": [
            _item(g, g.nat_gateway_id, vpc=g.vpc_id, subnet=g.subnet_id, state=g.state)
            for g in network.nat_gateways.values()
        ],
        "security_groups": [
            _item(g, g.group_id, vpc=g.vpc_id, group_name=g.group_name)
            for g in network.security_groups.values()
        ],
        "network_acls": [
            _item(a, a.network_acl_id, vpc=a.vpc_id, default=a.is_default, subnets=list(a.subnet_ids))
            for a in network.network_acls.values()
        ],
        "instances": [
            _item(i, i.instance_id, vpc=i.vpc_id, subnet=i.subnet_id, state=i.state)
            for i in network.instances.values()
        ],
    }
