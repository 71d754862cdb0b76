"""Typed reads of AWS JSON fields that fail with the field's JSON path.

The importer reads tens of thousands of objects, so these helpers are small functions with no
allocation on the happy path: an address is checked with ``inet_pton`` (C), not ``ipaddress``.
A bad value raises :class:`Bad`, whose ``path`` is relative to the object being read; the
caller prefixes it with the object's own path (``$.Subnets[3]`` + ``.CidrBlock``) and decides
whether to drop the object or only the field.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_AF_INET = socket.AF_INET
_AF_INET6 = socket.AF_INET6
_inet_pton = socket.inet_pton

WRONG_TYPE = "VPCSIM_WRONG_TYPE"
MISSING = "MissingParameter"
OUT_OF_RANGE = "InvalidParameterValue"


class Bad(Exception):
    """A value the importer cannot use: where it is (relative JSON path) and why."""

    def __init__(self, path: str, message: str, code: str = WRONG_TYPE) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.code = code


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def req_str(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if type(value) is str and value:
        return value
    if value is None:
        raise Bad(f".{key}", f"{key} is missing", MISSING)
    raise Bad(f".{key}", f"{key} must be a non-empty string, not {type_name(value)}")


def opt_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None or type(value) is str:
        return value
    raise Bad(f".{key}", f"{key} must be a string, not {type_name(value)}")


def opt_enum(item: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    """A string field that AWS draws from ``allowed`` (``vpcsim.model.states``); absent: ``default``."""
    value = item.get(key)
    if value is None:
        return default
    if type(value) is not str:
        raise Bad(f".{key}", f"{key} must be a string, not {type_name(value)}")
    if value not in allowed:
        raise Bad(
            f".{key}", f"{key} {value!r} is not one of AWS's values: {', '.join(allowed)}", OUT_OF_RANGE
        )
    return value


def opt_bool(item: dict[str, Any], key: str, default: bool) -> bool:
    value = item.get(key)
    if value is None:
        return default
    if type(value) is bool:
        return value
    raise Bad(f".{key}", f"{key} must be true or false, not {type_name(value)}")


def opt_int(item: dict[str, Any], key: str, low: int, high: int) -> int | None:
    """An integer in ``low..high`` (AWS sometimes writes numbers as strings: accepted)."""
    value = item.get(key)
    if value is None:
        return None
    if type(value) is str:
        try:
            value = int(value)
        except ValueError:
            raise Bad(f".{key}", f"{key} must be an integer, not {type_name(value)}") from None
    if type(value) is not int:
        raise Bad(f".{key}", f"{key} must be an integer, not {type_name(value)}")
    if not low <= value <= high:
        raise Bad(f".{key}", f"{key} {value} is outside {low}..{high}", OUT_OF_RANGE)
    return value


def opt_list(item: dict[str, Any], key: str) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if type(value) is list:
        return value
    raise Bad(f".{key}", f"{key} must be a list, not {type_name(value)}")


def opt_dict(item: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = item.get(key)
    if value is None or type(value) is dict:
        return value
    raise Bad(f".{key}", f"{key} must be an object, not {type_name(value)}")


def as_dict(value: object, path: str) -> dict[str, Any]:
    if type(value) is dict:
        return value
    raise Bad(path, f"expected an object, not {type_name(value)}")


def ipv4(item: dict[str, Any], key: str) -> str:
    value = req_str(item, key)
    try:
        _inet_pton(_AF_INET, value)
    except OSError:
        raise Bad(f".{key}", f"{key} {value!r} is not an IPv4 address", OUT_OF_RANGE) from None
    return value


def opt_ipv4(item: dict[str, Any], key: str) -> str | None:
    if item.get(key) is None:
        return None
    return ipv4(item, key)


def ipv6(item: dict[str, Any], key: str) -> str:
    value = req_str(item, key)
    try:
        _inet_pton(_AF_INET6, value)
    except OSError:
        raise Bad(f".{key}", f"{key} {value!r} is not an IPv6 address", OUT_OF_RANGE) from None
    return value


def cidr_ok(value: str, v6: bool) -> bool:
    """Whether ``value`` is ``address/length`` with a valid address and length (fast check)."""
    address, sep, length = value.partition("/")
    if not sep or not length.isdigit() or len(length) > 3:
        return False
    if int(length) > (128 if v6 else 32):
        return False
    try:
        _inet_pton(_AF_INET6 if v6 else _AF_INET, address)
    except OSError:
        return False
    return True


def cidr(item: dict[str, Any], key: str, v6: bool = False) -> str:
    value = req_str(item, key)
    if not cidr_ok(value, v6):
        family = "IPv6" if v6 else "IPv4"
        raise Bad(f".{key}", f"{key} {value!r} is not an {family} CIDR block", OUT_OF_RANGE)
    return value


def network_block(item: dict[str, Any], key: str, v6: bool = False) -> str:
    """A VPC or subnet block, canonical (``10.0.0.18/16`` -> ``10.0.0.0/16``), as AWS stores it."""
    value = cidr(item, key, v6)
    network = ipaddress.ip_network(value, strict=False)
    return str(network)


def tags(item: dict[str, Any], key: str = "Tags") -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` as a dict; a value that is not a string is turned into one."""
    raw = item.get(key)
    if not raw:
        return {}
    if type(raw) is not list:
        raise Bad(f".{key}", f"{key} must be a list, not {type_name(raw)}")
    result: dict[str, str] = {}
    for index, tag in enumerate(raw):
        if type(tag) is not dict or type(tag.get("Key")) is not str:
            raise Bad(f".{key}[{index}]", "a tag must be an object with a string Key")
        value = tag.get("Value")
        result[tag["Key"]] = "" if value is None else str(value)
    return result
