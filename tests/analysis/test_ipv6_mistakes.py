"""The four classic dual-stack mistakes, each seen through ``matrix``, ``diff`` and
``check`` (and ``exposure``'s family notes where they apply):

1. a security group open to ``0.0.0.0/0`` but not ``::/0``;
2. the reverse: open to ``::/0`` only -- an instance that "is not exposed" over IPv4 is open over
   IPv6;
3. a custom network ACL that forgets the IPv6 return ports (requests land, replies are dropped);
4. a private subnet routing ``::/0`` to the internet gateway instead of an egress-only gateway.

One network, varied per mistake: ``web`` (public subnet, custom ACL in mistake 3), ``client`` and
``app`` (private subnet, ``::/0`` to an egress-only gateway), and ``outsider`` in another VPC
that reaches ``main`` over the IPv6 internet (addresses are global: no NAT, no peering needed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.cli import CliRunner

from vpcsim.analysis import check, diff, exposure, matrix
from vpcsim.analysis.matrix import MatrixResult
from vpcsim.formats.policy import parse_policy
from vpcsim.formats.spec import load_spec
from vpcsim.model import Network

SPEC = """
version: 1
account: "123456789012"
region: us-east-1
vpcs:
  main:
    cidr: 10.0.0.0/16
    ipv6_cidrs: [2600:1f18:1234:5600::/56]
    subnets:
      public: {cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:1234:5601::/64, route_table: public PUBLIC_ACL}
      private: {cidr: 10.0.2.0/24, ipv6_cidr: 2600:1f18:1234:5602::/64, route_table: private}
    route_tables:
      public:
        routes: {0.0.0.0/0: igw, "::/0": igw}
      private:
        routes: {0.0.0.0/0: nat, "::/0": PRIVATE_V6}
    egress_only_internet_gateways:
      eigw: {}
    nat_gateways:
      nat: {subnet: public, elastic_ip: nat-eip}
    network_acls:
      web-acl:
        ingress:
          100: allow tcp 443 from 0.0.0.0/0
          110: allow tcp 443 from ::/0
          120: allow tcp 1024-65535 from 0.0.0.0/0
          130: allow tcp 1024-65535 from ::/0
        egress:
          100: allow tcp 1024-65535 to 0.0.0.0/0
          WEB_ACL_EGRESS6
          120: allow tcp 443 to 0.0.0.0/0
          130: allow tcp 443 to ::/0
    security_groups:
      web: {ingress: [WEB_INGRESS]}
      app: {ingress: [tcp 22 from ::/0]}
      client: {}
    instances:
      web: {subnet: public, private_ip: 10.0.1.10, public_ip: true, ipv6_addresses: [2600:1f18:1234:5601::10], security_groups: [web]}
      client: {subnet: private, private_ip: 10.0.2.20, ipv6_addresses: [2600:1f18:1234:5602::20], security_groups: [client]}
      app: {subnet: private, private_ip: 10.0.2.10, ipv6_addresses: [2600:1f18:1234:5602::10], security_groups: [app]}
  other:
    cidr: 10.9.0.0/16
    ipv6_cidrs: [2600:1f18:9999:5600::/56]
    subnets:
      edge: {cidr: 10.9.1.0/24, ipv6_cidr: 2600:1f18:9999:5601::/64, route_table: edge}
    route_tables:
      edge:
        routes: {"::/0": other-igw}
    instances:
      outsider: {subnet: edge, private_ip: 10.9.1.10, ipv6_addresses: [2600:1f18:9999:5601::10]}
internet_gateways:
  igw: {vpc: main}
  other-igw: {vpc: other}
elastic_ips:
  nat-eip: {public_ip: 203.0.113.100}
"""

BOTH = "tcp 443 from 0.0.0.0/0, tcp 443 from ::/0"
RETURN6 = "110: allow tcp 1024-65535 to ::/0"


def _network(
    web: str = BOTH, acl: str | None = None, return6: str = RETURN6, private: str = "eigw:eigw"
) -> Network:
    text = (
        SPEC.replace("WEB_INGRESS", web)
        .replace(" PUBLIC_ACL", f", network_acl: {acl}" if acl else "")
        .replace("WEB_ACL_EGRESS6", return6)
        .replace("PRIVATE_V6", private)
    )
    return load_spec(text, filename="mistakes.yaml").network


def _id(network: Network, name: str) -> str:
    return next(i.instance_id for i in network.instances.values() if i.name == name)


def _cell(network: Network, result: MatrixResult, src: str, dst: str, family: str) -> dict[str, list[str]]:
    cell = result.cell(_id(network, src), _id(network, dst), family)  # type: ignore[arg-type]
    if cell is None:
        return {}
    return {
        name: [t.describe() for t in getattr(cell, name)]
        for name in ("allowed", "one_way")
        if getattr(cell, name)
    }


def _check(network: Network, assertion: str) -> list[tuple[str, str, str]]:
    """Run one assertion; (status, family, reason) per violation (status alone when none)."""
    policy, lines = parse_policy(f"assertions:\n  - name: it\n{assertion}", "policy.yaml")
    result = check(network, policy, lines=lines).assertions[0]
    return [(result.status, v.family, v.reason) for v in result.violations] or [(result.status, "", "")]


def _pair(network_old: Network, network_new: Network, src: str, dst: str) -> list[tuple[str, str, str, str]]:
    """``diff``'s changes between two ends: (family, list, traffic, sources) per entry."""
    result = diff(network_old, network_new)
    ids = {src: src, dst: dst}
    for end in (src, dst):
        if end != "internet":
            ids[end] = _id(network_new, end)
    out = []
    for pair in result.pairs:
        if (pair.source, pair.destination) != (ids[src], ids[dst]):
            continue
        for name in ("newly_allowed", "newly_blocked", "newly_one_way", "no_longer_one_way"):
            for e in getattr(pair, name):
                out.append((pair.family, name, e.traffic.describe(), ",".join(e.sources)))
    return sorted(out)


# ---------------------------------------------------------------------------- 1. 0.0.0.0/0 only


def test_a_group_open_to_0_0_0_0_but_not_to_ipv6() -> None:
    fixed, mistake = _network(), _network(web="tcp 443 from 0.0.0.0/0")
    # exposure: the asymmetric note names the port and the missing family
    notes = [n for n in exposure(mistake).family_notes or () if n.kind == "asymmetric"]
    assert (
        len(notes) == 1 and "tcp 443 open from the internet over IPv4 but closed over IPv6" in notes[0].detail
    )
    assert not [n for n in exposure(fixed).family_notes or () if n.kind == "asymmetric"]
    # matrix: client -> web works over IPv4, not over IPv6
    by_instance = matrix(mistake, "instance")
    assert _cell(mistake, by_instance, "client", "web", "ipv4") == {"allowed": ["tcp 443"]}
    assert _cell(mistake, by_instance, "client", "web", "ipv6") == {}
    assert _cell(fixed, matrix(fixed, "instance"), "client", "web", "ipv6") == {"allowed": ["tcp 443"]}
    # check: "the internet can reach web on 443" fails over IPv6 only
    allow = "    from: internet\n    to: web\n    allow: [tcp/443]\n"
    assert _check(mistake, allow) == [("fail", "ipv6", "not-allowed")]
    assert _check(mistake, allow + "    over: ipv4\n") == [("pass", "", "")]
    assert _check(fixed, allow) == [("pass", "", "")]
    # diff: the fix opens 443 from the IPv6 internet, and nothing over IPv4
    assert _pair(mistake, fixed, "internet", "web") == [("ipv6", "newly_allowed", "tcp 443", "::/0")]
    assert _pair(mistake, fixed, "client", "web") == [
        ("ipv6", "newly_allowed", "tcp 443", "2600:1f18:1234:5602::20/128")
    ]


# ---------------------------------------------------------------------------- 2. ::/0 only


def test_a_group_open_to_ipv6_only_exposes_what_ipv4_scanners_call_closed() -> None:
    before, mistake = _network(), _network(web=f"{BOTH}, tcp 22 from ::/0")
    found = {(f.address, f.entry.traffic.describe()) for f in exposure(mistake).findings}
    assert ("2600:1f18:1234:5601::10", "tcp 22, 443") in found
    assert ("203.0.113.10", "tcp 443") in found  # over IPv4, 22 stays closed
    notes = [n.detail for n in exposure(mistake).family_notes or () if n.kind == "asymmetric"]
    assert notes == [
        "tcp 22 open from the internet over IPv6 but closed over IPv4: a rule for one family's internet "
        "(0.0.0.0/0 or ::/0) without the other's?"
    ]
    by_instance = matrix(mistake, "instance")
    assert _cell(mistake, by_instance, "client", "web", "ipv6") == {"allowed": ["tcp 22, 443"]}
    assert _cell(mistake, by_instance, "client", "web", "ipv4") == {"allowed": ["tcp 443"]}
    deny = "    from: internet\n    to: web\n    deny: [tcp/22]\n"
    assert _check(mistake, deny) == [("fail", "ipv6", "delivered")]
    assert _check(mistake, deny + "    over: ipv4\n") == [("pass", "", "")]
    assert _check(before, deny) == [("pass", "", "")]
    assert _pair(before, mistake, "internet", "web") == [("ipv6", "newly_allowed", "tcp 22", "::/0")]


# ---------------------------------------------------------------------------- 3. ACL return ports


def test_a_custom_acl_that_forgets_the_ipv6_return_ports() -> None:
    fixed, mistake = _network(acl="web-acl"), _network(acl="web-acl", return6="")
    # exposure: over IPv6 the request lands, the reply is dropped (one way)
    bidirectional = {
        f.address: f.bidirectional
        for f in exposure(mistake).findings
        if f.entry.traffic.describe() == "tcp 443"
    }
    assert bidirectional == {"203.0.113.10": True, "2600:1f18:1234:5601::10": False}
    assert {
        f.address: f.bidirectional
        for f in exposure(fixed).findings
        if f.entry.traffic.describe() == "tcp 443"
    } == {"203.0.113.10": True, "2600:1f18:1234:5601::10": True}
    by_instance = matrix(mistake, "instance")
    assert _cell(mistake, by_instance, "client", "web", "ipv4") == {"allowed": ["tcp 443"]}
    assert _cell(mistake, by_instance, "client", "web", "ipv6") == {"one_way": ["tcp 443"]}
    assert _cell(fixed, matrix(fixed, "instance"), "client", "web", "ipv6") == {"allowed": ["tcp 443"]}
    allow = "    from: {instance: [client]}\n    to: web\n    allow: [tcp/443]\n"
    assert _check(mistake, allow) == [("fail", "ipv6", "not-allowed")]
    assert _check(fixed, allow) == [("pass", "", "")]
    assert _pair(mistake, fixed, "internet", "web") == [("ipv6", "newly_allowed", "tcp 443", "::/0")]
    assert _pair(mistake, fixed, "client", "web") == [
        ("ipv6", "newly_allowed", "tcp 443", "2600:1f18:1234:5602::20/128")
    ]


# ---------------------------------------------------------------------------- 4. IGW for ::/0


def test_a_private_subnet_routing_ipv6_to_the_internet_gateway() -> None:
    fixed, mistake = _network(), _network(private="igw")
    app = "2600:1f18:1234:5602::10"
    # exposure: through the egress-only gateway SSH from the internet lands but never answers;
    # through the internet gateway it is a connection
    assert {f.address: f.bidirectional for f in exposure(fixed).findings if f.address == app} == {app: False}
    assert {f.address: f.bidirectional for f in exposure(mistake).findings if f.address == app} == {app: True}
    # matrix: an instance of another VPC reaches app over the IPv6 internet
    assert _cell(fixed, matrix(fixed, "instance"), "outsider", "app", "ipv6") == {"one_way": ["tcp 22"]}
    assert _cell(mistake, matrix(mistake, "instance"), "outsider", "app", "ipv6") == {"allowed": ["tcp 22"]}
    assert _cell(mistake, matrix(mistake, "instance"), "outsider", "app", "ipv4") == {}
    # check: a connection from the internet (allow, both ways) is possible through the mistake
    # only (over IPv6: app has no public IPv4 address, so over both the IPv4 half would fail)
    allow = "    from: internet\n    to: app\n    allow: [tcp/22]\n    over: ipv6\n"
    assert _check(fixed, allow) == [("fail", "ipv6", "not-allowed")]
    assert _check(mistake, allow) == [("pass", "", "")]
    # diff: the mistake turns one-way deliveries into connections, over IPv6 only
    assert _pair(fixed, mistake, "internet", "app") == [("ipv6", "newly_allowed", "tcp 22", "::/0")]
    assert _pair(fixed, mistake, "outsider", "app") == [
        ("ipv6", "newly_allowed", "tcp 22", "2600:1f18:9999:5601::10/128")
    ]


# ---------------------------------------------------------------------------- a Terraform plan


def _tf_resource(address: str, values: dict[str, Any]) -> dict[str, Any]:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}


def _plan(open_ipv6: bool) -> dict[str, Any]:
    """A Terraform plan of a dual-stack VPC and an instance; ``open_ipv6``: the plan adds a
    ``::/0`` route to the internet gateway and SSH from ``ipv6_cidr_blocks = ["::/0"]``."""
    ingress: list[dict[str, Any]] = [
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "ipv6_cidr_blocks": [],
        }
    ]
    if open_ipv6:
        ingress.append(
            {
                "protocol": "tcp",
                "from_port": 22,
                "to_port": 22,
                "cidr_blocks": [],
                "ipv6_cidr_blocks": ["::/0"],
            }
        )
    resources = [
        _tf_resource(
            "aws_vpc.main", {"cidr_block": "10.0.0.0/16", "ipv6_cidr_block": "2600:1f18:1234:5600::/56"}
        ),
        _tf_resource("aws_internet_gateway.gw", {}),
        _tf_resource(
            "aws_subnet.public", {"cidr_block": "10.0.1.0/24", "ipv6_cidr_block": "2600:1f18:1234:5601::/64"}
        ),
        _tf_resource("aws_route_table.public", {}),
        _tf_resource("aws_route.v4", {"destination_cidr_block": "0.0.0.0/0"}),
        _tf_resource("aws_route_table_association.public", {}),
        _tf_resource("aws_security_group.web", {"name": "web", "ingress": ingress}),
        _tf_resource(
            "aws_instance.web",
            {
                "private_ip": "10.0.1.10",
                "associate_public_ip_address": True,
                "ipv6_addresses": ["2600:1f18:1234:5601::10"],
            },
        ),
    ]
    if open_ipv6:
        resources.append(_tf_resource("aws_route.v6", {"destination_ipv6_cidr_block": "::/0"}))

    def ref(*addresses: str) -> dict[str, Any]:
        return {"references": list(addresses)}

    expressions = {
        "aws_internet_gateway.gw": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
        "aws_subnet.public": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
        "aws_route_table.public": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
        "aws_route.v4": {
            "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public"),
            "gateway_id": ref("aws_internet_gateway.gw.id", "aws_internet_gateway.gw"),
        },
        "aws_route.v6": {
            "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public"),
            "gateway_id": ref("aws_internet_gateway.gw.id", "aws_internet_gateway.gw"),
        },
        "aws_route_table_association.public": {
            "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public"),
            "subnet_id": ref("aws_subnet.public.id", "aws_subnet.public"),
        },
        "aws_security_group.web": {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
        "aws_instance.web": {
            "subnet_id": ref("aws_subnet.public.id", "aws_subnet.public"),
            "vpc_security_group_ids": ref("aws_security_group.web.id", "aws_security_group.web"),
        },
    }
    unknown = {
        r["address"]: {"id": True, **dict.fromkeys(expressions.get(r["address"], {}), True)}
        for r in resources
    }
    return {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "type": r["type"],
                "name": r["name"],
                "change": {
                    "actions": ["create"],
                    "after": r["values"],
                    "after_unknown": unknown[r["address"]],
                },
            }
            for r in resources
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": r["address"],
                        "mode": "managed",
                        "type": r["type"],
                        "name": r["name"],
                        "expressions": expressions.get(r["address"], {}),
                    }
                    for r in resources
                ]
            }
        },
    }


def test_diff_of_a_terraform_plan_that_opens_ipv6_to_the_internet(tmp_path: Path, cli: CliRunner) -> None:
    """A plan adding ``ipv6_cidr_blocks = ["::/0"]`` on an SSH rule and a ``::/0`` route to the
    internet gateway: ``diff`` reports SSH newly allowed from the IPv6 internet (exit 1), and
    ``check`` of the new plan fails over IPv6."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(_plan(False)))
    new.write_text(json.dumps(_plan(True)))
    run = cli("diff", str(old), str(new), "--json")
    assert run.status == 1 and run.json["status"] == "changed"
    changes = [
        (p["from"], p["family"], e["protocol"], e["ports"], e["sources"], e["destinations"])
        for p in run.json["pairs"]
        for e in p["newly_allowed"]
    ]
    assert changes == [("internet", "ipv6", "tcp", [[22, 22]], ["::/0"], ["2600:1f18:1234:5601::10/128"])]
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "assertions:\n  - name: no ssh from the internet\n    from: internet\n    to: all\n    deny: [tcp/22]\n"
    )
    run = cli("check", str(new), str(policy), "--json")
    assert run.status == 1
    assert [v["family"] for v in run.json["assertions"][0]["violations"]] == ["ipv6"]
    assert cli("check", str(old), str(policy)).status == 0


def test_matrix_of_the_dual_stack_example_through_the_cli(cli: CliRunner) -> None:
    """The built-in dual-stack example: the bastion reaches the app by SSH over both families
    (app-sg names bastion-sg, whose members' addresses of each family it matches) and by ICMPv6
    over IPv6 only; JSON cells, CSV rows and the table say the family."""
    run = cli("matrix", "dual-stack", "--by", "instance", "--json")
    assert run.status == 0
    cells = {(c["family"], tuple(t["protocol"] for t in c["allowed"])) for c in run.json["cells"]}
    assert ("ipv4", ("tcp",)) in cells and ("ipv6", ("tcp", "icmpv6")) in cells
    run = cli("matrix", "dual-stack", "--by", "instance", "--csv")
    rows = run.out.splitlines()
    assert rows[0].endswith(",family") and any(r.endswith(",ipv6") for r in rows[1:])
    run = cli("matrix", "dual-stack", "--by", "instance")
    assert "over" in run.out and "IPv6" in run.out
