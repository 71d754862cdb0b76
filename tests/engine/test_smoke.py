"""A public/private VPC with a NAT gateway and a bastion: the engine's main paths."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim import Network


@pytest.fixture
def net() -> Network:
    n = Network()
    vpc = n.create_vpc("10.0.0.0/16", name="main")
    igw = n.create_internet_gateway(name="igw")
    n.attach_internet_gateway(igw, vpc)
    pub = n.create_subnet(vpc, "10.0.1.0/24", name="public")
    priv = n.create_subnet(vpc, "10.0.2.0/24", name="private")
    rt = n.create_route_table(vpc, name="public-rt")
    n.create_route(rt, "0.0.0.0/0", igw.id)
    n.associate_route_table(rt, pub)
    nat = n.create_nat_gateway(pub, name="nat")
    prt = n.create_route_table(vpc, name="private-rt")
    n.create_route(prt, "0.0.0.0/0", nat.id)
    n.associate_route_table(prt, priv)
    sg = n.create_security_group(vpc, "ssh")
    n.authorize_security_group_ingress(sg, ip_protocol="tcp", port=22, cidr_ipv4="0.0.0.0/0")
    n.run_instance(pub, name="bastion", groups=[sg], associate_public_ip_address=True)
    n.run_instance(priv, name="app", groups=[sg])
    return n


@pytest.mark.parametrize(
    ("src", "dst", "kwargs", "verdict", "codes"),
    [
        ("bastion", "internet:8.8.8.8", {"port": 443}, "reachable", []),
        ("internet", "bastion", {"port": 22}, "reachable", []),
        ("internet", "bastion", {"port": 80}, "unreachable", ["ENI_SG_RULES_MISMATCH"]),
        ("app", "internet:8.8.8.8", {"port": 443}, "reachable", []),
        ("bastion", "app", {"port": 22}, "reachable", []),
        ("app", "bastion", {"protocol": "icmp"}, "unreachable", ["ENI_SG_RULES_MISMATCH"]),
        ("internet", "app", {"port": 22}, "unreachable", ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]),
    ],
)
def test_paths(
    net: Network, src: str, dst: str, kwargs: dict[str, object], verdict: str, codes: list[str]
) -> None:
    result = vpcsim.trace(net, src, dst, **kwargs)  # type: ignore[arg-type]
    assert result.verdict == verdict
    assert result.codes == codes


def test_nat_gateway_translates_and_reverses(net: Network) -> None:
    result = vpcsim.trace(net, "app", "internet:8.8.8.8", port=443)
    nat_steps = [s for h in result.forward for s in h.steps if s.kind == "nat"]
    assert [s.component.split("-")[0] for s in nat_steps] == ["nat", "igw"]
    assert nat_steps[0].after is not None and nat_steps[0].after.source_ports == ((1024, 65535),)
    assert [s.kind for s in result.return_[-1].steps] == ["conntrack", "delivery"]
    assert result.to_dict()["reachable"] is True


def test_trace_json_matches_published_contract(net: Network) -> None:
    from vpcsim.contracts import TraceOut

    for src, dst, kwargs in [("app", "internet:8.8.8.8", {"port": 443}), ("internet", "app", {"port": 22})]:
        document = vpcsim.trace(net, src, dst, **kwargs).to_dict()  # type: ignore[arg-type]
        parsed = TraceOut.model_validate(document)
        assert parsed.model_dump(mode="json", by_alias=True) == document
