"""diff OLD NEW: newly allowed and blocked flows, matching by id, Name tag, Terraform address."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.builders import public_private_vpc, security_group, tutorial_vpc
from tests.support.cli import CliRunner
from tests.support.paths import FIXTURES

from vpcsim.analysis import diff, exposure
from vpcsim.analysis.diff import _route_target_enis, affected, match
from vpcsim.analysis.entries import Entry, in_cidrs
from vpcsim.analysis.exposure import ExposureResult
from vpcsim.engine.compiled import UNKNOWN_ADDRESS_TAG, ip_int
from vpcsim.formats.spec import load_spec
from vpcsim.model import Network, SecurityGroup, SecurityGroupRule
from vpcsim.testing import INTERNET_HOSTS, PRESETS, generate_network
from vpcsim.testing.strategies import SEEDS

AWS_LB = FIXTURES / "aws" / "test-load-balancer"
DIFF_MODULE = importlib.import_module("vpcsim.analysis.diff")  # the package exports diff() by that name


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
        middleboxes = _route_target_enis(new)
        held = {
            g
            for e in new.network_interfaces.values()
            if e.network_interface_id in middleboxes
            for g in e.groups
        }
        group = [
            g
            for g in sorted(new.security_groups.values(), key=lambda g: g.group_id)
            if g.group_id not in held
        ][1]
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


# ---------------------------------------------------------------------------- middleboxes

FIREWALL = """
version: 1
seed: fw
vpcs:
  main:
    cidr: 10.0.0.0/16
    subnets:
      fw: {cidr: 10.0.0.0/24, route_table: fw-rt}
      protected: {cidr: 10.0.1.0/24, route_table: protected-rt}
    route_tables:
      fw-rt: {routes: {0.0.0.0/0: igw}}
      protected-rt: {routes: {0.0.0.0/0: firewall}}
      edge:
        edge_associations: [igw]
        routes: {10.0.1.0/24: firewall}
    security_groups:
      fw-sg: {ingress: [all from 0.0.0.0/0], egress: [all to 0.0.0.0/0]}
      web-sg: {ingress: [tcp 443 from 0.0.0.0/0, tcp 22 from 0.0.0.0/0]}
    instances:
      firewall: {subnet: fw, source_dest_check: false, security_groups: [fw-sg], public_ip: true}
      web: {subnet: protected, public_ip: true, security_groups: [web-sg]}
internet_gateways:
  igw: {vpc: main}
"""

NAT_INSTANCE = """
version: 1
seed: nat
vpcs:
  main:
    cidr: 10.0.0.0/16
    subnets:
      public: {cidr: 10.0.1.0/24, route_table: public-rt}
      private: {cidr: 10.0.2.0/24, route_table: private-rt}
    route_tables:
      public-rt: {routes: {0.0.0.0/0: igw}}
      private-rt: {routes: {0.0.0.0/0: nat-instance}}
    security_groups:
      nat-sg: {ingress: [tcp 443 from 10.0.2.0/24], egress: [all to 0.0.0.0/0]}
      app-sg: {ingress: [tcp 22 from 10.0.1.0/24], egress: [all to 0.0.0.0/0]}
    instances:
      nat-instance: {subnet: public, source_dest_check: false, security_groups: [nat-sg], public_ip: true}
      app: {subnet: private, security_groups: [app-sg]}
internet_gateways:
  igw: {vpc: main}
"""


def _named(net: Network, name: str) -> str:
    return next(i.instance_id for i in net.instances.values() if i.name == name)


def _group(net: Network, name: str) -> SecurityGroup:
    return next(g for g in net.security_groups.values() if g.group_name == name)


def test_narrowing_a_firewall_appliance_closes_what_it_protects() -> None:
    old = load_spec(FIREWALL, filename="fw.yaml").network
    new = copy.deepcopy(old)
    _group(new, "fw-sg").ingress = [
        SecurityGroupRule(ip_protocol="tcp", from_port=22, to_port=22, cidr_ipv4="0.0.0.0/0")
    ]
    new.touch()
    result = diff(old, new)
    assert result.to_dict() == diff(old, new, incremental=False).to_dict()
    web = _named(new, "web")
    closed = {(p.source, p.destination): [e.describe() for e in p.newly_blocked] for p in result.pairs}
    assert closed[("internet", web)] == ["tcp 443"]


def test_widening_a_nat_instance_opens_what_the_app_reaches() -> None:
    old = load_spec(NAT_INSTANCE, filename="nat.yaml").network
    new = copy.deepcopy(old)
    _group(new, "nat-sg").ingress[0] = SecurityGroupRule(ip_protocol="-1", cidr_ipv4="10.0.2.0/24")
    new.touch()
    result = diff(old, new)
    assert result.to_dict() == diff(old, new, incremental=False).to_dict()
    app = _named(new, "app")
    opened = next(p for p in result.pairs if (p.source, p.destination) == (app, "internet"))
    assert "udp all ports" in [e.describe() for e in opened.newly_allowed]


# ---------------------------------------------------------------------------- the shortcut is exact (property)

_SPECS = (("fw.yaml", FIREWALL), ("nat.yaml", NAT_INSTANCE))


def _rule(draw: st.DrawFn, net: Network, vpc_id: str) -> SecurityGroupRule:
    protocol = draw(st.sampled_from(["tcp", "udp", "icmp", "-1", "47"]))
    peer = draw(st.sampled_from(["cidr", "world", "group"]))
    rule = SecurityGroupRule(ip_protocol=protocol)
    if protocol in ("tcp", "udp"):
        lo = draw(st.sampled_from([22, 53, 443, 1024, 32768]))
        rule.from_port, rule.to_port = lo, lo + draw(st.sampled_from([0, 0, 100, 40000]))
        rule.to_port = min(rule.to_port, 65535)
    elif protocol == "icmp":
        rule.from_port, rule.to_port = draw(st.sampled_from([(8, -1), (-1, -1), (3, 4)]))
    groups = sorted(g for g, sg in net.security_groups.items() if sg.vpc_id == vpc_id)
    if peer == "group" and groups:
        rule.referenced_group_id = draw(st.sampled_from(groups))
    elif peer == "world":
        rule.cidr_ipv4 = "0.0.0.0/0"
    else:
        rule.cidr_ipv4 = draw(
            st.sampled_from(["10.0.0.0/8", "10.0.1.0/24", "198.51.100.0/24", "192.0.2.33/32"])
        )
    return rule


@st.composite
def _changed(draw: st.DrawFn, preset: str = "small") -> tuple[Network, Network]:
    """A network (generated from ``preset``, or one with a firewall appliance or a NAT instance)
    and a copy with 1-3 random changes to security groups and ENIs, biased towards route targets."""
    if draw(st.booleans()):
        old = generate_network(draw(SEEDS), PRESETS[preset])
    else:
        filename, text = draw(st.sampled_from(_SPECS))
        old = load_spec(text, filename=filename).network
    new = copy.deepcopy(old)
    middleboxes = sorted(_route_target_enis(new))
    for _ in range(draw(st.integers(1, 3))):
        enis = sorted(new.network_interfaces)
        pool = middleboxes if middleboxes and draw(st.booleans()) else enis
        eni = new.network_interfaces[draw(st.sampled_from(pool))]
        op = draw(st.sampled_from(["add", "remove", "move", "check", "public"]))
        groups = [new.security_groups[g] for g in eni.groups if g in new.security_groups]
        if op in ("add", "remove") and groups:
            group = draw(st.sampled_from(groups))
            rules = group.egress if draw(st.booleans()) else group.ingress
            if op == "add":
                rules.append(_rule(draw, new, group.vpc_id))
            elif rules:
                rules.pop(draw(st.integers(0, len(rules) - 1)))
        elif op == "move":
            choices = sorted(g for g, sg in new.security_groups.items() if sg.vpc_id == eni.vpc_id)
            if choices:
                eni.groups = sorted(set(draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2))))
        elif op == "check":
            eni.source_dest_check = not eni.source_dest_check
        elif op == "public" and eni.interface_type == "interface":
            slot = eni.private_ip_addresses[0]
            if slot.allocation_id is None:
                slot.public_ip = None if slot.public_ip else "52.95.0." + str(draw(st.integers(1, 250)))
    new.touch()
    return old, new


@settings(max_examples=40)
@given(_changed())
def test_incremental_diff_equals_full_recomputation(case: tuple[Network, Network]) -> None:
    old, new = case
    assert diff(old, new).to_dict() == diff(old, new, incremental=False).to_dict()


@settings(max_examples=25)
@given(_changed("messy-small"))
def test_incremental_diff_equals_full_recomputation_on_messy_rules(case: tuple[Network, Network]) -> None:
    """The incremental diff is judged over the atoms of the paths it recomputes
    (:mod:`vpcsim.analysis.diff_rules`), the full one over every rule of both inputs: random port
    ranges, group references and prefix lists cut them differently, the answers are the same."""
    old, new = case
    assert diff(old, new).to_dict() == diff(old, new, incremental=False).to_dict()


@settings(max_examples=20)
@given(st.sampled_from(["small", "messy-small"]).flatmap(_changed))
def test_pairs_printed_from_a_shape_equal_pairs_built_one_by_one(case: tuple[Network, Network]) -> None:
    """A pair diff printed from the shape of another pair with alike cells is the one built for
    the pair itself."""
    old, new = case
    reused = diff(old, new).to_dict()
    with mock.patch.object(DIFF_MODULE, "_REUSE_SHAPES", False):
        assert diff(old, new).to_dict() == reused
        with mock.patch.object(DIFF_MODULE, "_COMPARE_ROWS", False):
            assert diff(old, new).to_dict() == reused


@settings(max_examples=20)
@given(st.sampled_from(["small", "messy-small"]).flatmap(_changed))
def test_rows_compared_before_cutting_equal_cells_compared(case: tuple[Network, Network]) -> None:
    """Comparing both inputs' rows before cutting them into cells (:mod:`vpcsim.analysis.diff_rows`)
    gives the diff that gathering every cell of both inputs and comparing them gives, for the
    incremental diff and the full one."""
    old, new = case
    compared = [diff(old, new).to_dict(), diff(old, new, incremental=False).to_dict()]
    with mock.patch.object(DIFF_MODULE, "_COMPARE_ROWS", False):
        assert [diff(old, new).to_dict(), diff(old, new, incremental=False).to_dict()] == compared


# ---------------------------------------------------------------------------- diff agrees with exposure (item 15)

_FLOWS = [
    (6, 22, None),
    (6, 443, None),
    (6, 3389, None),
    (6, 40000, None),
    (17, 53, None),
    (1, None, (8, 0)),
    (47, None, None),
]


def _delivered(
    result: ExposureResult,
    eni: str,
    address: str,
    source: int,
    flow: tuple[int, int | None, tuple[int, int] | None],
) -> bool:
    protocol, port, icmp = flow
    return any(
        f.eni == eni
        and f.address == address
        and f.entry.traffic.contains(protocol, port, *(icmp or (None, None)))
        and in_cidrs(source, f.entry.sources)
        for f in result.findings
    )


def _listed(
    entries: list[Entry], source: int, address: int, flow: tuple[int, int | None, tuple[int, int] | None]
) -> bool:
    protocol, port, icmp = flow
    return any(
        e.traffic.contains(protocol, port, *(icmp or (None, None)))
        and in_cidrs(source, e.sources)
        and in_cidrs(address, e.destinations)
        for e in entries
    )


@settings(max_examples=30)
@given(_changed())
def test_diff_from_the_internet_agrees_with_exposure_of_each_side(case: tuple[Network, Network]) -> None:
    """What ``exposure`` finds delivered in one input and not the other is what ``diff`` opens
    (``newly_allowed``/``newly_one_way``) or closes (``newly_blocked``/``no_longer_one_way``),
    unless ``diff`` calls it unknown."""
    old, new = case
    result = diff(old, new)
    before, after = exposure(old), exposure(new)
    for eni_id, eni in new.network_interfaces.items():
        old_eni = old.network_interfaces.get(eni_id)
        if old_eni is None:
            continue
        a, b = old_eni.private_ip_addresses[0].public_ip, eni.private_ip_addresses[0].public_ip
        if a is None and b is None:
            continue
        pair = next((p for p in result.pairs if p.source == "internet" and p.destination_eni == eni_id), None)
        for host in INTERNET_HOSTS:
            source = ip_int(host)
            for flow in _FLOWS:
                was = a is not None and _delivered(before, eni_id, a, source, flow)
                now = b is not None and _delivered(after, eni_id, b, source, flow)
                if pair is not None and _listed(pair.unknown, source, ip_int(b or a or "0.0.0.0"), flow):
                    continue
                if now and not was:
                    assert pair is not None and b is not None
                    assert _listed(pair.newly_allowed + pair.newly_one_way, source, ip_int(b), flow)
                if was and not now:
                    assert pair is not None and a is not None
                    assert _listed(pair.newly_blocked + pair.no_longer_one_way, source, ip_int(a), flow)
                if was == now and pair is not None:
                    assert not _listed(pair.newly_one_way, source, ip_int(b or a or "0.0.0.0"), flow)


# ---------------------------------------------------------------------------- per ENI and address (item 14)


def test_an_elastic_ip_and_a_rule_on_a_second_eni_are_their_own_pair() -> None:
    """Merged per instance, eth1's new public address and rule were hidden behind eth0's."""
    old = tutorial_vpc(firewall="open").net
    web1 = next(i for i in old.instances.values() if i.name == "web-1")
    subnet = old.subnets[web1.subnet_id]
    extra = security_group(old, old.vpcs[subnet.vpc_id], "eth1-sg", ingress=[])
    eth1 = old.create_network_interface(subnet, groups=[extra], name="web-1-eth1")
    old.attach_network_interface(eth1, web1, device_index=1)
    new = copy.deepcopy(old)
    new_eth1 = new.network_interfaces[eth1.network_interface_id]
    new_eth1.private_ip_addresses[0].public_ip = "52.95.0.7"
    new.security_groups[extra.group_id].ingress.append(
        SecurityGroupRule(ip_protocol="tcp", from_port=8080, to_port=8080, cidr_ipv4="0.0.0.0/0")
    )
    new.touch()
    result = diff(old, new)
    assert result.to_dict() == diff(old, new, incremental=False).to_dict()
    inbound = [p for p in result.pairs if p.source == "internet"]
    assert [(p.destination, p.destination_eni) for p in inbound] == [
        (web1.instance_id, eth1.network_interface_id)
    ]
    assert [(e.describe(), e.sources, e.destinations) for e in inbound[0].newly_allowed] == [
        ("tcp 8080", ("0.0.0.0/0",), ("52.95.0.7/32",))
    ]
    # eth0 (open to all) is untouched: every pair names the ENI it is about.
    eth0 = web1.network_interface_ids[0]
    assert all(eth0 not in (p.source_eni, p.destination_eni) for p in result.pairs)


def test_an_address_known_only_after_apply_is_compared_by_position_not_closed() -> None:
    old = tutorial_vpc(firewall="ssh").net
    new = copy.deepcopy(old)
    web1 = next(i for i in new.instances.values() if i.name == "web-1")
    eni = new.network_interfaces[web1.network_interface_ids[0]]
    eni.private_ip_addresses[0].public_ip = "203.0.113.77"
    eni.tags[UNKNOWN_ADDRESS_TAG] = "public_ip"
    new.touch()
    result = diff(old, new)
    assert result.pairs == () and not result.changed
    assert [(side, i.kind, i.component) for side, i in result.incomplete] == [
        ("new", "unknown-address", eni.network_interface_id)
    ]
    assert result.status == "unknown"


# ---------------------------------------------------------------------------- one way, incomplete (item 15)


def test_requests_that_land_without_replies_are_opened_one_way() -> None:
    old = tutorial_vpc(firewall="ssh", igw_route=False).net
    new = tutorial_vpc(firewall="open", igw_route=False).net
    result = diff(old, new)
    web1 = next(i for i in new.instances.values() if i.name == "web-1").instance_id
    pair = next(p for p in result.pairs if (p.source, p.destination) == ("internet", web1))
    assert "tcp 0-21, 23-65535" in [e.describe() for e in pair.newly_one_way]
    assert result.changed and result.status == "changed"
    back = diff(new, old)
    pair = next(p for p in back.pairs if (p.source, p.destination) == ("internet", web1))
    assert "tcp 0-21, 23-65535" in [e.describe() for e in pair.no_longer_one_way]


def test_skipped_resources_make_an_unchanged_diff_unknown(cli: CliRunner, tmp_path: Path) -> None:
    net = tutorial_vpc().net
    result = diff(net, copy.deepcopy(net), skipped_new={"aws_lb": 1, "AvailabilityZones": 3})
    assert [(side, i.kind, i.component, i.count) for side, i in result.incomplete] == [
        ("new", "skipped", "aws_lb", 1)
    ]
    assert result.status == "unknown" and not result.changed
    from tests.support.paths import with_unmodelled_database

    folder = with_unmodelled_database(tmp_path)
    run = cli("diff", str(folder), str(folder), "--json")
    assert run.status == 3 and run.json["status"] == "unknown"
    assert {("old", "DBInstances"), ("new", "DBInstances")} <= {
        (i["side"], i["component"]) for i in run.json["incomplete"]
    }
