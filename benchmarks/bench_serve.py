"""``vpcsim serve`` under load and faults, and against moto_server on the same request mix.

``python -m benchmarks serve`` (loopback only; ``VPCSIM_SERVE_REQUESTS``, default 20,000, and
``VPCSIM_SERVE_CLIENTS``, default 50):

1. **throughput**: the same seeded mix of create/describe/modify/delete requests from the same
   number of boto3 clients (threads) against ``vpcsim serve`` (SQLite state file) and against
   ``moto_server``, one after the other in this run; requests per second of each and the ratio.
2. **faults**: the mix again against ``vpcsim serve``, killed with SIGKILL halfway and restarted
   on the same state file while the clients go on (a request whose answer was lost is retried
   and never counted as acknowledged). Then every acknowledged write is checked against the
   state (created VPCs and subnets present, deleted subnets absent, the last acknowledged tag
   value of each VPC), every VPC is whole (one main route table, one default network ACL, one
   default security group: they are created in the same transaction) and every answer was
   either a success or an error AWS gives for such a request.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import orjson
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.parsers import ResponseParserError

#: Errors AWS itself answers to this mix (a random subnet overlapping one of the VPC's, a VPC
#: deleted with subnets left, the quota of VPC blocks...): not failures of the server.
AWS_ERRORS = frozenset(
    {
        "InvalidSubnet.Conflict",
        "DependencyViolation",
        "InvalidSubnetID.NotFound",
        "InvalidVpcID.NotFound",
        "VpcLimitExceeded",
    }
)
LOST = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectionError, OSError)


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_vpcsim(state: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-c", "import sys; from vpcsim.cli import main; sys.exit(main(sys.argv[1:]))",
        "serve", "--state", str(state), "--port", str(port),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_moto(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


@dataclass
class Ledger:
    """What one client knows the server acknowledged."""

    vpcs: list[str] = field(default_factory=list)
    subnets: dict[str, str] = field(default_factory=dict)  # subnet -> vpc
    deleted: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # vpc -> last acknowledged Name
    errors: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    broken: int = 0  # answers that are not the protocol's (an HTML 500 page, a cut body)
    done: int = 0


def client(url: str, account: str) -> Any:
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2, read_timeout=20)
    return boto3.client(
        "ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
        aws_secret_access_key="bench", config=config,
    )  # fmt: skip


def one_request(ec2: Any, rng: random.Random, ledger: Ledger, index: int) -> None:
    roll = rng.random()
    if roll < 0.15 or not ledger.vpcs:
        vpc = ec2.create_vpc(CidrBlock=f"10.{rng.randrange(256)}.0.0/16")["Vpc"]["VpcId"]
        ledger.vpcs.append(vpc)
    elif roll < 0.40:
        vpc = rng.choice(ledger.vpcs)
        described = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
        block = described[0]["CidrBlock"].split(".")
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{block[0]}.{block[1]}.{rng.randrange(256)}.0/24")
        ledger.subnets[subnet["Subnet"]["SubnetId"]] = vpc
    elif roll < 0.70:
        ec2.describe_vpcs(VpcIds=[rng.choice(ledger.vpcs)])
    elif roll < 0.85:
        vpc = rng.choice(ledger.vpcs)
        value = f"v{index}"
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": value}])
        ledger.tags[vpc] = value
    elif ledger.subnets:
        subnet = rng.choice(sorted(ledger.subnets))
        ec2.delete_subnet(SubnetId=subnet)
        del ledger.subnets[subnet]
        ledger.deleted.append(subnet)
    else:
        ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [rng.choice(ledger.vpcs)]}])


def run_mix(
    url: str, clients: int, total: int, seed: int, progress: list[int] | None = None
) -> tuple[float, list[Ledger]]:
    """Each client sends ``total / clients`` requests; returns the seconds taken and the ledgers."""
    ledgers = [Ledger() for _ in range(clients)]
    share = total // clients

    def work(number: int) -> None:
        ledger = ledgers[number]
        rng = random.Random(seed * 1000 + number)
        ec2 = client(url, f"{100000000000 + number:012d}")
        index = 0
        while index < share:
            state = rng.getstate()
            try:
                one_request(ec2, rng, ledger, index)
            except ClientError as error:
                ledger.errors[error.response["Error"]["Code"]] += 1
            except LOST:
                ledger.lost += 1  # the answer never came: not acknowledged; the same request again
                rng.setstate(state)
                time.sleep(0.05)
                continue
            except ResponseParserError:
                ledger.broken += 1  # not an answer either: not acknowledged; the same request again
                rng.setstate(state)
                continue
            index += 1
            ledger.done += 1
            if progress is not None:
                progress[0] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, ledgers


def check(url: str, ledgers: list[Ledger], state: Path) -> list[str]:
    """Every acknowledged write present, nothing half-written; the problems found."""
    problems: list[str] = []
    for number, ledger in enumerate(ledgers):
        ec2 = client(url, f"{100000000000 + number:012d}")
        present = {v["VpcId"]: v for v in ec2.describe_vpcs()["Vpcs"]}
        for vpc in ledger.vpcs:
            if vpc not in present:
                problems.append(f"acknowledged {vpc} is missing")
        for vpc, value in ledger.tags.items():
            tags = {t["Key"]: t["Value"] for t in present.get(vpc, {}).get("Tags", [])}
            if tags.get("Name") != value:
                problems.append(f"{vpc}: tag Name is {tags.get('Name')!r}, last acknowledged {value!r}")
        subnets = {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
        problems += [f"acknowledged {s} is missing" for s in ledger.subnets if s not in subnets]
        problems += [f"deleted {s} is back" for s in ledger.deleted if s in subnets]
    with urllib.request.urlopen(url + "/vpcsim-api/documents", timeout=60) as answer:
        scopes = orjson.loads(answer.read())["scopes"]
    for scope in scopes:
        documents = scope["documents"]
        for vpc in documents.get("Vpcs", []):
            vpc_id = vpc["VpcId"]
            mains = [
                t
                for t in documents.get("RouteTables", [])
                if t["VpcId"] == vpc_id and any(a.get("Main") for a in t["Associations"])
            ]
            acls = [a for a in documents.get("NetworkAcls", []) if a["VpcId"] == vpc_id and a["IsDefault"]]
            groups = [
                g
                for g in documents.get("SecurityGroups", [])
                if g["VpcId"] == vpc_id and g["GroupName"] == "default"
            ]
            if (len(mains), len(acls), len(groups)) != (1, 1, 1):
                problems.append(
                    f"{vpc_id} is not whole: {len(mains)} main tables, {len(acls)} default ACLs, {len(groups)} default groups"
                )
        vpcs = {v["VpcId"] for v in documents.get("Vpcs", [])}
        problems += [
            f"{s['SubnetId']} names a missing VPC"
            for s in documents.get("Subnets", [])
            if s["VpcId"] not in vpcs
        ]
    return problems


def unexpected(ledgers: list[Ledger]) -> Counter[str]:
    found: Counter[str] = Counter()
    for ledger in ledgers:
        for code, count in ledger.errors.items():
            if code not in AWS_ERRORS:
                found[code] += count
    return found


def main() -> None:
    total = int(os.environ.get("VPCSIM_SERVE_REQUESTS", "20000"))
    clients = int(os.environ.get("VPCSIM_SERVE_CLIENTS", "50"))
    work = Path(tempfile.mkdtemp(prefix="vpcsim-serve-bench-"))

    port = free_port()
    server = start_vpcsim(work / "throughput.sqlite", port)
    try:
        wait_ready(port)
        before = cpu_seconds(server)
        ours, ledgers = run_mix(f"http://127.0.0.1:{port}", clients, total, seed=1)
        our_cpu = cpu_seconds(server) - before
    finally:
        server.kill()
        server.wait()
    print(f"vpcsim serve: {total} requests from {clients} clients in {ours:.1f} s = {total / ours:.0f} req/s, "
          f"server CPU {our_cpu / total * 1000:.2f} ms/request; unexpected errors {dict(unexpected(ledgers)) or 0}, "
          f"broken answers {sum(x.broken for x in ledgers)}")  # fmt: skip

    port = free_port()
    moto = start_moto(port)
    try:
        wait_ready(port)
        before = cpu_seconds(moto)
        theirs, moto_ledgers = run_mix(f"http://127.0.0.1:{port}", clients, total, seed=1)
        their_cpu = cpu_seconds(moto) - before
    finally:
        moto.kill()
        moto.wait()
    print(
        f"moto_server:  {total} requests from {clients} clients in {theirs:.1f} s = {total / theirs:.0f} req/s, "
        f"server CPU {their_cpu / total * 1000:.2f} ms/request; broken answers (retried) "
        f"{sum(x.broken for x in moto_ledgers)}"
    )
    print(
        f"throughput ratio vpcsim/moto: {theirs / ours:.2f}x (wall clock, same clients); "
        f"server CPU per request {their_cpu / max(our_cpu, 1e-9):.1f}x less"
    )

    state = work / "faults.sqlite"
    port = free_port()
    progress = [0]
    holder = {"server": start_vpcsim(state, port)}
    wait_ready(port)

    def killer() -> None:
        while progress[0] < total // 2:
            time.sleep(0.01)
        holder["server"].send_signal(signal.SIGKILL)
        holder["server"].wait()
        holder["server"] = start_vpcsim(state, port)

    thread = threading.Thread(target=killer)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    _, ledgers = run_mix(url, clients, total, seed=2, progress=progress)
    thread.join()
    try:
        wait_ready(port)
        problems = check(url, ledgers, state)
    finally:
        holder["server"].kill()
        holder["server"].wait()
    lost = sum(ledger.lost + ledger.broken for ledger in ledgers)
    acknowledged = sum(
        len(ledger.vpcs) + len(ledger.subnets) + len(ledger.deleted) + len(ledger.tags) for ledger in ledgers
    )
    print(f"faults: SIGKILL at {total // 2} of {total} requests, restarted on the same state; {lost} answers lost and "
          f"retried; {acknowledged} acknowledged writes checked: {len(problems)} missing or half-written; "
          f"unexpected errors {dict(unexpected(ledgers)) or 0}")  # fmt: skip
    for problem in problems[:20]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
