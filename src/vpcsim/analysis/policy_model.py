"""The policy file of ``vpcsim check``: its grammar as pydantic models, its JSON Schema, and a
YAML reader whose errors name the file, line, column and key.

Why pydantic: the models are the grammar, the validator and the source of the published JSON
Schema at once, so the three cannot drift apart (``docs/policy.md``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..formats.problems import InputError, LoadProblem, Location
from ..formats.spec import byte_position
from ..formats.spec_yaml import check_depth, syntax_error, unreadable_scalar

FLOW_PATTERN = r"^(all|tcp|udp|icmp|[0-9]{1,3})(/([0-9]{1,5}(-[0-9]{1,5})?|[0-9]{1,3}(:[0-9]{1,3})?))?$"
_FLOW = re.compile(FLOW_PATTERN)
CLIENT_PORTS_PATTERN = r"^(linux|windows|nat|[0-9]{1,5}-[0-9]{1,5})$"

Values = str | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SelectorSpec(_Strict):
    """ENIs selected by every key given (keys combine with AND; a list of values is an OR)."""

    all: bool | None = Field(None, description="Every ENI of the network (NAT gateways' aside).")
    instance: Values | None = Field(None, description="Instances by id or Name tag: all their ENIs.")
    eni: Values | None = Field(None, description="Network interfaces by id or Name tag.")
    subnet: Values | None = Field(None, description="ENIs in these subnets (id or Name tag).")
    security_group: Values | None = Field(
        None, description="ENIs carrying these security groups (id, group name or Name tag)."
    )
    vpc: Values | None = Field(None, description="ENIs in these VPCs (id or Name tag).")
    tag: dict[str, Values] | None = Field(
        None, description="ENIs whose instance (or the ENI itself) has these tags: {Key: Value or [Values]}."
    )
    except_: Selector | None = Field(None, alias="except", description="Remove what this selector selects.")


Selector = str | SelectorSpec
"""A string: ``internet``, ``all``, a name from ``endpoints``, an id (``i-``, ``eni-``, ``subnet-``,
``sg-``, ``vpc-``) or a Name tag."""


class Assertion(_Strict):
    name: str = Field(min_length=1, description="What the assertion says, as a CI test name.")
    description: str | None = None
    from_: Selector = Field(alias="from", description="The senders.")
    to: Selector = Field(description="The receivers.")
    allow: list[str] | None = Field(
        None,
        description="Flows every sender must be able to send every receiver, both ways, for every client port.",
        json_schema_extra={"items": {"pattern": FLOW_PATTERN}},
    )
    deny: list[str] | Literal["all"] | None = Field(
        None,
        description="Flows no sender may deliver to any receiver (a request that lands counts, reply or not).",
        json_schema_extra={"items": {"pattern": FLOW_PATTERN}},
    )
    only: list[str] | None = Field(
        None,
        description="Every flow a sender can deliver to a receiver must be one of these.",
        json_schema_extra={"items": {"pattern": FLOW_PATTERN}},
    )
    client_ports: str | None = Field(
        None,
        pattern=CLIENT_PORTS_PATTERN,
        description="The client's ephemeral ports: linux (default), windows, nat or LO-HI.",
    )

    @field_validator("allow", "only")
    @classmethod
    def _flows(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            check_flow(item)
        return value

    @field_validator("client_ports")
    @classmethod
    def _client_ports(cls, value: str | None) -> str | None:
        """A range the engine takes (``1024-655`` matches the pattern but is no range)."""
        from ..engine import parse_client_ports

        if value is not None:
            parse_client_ports(value)
        return value

    @field_validator("deny")
    @classmethod
    def _deny(cls, value: list[str] | str | None) -> list[str] | str | None:
        if isinstance(value, list):
            for item in value:
                check_flow(item)
        return value

    @model_validator(mode="after")
    def _some_check(self) -> Assertion:
        if self.allow is None and self.deny is None and self.only is None:
            raise ValueError("an assertion needs at least one of allow, deny, only")
        return self


class Policy(_Strict):
    """``vpcsim check NETWORK POLICY.yaml``."""

    version: Literal[1] = Field(1, description="The policy grammar's version.")
    endpoints: dict[str, Selector] = Field(default_factory=dict, description="Named endpoint sets.")
    assertions: list[Assertion] = Field(min_length=1)


SelectorSpec.model_rebuild()
Assertion.model_rebuild()
Policy.model_rebuild()


def check_flow(text: str) -> str:
    """A flow spec: ``all``, ``tcp``, ``tcp/22``, ``tcp/1024-65535``, ``udp/53``, ``icmp``,
    ``icmp/8`` (a type), ``icmp/3:4`` (type and code), or a protocol number (``47``)."""
    match = _FLOW.match(text.strip().lower())
    if match is None:
        raise ValueError(
            f"flow {text!r}: use all, tcp, tcp/22, tcp/1024-65535, udp/53, icmp, icmp/8, icmp/3:4 or a protocol number"
        )
    proto, _, rest = match.group(1), match.group(2), match.group(3)
    if rest is not None:
        if proto in ("tcp", "udp"):
            lo, _, hi = rest.partition("-")
            if ":" in rest or not 0 <= int(lo) <= int(hi or lo) <= 65535:
                raise ValueError(f"flow {text!r}: ports are 0-65535, LO <= HI")
        elif proto == "icmp":
            t, _, c = rest.partition(":")
            if "-" in rest or not (0 <= int(t) <= 255 and (not c or 0 <= int(c) <= 255)):
                raise ValueError(f"flow {text!r}: ICMP type and code are 0-255")
        else:
            raise ValueError(f"flow {text!r}: only tcp, udp and icmp take /ports or /type")
    if proto.isdigit() and not 0 <= int(proto) <= 255:
        raise ValueError(f"flow {text!r}: protocol numbers are 0-255")
    return text


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vpcsim policy"
    return schema


# ---------------------------------------------------------------------------- reading


#: libyaml's parser (as the spec's reader): nodes with line and column, ten times faster.
_Located: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    key.value == part
                    or (part == "from_" and key.value == "from")
                    or (part == "except_" and key.value == "except")
                ):
                    node = value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _is_union_tag(part: str) -> bool:
    """Pydantic names union alternatives in error locations (``str``, ``SelectorSpec``...)."""
    return part in ("str", "SelectorSpec") or part.startswith(("list[", "literal[", "function-", "dict["))


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = {"from_": "from", "except_": "except"}.get(part, part)
            out += f".{name}" if out else name
    return out


def read_policy(path: str | Path) -> tuple[Policy, list[int]]:
    """Read and validate a policy file; returns it and each assertion's line (1-based).

    Raises :class:`InputError` naming file:line:column, the key path and what to fix.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise InputError(
            LoadProblem("error", "VPCSIM_POLICY", f"cannot read the policy: {exc.strerror}", Location(file))
        ) from None
    except UnicodeDecodeError as exc:
        message = f"cannot read the policy: it is not UTF-8 text (byte {exc.start})"
        where = Location(file, *byte_position(raw, exc.start))
        raise InputError(LoadProblem("error", "VPCSIM_POLICY", message, where)) from None
    loader = _Located(text)
    root: yaml.Node | None = None
    try:
        root = loader.get_single_node()
        if root is not None:
            check_depth(root, file)
        data = loader.construct_document(root) if root is not None else None
    except yaml.reader.ReaderError as exc:
        raise syntax_error(file, exc, text) from None
    except (ValueError, OverflowError):  # a 5,000-digit number, February 30th
        if root is None:
            raise
        raise unreadable_scalar(root, file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise InputError(
            LoadProblem("error", "VPCSIM_POLICY", f"not valid YAML: {getattr(exc, 'problem', exc)}", where)
        ) from None
    if root is None or not isinstance(data, dict):
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_POLICY",
                "a policy is a mapping with `assertions:` (see docs/policy.md)",
                Location(file, 1, 1),
            )
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        errors = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and _is_union_tag(p)))
            errors.append((loc, error))
        # A union reports every alternative: keep the most specific, and value errors first.
        locs = [loc for loc, _ in errors]
        errors = [
            (loc, e) for loc, e in errors if not any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs)
        ]
        errors.sort(key=lambda le: 0 if le[1]["type"] == "value_error" else 1)
        for loc, error in errors:
            node = _node_at(root, loc)
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}: see docs/policy.md for the keys"
            elif loc and loc[-1] == "deny" and error["type"] in ("list_type", "literal_error"):
                message = "deny is a list of flows (tcp/22, icmp, all...) or the word all"
            elif (
                loc
                and loc[-1] in ("from_", "to", "except_")
                and error["type"] in ("string_type", "model_type")
            ):
                message = (
                    "a selector is a string (internet, all, an endpoint name, an id, a Name tag) or a mapping"
                )
            problems.append(
                LoadProblem(
                    "error",
                    "VPCSIM_POLICY",
                    message,
                    Location(file, node.start_mark.line + 1, node.start_mark.column + 1, _path(loc) or None),
                )
            )
        # One problem per location: a union's alternatives each report the same place.
        unique: dict[tuple[object, ...], LoadProblem] = {}
        for p in problems:
            unique.setdefault((p.location.line, p.location.column, p.location.path), p)
        raise InputError(list(unique.values())) from None
    lines = []
    assertions = _node_at(root, ("assertions",))
    for index in range(len(policy.assertions)):
        node = _node_at(assertions, (index,)) if isinstance(assertions, yaml.SequenceNode) else root
        lines.append(node.start_mark.line + 1)
    return policy, lines
