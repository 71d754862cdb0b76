"""The JSON contracts of the CLI as pydantic models: their JSON Schemas are published in
``docs/schemas/`` (``python -m vpcsim.contracts docs/schemas``) and tests validate real outputs
against them, so that documentation, schema and output cannot drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .analysis.contracts import ANALYSIS_OUTPUTS
from .model.policy import policy_json_schema

PortRange = tuple[int, int]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HeaderOut(_Strict):
    source: str
    destination: str
    source_ports: list[PortRange] | None
    destination_ports: list[PortRange] | None


class StepOut(_Strict):
    kind: str
    component: str
    action: str
    direction: Literal["inbound", "outbound"] | None
    rule: str | None
    detail: str
    before: HeaderOut | None
    after: HeaderOut | None


class HopOut(_Strict):
    component: str
    type: str
    steps: list[StepOut]


class BlockerOut(_Strict):
    code: str
    component: str
    path: Literal["forward", "return"]
    direction: Literal["inbound", "outbound"] | None
    ports: list[PortRange] | None
    detail: str
    fix: str


class FlowOut(_Strict):
    protocol: str
    source: str
    destination: str
    destination_port: int | None
    source_ports: list[PortRange] | None
    icmp_type: int | None
    icmp_code: int | None
    source_eni: str | None


class TraceOut(_Strict):
    """``vpcsim trace|ping|ssh|curl --json``."""

    schema_version: Literal[1]
    verdict: Literal["reachable", "unreachable", "unknown"]
    reachable: bool
    flow: FlowOut
    forward: list[HopOut]
    return_: list[HopOut]
    blockers: list[BlockerOut]

    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=lambda n: n.rstrip("_"))


class ErrorBody(_Strict):
    code: str
    message: str
    location: str | None
    details: list[dict[str, Any]] | None = None


class ErrorOut(_Strict):
    """Any command's error under ``--json`` (exit status 2 or 70)."""

    schema_version: Literal[1]
    error: ErrorBody


OUTPUTS: dict[str, type[BaseModel]] = {"trace": TraceOut, "error": ErrorOut, **ANALYSIS_OUTPUTS}


def output_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of an output (``trace``, ``error``, ``reach``, ...) or of a policy file (``policy``)."""
    if name == "policy":
        return policy_json_schema()
    return OUTPUTS[name].model_json_schema(by_alias=True)


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in [*sorted(OUTPUTS), "policy"]:
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(output_schema(name), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for written_path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(written_path)
