"""The JSON contracts of the analysis commands, as pydantic models.

Why here: :mod:`vpcsim.contracts` publishes the CLI's schemas (``docs/schemas/``); these models
are the analysis commands' part, kept next to the code that produces the documents. Tests
validate real outputs against them; ``ANALYSIS_OUTPUTS`` is meant to be merged into
``vpcsim.contracts.OUTPUTS`` so that ``vpcsim schema reach`` and ``docs/schemas/`` cover them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PortRange = tuple[int, int]
Protocol = Literal["all", "tcp", "udp", "icmp", "icmpv6", "other"] | int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TrafficOut(_Strict):
    protocol: Protocol = Field(
        description="tcp, udp, icmp, icmpv6 (IPv6 entries), all (every protocol, port and type), a protocol number, or "
        "other (the protocol numbers in `protocols`, when more than three)."
    )
    ports: list[PortRange] | None = Field(description="TCP/UDP destination ports; null: every port.")
    icmp: list[PortRange] | None = Field(
        description="ICMP [type, code] pairs (code -1: every code); null: all."
    )
    protocols: list[PortRange] | None = Field(None, description="`other` only: protocol number ranges.")


class EntryOut(TrafficOut):
    sources: list[str] = Field(description="CIDRs; on the internet side, read within the internet universe.")
    destinations: list[str]
    source_ports: list[PortRange] | None = Field(
        None, description="`partial` only: the client ports that work."
    )


class ReachOut(_Strict):
    """``vpcsim reach --json``."""

    schema_version: Literal[1]
    from_: str = Field(alias="from")
    to: str
    client_ports: PortRange
    allowed: list[EntryOut]
    one_way: list[EntryOut]
    partial: list[EntryOut]
    unknown: list[EntryOut]


class ListenerOut(_Strict):
    protocol: str
    port: int


class TargetOut(_Strict):
    id: str
    port: int


class FindingOut(_Strict):
    instance: str | None
    eni: str
    address: str
    protocol: Protocol
    ports: list[PortRange] | None
    icmp: list[PortRange] | None
    protocols: list[PortRange] | None = None
    sources: list[str]
    bidirectional: bool | Literal["partial"]
    source_ports: list[PortRange] | None
    severity: Literal["high", "medium", "low"]
    path: list[str]
    via: Literal["load-balancer"] | None = Field(None, description="Present on a load balancer's node.")
    load_balancer: str | None = Field(None, description="The load balancer's ARN (`via: load-balancer`).")
    listeners: list[ListenerOut] | None = Field(
        None, description="The listeners the finding's traffic reaches."
    )
    targets: list[TargetOut] | None = Field(None, description="The targets those listeners forward to.")


IncompleteKind = Literal["skipped", "unknown-resource", "unknown-path", "unknown-address", "ipv6"]


class IncompleteOut(_Strict):
    kind: IncompleteKind = Field(
        description="skipped (read by an import, not modelled), unknown-resource (referenced, not described), "
        "unknown-path (a path crosses what is not modelled), unknown-address (known only after apply), ipv6 "
        "(IPv6 blocks, routes, rules or addresses: not analysed)."
    )
    component: str
    count: int | None
    detail: str


class ExposureGroupOut(_Strict):
    """Findings alike but for their ENI and address (``exposure --group``)."""

    severity: Literal["high", "medium", "low"]
    security_groups: list[str]
    protocol: Protocol
    ports: list[PortRange] | None
    icmp: list[PortRange] | None
    protocols: list[PortRange] | None = None
    sources: list[str]
    bidirectional: bool | Literal["partial"]
    source_ports: list[PortRange] | None
    count: int
    enis: list[str]
    instances: list[str]


class FamilyNoteOut(_Strict):
    kind: Literal["ipv6-only", "asymmetric"] = Field(
        description="ipv6-only: exposed over IPv6 and not over IPv4; asymmetric: traffic open over one family "
        "and closed over the other (a rule for 0.0.0.0/0 without ::/0, or the reverse)."
    )
    eni: str
    instance: str | None
    detail: str


class ExposureOut(_Strict):
    """``vpcsim exposure --json``."""

    schema_version: Literal[1]
    findings: list[FindingOut]
    incomplete: list[IncompleteOut]
    family_notes: list[FamilyNoteOut] | None = Field(
        default=None,
        description="Only for networks with IPv6 addresses: ENIs exposed only over IPv6, and traffic open over "
        "one address family but closed over the other.",
    )
    groups: list[ExposureGroupOut] | None = Field(
        default=None, description="Only with --group: the findings grouped, every finding in one group."
    )


class PartialTrafficOut(TrafficOut):
    source_ports: list[PortRange]


class CellOut(_Strict):
    from_: str = Field(alias="from")
    to: str
    family: Literal["ipv4", "ipv6"] = Field(
        description="The address family of the cell's traffic: a pair of labels may have a cell of each."
    )
    allowed: list[TrafficOut]
    partial: list[PartialTrafficOut]
    one_way: list[TrafficOut]
    unknown: list[TrafficOut]


class MatrixOut(_Strict):
    """``vpcsim matrix --json``."""

    schema_version: Literal[1]
    by: Literal["instance", "subnet", "security-group"]
    labels: list[str]
    cells: list[CellOut]


class PairDiffOut(_Strict):
    from_: str = Field(alias="from", description="An instance (or ENI) id of the new input, or internet.")
    to: str
    from_eni: str | None = Field(
        description="The sending ENI (null: the internet); pairs are per ENI address."
    )
    to_eni: str | None
    family: Literal["ipv4", "ipv6"] = Field(
        description="The address family of the pair's addresses: an ENI pair may have a pair of each."
    )
    newly_allowed: list[EntryOut] = Field(description="Works both ways now, not before (for `source_ports`).")
    newly_blocked: list[EntryOut] = Field(description="Worked both ways before, not now (old addresses).")
    newly_one_way: list[EntryOut] = Field(description="Delivered now without replies; not delivered before.")
    no_longer_one_way: list[EntryOut] = Field(
        description="Delivered one way before; not delivered now (old addresses)."
    )
    unknown: list[EntryOut] = Field(description="Changed, but unknown on one side (what is not modelled).")


class MatchedOut(_Strict):
    old: str
    new: str


class DiffIncompleteOut(IncompleteOut):
    side: Literal["old", "new"]


class DiffOut(_Strict):
    """``vpcsim diff --json``."""

    schema_version: Literal[1]
    status: Literal["changed", "same", "unknown"] = Field(
        description="changed (exit 1); unknown: nothing changed for sure but something is unknown or not "
        "analysed (exit 3); same (exit 0)."
    )
    pairs: list[PairDiffOut]
    matched_by_name: list[MatchedOut]
    only_in_old: list[str]
    only_in_new: list[str]
    incomplete: list[DiffIncompleteOut]


class ViolationOut(_Strict):
    from_: str = Field(alias="from")
    to: str
    family: Literal["ipv4", "ipv6"] = Field(description="The address family the violation is over.")
    reason: Literal["not-allowed", "delivered", "outside-only"]
    unknown: bool
    entries: list[EntryOut]


class AssertionOut(_Strict):
    name: str
    line: int
    status: Literal["pass", "fail", "unknown"]
    pairs: int
    violation_count: int
    violations: list[ViolationOut]
    warnings: list[str]


class CheckOut(_Strict):
    """``vpcsim check --json``."""

    schema_version: Literal[1]
    policy: str
    status: Literal["pass", "fail", "unknown"]
    passed: bool
    assertions: list[AssertionOut]
    incomplete: list[IncompleteOut] = Field(
        description="What the answers cannot cover, as exposure lists it; deny and only assertions that hold "
        "over what is modelled are unknown when it is not empty."
    )


class BlockerWhyOut(_Strict):
    code: str
    component: str
    path: Literal["forward", "return"]
    direction: Literal["inbound", "outbound"] | None
    ports: list[PortRange] | None
    detail: str
    fix: str
    checklist_step: int
    checklist: str
    revealed: bool


class ChangeOut(_Strict):
    code: str
    component: str
    action: str
    parameters: dict[str, object]
    command: str
    applied: bool = Field(description="Tried on a copy of the network; false: advice the model cannot try.")
    verified: bool = Field(
        description="Applied with the other verified changes to a fresh copy and traced again: together they "
        "open the path, and without this one it stays closed. Unverified changes are advice, never fixes."
    )
    affects: list[str] = Field(
        description="Other resources the change alters: the other subnets of a route table or network ACL, the "
        "other network interfaces of a security group."
    )


class WhyFlowOut(_Strict):
    protocol: str
    source: str
    destination: str
    destination_port: int | None
    source_ports: list[PortRange] | None
    icmp_type: int | None
    icmp_code: int | None
    source_eni: str | None


class WhyOut(_Strict):
    """``vpcsim why --json``."""

    schema_version: Literal[1]
    flow: WhyFlowOut
    verdict: Literal["reachable", "unreachable", "unknown"]
    blockers: list[BlockerWhyOut]
    changes: list[ChangeOut]
    opens: bool = Field(description="The changes are all verified and open the path.")
    verdict_after: Literal["reachable", "unreachable", "unknown"]
    flow_after: WhyFlowOut = Field(
        description="The flow traced after the changes: the same, or sent to the public address a change names."
    )


ANALYSIS_OUTPUTS: dict[str, type[BaseModel]] = {
    "reach": ReachOut,
    "why": WhyOut,
    "exposure": ExposureOut,
    "matrix": MatrixOut,
    "diff": DiffOut,
    "check": CheckOut,
}
