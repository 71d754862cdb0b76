"""``collect`` against moto's in-process EC2: build a network with boto3, collect it, import, trace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import botocore.session
import pytest
import typer
from botocore.exceptions import ClientError
from moto import mock_aws
from typer.testing import CliRunner

import vpcsim
from vpcsim.cli.collect import collect_command
from vpcsim.cli.errors import CliError
from vpcsim.collect import APIS, ENTRIES_KEY, TABLE_APIS, CollectError, CollectProgress, collect
from vpcsim.collect_elb import ELB_OPERATIONS

#: The files ``collect`` writes for load balancers (empty listings included).
ELB_KEYS = [
    "LoadBalancers",
    "LoadBalancerListeners",
    "LoadBalancerAttributes",
    "ListenerRules",
    "TargetGroups",
    "LoadBalancerTargetHealth",
    "TargetGroupAttributes",
    "LoadBalancerDescriptions",
]

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real credentials, config or instance metadata may be used (and no network is touched)."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(offline: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def build(session: boto3.Session) -> dict[str, str]:
    """A public/private VPC with a NAT gateway, two security groups and two instances."""
    ec2 = session.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)
    web_sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web_sg}]}
        ],
    )
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def run(subnet: str, group: str, name: str) -> str:
        reservation = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            SubnetId=subnet,
            SecurityGroupIds=[group],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        )
        instance_id: str = reservation["Instances"][0]["InstanceId"]
        return instance_id

    return {
        "vpc": vpc,
        "nat": nat,
        "web": run(public, web_sg, "web"),
        "app": run(private, app_sg, "app"),
    }


def test_collect_writes_every_key_per_account_and_region(aws: boto3.Session, tmp_path: Path) -> None:
    ids = build(aws)
    events: list[CollectProgress] = []
    result = collect(aws, [REGION], tmp_path / "out", progress=events.append)
    folder = tmp_path / "out" / ACCOUNT / REGION
    assert result.account == ACCOUNT and result.warnings == []
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{k}.json"
        for k in [*(a.key for a in APIS), ENTRIES_KEY, *(key for _, _, key in TABLE_APIS), *ELB_KEYS]
    )
    vpcs = json.loads((folder / "Vpcs.json").read_text())["Vpcs"]
    assert (
        ids["vpc"] in [v["VpcId"] for v in vpcs] and result.counts["Vpcs"] == len(vpcs) == 2
    )  # with moto's default VPC
    reservations = json.loads((folder / "Reservations.json").read_text())["Reservations"]
    assert {i["InstanceId"] for r in reservations for i in r["Instances"]} == {ids["web"], ids["app"]}
    managed = json.loads((folder / "ManagedPrefixLists.json").read_text())["ManagedPrefixLists"]
    entries = json.loads((folder / f"{ENTRIES_KEY}.json").read_text())[ENTRIES_KEY]
    assert [e["PrefixListId"] for e in entries] == [p["PrefixListId"] for p in managed]
    assert all(isinstance(e["Entries"], list) for e in entries)
    # Progress: one start and one end per call, steps counting up to the total.
    ends = [e for e in events if e.status != "start"]
    calls = len(APIS) + 1 + len(TABLE_APIS) + len(ELB_OPERATIONS)
    assert len(ends) == calls and [e.step for e in ends] == list(range(1, calls + 1))
    assert ends[-1].step == ends[-1].total


def collected_network(aws: boto3.Session, tmp_path: Path) -> tuple[Any, dict[str, str]]:
    ids = build(aws)
    collect(aws, [REGION], tmp_path)
    aws_format = pytest.importorskip("vpcsim.formats.aws")
    return aws_format.load_aws(tmp_path).network, ids


def test_collected_folder_imports_and_traces(aws: boto3.Session, tmp_path: Path) -> None:
    network, ids = collected_network(aws, tmp_path)
    assert network.vpcs[ids["vpc"]].owner_id == ACCOUNT
    assert network.nat_gateways[ids["nat"]].subnet_id == network.instances[ids["web"]].subnet_id
    web, app = ids["web"], ids["app"]
    cases = [
        (web, app, 8080, "reachable", []),
        (app, web, 443, "reachable", []),  # web admits 443 from anywhere
        (app, web, 22, "unreachable", ["ENI_SG_RULES_MISMATCH"]),
        (app, "internet:8.8.8.8", 443, "reachable", []),  # through the NAT gateway
        ("internet", app, 8080, "unreachable", ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]),
    ]
    for src, dst, port, verdict, codes in cases:
        trace = vpcsim.trace(network, src, dst, port=port)
        assert (trace.verdict, trace.codes) == (verdict, codes), (src, dst, port)


def test_collected_public_address_is_in_the_files(aws: boto3.Session, tmp_path: Path) -> None:
    ids = build(aws)
    collect(aws, [REGION], tmp_path)
    enis = json.loads((tmp_path / ACCOUNT / REGION / "NetworkInterfaces.json").read_text())[
        "NetworkInterfaces"
    ]
    (web,) = [e for e in enis if e.get("Attachment", {}).get("InstanceId") == ids["web"]]
    assert web["Association"]["PublicIp"]  # auto-assigned: MapPublicIpOnLaunch on the public subnet


def test_collected_web_server_is_reachable_from_the_internet(aws: boto3.Session, tmp_path: Path) -> None:
    network, ids = collected_network(aws, tmp_path)
    for port, verdict, codes in ((443, "reachable", []), (22, "unreachable", ["ENI_SG_RULES_MISMATCH"])):
        trace = vpcsim.trace(network, "internet", ids["web"], port=port)
        assert (trace.verdict, trace.codes) == (verdict, codes)


def test_refused_calls_become_warnings(
    aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(aws)
    original = botocore.client.BaseClient._make_api_call
    refused = {
        "DescribeTransitGateways": (
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.",
        ),
        "DescribeSecurityGroupRules": ("InvalidAction", "The action DescribeSecurityGroupRules is not valid"),
    }

    def refuse(self: Any, operation: str, params: Any) -> Any:
        if operation in refused:
            code, message = refused[operation]
            raise ClientError({"Error": {"Code": code, "Message": message}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
    result = collect(aws, [REGION], tmp_path)
    assert [(w.operation, w.code) for w in result.warnings] == [
        ("describe_security_group_rules", "InvalidAction"),
        ("describe_transit_gateways", "UnauthorizedOperation"),
    ]
    folder = tmp_path / ACCOUNT / REGION
    assert (
        not (folder / "TransitGateways.json").exists() and not (folder / "SecurityGroupRules.json").exists()
    )
    assert (folder / "SecurityGroups.json").exists() and (folder / "TransitGatewayAttachments.json").exists()


def test_account_falls_back_to_owner_id(
    aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = botocore.client.BaseClient._make_api_call

    def no_sts(self: Any, operation: str, params: Any) -> Any:
        if operation == "GetCallerIdentity":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_sts)
    result = collect(aws, [REGION], tmp_path)
    assert result.account == ACCOUNT  # from the default VPC's OwnerId
    assert (tmp_path / ACCOUNT / REGION / "Vpcs.json").exists()


def test_missing_credentials_stop_the_collection(
    offline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Only the environment may provide credentials: no instance, container or SSO endpoint is asked.
    core = botocore.session.get_session()
    resolver = core.get_component("credential_provider")
    resolver.providers = [p for p in resolver.providers if p.METHOD == "env"]
    session = boto3.Session(botocore_session=core, region_name=REGION)
    with pytest.raises(CollectError) as info:
        collect(session, [REGION], tmp_path)
    assert info.value.code == "VPCSIM_AWS_CREDENTIALS"
    assert not any(tmp_path.iterdir())


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("collect")(collect_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "collect" a subcommand
        """Unused."""

    return app


def test_cli_json(aws: boto3.Session, tmp_path: Path) -> None:
    build(aws)
    runner = CliRunner()
    result = runner.invoke(
        cli(), ["collect", "--region", REGION, "--region", REGION, "-o", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["account"] == ACCOUNT and document["regions"] == [REGION]
    assert document["counts"]["Vpcs"] == 2 and document["warnings"] == []
    assert len(document["files"]) == len(APIS) + 1 + len(TABLE_APIS) + len(ELB_KEYS)


def test_cli_text_summary(aws: boto3.Session, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli(), ["collect", "--region", REGION, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"collected account {ACCOUNT}, 1 region(s)" in result.stdout
    assert f"vpcsim import {tmp_path}" in result.stdout


def test_cli_needs_a_region(aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli(), ["collect", "-o", str(tmp_path)])
    assert isinstance(result.exception, CliError) and "--region" in result.exception.message


def test_cli_unknown_profile(offline: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli(), ["collect", "--profile", "nope", "--region", REGION, "-o", str(tmp_path)]
    )
    assert isinstance(result.exception, CliError) and "'nope'" in result.exception.message


def test_cli_region_needs_no_default_region(
    aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--region`` alone: STS is asked in that region, so no AWS_DEFAULT_REGION is needed."""
    build(aws)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = CliRunner().invoke(cli(), ["collect", "--region", "eu-west-1", "-o", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["account"] == ACCOUNT and document["regions"] == ["eu-west-1"]


def test_cli_names_the_missing_region_variable(
    offline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = CliRunner().invoke(cli(), ["collect", "-o", str(tmp_path)])
    assert isinstance(result.exception, CliError)
    assert "AWS_DEFAULT_REGION" in result.exception.message and "--region" in result.exception.message


def test_missing_credentials_name_the_missing_variable(
    offline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    core = botocore.session.get_session()
    resolver = core.get_component("credential_provider")
    resolver.providers = [p for p in resolver.providers if p.METHOD == "env"]
    session = boto3.Session(botocore_session=core)
    with pytest.raises(CollectError) as info:
        collect(session, [REGION], tmp_path)
    assert "AWS_SECRET_ACCESS_KEY is not: set AWS_SECRET_ACCESS_KEY" in str(info.value)


class RecordingSession:
    """A session that records how clients are made, and makes them on moto (which serves AWS's
    own endpoint names only) with the endpoint left out."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self.clients: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, **kwargs: Any) -> Any:
        self.clients.append((service, kwargs))
        return self.session.client(service, **{k: v for k, v in kwargs.items() if k != "endpoint_url"})


def test_endpoint_url_is_used_for_every_call(aws: boto3.Session, tmp_path: Path) -> None:
    build(aws)
    recording = RecordingSession(aws)
    url = "http://127.0.0.1:4566"
    result = collect(recording, [REGION, "eu-west-1"], tmp_path, endpoint_url=url)  # type: ignore[arg-type]
    assert result.account == ACCOUNT and result.counts["Vpcs"] >= 2
    assert {service for service, _ in recording.clients} == {"ec2", "sts", "elbv2", "elb"}
    assert all(kwargs["endpoint_url"] == url and kwargs["region_name"] for _, kwargs in recording.clients)


def test_cli_endpoint_url_reaches_collect(
    aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vpcsim.cli.collect as command

    seen: list[str | None] = []
    real = command.collect

    def spy(session: Any, regions: list[str], out: Path, **kwargs: Any) -> Any:
        seen.append(kwargs.get("endpoint_url"))
        kwargs.pop("endpoint_url", None)
        return real(session, regions, out, **kwargs)

    monkeypatch.setattr(command, "collect", spy)
    args = [
        "collect",
        "--region",
        REGION,
        "--endpoint-url",
        "http://127.0.0.1:4566",
        "-o",
        str(tmp_path),
        "--json",
    ]
    result = CliRunner().invoke(cli(), args)
    assert result.exit_code == 0, result.output
    assert seen == ["http://127.0.0.1:4566"]


def test_collected_transit_gateway_imports_and_routes(aws: boto3.Session, tmp_path: Path) -> None:
    """Two VPCs on a transit gateway: the attachments, the default table's associations and
    propagations and a static blackhole route are collected (per-table calls wrapped with their
    table's id) and read back."""
    ec2 = aws.client("ec2", region_name=REGION)
    vpcs, subnets = [], []
    for octet in (1, 2):
        vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.0.0/24", AvailabilityZone="us-east-1a")
        vpcs.append(vpc)
        subnets.append(subnet["Subnet"]["SubnetId"])
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    attachments = [
        ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])[
            "TransitGatewayVpcAttachment"
        ]["TransitGatewayAttachmentId"]
        for vpc, subnet in zip(vpcs, subnets, strict=True)
    ]
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"
    ]
    for attachment in attachments:
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment
        )
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment
        )
    ec2.create_transit_gateway_route(
        TransitGatewayRouteTableId=table, DestinationCidrBlock="10.9.0.0/16", Blackhole=True
    )
    result = collect(aws, [REGION], tmp_path)
    assert [w for w in result.warnings if "transit" in w.operation] == []
    aws_format = pytest.importorskip("vpcsim.formats.aws")
    network = aws_format.load_aws(tmp_path).network
    assert sorted(network.transit_gateway_attachments) == sorted(attachments)
    assert network.transit_gateway_attachments[attachments[0]].subnet_ids == [subnets[0]]
    read = network.transit_gateway_route_tables[table]
    assert set(attachments) <= set(read.associations) and set(attachments) <= set(read.propagations)
    assert [(r.destination, r.blackhole) for r in read.routes if r.type == "static"] == [
        ("10.9.0.0/16", True)
    ]


def test_collected_load_balancer_imports_with_listeners_and_targets(
    aws: boto3.Session, tmp_path: Path
) -> None:
    ids = build(aws)
    ec2 = aws.client("ec2", region_name=REGION)
    elbv2 = aws.client("elbv2", region_name=REGION)
    web_subnet = ec2.describe_instances(InstanceIds=[ids["web"]])["Reservations"][0]["Instances"][0][
        "SubnetId"
    ]
    other = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.9.0/24", AvailabilityZone="us-east-1b")[
        "Subnet"
    ]
    lb = elbv2.create_load_balancer(
        Name="web-lb", Subnets=[web_subnet, other["SubnetId"]], Scheme="internet-facing"
    )["LoadBalancers"][0]
    tg = elbv2.create_target_group(
        Name="web-tg", Protocol="HTTP", Port=80, VpcId=ids["vpc"], TargetType="instance"
    )["TargetGroups"][0]
    elbv2.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": ids["web"], "Port": 8080}])
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]
    elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=10,
        Conditions=[{"Field": "source-ip", "SourceIpConfig": {"Values": ["203.0.113.0/24"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}],
    )
    result = collect(aws, [REGION], tmp_path)
    assert result.counts["LoadBalancers"] == 1 and result.counts["TargetGroups"] == 1
    aws_format = pytest.importorskip("vpcsim.formats.aws")
    loaded = aws_format.load_aws(tmp_path)
    network = loaded.network
    imported = network.load_balancers[lb["LoadBalancerArn"]]
    assert [(li.protocol, li.port) for li in imported.listeners] == [("HTTP", 80)]
    rules = imported.listeners[0].rules
    assert [
        (r.priority, [(c.field, c.values) for c in r.conditions], [a.type for a in r.actions]) for r in rules
    ] == [(10, [("source-ip", ["203.0.113.0/24"])], ["fixed-response"])]
    targets = network.target_groups[tg["TargetGroupArn"]].targets
    assert [(t.id, t.port) for t in targets] == [(ids["web"], 8080)]
    assert not any("LoadBalancer" in key or "TargetGroup" in key for key in loaded.skipped)
