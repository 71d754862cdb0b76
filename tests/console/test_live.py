"""The console mounted by ``vpcsim serve`` at ``/console`` over the live state: the map follows
changes made with boto3, the Build tab creates through the EC2 API (what it creates is what
boto3 describes), a what-if saved through the API changes ``vpcsim trace`` on the server's URL,
the new controls work from the keyboard, and hostile names stay text. Without the browser: the
state is read again only when it changed, and a save is all or nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from playwright.sync_api import expect

import vpcsim
from vpcsim.cli import main
from vpcsim.serve import BackgroundServer, ServerSettings, Store
from vpcsim.serve.console_mount import LiveNetwork, edit_requests
from vpcsim.serve.seed import seed

REGION = "sa-east-1"  # bastion-nat's, which the server is seeded with


def client(url: str) -> Any:
    return boto3.client(
        "ec2",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def served() -> Iterator[BackgroundServer]:
    store = Store(":memory:")
    seed(store, vpcsim.load("bastion-nat"))
    with BackgroundServer(store) as server:
        yield server


@pytest.fixture
def console(browser: Any, served: BackgroundServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{served.url}/console/")
    page.wait_for_selector("body[data-ready=true]", timeout=20000)
    yield page
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def open_build(page: Any, step: str) -> Any:
    """The Build tab's form of ``step`` (its <details> opened)."""
    page.get_by_role("tab", name="Build").click()
    details = page.locator(f"details[data-step={step}]")
    if not details.evaluate("(d) => d.open"):  # the step last used stays open
        details.locator("summary").click()
    return details.locator("form")


def cli_trace(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> Any:
    capsys.readouterr()
    main(["--no-cache", "trace", url, *args, "--json"])
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------- in the browser


def test_a_subnet_created_with_boto3_appears_on_the_map(console: Any, served: BackgroundServer) -> None:
    ec2 = client(served.url)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["bastion-vpc"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.0.42.0/24",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "made-by-boto3"}]}],
    )["Subnet"]["SubnetId"]
    # the page polls twice a second; the benchmark measures the delay (docs/performance.md)
    console.wait_for_selector(f"#tree-list button[data-id='{subnet}']", timeout=5000)
    assert "made-by-boto3" in console.inner_text("#tree")
    drawn = console.evaluate(f"window.vpcsimConsole.map.cy.getElementById('{subnet}').length")
    assert drawn == 1


def test_vpc_and_subnet_created_on_the_page_are_in_describe_subnets(
    console: Any, served: BackgroundServer
) -> None:
    form = open_build(console, "vpc")
    form.get_by_label("IPv4 CIDR block").fill("10.20.0.0/16")
    form.get_by_label("Name tag").fill("page-vpc")
    form.get_by_role("button", name="Create VPC").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created VPC vpc-")
    ec2 = client(served.url)
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["page-vpc"]}])["Vpcs"]
    assert vpc["CidrBlock"] == "10.20.0.0/16"

    form = open_build(console, "subnet")
    form.get_by_label("VPC").select_option(vpc["VpcId"])
    form.get_by_label("IPv4 CIDR block").fill("10.20.1.0/24")
    form.get_by_label("Name tag").fill("page-subnet")
    form.get_by_label("Auto-assign public IPv4 address").check()
    form.get_by_role("button", name="Create subnet").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created subnet subnet-")
    (subnet,) = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert subnet["CidrBlock"] == "10.20.1.0/24"
    assert subnet["MapPublicIpOnLaunch"] is True
    assert {"Key": "Name", "Value": "page-subnet"} in subnet["Tags"]
    console.wait_for_selector(f"#tree-list button[data-id='{subnet['SubnetId']}']", timeout=5000)

    # the EC2 API's own refusal comes back on the page, and nothing is created
    form = open_build(console, "subnet")
    form.get_by_label("VPC").select_option(vpc["VpcId"])
    form.get_by_label("IPv4 CIDR block").fill("10.20.1.0/25")
    form.get_by_role("button", name="Create subnet").click()
    expect(console.locator("[data-testid=build-error]")).to_contain_text("InvalidSubnet.Conflict")
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]) == 1


def test_the_tutorial_built_on_the_page_reaches_the_internet(
    console: Any, served: BackgroundServer, capsys: pytest.CaptureFixture[str], screenshots: Path
) -> None:
    """The tutorial's console steps: VPC, public subnet, internet gateway attached and routed,
    a group letting SSH in, an instance with a public address (the internet reaches it), a NAT
    gateway, an ACL rule, and a private subnet routed through the NAT gateway whose instance
    reaches the internet through it."""
    form = open_build(console, "vpc")
    form.get_by_label("IPv4 CIDR block").fill("10.30.0.0/16")
    form.get_by_label("Name tag").fill("tut-vpc")
    form.get_by_role("button", name="Create VPC").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created VPC")
    ec2 = client(served.url)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["tut-vpc"]}])["Vpcs"][0]["VpcId"]

    form = open_build(console, "subnet")
    form.get_by_label("VPC").select_option(vpc)
    form.get_by_label("IPv4 CIDR block").fill("10.30.1.0/24")
    form.get_by_label("Name tag").fill("tut-public")
    form.get_by_role("button", name="Create subnet").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created subnet")

    form = open_build(console, "igw")
    form.get_by_label("VPC to attach it to").select_option(vpc)
    form.get_by_role("button", name="Create internet gateway and attach it").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("attached it to")
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])[
        "InternetGateways"
    ][0]["InternetGatewayId"]
    main_table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]

    form = open_build(console, "route")
    form.get_by_label("Route table").select_option(main_table)
    form.get_by_label("Target").select_option(igw)
    form.get_by_role("button", name="Add route").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text(f"0.0.0.0/0 → {igw}")

    form = open_build(console, "sg")
    form.get_by_label("VPC").select_option(vpc)
    form.get_by_label("Group name").fill("tut-ssh")
    form.get_by_role("button", name="Create security group").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created security group")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["tut-ssh"]}])[
        "SecurityGroups"
    ][0]["GroupId"]

    form = open_build(console, "sgrule")
    form.get_by_label("Security group", exact=True).select_option(group)
    form.get_by_label("Peer CIDR").fill("0.0.0.0/0")
    form.get_by_role("button", name="Add security group rule").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("AuthorizeSecurityGroupIngress")

    form = open_build(console, "instance")
    subnet = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["tut-public"]}])["Subnets"][0][
        "SubnetId"
    ]
    form.get_by_label("Subnet").select_option(subnet)
    form.get_by_label("Security groups").select_option([group])
    form.get_by_label("Private IPv4 address").fill("10.30.1.10")
    form.get_by_label("Assign a public IPv4 address").select_option("true")
    form.get_by_label("Name tag").fill("tut-web")
    form.get_by_role("button", name="Launch instance").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("(10.30.1.10)")
    (reservation,) = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["tut-web"]}])[
        "Reservations"
    ]
    instance = reservation["Instances"][0]
    assert instance["PublicIpAddress"] and [g["GroupId"] for g in instance["SecurityGroups"]] == [group]

    form = open_build(console, "nat")
    form.get_by_label("Subnet (a public one)").select_option(subnet)
    form.get_by_role("button", name="Create NAT gateway").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created nat-")
    (nat,) = ec2.describe_nat_gateways(Filter=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]

    # the private half: a subnet with its own route table whose default route is the NAT gateway
    form = open_build(console, "subnet")
    form.get_by_label("VPC").select_option(vpc)
    form.get_by_label("IPv4 CIDR block").fill("10.30.2.0/24")
    form.get_by_label("Name tag").fill("tut-private")
    form.get_by_role("button", name="Create subnet").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created subnet")
    private = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["tut-private"]}])["Subnets"][0][
        "SubnetId"
    ]
    form = open_build(console, "rtb")
    form.get_by_label("VPC").select_option(vpc)
    form.get_by_label("Associate with subnet (optional)").select_option(private)
    form.get_by_label("Name tag").fill("tut-private-routes")
    form.get_by_role("button", name="Create route table").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text(f"associated it with {private}")
    private_table = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [private]}]
    )["RouteTables"][0]["RouteTableId"]
    form = open_build(console, "route")
    form.get_by_label("Route table").select_option(private_table)
    form.get_by_label("Target").select_option(nat["NatGatewayId"])
    form.get_by_role("button", name="Add route").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text(f"0.0.0.0/0 → {nat['NatGatewayId']}")
    form = open_build(console, "instance")
    form.get_by_label("Subnet").select_option(private)
    form.get_by_label("Name tag").fill("tut-app")
    form.get_by_role("button", name="Launch instance").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("(10.30.2.")

    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]
    form = open_build(console, "aclentry")
    form.get_by_label("Network ACL").select_option(acl["NetworkAclId"])
    form.get_by_label("Rule number").fill("50")
    form.get_by_label("Action").select_option("deny")
    form.get_by_label("CIDR block").fill("203.0.113.0/24")
    form.get_by_role("button", name="Add network ACL entry").click()
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("inbound rule 50")
    entries = ec2.describe_network_acls(NetworkAclIds=[acl["NetworkAclId"]])["NetworkAcls"][0]["Entries"]
    assert any(e["RuleNumber"] == 50 and e["RuleAction"] == "deny" and not e["Egress"] for e in entries)

    console.locator(f"#tree-list button[data-id='{instance['InstanceId']}']").wait_for(timeout=5000)
    console.evaluate(
        "(id) => window.vpcsimConsole.map.cy.fit(window.vpcsimConsole.map.cy.getElementById(id), 30)", vpc
    )
    console.screenshot(path=str(screenshots / "build-tutorial.png"))
    answer = cli_trace(capsys, served.url, "--from", "internet", "--to", "tut-web", "--port", "22")
    assert answer["verdict"] == "reachable"
    answer = cli_trace(
        capsys, served.url, "--from", "internet:203.0.113.7", "--to", "tut-web", "--port", "22"
    )
    assert answer["verdict"] == "unreachable"
    # the private instance (the VPC's default group: all out) reaches the internet through the
    # NAT gateway, and only that way
    answer = cli_trace(capsys, served.url, "--from", "tut-app", "--to", "internet:8.8.8.8", "--port", "443")
    assert answer["verdict"] == "reachable"
    assert nat["NatGatewayId"] in [hop["component"] for hop in answer["forward"]]
    answer = cli_trace(capsys, served.url, "--from", "internet", "--to", "tut-app", "--port", "22")
    assert answer["verdict"] == "unreachable"


def test_whatif_saved_through_the_api_changes_trace_on_the_server(
    console: Any, served: BackgroundServer, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = ("--from", "app", "--to", "bastion", "--port", "3389")
    assert cli_trace(capsys, served.url, *flow)["verdict"] == "unreachable"
    bastion = vpcsim.load(served.url).find_by_name("bastion")[0].id
    console.fill("#search", bastion)
    console.keyboard.press("Enter")
    expect(console.locator("#panel-component h2")).to_contain_text("bastion")
    console.get_by_role("button", name="Add inbound rule").click()
    form = console.get_by_role("form", name="Add an inbound rule to")
    form.get_by_label("Protocol").select_option("tcp")
    form.get_by_label("From port").fill("3389")
    form.get_by_label("To port").fill("3389")
    form.get_by_label("Source/destination (CIDR, sg-, pl-)").fill("10.0.2.0/24")
    form.get_by_role("button", name="Apply (what-if)").click()
    console.wait_for_selector("[data-testid=diff] ul.opened li")
    # nothing is written until saved
    assert cli_trace(capsys, served.url, *flow)["verdict"] == "unreachable"
    console.get_by_role("button", name="Apply to the server").click()
    expect(console.locator("#map-status")).to_contain_text("applied to the server")
    assert cli_trace(capsys, served.url, *flow)["verdict"] == "reachable"
    permissions = client(served.url).describe_security_groups(
        Filters=[{"Name": "ip-permission.from-port", "Values": ["3389"]}]
    )["SecurityGroups"]
    assert len(permissions) == 1
    expect(console.locator("#edit-count")).to_have_text("")


def test_build_controls_work_from_the_keyboard(console: Any, served: BackgroundServer) -> None:
    console.get_by_role("tab", name="Component").focus()  # the selected tab, where Tab lands
    console.keyboard.press("ArrowLeft")  # wraps to the last tab shown: Build (Compare is hidden)
    assert console.evaluate("document.activeElement.id") == "tab-build"
    expect(console.locator("#panel-build details").first).to_be_visible()
    # every field of every form has an accessible name
    unnamed = console.evaluate(
        """() => [...document.querySelectorAll('#panel-build input, #panel-build select')]
            .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id)"""
    )
    assert unnamed == []
    console.locator("details[data-step=vpc] summary").focus()
    console.keyboard.press("Enter")  # opens the step
    console.keyboard.press("Tab")
    assert console.evaluate("document.activeElement.id") == "build-vpc-cidr"
    console.keyboard.type("10.40.0.0/16")
    console.keyboard.press("Tab")
    console.keyboard.type("keyboard-vpc")
    console.keyboard.press("Enter")  # submits the form
    expect(console.locator("[data-testid=build-ok]")).to_contain_text("Created VPC")
    assert console.evaluate("document.activeElement.id") == "build-result"
    vpcs = client(served.url).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["keyboard-vpc"]}])
    assert [v["CidrBlock"] for v in vpcs["Vpcs"]] == ["10.40.0.0/16"]
    # the form the keyboard left is still there, the next step reachable with Tab
    console.keyboard.press("Tab")
    focused = console.evaluate("document.activeElement.closest('details')?.dataset.step || ''")
    assert focused in {"vpc", "subnet"}


HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 1">',
    "\"quoted' & <b>bold</b>",
    "x" * 255,
]


def test_hostile_names_from_the_api_stay_text(console: Any, served: BackgroundServer) -> None:
    ec2 = client(served.url)
    for i, text in enumerate(HOSTILE):
        ec2.create_vpc(
            CidrBlock=f"10.{60 + i}.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": text}]}],
        )
    expect(console.locator("#tree")).to_contain_text("<script>window.__pwned", timeout=5000)
    console.get_by_role("tab", name="Build").click()
    expect(console.locator("#build-subnet-vpc option", has_text="<img src=x onerror")).to_have_count(1)
    expect(console.locator("#build-subnet-vpc option", has_text="<b>bold</b>")).to_have_count(1)
    # an EC2 error message holding the hostile text is shown as text too
    form = open_build(console, "subnet")
    form.get_by_label("IPv4 CIDR block").fill(HOSTILE[1])
    form.get_by_role("button", name="Create subnet").click()
    expect(console.locator("[data-testid=build-error]")).to_be_visible()
    assert console.evaluate("window.__pwned") is None
    assert console.eval_on_selector_all("#side img, #tree img, #side b", "(els) => els.length") == 0
    assert console.eval_on_selector_all("body script", "(els) => els.length") == 0


# ---------------------------------------------------------------------------- without a browser


def test_the_state_is_read_again_only_when_it_changed() -> None:
    store = Store(":memory:")
    live = LiveNetwork(store)
    first = live()
    assert live() is first and live.loads == 1
    seed(store, vpcsim.load("web-server"))
    second = live()
    assert second is not first and live.loads == 2
    assert live() is second and live.loads == 2
    assert {s.tags.get("Name") for s in second.subnets.values()} == {
        s.tags.get("Name") for s in vpcsim.load("web-server").subnets.values()
    }


def test_summary_version_moves_with_the_state(served: BackgroundServer) -> None:
    before = httpx.get(f"{served.url}/console/api/network").json()
    assert httpx.get(f"{served.url}/console/api/network").json()["version"] == before["version"]
    assert before["can_save"] is True and before["ec2_api"] == "../"
    client(served.url).create_vpc(CidrBlock="10.99.0.0/16")
    after = httpx.get(f"{served.url}/console/api/network").json()
    assert after["version"] != before["version"] and after["counts"]["vpcs"] == before["counts"]["vpcs"] + 1


def test_a_save_is_all_or_nothing(served: BackgroundServer) -> None:
    ec2 = client(served.url)
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["bastion-sg"]}])[
        "SecurityGroups"
    ][0]["GroupId"]
    before = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    good = {
        "Action": "AuthorizeSecurityGroupIngress",
        "GroupId": group,
        "IpProtocol": "tcp",
        "FromPort": 8080,
        "ToPort": 8080,
        "CidrIp": "10.0.0.0/8",
    }
    table = vpcsim.load(served.url).route_tables
    rtb = next(iter(table))
    # a route to a NAT gateway that does not exist: the EC2 API refuses it after the rule was
    # authorised in the same transaction, which is rolled back: nothing is written
    bad = {
        "Action": "CreateRoute",
        "RouteTableId": rtb,
        "DestinationCidrBlock": "192.168.0.0/16",
        "Target": "nat-0123",
    }
    answer = httpx.post(f"{served.url}/console/api/save", json={"edits": [good, bad]})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidNatGatewayID.NotFound"
    assert "nothing was saved" in answer.json()["error"]["message"]
    after = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert after == before
    # a page of another site cannot post the edits as a form
    answer = httpx.post(
        f"{served.url}/console/api/save",
        content=json.dumps({"edits": [good]}),
        headers={"content-type": "text/plain"},
    )
    assert answer.status_code == 415
    answer = httpx.post(f"{served.url}/console/api/save", json={"edits": [good]})
    assert answer.status_code == 200, answer.text
    after = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert any(p.get("FromPort") == 8080 for p in after)


def test_edits_become_the_ec2_api_requests_they_stand_for() -> None:
    network = vpcsim.load("bastion-nat")
    group = next(g.group_id for g in network.security_groups.values() if g.group_name == "bastion-sg")
    acl = next(iter(network.network_acls))
    table = next(t for t in network.route_tables.values() if not t.main)
    nat = next(iter(network.nat_gateways))
    calls = edit_requests(
        network,
        [
            {
                "Action": "AuthorizeSecurityGroupIngress",
                "GroupId": group,
                "IpProtocol": "tcp",
                "FromPort": 80,
                "CidrIp": "0.0.0.0/0",
            },
            {"Action": "RevokeSecurityGroupIngress", "GroupId": group, "RuleIndex": 0},
            {
                "Action": "CreateNetworkAclEntry",
                "NetworkAclId": acl,
                "RuleNumber": 42,
                "Egress": "false",
                "RuleAction": "deny",
                "Protocol": "6",
                "CidrBlock": "198.51.100.0/24",
                "FromPort": 22,
            },
            {
                "Action": "ReplaceRoute",
                "RouteTableId": table.route_table_id,
                "DestinationCidrBlock": "0.0.0.0/0",
                "Target": nat,
            },
        ],
    )
    assert [c.action for c in calls] == [
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress",
        "CreateNetworkAclEntry",
        "ReplaceRoute",
    ]
    assert calls[0].params == {
        "GroupId": group,
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    }
    first_rule = network.security_groups[group].ingress[0]
    revoked = calls[1].params
    assert revoked["GroupId"] == group
    if first_rule.security_group_rule_id:
        assert revoked["SecurityGroupRuleIds"] == [first_rule.security_group_rule_id]
    else:
        assert revoked["IpPermissions"][0]["IpProtocol"] == first_rule.ip_protocol
    assert calls[2].params["PortRange"] == {"From": 22, "To": 22} and calls[2].params["Egress"] is False
    assert calls[3].params == {
        "RouteTableId": table.route_table_id,
        "DestinationCidrBlock": "0.0.0.0/0",
        "NatGatewayId": nat,
    }
    assert all(c.region == network.security_groups[group].region for c in calls)


def test_read_only_under_verify_signatures() -> None:
    settings = ServerSettings(verify_signatures=True, keys={"AKIDEXAMPLE": "secret"})
    with BackgroundServer(settings=settings) as server:
        summary = httpx.get(f"{server.url}/console/api/network").json()
        assert summary["can_save"] is False and summary["ec2_api"] is None
        answer = httpx.post(f"{server.url}/console/api/save", json={"edits": [{"Action": "CreateRoute"}]})
        assert answer.status_code == 404
        assert re.search(r"YAML spec", answer.json()["error"]["message"])


def test_a_trace_into_a_counted_subnet_marks_its_box(page: Any, live: Any) -> None:
    """The counted box lists no ids: the page asks the server where the instance is."""
    network = vpcsim.load("bastion-nat")
    subnet = network.find_by_name("private")[0].id
    workers = [network.run_instance(subnet, name=f"worker-{i}") for i in range(70)]
    live.network = network
    page.goto(live.url)
    page.wait_for_selector("body[data-ready=true]", timeout=20000)
    page.fill("#trace-source", "bastion")
    page.fill("#trace-destination", workers[0].instance_id)
    page.fill("#trace-port", "22")
    page.click("#trace-go")
    page.wait_for_selector("[data-testid=verdict]")
    marked = f"window.vpcsimConsole.map.cy.getElementById('collapsed:{subnet}').hasClass('on-path')"
    for _ in range(50):
        if page.evaluate(f"() => {marked}"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(f"() => {marked}")


def test_a_modified_rule_is_saved_through_the_api(served: BackgroundServer) -> None:
    ec2 = client(served.url)
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["bastion-sg"]}])[
        "SecurityGroups"
    ][0]["GroupId"]
    network = vpcsim.load(served.url)
    first = network.security_groups[group].ingress[0]
    edit = {
        "Action": "ModifySecurityGroupRule",
        "GroupId": group,
        "Egress": "false",
        "RuleIndex": 0,
        "IpProtocol": "tcp",
        "FromPort": 2222,
        "ToPort": 2222,
        "CidrIp": "192.0.2.0/24",
    }
    calls = edit_requests(network, [edit])
    if first.security_group_rule_id:  # known: modified in place
        assert [c.action for c in calls] == ["ModifySecurityGroupRule"]
    else:  # describe-security-groups gives no rule ids: the rule is revoked and authorised
        assert [c.action for c in calls] == ["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"]
    answer = httpx.post(f"{served.url}/console/api/save", json={"edits": [edit]})
    assert answer.status_code == 200, answer.text
    permissions = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    ranges = {(p["FromPort"], r["CidrIp"]) for p in permissions for r in p["IpRanges"]}
    assert (2222, "192.0.2.0/24") in ranges
    assert (first.from_port, first.cidr_ipv4) not in ranges
