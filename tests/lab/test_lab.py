"""``lab up/status/exec/probe/down`` on the built-in examples, safety, and crash recovery.

These need root, ``ip`` and ``nft`` (skipped with the reason otherwise; failing under CI=true).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tests.support.lab import host_snapshot
from typer.testing import CliRunner

from vpcsim.formats.loader import EXAMPLES, load_example
from vpcsim.lab import LabError, lab_down, lab_exec, lab_probe, lab_reload, lab_status, lab_up, read_state
from vpcsim.lab import kernel as lab_kernel
from vpcsim.lab.api import lab_ssh
from vpcsim.lab.netns import lab_namespaces, namespace_exists
from vpcsim.lab.ssh import ssh_dir
from vpcsim.lab.state import state_path
from vpcsim.model import Instance, SecurityGroup

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]


def test_host_is_identical_before_up_and_after_down(lab_name: str) -> None:
    before = host_snapshot()
    state = lab_up(load_example("bastion-nat").network, lab_name)
    assert state.responder_pid is not None
    assert lab_probe(lab_name, "app", "internet", "tcp", 443, 40000)["reachable"]
    during = host_snapshot()
    result = lab_down(lab_name)
    after = host_snapshot()
    assert result["was_up"] and result["responder_stopped"]
    assert set(result["removed_namespaces"]) == {n.name for n in state.namespaces}
    assert before == during == after
    assert not lab_namespaces(f"vs-{lab_name}-")
    assert not state_path(lab_name).exists()
    cmdline = Path(f"/proc/{state.responder_pid}/cmdline")
    assert not cmdline.exists() or b"vpcsim.lab.responder" not in cmdline.read_bytes()


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_every_example_comes_up_answers_and_goes_down(example: str, lab_name: str) -> None:
    network = load_example(example).network
    state = lab_up(network, lab_name, responder=False)
    status = lab_status(lab_name)
    assert status["status"] == "up" and not status["namespaces_missing"]
    assert len(status["instances"]) == len(network.instances)
    # every running instance answers a ping from itself (its own kernel, inside its namespace)
    for instance in state.instances.values():
        if instance.state == "running":
            own = instance.enis[0].private_ips[0]
            done = lab_exec(lab_name, instance.instance_id, ["ping", "-c1", "-W1", own], capture=True)
            assert done.returncode == 0, done.stdout + done.stderr
    lab_down(lab_name)
    assert lab_down(lab_name)["was_up"] is False  # idempotent


def test_exec_and_probe_tell_the_bastion_story(lab_name: str) -> None:
    lab_up(load_example("bastion-nat").network, lab_name)
    curl = lab_exec(lab_name, "app", ["curl", "-s", "-m", "2", "http://8.8.8.8/"], capture=True)
    assert curl.returncode == 0 and "the internet answered on port 80" in curl.stdout
    ssh = lab_exec(lab_name, "bastion", ["nc", "-w", "2", "10.0.2.20", "22"], capture=True)
    assert ssh.stdout.startswith("SSH-2.0-vpcsim-lab")
    blocked = lab_exec(lab_name, "bastion", ["ping", "-c1", "-W1", "10.0.2.20"], capture=True)
    assert blocked.returncode != 0  # app-sg allows SSH only

    outbound = lab_probe(lab_name, "app", "internet:8.8.8.8", "tcp", 443, 40123)
    assert outbound["verdict"] == "reachable" and outbound["blockers"] == []
    assert outbound["flow"]["source_ports"] == [[40123, 40123]]
    assert outbound["lab"]["observed_source"] == "203.0.113.100"  # the NAT gateway's Elastic IP
    assert outbound["lab"]["observed_source_port"] == 40123

    inbound = lab_probe(lab_name, "internet", "app", "tcp", 22, 40124)
    assert inbound["verdict"] == "unreachable"
    assert inbound["blockers"][0]["code"] == "VPCSIM_LAB_NO_REQUEST"

    low = lab_probe(lab_name, "app", "internet:1.1.1.1", "udp", 53, 1000)
    assert low["reachable"] and 1024 <= low["lab"]["observed_source_port"] <= 65535  # the NAT picked a port


def test_reload_applies_changed_rules_and_a_changed_topology(lab_name: str) -> None:
    network = load_example("bastion-nat").network
    lab_up(network, lab_name, responder=False)
    assert lab_probe(lab_name, "bastion", "app", "tcp", 22, 40000)["reachable"]
    network.revoke_security_group_ingress(network.resolve("app-sg", SecurityGroup))
    lab_reload(network, lab_name)
    assert not lab_probe(lab_name, "bastion", "app", "tcp", 22, 40001)["reachable"]
    # a changed topology is applied as a difference too (it was refused before)
    app = network.resolve("app", Instance).instance_id
    inode = (lab_kernel.NETNS_DIR / f"vs-{lab_name}-{app}").stat().st_ino
    network.stop_instance(app)
    lab_reload(network, lab_name)
    assert read_state(lab_name).instances[app].state == "stopped"
    assert lab_exec(lab_name, "app", ["ping", "-c1", "-W1", "10.0.2.20"], capture=True).returncode != 0
    network.start_instance(app)
    lab_reload(network, lab_name)
    assert lab_exec(lab_name, "app", ["ping", "-c1", "-W1", "10.0.2.20"], capture=True).returncode == 0
    assert (lab_kernel.NETNS_DIR / f"vs-{lab_name}-{app}").stat().st_ino == inode  # never torn down


def test_down_cleans_up_after_a_crash_without_state(lab_name: str) -> None:
    state = lab_up(load_example("web-server").network, lab_name, responder=False)
    state_path(lab_name).unlink()  # as if the process that ran `up` had died before recording
    assert all(namespace_exists(n.name) for n in state.namespaces)
    result = lab_down(lab_name)
    assert sorted(result["removed_namespaces"]) == sorted(n.name for n in state.namespaces)
    assert not lab_namespaces(f"vs-{lab_name}-")


def test_a_failure_half_way_through_up_leaves_nothing(lab_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(plan: object, *, replace: bool = False) -> None:
        raise LabError("nft exploded")

    monkeypatch.setattr(lab_kernel, "load_ruleset", broken)
    with pytest.raises(LabError, match="nft exploded"):
        lab_up(load_example("bastion-nat").network, lab_name, responder=False)
    assert not lab_namespaces(f"vs-{lab_name}-")
    assert not state_path(lab_name).exists()


def test_up_twice_changes_nothing_and_unknown_names_are_clear(lab_name: str) -> None:
    network = load_example("default-vpc").network
    first = lab_up(network, lab_name, responder=False)
    again = lab_up(network, lab_name, responder=False)  # the difference is empty
    assert [n.name for n in again.namespaces] == [n.name for n in first.namespaces]
    with pytest.raises(LabError, match="not an instance"):
        lab_exec(lab_name, "nosuch", ["true"])
    with pytest.raises(LabError, match="needs --port"):
        lab_probe(lab_name, "instance-1", "instance-2", "tcp")
    with pytest.raises(LabError, match="no lab named"):
        read_state("zz9")


def test_cli_lab_commands(lab_name: str) -> None:
    import typer

    from vpcsim.cli.lab import lab_app

    app = typer.Typer()
    app.add_typer(lab_app, name="lab")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        # as vpcsim's main() does: the command's return value is the exit status
        result = runner.invoke(app, ["lab", *args], standalone_mode=False)
        assert result.exception is None, result.output
        return result.return_value, result.stdout

    status, out = run("up", "bastion-nat", "--name", lab_name, "--no-responder", "--json")
    assert status == 0 and json.loads(out)["status"] == "up"
    status, out = run(
        "probe", "--name", lab_name, "--from", "bastion", "--to", "app", "--port", "22", "--json"
    )
    assert status == 0 and json.loads(out)["verdict"] == "reachable"
    status, out = run("probe", "--name", lab_name, "--from", "internet", "--to", "app", "--port", "22")
    assert status == 1 and "NOT DELIVERED" in out and "never reached" in out
    status, _ = run("exec", "--name", lab_name, "app", "--", "sh", "-c", "exit 7")
    assert status == 7
    status, out = run("status", "--name", lab_name)
    assert status == 0 and f"lab {lab_name}: up" in out
    # up on a lab that is up applies the difference: nothing for the same network
    status, out = run("up", "bastion-nat", "--name", lab_name, "--no-responder", "--json")
    assert status == 0 and json.loads(out)["applied"]["namespaces_created"] == 0
    assert json.loads(out)["applied"]["namespaces_changed"] == 0
    status, out = run("up", "web-server", "--name", lab_name, "--no-responder")
    assert status == 0 and "applied the difference" in out
    assert {i["instance_id"] for i in lab_status(lab_name)["instances"]} == set(
        load_example("web-server").network.instances
    )
    status, out = run("down", "--name", lab_name)
    assert status == 0 and "removed" in out


def test_ssh_through_the_bastion_with_openssh(lab_name: str) -> None:
    if not Path("/usr/sbin/sshd").exists():
        pytest.skip("OpenSSH's server is not installed (scripts/install-lab-deps.sh)")
    lab_up(load_example("bastion-nat").network, lab_name)
    bastion = lab_ssh(lab_name, "bastion")
    app = lab_ssh(lab_name, "app")
    assert bastion["public_ip"] == "203.0.113.10"
    ssh = ["ssh", "-i", bastion["key"], "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "BatchMode=yes", "-o", "ConnectTimeout=3"]  # fmt: skip
    through = lab_exec(
        lab_name, "internet", [*ssh, f"root@{bastion['public_ip']}", "echo", "on-bastion"], capture=True
    )
    assert through.returncode == 0 and "on-bastion" in through.stdout, through.stderr
    hop = lab_exec(lab_name, "bastion", [*ssh, f"root@{app['private_ip']}", "echo", "on-app"], capture=True)
    assert hop.returncode == 0 and "on-app" in hop.stdout, hop.stderr
    direct = lab_exec(lab_name, "internet", [*ssh, f"root@{app['private_ip']}", "true"], capture=True)
    assert direct.returncode != 0  # the app answers only from the bastion
    # the responder still answers elsewhere, and lab down stops every sshd
    assert lab_probe(lab_name, "bastion", "app", "tcp", 22)["reachable"]
    pids = [int(p.read_text()) for p in ssh_dir(lab_name).glob("*.pid")]
    assert len(pids) == 2
    lab_down(lab_name)
    time.sleep(0.2)
    assert not any(
        Path(f"/proc/{pid}").exists() and b"sshd" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids
    )


def test_a_client_port_held_by_the_responder_is_not_probed(lab_name: str) -> None:
    """The responder listens on 22, 80, 443 and 8080 in every instance: a probe pinned to one of
    these client ports cannot be tried there. It is marked not probed and never compared with the
    engine (the watchdog counts it apart); `lab probe` says so instead of answering "unreachable"."""
    from vpcsim.engine.flow import make_flow
    from vpcsim.fidelity import Case, compare_case
    from vpcsim.lab import probe_many

    network = load_example("bastion-nat").network
    lab_up(network, lab_name)
    flow = make_flow(network, "app", "internet:8.8.8.8", protocol="tcp", port=443, source_port=8080)
    case = Case(0, flow)
    (taken,) = probe_many(lab_name, [case.spec()])
    assert taken.probed is False and not taken.delivered
    assert "held by a listener" in taken.detail and taken.to_dict()["probed"] is False
    assert compare_case(network, 0, case, taken) == []  # the engine says reachable: not compared
    free = Case(0, make_flow(network, "app", "internet:8.8.8.8", protocol="tcp", port=443, source_port=8081))
    (tried,) = probe_many(lab_name, [free.spec()])
    assert tried.probed and tried.delivered
    with pytest.raises(LabError, match="choose another --source-port"):
        lab_probe(lab_name, "app", "internet:8.8.8.8", "tcp", 443, 8080)
