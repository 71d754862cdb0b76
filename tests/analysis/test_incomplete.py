"""``exposure``, ``diff`` and ``check`` analyse IPv6 (findings, pairs and violations per family):
they list no IPv6 resource as ``incomplete``, and answer over IPv6 as over IPv4."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import CliRunner

from vpcsim.analysis import check, diff, exposure
from vpcsim.analysis.incomplete import ipv6_items
from vpcsim.formats.policy import read_policy
from vpcsim.formats.spec import load_spec
from vpcsim.testing import PRESETS, generate_network

SPEC = """
version: 1
seed: six
vpcs:
  main:
    cidr: 10.0.0.0/16
    ipv6_cidrs: [2600:1f18:1234:5600::/56]
    subnets:
      public: {cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:1234:5600::/64, route_table: public}
    route_tables:
      public:
        routes: {0.0.0.0/0: igw, "::/0": igw}
    security_groups:
      web: {ingress: [tcp 443 from 0.0.0.0/0, SSH_RULE]}
    instances:
      web: {subnet: public, public_ip: true, security_groups: [web]}
internet_gateways:
  igw: {vpc: main}
"""


def _spec(ssh: str | None) -> str:
    text = SPEC.replace("SSH_RULE", ssh or "")
    return text.replace(", ]", "]") if ssh is None else text


def test_ssh_open_to_every_ipv6_address_is_not_reported_complete(tmp_path: Path, cli: CliRunner) -> None:
    net = load_spec(_spec("tcp 22 from ::/0"), filename="six.yaml").network
    result = exposure(net)
    # exposure analyses IPv6: web holds no IPv6 address, so SSH to ::/0 exposes nothing -- complete.
    assert [f.entry.traffic.describe() for f in result.findings] == ["tcp 443"]
    assert not [i for i in result.incomplete if i.kind == "ipv6"]
    six = load_spec(
        _spec("tcp 22 from ::/0").replace(
            "public_ip: true,", "public_ip: true, ipv6_addresses: [2600:1f18:1234:5600::10],"
        ),
        filename="six.yaml",
    ).network
    found = [(f.address, f.entry.traffic.describe(), f.entry.sources) for f in exposure(six).findings]
    assert ("2600:1f18:1234:5600::10", "tcp 22", ("::/0",)) in found
    # ipv6_items lists every resource holding IPv6 (what an analysis that skips IPv6 reports)
    ipv6 = {i.component: i.detail for i in ipv6_items(net)}
    group = next(g.group_id for g in net.security_groups.values() if g.group_name == "web")
    table = next(t.route_table_id for t in net.route_tables.values() if t.name == "public")
    assert "ingress tcp 22-22 from ::/0" in ipv6[group]
    assert "route ::/0 -> igw-" in ipv6[table]
    # check analyses IPv6: without an IPv6 address web is not reachable over IPv6 (pass); with
    # one, SSH from the IPv6 internet is delivered (fail, over IPv6), unless asked over IPv4 only
    policy = tmp_path / "policy.yaml"
    text = "assertions:\n  - name: no ssh from the internet\n    from: internet\n    to: web\n    deny: [tcp/22]\n"
    policy.write_text(text)
    parsed, lines = read_policy(policy)
    checked = check(net, parsed, lines=lines)
    assert checked.status == "pass" and not checked.incomplete
    checked = check(six, parsed, lines=lines)
    assert checked.status == "fail"
    [violation] = checked.assertions[0].violations
    assert (violation.family, violation.reason) == ("ipv6", "delivered")
    assert [(e.traffic.describe(), e.sources) for e in violation.entries] == [("tcp 22", ("::/0",))]
    path = tmp_path / "six.yaml"
    path.write_text(
        _spec("tcp 22 from ::/0").replace(
            "public_ip: true,", "public_ip: true, ipv6_addresses: [2600:1f18:1234:5600::10],"
        )
    )
    run = cli("check", str(path), str(policy), "--json")
    assert run.status == 1 and run.json["status"] == "fail"
    assert run.json["assertions"][0]["violations"][0]["family"] == "ipv6"
    policy.write_text(text + "    over: ipv4\n")
    run = cli("check", str(path), str(policy), "--json")
    assert run.status == 0 and run.json["status"] == "pass"


def test_a_plan_opening_ssh_to_ipv6_reports_the_change(tmp_path: Path, cli: CliRunner) -> None:
    """``diff`` analyses IPv6: a rule for ``::/0`` opens SSH from the IPv6 internet to an
    instance with an IPv6 address (changed, exit 1); to one without, nothing (same, exit 0) --
    and no IPv6 resource is listed as incomplete either way."""
    six = "public_ip: true, ipv6_addresses: [2600:1f18:1234:5600::10],"
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(_spec(None).replace("public_ip: true,", six))
    new.write_text(_spec("tcp 22 from ::/0").replace("public_ip: true,", six))
    result = diff(load_spec(old).network, load_spec(new).network)
    assert result.status == "changed"
    [pair] = result.pairs
    assert (pair.source, pair.family) == ("internet", "ipv6")
    assert [(e.traffic.describe(), e.sources, e.destinations) for e in pair.newly_allowed] == [
        ("tcp 22", ("::/0",), ("2600:1f18:1234:5600::10/128",))
    ]
    assert not [i for _, i in result.incomplete if i.kind == "ipv6"]
    run = cli("diff", str(old), str(new), "--json")
    assert run.status == 1 and run.json["status"] == "changed"
    assert run.json["pairs"][0]["family"] == "ipv6"
    old.write_text(_spec(None))
    new.write_text(_spec("tcp 22 from ::/0"))
    result = diff(load_spec(old).network, load_spec(new).network)
    assert result.status == "same" and not result.pairs
    run = cli("exposure", str(new))
    assert run.status == 1 and "incomplete: ipv6" not in run.out  # exposure analyses IPv6


def test_ipv4_only_networks_have_no_ipv6_items() -> None:
    for seed in range(5):
        assert ipv6_items(generate_network(seed, PRESETS["small"])) == []
