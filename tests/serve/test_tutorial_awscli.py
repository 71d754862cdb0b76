"""``docs/tutorial-awscli.sh`` run as written: the tutorial built with the AWS CLI against a
``vpcsim serve`` process, Reachability Analyzer's answers checked against ``vpcsim trace`` by
the script -- and here against what the tutorial says -- then, with ``--lab`` (root), connected
for real: SSH in through the bastion (to the app by its private DNS name), curl out through the
NAT gateway. The lab part skips cleanly without root and is required under CI=true."""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from tests.lab.conftest import lab_environment  # noqa: F401  (the environment gate)
from tests.support.lab import make_lab_name

import vpcsim
from vpcsim.lab import lab_down
from vpcsim.lab.netns import lab_namespaces

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "tutorial-awscli.sh"
BIN = Path(sys.executable).parent
AWS = shutil.which("aws", path=str(BIN)) or shutil.which("aws")
VPCSIM = shutil.which("vpcsim", path=str(BIN)) or shutil.which("vpcsim")
pytestmark = pytest.mark.skipif(
    AWS is None or VPCSIM is None, reason="the AWS CLI (awscli) and vpcsim are installed by the dev extra"
)

#: What the tutorial says, analysis by analysis: (path found, explanation codes).
EXPECTED = {
    "internet-bastion-22": ("true", ""),
    "bastion-app-22": ("true", ""),
    "internet-app-22": ("false", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"),
    "bastion-app-80": ("false", "ENI_SG_RULES_MISMATCH"),
    "app-internet-443": ("true", ""),
    "acl-denies-replies": ("false", "SUBNET_ACL_RESTRICTION"),
    "acl-restored": ("true", ""),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(*extra: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from vpcsim.cli import main; main()", "serve", "--state", ":memory:",
         "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/vpcsim/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("vpcsim serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _run_script(url: str, tmp_path: Path, lab: str = "") -> tuple[dict[str, dict[str, str]], str]:
    env = {
        **os.environ,
        "ENDPOINT": url,
        "LAB": lab,
        "AWS": str(AWS),
        "VPCSIM": str(VPCSIM),
        "PYTHON": sys.executable,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    done = subprocess.run(
        ["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results: dict[str, dict[str, str]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            words = line.split()[1:]
            key = words[0] if words[0] not in ("analysis", "ssh", "curl") else f"{words[0]} {words[1]}"
            fields = words[1:] if words[0] not in ("analysis", "ssh", "curl") else words[2:]
            results[key] = dict(w.split("=", 1) if "=" in w else (w, "") for w in fields)
    return results, done.stdout


def _check_analyses(results: dict[str, dict[str, str]]) -> None:
    for label, (found, codes) in EXPECTED.items():
        answer = results[f"analysis {label}"]
        assert answer["status"] == "succeeded", label
        assert (answer["found"], answer["codes"]) == (found, codes), label
        assert (answer["trace_found"], answer["trace_codes"]) == (found, codes), label


@pytest.fixture(scope="module")
def plain_server() -> Iterator[str]:
    with _serve() as url:
        yield url


def test_the_script_builds_the_tutorial_and_ra_answers_as_trace(plain_server: str, tmp_path: Path) -> None:
    results, _ = _run_script(plain_server, tmp_path)
    assert results["done"] == {"lab": "no"}
    _check_analyses(results)
    ids = results["ids"]
    # the state the script left is the tutorial's, read independently through boto3 and vpcsim
    ec2 = boto3.client(
        "ec2", endpoint_url=plain_server, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    instances = {
        i["InstanceId"]: i
        for r in ec2.describe_instances(InstanceIds=[ids["bastion"], ids["app"]])["Reservations"]
        for i in r["Instances"]
    }
    app = instances[ids["app"]]
    assert "PublicIpAddress" not in app and ipaddress.ip_address(
        app["PrivateIpAddress"]
    ) in ipaddress.ip_network("10.0.2.0/24")
    assert (
        results["addresses"]["app_name"]
        == app["PrivateDnsName"]
        == "ip-{}.ec2.internal".format(app["PrivateIpAddress"].replace(".", "-"))
    )
    assert results["addresses"]["bastion_public"] == instances[ids["bastion"]]["PublicIpAddress"]
    attribute = ec2.describe_vpc_attribute(VpcId=ids["vpc"], Attribute="enableDnsHostnames")
    assert attribute["EnableDnsHostnames"]["Value"] is True
    (acl,) = ec2.describe_network_acls(NetworkAclIds=[ids["acl"]])["NetworkAcls"]
    egress = [e for e in acl["Entries"] if e["Egress"] and e["RuleNumber"] == 100]
    assert [e["RuleAction"] for e in egress] == ["allow"]  # restored after the experiment
    network = vpcsim.load(plain_server)
    assert vpcsim.trace(network, "internet", ids["bastion"], port=22).reachable
    assert not vpcsim.trace(network, "internet", ids["app"], port=22).reachable


@pytest.mark.lab
def test_the_script_connects_for_real(lab_environment: None, tmp_path: Path) -> None:  # noqa: F811
    name = make_lab_name()
    lab_down(name)
    try:
        with _serve("--lab", "--lab-name", name, "--no-watchdog") as url:
            results, output = _run_script(url, tmp_path, lab=name)
    finally:
        lab_down(name)
    assert not lab_namespaces(f"vs-{name}-")
    assert results["done"] == {"lab": "yes"}, output
    _check_analyses(results)
    addresses = results["addresses"]
    assert ipaddress.ip_address(results["ssh internet-bastion"]["addresses"]) in ipaddress.ip_network(
        "10.0.1.0/24"
    )
    assert results["ssh bastion-app"]["addresses"] == addresses["app_private"]
    assert results["dns"] == {
        "name": addresses["app_name"],
        "address": addresses["app_private"],
        "reverse": addresses["app_name"],
    }
    assert "ssh internet-app" in results
    assert results["curl app-internet"] == {"status": "200", "source": addresses["nat_public"]}
