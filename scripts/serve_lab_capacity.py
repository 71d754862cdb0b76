"""Instances per host with ``vpcsim serve --lab``: launch instances through the API until a limit
says stop, and record what each step cost.

``sudo .venv/bin/python scripts/serve_lab_capacity.py [--max 1000] [--step 50]
[--min-available-mib 2048] [--max-step-seconds 120] [--max-minutes 10]`` (root; loopback only; lab
``slcap``, removed at the end). Figures in docs/performance.md.

One VPC with an internet gateway, subnets of 256 addresses (a lab subnet is a Linux bridge, which
takes at most 1,024 ports), one security group allowing SSH. Each step is one ``RunInstances``
of ``--step`` instances (public addresses), applied to the kernel before the API answers; after it
a probe from the internet to the newest instance must connect, and the host's ``MemAvailable``
is read. The run stops by itself at the first of: ``--max`` instances, ``MemAvailable`` under
``--min-available-mib``, a step slower than ``--max-step-seconds``, ``--max-minutes`` in all, a
failed step or probe. It prints one line per step and the reason it stopped.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

import boto3

from vpcsim.lab import lab_down, lab_probe
from vpcsim.lab.netns import lab_namespaces
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.live import LiveLab

NAME = "slcap"
SUBNET_SIZE = 250  # instances per /24 (251 usable addresses)


def meminfo(*keys: str) -> float:
    """The sum of /proc/meminfo fields, in MiB."""
    values = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        values[key] = int(rest.split()[0]) / 1024
    return sum(values[k] for k in keys)


def mem_available_mib() -> float:
    return meminfo("MemAvailable")


#: Kernel memory a namespace, its veths, bridges' ports, routes and rulesets take (less
#: disturbed by other processes on the machine than MemAvailable).
KERNEL = ("Slab", "Percpu", "KernelStack", "PageTables")


def lab_processes_mib(lab: str) -> float:
    """Resident memory of the lab's processes (responder, resolvers)."""
    total = 0.0
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            argv = (process / "cmdline").read_bytes()
            status = (process / "status").read_text()
        except OSError:
            continue
        if lab.encode() in argv and (b"responder" in argv or b"dnsmasq" in argv):
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=1000)
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--min-available-mib", type=float, default=2048)
    parser.add_argument("--max-step-seconds", type=float, default=120)
    parser.add_argument("--max-minutes", type=float, default=10)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("serve_lab_capacity: needs root (the lab)")
    lab_down(NAME)
    store = Store(":memory:")
    live = LiveLab(store, NAME, watchdog=False)
    live.start()
    settings = ServerSettings(after_commit=live.after_commit, health=live.health)
    try:
        with BackgroundServer(store, settings) as server:
            run(server.url, live, args)
    finally:
        started = time.monotonic()
        gone = lab_down(NAME)
        print(
            f"lab down: {len(gone.get('removed_namespaces', []))} namespaces in {time.monotonic() - started:.1f} s"
        )


def run(url: str, live: LiveLab, args: argparse.Namespace) -> None:
    ec2: Any = boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="x",
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    group = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    subnets: list[str] = []
    baseline = mem_available_mib()
    kernel_baseline = meminfo(*KERNEL)
    began = time.monotonic()
    count = 0
    reason = f"reached --max {args.max}"
    print(f"MemAvailable at start: {baseline:.0f} MiB")
    print(
        "instances  namespaces  step_s  per_instance_ms  mem_used_mib  kernel_mib  kernel_kib_per_instance"
        "  lab_processes_mib  probe"
    )
    while count < args.max:
        step = min(args.step, args.max - count, SUBNET_SIZE - count % SUBNET_SIZE)
        if count % SUBNET_SIZE == 0:
            block = f"10.0.{len(subnets)}.0/24"
            subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=block)["Subnet"]["SubnetId"])
        started = time.monotonic()
        try:
            launched = ec2.run_instances(
                ImageId="ami-12345678",
                MinCount=step,
                MaxCount=step,
                NetworkInterfaces=[
                    {
                        "DeviceIndex": 0,
                        "SubnetId": subnets[-1],
                        "Groups": [group],
                        "AssociatePublicIpAddress": True,
                    }
                ],
            )["Instances"]
        except Exception as exc:  # a limit of the API or the lab: the answer to the question
            reason = f"RunInstances failed: {exc}"
            break
        seconds = time.monotonic() - started
        if live.stats["apply_errors"]:
            reason = f"the lab could not follow: {live.stats['last_error']}"
            break
        count += len(launched)
        newest = launched[-1]["InstanceId"]
        probe = lab_probe(NAME, "internet", newest, "tcp", 22)["reachable"]
        used = baseline - mem_available_mib()
        kernel = meminfo(*KERNEL) - kernel_baseline
        namespaces = len(lab_namespaces(f"vs-{NAME}-"))
        print(
            f"{count:9d}  {namespaces:10d}  {seconds:6.1f}  {seconds / len(launched) * 1000:15.0f}  "
            f"{used:12.0f}  {kernel:10.0f}  {kernel * 1024 / count:23.0f}  {lab_processes_mib(NAME):17.0f}  "
            f"{'ok' if probe else 'FAILED'}",
            flush=True,
        )
        if not probe:
            reason = f"the probe from the internet to {newest} failed"
            break
        if mem_available_mib() < args.min_available_mib:
            reason = f"MemAvailable under {args.min_available_mib:.0f} MiB"
            break
        if seconds > args.max_step_seconds:
            reason = f"a step took {seconds:.0f} s (> {args.max_step_seconds:.0f} s)"
            break
        if time.monotonic() - began > args.max_minutes * 60:
            reason = f"{args.max_minutes:.0f} minutes in all"
            break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"stopped: {reason}; {count} instances in {time.monotonic() - began:.0f} s; server process peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
