"""Reachability Analyzer's API answered by the engine: network insights paths and analyses.

``StartNetworkInsightsAnalysis`` reads the caller's account/region state as a NETWORK through
the AWS importer (the same documents ``vpcsim trace http://...`` reads: one AWS-to-model
mapping), turns the path into a flow and traces it with the engine; the answer's shapes are
:mod:`vpcsim.serve.insights`'s. The analysis runs within the request, so it is ``succeeded``
(or ``failed``, with AWS's ``StatusMessage``) as soon as it is started.

``FilterInArns``/``FilterOutArns``: the engine's walk follows the one path routing gives, so a
path that does not cross a required component (or crosses an excluded one) is not found, with
AWS's ``COMPONENT_FILTER_RESTRICTION``. Paths and analyses are internal rows (``_`` kinds):
they are no part of the network; their tags come from ``TagSpecifications``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..._api import trace as trace_flow
from ...formats.aws_state import documents, load_documents
from ...formats.problems import InputError
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..insights import PathError, analysis_answer, arn, flow_for_path
from ..registry import action
from ..store import Transaction
from .tags import PREFIXES

PATHS = "_NetworkInsightsPaths"
ANALYSES = "_NetworkInsightsAnalyses"

PATH_FILTERS = {
    "destination": field("Destination"),
    "destination-ip": field("DestinationIp"),
    "filter-at-source.source-address": field("FilterAtSource", "SourceAddress"),
    "filter-at-source.destination-address": field("FilterAtSource", "DestinationAddress"),
    "filter-at-destination.source-address": field("FilterAtDestination", "SourceAddress"),
    "filter-at-destination.destination-address": field("FilterAtDestination", "DestinationAddress"),
    "protocol": field("Protocol"),
    "source": field("Source"),
    "source-ip": field("SourceIp"),
    "destination-port": field("DestinationPort"),
}
ANALYSIS_FILTERS = {"path-found": field("NetworkPathFound"), "status": field("Status")}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _resource_id(value: str) -> str:
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _check_end(tx: Transaction, value: str | None, role: str) -> str | None:
    """The id of a path's end, which must exist (AWS's not-found error of its type)."""
    if not value:
        return None
    resource_id = _resource_id(value)
    if tx.find(resource_id) is None:
        prefix = resource_id.split("-", 1)[0]
        nested = "-".join(resource_id.split("-")[:2])
        code = (PREFIXES.get(nested) or PREFIXES.get(prefix) or ("", "InvalidParameterValue"))[1]
        raise ApiError(code, f"The {role.lower()} '{value}' does not exist")
    return resource_id


def _filter(value: Any) -> dict[str, Any] | None:
    if not value:
        return None
    out = {k: v for k, v in value.items() if k in ("SourceAddress", "DestinationAddress") and v}
    for key in ("SourcePortRange", "DestinationPortRange"):
        if value.get(key):
            out[key] = {k: v for k, v in value[key].items() if v is not None}
    return out


@action("CreateNetworkInsightsPath")
def create_path(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    source = _check_end(tx, params.get("Source"), "Source")
    destination = _check_end(tx, params.get("Destination"), "Destination")
    if destination is None and not params.get("DestinationIp"):
        raise ApiError(
            "MissingParameter", "The request must contain the parameter destination or destinationIp"
        )
    port = params.get("DestinationPort")
    if port is not None and not 0 <= int(port) <= 65535:
        raise ApiError("InvalidParameterValue", f"Invalid value '{port}' for destinationPort")
    path_id = tx.new_id("nip")
    body: dict[str, Any] = {
        "NetworkInsightsPathId": path_id,
        "NetworkInsightsPathArn": arn(path_id, account=tx.account, region=tx.region),
        "CreatedDate": _now(),
        "Source": source,
        "Destination": destination,
        "SourceArn": arn(source, account=tx.account, region=tx.region) if source else None,
        "DestinationArn": arn(destination, account=tx.account, region=tx.region) if destination else None,
        "SourceIp": params.get("SourceIp"),
        "DestinationIp": params.get("DestinationIp"),
        "Protocol": str(params.get("Protocol", "")).lower(),
        "DestinationPort": port,
        "Tags": request.tags_for("network-insights-path"),
        "FilterAtSource": _filter(params.get("FilterAtSource")),
        "FilterAtDestination": _filter(params.get("FilterAtDestination")),
    }
    body = {k: v for k, v in body.items() if v is not None}
    tx.put(PATHS, path_id, body)
    return {"NetworkInsightsPath": body, "ClientToken": params.get("ClientToken")}


@action("DescribeNetworkInsightsPaths")
def describe_paths(request: Request) -> dict[str, Any]:
    items, token = request.describe(
        PATHS,
        ids=request.params.get("NetworkInsightsPathIds"),
        id_field="NetworkInsightsPathId",
        not_found_code="InvalidNetworkInsightsPathId.NotFound",
        what="network insights path",
        filters=PATH_FILTERS,
    )
    return {"NetworkInsightsPaths": items, "NextToken": token}


def _require_path(request: Request, path_id: str | None) -> dict[str, Any]:
    return request.require(
        PATHS, path_id or "", "InvalidNetworkInsightsPathId.NotFound", "network insights path"
    )


@action("DeleteNetworkInsightsPath")
def delete_path(request: Request) -> dict[str, Any]:
    path = _require_path(request, request.params.get("NetworkInsightsPathId"))
    path_id = path["NetworkInsightsPathId"]
    if any(a.get("NetworkInsightsPathId") == path_id for a in request.all(ANALYSES)):
        raise ApiError(
            "DependencyViolation", f"The network insights path '{path_id}' has analyses; delete them first."
        )
    request.delete(PATHS, path_id)
    return {"NetworkInsightsPathId": path_id}


def _network(tx: Transaction) -> Any:
    rows = ((tx.account, tx.region, kind, body) for kind, _, body in tx.every())
    return load_documents(documents(rows), f"vpcsim serve {tx.account}/{tx.region}").network


def _filtered(answer: dict[str, Any], filter_in: list[str], filter_out: list[str]) -> dict[str, Any]:
    """A found path that misses a component it must cross, or crosses one it must not, is not
    found (``COMPONENT_FILTER_RESTRICTION``)."""
    if not answer.get("NetworkPathFound") or not (filter_in or filter_out):
        return answer
    crossed = {
        c["Component"].get("Arn")
        for c in answer["ForwardPathComponents"] + answer["ReturnPathComponents"]
        if c.get("Component")
    }
    broken = [a for a in filter_in if a not in crossed] + [a for a in filter_out if a in crossed]
    if not broken:
        return answer
    explanations = [
        {
            "ExplanationCode": "COMPONENT_FILTER_RESTRICTION",
            "Component": {"Id": a.rsplit("/", 1)[-1], "Arn": a},
        }
        for a in broken
    ]
    return {**answer, "NetworkPathFound": False, "Explanations": explanations}


@action("StartNetworkInsightsAnalysis")
def start_analysis(request: Request) -> dict[str, Any]:
    tx = request.tx
    params = request.params
    path = _require_path(request, params.get("NetworkInsightsPathId"))
    filter_in = list(params.get("FilterInArns") or [])
    filter_out = list(params.get("FilterOutArns") or [])
    analysis_id = tx.new_id("nia")
    body: dict[str, Any] = {
        "NetworkInsightsAnalysisId": analysis_id,
        "NetworkInsightsAnalysisArn": arn(analysis_id, account=tx.account, region=tx.region),
        "NetworkInsightsPathId": path["NetworkInsightsPathId"],
        "AdditionalAccounts": list(params.get("AdditionalAccounts") or []),
        "FilterInArns": filter_in,
        "FilterOutArns": filter_out,
        "StartDate": _now(),
        "Tags": request.tags_for("network-insights-analysis"),
    }
    try:
        network = _network(tx)
        trace = trace_flow(network, flow_for_path(network, path))
        answer = analysis_answer(network, trace, account=tx.account, region=tx.region)
        body.update(_filtered(answer, filter_in, filter_out))
    except PathError as error:
        body.update({"Status": "failed", "StatusMessage": f"{error.code}: {error}"})
    except InputError as error:
        body.update({"Status": "failed", "StatusMessage": f"the network cannot be analysed: {error}"})
    tx.put(ANALYSES, analysis_id, body)
    return {"NetworkInsightsAnalysis": body}


@action("DescribeNetworkInsightsAnalyses")
def describe_analyses(request: Request) -> dict[str, Any]:
    params = request.params
    items = request.all(ANALYSES)
    if params.get("NetworkInsightsPathId"):
        items = [a for a in items if a.get("NetworkInsightsPathId") == params["NetworkInsightsPathId"]]
    for key, after in (("AnalysisStartTime", True), ("AnalysisEndTime", False)):
        if params.get(key) is not None:
            bound = params[key].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            items = [a for a in items if (a["StartDate"] >= bound if after else a["StartDate"] <= bound)]
    found, token = request.describe(
        ANALYSES,
        ids=params.get("NetworkInsightsAnalysisIds"),
        id_field="NetworkInsightsAnalysisId",
        not_found_code="InvalidNetworkInsightsAnalysisId.NotFound",
        what="network insights analysis",
        filters=ANALYSIS_FILTERS,
        items=items,
    )
    return {"NetworkInsightsAnalyses": found, "NextToken": token}


@action("DeleteNetworkInsightsAnalysis")
def delete_analysis(request: Request) -> dict[str, Any]:
    analysis_id = request.params.get("NetworkInsightsAnalysisId") or ""
    request.require(
        ANALYSES, analysis_id, "InvalidNetworkInsightsAnalysisId.NotFound", "network insights analysis"
    )
    request.delete(ANALYSES, analysis_id)
    return {"NetworkInsightsAnalysisId": analysis_id}
