"""The CLI over load balancers: ``show`` lists them and their nodes, ``exposure`` names the
load-balancer path, ``trace`` answers with the listener and the legs."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import CliRunner

FIXTURE = Path(__file__).parent.parent / "fixtures" / "aws" / "test-load-balancer"
TERRAFORM = Path(__file__).parent.parent / "fixtures" / "terraform" / "state_alb.json"


def test_show_lists_the_load_balancer_and_marks_its_nodes(cli: CliRunner) -> None:
    run = cli("show", str(FIXTURE))
    assert run.status == 0
    assert (
        "load balancer test-lb (network, internal): TCP:80 -> i-0f4af951d61a19245:22, i-055b0db7be365202c:22"
        in run.out
    )
    assert run.out.count("node of load balancer net/test-lb/725b996cb6be8fba") == 2


def test_trace_to_the_nlb_answers_reachable(cli: CliRunner) -> None:
    run = cli(
        "trace", str(FIXTURE), "--from", "i-0c8ce8bbdd98cc4e8", "--to", "test-lb", "--port", "80", "--json"
    )
    assert run.status == 0
    assert run.json["verdict"] == "reachable"
    wrong = cli(
        "trace", str(FIXTURE), "--from", "i-0c8ce8bbdd98cc4e8", "--to", "test-lb", "--port", "443", "--json"
    )
    assert wrong.status == 1
    assert [b["code"] for b in wrong.json["blockers"]] == ["ELBV2_LISTENER_PORT_RESTRICTION"]


def test_exposure_names_the_load_balancer_path(cli: CliRunner) -> None:
    run = cli("exposure", str(TERRAFORM))
    assert run.status == 1
    assert "load balancer web: HTTPS:443 -> i-0a0000000000000a1:8080" in run.out.splitlines()
    document = cli("exposure", str(TERRAFORM), "--json").json
    assert {f["via"] for f in document["findings"]} == {"load-balancer"}
