"""YAML -> AWS -> YAML gives the same network, on generated networks."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from tests.support.networks import canonical, differences

from vpcsim.formats.aws import export_aws, load_aws
from vpcsim.formats.spec import dump_spec, load_spec
from vpcsim.model import Network
from vpcsim.testing import PRESETS
from vpcsim.testing.strategies import networks


def _security_rules_as_sets(document: dict[str, object]) -> dict[str, object]:
    groups = document["security_groups"]
    assert isinstance(groups, dict)
    for data in groups.values():
        for direction in ("ingress", "egress"):
            data[direction] = sorted(data[direction], key=repr)
    return document


@settings(max_examples=12)
@given(networks(PRESETS["small"]))
def test_yaml_aws_yaml_round_trip(network: Network) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        first = load_spec(dump_spec(network), filename="net.yaml").network
        export_aws(first, root / "aws")
        second = load_aws(root / "aws").network
        again = load_spec(dump_spec(second), filename="net.yaml").network
    left = _security_rules_as_sets(canonical(first))
    right = _security_rules_as_sets(canonical(again))
    assert differences(left, right) == []


@settings(max_examples=10)
@given(networks(PRESETS["dual-stack-small"]))
def test_dual_stack_yaml_aws_yaml_round_trip(network: Network) -> None:
    """IPv6 blocks, addresses, egress-only gateways, IPv6 routes and rules survive both formats."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        first = load_spec(dump_spec(network), filename="net.yaml").network
        export_aws(first, root / "aws")
        second = load_aws(root / "aws").network
        again = load_spec(dump_spec(second), filename="net.yaml").network
    left = _security_rules_as_sets(canonical(first))
    right = _security_rules_as_sets(canonical(again))
    assert differences(left, right) == []
    assert sorted(a for e in first.network_interfaces.values() for a in e.ipv6_addresses) == sorted(
        a for e in network.network_interfaces.values() for a in e.ipv6_addresses
    )
    assert len(first.egress_only_internet_gateways) == len(network.egress_only_internet_gateways)
