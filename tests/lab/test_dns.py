"""The VPC resolver in the lab: the plan (pure, any machine) and, as root, dnsmasq answering
through ``vpcsim serve --lab`` as the VPC's DNS attributes change."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.serve.test_tutorial_reachability import build_tutorial
from tests.support.lab import make_lab_name

import vpcsim
from vpcsim.lab import lab_down, lab_exec
from vpcsim.lab.dns import NETNS_ETC, DnsAttributes, dns_dir, dns_plan, resolver_device
from vpcsim.lab.naming import namespace_name
from vpcsim.lab.plan import build_plan
from vpcsim.model import Vpc
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.live import LiveLab

VPC = "vpc-ac0c4ca1a1ec33b49"  # bastion-nat: 10.0.0.0/16 in sa-east-1
BASTION, APP, NAT = "i-67580ef0ddf8a2463", "i-d6dfb6c5015522b6a", "nat-16f8a1fbc67ba010d"


def _plan(attributes: DnsAttributes | None) -> Any:
    network = vpcsim.load("bastion-nat")
    return build_plan(network, "d", dns=None if attributes is None else {VPC: attributes})


def test_the_resolver_of_a_vpc_with_dns_support_and_hostnames() -> None:
    plan = _plan(DnsAttributes(support=True, hostnames=True))
    (resolver,) = plan.dns.resolvers.values()
    assert resolver.addresses == ["10.0.0.2", "169.254.169.253"]
    assert resolver.namespace == namespace_name("d", VPC)
    assert resolver.domains == ["sa-east-1.compute.internal"]
    assert resolver.hosts == [
        ("10.0.1.4", "ip-10-0-1-4.sa-east-1.compute.internal"),  # the NAT gateway's interface
        ("10.0.1.10", "ip-10-0-1-10.sa-east-1.compute.internal"),
        ("10.0.2.20", "ip-10-0-2-20.sa-east-1.compute.internal"),
    ]
    for instance in (BASTION, APP):
        assert plan.dns.resolv_conf[namespace_name("d", instance)] == (
            "nameserver 10.0.0.2\nsearch sa-east-1.compute.internal\n"
        )
    router = plan.namespace(namespace_name("d", VPC))
    assert "addr add 10.0.0.2/32 dev lo" in router.configure  # no subnet holds 10.0.0.2
    assert "addr add 169.254.169.253/32 dev lo" in router.configure
    assert "hook input" in router.nft and "th dport 53 accept" in router.nft
    assert "ip saddr { 10.0.0.2, 169.254.169.253 } meta l4proto { tcp, udp } th sport 53 accept" in router.nft
    # security groups do not filter the instances' DNS: accepted before their chains
    app = plan.namespace(namespace_name("d", APP)).nft
    rule = "ip daddr { 10.0.0.2, 169.254.169.253 } meta l4proto { tcp, udp } th dport 53 accept"
    assert rule in app and app.index(rule) < app.index('oifname "eth0" jump sg_eth0_out')


def test_host_names_need_enable_dns_hostnames_and_answers_need_dns_support() -> None:
    names_off = _plan(DnsAttributes(support=True, hostnames=False))
    (resolver,) = names_off.dns.resolvers.values()
    assert resolver.hosts == [] and resolver.addresses == ["10.0.0.2", "169.254.169.253"]
    # AWS's defaults for a VPC that is not a default VPC: support on, host names off
    assert _plan(None).dns.resolvers[VPC].hosts == []
    support_off = _plan(DnsAttributes(support=False, hostnames=False))
    assert support_off.dns.resolvers == {}
    router = support_off.namespace(namespace_name("d", VPC))
    assert not [line for line in router.configure if "10.0.0.2" in line or "169.254.169.253" in line]
    assert "hook input" not in router.nft and "sport 53" not in router.nft
    assert "dport 53" not in support_off.namespace(namespace_name("d", APP)).nft
    # the instances are still told to ask base + 2 (EC2's DHCP does): nobody answers there
    assert support_off.dns.resolv_conf[namespace_name("d", APP)].startswith("nameserver 10.0.0.2\n")


def test_names_per_region_and_where_base_plus_2_lives() -> None:
    vpcs = {
        "vpc-1": Vpc(vpc_id="vpc-1", cidr_block="10.1.0.0/16", region="us-east-1"),
        "vpc-2": Vpc(vpc_id="vpc-2", cidr_block="172.16.8.0/22", region="eu-west-1", is_default=True),
    }
    plan = dns_plan(
        vpcs,
        {"vpc-1": DnsAttributes(support=True, hostnames=True)},
        {"vpc-1": "vs-d-vpc-1", "vpc-2": "vs-d-vpc-2"},
        [("vpc-1", "10.1.3.7", "us-east-1"), ("vpc-2", "172.16.9.9", "eu-west-1")],
        [("vs-d-i-1", "vpc-1", "us-east-1"), ("vs-d-i-2", "vpc-2", "eu-west-1")],
    )
    assert plan.resolvers["vpc-1"].hosts == [("10.1.3.7", "ip-10-1-3-7.ec2.internal")]
    assert plan.resolvers["vpc-1"].domains == ["ec2.internal"]
    # a default VPC not given: both attributes on, as AWS creates it
    assert plan.resolvers["vpc-2"].hosts == [("172.16.9.9", "ip-172-16-9-9.eu-west-1.compute.internal")]
    assert plan.resolvers["vpc-2"].addresses == ["172.16.8.2", "169.254.169.253"]
    assert plan.resolv_conf["vs-d-i-2"] == "nameserver 172.16.8.2\nsearch eu-west-1.compute.internal\n"
    # a subnet holding base + 2: the router answers ARP for it on that subnet's bridge
    assert resolver_device(vpcs["vpc-1"], {"10.1.0.0/24": "br1", "10.1.1.0/24": "br2"}) == "br1"
    assert resolver_device(vpcs["vpc-1"], {"10.1.1.0/24": "br2"}) == "lo"


# ---------------------------------------------------------------------------- for real

#: Asks SERVER for NAME's A record over UDP (1 s) and prints {"rcode": N, "answers": [...]} or
#: {"timeout": true}: the resolver's own answer, whichever address is asked.
QUERY = r"""
import json, socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(1.0)
sock.sendto(struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + question, (server, 53))
try:
    data = sock.recv(4096)
except OSError:
    print(json.dumps({"timeout": True}))
    sys.exit(0)
count, at, answers = struct.unpack(">H", data[6:8])[0], 12 + len(question), []
for _ in range(count):
    at += 2 if data[at] & 0xC0 == 0xC0 else data.index(b"\0", at) + 1 - at
    kind, _, _, length = struct.unpack(">HHIH", data[at:at + 10])
    if kind == 1:
        answers.append(socket.inet_ntoa(data[at + 10:at + 10 + length]))
    at += 10 + length
print(json.dumps({"rcode": data[3] & 0xF, "answers": answers}))
"""


def _ask(lab: str, instance: str, server: str, name: str) -> dict[str, Any]:
    done = lab_exec(lab, instance, [sys.executable, "-c", QUERY, server, name], capture=True)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _getent(lab: str, instance: str, key: str) -> str:
    done = lab_exec(lab, instance, ["getent", "hosts", key], capture=True)
    return done.stdout.split()[0 if key[0].isalpha() else 1] if done.returncode == 0 else ""


@pytest.fixture
def live(lab_environment: None) -> Iterator[tuple[Any, str]]:
    name = make_lab_name()
    lab_down(name)
    store = Store(":memory:")
    lab = LiveLab(store, name, watchdog=False)
    settings = ServerSettings(after_commit=lab.after_commit, health=lab.health)
    try:
        lab.start()
        with BackgroundServer(store, settings) as server:
            ec2 = boto3.client(
                "ec2", endpoint_url=server.url, region_name="us-east-1",
                aws_access_key_id="testing", aws_secret_access_key="secret",
            )  # fmt: skip
            yield ec2, name
    finally:
        lab.stop()
        lab_down(name)


@pytest.mark.lab
def test_the_vpc_resolver_answers_as_the_attributes_say(live: tuple[Any, str]) -> None:
    ec2, lab = live
    ids = build_tutorial(ec2)
    vpc, app, bastion = ids["vpc"], ids["app"], ids["bastion"]
    (instance,) = ec2.describe_instances(InstanceIds=[app])["Reservations"][0]["Instances"]
    address, name = instance["PrivateIpAddress"], instance["PrivateDnsName"]
    assert name == f"ip-{address.replace('.', '-')}.ec2.internal"
    # create-vpc: DNS support on, host names off -- the resolver answers, not the private names
    for server in ("10.0.0.2", "169.254.169.253"):
        assert _ask(lab, bastion, server, name) == {"rcode": 3, "answers": []}  # NXDOMAIN
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    for server in ("10.0.0.2", "169.254.169.253"):
        assert _ask(lab, bastion, server, name) == {"rcode": 0, "answers": [address]}
    assert _getent(lab, bastion, name) == address
    assert _getent(lab, bastion, address) == name  # PTR
    short = name.split(".")[0]
    assert _getent(lab, app, short) == address  # the search domain, as EC2's DHCP gives it
    # neither security groups nor network ACLs filter DNS to the resolver
    ec2.revoke_security_group_egress(
        GroupId=ids["app_sg"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]  # denies everything
    private = instance["SubnetId"]
    association = next(
        a["NetworkAclAssociationId"]
        for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [private]}])[
            "NetworkAcls"
        ][0]["Associations"]
        if a["SubnetId"] == private
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    assert _ask(lab, app, "10.0.0.2", name) == {"rcode": 0, "answers": [address]}
    # a new instance's name is answered as soon as RunInstances is
    third = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=private)["Instances"][
        0
    ]
    assert _ask(lab, bastion, "10.0.0.2", third["PrivateDnsName"]) == {
        "rcode": 0,
        "answers": [third["PrivateIpAddress"]],
    }
    # DNS support off: nobody answers (the resolver of the VPC is stopped)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    assert _ask(lab, bastion, "10.0.0.2", name) == {"timeout": True}
    assert not (dns_dir(lab) / f"{vpc}.pid").exists()  # (the default VPC's resolver runs on)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    assert _ask(lab, bastion, "169.254.169.253", name) == {"rcode": 3, "answers": []}
    assert _resolvers(lab) and list(NETNS_ETC.glob(f"vs-{lab}-*"))
    lab_down(lab)
    assert not dns_dir(lab).exists() and not list(NETNS_ETC.glob(f"vs-{lab}-*"))
    assert not _resolvers(lab)


def _resolvers(lab: str) -> list[int]:
    """Processes running dnsmasq for the lab."""
    found = []
    for process in Path("/proc").iterdir():
        try:
            argv = (process / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            process.name.isdigit()
            and argv[0].endswith(b"dnsmasq")
            and any(f"dns-{lab}/".encode() in a for a in argv)
        ):
            found.append(int(process.name))
    return found
