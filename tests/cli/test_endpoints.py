"""SRC and DST on the command line: subnets and groups as ends, "did you mean", and sources
nothing sends from (docs/cli.md, SRC and DST)."""

from __future__ import annotations

import pytest
from tests.support.cli import CliRunner

from vpcsim.formats.loader import load_example


def test_trace_takes_a_subnet_that_holds_one_eni(cli: CliRunner) -> None:
    by_subnet = cli("trace", "bastion-nat", "--from", "public", "--to", "app", "--port", "22", "--json")
    by_instance = cli("trace", "bastion-nat", "--from", "bastion", "--to", "app", "--port", "22", "--json")
    assert by_subnet.status == by_instance.status == 0
    assert by_subnet.json == by_instance.json


def test_trace_refuses_a_subnet_of_several_enis_listing_them(cli: CliRunner) -> None:
    network = load_example("custom-vpc").network
    group = next(g for g in network.security_groups.values() if g.group_name == "tutorial-sg")
    run = cli("trace", "custom-vpc", "--from", "tutorial-sg", "--to", "internet", "--port", "443", "--json")
    assert run.status == 2
    error = run.json["error"]
    assert error["code"] == "VPCSIM_ENDPOINT"
    assert "2 network interfaces" in error["message"]
    enis = sorted(
        e.network_interface_id for e in network.network_interfaces.values() if group.group_id in e.groups
    )
    assert [d["candidate"].split()[0] for d in error["details"]] == enis


def test_reach_from_a_security_group_is_every_member(cli: CliRunner) -> None:
    run = cli("reach", "custom-vpc", "--from", "tutorial-sg", "--to", "internet", "--json")
    assert run.status == 0
    sources = {s for entry in run.json["allowed"] for s in entry["sources"]}
    assert sources == {"10.0.10.45/32", "10.0.25.120/32"}


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (("trace", "bastion-nat", "--from", "bastoin", "--to", "app", "--port", "22"), "'bastion'"),
        (("reach", "bastion-nat", "--from", "bastion", "--to", "aap"), "'app'"),
        (("ssh", "bastion-nat", "internt", "bastion"), "'internet'"),
        (("why", "bastion-nat", "--from", "bastion", "--to", "privat", "--port", "22"), "'private'"),
    ],
)
def test_an_unknown_endpoint_gets_did_you_mean(
    cli: CliRunner, args: tuple[str, ...], suggestion: str
) -> None:
    run = cli(*args)
    assert run.status == 2
    assert f"did you mean {suggestion}?" in run.err


@pytest.mark.parametrize("command", ["trace", "reach", "why"])
@pytest.mark.parametrize("address", ["10.9.9.9", "172.16.0.1", "100.64.1.1"])
def test_a_private_address_nobody_holds_is_no_source(cli: CliRunner, command: str, address: str) -> None:
    args = ["--from", address, "--to", "app"] + (["--port", "22"] if command != "reach" else [])
    run = cli(command, "bastion-nat", *args, "--json")
    assert run.status == 2
    assert run.json["error"]["code"] == "VPCSIM_ENDPOINT"
    assert f"internet:{address}" in run.json["error"]["message"]


def test_internet_ip_is_an_explicit_outside_host(cli: CliRunner) -> None:
    run = cli(
        "trace", "bastion-nat", "--from", "internet:10.9.9.9", "--to", "bastion", "--port", "22", "--json"
    )
    assert run.status == 1
    assert [b["code"] for b in run.json["blockers"]] == ["IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"]


def test_a_private_address_nobody_holds_is_an_unreachable_destination(cli: CliRunner) -> None:
    run = cli("trace", "bastion-nat", "--from", "bastion", "--to", "10.0.2.99", "--port", "22", "--json")
    assert run.status == 1
