"""check over per-question atoms: each assertion's own space (and, with the internet, one per
internet class) answers what the network's atoms answer, and what tracing answers."""

from __future__ import annotations

import importlib
import random
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.traces import tcp_between

from vpcsim.analysis import check
from vpcsim.analysis.atoms import RuleSet, TrafficSpace
from vpcsim.analysis.entries import RenderCache
from vpcsim.analysis.policy import FlowSet, bits_of, parse_flow
from vpcsim.analysis.policy_judge import _builder
from vpcsim.model import Network
from vpcsim.model.policy import Policy
from vpcsim.testing import PRESETS, generate_network
from vpcsim.testing.strategies import SEEDS

POLICY_MODULE = importlib.import_module("vpcsim.analysis.policy")
FLOWS = ["tcp/22", "tcp/443", "tcp/1024-65535", "udp/53", "icmp/8", "icmp", "all", "47", "tcp/3389"]


def _instance_of(network: Network) -> dict[str, str]:
    return {
        e.network_interface_id: (e.attachment.instance_id if e.attachment else None) or e.network_interface_id
        for e in network.network_interfaces.values()
    }


def _hosts(network: Network) -> list[str]:
    """ENIs that are hosts (not managed for a service): what ``all`` selects."""
    return sorted(
        e.network_interface_id
        for e in network.network_interfaces.values()
        if e.interface_type == "interface" and not (e.description or "").startswith("ELB ")
    )


def _policy(draw: st.DrawFn, network: Network) -> Policy:
    enis = _hosts(network)
    assertions: list[dict[str, object]] = []
    for k in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["pair", "group", "from-internet", "to-internet"]))
        verb = draw(st.sampled_from(["allow", "deny", "only"]))
        flows = draw(st.lists(st.sampled_from(FLOWS), min_size=1, max_size=3, unique=True))
        picked = draw(st.lists(st.sampled_from(enis), min_size=1, max_size=4, unique=True))
        others = draw(st.lists(st.sampled_from(enis), min_size=1, max_size=4, unique=True))
        ends: dict[str, object]
        if kind == "pair":
            ends = {"from": {"eni": picked}, "to": {"eni": others}}
        elif kind == "group":
            ends = {"from": {"eni": picked}, "to": "all"}
        elif kind == "from-internet":
            ends = {"from": "internet", "to": draw(st.sampled_from(["all", {"eni": picked}]))}
        else:
            ends = {"from": {"eni": picked}, "to": "internet"}
        assertions.append({"name": f"a{k}", **ends, verb: flows, "over": "ipv4"})
    return Policy.model_validate({"assertions": assertions})


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Network, Policy]:
    network = generate_network(draw(SEEDS), PRESETS[draw(st.sampled_from(["small", "messy-small"]))])
    return network, _policy(draw, network)


@settings(max_examples=25, deadline=None)
@given(_cases())
def test_check_over_its_own_atoms_equals_check_over_the_network_s(case: tuple[Network, Policy]) -> None:
    """Each assertion judged over the atoms of its own paths (one space per internet class with
    the internet, records of several spaces built over their common refinement) says what it
    says over every rule of the network: the same statuses, counts and violations."""
    network, policy = case
    local = check(network, policy).to_dict()
    with mock.patch.object(POLICY_MODULE, "_LOCAL_ATOMS", False):
        assert check(network, policy).to_dict() == local


def test_allow_from_the_internet_to_an_end_without_a_public_address_fails_over_local_atoms() -> None:
    """An ENI the internet cannot address fails ``allow`` from the internet before any internet
    class's space is used: the flows are atoms of the space it is judged over (seed 3 of
    ``small`` has such ENIs first; the judge once started over a space without the flows'
    atoms, found no ``allow`` bits and skipped them)."""
    network = generate_network(3, PRESETS["small"])
    policy = Policy.model_validate(
        {
            "assertions": [
                {"name": "ssh", "from": "internet", "to": "all", "allow": ["tcp/22"], "over": "ipv4"}
            ]
        }
    )
    local = check(network, policy).to_dict()
    with mock.patch.object(POLICY_MODULE, "_LOCAL_ATOMS", False):
        assert check(network, policy).to_dict() == local
    assert local["assertions"][0]["pairs"] == 25  # type: ignore[index]


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_check_between_two_enis_agrees_with_trace_on_messy_rules(seed: int) -> None:
    """``deny tcp/P`` between two ENIs fails iff ``trace`` delivers the request for some pair of
    their IPv4 addresses, and ``allow tcp/P`` passes iff ``trace`` says reachable (every client
    port) for every pair, on the ``messy-small`` preset (random port ranges, group references,
    prefix lists)."""
    network = generate_network(seed, PRESETS["messy-small"])
    rng = random.Random(seed)
    enis = _hosts(network)
    instance = _instance_of(network)
    for _ in range(6):
        a, b = rng.sample(enis, 2)
        if instance[a] == instance[b]:
            continue
        port = rng.choice((22, 80, 443, 3306, 8080, rng.randrange(1, 65536)))
        answer = tcp_between(
            network,
            a,
            b,
            port,
            lambda e: [p.private_ip_address for p in network.network_interfaces[e].private_ip_addresses],
        )
        if answer is None:
            continue
        delivered, reachable = answer
        ends = {"from": {"eni": [a]}, "to": {"eni": [b]}, "over": "ipv4"}
        policy = Policy.model_validate(
            {
                "assertions": [
                    {"name": "deny", **ends, "deny": [f"tcp/{port}"]},
                    {"name": "allow", **ends, "allow": [f"tcp/{port}"]},
                ]
            }
        )
        deny, allow = check(network, policy).assertions
        assert deny.status == ("fail" if delivered else "pass"), (a, b, port)
        assert allow.status == ("pass" if reachable else "fail"), (a, b, port)


def _space(flows: list[str]) -> TrafficSpace:
    rules = RuleSet()
    rules.add_sg(r for f in flows for r in parse_flow(f).rules())
    return TrafficSpace(rules, (32768, 60999))


def test_a_record_of_two_spaces_reads_as_over_their_common_refinement() -> None:
    """Facts judged over two different spaces make the entries that the same flows make over
    one space that refines both."""
    a, b = _space(["tcp/22", "tcp/80-90", "icmp/3:4"]), _space(["tcp/85-100", "udp/53", "icmp/8", "47"])
    fine = _space(["tcp/22", "tcp/80-90", "icmp/3:4", "tcp/85-100", "udp/53", "icmp/8", "47"])
    one, two = ((1, 1),), ((2, 2),)
    here = [parse_flow(f) for f in ("tcp/22", "tcp/80-90", "icmp/3:4")]
    there = [parse_flow(f) for f in ("tcp/85-100", "udp/53", "icmp/8", "47")]
    everywhere: list[FlowSet] = [FlowSet(((0, 255),))]
    facts = [
        (a, bits_of(a, here), one, two),
        (b, bits_of(b, there), one, two),
        (b, bits_of(b, everywhere) & ~bits_of(b, there), two, one),
    ]
    expected = [
        (fine, bits_of(fine, here), one, two),
        (fine, bits_of(fine, there), one, two),
        (fine, bits_of(fine, everywhere) & ~bits_of(fine, there), two, one),
    ]
    got = _builder(facts, RenderCache()).build(None, None)  # type: ignore[arg-type]
    want = _builder(expected, RenderCache()).build(None, None)  # type: ignore[arg-type]
    assert got == want
    assert any(e.traffic.protocol == "icmp" for e in got)
