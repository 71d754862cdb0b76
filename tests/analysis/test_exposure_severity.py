"""Exposure severity is a property of what is exposed: the traffic, and how many
internet addresses can send it -- never how the set is written as CIDRs or split among rules."""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.builders import AclRule, custom_acl, public_private_vpc

from vpcsim.analysis import exposure
from vpcsim.analysis.addresses import internet_universe
from vpcsim.analysis.entries import Traffic
from vpcsim.analysis.exposure import WIDE_EXPOSURE, exposed_addresses, severity
from vpcsim.analysis.intervals import cidr_cover, normalize
from vpcsim.engine.compiled import compile_network
from vpcsim.model import Network
from vpcsim.testing import PRESETS, generate_network
from vpcsim.testing.strategies import SEEDS

TRAFFIC = st.sampled_from(
    [
        Traffic("all"),
        Traffic("tcp", ((22, 22),)),
        Traffic("tcp", ((3389, 3389),)),
        Traffic("udp", ((53, 53),)),
        Traffic("tcp", ((443, 443),)),
        Traffic("tcp", ((80, 80), (443, 443))),
        Traffic("tcp", ((8080, 8080),)),
        Traffic("tcp", None),
        Traffic("icmp"),
        Traffic(47),
    ]
)
UNIVERSE = internet_universe(compile_network(public_private_vpc().net)).index


def _halves(cidr: str) -> list[str]:
    net = ipaddress.IPv4Network(cidr)
    return [str(n) for n in net.subnets(prefixlen_diff=1)] if net.prefixlen < 32 else [cidr]


def test_the_internet_but_one_slash_24_is_as_severe_as_all_of_it() -> None:
    ssh = Traffic("tcp", ((22, 22),))
    everything = ipaddress.IPv4Network("0.0.0.0/0")
    but_one = [str(n) for n in everything.address_exclude(ipaddress.IPv4Network("198.51.100.0/24"))]
    assert len(but_one) == 24
    for universe in (None, UNIVERSE):
        assert severity(ssh, but_one, universe) == severity(ssh, ("0.0.0.0/0",), universe) == "high"
        assert severity(Traffic("all"), but_one, universe) == "high"
        assert severity(Traffic("tcp", ((8080, 8080),)), but_one, universe) == "medium"


def test_the_size_of_the_exposed_set_sets_the_tier() -> None:
    ssh = Traffic("tcp", ((22, 22),))
    assert severity(ssh, ("3.0.0.0/8",)) == "high"  # a /8's worth is the internet at large
    assert severity(ssh, ("3.0.0.0/9",)) == "medium"
    assert severity(ssh, ("3.0.0.0/9", "52.0.0.0/9")) == "high"  # two halves make as many
    assert severity(ssh, ("198.51.100.0/24",)) == "medium"
    assert severity(Traffic("tcp", ((443, 443),)), ("0.0.0.0/0",)) == "low"
    assert severity(Traffic("icmp"), ("0.0.0.0/0",)) == "low"
    assert severity(Traffic(47), ("0.0.0.0/0",)) == "medium"
    assert severity(Traffic(47), ("198.51.100.0/24",)) == "low"
    # Inside the internet universe, private ranges hold no internet address.
    assert exposed_addresses(("10.0.0.0/8",), UNIVERSE) == 0
    assert severity(ssh, ("10.0.0.0/8",), UNIVERSE) == "medium"
    assert exposed_addresses(("0.0.0.0/0",), UNIVERSE) >= WIDE_EXPOSURE


@given(
    TRAFFIC,
    st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**28)), min_size=1, max_size=5),
    st.data(),
)
def test_splitting_a_cidr_never_changes_severity(
    traffic: Traffic, pieces: list[tuple[int, int]], data: st.DataObject
) -> None:
    members = normalize((lo, min(2**32 - 1, lo + span)) for lo, span in pieces)
    cidrs = cidr_cover(members)
    expected = {u: severity(traffic, cidrs, u) for u in (None, UNIVERSE)}
    for _ in range(data.draw(st.integers(1, 8), label="splits")):
        index = data.draw(st.integers(0, len(cidrs) - 1), label="which")
        cidrs = [*cidrs[:index], *_halves(cidrs[index]), *cidrs[index + 1 :]]
        for universe, tier in expected.items():
            assert severity(traffic, cidrs, universe) == tier, cidrs


def test_exposure_rates_ssh_open_to_all_but_one_slash_24_high() -> None:
    """The issue's example, through the real path: an ACL denies one /24, the rest is open."""
    p = public_private_vpc()
    custom_acl(
        p.net,
        p.public,
        inbound=[
            AclRule(90, "deny", "-1", cidr="198.51.100.0/24"),
            AclRule(100, "allow", "-1"),
        ],
        outbound=[AclRule(100, "allow", "-1")],
    )
    findings = [f for f in exposure(p.net).findings if f.entry.traffic.describe() == "tcp 22"]
    assert findings and all(len(f.entry.sources) > 1 for f in findings)
    assert {f.severity for f in findings} == {"high"}


def _split_rules(network: Network, data: st.DataObject) -> int:
    """Split some security-group rules' CIDRs into 2, 4 or 8 pieces (the same addresses)."""
    count = 0
    for group_id in sorted(network.security_groups):
        group = network.security_groups[group_id]
        for rules in (group.ingress, group.egress):
            out = []
            for rule in rules:
                cidr = rule.cidr_ipv4
                if cidr is None or not data.draw(st.booleans(), label=f"split {group_id} {cidr}"):
                    out.append(rule)
                    continue
                net = ipaddress.IPv4Network(cidr)
                bits = min(32 - net.prefixlen, data.draw(st.integers(1, 3), label="bits"))
                if bits == 0:
                    out.append(rule)
                    continue
                out.extend(
                    dataclasses.replace(rule, cidr_ipv4=str(n)) for n in net.subnets(prefixlen_diff=bits)
                )
                count += 1
            rules[:] = out
    network.touch()
    return count


@settings(max_examples=15)
@given(SEEDS, st.data())
def test_splitting_rule_cidrs_never_changes_exposure_severity(seed: int, data: st.DataObject) -> None:
    before = exposure(generate_network(seed, PRESETS["small"]))
    split = generate_network(seed, PRESETS["small"])
    _split_rules(split, data)
    after = exposure(split)

    def tiers(result: object) -> dict[tuple[object, ...], str]:
        return {
            (f.eni, f.address, f.entry.traffic, f.entry.sources, f.bidirectional): f.severity
            for f in result.findings  # type: ignore[attr-defined]
        }

    assert tiers(after) == tiers(before)
