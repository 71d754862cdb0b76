"""matrix by instance, subnet and security group; CSV and JSON."""

from __future__ import annotations

import csv
import io

from tests.support.builders import common_scenario, public_private_vpc

from vpcsim.analysis import matrix
from vpcsim.analysis.endpoints import Host
from vpcsim.analysis.matrix import receiver_parts


def test_by_subnet() -> None:
    p = public_private_vpc()
    result = matrix(p.net, "subnet")
    public, private = p.public.subnet_id, p.private.subnet_id
    assert [t.describe() for t in result.cell(public, private).allowed] == ["tcp 22"]  # type: ignore[union-attr]
    assert [t.describe() for t in result.cell(private, public).allowed] == ["tcp 22"]  # type: ignore[union-attr]
    assert result.labels == tuple(sorted([public, private]))


def test_by_security_group_unites_member_pairs() -> None:
    s = common_scenario()
    result = matrix(s.net, "security-group")
    common, web = s.common.group_id, s.web.group_id
    # server (common + web) -> other (common): everything, through common's self-reference.
    cell = result.cell(web, common)
    assert cell is not None and [t.protocol for t in cell.allowed] == ["all"]
    # Nobody else carries web, so nothing reaches web's members from a distinct ENI of web.
    assert result.cell(web, web) is None


def test_by_instance_and_csv() -> None:
    p = public_private_vpc()
    result = matrix(p.net, "instance")
    assert {(c.source, c.destination) for c in result.cells} == {
        (p.bastion.instance_id, p.app.instance_id),
        (p.app.instance_id, p.bastion.instance_id),
    }
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert rows[0].keys() == {"from", "to", "list", "protocol", "ports", "icmp", "source_ports", "family"}
    assert {r["family"] for r in rows} == {"ipv4"}
    assert {(r["list"], r["protocol"], r["ports"]) for r in rows} == {("allowed", "tcp", "22")}
    doc = result.to_dict()
    assert doc["schema_version"] == 1 and doc["by"] == "instance"
    assert doc["cells"][0]["allowed"][0] == {"protocol": "tcp", "ports": [[22, 22]], "icmp": None}


def test_rows_and_pairs_agree_with_unknown_peers() -> None:
    """A rule referencing a group that is not in the input answers "maybe": those ENIs take the
    pair-by-pair path, and both paths give the same cells."""
    from tests.support.builders import tutorial_vpc

    from vpcsim.analysis.bulk import Bulk
    from vpcsim.model import SecurityGroupRule

    s = tutorial_vpc(firewall="ssh")
    s.sg.ingress.append(
        SecurityGroupRule(
            ip_protocol="tcp", from_port=443, to_port=443, referenced_group_id="sg-0123456789abcdef0"
        )
    )
    s.net.touch()
    for by in ("instance", "subnet", "security-group"):
        rows = matrix(s.net, by, bulk=Bulk(s.net))  # type: ignore[arg-type]
        pairs = matrix(s.net, by, bulk=Bulk(s.net), rows=False)  # type: ignore[arg-type]
        assert [c.to_dict() for c in rows.cells] == [c.to_dict() for c in pairs.cells]
        assert any(t.describe() == "tcp 443" for c in rows.cells for t in c.unknown)


def test_receiver_parts_keep_every_receiver_label_in_one_part() -> None:
    """Destination subnets are judged part by part, each over its own traffic space: two subnets
    whose receivers share a label (a group, an instance) are one part, the others apart."""
    receivers = {
        "subnet-a": [Host(1, "eni-1")],
        "subnet-b": [Host(2, "eni-2"), Host(3, "eni-3")],
        "subnet-c": [Host(4, "eni-4")],
        "subnet-d": [Host(5, "eni-5")],
    }
    labels_of = {
        "eni-1": ("sg-x",),
        "eni-2": ("sg-y",),
        "eni-3": ("sg-z", "sg-x"),
        "eni-4": ("sg-w",),
        "eni-5": ("sg-z",),
    }
    assert receiver_parts(receivers, labels_of) == [["subnet-a", "subnet-b", "subnet-d"], ["subnet-c"]]
    by_subnet = {eni: (s,) for s, hosts in receivers.items() for eni in (h.eni_id or "" for h in hosts)}
    assert receiver_parts(receivers, by_subnet) == [["subnet-a"], ["subnet-b"], ["subnet-c"], ["subnet-d"]]
    vpc_of = {"subnet-a": "vpc-1", "subnet-b": "vpc-2", "subnet-c": "vpc-1", "subnet-d": "vpc-3"}
    assert receiver_parts(receivers, by_subnet, vpc_of) == [
        ["subnet-a", "subnet-c"],
        ["subnet-b"],
        ["subnet-d"],
    ]
    assert receiver_parts(receivers, labels_of, vpc_of) == [["subnet-a", "subnet-b", "subnet-c", "subnet-d"]]
