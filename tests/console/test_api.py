"""The console's JSON endpoints (Starlette's TestClient): each answer is the public API's result
(``to_dict()`` with ``schema_version``), what-if edits act on a copy, errors are JSON."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

import vpcsim
from vpcsim.console import create_app


@pytest.fixture
def network() -> vpcsim.Network:
    return vpcsim.load("bastion-nat")


@pytest.fixture
def client(network: vpcsim.Network) -> TestClient:
    return TestClient(create_app(lambda: network))


def ids(network: vpcsim.Network, name: str) -> str:
    return network.find_by_name(name)[0].id


def test_page_and_vendored_library_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<base href="/">' in page.text
    assert "static/app.js" in page.text
    library = client.get("/static/vendor/cytoscape.esm.min.mjs")
    assert library.status_code == 200 and "export" in library.text
    assert "MIT" in client.get("/static/vendor/cytoscape.LICENSE").text


def test_mounted_under_a_prefix_the_page_uses_it(network: vpcsim.Network) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    outer = Starlette(routes=[Mount("/console", app=create_app(lambda: network))])
    client = TestClient(outer)
    assert '<base href="/console/">' in client.get("/console/").text
    assert client.get("/console/api/network").json()["counts"]["instances"] == 2


def test_topology(client: TestClient, network: vpcsim.Network) -> None:
    data = client.get("/api/topology").json()
    assert data["schema_version"] == 1
    nodes = {n["id"]: n for n in data["nodes"]}
    app = nodes[ids(network, "app")]
    assert app["label"] == "app" and app["kind"] == "instance"
    assert "10.0.2.20" in app["addresses"]
    assert network.instances[app["id"]].network_interface_ids[0] in app["members"]
    igw = next(iter(network.internet_gateways))
    assert any(link["source"] == "internet" and link["target"] == igw for link in data["links"])


def test_search_by_id_name_and_address(client: TestClient, network: vpcsim.Network) -> None:
    app = ids(network, "app")
    assert client.get("/api/search", params={"q": "app"}).json()["matches"][0]["id"] == app
    assert client.get("/api/search", params={"q": app}).json()["matches"][0]["match"] == "id"
    found = client.get("/api/search", params={"q": "10.0.2.20"}).json()["matches"]
    assert found[0]["instance"] == app and found[0]["match"] == "address"
    assert {m["type"] for m in found[1:]} == {"subnet", "vpc"}  # the CIDRs holding it
    assert client.get("/api/search", params={"q": "nothing-at-all"}).json()["matches"] == []


def test_component_panel_rules(client: TestClient, network: vpcsim.Network) -> None:
    bastion = ids(network, "bastion")
    data = client.get(f"/api/component/{bastion}").json()
    assert data["type"] == "instance"
    group = data["security_groups"][0]
    assert group["ingress"][0]["protocol"] == "tcp" and group["ingress"][0]["ports"] == "22"
    acl = data["network_acl"]
    numbers = [e["rule_number"] for e in acl["inbound"]]
    assert numbers[-1] == "*" and numbers[:-1] == sorted(numbers[:-1])
    subnet = network.instances[bastion].subnet_id
    assert subnet in acl["subnet_ids"]


def test_route_table_marks_the_longest_prefix_winner(client: TestClient, network: vpcsim.Network) -> None:
    private = ids(network, "private")
    table = network.route_table_of_subnet(private)
    assert table is not None
    inside = client.get(f"/api/component/{table.id}", params={"destination": "10.0.1.10"}).json()[
        "route_table"
    ]
    outside = client.get(f"/api/component/{table.id}", params={"destination": "8.8.8.8"}).json()[
        "route_table"
    ]
    assert [r["destination"] for r in inside["routes"] if r["winner"]] == ["10.0.0.0/16"]
    winners = [r for r in outside["routes"] if r["winner"]]
    assert [r["destination"] for r in winners] == ["0.0.0.0/0"] and winners[0]["target"].startswith("nat-")
    bad = client.get(f"/api/component/{table.id}", params={"destination": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VPCSIM_BAD_ADDRESS"
    assert client.get("/api/component/sg-nothing").status_code == 404


@pytest.mark.parametrize(
    ("source", "destination", "port"),
    [
        ("bastion", "app", 22),
        ("app", "bastion", 3389),
        ("internet", "app", 22),
        ("app", "internet:8.8.8.8", 443),
    ],
)
def test_trace_is_the_public_api_answer(
    client: TestClient, network: vpcsim.Network, source: str, destination: str, port: int
) -> None:
    data = client.post("/api/trace", json={"source": source, "destination": destination, "port": port}).json()
    expected = vpcsim.trace(network, source, destination, port=port)
    assert data["trace"] == expected.to_dict()
    flow = {"source": source, "destination": destination, "port": port}
    why = client.post("/api/why", json=flow).json()
    assert why["why"] == vpcsim.why(network, source, destination, port=port).to_dict()
    assert [c["item"] for c in why["checklist"]][:6] == [c["item"] for c in data["checklist"]]
    assert data["path"]["forward"] == [hop.component for hop in expected.forward]
    statuses = {c["item"]: c["status"] for c in data["checklist"]}
    if expected.verdict == "reachable":
        assert set(statuses.values()) <= {"pass", "n/a"}
    else:
        assert "fail" in statuses.values()


def test_checklist_names_the_failing_step(client: TestClient) -> None:
    blocked_sg = client.post(
        "/api/trace", json={"source": "app", "destination": "bastion", "port": 3389}
    ).json()
    statuses = {c["item"]: (c["status"], c["codes"]) for c in blocked_sg["checklist"]}
    assert statuses["security groups"] == ("fail", ["ENI_SG_RULES_MISMATCH"])
    assert statuses["route tables"][0] == "pass"
    assert statuses["public IP"][0] == "n/a"
    no_public = client.post(
        "/api/trace", json={"source": "internet", "destination": "app", "port": 22}
    ).json()
    public = {c["item"]: (c["status"], c["codes"]) for c in no_public["checklist"]}
    assert public["public IP"] == ("fail", ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"])


def test_reach_for_the_pair(client: TestClient, network: vpcsim.Network) -> None:
    data = client.post("/api/reach", json={"source": "bastion", "destination": "app", "port": 22}).json()
    assert data["reach"] == vpcsim.reach(network, "bastion", "app").to_dict()
    assert data["reach_error"] is None


def test_trace_errors_are_json(client: TestClient) -> None:
    nobody = client.post("/api/trace", json={"source": "nobody", "destination": "app", "port": 22})
    assert nobody.status_code == 400 and "nobody" in nobody.json()["error"]["message"]
    assert client.post("/api/trace", json={"source": "app"}).status_code == 400
    assert client.post("/api/trace", content=b"not json").status_code == 400
    assert (
        client.post("/api/trace", json={"source": "app", "destination": "bastion", "port": "x"}).status_code
        == 400
    )


def opening_edit(network: vpcsim.Network) -> dict[str, Any]:
    group = network.network_interfaces[
        network.instances[ids(network, "bastion")].network_interface_ids[0]
    ].groups[0]
    return {
        "Action": "AuthorizeSecurityGroupIngress",
        "GroupId": group,
        "IpProtocol": "tcp",
        "FromPort": 3389,
        "ToPort": 3389,
        "CidrIp": "10.0.2.0/24",
    }


def test_whatif_opens_a_path_on_a_copy(client: TestClient, network: vpcsim.Network) -> None:
    version = network.version
    edit = opening_edit(network)
    flow = {"source": "app", "destination": "bastion", "port": 3389}
    assert client.post("/api/trace", json=flow).json()["trace"]["verdict"] == "unreachable"
    assert client.post("/api/trace", json={**flow, "edits": [edit]}).json()["trace"]["verdict"] == "reachable"
    answer = client.post("/api/whatif", json={"edits": [edit]}).json()
    opened = [(p["from"], p["to"], p["newly_allowed"][0]["ports"]) for p in answer["diff"]["pairs"]]
    assert opened == [(ids(network, "app"), ids(network, "bastion"), [[3389, 3389]])]
    assert network.version == version, "the served network is never edited"
    assert client.post("/api/trace", json=flow).json()["trace"]["verdict"] == "unreachable"


def test_whatif_edits_of_each_kind(client: TestClient, network: vpcsim.Network) -> None:
    private = ids(network, "private")
    acl = network.network_acl_of_subnet(private)
    table = network.route_table_of_subnet(private)
    assert acl is not None and table is not None
    deny_ssh = {
        "Action": "CreateNetworkAclEntry",
        "NetworkAclId": acl.id,
        "RuleNumber": 50,
        "Egress": False,
        "RuleAction": "deny",
        "Protocol": "6",
        "CidrBlock": "0.0.0.0/0",
        "FromPort": 22,
        "ToPort": 22,
    }
    flow = {"source": "bastion", "destination": "app", "port": 22}
    traced = client.post("/api/trace", json={**flow, "edits": [deny_ssh]}).json()
    assert (
        traced["trace"]["verdict"] == "unreachable"
        and "SUBNET_ACL_RESTRICTION" in traced["trace"]["blockers"][0]["code"]
    )
    closed = client.post("/api/whatif", json={"edits": [deny_ssh]}).json()["diff"]["pairs"]
    assert any(p["newly_blocked"] for p in closed)
    replace = {**deny_ssh, "Action": "ReplaceNetworkAclEntry", "RuleAction": "allow"}
    assert (
        client.post("/api/trace", json={**flow, "edits": [deny_ssh, replace]}).json()["trace"]["verdict"]
        == "reachable"
    )
    no_default = {"Action": "DeleteRoute", "RouteTableId": table.id, "DestinationCidrBlock": "0.0.0.0/0"}
    out = client.post(
        "/api/trace",
        json={"source": "app", "destination": "internet:8.8.8.8", "port": 443, "edits": [no_default]},
    ).json()
    assert "NO_ROUTE_TO_DESTINATION" in [b["code"] for b in out["trace"]["blockers"]]
    assert out["path"]["blocked"] == [private], "a route table's blocker is drawn on the subnet it serves"
    group = network.network_interfaces[
        network.instances[ids(network, "app")].network_interface_ids[0]
    ].groups[0]
    modify = {
        "Action": "ModifySecurityGroupRule",
        "GroupId": group,
        "Egress": False,
        "RuleIndex": 0,
        "IpProtocol": "tcp",
        "FromPort": 2222,
        "ToPort": 2222,
        "CidrIp": "10.0.1.0/24",
    }
    panel = client.get(f"/api/component/{group}", params={"edits": json.dumps([modify])}).json()
    assert panel["security_group"]["ingress"][0]["ports"] == "2222"
    assert (
        client.post("/api/trace", json={**flow, "edits": [modify]}).json()["trace"]["verdict"]
        == "unreachable"
    )


def test_refused_edits_carry_aws_codes(client: TestClient, network: vpcsim.Network) -> None:
    acl = next(iter(network.network_acls.values()))
    duplicate = {
        "Action": "CreateNetworkAclEntry",
        "NetworkAclId": acl.id,
        "RuleNumber": 100,
        "Egress": False,
        "RuleAction": "allow",
        "Protocol": "-1",
        "CidrBlock": "0.0.0.0/0",
    }
    answer = client.post("/api/whatif", json={"edits": [duplicate]})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "NetworkAclEntryAlreadyExists"
    unknown = client.post("/api/whatif", json={"edits": [{"Action": "DeleteVpc"}]})
    assert unknown.status_code == 400 and "unknown action" in unknown.json()["error"]["message"]
    missing = client.post("/api/whatif", json={"edits": [{"Action": "CreateRoute", "RouteTableId": "rtb-1"}]})
    assert "DestinationCidrBlock" in missing.json()["error"]["message"]


def test_save_writes_the_edited_network_as_a_spec(
    client: TestClient, network: vpcsim.Network, tmp_path: Any
) -> None:
    response = client.post("/api/spec", json={"edits": [opening_edit(network)]})
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    path = tmp_path / "saved.yaml"
    path.write_text(response.text)
    assert isinstance(yaml.safe_load(response.text), dict)
    saved = vpcsim.load(path)
    assert vpcsim.trace(saved, "app", "bastion", port=3389).verdict == "reachable"


def test_exposure_is_the_public_api_answer(client: TestClient, network: vpcsim.Network) -> None:
    assert client.get("/api/exposure").json() == vpcsim.exposure(network).to_dict()


def test_compare_two_networks(network: vpcsim.Network) -> None:
    import copy

    other = copy.deepcopy(network)
    edit = opening_edit(network)
    other.authorize_security_group_ingress(
        edit["GroupId"], ip_protocol="tcp", port=3389, cidr_ipv4="10.0.2.0/24"
    )
    client = TestClient(create_app(lambda: network, compare=lambda: other))
    assert client.get("/api/network").json()["compare"] is True
    assert client.get("/api/compare").json() == vpcsim.diff(network, other).to_dict()
    assert TestClient(create_app(lambda: network)).get("/api/compare").status_code == 404


def test_live_source_is_read_on_every_request(network: vpcsim.Network) -> None:
    client = TestClient(create_app(lambda: network))
    before = {n["id"] for n in client.get("/api/topology").json()["nodes"]}
    subnet = network.create_subnet(
        ids(network, "bastion-vpc"), "10.0.9.0/24", availability_zone="sa-east-1a", name="late"
    )
    after = {n["id"] for n in client.get("/api/topology").json()["nodes"]}
    assert after - before == {subnet.subnet_id}


def test_save_writes_edits_back_only_when_the_server_can(network: vpcsim.Network) -> None:
    from vpcsim.console.edits import apply_edit

    saved: list[Any] = []

    def save(edits: Any) -> None:
        for edit in edits:
            apply_edit(network, edit)
        saved.extend(edits)

    client = TestClient(create_app(lambda: network, save=save))
    assert client.get("/api/network").json()["can_save"] is True
    edit = opening_edit(network)
    bad = {**edit, "GroupId": "sg-nothing"}
    refused = client.post("/api/save", json={"edits": [edit, bad]})
    assert refused.status_code == 400 and saved == [], "nothing is written when an edit is refused"
    assert client.post("/api/save", json={"edits": [edit]}).json()["saved"] == 1
    assert vpcsim.trace(network, "app", "bastion", port=3389).verdict == "reachable"
    read_only = TestClient(create_app(lambda: network))
    assert read_only.get("/api/network").json()["can_save"] is False
    assert read_only.post("/api/save", json={"edits": [edit]}).status_code == 404
    assert client.post("/api/save", json={}).status_code == 400


def test_a_counted_subnet_lists_no_ids_and_owners_finds_them(network: vpcsim.Network) -> None:
    subnet = ids(network, "private")
    started = [network.run_instance(subnet, name=f"worker-{i}") for i in range(70)]
    client = TestClient(create_app(lambda: network))
    boxes = {n["id"]: n for n in client.get("/api/topology").json()["nodes"]}
    counted = boxes[f"collapsed:{subnet}"]
    assert counted["count"] >= 70 and counted["members"] == []
    assert started[0].instance_id not in boxes
    eni = started[0].network_interface_ids[0]
    nat = next(iter(network.nat_gateways.values()))
    asked = [started[0].instance_id, eni, nat.nat_gateway_id, "i-nothing", subnet]
    owners = client.post("/api/owners", json={"ids": asked}).json()["owners"]
    assert owners == {started[0].instance_id: subnet, eni: subnet, nat.nat_gateway_id: nat.subnet_id}
    assert client.post("/api/owners", json={"ids": "i-1"}).status_code == 400
    expanded = {n["id"] for n in client.get(f"/api/topology?expand={subnet}").json()["nodes"]}
    assert started[0].instance_id in expanded and f"collapsed:{subnet}" not in expanded


def test_rules_compile_once_asked_and_the_summary_says_so(network: vpcsim.Network) -> None:
    client = TestClient(create_app(lambda: network))
    assert client.get("/api/network").json()["compiled"] is False
    assert client.post("/api/warm").json()["started"] is True
    assert client.post("/api/warm").json()["started"] is False  # once per version
    deadline = time.monotonic() + 30
    while not client.get("/api/network").json()["compiled"]:
        assert time.monotonic() < deadline, "the rules were never compiled"
        time.sleep(0.05)
    network.touch()
    assert client.get("/api/network").json()["compiled"] is False  # a new version


def test_unavailable_network_is_a_503() -> None:
    from vpcsim.console import NetworkUnavailable

    def broken() -> vpcsim.Network:
        raise NetworkUnavailable("the state cannot be read as a network: bad")

    client = TestClient(create_app(broken))
    answer = client.get("/api/network")
    assert answer.status_code == 503
    assert answer.json()["error"] == {
        "code": "VPCSIM_NETWORK_UNAVAILABLE",
        "message": "the state cannot be read as a network: bad",
    }
    assert client.post("/api/trace", json={"source": "a", "destination": "b"}).status_code == 503
