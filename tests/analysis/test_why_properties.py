"""``why``'s change sets on generated networks: applied from their published parameters (not by
``why``'s own replay), verified changes open the path and each one is needed; unverified ones are
never called fixes; fixes for ``internet`` name the internet, never its stand-in host.

Every code ``why`` answers with a change (:data:`vpcsim.analysis.why.FIXABLE`) is met and fixed
on the seeded networks below (or, for those the generator does not make, a built network)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.builders import appliance_network
from tests.support.transit import hub, reference_across
from tests.support.why_changes import assert_fix_opens_and_each_change_is_needed

from vpcsim.analysis.why import FIXABLE, why
from vpcsim.engine import Flow, make_flow
from vpcsim.engine.flow import DEFAULT_INTERNET_HOST
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_flows, generate_network
from vpcsim.testing.strategies import network_and_flows

CASES = network_and_flows(PRESETS["small"], max_flows=6)
#: Seeds whose flows meet every code of FIXABLE the generator makes (see the coverage test).
COVERAGE_SEEDS = range(7)


def _as_internet(network: Network, flow: Flow) -> Flow:
    """The flow from ``internet`` (its stand-in host) when it comes from the internet."""
    if flow.source_eni is not None or network.owner_of_public_ip(flow.source) is not None:
        return flow
    return dataclasses.replace(flow, source=DEFAULT_INTERNET_HOST)


@settings(max_examples=30)
@given(CASES, st.booleans())
def test_every_fix_opens_the_path_and_each_change_is_needed(
    case: tuple[Network, list[Flow]], from_internet: bool
) -> None:
    network, flows = case
    for flow in flows:
        if from_internet:
            flow = _as_internet(network, flow)
        result = why(network, flow)
        assert_fix_opens_and_each_change_is_needed(network, result)
        if flow.source == DEFAULT_INTERNET_HOST:
            assert all(DEFAULT_INTERNET_HOST not in c.command for c in result.changes)


def test_every_fixable_code_is_met_and_fixed() -> None:
    fixed: set[str] = set()
    cases: list[tuple[Network, Flow]] = []
    for seed in COVERAGE_SEEDS:
        network = generate_network(seed, PRESETS["small"])
        cases += [(network, flow) for flow in generate_flows(network, seed, 15)]
    appliance = appliance_network(source_dest_check=True)
    cases.append((appliance.net, make_flow(appliance.net, "client", "server", protocol="tcp", port=22)))
    # a group reference across a transit gateway without SecurityGroupReferencingSupport
    h = hub()
    reference_across(h)
    h.a.attachment.security_group_referencing_support = False
    h.net.touch()
    cases.append(
        (h.net, make_flow(h.net, h.a.instance.instance_id, h.b.instance.instance_id, protocol="tcp", port=22))
    )
    for network, flow in cases:
        result = why(network, flow)
        assert_fix_opens_and_each_change_is_needed(network, result)
        if result.verdict != "reachable" and result.opens:
            fixed |= {f.blocker.code for f in result.blockers}
    assert fixed >= FIXABLE, f"never fixed: {sorted(FIXABLE - fixed)}"
