"""``vpcsim serve --lab``: the tutorial built through boto3 runs for real and follows the API.

Needs root, ``ip`` and ``nft`` (skipped with the reason otherwise; failing under CI=true). The
lab is named ``sl<pid>s`` so that other runs on the machine never meet it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.lab.conftest import lab_environment  # noqa: F401  (the environment gate)

from vpcsim.lab import lab_down, lab_probe, read_state
from vpcsim.lab.netns import NETNS_DIR, lab_namespaces
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.live import LiveLab

from .test_tutorial_reachability import build_tutorial

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("lab_environment")]


def lab_serve_name() -> str:
    return f"sl{os.getpid()}s"


@pytest.fixture
def live_server(lab_environment: None) -> Iterator[tuple[BackgroundServer, LiveLab]]:  # noqa: F811
    name = lab_serve_name()
    lab_down(name)
    store = Store(":memory:")
    live = LiveLab(store, name)
    settings = ServerSettings(after_commit=live.after_commit, health=live.health)
    try:
        live.start()
        with BackgroundServer(store, settings) as server:
            yield server, live
    finally:
        live.stop()
        lab_down(name)


def _ec2(server: BackgroundServer) -> Any:
    return boto3.client(
        "ec2",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="secret",
    )


SSH_FROM_ANYWHERE = [
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
]


def test_the_tutorial_runs_for_real_and_follows_the_api(
    live_server: tuple[BackgroundServer, LiveLab],
) -> None:
    server, live = live_server
    name = live.name
    ec2 = _ec2(server)
    ids = build_tutorial(ec2)
    bastion_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["bastion"]}])[
        "SecurityGroups"
    ][0]["GroupId"]
    nat = ec2.describe_nat_gateways(NatGatewayIds=[ids["nat"]])["NatGateways"][0]
    nat_public = nat["NatGatewayAddresses"][0]["PublicIp"]
    (bastion,) = ec2.describe_instances(InstanceIds=[ids["bastion"]])["Reservations"][0]["Instances"]
    assert bastion["PublicIpAddress"].startswith("44.")  # the serve pool, as the lab holds it

    # the bastion answers SSH from the internet; the app only from the bastion
    assert live.wait_idle(120)  # the watchdog's probes and ours apart
    ssh = lab_probe(name, "internet", ids["bastion"], "tcp", 22)
    assert ssh["reachable"], ssh
    assert lab_probe(name, ids["bastion"], ids["app"], "tcp", 22)["reachable"]
    assert not lab_probe(name, "internet", ids["app"], "tcp", 22)["reachable"]
    assert not lab_probe(name, ids["bastion"], ids["app"], "tcp", 80)["reachable"]
    # the app reaches the internet through the NAT gateway, seen from the NAT's address
    out = lab_probe(name, ids["app"], "internet:8.8.8.8", "tcp", 443)
    assert out["reachable"] and out["lab"]["observed_source"] == nat_public

    # revoking the bastion's rule closes it for the next packet; reauthorising opens it
    ec2.revoke_security_group_ingress(GroupId=bastion_sg, IpPermissions=SSH_FROM_ANYWHERE)
    answered = time.monotonic()
    closed = lab_probe(name, "internet", ids["bastion"], "tcp", 22)
    assert not closed["reachable"], closed
    assert time.monotonic() - answered < 1.0 + 1.0  # the probe itself waits up to its 1 s timeout
    ec2.authorize_security_group_ingress(GroupId=bastion_sg, IpPermissions=SSH_FROM_ANYWHERE)
    assert lab_probe(name, "internet", ids["bastion"], "tcp", 22)["reachable"]

    # the watchdog checked every change and the kernel agreed with the engine
    assert live.wait_idle(120)
    health = live.health()["lab"]
    assert health["apply_errors"] == 0, health["last_error"]
    assert health["watchdog_checks"] > 0 and health["watchdog_probes"] > 0
    assert health["disagreements"] == 0, health["recent_disagreements"]


def test_an_address_taken_again_through_the_api_answers_at_once(lab_environment: None) -> None:  # noqa: F811
    """The watchdog's "engine reachable, kernel not delivered" from the app after
    TerminateInstances and RunInstances (the lab's neighbour caches, docs/lab.md): the next
    instance launched takes the terminated bastion's address, and the app reaches it on the
    very next packet; so does the app after instances of its own subnet come and go."""
    name = lab_serve_name()
    lab_down(name)
    store = Store(":memory:")
    live = LiveLab(store, name, watchdog=False)  # no probe of the watchdog beside ours
    try:
        live.start()
        with BackgroundServer(store, ServerSettings(after_commit=live.after_commit)) as server:
            ec2 = _ec2(server)
            ids = build_tutorial(ec2)
            bastion_sg = ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["bastion"]}]
            )["SecurityGroups"][0]["GroupId"]
            (bastion,) = ec2.describe_instances(InstanceIds=[ids["bastion"]])["Reservations"][0]["Instances"]
            address = bastion["PrivateIpAddress"]
            (app,) = ec2.describe_instances(InstanceIds=[ids["app"]])["Reservations"][0]["Instances"]
            for port in range(40000, 40004):
                assert lab_probe(name, ids["app"], address, "tcp", 22, port)["reachable"]
                ec2.terminate_instances(InstanceIds=[ids["bastion"]])
                (again,) = ec2.run_instances(
                    ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=bastion["SubnetId"],
                    SecurityGroupIds=[bastion_sg],
                )["Instances"]  # fmt: skip
                assert again["PrivateIpAddress"] == address  # the lowest free address: the same
                ids["bastion"] = again["InstanceId"]
                assert lab_probe(name, ids["app"], address, "tcp", 22, port + 100)["reachable"]
                # an instance of the app's subnet comes and goes: the router stays where it was
                (other,) = ec2.run_instances(
                    ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=app["SubnetId"],
                    SecurityGroupIds=[bastion_sg],
                )["Instances"]  # fmt: skip
                assert lab_probe(name, ids["app"], address, "tcp", 22, port + 200)["reachable"]
                ec2.terminate_instances(InstanceIds=[other["InstanceId"]])
                assert lab_probe(name, ids["app"], address, "tcp", 22, port + 300)["reachable"]
    finally:
        live.stop()
        lab_down(name)


def test_a_disagreement_carries_the_kernels_evidence(
    lab_environment: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A disagreement (made up here: the engine is taken to disagree with every probe) is
    reported with the probe as observed and the neighbour caches of the namespaces involved."""
    from vpcsim.fidelity import Disagreement
    from vpcsim.serve import live as live_module

    name = lab_serve_name()
    lab_down(name)
    store = Store(":memory:")
    live = LiveLab(store, name, sample=2)
    try:
        live.start()
        with BackgroundServer(store, ServerSettings(after_commit=live.after_commit)) as server:
            ec2 = _ec2(server)
            ids = build_tutorial(ec2)
            assert live.wait_idle(120)
            assert live.health()["lab"]["disagreements"] == 0

            def disagree(network: object, seed: int, case: Any, observed: Any) -> list[Disagreement]:
                return [
                    Disagreement(seed, case.flow_index, case.flow, "request", None, "unreachable", (), (),
                                 observed.delivered, observed.forward, None, observed.detail)
                ]  # fmt: skip

            monkeypatch.setattr(live_module, "compare_case", disagree)
            ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=_subnet(ec2, ids))
            assert live.wait_idle(120)
    finally:
        live.stop()
        lab_down(name)
    health = live.health()["lab"]
    assert health["disagreements"] > 0
    record = health["recent_disagreements"][-1]
    evidence = record["evidence"]
    client = evidence["probe"]["client_namespace"]
    assert client in evidence["neighbours"]
    routers = [ns for ns in evidence["neighbours"] if ns.startswith(f"vs-{name}-vpc-")]
    assert routers and any(evidence["neighbours"][ns] for ns in routers)  # the router knows its instances
    assert all(isinstance(line, str) for lines in evidence["neighbours"].values() for line in lines)
    assert "neighbour caches:" in caplog.text


def _subnet(ec2: Any, ids: dict[str, str]) -> str:
    (app,) = ec2.describe_instances(InstanceIds=[ids["app"]])["Reservations"][0]["Instances"]
    return str(app["SubnetId"])


def _serve(state: Path, name: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from vpcsim.cli import main; main()", "serve", "--lab", "--lab-name", name,
         "--no-watchdog", "--state", str(state), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 180  # a restart reconciles the lab: slow on a loaded machine
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/vpcsim/health", timeout=1) as answer:
                if json.load(answer)["lab"]["name"] == name:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("vpcsim serve --lab did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _responders(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"vpcsim.lab.responder" in argv and name.encode() in argv:
                found.append(int(entry.name))
    return found


def test_kill_9_and_restart_reconciles(lab_environment: None, tmp_path: Path) -> None:  # noqa: F811
    name = f"sl{os.getpid()}k"
    lab_down(name)
    state = tmp_path / "state.sqlite"
    port = _free_port()
    server = _serve(state, name, port)
    try:
        ec2 = boto3.client(
            "ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="secret",
        )  # fmt: skip
        ids = build_tutorial(ec2)
        up = read_state(name)
        inodes = {n.name: (NETNS_DIR / n.name).stat().st_ino for n in up.namespaces}
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        # while it was down: an instance's namespace was lost and a stray one of the lab appeared
        subprocess.run(["ip", "netns", "del", f"vs-{name}-{ids['bastion']}"], check=True)
        subprocess.run(["ip", "netns", "add", f"vs-{name}-i-0stray"], check=True)
        server = _serve(state, name, port)
        ec2.terminate_instances(InstanceIds=[ids["app"]])
        after = read_state(name)
        present = sorted(lab_namespaces(f"vs-{name}-"))
        assert present == sorted(n.name for n in after.namespaces)  # nothing leaked, nothing stray
        assert f"vs-{name}-{ids['bastion']}" in present and f"vs-{name}-{ids['app']}" not in present
        for namespace, inode in inodes.items():
            if namespace in present and ids["bastion"] not in namespace:
                assert (NETNS_DIR / namespace).stat().st_ino == inode  # reconciled, not rebuilt
        assert len(_responders(name)) == 1  # nothing duplicated
        assert lab_probe(name, "internet", ids["bastion"], "tcp", 22)["reachable"]
    finally:
        server.kill()
        server.wait(10)
        lab_down(name)
    assert not lab_namespaces(f"vs-{name}-") and not _responders(name)
