"""diff OLD NEW: newly allowed and blocked flows, matching by id, Name tag, Terraform address."""

from __future__ import annotations

import copy

from tests.scenarios.builders import public_private_vpc, tutorial_vpc

from vpcsim.analysis import diff
from vpcsim.analysis.diff import affected, match
from vpcsim.generate import PRESETS, generate_network
from vpcsim.model import SecurityGroupRule


def test_one_new_rule_opens_rdp_to_the_world() -> None:
    old = public_private_vpc().net
    new = copy.deepcopy(old)
    bastion_sg = next(g for g in new.security_groups.values() if g.group_name == "bastion-sg")
    new.authorize_security_group_ingress(bastion_sg, ip_protocol="tcp", port=3389, cidr_ipv4="0.0.0.0/0")
    result = diff(old, new)
    assert result.incremental
    summary = {(p.source, p.destination): [e.describe() for e in p.newly_allowed] for p in result.pairs}
    bastion = next(i for i in new.instances.values() if i.name == "bastion").instance_id
    app = next(i for i in new.instances.values() if i.name == "app").instance_id
    assert summary == {("internet", bastion): ["tcp 3389"], (app, bastion): ["tcp 3389"]}
    internet = next(p for p in result.pairs if p.source == "internet")
    assert internet.newly_allowed[0].sources == ("0.0.0.0/0",)
    assert all(not p.newly_blocked for p in result.pairs)
    # And back: the same change reversed closes exactly that.
    back = diff(new, old)
    assert {(p.source, p.destination): [e.describe() for e in p.newly_blocked] for p in back.pairs} == summary


def test_no_change_no_difference() -> None:
    net = tutorial_vpc().net
    assert diff(net, copy.deepcopy(net)).pairs == ()


def test_incremental_equals_full_on_generated_networks() -> None:
    for seed in (1, 2, 3):
        old = generate_network(seed, PRESETS["small"])
        new = copy.deepcopy(old)
        group = sorted(new.security_groups.values(), key=lambda g: g.group_id)[1]
        group.ingress.append(
            SecurityGroupRule(ip_protocol="udp", from_port=53, to_port=53, cidr_ipv4="0.0.0.0/0")
        )
        if group.egress:
            group.egress.pop()
        new.touch()
        fast = diff(old, new)
        full = diff(old, new, incremental=False)
        assert fast.incremental and not full.incremental
        assert fast.to_dict() == full.to_dict()


def test_matching_by_name_tag_when_ids_differ() -> None:
    old = tutorial_vpc().net
    new = copy.deepcopy(old)
    web1 = next(i for i in new.instances.values() if i.name == "web-1")
    del new.instances[web1.instance_id]
    web1.instance_id = "i-0000000000000new1"
    new.instances[web1.instance_id] = web1
    for eni_id in web1.network_interface_ids:
        new.network_interfaces[eni_id].attachment.instance_id = web1.instance_id  # type: ignore[union-attr]
    new.touch()
    _, only_old, only_new, by_name = match(old, new)
    assert only_old == [] and only_new == []
    assert by_name == [
        (next(i for i in old.instances.values() if i.name == "web-1").instance_id, "i-0000000000000new1")
    ]
    assert diff(old, new).pairs == ()


def test_affected_is_everything_when_routes_change() -> None:
    old = tutorial_vpc().net
    new = copy.deepcopy(old)
    table = next(t for t in new.route_tables.values() if t.name == "public-rt")
    table.routes = [r for r in table.routes if r.destination != "0.0.0.0/0"]
    new.touch()
    assert affected(old, new).senders is None
    result = diff(old, new)
    assert not result.incremental
    assert any(p.destination == "internet" and p.newly_blocked for p in result.pairs)
