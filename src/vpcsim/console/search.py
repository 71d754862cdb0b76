"""Search the network by id, Name tag or address: what the map's search box finds.

An id or Name matches on a case-insensitive substring; an address matches the ENIs and instances
holding it (private or public) and the subnets and VPCs whose CIDR contains it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..model import Instance, NatGateway, Network, NetworkInterface, Resource, Subnet, Vpc
from .details import _type
from .topology import label_of

LIMIT = 50


def _addresses(resource: Resource) -> list[str]:
    if isinstance(resource, NetworkInterface):
        out = []
        for private in resource.private_ip_addresses:
            out.append(private.private_ip_address)
            if private.public_ip:
                out.append(private.public_ip)
        return out
    if isinstance(resource, NatGateway):
        return [a for a in (resource.private_ip, resource.public_ip) if a]
    return []


def search(network: Network, query: str) -> list[dict[str, Any]]:
    """At most :data:`LIMIT` matches, exact id and address matches first, then by id."""
    text = query.strip()
    if not text:
        return []
    lowered = text.lower()
    try:
        address: ipaddress.IPv4Address | None = ipaddress.IPv4Address(text)
    except ValueError:
        address = None
    ranked: list[tuple[int, str, dict[str, Any]]] = []
    for resource in network.resources():
        how: str | None = None
        rank = 2
        if resource.id.lower() == lowered:
            how, rank = "id", 0
        elif address is not None and text in _addresses(resource):
            how, rank = "address", 0
        elif address is not None and isinstance(resource, Subnet | Vpc):
            cidrs = [resource.cidr_block] + (
                list(resource.secondary_cidr_blocks) if isinstance(resource, Vpc) else []
            )
            if any(address in ipaddress.IPv4Network(c, strict=False) for c in cidrs):
                how, rank = "contains the address", 1
        elif lowered in resource.id.lower():
            how = "id"
        elif resource.name and lowered in resource.name.lower():
            how, rank = "Name", 1 if resource.name.lower() == lowered else 2
        if how is None:
            continue
        ranked.append(
            (
                rank,
                resource.id,
                {"id": resource.id, "type": _type(resource), "label": label_of(resource), "match": how},
            )
        )
    ranked.sort(key=lambda item: (item[0], item[1]))
    matches = [item[2] for item in ranked[:LIMIT]]
    # an ENI found by address: its instance is what the map draws
    for match in matches:
        if match["type"] == "network-interface":
            instance = network.instance_of_eni(match["id"])
            if isinstance(instance, Instance):
                match["instance"] = instance.instance_id
    return matches
