"""The known outcomes of the real AWS snapshots (tests/fixtures/aws/README.md), through import and trace."""

from __future__ import annotations

import pytest
from tests.support.paths import FIXTURES

import vpcsim
from vpcsim.engine import Trace
from vpcsim.formats.aws import load_aws
from vpcsim.model import Network

FIXTURES = FIXTURES / "aws"


def _load(name: str) -> Network:
    return load_aws(FIXTURES / name).network


@pytest.fixture(scope="module")
def public_subnet() -> Network:
    return _load("test-public-subnet")


@pytest.fixture(scope="module")
def public_private() -> Network:
    return _load("test-public-private-subnet")


def _nat_steps(result: Trace) -> list[tuple[str, str, str]]:
    return [
        (s.component, s.before.source if s.before else "", s.after.source if s.after else "")
        for h in result.forward
        for s in h.steps
        if s.kind == "nat"
    ]


def test_public_subnet_instance_reaches_internet_translated(public_subnet: Network) -> None:
    result = vpcsim.trace(public_subnet, "i-06669a407b2ef3ae5", "8.8.8.8", port=443)
    assert result.verdict == "reachable"
    assert ("igw-0a409e562d251f766", "10.0.0.91", "18.216.80.133") in _nat_steps(result)


def test_public_subnet_inbound_80_denied_by_group(public_subnet: Network) -> None:
    result = vpcsim.trace(public_subnet, "internet:8.8.8.8", "18.216.80.133", port=80)
    assert result.verdict == "unreachable"
    assert [(b.code, b.component, b.direction) for b in result.blockers] == [
        ("ENI_SG_RULES_MISMATCH", "sg-09ccba6656672061b", "inbound")
    ]
    translated = [s for h in result.forward for s in h.steps if s.kind == "nat"]
    assert translated[0].after is not None and translated[0].after.destination == "10.0.0.91"


def test_public_subnet_inbound_22_delivered(public_subnet: Network) -> None:
    assert vpcsim.trace(public_subnet, "internet:8.8.8.8", "18.216.80.133", port=22).verdict == "reachable"


def test_public_subnet_private_address_never_enters(public_subnet: Network) -> None:
    result = vpcsim.trace(public_subnet, "internet:8.8.8.8", "10.0.0.91", port=22)
    assert result.codes == ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]
    assert [h.component for h in result.forward] == ["internet"]


def test_public_subnet_unowned_public_address_goes_nowhere(public_subnet: Network) -> None:
    result = vpcsim.trace(public_subnet, "internet:8.8.8.8", "54.191.107.23", port=22)
    assert result.codes == ["UNKNOWN_DESTINATION"]


def test_public_private_public_instance_exits_through_igw(public_private: Network) -> None:
    result = vpcsim.trace(public_private, "i-094a9e5b545a4fde4", "8.8.8.8", port=443)
    assert result.verdict == "reachable"
    assert "igw-0eac198308206c358" in [h.component for h in result.forward]


def test_public_private_private_instance_goes_to_vgw_unknown(public_private: Network) -> None:
    result = vpcsim.trace(public_private, "i-099cf38911942421c", "8.8.8.8", port=443)
    assert result.verdict == "unknown"
    assert result.codes == ["VPCSIM_OUTSIDE_MODEL"]
    assert result.blockers[0].component == "vgw-070087240d6fa2989"
    assert "igw-0eac198308206c358" not in [h.component for h in result.forward]


@pytest.mark.parametrize(
    ("src", "dst"), [("i-099cf38911942421c", "10.0.0.47"), ("i-094a9e5b545a4fde4", "10.0.1.204")]
)
@pytest.mark.parametrize(
    ("protocol", "port", "verdict"),
    [
        ("tcp", 22, "reachable"),
        ("tcp", 80, "unreachable"),
        ("udp", 53, "unreachable"),
        ("icmp", None, "unreachable"),
    ],
)
def test_public_private_inside_vpc(
    public_private: Network, src: str, dst: str, protocol: str, port: int | None, verdict: str
) -> None:
    result = vpcsim.trace(public_private, src, dst, protocol=protocol, port=port)
    assert result.verdict == verdict
    if verdict == "unreachable":
        assert [(b.code, b.direction) for b in result.blockers] == [("ENI_SG_RULES_MISMATCH", "inbound")]


def test_public_private_internet_to_public_instance(public_private: Network) -> None:
    assert vpcsim.trace(public_private, "internet", "13.58.55.60", port=22).verdict == "reachable"
    denied = vpcsim.trace(public_private, "internet", "13.58.55.60", port=443)
    assert denied.codes == ["ENI_SG_RULES_MISMATCH"]
    assert denied.blockers[0].component == "sg-0662342465612f419"


def test_public_private_internet_to_private_address_dropped(public_private: Network) -> None:
    assert vpcsim.trace(public_private, "internet", "10.0.0.47", port=22).codes == [
        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
    ]


@pytest.mark.parametrize("name", ["test-transit-gateway", "test-vpc-endpoint-gateway", "test-load-balancer"])
def test_other_snapshots_import_and_list_what_was_skipped(name: str) -> None:
    loaded = load_aws(FIXTURES / name)
    assert loaded.network.vpcs
    assert loaded.network.network_interfaces
    if name == "test-load-balancer":
        assert not any("LoadBalancer" in key or "TargetGroup" in key for key in loaded.skipped)


@pytest.mark.parametrize("name", ["test-transit-gateway", "test-load-balancer"])
def test_managed_interfaces_of_real_snapshots_are_no_hosts(name: str) -> None:
    """Transit gateway attachment and load balancer ENIs, as AWS describes them (TGW ENIs with
    ``RequesterManaged: false``): no matrix rows, and traffic to them is not answered as a host."""
    network = _load(name)
    managed = [
        e
        for e in network.network_interfaces.values()
        if e.interface_type in ("transit_gateway", "network_load_balancer")
    ]
    assert managed
    labels = set(vpcsim.matrix(network, by="instance").labels)
    assert labels == set(network.instances)
    for eni in managed:
        assert eni.network_interface_id not in labels
        senders = sorted(i for i, inst in network.instances.items() if inst.vpc_id == eni.vpc_id)
        sender = network.primary_network_interface(senders[0])
        result = vpcsim.trace(network, sender.network_interface_id, eni.private_ip_address, port=443)
        assert result.verdict != "reachable"
        if eni.interface_type == "network_load_balancer":
            # A load balancer's node answers on its listeners only (test-lb listens on tcp/80).
            assert result.codes == ["ELBV2_LISTENER_PORT_RESTRICTION"]
            continue
        assert eni.network_interface_id in {b.component for b in result.blockers}


# ---------------------------------------------------------------------- test-load-balancer

_LB = "arn:aws:elasticloadbalancing:us-east-2:554773406868:loadbalancer/net/test-lb/725b996cb6be8fba"
_JUMP = "i-0c8ce8bbdd98cc4e8"


@pytest.mark.parametrize("node", ["10.1.1.237", "10.1.20.123"])
def test_load_balancer_jump_host_reaches_the_nlb_listener_and_its_targets(node: str) -> None:
    """The internal NLB test-lb listens on tcp/80 and forwards to instances on port 22 (the
    targets' registered port); client IP preservation (instance targets) keeps the jump host's
    address, which vpc_a_ssh (tcp/22 from anywhere) allows. Cross-zone is on (attribute)."""
    network = _load("test-load-balancer")
    result = vpcsim.trace(network, _JUMP, node, port=80)
    assert result.verdict == "reachable", result.codes
    served = [s.detail for h in result.forward for s in h.steps if s.kind == "target" and s.component == _LB]
    assert served[-1] == "served by i-0f4af951d61a19245:22, i-055b0db7be365202c:22"
    legs = [s for h in result.forward for s in h.steps if s.kind == "nat" and s.component == _LB]
    assert {(s.after.source, s.after.destination, s.after.destination_ports) for s in legs if s.after} == {
        ("10.1.250.112", "10.1.20.95", ((22, 22),)),
        ("10.1.250.112", "10.1.1.189", ((22, 22),)),
    }


def test_load_balancer_other_ports_are_refused_by_the_listener() -> None:
    network = _load("test-load-balancer")
    result = vpcsim.trace(network, _JUMP, "10.1.1.237", port=22)
    assert result.verdict == "unreachable"
    assert [(b.code, b.component) for b in result.blockers] == [("ELBV2_LISTENER_PORT_RESTRICTION", _LB)]


def test_load_balancer_internal_nlb_is_not_reachable_from_the_internet() -> None:
    network = _load("test-load-balancer")
    assert vpcsim.trace(network, "internet", "10.1.1.237", port=80).verdict == "unreachable"
