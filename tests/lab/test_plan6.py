"""The IPv6 half of the lab's plan (pure: no kernel needed).

An IPv4-only network's plan has no IPv6 at all; a dual-stack one puts the subnets' /64s on the
routers' bridges and the ENIs' IPv6 addresses on their interfaces without duplicate address
detection, routes ``::/0`` to the internet gateway or to the egress-only gateway's own namespace,
and filters with ``ip6`` rules that let neighbour discovery through first. The incremental
difference keys IPv6 facts apart from IPv4's.
"""

from __future__ import annotations

from vpcsim.formats.loader import load_example
from vpcsim.lab.diff import diff_plans, facts
from vpcsim.lab.nft import IPV6
from vpcsim.lab.plan import build_plan
from vpcsim.lab.rules import acl_chain_lines, sg_rule_lines
from vpcsim.model import Network, NetworkAclEntry, SecurityGroupRule


def _dual_stack() -> Network:
    return load_example("dual-stack").network


def test_an_ipv4_network_gets_no_ipv6() -> None:
    plan = build_plan(load_example("bastion-nat").network, "p6")
    for ns in plan.namespaces:
        assert not [line for line in ns.configure if line.startswith(IPV6.ip_prefix)], ns.name
        assert "table ip6" not in ns.nft
        assert ("net.ipv6.conf.all.disable_ipv6", "1") in ns.sysctls


def test_dual_stack_addresses_without_duplicate_address_detection() -> None:
    plan = build_plan(_dual_stack(), "p6")
    lines = [line for ns in plan.namespaces for line in ns.configure]
    assert any(line.startswith(f"{IPV6.ip_prefix}addr add 2600:1f1e:c00:ce01::1/64 dev b") for line in lines)
    assert f"{IPV6.ip_prefix}addr add 2600:1f1e:c00:ce02::20/64 dev eth0 nodad" in lines
    assert all("nodad" in line for line in lines if line.startswith(f"{IPV6.ip_prefix}addr add"))
    for ns in plan.namespaces:
        settings = dict(ns.sysctls)
        assert settings["net.ipv6.conf.default.accept_dad"] == "0", ns.name
        assert settings["net.ipv6.conf.all.disable_ipv6"] == "0", ns.name


def test_the_egress_only_gateway_is_a_stateful_namespace() -> None:
    network = _dual_stack()
    plan = build_plan(network, "p6")
    (eigw,) = [ns for ns in plan.namespaces if ns.role == "egress-only-internet-gateway"]
    assert eigw.component in network.egress_only_internet_gateways
    assert 'iifname "in" ct state new accept' in eigw.nft
    assert "ct state established,related accept" in eigw.nft
    assert "policy drop" in eigw.nft
    router = next(ns for ns in plan.namespaces if ns.role == "router")
    routes = [line for line in router.configure if line.startswith(f"{IPV6.ip_prefix}route add ::/0")]
    assert any("dev igw" in line for line in routes) and any("dev eg" in line for line in routes)


def test_neighbour_discovery_passes_before_any_filter() -> None:
    plan = build_plan(_dual_stack(), "p6")
    for ns in plan.namespaces:
        if "table ip6" not in ns.nft:
            continue
        six = ns.nft[ns.nft.index("table ip6") :]
        for chain in ("input", "output"):
            start = six.find(f"chain {chain} {{")
            if start < 0 or "policy drop" not in six[start : six.index("}", start)]:
                continue
            body = six[start : six.index("}", start)]
            first_drop = body.find("drop", body.index("policy drop") + len("policy drop"))
            ndp = body.find("nd-neighbor-solicit")
            assert ndp >= 0 and (first_drop < 0 or ndp < first_drop), (ns.name, chain)


def test_security_group_families_stay_apart() -> None:
    network = Network()
    four = SecurityGroupRule(ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv4="0.0.0.0/0")
    six = SecurityGroupRule(ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv6="::/0")
    echo = SecurityGroupRule(ip_protocol="icmpv6", from_port=128, to_port=-1, cidr_ipv6="2001:db8::/32")
    icmp4 = SecurityGroupRule(ip_protocol="icmp", from_port=-1, to_port=-1, cidr_ipv6="::/0")
    kw = {"egress": False, "verdict": "accept", "members": set[str](), "label": "r"}
    assert sg_rule_lines(network, four, family=IPV6, **kw) == []  # type: ignore[arg-type]
    assert sg_rule_lines(network, six, family=IPV6, **kw)[0].startswith("tcp dport 80 ip6 saddr ::/0 accept")  # type: ignore[arg-type]
    assert "icmpv6 type 128" in sg_rule_lines(network, echo, family=IPV6, **kw)[0]  # type: ignore[arg-type]
    assert sg_rule_lines(network, icmp4, family=IPV6, **kw) == []  # type: ignore[arg-type]


def test_acl_ipv6_entries_in_rule_order_ending_with_the_ipv6_star_rule() -> None:
    entries = [
        NetworkAclEntry(rule_number=120, protocol="6", rule_action="allow", egress=False, ipv6_cidr_block="::/0", port_range=(1024, 65535)),
        NetworkAclEntry(rule_number=100, protocol="6", rule_action="deny", egress=False, ipv6_cidr_block="2001:db8::/32", port_range=(22, 22)),
        NetworkAclEntry(rule_number=110, protocol="-1", rule_action="allow", egress=False, cidr_block="0.0.0.0/0"),
    ]  # fmt: skip
    lines = acl_chain_lines(entries, egress=False, acl_id="acl-1", family=IPV6)
    assert lines[0].startswith("tcp dport 22 ip6 saddr 2001:db8::/32 drop") and "rule 100" in lines[0]
    assert lines[1].startswith("tcp dport 1024-65535 ip6 saddr ::/0 return") and "rule 120" in lines[1]
    assert len(lines) == 3 and lines[2].startswith("drop") and "rule *" in lines[2]


def test_the_difference_keys_ipv6_facts_apart() -> None:
    both = ["rule add pref 200 iif eth0 lookup 100", f"{IPV6.ip_prefix}rule add pref 200 iif eth0 lookup 100"]
    assert len(facts(both)) == 2
    network = _dual_stack()
    old = build_plan(network, "p6")
    assert diff_plans(old, build_plan(network, "p6")).empty
    app = next(i for i in network.instances.values() if i.name == "app")
    eni = network.primary_network_interface(app.instance_id)
    network.assign_ipv6_addresses(eni, ["2600:1f1e:c00:ce02::21"])
    change = diff_plans(old, build_plan(network, "p6"))
    added = [line for item in change.changed for line in item.add]
    assert f"{IPV6.ip_prefix}addr add 2600:1f1e:c00:ce02::21/64 dev eth0 nodad" in added
    back = diff_plans(build_plan(network, "p6"), old)
    removed = [line for item in back.changed for line in item.remove]
    assert f"{IPV6.ip_prefix}addr del 2600:1f1e:c00:ce02::21/64 dev eth0 nodad" in removed
