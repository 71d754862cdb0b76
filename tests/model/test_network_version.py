"""Compiled rules never go stale through ``Network``'s methods.

The engine compiles a network once per ``version``. Every method of :class:`vpcsim.Network` that
changes a resource bumps the version, so the next answer sees the change; a field edited directly
needs ``network.touch()`` (``docs/api.md``, "Editing a network"). These tests run every mutating
method and check both halves of the rule: the state changed => the version moved, and the answer
on the network equals the answer on a fresh copy (which has no compiled cache).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable

import vpcsim
from vpcsim import Network
from vpcsim.model import SecurityGroupRule

Step = tuple[str, Callable[[Network], object]]


def _snapshot(network: Network) -> list[object]:
    return [(type(r).__name__, r.id, dataclasses.asdict(r)) for r in network.resources()]  # type: ignore[call-overload]


FLOWS = [
    ("web", "db", {"port": 5432}),
    ("web", "internet:8.8.8.8", {"port": 443}),
    ("internet", "web", {"port": 22}),
    ("db", "internet:1.1.1.1", {"port": 443}),
    ("web", "10.1.0.10", {"port": 22}),
]


def _answers(network: Network) -> list[tuple[str, list[str]]]:
    out = []
    for src, dst, options in FLOWS:
        try:
            result = vpcsim.trace(network, src, dst, **options)  # type: ignore[arg-type]
        except ValueError as exc:
            out.append(("error", [str(exc)]))
            continue
        out.append((result.verdict, result.codes))
    return out


def _steps() -> list[Step]:
    ids: dict[str, str] = {}
    rules: dict[str, SecurityGroupRule] = {}

    def keep(key: str, value: object) -> object:
        if isinstance(value, SecurityGroupRule):
            ids[key] = key
            rules[key] = value
        else:
            ids[key] = value.id  # type: ignore[attr-defined]
        return value

    return [
        ("create_vpc", lambda n: keep("vpc", n.create_vpc("10.0.0.0/16", name="main"))),
        ("associate_vpc_cidr_block", lambda n: n.associate_vpc_cidr_block(ids["vpc"], "10.50.0.0/16")),
        (
            "create_subnet",
            lambda n: keep("public", n.create_subnet(ids["vpc"], "10.0.1.0/24", name="public")),
        ),
        (
            "create_subnet",
            lambda n: keep("private", n.create_subnet(ids["vpc"], "10.0.2.0/24", name="private")),
        ),
        ("create_security_group", lambda n: keep("sg", n.create_security_group(ids["vpc"], "web-sg"))),
        (
            "run_instance",
            lambda n: keep("web", n.run_instance(ids["public"], name="web", groups=[ids["sg"]])),
        ),
        ("run_instance", lambda n: keep("db", n.run_instance(ids["private"], name="db", groups=[ids["sg"]]))),
        ("create_internet_gateway", lambda n: keep("igw", n.create_internet_gateway())),
        ("attach_internet_gateway", lambda n: n.attach_internet_gateway(ids["igw"], ids["vpc"])),
        ("create_route_table", lambda n: keep("rtb", n.create_route_table(ids["vpc"]))),
        ("create_route", lambda n: n.create_route(ids["rtb"], "0.0.0.0/0", ids["igw"])),
        ("associate_route_table", lambda n: n.associate_route_table(ids["rtb"], ids["public"])),
        ("allocate_address", lambda n: keep("eip", n.allocate_address())),
        ("associate_address", lambda n: n.associate_address(ids["eip"], ids["web"])),
        (
            "authorize_security_group_ingress",
            lambda n: keep(
                "ssh",
                n.authorize_security_group_ingress(
                    ids["sg"], ip_protocol="tcp", from_port=22, to_port=22, cidr_ipv4="0.0.0.0/0"
                ),
            ),
        ),
        (
            "revoke_security_group_ingress",
            lambda n: n.revoke_security_group_ingress(ids["sg"], rules[ids["ssh"]]),
        ),
        ("revoke_security_group_egress", lambda n: n.revoke_security_group_egress(ids["sg"])),
        (
            "authorize_security_group_egress",
            lambda n: n.authorize_security_group_egress(ids["sg"], ip_protocol="-1", cidr_ipv4="0.0.0.0/0"),
        ),
        ("create_nat_gateway", lambda n: keep("nat", n.create_nat_gateway(ids["public"], allocation=None))),
        ("create_route_table", lambda n: keep("private-rtb", n.create_route_table(ids["vpc"]))),
        ("create_route", lambda n: n.create_route(ids["private-rtb"], "0.0.0.0/0", ids["nat"])),
        ("associate_route_table", lambda n: n.associate_route_table(ids["private-rtb"], ids["private"])),
        ("create_network_acl", lambda n: keep("acl", n.create_network_acl(ids["vpc"]))),
        (
            "replace_network_acl_association",
            lambda n: n.replace_network_acl_association(ids["private"], ids["acl"]),
        ),
        (
            "create_network_acl_entry",
            lambda n: n.create_network_acl_entry(ids["acl"], 100, egress=False, rule_action="allow"),
        ),
        (
            "create_network_acl_entry",
            lambda n: n.create_network_acl_entry(ids["acl"], 100, egress=True, rule_action="allow"),
        ),
        ("delete_network_acl_entry", lambda n: n.delete_network_acl_entry(ids["acl"], 100, egress=True)),
        ("create_vpc", lambda n: keep("peer", n.create_vpc("10.1.0.0/16", name="peer"))),
        ("create_subnet", lambda n: keep("peer-subnet", n.create_subnet(ids["peer"], "10.1.0.0/24"))),
        ("run_instance", lambda n: n.run_instance(ids["peer-subnet"], name="other", private_ip="10.1.0.10")),
        (
            "create_vpc_peering_connection",
            lambda n: keep("pcx", n.create_vpc_peering_connection(ids["vpc"], ids["peer"])),
        ),
        ("accept_vpc_peering_connection", lambda n: n.accept_vpc_peering_connection(ids["pcx"])),
        ("create_route", lambda n: n.create_route(ids["rtb"], "10.1.0.0/16", ids["pcx"])),
        ("delete_route", lambda n: n.delete_route(ids["rtb"], "10.1.0.0/16")),
        ("replace_main_route_table", lambda n: n.replace_main_route_table(ids["vpc"], ids["rtb"])),
        ("stop_instance", lambda n: n.stop_instance(ids["db"])),
        ("start_instance", lambda n: n.start_instance(ids["db"])),
        ("delete_nat_gateway", lambda n: n.delete_nat_gateway(ids["nat"])),
        ("detach_internet_gateway", lambda n: n.detach_internet_gateway(ids["igw"])),
    ]


def test_every_change_through_a_method_is_seen() -> None:
    network = Network()
    for name, step in _steps():
        before, version = _snapshot(network), network.version
        _answers(network)  # compile (and cache) the rules as they are now
        step(network)
        if _snapshot(network) != before:
            assert network.version > version, f"{name} changed the network without bumping its version"
        assert _answers(network) == _answers(copy.deepcopy(network)), f"stale answer after {name}"


def test_a_direct_edit_is_seen_after_touch() -> None:
    network = vpcsim.load("bastion-nat")
    assert vpcsim.trace(network, "bastion", "app", port=22).verdict == "reachable"
    group = next(g for g in network.security_groups.values() if g.group_name == "app-sg")
    group.ingress.clear()
    network.touch()
    result = vpcsim.trace(network, "bastion", "app", port=22)
    assert result.codes == ["SG_HAS_NO_RULES"]
    assert result == vpcsim.trace(copy.deepcopy(network), "bastion", "app", port=22)
