"""Collect a live AWS network: every ``describe-*`` call the AWS importer reads, per region.

Why a collector: users should not have to know which dozen AWS CLI calls make a complete picture.
``collect`` calls them through boto3 (with paginators, so large accounts are complete) and writes
the layout :func:`vpcsim.formats.aws.load_aws` reads: ``DIR/ACCOUNT/REGION/<Key>.json``, one
file per top-level key (``Vpcs.json`` holds ``{"Vpcs": [...]}``).

A call the caller may not make (``AccessDenied``/``UnauthorizedOperation``), or one a region or
endpoint does not support, becomes a :class:`CollectWarning` and the rest goes on: a partial
picture is still useful, and the importer marks what it lacks as unknown. Missing credentials
stop everything (:class:`CollectError`): nothing could be collected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson

from .collect_elb import ELB_OPERATIONS, collect_classic, collect_elbv2

if TYPE_CHECKING:
    import boto3

__all__ = [
    "APIS",
    "CollectError",
    "CollectProgress",
    "CollectResult",
    "CollectWarning",
    "collect",
]

ProgressStatus = Literal["start", "done", "warning"]


@dataclass(frozen=True, slots=True)
class Api:
    """One EC2 call: the boto3 method, the key its response holds, the key the file gets."""

    operation: str
    result_key: str
    file_key: str = ""

    @property
    def key(self) -> str:
        return self.file_key or self.result_key


#: Every describe call the AWS importer reads, in the order they are made.
APIS: tuple[Api, ...] = (
    Api("describe_vpcs", "Vpcs"),
    Api("describe_subnets", "Subnets"),
    Api("describe_route_tables", "RouteTables"),
    Api("describe_internet_gateways", "InternetGateways"),
    Api("describe_egress_only_internet_gateways", "EgressOnlyInternetGateways"),
    Api("describe_nat_gateways", "NatGateways"),
    Api("describe_network_acls", "NetworkAcls"),
    Api("describe_security_groups", "SecurityGroups"),
    Api("describe_security_group_rules", "SecurityGroupRules"),
    Api("describe_network_interfaces", "NetworkInterfaces"),
    Api("describe_instances", "Reservations"),
    Api("describe_addresses", "Addresses"),
    Api("describe_prefix_lists", "PrefixLists"),
    # describe-managed-prefix-lists also answers "PrefixLists": written under its own key so the
    # importer can tell the two apart.
    Api("describe_managed_prefix_lists", "PrefixLists", "ManagedPrefixLists"),
    Api("describe_vpc_peering_connections", "VpcPeeringConnections"),
    Api("describe_vpc_endpoints", "VpcEndpoints"),
    Api("describe_vpn_gateways", "VpnGateways"),
    Api("describe_transit_gateways", "TransitGateways"),
    Api("describe_transit_gateway_attachments", "TransitGatewayAttachments"),
    Api("describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments"),
    Api("describe_transit_gateway_peering_attachments", "TransitGatewayPeeringAttachments"),
    Api("describe_transit_gateway_route_tables", "TransitGatewayRouteTables"),
)
#: Calls made once per transit gateway route table: (boto3 method, the response's key, the file
#: key). AWS's answers do not name their table, so ``collect`` writes
#: ``{"<file key>": [{"TransitGatewayRouteTableId": ..., "<response key>": [...]}]}``
#: (the shape :mod:`vpcsim.formats.aws_read_transit` reads).
TABLE_APIS: tuple[tuple[str, str, str], ...] = (
    ("get_transit_gateway_route_table_associations", "Associations", "TransitGatewayRouteTableAssociations"),
    (
        "get_transit_gateway_route_table_propagations",
        "TransitGatewayRouteTablePropagations",
        "TransitGatewayPropagations",
    ),
    ("search_transit_gateway_routes", "Routes", "TransitGatewayRoutes"),
)
ENTRIES_OPERATION = "get_managed_prefix_list_entries"
ENTRIES_KEY = "ManagedPrefixListEntries"
"""The raw API returns a list's entries without its id; ``collect`` writes
``{"ManagedPrefixListEntries": [{"PrefixListId": ..., "Entries": [...]}]}``."""

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_FATAL_BOTOCORE = ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound")


class CollectError(Exception):
    """Nothing can be collected (no credentials, unknown profile): the CLI exits 2."""

    def __init__(self, message: str, *, code: str = "VPCSIM_AWS") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class CollectWarning:
    """One call that failed without stopping the collection."""

    region: str
    operation: str
    code: str
    """AWS's error code (``AccessDenied``, ``UnauthorizedOperation``, ``InvalidAction``...)."""
    message: str

    def __str__(self) -> str:
        return f"{self.region}: {self.operation}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {
            "region": self.region,
            "operation": self.operation,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class CollectProgress:
    """A progress event: one call of one region starting, done, or failed with a warning."""

    region: str
    operation: str
    status: ProgressStatus
    step: int
    """Calls finished so far (all regions)."""
    total: int


@dataclass(slots=True)
class CollectResult:
    out_dir: Path
    account: str | None
    """None when neither STS nor any OwnerId told it: files are then under ``DIR/REGION/``."""
    regions: list[str]
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    """Items collected per key, all regions together."""
    warnings: list[CollectWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "account": self.account,
            "regions": self.regions,
            "files": [str(f) for f in self.files],
            "counts": dict(sorted(self.counts.items())),
            "warnings": [w.to_dict() for w in self.warnings],
        }


def collect(
    session: boto3.Session,
    regions: list[str],
    out_dir: Path,
    *,
    progress: Callable[[CollectProgress], None] | None = None,
    endpoint_url: str | None = None,
) -> CollectResult:
    """Call every describe API of :data:`APIS` (and the managed prefix lists' entries) in each
    region of ``session`` (a ``boto3.Session``) and write ``out_dir/ACCOUNT/REGION/<Key>.json``.

    The account comes from STS ``GetCallerIdentity`` (asked in the first region, so that no
    default region is needed), else from the data's ``OwnerId``. ``endpoint_url``, as the AWS
    CLI's ``--endpoint-url``, sends every call (EC2 and STS) there instead of AWS's endpoints: a
    LocalStack or moto server, a VPC endpoint, a proxy.
    """
    if not regions:
        raise CollectError("no region to collect: name at least one", code="VPCSIM_USAGE")
    total = len(regions) * (len(APIS) + 1 + len(TABLE_APIS) + len(ELB_OPERATIONS))
    account = _caller_account(session, regions[0], endpoint_url)
    result = CollectResult(out_dir=Path(out_dir), account=account, regions=list(regions))
    collected: dict[str, dict[str, list[Any]]] = {}
    step = 0

    def report(region: str, operation: str, status: ProgressStatus) -> None:
        if progress is not None:
            progress(CollectProgress(region, operation, status, step, total))

    for region in regions:
        client = session.client("ec2", region_name=region, endpoint_url=endpoint_url)
        documents: dict[str, list[Any]] = {}
        for api in APIS:
            report(region, api.operation, "start")
            items = _call(client, api, region, result.warnings)
            step += 1
            if items is not None:
                documents[api.key] = items
            report(region, api.operation, "done" if items is not None else "warning")
        report(region, ENTRIES_OPERATION, "start")
        entries = _prefix_list_entries(
            client, documents.get("ManagedPrefixLists", []), region, result.warnings
        )
        step += 1
        if entries is not None:
            documents[ENTRIES_KEY] = entries
        report(region, ENTRIES_OPERATION, "done" if entries is not None else "warning")
        for operation, response_key, file_key in TABLE_APIS:
            report(region, operation, "start")
            per_table = _per_route_table(
                client,
                operation,
                response_key,
                documents.get("TransitGatewayRouteTables", []),
                region,
                result.warnings,
            )
            step += 1
            if per_table is not None:
                documents[file_key] = per_table
            report(region, operation, "done" if per_table is not None else "warning")
        for operation in ELB_OPERATIONS:
            report(region, operation, "start")
            found = _load_balancer_documents(session, region, endpoint_url, operation, result.warnings)
            step += 1
            if found is not None:
                documents.update(found)
            report(region, operation, "done" if found is not None else "warning")
        collected[region] = documents
    if result.account is None:
        result.account = _owner_account(collected)
        if result.account is None:
            result.warnings.append(
                CollectWarning(
                    "-",
                    "sts.get_caller_identity",
                    "VPCSIM_NO_ACCOUNT",
                    "the account is unknown (STS refused and no resource names an OwnerId): files are written "
                    "without an account folder",
                )
            )
    for region, documents in collected.items():
        folder = result.out_dir / result.account / region if result.account else result.out_dir / region
        folder.mkdir(parents=True, exist_ok=True)
        for key, items in documents.items():
            path = folder / f"{key}.json"
            path.write_bytes(
                orjson.dumps({key: items}, option=orjson.OPT_INDENT_2 | orjson.OPT_NAIVE_UTC, default=str)
                + b"\n"
            )
            result.files.append(path)
            result.counts[key] = result.counts.get(key, 0) + len(items)
    return result


def _load_balancer_documents(
    session: Any, region: str, endpoint_url: str | None, operation: str, warnings: list[CollectWarning]
) -> dict[str, list[Any]] | None:
    """One of :data:`vpcsim.collect_elb.ELB_OPERATIONS` in one region (None when refused)."""
    service = operation.split(".")[0]
    reader = collect_elbv2 if service == "elbv2" else collect_classic

    def warn(name: str, exc: BaseException) -> None:
        warnings.append(_warning(region, name, exc))

    def fatal(exc: BaseException) -> bool:
        if _is_fatal(exc):
            raise CollectError(f"{region}: {operation}: {exc}", code="VPCSIM_AWS_CREDENTIALS") from exc
        return False

    return reader(session.client(service, region_name=region, endpoint_url=endpoint_url), warn, fatal)


def _error_name(exc: BaseException) -> str:
    return type(exc).__name__


def _is_fatal(exc: BaseException) -> bool:
    return any(cls.__name__ in _FATAL_BOTOCORE for cls in type(exc).__mro__)


def _call(client: Any, api: Api, region: str, warnings: list[CollectWarning]) -> list[Any] | None:
    """The call's items (all pages), or None with a warning when AWS refuses it."""
    try:
        if client.can_paginate(api.operation):
            response = client.get_paginator(api.operation).paginate().build_full_result()
        else:
            method = getattr(client, api.operation, None)
            if method is None:
                warnings.append(
                    CollectWarning(
                        region,
                        api.operation,
                        "UnsupportedOperation",
                        "not supported by this botocore version",
                    )
                )
                return None
            response = method()
    except Exception as exc:  # botocore's ClientError and BotoCoreError subclasses
        if _is_fatal(exc):
            raise CollectError(f"{region}: {api.operation}: {exc}", code="VPCSIM_AWS_CREDENTIALS") from exc
        warnings.append(_warning(region, api.operation, exc))
        return None
    items = response.get(api.result_key, [])
    return items if isinstance(items, list) else []


def _prefix_list_entries(
    client: Any, prefix_lists: list[Any], region: str, warnings: list[CollectWarning]
) -> list[dict[str, Any]] | None:
    out: list[dict[str, Any]] = []
    failed = 0
    for prefix_list in prefix_lists:
        pl_id = prefix_list.get("PrefixListId") if isinstance(prefix_list, dict) else None
        if not isinstance(pl_id, str):
            continue
        try:
            pages = client.get_paginator(ENTRIES_OPERATION).paginate(PrefixListId=pl_id).build_full_result()
        except Exception as exc:
            if _is_fatal(exc):
                raise CollectError(
                    f"{region}: {ENTRIES_OPERATION}: {exc}", code="VPCSIM_AWS_CREDENTIALS"
                ) from exc
            warnings.append(_warning(region, f"{ENTRIES_OPERATION} {pl_id}", exc))
            failed += 1
            continue
        out.append({"PrefixListId": pl_id, "Entries": pages.get("Entries", [])})
    if failed and not out:
        return None
    return out


def _per_route_table(
    client: Any,
    operation: str,
    response_key: str,
    tables: list[Any],
    region: str,
    warnings: list[CollectWarning],
) -> list[dict[str, Any]] | None:
    """One call per transit gateway route table, each answer wrapped with its table's id."""
    out: list[dict[str, Any]] = []
    failed = 0
    for table in tables:
        table_id = table.get("TransitGatewayRouteTableId") if isinstance(table, dict) else None
        if not isinstance(table_id, str):
            continue
        kwargs: dict[str, Any] = {"TransitGatewayRouteTableId": table_id}
        if operation == "search_transit_gateway_routes":
            kwargs["Filters"] = [{"Name": "type", "Values": ["static", "propagated"]}]
        try:
            if client.can_paginate(operation):
                response = client.get_paginator(operation).paginate(**kwargs).build_full_result()
            else:
                response = getattr(client, operation)(**kwargs)
        except Exception as exc:
            if _is_fatal(exc):
                raise CollectError(f"{region}: {operation}: {exc}", code="VPCSIM_AWS_CREDENTIALS") from exc
            warnings.append(_warning(region, f"{operation} {table_id}", exc))
            failed += 1
            continue
        items = response.get(response_key, [])
        out.append(
            {"TransitGatewayRouteTableId": table_id, response_key: items if isinstance(items, list) else []}
        )
    if failed and not out:
        return None
    return out


def _warning(region: str, operation: str, exc: BaseException) -> CollectWarning:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = str(error.get("Code") or _error_name(exc))
        message = str(error.get("Message") or exc)
    else:
        code, message = _error_name(exc), str(exc)
    return CollectWarning(region, operation, code, message)


def missing_credentials() -> str:
    """What to set when no credentials were found, naming the variable that is missing when the
    environment holds half of a key pair."""
    import os

    pair = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    present = [name for name in pair if os.environ.get(name)]
    if len(present) == 1:
        missing = next(name for name in pair if name not in present)
        return f"{present[0]} is set but {missing} is not: set {missing}"
    return "configure a profile (--profile, AWS_PROFILE), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"


def _caller_account(session: Any, region: str, endpoint_url: str | None = None) -> str | None:
    try:
        identity = session.client("sts", region_name=region, endpoint_url=endpoint_url).get_caller_identity()
    except Exception as exc:
        if _is_fatal(exc):
            raise CollectError(
                f"no AWS credentials: {exc} ({missing_credentials()})",
                code="VPCSIM_AWS_CREDENTIALS",
            ) from exc
        return None
    account = identity.get("Account") if isinstance(identity, dict) else None
    return account if isinstance(account, str) and _ACCOUNT_RE.match(account) else None


def _owner_account(collected: dict[str, dict[str, list[Any]]]) -> str | None:
    for documents in collected.values():
        for key in ("Vpcs", "SecurityGroups", "Subnets", "NetworkInterfaces"):
            for item in documents.get(key, []):
                owner = item.get("OwnerId") if isinstance(item, dict) else None
                if isinstance(owner, str) and _ACCOUNT_RE.match(owner):
                    return owner
    return None
