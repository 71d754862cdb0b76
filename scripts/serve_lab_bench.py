"""The live lab behind the API: instances through RunInstances and rule changes with ``--lab``.

``sudo .venv/bin/python scripts/serve_lab_bench.py [INSTANCES]`` (root; loopback only; lab
``slbench``, removed at the end). Figures in docs/performance.md.
"""

import statistics
import sys
import time

import boto3

from vpcsim.lab import lab_down, lab_probe
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.live import LiveLab


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    name = "slbench"
    lab_down(name)
    store = Store(":memory:")
    live = LiveLab(store, name, watchdog=False)
    live.start()
    settings = ServerSettings(after_commit=live.after_commit, health=live.health)
    try:
        with BackgroundServer(store, settings) as server:
            run(server.url, name, count, live)
    finally:
        lab_down(name)


def run(url: str, name: str, count: int, live: LiveLab) -> None:
    ec2 = boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="x",
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0][
        "RouteTableId"
    ]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    sg = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc)["GroupId"]
    perm = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perm)
    t0 = time.monotonic()
    ids = []
    for _ in range(count):
        r = ec2.run_instances(
            ImageId="ami-12345678",
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[
                {"DeviceIndex": 0, "SubnetId": sub, "Groups": [sg], "AssociatePublicIpAddress": True}
            ],
        )
        ids.append(r["Instances"][0]["InstanceId"])
    t1 = time.monotonic()
    print(
        f"{count} instances through RunInstances with the lab on: {t1 - t0:.1f} s ({(t1 - t0) / count * 1000:.0f} ms each)"
    )
    lat = []
    closed_ok = 0
    for k in range(10):
        s = time.monotonic()
        ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=perm)
        e = time.monotonic()
        lat.append(e - s)
        closed_ok += not lab_probe(name, "internet", ids[k], "tcp", 22)["reachable"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perm)
        assert lab_probe(name, "internet", ids[k], "tcp", 22)["reachable"]
    print(
        f"revoke answered (change applied before the answer) in median {statistics.median(lat) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms; closed on the next packet {closed_ok}/10; last apply {live.stats['last_apply_seconds']} s"
    )


if __name__ == "__main__":
    main()
