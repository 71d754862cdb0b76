"""What an answer depends on but the model does not analyse: one list for exposure, diff and check.

Why one module: ``exposure``, ``diff`` and ``check`` must agree on when an answer is complete.
Each lists the same things: resource types an import read but did not model (``skipped``),
resources referenced but not described (``unknown-resource``) and, until IPv6 is analysed, every
resource that holds IPv6 rules, routes, blocks or addresses (``ipv6``): the engine traces IPv4
only, so SSH open to ``::/0`` behind a ``::/0`` route to an internet gateway would otherwise be
silently called safe. Analyses add their own kinds (``unknown-path``, ``unknown-address``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Network, SecurityGroupRule

#: Skipped input that carries no traffic (descriptions, the customer side of a VPN, the endpoint
#: services an account could connect to, terminated instances): never reported as making an
#: answer incomplete.
CARRY_NO_TRAFFIC = frozenset(
    {
        "AvailabilityZones",
        "Regions",
        "CustomerGateways",
        "VpnConnections",
        "ServiceNames",
        "ServiceDetails",
        "Instances (terminated, no network)",
    }
)


#: Kinds whose traffic the engine's verdicts cannot see at all (not modelled, or IPv6 not
#: analysed): a "nothing gets through" answer cannot be trusted over them. An ``unknown-resource``
#: is not among them: the engine already answers ``unknown`` for every flow it could decide.
UNSEEN_BY_VERDICTS = frozenset({"skipped", "ipv6"})


#: Kinds an analysis adds for its own flows that crossed what is not modelled.
UNKNOWN_FLOWS = frozenset({"unknown-path", "unknown-address"})


@dataclass(frozen=True, slots=True)
class Incomplete:
    """Something the answer depends on but the model does not hold (or vpcsim does not analyse)."""

    kind: str
    """``skipped`` (an import skipped it), ``unknown-resource`` (referenced, not described),
    ``ipv6`` (IPv6 rules, routes or addresses: not analysed), ``unknown-path`` (a path crosses what
    is not modelled) or ``unknown-address`` (an address known only after apply)."""
    component: str
    detail: str
    count: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "component": self.component, "count": self.count, "detail": self.detail}


def skipped_items(skipped: Mapping[str, int] | None) -> list[Incomplete]:
    return [
        Incomplete(
            "skipped",
            kind,
            "read from the input but not modelled: the traffic it carries is not analysed",
            count,
        )
        for kind, count in sorted((skipped or {}).items())
        if count and kind not in CARRY_NO_TRAFFIC
    ]


def unknown_resource_items(network: Network) -> list[Incomplete]:
    return [
        Incomplete("unknown-resource", u.resource_id, f"{u.resource_type}: {u.reason}")
        for u in sorted(network.unknown_resources.values(), key=lambda u: u.resource_id)
    ]


def _rule_text(rule: SecurityGroupRule, egress: bool) -> str:
    ports = "" if rule.from_port is None else f" {rule.from_port}-{rule.to_port}"
    return f"{'egress' if egress else 'ingress'} {rule.ip_protocol}{ports} {'to' if egress else 'from'} {rule.peer}"


def ipv6_items(network: Network) -> list[Incomplete]:
    """One item per resource holding IPv6: its blocks, routes, ACL allow rules, group rules
    (IPv6 CIDRs or IPv6 prefix lists), ENI addresses, egress-only internet gateways."""
    v6_lists = {p.prefix_list_id for p in network.prefix_lists.values() if p.address_family == "IPv6"}
    found: dict[str, list[str]] = {}

    def note(resource_id: str, what: str) -> None:
        found.setdefault(resource_id, []).append(what)

    for vpc in network.vpcs.values():
        for block in vpc.ipv6_cidr_blocks:
            note(vpc.vpc_id, f"IPv6 block {block}")
    for subnet in network.subnets.values():
        if subnet.ipv6_cidr_block:
            note(subnet.subnet_id, f"IPv6 block {subnet.ipv6_cidr_block}")
    for table in network.route_tables.values():
        for route in table.routes:
            if route.gateway_id == "local":
                continue
            if route.destination_ipv6_cidr_block is not None or route.egress_only_internet_gateway_id:
                note(table.route_table_id, f"route {route.destination} -> {route.target or '?'}")
    for acl in network.network_acls.values():
        for entry in acl.entries:
            if entry.ipv6_cidr_block is not None and entry.rule_action == "allow":
                direction = "outbound" if entry.egress else "inbound"
                note(
                    acl.network_acl_id, f"{direction} rule {entry.rule_number} allows {entry.ipv6_cidr_block}"
                )
    for group in network.security_groups.values():
        for egress, rules in ((False, group.ingress), (True, group.egress)):
            for rule in rules:
                if rule.cidr_ipv6 is not None or rule.prefix_list_id in v6_lists:
                    note(group.group_id, _rule_text(rule, egress))
    for eni in network.network_interfaces.values():
        for address in eni.ipv6_addresses:
            note(eni.network_interface_id, f"IPv6 address {address}")
    for eigw in network.egress_only_internet_gateways.values():
        note(eigw.egress_only_internet_gateway_id, "egress-only internet gateway (IPv6 only)")
    return [
        Incomplete(
            "ipv6",
            resource_id,
            "IPv6 is not analysed by this command (its answer covers IPv4 only; trace, why, reach and "
            "exposure decide IPv6): " + "; ".join(whats),
            len(whats),
        )
        for resource_id, whats in sorted(found.items())
    ]


def undermines(items: Iterable[Incomplete]) -> bool:
    """Whether "nothing found" must be answered ``unknown``: the answer depends on traffic the
    verdicts cannot see (``skipped``, ``ipv6``) or on flows found unknown. One rule for
    ``exposure``, ``diff`` and ``check``. An ``unknown-resource`` alone does not undermine it:
    every flow that crosses one is an unknown flow of its own."""
    return any(i.kind in UNSEEN_BY_VERDICTS or i.kind in UNKNOWN_FLOWS for i in items)


def incomplete_of(
    network: Network, skipped: Mapping[str, int] | None = None, *, ipv6_analysed: bool = False
) -> list[Incomplete]:
    """What a network-wide answer about ``network`` cannot cover: skipped input, unknown
    resources, and IPv6 unless the answer analyses it (``exposure`` does; ``diff`` and ``check``
    do not yet)."""
    six = [] if ipv6_analysed else ipv6_items(network)
    return [*skipped_items(skipped), *unknown_resource_items(network), *six]


__all__ = [
    "CARRY_NO_TRAFFIC",
    "UNKNOWN_FLOWS",
    "UNSEEN_BY_VERDICTS",
    "Incomplete",
    "incomplete_of",
    "ipv6_items",
    "skipped_items",
    "undermines",
]
