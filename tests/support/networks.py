"""Compare two networks field by field: every resource, lists whose order AWS ignores sorted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from vpcsim.model import Network
from vpcsim.model.network import COLLECTIONS


def canonical(network: Network) -> dict[str, Any]:
    """Every field of every resource; lists whose order AWS ignores are sorted."""
    out: dict[str, Any] = {"account": network.account, "region": network.region}
    for name in COLLECTIONS.values():
        items = {}
        for rid, resource in getattr(network, name).items():
            data = asdict(resource)
            if name == "route_tables":
                data["routes"] = sorted(data["routes"], key=repr)
                data["subnet_ids"] = sorted(data["subnet_ids"])
            if name == "transit_gateway_route_tables":
                data["routes"] = sorted(data["routes"], key=repr)
                data["associations"] = sorted(data["associations"])
                data["propagations"] = sorted(data["propagations"])
            if name == "network_acls":
                data["entries"] = sorted(
                    data["entries"], key=lambda e: (e["egress"], e["rule_number"], repr(e))
                )
                data["subnet_ids"] = sorted(data["subnet_ids"])
            items[rid] = data
        out[name] = items
    return out


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                found.append(f"{path}.{key}: only on {'right' if key not in a else 'left'}")
            else:
                found += differences(a[key], b[key], f"{path}.{key}")
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
