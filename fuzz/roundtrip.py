"""What an export must keep: the network read back from an exported file equals the network
exported, field by field.

Lists whose order is no data (AWS returns them in any order) are compared as multisets, and the
Terraform reader's bookkeeping tags (where in the plan a resource was read, which addresses are
unknown until apply) are left out: an exported file is not the plan.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from vpcsim.model import Network
from vpcsim.model.network import COLLECTIONS

BOOKKEEPING = frozenset({"vpcsim:terraform_address", "vpcsim:unknown_address"})


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in BOOKKEEPING}
    if isinstance(value, list):
        return sorted((_plain(v) for v in value), key=repr)
    return value


def snapshot(network: Network) -> dict[str, Any]:
    """Every resource of every collection as plain data."""
    return {
        name: {rid: _plain(dataclasses.asdict(r)) for rid, r in getattr(network, name).items()}
        for name in COLLECTIONS.values()
    }


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where ``b`` differs from ``a`` (``lost``, ``added`` or ``old -> new``), as readable lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        found: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in b:
                found.append(f"{path}.{key}: lost ({str(a[key])[:200]})")
            elif key not in a:
                found.append(f"{path}.{key}: added ({str(b[key])[:200]})")
            else:
                found += differences(a[key], b[key], f"{path}.{key}")
        return found
    return [] if a == b else [f"{path}: {str(a)[:200]} -> {str(b)[:200]}"]


def signature(difference: str) -> str:
    """A difference without its ids and values: ``.route_tables.*.routes`` (groups one cause)."""
    where = difference.split(":", 1)[0]
    parts = where.split(".")
    # .collection.ID.field...: the id (which may itself hold dots, as ARNs do) becomes *
    head = parts[:2]
    fields = [p for p in parts[2:] if re.fullmatch(r"[a-z_]+", p)]
    return ".".join([*head, "*", *fields[-2:]])
