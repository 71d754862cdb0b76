"""SARIF 2.1.0 and JUnit XML for CI systems: exposure findings and policy results.

Why here: GitHub code scanning, GitLab and most CI servers read SARIF (findings with rules,
levels and locations) and JUnit XML (one test case per assertion); emitting them lets
``exposure`` and ``check`` gate a pipeline without glue scripts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..model.problems import Location
from .exposure import SENSITIVE_PORTS, ExposureResult
from .policy import CheckResult, slug

_package = "vpcsim"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vpcsim/vpcsim"
_LEVELS = {"high": "error", "medium": "warning", "low": "note"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version(_package)
    except Exception:  # pragma: no cover - not installed
        return "0"


def _artifact(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    uri = Path(path).as_posix()
    return {"artifactLocation": {"uri": uri}}


def _run(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vpcsim",
                        "version": _version(),
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _physical(
    network_path: str | None, locations: Mapping[str, Location], *resource_ids: str | None
) -> dict[str, Any]:
    """The network file, with the line and column where the first of ``resource_ids`` that the
    loader located is defined (YAML specs); the file alone otherwise."""
    artifact = _artifact(network_path)
    if not artifact:
        return {}
    for rid in resource_ids:
        where = locations.get(rid or "")
        if where is not None and where.line is not None:
            region: dict[str, Any] = {"startLine": where.line}
            if where.column is not None:
                region["startColumn"] = where.column
            return {**artifact, "region": region}
    return artifact


def exposure_sarif(
    result: ExposureResult,
    network_path: str | None = None,
    locations: Mapping[str, Location] | None = None,
) -> dict[str, Any]:
    """One rule per severity; one result per finding, located at the ENI (logical) and where the
    network file defines it (physical: the file, and its line for a YAML spec; ``locations`` is
    the loader's resource id -> location)."""
    rules = [
        {
            "id": f"VPCSIM_EXPOSURE_{level.upper()}",
            "name": f"InternetExposure{level.capitalize()}",
            "shortDescription": {"text": f"{level.capitalize()}-severity exposure to the internet"},
            "fullDescription": {
                "text": (
                    "The internet can deliver this traffic to the network interface through its real path "
                    "(public address, internet gateway, routes, network ACLs, security groups). High: "
                    f"sensitive ports ({', '.join(str(p) for p in sorted(SENSITIVE_PORTS))}) or every port open "
                    "to every internet address; medium: sensitive ports open to part of the internet, or other "
                    "non-web traffic open to all of it; low: the rest."
                )
            },
            "defaultConfiguration": {"level": _LEVELS[level]},
        }
        for level in ("high", "medium", "low")
    ]
    results = []
    for finding in result.findings:
        location: dict[str, Any] = {
            "logicalLocations": [
                {
                    "name": finding.eni,
                    "fullyQualifiedName": f"{finding.instance}/{finding.eni}"
                    if finding.instance
                    else finding.eni,
                    "kind": "resource",
                }
            ]
        }
        physical = _physical(network_path, locations or {}, finding.eni, finding.instance)
        if physical:
            location["physicalLocation"] = physical
        results.append(
            {
                "ruleId": f"VPCSIM_EXPOSURE_{finding.severity.upper()}",
                "level": _LEVELS[finding.severity],
                "message": {
                    "text": f"{finding.address} ({finding.instance or finding.eni}) accepts {finding.describe()}; "
                    f"path: {' -> '.join(finding.path)}"
                },
                "locations": [location],
                "partialFingerprints": {
                    "vpcsimFinding": f"{finding.eni}/{finding.address}/{finding.entry.traffic.describe()}/{','.join(finding.entry.sources)}"
                },
                "properties": finding.to_dict(),
            }
        )
    return _run(rules, results)


def check_sarif(result: CheckResult, policy_path: str) -> dict[str, Any]:
    """One rule per assertion; one result per failed (error) or unknown (warning) assertion,
    located at the assertion's line in the policy file."""
    rules = []
    results = []
    for index, a in enumerate(result.assertions):
        rule_id = f"policy/{index + 1}-{slug(a.name)}"
        rules.append({"id": rule_id, "name": slug(a.name), "shortDescription": {"text": a.name}})
        if a.status == "pass":
            continue
        detail = "; ".join(v.describe() for v in a.violations[:5]) or "; ".join(a.warnings)
        more = f" (and {a.violation_count - 5} more)" if a.violation_count > 5 else ""
        location = {"physicalLocation": {**_artifact(policy_path), "region": {"startLine": max(a.line, 1)}}}
        results.append(
            {
                "ruleId": rule_id,
                "level": "error" if a.status == "fail" else "warning",
                "message": {"text": f"{a.name}: {a.status}: {detail}{more}"},
                "locations": [location],
                "properties": a.to_dict(),
            }
        )
    return _run(rules, results)


def check_junit(result: CheckResult, suite: str) -> str:
    """JUnit XML: one test case per assertion; failures for ``fail``, skipped for ``unknown``."""
    failures = sum(1 for a in result.assertions if a.status == "fail")
    skipped = sum(1 for a in result.assertions if a.status == "unknown")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="vpcsim check" tests="{len(result.assertions)}" failures="{failures}" errors="0" skipped="{skipped}">',
        f'  <testsuite name={quoteattr(suite)} tests="{len(result.assertions)}" failures="{failures}" errors="0" skipped="{skipped}">',
    ]
    for a in result.assertions:
        head = f"    <testcase name={quoteattr(a.name)} classname={quoteattr('vpcsim.check.' + slug(suite))}"
        if a.status == "pass":
            lines.append(head + " />")
            continue
        body = "\n".join(v.describe() for v in a.violations) or "\n".join(a.warnings)
        if a.violation_count > len(a.violations):
            body += f"\n... {a.violation_count - len(a.violations)} more"
        lines.append(head + ">")
        message = (a.violations[0].describe() if a.violations else "; ".join(a.warnings)) or a.status
        if a.status == "fail":
            lines.append(
                f'      <failure message={quoteattr(message)} type="policy">{escape(body)}</failure>'
            )
        else:
            lines.append(f"      <skipped message={quoteattr('unknown: ' + message)} />")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"
