"""A policy: assertions over flows between sets of endpoints, as plain validated data.

The grammar is a set of pydantic models: they are the grammar, the validator and the source of
the published JSON Schema at once, so the three cannot drift apart (``docs/policy.md``). The
policy sits in the model layer because two layers use it: :mod:`vpcsim.formats.policy` reads it
from YAML and :mod:`vpcsim.analysis.policy` checks a network against it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    endpoint: Values | None = Field(
        None, description="The network interfaces of these interface VPC endpoints (vpce- id or Name tag)."
    )
    load_balancer: Values | None = Field(
        None,
        description="The nodes of these load balancers (name or ARN): traffic to them follows the listeners to the targets.",
    )
    tag: dict[str, Values] | None = Field(
        None, description="ENIs whose instance (or the ENI itself) has these tags: {Key: Value or [Values]}."
    )
    except_: Selector | None = Field(None, alias="except", description="Remove what this selector selects.")


Selector = str | SelectorSpec
"""A string: ``internet``, ``all``, a name from ``endpoints``, an id (``i-``, ``eni-``, ``subnet-``,
``sg-``, ``vpc-``, ``vpce-``), a load balancer's ARN or name, or a Name tag."""


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
    over: Literal["ipv4", "ipv6", "both"] | None = Field(
        None,
        description="The address families the assertion ranges over: ipv4, ipv6 or both (default). Over IPv6 "
        "the pairs are the ENIs' IPv6 addresses and the IPv6 internet, and icmp means ICMPv6 (echo request: "
        "icmp/128).",
    )

    @field_validator("allow", "only")
    @classmethod
    def _flows(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            check_flow(item)
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
    if proto.isdigit() and not (proto.isascii() and len(proto) <= 3 and 0 <= int(proto) <= 255):
        raise ValueError(f"flow {text!r}: protocol numbers are 0-255")
    return text


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "vpcsim policy"
    return schema
