"""Every behaviour of the tutorial through the CLI, on the built-in examples (exit status, JSON
verdict and blocker codes). The demo's changed networks are the tutorial's edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.cli import CliRunner

from vpcsim.cli.demo import STORY, run_demo

SPECS = Path(__file__).parent / "specs"

#: The codes each changed-network step of the story must report (the rest: no blockers).
EXPECTED_CODES = {
    "ping default-vpc instance-2 instance-1": ["ENI_SG_RULES_MISMATCH"],
    "custom-vpc-no-public-ip": ["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"],
    "custom-vpc-no-igw-route": ["NO_ROUTE_TO_DESTINATION"],
    "custom-vpc-igw-detached": ["BAD_STATE_ATTACHMENT"],
    "custom-vpc-nacl-outbound-deny": ["SUBNET_ACL_RESTRICTION"],
    "custom-vpc-nacl-narrow-return ssh": ["SUBNET_ACL_RESTRICTION"],
    "custom-vpc-sg-no-egress ping": ["SG_HAS_NO_RULES"],
    "custom-vpc-sg-echo-only curl": ["ENI_SG_RULES_MISMATCH"],
    "curl web-server internet app": ["ENI_SG_RULES_MISMATCH"],
    "curl web-server app internet": ["ENI_SG_RULES_MISMATCH"],
    "ssh bastion-nat internet app": ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"],
}


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = run_demo(as_json=True, workdir=tmp_path_factory.mktemp("demo"))
    document = json.loads(buffer.getvalue())
    assert status == 0 and document["story_holds"] is True
    steps: list[dict[str, object]] = document["steps"]
    return steps


def _key(step: dict[str, object]) -> str:
    command = str(step["command"]).split()
    name = Path(command[2]).stem if len(command) > 2 else ""
    return " ".join([command[1], name, *command[3:5]])


def test_every_story_step_holds(story: list[dict[str, object]]) -> None:
    assert len(story) == sum(len(c.steps) for c in STORY)
    for step in story:
        assert step["expected"] is True, step


@pytest.mark.parametrize(("fragment", "codes"), sorted(EXPECTED_CODES.items()))
def test_story_blocker_codes(story: list[dict[str, object]], fragment: str, codes: list[str]) -> None:
    parts = fragment.split()
    matching = [s for s in story if all(p in _key(s) or p in str(s["command"]) for p in parts)]
    assert matching, fragment
    for step in matching:
        if step["exit"] == 1:
            assert step["codes"] == codes, step


def test_nacl_deny_breaks_the_return_path(cli: CliRunner, story: list[dict[str, object]]) -> None:
    step = next(s for s in story if "nacl-outbound-deny" in str(s["command"]))
    run = cli(*str(step["command"]).split()[1:], "--json")
    (blocker,) = run.json["blockers"]
    assert (blocker["path"], blocker["direction"]) == ("return", "outbound")


def test_narrow_return_range_lists_failing_ports(cli: CliRunner, story: list[dict[str, object]]) -> None:
    step = next(s for s in story if "nacl-narrow-return" in str(s["command"]) and "ssh" in str(s["command"]))
    run = cli(*str(step["command"]).split()[1:], "--json")
    assert run.status == 1
    (blocker,) = run.json["blockers"]
    assert blocker["ports"] == [[40001, 60999]]
    pinned = cli(*str(step["command"]).split()[1:3], "--json")  # the file only
    assert pinned.status == 2  # ssh needs SRC and DST


def test_stateful_groups_keep_ssh_without_egress(story: list[dict[str, object]]) -> None:
    ssh = next(s for s in story if "sg-no-egress" in str(s["command"]) and " ssh " in str(s["command"]))
    assert ssh["exit"] == 0 and ssh["verdict"] == "reachable"


def test_dns_resolver_ignores_filters(story: list[dict[str, object]]) -> None:
    dns = next(s for s in story if "locked-down" in str(s["command"]))
    assert dns["verdict"] == "reachable"


def test_nat_gateway_path_is_outbound_only(cli: CliRunner) -> None:
    out = cli("curl", "bastion-nat", "app", "internet", "--port", "443", "--json").json
    kinds = [h["type"] for h in out["forward"]]
    assert "nat-gateway" in kinds and kinds[-1] == "internet"
    assert cli("ping", "bastion-nat", "internet", "app", "--json").status == 1


def test_dual_homed_instance(cli: CliRunner) -> None:
    spec = str(SPECS / "two-vpcs.yaml")
    back = cli(
        "trace",
        spec,
        "--from",
        "gateway",
        "--from-eni",
        "gw-back",
        "--to",
        "database",
        "--port",
        "5432",
        "--json",
    )
    assert back.status == 0
    assert back.json["flow"]["source"] == "10.0.2.10"
    front = cli("trace", spec, "--from", "gateway", "--to", "database", "--port", "5432", "--json")
    assert front.json["flow"]["source"] == "10.0.1.10"
    wrong = cli(
        "trace", spec, "--from", "client", "--from-eni", "gw-back", "--to", "database", "--port", "5432"
    )
    assert wrong.status == 2 and "not a network interface of the source" in wrong.err


def test_vpcs_without_peering_cannot_talk_with_peering_they_can(cli: CliRunner) -> None:
    spec = str(SPECS / "two-vpcs.yaml")
    assert cli("ping", spec, "client", "database").status == 0
    hermit = cli("ping", spec, "client", "hermit", "--json")
    assert hermit.status == 1 and [b["code"] for b in hermit.json["blockers"]] == ["DISCONNECTED_VPCS"]


def test_one_sided_peering_route_fails_on_return(cli: CliRunner, tmp_path: Path) -> None:
    text = (SPECS / "two-vpcs.yaml").read_text()
    one_sided = tmp_path / "one-sided.yaml"
    one_sided.write_text(text.replace("          10.0.0.0/16: app-data", "          10.9.0.0/16: app-data"))
    run = cli("ping", str(one_sided), "client", "database", "--json")
    assert run.status == 1
    (blocker,) = run.json["blockers"]
    assert (blocker["code"], blocker["path"]) == ("NO_ROUTE_TO_DESTINATION", "return")
