"""The shared part of the Terraform mappers: attribute values, placeholders, tags and problems.

Why: every mapper needs the same three things. (1) An attribute's value, whether the document
knows it, vpcsim derived it (a placeholder id), or it is unknown until apply and must be traced
through the configuration's references (:meth:`TfBase.get`). (2) Deterministic placeholder ids
derived from Terraform addresses, so that a plan can be traced before apply and two loads of the
same plan give the same ids. (3) Problems with the file and JSON path, as every loader reports.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from ..model import Network, Resource, UnknownResource
from .problems import LoadProblem, Location
from .terraform_doc import UNKNOWN, References, TfDocument, TfResource, is_unknown

ADDRESS_TAG = "vpcsim:terraform_address"
"""The Terraform address a resource came from (``module.net.aws_subnet.a["x"]``): what ``diff``
matches on. Resources AWS creates implicitly carry their creator's address and a role
(``aws_vpc.main:default_route_table``)."""
UNKNOWN_ADDRESS_TAG = "vpcsim:unknown_address"
"""Comma-separated attributes (``private_ip``, ``public_ip``, ``cidr_block``) whose value AWS
assigns at apply: vpcsim put a deterministic stand-in there."""
PLACEHOLDER_TAG = "vpcsim:placeholder_id"
"""``true`` when the id is vpcsim's stand-in for an id known only after apply."""

#: EC2 id prefixes of resource types, for placeholder ids (mapped or only referenced).
ID_PREFIX: dict[str, str] = {
    "aws_vpc": "vpc",
    "aws_default_vpc": "vpc",
    "aws_subnet": "subnet",
    "aws_default_subnet": "subnet",
    "aws_route_table": "rtb",
    "aws_default_route_table": "rtb",
    "aws_route": "r",
    "aws_route_table_association": "rtbassoc",
    "aws_main_route_table_association": "rtbassoc",
    "aws_internet_gateway": "igw",
    "aws_internet_gateway_attachment": "igw",
    "aws_egress_only_internet_gateway": "eigw",
    "aws_nat_gateway": "nat",
    "aws_eip": "eipalloc",
    "aws_eip_association": "eipassoc",
    "aws_network_acl": "acl",
    "aws_default_network_acl": "acl",
    "aws_network_acl_rule": "nacl",
    "aws_network_acl_association": "aclassoc",
    "aws_security_group": "sg",
    "aws_default_security_group": "sg",
    "aws_security_group_rule": "sgrule",
    "aws_vpc_security_group_ingress_rule": "sgr",
    "aws_vpc_security_group_egress_rule": "sgr",
    "aws_instance": "i",
    "aws_network_interface": "eni",
    "aws_network_interface_attachment": "eni-attach",
    "aws_network_interface_sg_attachment": "sg",
    "aws_vpc_peering_connection": "pcx",
    "aws_vpc_peering_connection_accepter": "pcx",
    "aws_ec2_managed_prefix_list": "pl",
    "aws_ec2_managed_prefix_list_entry": "pl",
    "aws_vpc_ipv4_cidr_block_association": "vpc-cidr-assoc",
    "aws_vpc_ipv6_cidr_block_association": "vpc-cidr-assoc",
    "aws_vpn_gateway": "vgw",
    "aws_vpn_gateway_attachment": "vgw",
    "aws_ec2_transit_gateway": "tgw",
    "aws_ec2_transit_gateway_vpc_attachment": "tgw-attach",
    "aws_vpc_endpoint": "vpce",
    "aws_ec2_transit_gateway_peering_attachment": "tgw-attach",
    "aws_ec2_transit_gateway_route_table": "tgw-rtb",
}


def placeholder_id(prefix: str, address: str) -> str:
    """A stand-in id for an id known only after apply: EC2-shaped (17 hex digits) and derived
    from the Terraform address, so it is the same on every load of the plan."""
    digest = hashlib.sha256(f"terraform:{address}".encode()).hexdigest()
    return f"{prefix}-{digest[:17]}"


@dataclass(slots=True)
class BlockItem:
    """One element of a nested block (``route``, ``ingress``, ``entry``...), with the configuration
    block it came from (matched on its constant attributes) to resolve its unknown values."""

    values: dict[str, Any]
    config: dict[str, Any] | None
    index: int
    path: str
    unknown: Any


class TfBase:
    """State shared by the mappers: the document, the network under construction, problems."""

    def __init__(self, document: TfDocument, *, filename: str | None, account: str, region: str) -> None:
        self.doc = document
        self.filename = filename
        self.network = Network(account=account, region=region, seed="terraform")
        self.problems: list[LoadProblem] = []
        self.skipped: dict[str, int] = {}
        self.refs = References(document, self.get)
        self.by_type: dict[str, list[TfResource]] = {}
        for res in document.resources:
            self.by_type.setdefault(res.type, []).append(res)
        self._items_cache: dict[tuple[str, str], list[BlockItem]] = {}
        self.main_override: dict[str, tuple[str, TfResource]] = {}
        self.pending_group_refs: list[tuple[TfResource, str, str]] = []
        self.inline_rules_of: dict[str, tuple[TfResource, list[str]]] = {}
        """Group or ACL id -> (its resource, its inline rules as compared keys)."""
        self.separate_rules_of: dict[str, list[tuple[TfResource, list[str]]]] = {}
        """Group or ACL id -> (each separate rule resource, its rules as compared keys)."""
        """VPC id -> (its ``main_route_table_id`` when not its default table, the VPC's resource)."""

    def resource_of(self, resource_id: str) -> TfResource | None:
        """The Terraform resource a mapped resource came from (by the address it is tagged with):
        where a problem found after mapping is located."""
        found = self.network.get(resource_id)
        address = found.tags.get(ADDRESS_TAG, "") if found is not None else ""
        for candidate in (address, address.rsplit(":", 1)[0]):
            for res in self.doc.resources:
                if candidate and res.address == candidate:
                    return res
        return None

    # ------------------------------------------------------------------ problems

    def report(
        self, severity: str, code: str, message: str, res: TfResource | None = None, attr: str | None = None
    ) -> None:
        path = res.json_path if res is not None else None
        if res is not None and attr:
            path = f"{res.values_path or res.json_path}.{attr}"
        prefix = f"{res.address}: " if res is not None else ""
        self.problems.append(
            LoadProblem(
                "error" if severity == "error" else "warning",
                code,
                prefix + message,
                Location(file=self.filename, path=path),
            )
        )

    def warn(self, res: TfResource | None, code: str, message: str, attr: str | None = None) -> None:
        self.report("warning", code, message, res, attr)

    def error(self, res: TfResource | None, code: str, message: str, attr: str | None = None) -> None:
        self.report("error", code, message, res, attr)

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    # ------------------------------------------------------------------ values

    def get(self, res: TfResource, name: str, *, many: bool = False) -> Any:
        """An attribute: known in the document, derived by vpcsim, or traced through the
        configuration's references.

        ``UNKNOWN`` when it is known only after apply and nothing resolves it; None when it is
        absent, or computed by the provider without being configured (``source_security_group_id``
        of a CIDR rule, ``instance_id`` of a route to a NAT gateway).
        """
        value = res.values.get(name)
        unknown = res.unknown_at(name)
        if value is not None and not unknown and not (isinstance(value, list) and None in value):
            return value
        derived = res.derived.get(name)
        if derived is not None:
            result = derived() if callable(derived) else derived
            if not is_unknown(result) and result is not None:
                return result
        expression = self.refs.expression(res, name)
        return self._resolve(
            res, expression, value, unknown, many, self.refs.resource_config(res) is not None
        )

    def _resolve(
        self, res: TfResource, expression: Any, value: Any, unknown: bool, many: bool, configured: bool
    ) -> Any:
        if isinstance(expression, dict) and "references" in expression:
            resolved = self.refs.evaluate(expression, self.refs.context(res))
            if resolved:
                return self._shape(resolved, many, value)
        elif unknown and configured and expression is None:
            return None  # computed by the provider, not configured
        if not unknown:
            return [v for v in value if v is not None] if isinstance(value, list) else value
        return UNKNOWN

    def _shape(self, resolved: list[Any], many: bool, known: Any) -> Any:
        if many:
            out: list[Any] = [v for v in known if v is not None] if isinstance(known, list) else []
            for value in resolved:
                for item in value if isinstance(value, list) else [value]:
                    if item is not None and item not in out:
                        out.append(item)
            return out
        for value in resolved:
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if isinstance(value, str | int | float | bool):
                return value
        return UNKNOWN

    def text(self, res: TfResource, name: str) -> str | None:
        """A string attribute; None when absent or unknown, an error when of another type."""
        value = self.get(res, name)
        if value is None or is_unknown(value) or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(
                res, "VPCSIM_TF_BAD_VALUE", f"{name} is {type(value).__name__}, expected a string", name
            )
            return None
        return str(value)

    def ident(self, res: TfResource, name: str, *, required: bool = False) -> str | None:
        """An id attribute (``vpc_id``, ``subnet_id``...), resolved through references when unknown;
        a missing required one is reported."""
        value = self.text(res, name)
        if value is None and required:
            what = (
                "is unknown and no configuration reference resolves it"
                if res.unknown_at(name)
                else "is missing"
            )
            self.warn(res, "VPCSIM_TF_UNRESOLVED", f"{name} {what}: the resource is left out", name)
        return value

    def idents(self, res: TfResource, name: str) -> list[str] | None:
        """A list of ids; None when unknown and unresolvable (so callers can apply AWS's default)."""
        value = self.get(res, name, many=True)
        if is_unknown(value):
            return None
        if value is None:
            return []
        if not isinstance(value, list):
            value = [value]
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool) and str(v)]

    def flag(self, res: TfResource, name: str, default: bool) -> bool:
        value = self.get(res, name)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    def number(self, res: TfResource | None, value: Any, what: str, lo: int, hi: int) -> int | None:
        """An integer within ``lo..hi`` (strings of digits accepted, as Terraform coerces them)."""
        if isinstance(value, bool) or value is None or is_unknown(value):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.error(res, "VPCSIM_TF_BAD_VALUE", f"{what} {value!r} is not a number", what)
            return None
        if not lo <= number <= hi:
            self.error(res, "VPCSIM_TF_BAD_VALUE", f"{what} {number} is outside {lo}-{hi}", what)
            return None
        return number

    def cidr4(self, res: TfResource | None, value: Any, what: str) -> str | None:
        """A canonical IPv4 CIDR (``10.0.0.18/16`` -> ``10.0.0.0/16``, as the EC2 API does)."""
        if value is None or is_unknown(value) or value == "":
            return None
        try:
            return str(ipaddress.IPv4Network(str(value), strict=False))
        except ValueError:
            self.error(res, "InvalidParameterValue", f"{what} {value!r} is not an IPv4 CIDR block", what)
            return None

    def ip4(self, res: TfResource | None, value: Any, what: str) -> str | None:
        if value is None or is_unknown(value) or value == "":
            return None
        try:
            return str(ipaddress.IPv4Address(str(value)))
        except ValueError:
            self.error(res, "InvalidParameterValue", f"{what} {value!r} is not an IPv4 address", what)
            return None

    def ip6_list(self, res: TfResource, name: str) -> list[str]:
        """A list attribute of IPv6 addresses (``ipv6_addresses``), canonical; a value that is not
        one is an error naming it, and values known only after apply are left out."""
        out: list[str] = []
        for value in self.idents(res, name) or []:
            try:
                out.append(str(ipaddress.IPv6Address(str(value))))
            except ValueError:
                self.error(res, "InvalidParameterValue", f"{name} {value!r} is not an IPv6 address", name)
        return out

    # ------------------------------------------------------------------ nested blocks

    def items(self, res: TfResource, name: str) -> list[BlockItem]:
        """The elements of a nested block, each matched to its configuration block (sets come back
        in hash order, so matching is on the constant attributes, first unused match wins)."""
        cached = self._items_cache.get((res.address, name))
        if cached is not None:
            return cached
        configs = self.refs.blocks(res, name)
        raw = res.values.get(name)
        unknown_node = res.unknown.get(name) if isinstance(res.unknown, dict) else None
        out: list[BlockItem] = []
        if isinstance(raw, list):
            used: set[int] = set()
            for i, element in enumerate(raw):
                values = element if isinstance(element, dict) else {}
                match = None
                for j, config in enumerate(configs):
                    if j not in used and _matches(config, values):
                        match = j
                        break
                if match is not None:
                    used.add(match)
                node = (
                    unknown_node[i]
                    if isinstance(unknown_node, list) and i < len(unknown_node)
                    else unknown_node
                )
                out.append(
                    BlockItem(values, configs[match] if match is not None else None, i, f"{name}[{i}]", node)
                )
        elif res.unknown_at(name) or raw is None:
            # Unknown as a whole in the plan: the configuration's blocks are what will be applied.
            for j, config in enumerate(configs):
                constants = {
                    k: v["constant_value"]
                    for k, v in config.items()
                    if isinstance(v, dict) and "constant_value" in v
                }
                out.append(BlockItem(constants, config, j, f"{name}[{j}]", {}))
        self._items_cache[(res.address, name)] = out
        return out

    def item_get(self, res: TfResource, item: BlockItem, name: str, *, many: bool = False) -> Any:
        """An attribute of a nested block element, as :meth:`get` answers a resource's."""
        value = item.values.get(name)
        node = item.unknown.get(name) if isinstance(item.unknown, dict) else item.unknown
        unknown = node is True
        if value is not None and not unknown and not (isinstance(value, list) and None in value):
            return value
        expression = item.config.get(name) if item.config is not None else None
        return self._resolve(res, expression, value, unknown, many, item.config is not None)

    # ------------------------------------------------------------------ ids and tags

    def placeholder(self, res: TfResource, role: str | None = None, prefix: str | None = None) -> str:
        """A placeholder id for the resource (or, with a role, for what AWS creates with it)."""
        kind = prefix or ID_PREFIX.get(res.type, "tf")
        return placeholder_id(kind, f"{res.address}:{role}" if role else res.address)

    def own_id(self, res: TfResource) -> str:
        """The resource's id: known, or a placeholder derived from its address."""
        value = self.get(res, "id")
        if isinstance(value, str) and value:
            return value
        return self.placeholder(res)

    def tags_of(self, res: TfResource, role: str | None = None) -> dict[str, str]:
        tags: dict[str, str] = {}
        for key in ("tags_all", "tags"):
            raw = res.values.get(key)
            if isinstance(raw, dict) and raw:
                tags = {
                    str(k): str(v)
                    for k, v in raw.items()
                    if isinstance(v, str | int | float) and not isinstance(v, bool)
                }
                break
        tags[ADDRESS_TAG] = f"{res.address}:{role}" if role else res.address
        known = res.values.get("id")
        if not (isinstance(known, str) and known):
            tags[PLACEHOLDER_TAG] = "true"
        return tags

    def unknown(self, resource_id: str, kind: str, reason: str, referenced_by: str) -> None:
        """Record a component the input references but does not describe (a trace crossing it
        answers ``unknown``)."""
        existing = self.network.unknown_resources.get(resource_id)
        if existing is not None:
            if referenced_by not in existing.referenced_by:
                existing.referenced_by.append(referenced_by)
            return
        self.network.add(
            UnknownResource(
                resource_id=resource_id,
                resource_type=kind,
                reason=reason,
                referenced_by=[referenced_by],
                region=self.network.region,
                owner_id=self.network.account,
            )
        )

    def mark_unknown(self, resource: Resource, attribute: str) -> None:
        current = resource.tags.get(UNKNOWN_ADDRESS_TAG)
        parts = current.split(",") if current else []
        if attribute not in parts:
            parts.append(attribute)
        resource.tags[UNKNOWN_ADDRESS_TAG] = ",".join(parts)


def _norm(value: Any) -> Any:
    """A comparable form: lists in any order, text in any case. Nested lists become one text
    each (not the ``str`` of a list of texts, whose quoting doubles at every level)."""
    if isinstance(value, list):
        return sorted(_norm_text(v) for v in value)
    return str(value).lower()


def _norm_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(sorted(_norm_text(v) for v in value)) + "]"
    return str(value).lower()


def _matches(config: dict[str, Any], values: dict[str, Any]) -> bool:
    for key, expression in config.items():
        if not isinstance(expression, dict) or "constant_value" not in expression:
            continue
        have = values.get(key)
        want = expression["constant_value"]
        if have is None or want is None:
            continue
        if _norm(have) != _norm(want):
            return False
    return True
