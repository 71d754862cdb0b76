"""Every analysis command's exit status against the contract:
0 yes / clean, 1 no / findings, 2 usage or input, 3 unknown.

The network: the tutorial's two web servers (SSH between them and from the internet), plus an
inbound rule for tcp/443 from a security group absent from the dump -- so tcp/443 between the
servers is unknown while tcp/22 is known.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.builders import tutorial_vpc
from tests.support.cli import CliRunner

from vpcsim.formats.aws import export_aws
from vpcsim.model import Route, SecurityGroupRule

ABSENT_GROUP = "sg-0123456789abcdef0"
ABSENT_PEERING = "pcx-0123456789abcdef0"


@pytest.fixture
def unknown_peer(tmp_path: Path) -> Path:
    s = tutorial_vpc(firewall="ssh")
    s.sg.ingress.append(
        SecurityGroupRule(ip_protocol="tcp", from_port=443, to_port=443, referenced_group_id=ABSENT_GROUP)
    )
    s.net.touch()
    export_aws(s.net, tmp_path / "aws")
    return tmp_path / "aws"


@pytest.fixture
def known(tmp_path: Path) -> Path:
    export_aws(tutorial_vpc(firewall="ssh").net, tmp_path / "known")
    return tmp_path / "known"


def _policy(tmp_path: Path, port: int) -> str:
    path = tmp_path / f"policy-{port}.yaml"
    path.write_text(
        "version: 1\n"
        "assertions:\n"
        f"  - name: no tcp/{port} between the web servers\n"
        "    from: {instance: web-1}\n"
        "    to: {instance: web-2}\n"
        f"    deny: [tcp/{port}]\n"
    )
    return str(path)


def test_matrix_with_unknown_cells_exits_3_even_beside_allowed_ones(
    cli: CliRunner, unknown_peer: Path
) -> None:
    for by in ("instance", "subnet", "security-group"):
        run = cli("matrix", str(unknown_peer), "--by", by, "--json")
        cells = run.json["cells"]
        assert any(c["allowed"] for c in cells) and any(c["unknown"] for c in cells), by
        assert run.status == 3, by
        assert cli("matrix", str(unknown_peer), "--by", by, "--csv").status == 3


def test_matrix_of_a_known_network_exits_0(cli: CliRunner, known: Path) -> None:
    run = cli("matrix", str(known), "--by", "instance", "--json")
    assert run.status == 0 and run.json["cells"] and not any(c["unknown"] for c in run.json["cells"])


def test_every_command_follows_the_contract(cli: CliRunner, unknown_peer: Path, tmp_path: Path) -> None:
    net = str(unknown_peer)
    flow = ["--from", "web-1", "--to", "web-2", "-p", "tcp", "--port"]
    cases: list[tuple[list[str], int]] = [
        # a yes/no question: yes, no, and "it depends on what is not modelled"
        (["trace", net, *flow, "22"], 0),
        (["trace", net, *flow, "80"], 1),
        (["trace", net, *flow, "443"], 3),
        (["why", net, *flow, "22"], 0),
        (["why", net, *flow, "80"], 1),
        (["why", net, *flow, "443"], 3),
        # reach: something allowed is a yes, whatever else is unknown
        (["reach", net, "--from", "web-1", "--to", "web-2"], 0),
        (["reach", net, "--from", "web-1", "--to", "internet:8.8.8.8"], 0),
        # check: holds, fails, unknown
        (["check", net, _policy(tmp_path, 80)], 0),
        (["check", net, _policy(tmp_path, 22)], 1),
        (["check", net, _policy(tmp_path, 443)], 3),
        # exposure: SSH from the internet is a finding
        (["exposure", net], 1),
        # usage and input errors
        (["matrix", net, "--by", "vpc"], 2),
        (["reach", net, "--from", "nobody", "--to", "web-2"], 2),
        (["exposure", str(tmp_path / "missing")], 2),
    ]
    for args, status in cases:
        run = cli(*args)
        assert run.status == status, (args, run.out, run.err)


def test_reach_with_only_unknown_traffic_exits_3(cli: CliRunner, tmp_path: Path) -> None:
    s = tutorial_vpc(firewall="ssh")
    s.sg.ingress[:] = [
        SecurityGroupRule(ip_protocol="tcp", from_port=443, to_port=443, referenced_group_id=ABSENT_GROUP)
    ]
    s.net.touch()
    export_aws(s.net, tmp_path / "aws")
    run = cli("reach", str(tmp_path / "aws"), "--from", "web-1", "--to", "web-2", "--json")
    assert run.json["allowed"] == [] and run.json["unknown"]
    assert run.status == 3
    matrix = cli("matrix", str(tmp_path / "aws"), "--by", "instance")
    assert matrix.status == 3


def test_exposure_with_unknown_paths_and_no_finding_exits_3(cli: CliRunner, tmp_path: Path) -> None:
    s = tutorial_vpc(firewall="ssh")
    s.sg.ingress[:] = [
        SecurityGroupRule(ip_protocol="tcp", from_port=443, to_port=443, referenced_group_id=ABSENT_GROUP)
    ]
    s.net.touch()
    export_aws(s.net, tmp_path / "aws")
    run = cli("exposure", str(tmp_path / "aws"), "--json")
    assert run.json["findings"] == [] and run.json["incomplete"]
    assert run.status == 3


@pytest.fixture
def unknown_inside(tmp_path: Path) -> Path:
    """Nothing open to the internet; a route to 10.99.0.0/16 through a peering absent from the dump."""
    s = tutorial_vpc(firewall="none")
    s.public_rt.routes.append(
        Route(destination_cidr_block="10.99.0.0/16", vpc_peering_connection_id=ABSENT_PEERING)
    )
    s.net.touch()
    export_aws(s.net, tmp_path / "inside")
    return tmp_path / "inside"


def test_an_unknown_resource_no_answer_crosses_leaves_exposure_diff_and_check_clean(
    cli: CliRunner, unknown_inside: Path, tmp_path: Path
) -> None:
    """One rule for the three: an unknown resource is listed as incomplete, but the engine answers
    unknown for every flow that crosses it, so only such flows make the answer unknown."""
    exposure = cli("exposure", str(unknown_inside), "--json")
    assert exposure.json["findings"] == []
    assert [(i["kind"], i["component"]) for i in exposure.json["incomplete"]] == [
        ("unknown-resource", ABSENT_PEERING)
    ]
    assert exposure.status == 0
    same = cli("diff", str(unknown_inside), str(unknown_inside), "--json")
    assert same.json["status"] == "same" and same.status == 0
    assert cli("check", str(unknown_inside), _policy(tmp_path, 22)).status == 0
    # a flow that crosses it is unknown
    crossing = cli(
        "trace", str(unknown_inside), "--from", "web-1", "--to", "10.99.0.5", "-p", "tcp", "--port", "22"
    )
    assert crossing.status == 3
