"""Terraform JSON: a plan or a state becomes a network, so it can be traced before apply.

``load_terraform(path)`` reads what ``terraform show -json`` writes for a plan (``planned_values``,
``resource_changes``, ``prior_state``, ``configuration``) or a state (``values.root_module`` with
its ``child_modules``), and also a raw ``terraform.tfstate`` (version 4). A plan is read as its
planned side: what exists after apply.

How a plan becomes traceable before apply (docs/terraform.md has the details):

* Values unknown until apply (``after_unknown``) are traced through the ``configuration`` block's
  references (``aws_vpc.main.id``, ``var.vpc_id`` through module calls, ``module.net.subnet_id``
  through module outputs, ``count.index``/``each.key`` instances).
* Ids unknown until apply are deterministic placeholders derived from the Terraform address;
  every resource carries its address in the tag ``vpcsim:terraform_address``.
* Addresses AWS assigns at launch get a deterministic stand-in, tagged
  ``vpcsim:unknown_address``, with a warning.

Resource types not modelled are counted in ``LoadResult.skipped``; bad values are reported with
the file and JSON path, and the load goes on where it safely can.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from ..model import DEFAULT_ACCOUNT, DEFAULT_REGION, Network
from ..model.network import COLLECTIONS
from .nesting import too_deep, too_deep_message
from .problems import InputError, LoadProblem, LoadResult, Location
from .terraform_base import ADDRESS_TAG, PLACEHOLDER_TAG
from .terraform_doc import TfDocument, TfResource, read_document
from .terraform_map_compute import ComputeMaps
from .terraform_map_elb import ELB_TYPES, ElbMaps, elb_phases
from .terraform_map_network import NetworkMaps
from .terraform_map_routing import RoutingMaps
from .terraform_map_security import SecurityMaps
from .terraform_map_transit import TransitMaps

__all__ = [
    "MAPPED_TYPES",
    "SUPPORTED_FORMAT_MAJORS",
    "is_terraform_document",
    "load_terraform",
    "load_terraform_document",
]

SUPPORTED_FORMAT_MAJORS = (0, 1)
"""``format_version`` majors of Terraform's JSON output this reader understands (0.x: Terraform
0.12-0.15; 1.x: Terraform 1.0 on). A new major means an incompatible change: refuse it."""

_ARN_RE = re.compile(r"^arn:aws[a-z-]*:ec2:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+):(\d{12})?:")
_ZONE_RE = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)[a-z]$")


#: Mapping order: what is referenced before what references it.
PHASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("aws_vpc", "aws_default_vpc"), "map_vpc"),
    (("aws_vpc_ipv4_cidr_block_association",), "map_cidr_association"),
    (("aws_vpc_ipv6_cidr_block_association",), "map_ipv6_cidr_association"),
    (("aws_subnet", "aws_default_subnet"), "map_subnet"),
    (("aws_internet_gateway",), "map_internet_gateway"),
    (("aws_internet_gateway_attachment",), "map_internet_gateway_attachment"),
    (("aws_egress_only_internet_gateway",), "map_egress_only_gateway"),
    (("aws_vpn_gateway",), "map_vpn_gateway"),
    (("aws_vpn_gateway_attachment",), "map_vpn_gateway_attachment"),
    (("aws_ec2_transit_gateway",), "map_transit_gateway"),
    (("aws_ec2_transit_gateway_vpc_attachment",), "map_transit_gateway_attachment"),
    (("aws_ec2_managed_prefix_list",), "map_prefix_list"),
    (("aws_ec2_managed_prefix_list_entry",), "map_prefix_list_entry"),
    (("aws_security_group",), "map_security_group"),
    (("aws_default_security_group",), "map_default_security_group"),
    (("aws_security_group_rule",), "map_security_group_rule"),
    (
        ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"),
        "map_vpc_security_group_rule",
    ),
    (("aws_network_interface",), "map_network_interface"),
    (("aws_instance",), "map_instance"),
    (("aws_network_interface_attachment",), "map_network_interface_attachment"),
    (("aws_network_interface_sg_attachment",), "map_network_interface_sg_attachment"),
    (("aws_eip",), "map_eip"),
    (("aws_eip_association",), "map_eip_association"),
    (("aws_nat_gateway",), "map_nat_gateway"),
    (("aws_vpc_peering_connection",), "map_peering"),
    (("aws_vpc_peering_connection_accepter",), "map_peering_accepter"),
    (("aws_route_table",), "map_route_table"),
    (("aws_default_route_table",), "map_default_route_table"),
    (("aws_route",), "map_route"),
    (("aws_route_table_association",), "map_route_table_association"),
    (("aws_main_route_table_association",), "map_main_route_table_association"),
    (("aws_network_acl",), "map_network_acl"),
    (("aws_default_network_acl",), "map_default_network_acl"),
    (("aws_network_acl_rule",), "map_network_acl_rule"),
    (("aws_network_acl_association",), "map_network_acl_association"),
    (("aws_ec2_transit_gateway_peering_attachment",), "map_transit_gateway_peering_attachment"),
    (("aws_ec2_transit_gateway_peering_attachment_accepter",), "map_transit_gateway_peering_accepter"),
    (("aws_ec2_transit_gateway_route_table",), "map_transit_gateway_route_table"),
    (("aws_ec2_transit_gateway_route_table_association",), "map_transit_gateway_association"),
    (("aws_ec2_transit_gateway_route_table_propagation",), "map_transit_gateway_propagation"),
    (
        ("aws_ec2_transit_gateway_route", "aws_ec2_transit_gateway_prefix_list_reference"),
        "map_transit_gateway_route",
    ),
    (("aws_vpc_endpoint",), "map_vpc_endpoint"),
    (("aws_vpc_endpoint_route_table_association",), "map_vpc_endpoint_route_table_association"),
    (("aws_vpc_endpoint_subnet_association",), "map_vpc_endpoint_subnet_association"),
    (("aws_vpc_endpoint_security_group_association",), "map_vpc_endpoint_security_group_association"),
    *elb_phases(),
)


class TerraformMapper(NetworkMaps, RoutingMaps, SecurityMaps, ComputeMaps, TransitMaps, ElbMaps):
    """Maps a document's resources onto one network, in dependency order (referenced first)."""

    def run(self) -> int:
        """Map every resource; returns how many resources of mapped types were read."""
        self.init_compute()
        mapped = {t for types, _ in PHASES for t in types}
        for res in self.doc.resources:
            self.derive(res)
            if res.type not in mapped:
                self.skip(res.type)
        handled = 0
        for types, method in PHASES:
            handler: Callable[[TfResource], None] = getattr(self, method)
            for rtype in types:
                for res in self.by_type.get(rtype, []):
                    handled += 1
                    try:
                        handler(res)
                    except (
                        ValueError,
                        TypeError,
                        KeyError,
                        AttributeError,
                    ) as exc:  # a value of an unexpected shape
                        self.error(
                            res,
                            "VPCSIM_TF_BAD_VALUE",
                            f"cannot be read ({type(exc).__name__}: {exc}): left out",
                        )
            if types[0] == "aws_nat_gateway":
                # Every interface exists: addresses known only after apply get their stand-ins.
                self.assign_addresses()
                self.link_eips()
                self.link_nat_gateways()
            if types[0] == "aws_main_route_table_association":
                self.apply_main_overrides()
            if types[0] == "aws_default_security_group":
                self.subtract_superseded_rules()
            if types[0] == "aws_default_network_acl":
                self.subtract_superseded_acl_rules()
        self.check_route_targets()
        self.check_group_references()
        self.check_mixed_rules()
        return handled

    def derive(self, res: TfResource) -> None:
        """Placeholder ids (and AWS's implicit resources' ids) for what is known only after apply."""
        known = res.values.get("id")
        if not (isinstance(known, str) and known) and res.type not in _ADOPTERS:
            res.derived["id"] = self.placeholder(res)
        if res.type in ELB_TYPES:
            self.derive_elb(res)
        if res.type in ("aws_vpc", "aws_default_vpc"):
            self.derive_vpc(res)
        elif res.type == "aws_instance":
            res.derived["primary_network_interface_id"] = self.placeholder(
                res, "primary_network_interface", "eni"
            )
        elif res.type == "aws_nat_gateway":
            res.derived["network_interface_id"] = self.placeholder(res, "network_interface", "eni")
        elif res.type == "aws_eip":
            res.derived["allocation_id"] = lambda: self.get(res, "id")
        elif res.type == "aws_default_route_table":
            res.derived["id"] = lambda: self.get(res, "default_route_table_id")
        elif res.type == "aws_default_network_acl":
            res.derived["id"] = lambda: self.get(res, "default_network_acl_id")
        elif res.type == "aws_vpc_peering_connection_accepter":
            res.derived["id"] = lambda: self.get(res, "vpc_peering_connection_id")
        elif (
            res.type == "aws_vpc_security_group_ingress_rule"
            or res.type == "aws_vpc_security_group_egress_rule"
        ):
            res.derived["security_group_rule_id"] = lambda: self.get(res, "id")


#: Types whose id is another resource's (they adopt or accept, they do not create).
_ADOPTERS = frozenset(
    {
        "aws_default_route_table",
        "aws_default_network_acl",
        "aws_default_security_group",
        "aws_vpc_peering_connection_accepter",
    }
)

MAPPED_TYPES: frozenset[str] = frozenset(t for types, _ in PHASES for t in types)


def is_terraform_document(doc: object) -> bool:
    """Whether a parsed JSON value is ``terraform show -json`` output or a raw tfstate."""
    if not isinstance(doc, dict):
        return False
    if "planned_values" in doc or "resource_changes" in doc:
        return True
    if "values" in doc and "format_version" in doc:
        return True
    return isinstance(doc.get("resources"), list) and "terraform_version" in doc and "version" in doc


def load_terraform(path: str | Path) -> LoadResult:
    """Load a ``terraform show -json`` file (plan or state) or a raw ``terraform.tfstate``.

    Raises :class:`InputError` (exit 2) for a missing, unreadable or malformed file, a binary
    plan, an unsupported ``format_version`` major, or a document with no resource vpcsim models.
    """
    file = Path(path)
    name = str(file)
    if not file.exists():
        raise InputError(LoadProblem("error", "VPCSIM_NOT_FOUND", "no such file", Location(file=name)))
    if file.is_dir():
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_TF_NOT_A_FILE",
                "a Terraform input is one JSON file: run `terraform show -json PLAN > plan.json` and give plan.json",
                Location(file=name),
            )
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(
            LoadProblem(
                "error", "VPCSIM_UNREADABLE", f"cannot read the file: {exc.strerror}", Location(file=name)
            )
        ) from None
    if data[:2] == b"PK":
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_TF_BINARY_PLAN",
                "this is a binary plan file: convert it with `terraform show -json PLAN > plan.json`",
                Location(file=name),
            )
        )
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_BAD_JSON",
                f"not valid JSON: {exc.msg}",
                Location(file=name, line=exc.lineno, column=exc.colno),
            )
        ) from None
    return load_terraform_document(doc, filename=name)


def _check_depth(doc: Any, filename: str | None) -> None:
    deep = too_deep(doc)
    if deep is not None:
        where = Location(file=filename, path=deep)
        raise InputError(LoadProblem("error", "VPCSIM_JSON_TOO_DEEP", too_deep_message(), where))


def load_terraform_document(doc: Any, *, filename: str | None = None) -> LoadResult:
    """Map a parsed ``terraform show -json`` document (plan or state) onto a network."""
    where = Location(file=filename, path="$")
    if not isinstance(doc, dict):
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_TF_NOT_TERRAFORM",
                "expected a JSON object from `terraform show -json`",
                where,
            )
        )
    _check_depth(doc, filename)
    _check_format(doc, filename)
    if not is_terraform_document(doc):
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_TF_NOT_TERRAFORM",
                "not Terraform JSON: expected `terraform show -json` output (planned_values/resource_changes, or "
                "values.root_module) or a terraform.tfstate",
                where,
            )
        )
    document = read_document(doc)
    account, region = _account_and_region(document)
    mapper = TerraformMapper(document, filename=filename, account=account, region=region)
    for code, message, path in document.problems:
        mapper.problems.append(LoadProblem("error", code, message, Location(file=filename, path=path)))
    handled = mapper.run()
    if handled == 0:
        skipped = (
            ", ".join(f"{t} x{n}" for t, n in sorted(mapper.skipped.items())) or "no managed resource at all"
        )
        raise InputError(
            [
                *mapper.problems,
                LoadProblem(
                    "error",
                    "VPCSIM_NO_INPUT",
                    f"no resource that vpcsim models (aws_vpc, aws_subnet, aws_instance...) in the input: {skipped}",
                    Location(file=filename),
                ),
            ]
        )
    network = mapper.network
    counts = {name: len(getattr(network, name)) for name in COLLECTIONS.values()}
    placeholders = sum(1 for r in network.resources() if r.tags.get(PLACEHOLDER_TAG) == "true")
    if placeholders:
        counts["placeholder_ids"] = placeholders
    paths = {res.address: res.json_path for res in document.resources}
    locations = {
        resource.id: Location(file=filename, path=paths[address])
        for resource in network.resources()
        if (address := resource.tags.get(ADDRESS_TAG)) in paths
    }
    return LoadResult(
        network=network,
        format="terraform",
        locations=locations,
        warnings=mapper.problems,
        skipped=dict(sorted(mapper.skipped.items())),
        counts={k: v for k, v in counts.items() if v},
        locate=_locator(document, network, filename),
    )


def _locator(
    document: TfDocument, network: Network, filename: str | None
) -> Callable[[str], tuple[str, Location | None]]:
    """A mapped resource as ``address (id)`` and where it is in the document: its Terraform
    address (the tag every mapped resource carries, with a ``:suffix`` for the resources
    Terraform creates implicitly) leads to the resource's JSON path."""
    paths: dict[str, str] = {}

    def locate(resource_id: str) -> tuple[str, Location | None]:
        resource = network.get(resource_id)
        address = resource.tags.get(ADDRESS_TAG) if resource is not None else None
        if not address:
            return resource_id, None
        if not paths:
            paths.update((res.address, res.json_path) for res in document.resources)
        path = paths.get(address) or paths.get(address.rsplit(":", 1)[0])
        return f"{address} ({resource_id})", Location(file=filename, path=path)

    return locate


def _check_format(doc: dict[str, Any], filename: str | None) -> None:
    version = doc.get("format_version")
    if version is None:
        return
    # a string of ASCII digits first ("1.2"); anything else (a number, 4,301 digits, full-width
    # digits) is no version Terraform writes, and is named without converting it
    small = isinstance(version, float) or (isinstance(version, int) and version.bit_length() < 64)
    text = version if isinstance(version, str) else str(version) if small else ""
    major_text = text.split(".", 1)[0]
    known = major_text.isascii() and major_text.isdigit() and len(major_text) <= 3
    if not known or int(major_text) not in SUPPORTED_FORMAT_MAJORS:
        shown = repr(text[:40]) if text else f"(a {type(version).__name__} too long to show)"
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_TF_FORMAT_VERSION",
                f"format_version {shown} is not supported: vpcsim reads Terraform JSON format "
                f"{' and '.join(f'{m}.x' for m in SUPPORTED_FORMAT_MAJORS)}",
                Location(file=filename, path="$.format_version"),
            )
        )


def _account_and_region(document: TfDocument) -> tuple[str, str]:
    """The region from the provider configuration, ARNs or availability zones; the account
    from ``owner_id`` or ARNs; vpcsim's defaults otherwise."""
    region: str | None = None
    account: str | None = None
    provider = document.configuration.get("provider_config")
    if isinstance(provider, dict):
        aws = provider.get("aws")
        expressions = aws.get("expressions") if isinstance(aws, dict) else None
        expression = expressions.get("region") if isinstance(expressions, dict) else None
        if isinstance(expression, dict) and isinstance(expression.get("constant_value"), str):
            region = expression["constant_value"]
    for res in document.resources:
        if region and account:
            break
        arn = res.values.get("arn")
        if isinstance(arn, str):
            match = _ARN_RE.match(arn)
            if match:
                region = region or match.group(1)
                account = account or match.group(2)
        owner = res.values.get("owner_id")
        if account is None and isinstance(owner, str) and owner.isdigit() and len(owner) == 12:
            account = owner
        zone = res.values.get("availability_zone")
        if region is None and isinstance(zone, str):
            zmatch = _ZONE_RE.match(zone)
            if zmatch:
                region = zmatch.group(1)
    return account or DEFAULT_ACCOUNT, region or DEFAULT_REGION
