"""No Reachability Analyzer code is silently missing: each code of AWS's lists is either given by
the engine (``CODES``) or listed as not given, with why (``NOT_GIVEN``).

``REFERENCE_CODES`` is the complete list of the reference (aws-vpc-semantics-more.md, section 5:
"Path is not reachable", "Configuration", "Search filter codes", "Additional detail codes"), as
AWS published it in 2025-26, copied here because tests do not read files outside the repository.
When AWS adds a code, add it here and decide: emit it, or say why not.
"""

from __future__ import annotations

import re
from pathlib import Path

from vpcsim.engine import codes as C

REFERENCE_CODES = frozenset(
    {
        "ASSUMPTION_PRESERVE_CLIENT_IP_IS_DISABLED",
        "ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED",
        "AVAILABILITY_ZONE_CROSSED",
        "BAD_STATE",
        "BAD_STATE_ATTACHMENT",
        "BAD_STATE_ROUTE",
        "BAD_STATE_VPN",
        "CANNOT_ROUTE",
        "COMPONENT_FILTER_RESTRICTION",
        "COMPONENT_FILTER_RESTRICTION_REMOVED_COMPONENT",
        "DISCONNECTED_VPCS",
        "ELBV2_LISTENERS_MISMATCH",
        "ELBV2_LISTENER_HAS_NO_TG",
        "ELBV2_LISTENER_PORT_RESTRICTION",
        "ELBV2_LISTENER_REQUIRES_TG_ACCEPT",
        "ELBV2_NO_TARGETS_IN_AZ",
        "ELBV2_SOURCE_ADDRESS_PRESERVATION",
        "ELB_ACL_RESTRICTION",
        "ELB_INSTALLED_AZ_RESTRICTION",
        "ELB_LISTENERS_MISMATCH",
        "ELB_LISTENER_PORT_RESTRICTION",
        "ELB_NOT_CROSSZONE",
        "ENI_ADDRESS_RESTRICTION",
        "ENI_SG_RULES_MISMATCH",
        "ENI_SOURCE_DEST_CHECK_RESTRICTION",
        "FILTER_AT_DESTINATION_DESTINATION_ADDRESS",
        "FILTER_AT_DESTINATION_DESTINATION_PORT_RANGE",
        "FILTER_AT_DESTINATION_PROTOCOL",
        "FILTER_AT_DESTINATION_SOURCE_ADDRESS",
        "FILTER_AT_DESTINATION_SOURCE_PORT_RANGE",
        "FILTER_AT_SOURCE_DESTINATION_ADDRESS",
        "FILTER_AT_SOURCE_DESTINATION_PORT_RANGE",
        "FILTER_AT_SOURCE_PROTOCOL",
        "FILTER_AT_SOURCE_SOURCE_ADDRESS",
        "FILTER_AT_SOURCE_SOURCE_PORT_RANGE",
        "FIREWALL_RULES_RESTRICTION",
        "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULES",
        "FIREWALL_UNSUPPORTED_HIGHER_PRIORITY_RULE_GROUP_TYPE",
        "FIREWALL_UNSUPPORTED_RULE_OPTIONS",
        "GATEWAY_REJECTS_SPOOFED_TRAFFIC",
        "GWLB_DESTINATION_PORT_RESTRICTION",
        "GWLB_PROTOCOL_RESTRICTION",
        "HIGHER_PRIORITY_ROUTE",
        "IGW_DESTINATION_ADDRESS_IN_VPC_CIDRS",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
        "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS",
        "IGW_EXPECTS_PUBLIC_ADDRESS",
        "IGW_NAT_REFLECTION",
        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
        "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
        "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS",
        "IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS",
        "INGRESS_RTB_NO_PUBLIC_IP",
        "INGRESS_RTB_TRAFFIC_REDIRECTION",
        "MISSING_TARGET_GROUP_ATTRIBUTES",
        "MORE_SPECIFIC_ROUTE",
        "NGW_DEST_ADDRESS_PRESERVATION",
        "NGW_REQUIRES_SOURCE_IN_VPC",
        "NGW_SOURCE_ADDRESS_REASSIGN",
        "NO_PATH",
        "NO_POSSIBLE_DESTINATION",
        "NO_ROUTE_TO_DESTINATION",
        "NO_SOURCE_OR_DESTINATION",
        "PATH_THROUGH_GWLB_NOT_CHECKED",
        "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
        "PROTOCOL_RESTRICTION",
        "REGIONAL_NGW_ROUTE_AZ_RESTRICTION",
        "REMAP_EPHEMERAL_PORT",
        "RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY",
        "SG_HAS_NO_RULES",
        "SG_REFERENCES_NOT_PRESERVED",
        "SG_REFERENCING_SUPPORT",
        "SUBNET_ACL_RESTRICTION",
        "TARGET_ADDRESS_RESTRICTION",
        "TARGET_PORT_RESTRICTION",
        "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
        "TGW_ATTACH_VPC_AZ_RESTRICTION",
        "TGW_BAD_STATE_VPN",
        "TGW_ROUTE_AZ_RESTRICTION",
        "TGW_RTB_BAD_STATE_ROUTE",
        "TGW_RTB_CANNOT_ROUTE",
        "TGW_RTB_HIGHER_PRIORITY_ROUTE",
        "TGW_RTB_MORE_SPECIFIC_ROUTE",
        "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT",
        "TGW_RTB_ROUTES_ARE_UNKNOWN",
        "TRANSIT_GATEWAY_APPLIANCE_MODE_RECOMMENDED",
        "UNASSOCIATED_COMPONENT",
        "UNIDIRECTIONAL_PATH_ANALYSIS_ONLY",
        "UNKNOWN_DESTINATION",
        "UNKNOWN_PEERED_SGS",
        "UNKNOWN_RESOURCE",
        "UNSUPPORTED_COMPONENT",
        "VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS",
        "VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
        "VPCE_GATEWAY_EGRESS_SOURCE_ADDRESS_RESTRICTION",
        "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
        "VPCE_INTRA_VPC_TRAFFIC",
        "VPCE_SERVICE_NOT_INSTALLED_IN_AZ",
        "VPC_BLOCK_PUBLIC_ACCESS_ENABLED",
        "VPC_LOCAL_ROUTE_CIDR_RESTRICTION",
    }
)

ENGINE = Path(C.__file__).parent


def test_every_reference_code_is_given_or_said_not_to_be() -> None:
    missing = REFERENCE_CODES - set(C.CODES) - set(C.NOT_GIVEN)
    assert missing == set(), f"codes of AWS's list neither emitted nor in NOT_GIVEN: {sorted(missing)}"


def test_not_given_lists_only_aws_codes_the_engine_does_not_have() -> None:
    assert set(C.NOT_GIVEN) <= REFERENCE_CODES, sorted(set(C.NOT_GIVEN) - REFERENCE_CODES)
    assert set(C.NOT_GIVEN).isdisjoint(C.CODES), sorted(set(C.NOT_GIVEN) & set(C.CODES))
    assert all(len(why) > 40 and why.endswith(".") for why in C.NOT_GIVEN.values())


def test_codes_said_to_come_from_aws_are_aws_codes() -> None:
    """A code marked ``AWS`` in the table is one of AWS's (no typo, no invented name); ours are
    ``VPCSIM_``-prefixed."""
    for code, (source, _) in C.CODES.items():
        if source == "AWS":
            assert code in REFERENCE_CODES, code
        else:
            assert code.startswith("VPCSIM_"), code


def test_no_code_said_not_given_is_raised_by_the_engine() -> None:
    """Blockers and detail steps take their code from ``codes.py``'s constants; a code in
    ``NOT_GIVEN`` has no constant, and no engine module names it as a constant or a ``rule``."""
    for code in C.NOT_GIVEN:
        assert not hasattr(C, code), code
    pattern = re.compile(r"\bC\.(" + "|".join(C.NOT_GIVEN) + r")\b|rule=\"(" + "|".join(C.NOT_GIVEN) + r")\"")
    for module in ENGINE.glob("*.py"):
        assert not pattern.search(module.read_text()), module.name


def test_the_generated_doc_lists_the_codes_not_given() -> None:
    doc = C.codes_markdown()
    section = doc.split("## Reachability Analyzer codes vpcsim does not give", 1)[1]
    for code in C.NOT_GIVEN:
        assert f"| `{code}` |" in section, code
    for code in C.CODES:
        assert f"| `{code}` |" not in section, code
