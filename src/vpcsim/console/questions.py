"""The console's questions, answered with the public API (``import vpcsim``): a flow traced with
its blockers, fixes and ``reach``. Each answer is the API
result's ``to_dict()`` (the ``--json`` documents, with ``schema_version``) plus what the page
draws: the ids of the map boxes on each path and the tutorial's troubleshooting checklist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import vpcsim

from ..analysis.why import CHECKLIST, OTHER_STEP
from ..model import Network

SCHEMA_VERSION = 1
#: The "internet access" codes that say the instance has no public address.
PUBLIC_IP_CODES = frozenset(
    {"IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"}
)


class FlowError(ValueError):
    """A flow the page asked for that cannot be built (an endpoint naming nothing...)."""


def flow_options(body: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's options from a request body, as :func:`vpcsim.trace` takes them."""
    source, destination = str(body.get("source") or "").strip(), str(body.get("destination") or "").strip()
    if not source or not destination:
        raise FlowError("give a source and a destination")
    protocol = str(body.get("protocol") or "tcp").strip().lower()
    options: dict[str, Any] = {"source": source, "destination": destination, "protocol": protocol}
    for key in ("port", "source_port", "icmp_type", "icmp_code"):
        value = body.get(key)
        if value in (None, ""):
            continue
        try:
            options[key] = int(value)
        except (TypeError, ValueError):
            raise FlowError(f"{key} must be a number, not {value!r}") from None
    return options


def checklist(trace: vpcsim.Trace, why: dict[str, Any]) -> list[dict[str, Any]]:
    """The tutorial's troubleshooting checklist for this flow, each item ``pass``, ``fail``,
    ``not reached`` (the flow stopped before it) or ``n/a`` (not on this path), with the codes
    that fail it: from the blockers ``why`` files
    under each step and the hops the trace crossed."""
    findings = why["blockers"]
    hops = [*trace.forward, *trace.return_]

    def crossed(step_kind: str, path: str | None = None) -> bool:
        chosen = trace.forward if path == "forward" else trace.return_ if path == "return" else hops
        return any(step.kind == step_kind for hop in chosen for step in hop.steps)

    def codes(pred: Any) -> list[str]:
        return sorted({f["code"] for f in findings if pred(f)})

    internet = any(h.type in ("internet", "internet-gateway") for h in hops) or any(
        f["checklist"] == "internet access" for f in findings
    )
    items = [
        (
            "security groups",
            "Security groups: outbound at the source, inbound at the destination",
            codes(lambda f: f["checklist"] == "security groups"),
            crossed("security-group"),
        ),
        (
            "network ACLs (request)",
            "Network ACLs on the request: outbound, then inbound",
            codes(lambda f: f["checklist"] == "network ACLs" and f["path"] == "forward"),
            crossed("network-acl", "forward"),
        ),
        (
            "network ACLs (reply)",
            "Network ACLs on the reply (stateless: the client's ports)",
            codes(lambda f: f["checklist"] == "network ACLs" and f["path"] == "return"),
            crossed("network-acl", "return"),
        ),
        (
            "route tables",
            "Route tables: a route to the destination and back",
            codes(lambda f: f["checklist"] in ("route tables", "placement")),
            crossed("route"),
        ),
        (
            "internet gateway",
            "Internet gateway: attached, and routed to",
            codes(lambda f: f["checklist"] == "internet access" and f["code"] not in PUBLIC_IP_CODES),
            internet,
        ),
        (
            "public IP",
            "Public IP: an Elastic IP or public address on the instance",
            codes(lambda f: f["code"] in PUBLIC_IP_CODES),
            internet,
        ),
    ]
    out = []
    stopped = trace.verdict != "reachable"
    for key, text, failing, relevant in items:
        if failing:
            status = "fail"
        elif relevant:
            status = "pass"
        elif stopped and key in (
            "security groups",
            "network ACLs (request)",
            "network ACLs (reply)",
            "route tables",
        ):
            status = "not reached"  # the flow stopped before this check
        else:
            status = "n/a"
        out.append({"item": key, "text": text, "status": status, "codes": failing})
    rest = codes(lambda f: f["checklist"] == "instances and components")
    if rest:
        out.append(
            {
                "item": "instances and components",
                "text": "Instances and components: state, checks",
                "status": "fail",
                "codes": rest,
            }
        )
    return out


def _traced(network: Network, body: Mapping[str, Any]) -> vpcsim.Trace:
    options = flow_options(body)
    source, destination = options.pop("source"), options.pop("destination")
    try:
        return vpcsim.trace(network, source, destination, **options)
    except ValueError as exc:  # EndpointError is a ValueError
        raise FlowError(str(exc)) from None


def trace_answer(network: Network, body: Mapping[str, Any]) -> dict[str, Any]:
    """``trace`` for the page's flow, the checklist from its blockers and the path's boxes: the
    first answer the page shows (``why`` and ``reach`` follow, they take longer on big networks)."""
    result = _traced(network, body)
    findings = [{**b.to_dict(), "checklist": CHECKLIST.get(b.code, OTHER_STEP)[1]} for b in result.blockers]
    return {
        "schema_version": SCHEMA_VERSION,
        "trace": result.to_dict(),
        "checklist": checklist(result, {"blockers": findings}),
        "path": {
            "forward": [hop.component for hop in result.forward],
            "return": [hop.component for hop in result.return_],
            "blocked": _blocked_hops(result),
        },
    }


def why_answer(network: Network, body: Mapping[str, Any]) -> dict[str, Any]:
    """``why`` for the page's flow (every blocker, revealed ones too, and the verified changes)
    and the checklist from all of them."""
    result = _traced(network, body)
    why = vpcsim.why(network, result.flow).to_dict()
    return {"schema_version": SCHEMA_VERSION, "why": why, "checklist": checklist(result, why)}


def reach_answer(network: Network, body: Mapping[str, Any]) -> dict[str, Any]:
    """``reach`` for the pair (``reach_error`` when an end is not one ``reach`` takes)."""
    options = flow_options(body)
    try:
        reach: dict[str, Any] | None = vpcsim.reach(
            network, options["source"], options["destination"]
        ).to_dict()
        error = None
    except ValueError as exc:
        reach, error = None, str(exc)
    return {"schema_version": SCHEMA_VERSION, "reach": reach, "reach_error": error}


def _blocked_hops(result: vpcsim.Trace) -> list[str]:
    """The hops where a blocker stops the flow: the hop holding the blocking component (a
    group on an ENI, an ACL on a subnet...), else the last hop of the blocked path. A route
    table's hop is told by the subnet hop before it (the map draws subnets, and a table may
    serve several)."""
    out: list[str] = []
    for blocker in result.blockers:
        hops = result.forward if blocker.path == "forward" else result.return_
        found = [
            i
            for i, hop in enumerate(hops)
            if hop.component == blocker.component
            or any(step.component == blocker.component for step in hop.steps)
        ]
        if not found and hops:
            found = [len(hops) - 1]
        components = []
        for i in found:
            if hops[i].type == "route-table" and i > 0 and hops[i - 1].type == "subnet":
                i -= 1
            components.append(hops[i].component)
        for component in components or [blocker.component]:
            if component not in out:
                out.append(component)
    return out
