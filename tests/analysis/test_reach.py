"""reach on the tutorial's situations: the lists, the entries, the JSON contract."""

from __future__ import annotations

import pytest
from tests.support.builders import (
    AclRule,
    acl_of,
    custom_acl,
    public_private_vpc,
    replace_rules,
    tutorial_vpc,
    two_vpcs,
)

from vpcsim.analysis import reach
from vpcsim.engine import EndpointError, Flow


def _lists(result: object) -> dict[str, list[str]]:
    return {
        name: [e.describe() for e in getattr(result, name)]
        for name in ("allowed", "one_way", "partial", "unknown")
    }


def test_ssh_only_between_two_instances() -> None:
    s = tutorial_vpc(firewall="ssh")
    result = reach(s.net, "web-1", "web-2")
    assert _lists(result) == {"allowed": ["tcp 22"], "one_way": [], "partial": [], "unknown": []}
    entry = result.allowed[0]
    assert entry.sources == ("10.0.0.4/32",) and entry.destinations == ("10.0.16.4/32",)


def test_open_group_allows_all_traffic() -> None:
    s = tutorial_vpc(firewall="open")
    result = reach(s.net, "web-1", "web-2")
    assert [e.traffic.protocol for e in result.allowed] == ["all"]
    assert result.to_dict()["allowed"][0]["ports"] is None


def test_from_the_internet_sources_are_every_internet_address() -> None:
    s = tutorial_vpc(firewall="ssh")
    result = reach(s.net, "internet", "web-1")
    assert [(e.describe(), e.sources) for e in result.allowed] == [("tcp 22", ("0.0.0.0/0",))]
    # The destination from the internet is the instance's public address.
    assert result.allowed[0].destinations[0].startswith("203.0.113.")


def test_no_public_address_means_nothing_from_the_internet() -> None:
    s = tutorial_vpc(firewall="open", public_ips=False)
    result = reach(s.net, "internet", "web-1")
    assert result.empty


def test_stateless_acl_trap_is_one_way() -> None:
    """Inbound ssh allowed, outbound only to port 22: the SYN lands, the reply never comes back."""
    s = tutorial_vpc(firewall="ssh")
    custom_acl(
        s.net,
        s.subnet_b,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
    )
    result = reach(s.net, "web-1", "web-2")
    assert _lists(result)["one_way"] == ["tcp 22"]
    assert result.allowed == ()


def test_half_the_client_ports_is_partial() -> None:
    s = tutorial_vpc(firewall="ssh")
    custom_acl(
        s.net,
        s.subnet_b,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow", "tcp", ports=(32768, 40000))],
    )
    result = reach(s.net, "web-1", "web-2")
    assert [e.source_ports for e in result.partial] == [((32768, 40000),)]
    # The same flow pinned to a working port is allowed; to a failing one, not.
    base = dict(protocol=6, source="10.0.0.4", destination="10.0.16.4", destination_port=22)
    eni = s.net.primary_network_interface(s.web1.instance_id).network_interface_id
    assert result.permits(Flow(**base, source_ports=((33000, 33000),), source_eni=eni))
    assert not result.permits(Flow(**base, source_ports=((50000, 50000),), source_eni=eni))
    # Windows clients (49152-65535) get nothing back at all.
    windows = reach(s.net, "web-1", "web-2", client_ports=(49152, 65535))
    assert _lists(windows)["one_way"] == ["tcp 22"]


def test_nat_gateway_outbound_only() -> None:
    p = public_private_vpc()
    out = reach(p.net, "app", "internet")
    assert {e.traffic.protocol for e in out.allowed} == {"tcp", "udp", "icmp"}
    assert all(e.destinations == ("0.0.0.0/0",) for e in out.allowed)
    # A NAT gateway carries TCP, UDP and ICMP only: other protocols are not in any list.
    assert not any(e.traffic.protocol in ("all", "other") for e in out.allowed)
    assert reach(p.net, "internet", "app").empty


def test_bastion_group_reference() -> None:
    p = public_private_vpc()
    assert _lists(reach(p.net, "bastion", "app"))["allowed"] == ["tcp 22"]
    # The bastion accepts SSH from anywhere, the app included.
    assert _lists(reach(p.net, "app", "bastion"))["allowed"] == ["tcp 22"]


def test_peering_one_sided_route_is_one_way() -> None:
    t = two_vpcs(route_b=False)
    result = reach(t.net, "a", "b")
    one_way = {e.traffic.protocol: e.traffic for e in result.one_way}
    assert one_way["tcp"].ports is None and one_way["udp"].ports is None
    assert (8, -1) in (one_way["icmp"].icmp or ())
    # ICMP messages that get no reply (destination unreachable...) need no return path.
    assert [e.traffic.protocol for e in result.allowed] == ["icmp"]
    assert (8, -1) not in (result.allowed[0].traffic.icmp or ())


def test_unknown_beyond_a_virtual_private_gateway() -> None:
    t = two_vpcs(peering=False)
    vgw = t.net.create_vpn_gateway(t.vpc_a)
    t.net.create_route(t.rt_a, "10.1.0.0/16", vgw.vpn_gateway_id)
    result = reach(t.net, "a", "b")
    assert result.allowed == () and result.unknown


def test_acl_deny_carves_ports() -> None:
    s = tutorial_vpc(firewall="open")
    replace_rules(
        s.net,
        acl_of(s.net, s.subnet_b),
        egress=False,
        rules=[AclRule(90, "deny", "tcp", ports=(1000, 2000)), AclRule(100, "allow")],
    )
    result = reach(s.net, "web-1", "web-2")
    tcp = [e for e in result.allowed if e.traffic.protocol == "tcp"]
    assert tcp[0].traffic.ports == ((0, 999), (2001, 65535))


def test_json_contract() -> None:
    s = tutorial_vpc(firewall="ssh")
    doc = reach(s.net, "web-1", "web-2").to_dict()
    assert doc["schema_version"] == 1 and doc["from"] == "web-1" and doc["to"] == "web-2"
    assert set(doc) >= {"allowed", "one_way", "partial"}
    assert doc["allowed"] == [
        {
            "protocol": "tcp",
            "ports": [[22, 22]],
            "icmp": None,
            "sources": ["10.0.0.4/32"],
            "destinations": ["10.0.16.4/32"],
        }
    ]


def test_unknown_endpoint() -> None:
    s = tutorial_vpc()
    with pytest.raises(EndpointError):
        reach(s.net, "web-1", "no-such-thing")
    with pytest.raises(EndpointError):
        reach(s.net, "internet", "internet")


def test_naive_method_agrees() -> None:
    p = public_private_vpc()
    for a, b in (("bastion", "app"), ("app", "internet"), ("internet", "bastion")):
        assert reach(p.net, a, b).to_dict() == reach(p.net, a, b, naive=True).to_dict()
