"""Differential testing over networks with load balancers (``--preset small-elb``).

10 seeded networks of the generator's ``small-elb`` preset (three load balancers each: ALB, NLB
or CLB, internal or internet-facing, instance or IP targets, client IP preservation drawn),
biased toward paths that almost work -- a share of the path flows go to the listeners -- x 40
flows are realised as labs and probed: every probe must agree with the engine, flows through
load balancers must both complete and fail, and each seeded mutation of the engine's
load-balancer semantics must be caught.
"""

from __future__ import annotations

import pytest
from tests.lab.runs import shared_runs

from vpcsim.engine import trace
from vpcsim.fidelity import (
    ELB_MUTATIONS,
    MUTATIONS,
    NetworkRun,
    network_and_flows,
    report,
    run_many,
    to_load_balancer,
)
from vpcsim.testing import PRESETS

SEEDS = tuple(range(10))
FLOWS = 40
PARALLEL = 2
CONFIG = PRESETS["small-elb"]


def test_the_biased_flows_go_to_listeners_and_through_to_targets() -> None:
    """Without a kernel: flows to load balancers are sampled, and the engine serves some (the
    kernel run must then agree) and blocks others."""
    to_lb = served = 0
    for seed in SEEDS:
        network, flows, _ = network_and_flows(seed, FLOWS, config=CONFIG)
        for flow in flows:
            if to_load_balancer(network, flow):
                to_lb += 1
                served += trace(network, flow, record=False).reachable
    assert to_lb >= 0.2 * len(SEEDS) * FLOWS, to_lb
    assert 0.2 * to_lb <= served <= 0.9 * to_lb, (served, to_lb)


def test_networks_without_load_balancers_are_biased_as_before() -> None:
    """The load balancers' flows are drawn only where there are load balancers: the ``small``
    preset's biased networks and flows do not change."""
    network, flows, _ = network_and_flows(3, FLOWS)
    assert not network.load_balancers
    assert not any(to_load_balancer(network, flow) for flow in flows)


@pytest.fixture(scope="session")
def elb_runs(tmp_path_factory: pytest.TempPathFactory, lab_environment: None) -> list[NetworkRun]:
    """The labs' observations, gathered once per test run (xdist workers share them)."""
    return shared_runs(
        tmp_path_factory,
        "differential-elb",
        lambda: run_many(SEEDS, flows=FLOWS, parallel=PARALLEL, config=CONFIG),
    )


@pytest.mark.lab
def test_the_kernel_agrees_with_the_engine_through_load_balancers(elb_runs: list[NetworkRun]) -> None:
    result = report(elb_runs)
    probes, delivered = result.balanced
    assert probes >= 0.2 * result.probes, (probes, result.probes)
    assert 0 < delivered < probes, (delivered, probes)
    assert not result.disagreements, "engine and kernel disagree:\n" + "\n".join(
        d.describe() for d in result.disagreements
    )


@pytest.mark.lab
@pytest.mark.parametrize("mutation", sorted(ELB_MUTATIONS))
def test_a_broken_load_balancer_engine_is_caught(elb_runs: list[NetworkRun], mutation: str) -> None:
    assert mutation in MUTATIONS
    with MUTATIONS[mutation]():
        caught = report(elb_runs).disagreements
    assert caught, f"the differential run did not notice the engine mutation {mutation!r}"
