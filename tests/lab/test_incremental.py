"""The incremental lab: applying the difference of two plans gives what a fresh ``lab up`` gives.

Pairs of generated networks -- a network and a mutated copy (instances launched, stopped,
terminated; rules revoked; routes, gateways and NAT gateways removed; subnets added), and a
network and its reshaped version of the differential run (rules, routes, peerings, Elastic
IPs and gateways added) -- are realised one after the other in one lab, the second by
applying the difference; a second lab realises the second network fresh. The kernel state
read back (interfaces, addresses, routes, rules, rulesets) must be identical, namespaces that
did not change must not have been touched, and the probes of the changed lab must agree with
the engine.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from tests.support.lab import lab_snapshot, mutate_network

from vpcsim.fidelity import compare_case, internet_hosts, plan_cases
from vpcsim.fidelity_bias import biased_case
from vpcsim.lab import lab_down, lab_up, probe_many
from vpcsim.lab.api import lab_apply
from vpcsim.lab.netns import namespace_path
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_flows, generate_network

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]

_names = itertools.count()


@pytest.fixture
def two_labs(lab_environment: None) -> Iterator[tuple[str, str]]:
    """Two lab names of this process (``sl<pid>n<i>``), removed whatever happens."""
    names = tuple(f"sl{os.getpid()}n{next(_names) % 100}" for _ in range(2))
    for name in names:
        lab_down(name)
    try:
        yield names  # type: ignore[misc]
    finally:
        for name in names:
            lab_down(name)


def _inode(name: str, component: str) -> int:
    return os.stat(namespace_path(f"vs-{name}-{component}")).st_ino


def _check_pair(before: Network, after: Network, seed: int, labs: tuple[str, str]) -> None:
    changed, fresh = labs
    flows = generate_flows(after, seed, 30)
    hosts = internet_hosts(after, flows)
    lab_up(before, changed, internet_hosts=hosts, responder=False)
    kept_before = {i: _inode(changed, i) for i in before.instances if i in after.instances}
    state, change = lab_apply(after, changed, internet_hosts=hosts)
    lab_up(after, fresh, internet_hosts=hosts, responder=False)
    assert lab_snapshot(changed) == lab_snapshot(fresh)
    # no teardown: an instance that stays keeps its namespace
    for instance_id, inode in kept_before.items():
        if f"vs-{changed}-{instance_id}" in {n.name for n in state.namespaces}:
            assert _inode(changed, instance_id) == inode
    untouched = (
        {n.name for n in state.namespaces}
        - {c.name for c in change.changed}
        - {n.name for n in change.create_namespaces}
    )
    assert untouched or not kept_before or change.summary()["namespaces_changed"] <= len(state.namespaces)
    # the changed lab behaves as the engine says
    planned = plan_cases(after, flows)
    results = probe_many(changed, [case.spec() for case in planned.cases])
    disagreements = [
        d
        for case, observed in zip(planned.cases, results, strict=True)
        for d in compare_case(after, seed, case, observed)
    ]
    assert not disagreements, "\n".join(d.describe() for d in disagreements[:5])


@pytest.mark.parametrize(
    ("seed", "steps"),
    # seed 41: an ENI with secondary addresses stopped (the primary must go last)
    [(1, 8), (2, 8), (3, 8), (4, 8), (41, 10)],
)
def test_a_mutated_network_applied_as_a_difference_equals_a_fresh_lab(
    seed: int, steps: int, two_labs: tuple[str, str]
) -> None:
    network = generate_network(seed, PRESETS["small"])
    _check_pair(network, mutate_network(network, seed, steps=steps), seed, two_labs)


@pytest.mark.parametrize("seed", [5, 6])
def test_a_reshaped_network_and_back(seed: int, two_labs: tuple[str, str]) -> None:
    plain = generate_network(seed, PRESETS["small"])
    reshaped = biased_case(seed, 30).network
    _check_pair(plain, reshaped, seed, two_labs)


def test_an_unchanged_network_applies_nothing(two_labs: tuple[str, str]) -> None:
    network = generate_network(7, PRESETS["small"])
    name = two_labs[0]
    lab_up(network, name, responder=False)
    before = lab_snapshot(name)
    _, change = lab_apply(network, name)
    assert change.empty
    assert lab_snapshot(name) == before


@pytest.mark.parametrize(("seed", "backwards"), [(3, False), (0, True)])
def test_transit_gateways_reshaped_as_a_difference(
    seed: int, backwards: bool, two_labs: tuple[str, str]
) -> None:
    """Transit gateways (``transit-small``; seed 3: a peering and appliance mode, seed 0: appliance
    mode) and their reshaped version -- attachment subnets, associations, propagations, static
    and blackhole routes added -- applied as a difference, either way."""
    plain = generate_network(seed, PRESETS["transit-small"])
    reshaped = biased_case(seed, 30, PRESETS["transit-small"]).network
    pair = (reshaped, plain) if backwards else (plain, reshaped)
    _check_pair(*pair, seed, two_labs)
