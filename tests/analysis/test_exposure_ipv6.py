"""``exposure`` over both families: a finding per family and address, and the dual-stack notes
(an instance exposed only over IPv6; traffic open over one family and closed over the other)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import CliRunner

from vpcsim.analysis import exposure, reach
from vpcsim.formats.spec import load_spec

SPEC = """
version: 1
vpcs:
  main:
    cidr: 10.0.0.0/16
    ipv6_cidrs: [2600:1f18:1234:5600::/56]
    subnets:
      public: {cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:1234:5601::/64, route_table: public}
      private: {cidr: 10.0.2.0/24, ipv6_cidr: 2600:1f18:1234:5602::/64, route_table: private}
    route_tables:
      public:
        routes: {0.0.0.0/0: igw, "::/0": igw}
      private:
        routes: {"::/0": eigw:out}
    egress_only_internet_gateways:
      out: {}
    security_groups:
      web: {ingress: [tcp 443 from 0.0.0.0/0, tcp 443 from ::/0, tcp 22 from 0.0.0.0/0]}
      db: {ingress: [tcp 5432 from ::/0]}
    instances:
      web: {subnet: public, public_ip: true, ipv6_addresses: [2600:1f18:1234:5601::10], security_groups: [web]}
      db: {subnet: public, ipv6_addresses: [2600:1f18:1234:5601::20], security_groups: [db]}
      hidden: {subnet: private, ipv6_addresses: [2600:1f18:1234:5602::30], security_groups: [db]}
internet_gateways:
  igw: {vpc: main}
"""


def test_a_finding_per_family_and_the_family_notes() -> None:
    net = load_spec(SPEC, filename="dual.yaml").network
    result = exposure(net)
    found = sorted(
        (f.address, f.entry.traffic.describe(), f.entry.sources, f.severity, f.bidirectional)
        for f in result.findings
    )
    assert found == [
        ("203.0.113.10", "tcp 22, 443", ("0.0.0.0/0",), "high", True),
        ("2600:1f18:1234:5601::10", "tcp 443", ("::/0",), "low", True),
        ("2600:1f18:1234:5601::20", "tcp 5432", ("::/0",), "high", True),
        # behind the egress-only gateway: the connection lands (no NAT hides an IPv6 address, the
        # internet gateway delivers to it) but its reply never leaves
        ("2600:1f18:1234:5602::30", "tcp 5432", ("::/0",), "high", False),
    ]
    assert not [i for i in result.incomplete if i.kind == "ipv6"]
    notes = {(n.kind, net.instances[n.instance or ""].name) for n in result.family_notes or ()}
    assert notes == {("asymmetric", "web"), ("ipv6-only", "db"), ("ipv6-only", "hidden")}
    asym = next(n for n in result.family_notes or () if n.kind == "asymmetric")
    assert asym.detail.startswith("tcp 22 open from the internet over IPv4 but closed over IPv6")


def test_a_narrow_ipv6_source_set_is_not_wide() -> None:
    narrow = SPEC.replace("tcp 5432 from ::/0", "tcp 5432 from 2001:db8::/33")
    result = exposure(load_spec(narrow, filename="dual.yaml").network)
    db = next(f for f in result.findings if f.address.endswith("::20"))
    assert (db.entry.sources, db.severity) == (("2001:db8::/33",), "medium")


def test_reach_lists_both_families(tmp_path: Path, cli: CliRunner) -> None:
    net = load_spec(SPEC, filename="dual.yaml").network
    result = reach(net, "internet", "web")
    assert [(e.traffic.describe(), e.sources, e.destinations) for e in result.allowed] == [
        ("tcp 22, 443", ("0.0.0.0/0",), ("203.0.113.10/32",)),
        ("tcp 443", ("::/0",), ("2600:1f18:1234:5601::10/128",)),
    ]
    path = tmp_path / "dual.yaml"
    path.write_text(SPEC)
    run = cli("exposure", str(path), "--json")
    assert run.status == 1
    assert {n["kind"] for n in run.json["family_notes"]} == {"asymmetric", "ipv6-only"}
    text = cli("exposure", str(path))
    assert "note (ipv6-only)" in text.out and "exposed over IPv6 only" in text.out


def test_ipv4_only_exposure_json_has_no_family_notes() -> None:
    four = """
version: 1
vpcs:
  main:
    cidr: 10.0.0.0/16
    subnets:
      public: {cidr: 10.0.1.0/24, route_table: public}
    route_tables:
      public:
        routes: {0.0.0.0/0: igw}
    security_groups:
      web: {ingress: [tcp 443 from 0.0.0.0/0]}
    instances:
      web: {subnet: public, public_ip: true, security_groups: [web]}
internet_gateways:
  igw: {vpc: main}
"""
    result = exposure(load_spec(four, filename="four.yaml").network)
    assert result.findings and "family_notes" not in result.to_dict()
