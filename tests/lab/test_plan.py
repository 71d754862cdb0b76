"""The realisation plan, read without a kernel: names, links, policy routing, nftables text.

These run anywhere (no root): the plan is pure data, so the mapping from AWS to kernel
mechanisms is checked here line by line; the lab tests check that the kernel then behaves.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.paths import ROOT

from vpcsim.formats.loader import load_example
from vpcsim.lab import LabEnvironmentError, LabError, build_plan, lab_down, lab_up
from vpcsim.lab.naming import check_lab_name, lab_prefix, link_addresses, namespace_name
from vpcsim.lab.plan import VPC_SLOTS, NamespacePlan, stable_slots
from vpcsim.lab.probe import ProbeSpec, schedule
from vpcsim.lab.rules import acl_chain_lines
from vpcsim.model import Instance, Network, NetworkAclEntry
from vpcsim.testing import PRESETS, generate_network


def _bastion() -> tuple[Network, list[NamespacePlan]]:
    network = load_example("bastion-nat").network
    plan = build_plan(network, "demo")
    return network, plan.namespaces


def _role(namespaces: list[NamespacePlan], role: str) -> list[NamespacePlan]:
    return [ns for ns in namespaces if ns.role == role]


# ---------------------------------------------------------------------------- names


def test_lab_names_are_checked_and_prefixes_cannot_collide() -> None:
    assert check_lab_name("t3") == "t3"
    for bad in ("", "a-b", "Demo", "x" * 13, "a/b", "vs"):
        if bad == "vs":
            continue
        with pytest.raises(LabError, match="lower-case letters and digits"):
            check_lab_name(bad)
    # Without dashes in lab names, one lab's prefix is never a prefix of another lab's names.
    assert not namespace_name("ab", "i-1").startswith(lab_prefix("a"))
    assert namespace_name("demo", "bad name/with slash").startswith("vs-demo-h")


def test_every_name_comes_from_an_aws_id_and_interfaces_fit_the_kernel() -> None:
    network, namespaces = _bastion()
    names = {ns.name for ns in namespaces}
    expected = {namespace_name("demo", i) for i in network.instances}
    expected |= {namespace_name("demo", v) for v in network.vpcs}
    expected |= {namespace_name("demo", g) for g in network.nat_gateways}
    expected.add("vs-demo-internet")
    assert names == expected
    for ns in namespaces:
        for line in ns.create:
            words = line.split()
            assert words[0:2] == ["link", "add"]
            assert len(words[2]) <= 15
            if "peer" in words:
                assert len(words[words.index("name", 4) + 1]) <= 15
                # veths are created inside a lab namespace, their peer moved straight into another
                assert words[words.index("netns") + 1] in names


def test_link_addresses_are_link_local_and_distinct() -> None:
    seen = set()
    for kind in ("igw", "pcx"):
        for index in (0, 1, 63, 64, 500):
            a, b = link_addresses(kind, index)
            assert a.startswith("169.254.") and b.startswith("169.254.")
            seen |= {a, b}
    assert len(seen) == 20


# ---------------------------------------------------------------------------- topology


def test_instances_get_one_interface_per_eni_with_their_addresses() -> None:
    network, namespaces = _bastion()
    bastion = network.resolve("bastion", Instance)
    plan = next(ns for ns in namespaces if ns.component == bastion.instance_id)
    assert "addr add 10.0.1.10/24 dev eth0" in plan.configure
    assert "route add default via 10.0.1.1 dev eth0" in plan.configure
    # each ENI sends from its own addresses through its own subnet
    assert "rule add pref 100 from 10.0.1.10 iif lo lookup 100" in plan.configure
    assert "rule add pref 150 lookup local" in plan.configure
    assert ("net.ipv4.ip_forward", "0") in plan.sysctls
    assert ("net.ipv4.conf.all.rp_filter", "0") in plan.sysctls
    assert ("net.ipv4.ip_local_port_range", "32768 60999") in plan.sysctls


def test_router_has_one_leg_per_subnet_and_policy_routing_without_fallthrough() -> None:
    network, namespaces = _bastion()
    (router,) = _role(namespaces, "router")
    assert ("net.ipv4.ip_forward", "1") in router.sysctls
    assert ("net.bridge.bridge-nf-call-iptables", "0") in router.sysctls
    bridges = [line.split()[2] for line in router.create if line.endswith("type bridge")]
    assert len(bridges) == 2
    (record,) = build_plan(network, "demo").state.vpcs.values()
    public = next(s for s in network.subnets.values() if s.cidr_block == "10.0.1.0/24")
    assert f"addr add 10.0.1.1/24 dev {record.subnets[public.subnet_id]}" in router.configure
    for bridge in bridges:
        assert f"rule add pref 1000 iif {bridge} lookup {1000 + int(bridge[1:])}" in router.configure
        assert f"rule add pref 30000 iif {bridge} blackhole" in router.configure
    # the private subnet's default route leads to the NAT gateway's address, the public one's to the IGW
    nat = next(iter(network.nat_gateways.values()))
    assert any(
        re.match(rf"route add 0\.0\.0\.0/0 via {nat.private_ip} dev b\d+ onlink table \d+", x)
        for x in router.configure
    )
    assert any(
        re.match(r"route add 0\.0\.0\.0/0 via 169\.254\.\d+\.\d+ dev igw onlink table \d+", x)
        for x in router.configure
    )
    # the router originates nothing and tracks nothing
    assert "type filter hook output priority filter; policy drop;" in router.nft
    assert "notrack" in router.nft


def test_local_route_is_shadowed_by_a_more_specific_route_as_in_longest_prefix_match() -> None:
    network = Network(seed="shadow")
    vpc = network.create_vpc("10.8.0.0/16")
    subnet = network.create_subnet(vpc, "10.8.1.0/26")
    table = network.main_route_table(vpc.vpc_id)
    assert table is not None
    network.create_route(table, "10.8.1.0/24", network.create_internet_gateway().internet_gateway_id)
    plan = build_plan(network, "x")
    (router,) = _role(plan.namespaces, "router")
    bridge = plan.state.vpcs[vpc.vpc_id].subnets[subnet.subnet_id]
    table = 1000 + int(bridge[1:])
    k = router.configure.index(f"route add blackhole 10.8.0.0/16 table {table}")
    assert k >= 0
    # the /24 (to a detached gateway: a blackhole) wins over delivering into the /26
    assert f"route add blackhole 10.8.1.0/24 table {table}" in router.configure
    assert f"route add {subnet.cidr_block} dev {bridge} table {table}" not in router.configure


def test_internet_gateway_is_stateless_one_to_one_nat_in_the_internet_namespace() -> None:
    network, namespaces = _bastion()
    (internet,) = _role(namespaces, "internet")
    assert "addr add 198.51.100.1/32 dev lo" in internet.configure
    (vpc_id,) = network.vpcs
    slot = stable_slots("vpc", [vpc_id], VPC_SLOTS)[vpc_id]
    _, inside = link_addresses("igw", slot)
    assert any(
        line.startswith(f"route add 203.0.113.10/32 via {inside} dev g{slot}") for line in internet.configure
    )
    nft = internet.nft
    assert "ip saddr set ip saddr map { 10.0.1.4 : 203.0.113.100, 10.0.1.10 : 203.0.113.10 }" in nft
    assert "ip daddr set ip daddr map { 203.0.113.100 : 10.0.1.4, 203.0.113.10 : 10.0.1.10 }" in nft
    assert "10.0.0.0/8" in nft and "100.64.0.0/10" in nft  # RFC 1918 / 6598 dropped both ways
    assert "ip saddr != { 10.0.1.4, 10.0.1.10 } drop" in nft  # no public address: dropped


def test_nat_gateway_masquerades_to_its_ports_and_accepts_nothing_unsolicited() -> None:
    _, namespaces = _bastion()
    (nat,) = _role(namespaces, "nat-gateway")
    assert "meta l4proto { tcp, udp } masquerade to :1024-65535" in nat.nft
    assert "meta l4proto icmp masquerade" in nat.nft
    assert "chain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}" in nat.nft
    assert (
        'ct state new iifname "eth0" ip saddr 10.0.0.0/16 meta l4proto { tcp, udp, icmp } accept' in nat.nft
    )


def test_security_groups_are_stateful_and_icmp_errors_are_judged_by_the_rules() -> None:
    network, namespaces = _bastion()
    app = network.resolve("app", Instance)
    nft = next(ns for ns in namespaces if ns.component == app.instance_id).nft
    bastion_sg = network.resolve("bastion-sg", type(next(iter(network.security_groups.values()))))
    assert "ct state established,related accept" in nft
    # a group reference is a set of the members' private addresses
    assert (
        f"set g_{bastion_sg.group_id.replace('-', '_')} {{\n\t\ttype ipv4_addr\n\t\telements = {{ 10.0.1.10 }}"
        in nft
    )
    assert "tcp dport 22 ip saddr @g_" in nft
    errors = nft.index("goto icmp_errors_in")
    assert errors < nft.index("ct state established,related accept")


def test_acl_rules_are_ordered_by_number_and_end_with_the_star_deny() -> None:
    entries = [
        NetworkAclEntry(rule_number=200, protocol="6", rule_action="allow", egress=False, cidr_block="0.0.0.0/0", port_range=(1024, 65535)),
        NetworkAclEntry(rule_number=100, protocol="6", rule_action="deny", egress=False, cidr_block="10.0.0.0/8", port_range=(22, 22)),
        NetworkAclEntry(rule_number=150, protocol="1", rule_action="allow", egress=False, cidr_block="0.0.0.0/0", icmp_type_code=(8, -1)),
        NetworkAclEntry(rule_number=120, protocol="-1", rule_action="allow", egress=True, cidr_block="0.0.0.0/0"),
        NetworkAclEntry(rule_number=130, protocol="6", rule_action="allow", egress=False, ipv6_cidr_block="::/0"),
    ]  # fmt: skip
    lines = acl_chain_lines(entries, egress=False, acl_id="acl-1")
    assert [line.split(" comment")[0] for line in lines] == [
        "tcp dport 22 ip saddr 10.0.0.0/8 drop",
        "meta l4proto icmp icmp type 8 ip saddr 0.0.0.0/0 return",
        "tcp dport 1024-65535 ip saddr 0.0.0.0/0 return",
        "drop",
    ]
    assert 'comment "acl-1 inbound rule 100"' in lines[0]


def test_stopped_instances_have_no_addresses_and_drop_everything() -> None:
    network = load_example("bastion-nat").network
    app = network.resolve("app", Instance)
    network.stop_instance(app)
    plan = build_plan(network, "s")
    ns = next(n for n in plan.namespaces if n.component == app.instance_id)
    assert not any(line.startswith("addr add") for line in ns.configure)
    assert not any(line == "link set eth0 up" for line in ns.configure)
    assert ns.nft.count("policy drop") == 3


def test_generated_networks_plan_peering_nat_gateways_and_appliances() -> None:
    seen = {"peering": 0, "nat": 0, "appliance": 0, "zones": 0, "blackhole": 0}
    for seed in range(12):
        network = generate_network(seed, PRESETS["small"])
        plan = build_plan(network, "g")
        for ns in plan.namespaces:
            seen["peering"] += sum(1 for line in ns.create if " type veth peer name x" in line)
            seen["nat"] += ns.role == "nat-gateway"
            seen["appliance"] += ("net.ipv4.ip_forward", "1") in ns.sysctls and ns.role == "instance"
            seen["zones"] += "ct zone set" in ns.nft
            seen["blackhole"] += sum(
                1 for line in ns.configure if line.startswith("route add blackhole 0.0.0.0/0")
            )
        assert plan.state.topology
    assert all(count > 0 for count in seen.values()), seen


# ---------------------------------------------------------------------------- probes


def test_schedule_keeps_apart_probes_that_conntrack_or_a_bare_syn_would_confuse() -> None:
    server = [("vs-x-i-1", "10.0.0.5")]
    specs = [
        ProbeSpec(6, "10.0.0.4", "10.0.0.5", "eni-a", 22, 40000),
        ProbeSpec(6, "10.0.0.6", "10.0.0.5", "eni-b", 22, 40001),  # same server port, other client port
        ProbeSpec(6, "10.0.0.4", "10.0.0.5", "eni-a", 22, 40000),  # the same tuple again
        ProbeSpec(6, "10.0.0.5", "10.0.0.4", "eni-c", 40000, 22),  # the first one reversed
        ProbeSpec(6, "10.0.0.7", "10.0.0.5", "eni-d", 22, 1000),  # a port a NAT gateway would change
        ProbeSpec(1, "10.0.0.4", "10.0.0.5", "eni-a", icmp_type=8, icmp_code=0),
    ]
    servers = [server, server, server, [("vs-x-i-0", "10.0.0.4")], server, server]
    batches = schedule(specs, servers)
    where = {i: b for b, batch in enumerate(batches) for i in batch}
    assert where[0] == where[1] == where[5] == 0
    assert where[2] != where[0] and where[3] != where[0] and where[4] != where[0]
    assert sorted(i for batch in batches for i in batch) == list(range(len(specs)))


def test_schedule_keeps_apart_portless_probes_that_share_an_address() -> None:
    """Found by the differential run (docs/fidelity.md): GRE from A to B and GRE from B to A
    in one batch -- conntrack took the second for the reply of the first."""
    specs = [
        ProbeSpec(47, "10.0.0.4", "10.0.0.5", "eni-a"),
        ProbeSpec(47, "10.0.0.5", "10.0.0.4", "eni-b"),  # the first one reversed
        ProbeSpec(50, "8.8.8.8", "3.0.0.12", None),  # to the public address of 10.0.0.4
        ProbeSpec(50, "10.0.0.4", "8.8.8.8", "eni-a"),  # and from it, translated to 3.0.0.12
        ProbeSpec(47, "10.0.0.6", "10.0.0.7", "eni-c"),  # nothing in common with the first
    ]
    servers = [
        [("vs-x-i-1", "10.0.0.5")],
        [("vs-x-i-0", "10.0.0.4")],
        [("vs-x-i-0", "10.0.0.4")],
        [("vs-x-internet", "8.8.8.8")],
        [("vs-x-i-2", "10.0.0.7")],
    ]
    where = {i: b for b, batch in enumerate(schedule(specs, servers)) for i in batch}
    assert where[0] != where[1] and where[2] != where[3]
    assert where[4] == where[0] == where[2]


# ---------------------------------------------------------------------------- environment


def test_not_root_is_a_clear_environment_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vpcsim.lab.env.os.geteuid", lambda: 1000)
    monkeypatch.setattr("vpcsim.lab.env.shutil.which", lambda tool: None if tool == "nft" else "/usr/sbin/ip")
    with pytest.raises(LabEnvironmentError, match="root") as caught:
        lab_up(load_example("bastion-nat").network, "x")
    assert "the `nft` command" in str(caught.value) and "install-lab-deps.sh" in str(caught.value)
    with pytest.raises(LabEnvironmentError):
        lab_down("x")


def test_cli_maps_environment_errors_to_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from vpcsim.cli.errors import EXIT_USAGE, CliError
    from vpcsim.cli.lab import down_command

    monkeypatch.setattr("vpcsim.lab.env.os.geteuid", lambda: 1000)
    with pytest.raises(CliError) as caught:
        down_command(name="x")
    assert caught.value.status == EXIT_USAGE
    assert caught.value.code == "VPCSIM_LAB_ENVIRONMENT"


# ---------------------------------------------------------------------------- independence


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_lab_never_imports_the_engine() -> None:
    for path in (ROOT / "src" / "vpcsim" / "lab").glob("*.py"):
        for name in _imports(path):
            assert "engine" not in name and "generate" not in name and "fidelity" not in name, (path, name)


def test_import_linter_contracts_are_kept() -> None:
    tool = Path(sys.executable).with_name("lint-imports")
    if not tool.exists():
        pytest.skip("import-linter is not installed in this environment")
    done = subprocess.run([str(tool), str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout
    # The layers hold without exceptions: no import is ignored.
    assert "ignore_imports" not in (ROOT / ".importlinter").read_text()


def test_the_diff_deletes_a_veth_into_a_namespace_that_stays_from_that_end() -> None:
    from vpcsim.lab.diff import diff_plans

    before = load_example("bastion-nat").network
    after = load_example("bastion-nat").network
    vpc_id = next(iter(after.vpcs))
    igw = after.internet_gateway_of_vpc(vpc_id)
    assert igw is not None
    after.detach_internet_gateway(igw)
    change = diff_plans(build_plan(before, "d"), build_plan(after, "d"))
    assert not change.remove_namespaces
    (leg,) = change.delete_links
    assert leg.device == "igw" and leg.namespace == f"vs-d-{vpc_id}"
    # the same network again: nothing to do
    assert diff_plans(build_plan(after, "d"), build_plan(after, "d")).empty
    # a whole VPC gone: its router's veth into the internet is deleted from the internet's end
    empty = Network(seed="none")
    change = diff_plans(build_plan(before, "d"), build_plan(empty, "d"))
    assert [(link.namespace, link.device[0]) for link in change.delete_links] == [("vs-d-internet", "g")]
