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


# ------------------------------------------------------------------ transit gateway snapshot
# VPC A (10.10/16): subnet A (us-east-2c, the attachment's) with i-06ba034d88c84ef07, subnet A2
# (us-east-2a, no attachment subnet there) with i-075e846ed41670385; VPC B (192.168/16): subnet
# B (us-east-2b, the attachment's) with i-0b14080af811fda3d. Both attachments are associated with
# and propagate into the default table; both main tables route the other VPC to the gateway. The
# groups allow tcp/22 inbound only.

A_HOST, A2_HOST, B_HOST = "i-06ba034d88c84ef07", "i-075e846ed41670385", "i-0b14080af811fda3d"
TGW_TABLE = "tgw-rtb-0fa40c8df355dce6e"
A_ATTACHMENT = "tgw-attach-07f5ec59e9f540021"


@pytest.fixture(scope="module")
def transit() -> Network:
    return _load("test-transit-gateway")


@pytest.mark.parametrize(("src", "dst"), [(A_HOST, B_HOST), (B_HOST, A_HOST)])
def test_transit_gateway_carries_ssh_between_the_vpcs(transit: Network, src: str, dst: str) -> None:
    result = vpcsim.trace(transit, src, dst, port=22)
    assert result.verdict == "reachable"
    hops = [h.component for h in result.forward]
    assert "tgw-044be4464fcc69aff" in hops and TGW_TABLE in hops
    assert any(h.type == "transit-gateway-attachment" for h in result.return_)


@pytest.mark.parametrize(
    ("src", "dst", "group"),
    [(A_HOST, B_HOST, "sg-065c26b39e45ae384"), (B_HOST, A_HOST, "sg-09606ce9642cac154")],
)
def test_transit_gateway_other_traffic_denied_by_the_destination_group(
    transit: Network, src: str, dst: str, group: str
) -> None:
    result = vpcsim.trace(transit, src, dst, protocol="icmp")
    assert [(b.code, b.component) for b in result.blockers] == [("ENI_SG_RULES_MISMATCH", group)]


def test_transit_gateway_zone_without_attachment_subnet(transit: Network) -> None:
    """Subnet A2's zone has no subnet of the attachment: it cannot reach the gateway, and its
    replies cannot either."""
    out = vpcsim.trace(transit, A2_HOST, B_HOST, port=22)
    assert [(b.code, b.component, b.path) for b in out.blockers] == [
        ("TGW_ROUTE_AZ_RESTRICTION", A_ATTACHMENT, "forward")
    ]
    back = vpcsim.trace(transit, B_HOST, A2_HOST, port=22)
    assert [(b.code, b.component, b.path) for b in back.blockers] == [
        ("TGW_ROUTE_AZ_RESTRICTION", A_ATTACHMENT, "return")
    ]


def test_transit_gateway_snapshot_answers_no_unknown(transit: Network) -> None:
    for src in (A_HOST, A2_HOST, B_HOST):
        for dst in (A_HOST, A2_HOST, B_HOST):
            if src != dst:
                assert vpcsim.trace(transit, src, dst, port=22).verdict != "unknown"


# ------------------------------------------------------------------ gateway endpoint snapshot
# vpc-05d56c7295fca139b: subnet-04391f04b912d0a73 (routes 0.0.0.0/0 to the IGW and the S3 list
# to the endpoint) with i-0464d440ca0ee9e34; subnet-01e5f0945f6d6f47c (no IGW route, the S3
# list to the endpoint) with i-01c6c0647fdccc89e. S3's list: 54.231.0.0/17, 52.216.0.0/15, ...

VPCE = "vpce-0b7357542bb7b83ec"


@pytest.fixture(scope="module")
def endpoint_snapshot() -> Network:
    return _load("test-vpc-endpoint-gateway")


@pytest.mark.parametrize("host", ["i-0464d440ca0ee9e34", "i-01c6c0647fdccc89e"])
def test_gateway_endpoint_carries_s3_traffic(endpoint_snapshot: Network, host: str) -> None:
    result = vpcsim.trace(endpoint_snapshot, host, "52.216.10.10", port=443)
    assert result.verdict == "reachable"
    assert result.forward[-1].component == VPCE
    assert "igw-0c8afe4471084ccba" not in [h.component for h in result.forward]
    udp = vpcsim.trace(endpoint_snapshot, host, "52.216.10.10", protocol="udp", port=53)
    assert [(b.code, b.component) for b in udp.blockers] == [("VPCE_GATEWAY_PROTOCOL_RESTRICTION", VPCE)]


def test_gateway_endpoint_other_services_take_the_usual_path(endpoint_snapshot: Network) -> None:
    """DynamoDB's ranges have no endpoint here: the internet gateway, or no route at all."""
    via_igw = vpcsim.trace(endpoint_snapshot, "i-0464d440ca0ee9e34", "52.94.0.10", port=443)
    assert via_igw.verdict == "reachable" and "igw-0c8afe4471084ccba" in [
        h.component for h in via_igw.forward
    ]
    no_route = vpcsim.trace(endpoint_snapshot, "i-01c6c0647fdccc89e", "52.94.0.10", port=443)
    assert no_route.codes == ["NO_ROUTE_TO_DESTINATION"]


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
    # The dump has no describe-target-group-attributes: RA's details say what was assumed.
    tg = "arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/"
    details = [(s.component, s.rule) for h in result.forward for s in h.steps if s.kind == "detail"]
    assert [(c.startswith(tg), rule) for c, rule in details] == [
        (True, "MISSING_TARGET_GROUP_ATTRIBUTES"),
        (True, "ASSUMPTION_PRESERVE_CLIENT_IP_IS_ENABLED"),
    ]


def test_load_balancer_other_ports_are_refused_by_the_listener() -> None:
    network = _load("test-load-balancer")
    result = vpcsim.trace(network, _JUMP, "10.1.1.237", port=22)
    assert result.verdict == "unreachable"
    assert [(b.code, b.component) for b in result.blockers] == [("ELBV2_LISTENER_PORT_RESTRICTION", _LB)]


def test_load_balancer_internal_nlb_is_not_reachable_from_the_internet() -> None:
    network = _load("test-load-balancer")
    assert vpcsim.trace(network, "internet", "10.1.1.237", port=80).verdict == "unreachable"
