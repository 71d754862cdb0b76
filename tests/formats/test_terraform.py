"""Terraform plan and state import: the mapped network, reference resolution, and traces on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.support.paths import FIXTURES

import vpcsim
from vpcsim.formats.problems import InputError, LoadResult
from vpcsim.formats.terraform import MAPPED_TYPES, load_terraform, load_terraform_document
from vpcsim.formats.terraform_base import ADDRESS_TAG, UNKNOWN_ADDRESS_TAG, placeholder_id
from vpcsim.model import Network, Resource

FIXTURES = FIXTURES / "terraform"


def by_address(network: Network, address: str) -> Resource:
    found = [r for r in network.resources() if r.tags.get(ADDRESS_TAG) == address]
    assert len(found) == 1, (address, found)
    return found[0]


def codes(result: LoadResult) -> list[str]:
    return [p.code for p in result.warnings]


@pytest.fixture(scope="module")
def web() -> LoadResult:
    return load_terraform(FIXTURES / "plan_web.json")


@pytest.fixture(scope="module")
def modules() -> LoadResult:
    return load_terraform(FIXTURES / "plan_modules.json")


@pytest.fixture(scope="module")
def state() -> LoadResult:
    return load_terraform(FIXTURES / "state_prod.json")


def test_fixtures_cover_every_mapped_type() -> None:
    seen: set[str] = set()
    for path in FIXTURES.glob("*.json"):
        doc = json.loads(path.read_text())
        text = json.dumps(doc)
        seen |= {t for t in MAPPED_TYPES if f'"type": "{t}"' in text}
    required = {
        "aws_vpc", "aws_default_vpc", "aws_vpc_ipv4_cidr_block_association", "aws_subnet", "aws_default_subnet",
        "aws_route_table", "aws_default_route_table", "aws_route", "aws_route_table_association",
        "aws_main_route_table_association", "aws_internet_gateway", "aws_internet_gateway_attachment",
        "aws_nat_gateway", "aws_eip", "aws_eip_association", "aws_network_acl", "aws_default_network_acl",
        "aws_network_acl_rule", "aws_network_acl_association", "aws_security_group", "aws_default_security_group",
        "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule",
        "aws_instance", "aws_network_interface", "aws_network_interface_attachment",
        "aws_network_interface_sg_attachment", "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter",
        "aws_ec2_managed_prefix_list", "aws_ec2_managed_prefix_list_entry",
        "aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment", "aws_ec2_transit_gateway_route_table",
        "aws_ec2_transit_gateway_route_table_association", "aws_ec2_transit_gateway_route_table_propagation",
        "aws_ec2_transit_gateway_route", "aws_ec2_transit_gateway_peering_attachment",
        "aws_ec2_transit_gateway_peering_attachment_accepter", "aws_vpc_endpoint",
        "aws_vpc_endpoint_route_table_association", "aws_vpc_endpoint_subnet_association",
    }  # fmt: skip
    assert required <= seen, sorted(required - seen)


# ---------------------------------------------------------------------------- a plan with unknown values


def test_plan_placeholder_ids_come_from_addresses(web: LoadResult) -> None:
    n = web.network
    vpc = by_address(n, "aws_vpc.main")
    assert vpc.id == placeholder_id("vpc", "aws_vpc.main")
    assert vpc.tags["vpcsim:placeholder_id"] == "true"
    assert vpc.tags["Name"] == "shop" and vpc.tags["Project"] == "shop"  # tags_all: provider default tags
    again = load_terraform(FIXTURES / "plan_web.json").network
    assert sorted(r.id for r in again.resources()) == sorted(r.id for r in n.resources())


def test_plan_vpc_and_implicit_resources(web: LoadResult) -> None:
    n = web.network
    vpc = by_address(n, "aws_vpc.main")
    assert vpc.cidr_blocks == ["10.0.0.0/16", "10.1.0.0/16"]  # aws_vpc_ipv4_cidr_block_association
    main = n.main_route_table(vpc.id)
    assert main is not None and main.tags[ADDRESS_TAG] == "aws_vpc.main:default_route_table"
    assert main.id == placeholder_id("rtb", "aws_vpc.main:default_route_table")
    for table in n.route_tables.values():  # the secondary block's local route reaches every table
        assert [(r.destination, r.gateway_id) for r in table.routes[:2]] == [
            ("10.0.0.0/16", "local"),
            ("10.1.0.0/16", "local"),
        ]
    acl = next(a for a in n.network_acls.values() if a.is_default)
    assert [(e.rule_number, e.rule_action) for e in acl.entries if not e.egress] == [
        (100, "allow"),
        (32767, "deny"),
    ]
    assert web.counts["vpcs"] == 1 and web.skipped == {"aws_s3_bucket": 1}


def test_plan_count_and_for_each_instances_resolve(web: LoadResult) -> None:
    n = web.network
    public = [by_address(n, f"aws_subnet.public[{i}]") for i in range(2)]
    private = by_address(n, 'aws_subnet.private["app"]')
    assert [s.cidr_block for s in public] == ["10.0.1.0/24", "10.0.2.0/24"]  # type: ignore[attr-defined]
    assert private.cidr_block == "10.0.10.0/24"  # type: ignore[attr-defined]
    table = by_address(n, "aws_route_table.public")
    assert table.subnet_ids == [s.id for s in public]  # type: ignore[attr-defined]  # count.index
    igw = by_address(n, "aws_internet_gateway.gw")
    assert [(r.destination, r.target) for r in table.routes[2:]] == [("0.0.0.0/0", igw.id)]  # type: ignore[attr-defined]
    private_table = by_address(n, "aws_route_table.private")
    nat = by_address(n, "aws_nat_gateway.nat")
    assert private_table.subnet_ids == [private.id]  # type: ignore[attr-defined]  # each.value.id
    assert [(r.destination, r.target) for r in private_table.routes[2:]] == [("0.0.0.0/0", nat.id)]  # type: ignore[attr-defined]
    assert nat.subnet_id == public[0].id  # type: ignore[attr-defined]


def test_plan_security_groups_follow_the_provider(web: LoadResult) -> None:
    n = web.network
    web_sg = by_address(n, "aws_security_group.web")
    app_sg = by_address(n, "aws_security_group.app")
    rules = [(r.ip_protocol, r.from_port, r.to_port, r.peer) for r in web_sg.ingress]  # type: ignore[attr-defined]
    assert rules == [("tcp", 443, 443, "0.0.0.0/0")]
    # No egress block: Terraform removed AWS's allow-all; only the standalone egress rule remains.
    assert [(r.ip_protocol, r.from_port, r.peer) for r in web_sg.egress] == [("tcp", 8080, app_sg.id)]  # type: ignore[attr-defined]
    rules = [(r.ip_protocol, r.from_port, r.peer) for r in app_sg.ingress]  # type: ignore[attr-defined]
    assert rules == [("tcp", 8080, web_sg.id), ("tcp", 22, "10.0.0.0/16")]
    assert [(r.ip_protocol, r.peer) for r in app_sg.egress] == [("-1", "0.0.0.0/0")]  # type: ignore[attr-defined]
    default = by_address(n, "aws_default_security_group.default")
    assert default.ingress == [] and default.egress == []  # type: ignore[attr-defined]  # adopted with no rules
    assert default.group_name == "default"  # type: ignore[attr-defined]


def test_plan_network_acl_rules_and_association(web: LoadResult) -> None:
    n = web.network
    acl = by_address(n, "aws_network_acl.private")
    inbound = sorted(
        (e.rule_number, e.rule_action, e.protocol, e.cidr_block, e.port_range)
        for e in acl.entries
        if not e.egress
    )  # type: ignore[attr-defined]
    assert inbound == [
        (50, "deny", "-1", "10.0.2.0/24", None),
        (100, "allow", "6", "10.0.0.0/16", (8080, 8080)),
        (200, "allow", "6", "0.0.0.0/0", (1024, 65535)),
        (32767, "deny", "-1", "0.0.0.0/0", None),
    ]
    assert acl.subnet_ids == [by_address(n, 'aws_subnet.private["app"]').id]  # type: ignore[attr-defined]


def test_plan_unknown_addresses_get_marked_stand_ins(web: LoadResult) -> None:
    n = web.network
    instance = by_address(n, "aws_instance.web")
    eni = n.primary_network_interface(instance.id)
    assert eni.private_ip_address == "10.0.1.4"  # the first free address of the subnet
    assert eni.public_ip == "203.0.113.10"
    assert eni.tags[UNKNOWN_ADDRESS_TAG] == "private_ip,public_ip"
    assert instance.tags[UNKNOWN_ADDRESS_TAG] == "private_ip,public_ip"
    nat = by_address(n, "aws_nat_gateway.nat")
    assert nat.private_ip == "10.0.1.5" and nat.public_ip == "203.0.113.11"  # type: ignore[attr-defined]
    app = n.primary_network_interface(by_address(n, "aws_instance.app").id)
    assert app.private_ip_address == "10.0.10.10" and UNKNOWN_ADDRESS_TAG not in app.tags
    unknown = [p for p in web.warnings if p.code == "VPCSIM_TF_UNKNOWN_ADDRESS"]
    assert sorted(p.message.split(":")[0] for p in unknown) == [
        "aws_eip.nat",
        "aws_instance.web",
        "aws_nat_gateway.nat",
    ]
    assert all(p.location.file and p.location.path for p in unknown)
    assert set(codes(web)) == {"VPCSIM_TF_UNKNOWN_ADDRESS", "VPCSIM_TF_MIXED_RULES"}
    # The fixture's configuration writes inline rules on groups and an ACL that rule resources
    # also target: each such owner is reported once.
    mixed = sorted(p.message.split(":")[0] for p in web.warnings if p.code == "VPCSIM_TF_MIXED_RULES")
    assert mixed == ["aws_network_acl.private", "aws_security_group.app", "aws_security_group.web"]


@pytest.mark.parametrize(
    ("src", "dst", "kwargs", "verdict", "blockers"),
    [
        ("internet", "web", {"port": 443}, "reachable", []),
        ("internet", "web", {"port": 22}, "unreachable", ["ENI_SG_RULES_MISMATCH"]),
        (
            "web",
            "internet:8.8.8.8",
            {"port": 443},
            "unreachable",
            ["ENI_SG_RULES_MISMATCH"],
        ),  # no egress rule
        ("web", "app", {"port": 8080}, "reachable", []),
        ("web", "app", {"port": 22}, "unreachable", ["ENI_SG_RULES_MISMATCH", "SUBNET_ACL_RESTRICTION"]),
        ("app", "internet:8.8.8.8", {"port": 443}, "reachable", []),  # through the NAT gateway
    ],
)
def test_plan_traces(
    web: LoadResult, src: str, dst: str, kwargs: dict[str, Any], verdict: str, blockers: list[str]
) -> None:
    result = vpcsim.trace(web.network, src, dst, **kwargs)
    assert (result.verdict, result.codes) == (verdict, blockers)


# ---------------------------------------------------------------------------- modules


def test_modules_resolve_variables_and_outputs(modules: LoadResult) -> None:
    n = modules.network
    vpc = by_address(n, "module.network.aws_vpc.this")
    web_subnet = by_address(n, 'module.network.aws_subnet.this["web"]')
    assert vpc.cidr_block == "10.20.0.0/16" and web_subnet.vpc_id == vpc.id  # type: ignore[attr-defined]
    for i in range(2):
        instance = by_address(n, f"module.app[{i}].aws_instance.this")
        group = by_address(n, f"module.app[{i}].aws_security_group.this")
        assert instance.subnet_id == web_subnet.id  # type: ignore[attr-defined]  # var -> module output
        assert group.vpc_id == vpc.id and group.group_name == f"app-{i}"  # type: ignore[attr-defined]
        assert n.primary_network_interface(instance.id).groups == [group.id]
    db = by_address(n, "aws_instance.db")
    assert db.subnet_id == by_address(n, 'module.network.aws_subnet.this["db"]').id  # type: ignore[attr-defined]
    assert codes(modules).count("VPCSIM_TF_UNKNOWN_ADDRESS") == 4 and set(codes(modules)) == {
        "VPCSIM_TF_UNKNOWN_ADDRESS"
    }


def test_modules_defaults_are_adopted(modules: LoadResult) -> None:
    n = modules.network
    vpc = by_address(n, "module.network.aws_vpc.this")
    main = n.main_route_table(vpc.id)
    assert main is not None and main.tags[ADDRESS_TAG] == "module.network.aws_default_route_table.this"
    igw = by_address(n, "module.network.aws_internet_gateway.this")
    assert igw.attached_vpc_id == vpc.id  # type: ignore[attr-defined]  # aws_internet_gateway_attachment
    assert [(r.destination, r.target) for r in main.routes] == [
        ("10.20.0.0/16", "local"),
        ("0.0.0.0/0", igw.id),
    ]
    acl = n.network_acl_of_subnet(by_address(n, 'module.network.aws_subnet.this["web"]').id)
    assert acl is not None and acl.tags[ADDRESS_TAG] == "module.network.aws_default_network_acl.this"
    assert sorted(e.rule_number for e in acl.entries if not e.egress) == [100, 105, 110, 120, 32767]


def test_modules_prefix_list_peering_and_interfaces(modules: LoadResult) -> None:
    n = modules.network
    pl = by_address(n, "aws_ec2_managed_prefix_list.admins")
    assert [e.cidr for e in pl.entries] == ["198.51.100.0/24", "192.0.2.0/24"]  # type: ignore[attr-defined]
    group = by_address(n, "module.app[0].aws_security_group.this")
    assert ("tcp", 22, pl.id) in [(r.ip_protocol, r.from_port, r.peer) for r in group.ingress]  # type: ignore[attr-defined]
    pcx = by_address(n, "aws_vpc_peering_connection.core_peer")
    assert pcx.status == "active"  # type: ignore[attr-defined]  # the accepter accepts it
    assert pcx.accepter.cidr_blocks == ["10.30.0.0/16"]  # type: ignore[attr-defined]
    db_table = by_address(n, "module.network.aws_route_table.db")
    assert ("10.30.0.0/16", pcx.id) in [(r.destination, r.target) for r in db_table.routes]  # type: ignore[attr-defined]
    appliance = by_address(n, "aws_instance.appliance")
    data = by_address(n, "aws_network_interface.appliance")
    assert appliance.network_interface_ids[1] == data.id  # type: ignore[attr-defined]  # device_index 1
    assert data.groups == [
        by_address(n, "aws_security_group.peer").id,
        by_address(n, "aws_security_group.monitoring").id,
    ]  # type: ignore[attr-defined]
    assert data.source_dest_check is False  # type: ignore[attr-defined]
    eip = by_address(n, "aws_eip.appliance")
    assert eip.network_interface_id == data.id and eip.private_ip_address == "10.30.1.10"  # type: ignore[attr-defined]
    assert data.public_ip == eip.public_ip  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("src", "dst", "kwargs", "verdict", "blockers"),
    [
        ("internet", "app-0", {"port": 443}, "reachable", []),
        ("internet:192.0.2.10", "app-1", {"port": 22}, "reachable", []),  # prefix list entry + ACL rule 105
        ("internet:198.51.100.7", "app-0", {"port": 22}, "unreachable", ["SUBNET_ACL_RESTRICTION"]),
        ("db", "10.30.1.10", {"port": 80}, "reachable", []),  # over the accepted peering
        (
            "app-0",
            "10.30.1.10",
            {"port": 80},
            "unreachable",
            ["IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"],
        ),
        ("app-1", "db", {"port": 5432}, "reachable", []),
    ],
)
def test_modules_traces(
    modules: LoadResult, src: str, dst: str, kwargs: dict[str, Any], verdict: str, blockers: list[str]
) -> None:
    result = vpcsim.trace(modules.network, src, dst, **kwargs)
    assert (result.verdict, result.codes) == (verdict, blockers)


# ---------------------------------------------------------------------------- a state


def test_state_keeps_real_ids_and_infers_scope(state: LoadResult) -> None:
    n = state.network
    assert (n.account, n.region) == ("111122223333", "us-west-2")  # from the ARNs
    assert "vpc-0123456789abcdef0" in n.vpcs and "placeholder_ids" not in state.counts
    # Rules listed both inline and as resources are the same rules: no other warning. The state has
    # no configuration; owners listing rules that no rule resource declares next to rule resources
    # are reported.
    assert sorted((p.code, p.message.split(":")[0]) for p in state.warnings) == [
        ("VPCSIM_TF_MIXED_RULES", "aws_network_acl.private"),
        ("VPCSIM_TF_MIXED_RULES", "aws_security_group.worker"),
    ]
    assert state.skipped == {"aws_lb": 1}
    main = n.main_route_table("vpc-0123456789abcdef0")
    assert (
        main is not None and main.route_table_id == "rtb-0fedcba9876543210"
    )  # aws_main_route_table_association
    public = n.route_tables["rtb-0ccccccccccccccc2"]
    assert [(r.destination, r.target) for r in public.routes] == [
        ("10.50.0.0/16", "local"),
        ("0.0.0.0/0", "igw-0a1b2c3d4e5f60718"),
    ]
    acl = n.network_acls["acl-0ccccccccccccccc1"]
    assert sorted(e.rule_number for e in acl.entries if not e.egress) == [100, 110, 120, 32767]
    worker = n.security_groups["sg-0ddddddddddddddd1"]
    assert [(r.from_port, r.peer) for r in worker.ingress] == [(8443, "10.50.0.0/16")]
    eni = n.network_interfaces["eni-0aaaaaaaaaaaaaaa2"]
    assert [p.private_ip_address for p in eni.private_ip_addresses] == ["10.50.10.25", "10.50.10.26"]
    assert n.addresses["eipalloc-0e1f2a3b4c5d6e7f8"].association_id == "eipassoc-0a9b8c7d6e5f4a3b2"
    default = next(v for v in n.vpcs.values() if v.is_default)
    assert n.internet_gateway_of_vpc(default.vpc_id) is not None  # AWS's default VPC gateway


@pytest.mark.parametrize(
    ("src", "dst", "kwargs", "verdict", "blockers"),
    [
        ("internet", "bastion", {"port": 22}, "reachable", []),
        ("worker", "internet:8.8.8.8", {"port": 443}, "reachable", []),
        ("internet", "worker", {"port": 8443}, "unreachable", ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]),
        ("worker", "batch", {"port": 8443}, "unreachable", ["BAD_STATE"]),
    ],
)
def test_state_traces(
    state: LoadResult, src: str, dst: str, kwargs: dict[str, Any], verdict: str, blockers: list[str]
) -> None:
    result = vpcsim.trace(state.network, src, dst, **kwargs)
    assert (result.verdict, result.codes) == (verdict, blockers)


# ---------------------------------------------------------------------------- small hand-made documents


def resource(address: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    rtype, name = address.split(".")[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name.split("[")[0],
        "values": values,
        **extra,
    }


def config(address: str, expressions: dict[str, Any]) -> dict[str, Any]:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "expressions": expressions}


def small_plan(
    resources: list[dict[str, Any]],
    unknown: dict[str, dict[str, Any]],
    configuration: list[dict[str, Any]],
    format_version: str = "1.2",
) -> dict[str, Any]:
    return {
        "format_version": format_version,
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "type": r.get("type"),
                "name": r.get("name"),
                "change": {
                    "actions": ["create"],
                    "after": r["values"],
                    "after_unknown": unknown.get(r["address"], {}),
                },
            }
            for r in resources
        ],
        "configuration": {"root_module": {"resources": configuration}},
    }


def test_terraform_012_references_name_the_resource_only() -> None:
    # Shape of terraform-compliance's test_issue-sgr plan (Terraform 0.12: references without ".id").
    doc = small_plan(
        [
            resource("aws_vpc.fail", {"cidr_block": "10.0.0.0/16"}),
            resource("aws_internet_gateway.gw", {"tags": None}),
            resource(
                "aws_security_group.allow_tls",
                {
                    "name": "allow_tls",
                    "ingress": [
                        {
                            "cidr_blocks": ["0.0.0.0/0"],
                            "from_port": 1,
                            "protocol": "tcp",
                            "security_groups": [],
                            "self": False,
                            "to_port": 3000,
                        }
                    ],
                },
            ),
        ],
        {
            "aws_vpc.fail": {"id": True, "default_route_table_id": True},
            "aws_internet_gateway.gw": {"id": True, "vpc_id": True},
            "aws_security_group.allow_tls": {"id": True, "egress": True, "vpc_id": True},
        },
        [
            config("aws_internet_gateway.gw", {"vpc_id": {"references": ["aws_vpc.fail"]}}),
            config(
                "aws_security_group.allow_tls",
                {"name": {"constant_value": "allow_tls"}, "vpc_id": {"references": ["aws_vpc.fail"]}},
            ),
            config("aws_vpc.fail", {"cidr_block": {"constant_value": "10.0.0.0/16"}}),
        ],
        format_version="0.1",
    )
    n = load_terraform_document(doc, filename="plan.json").network
    vpc_id = placeholder_id("vpc", "aws_vpc.fail")
    assert n.internet_gateways[placeholder_id("igw", "aws_internet_gateway.gw")].attached_vpc_id == vpc_id
    group = n.security_groups[placeholder_id("sg", "aws_security_group.allow_tls")]
    assert group.vpc_id == vpc_id and group.egress == []
    assert [(r.from_port, r.to_port) for r in group.ingress] == [(1, 3000)]


def test_unresolvable_reference_is_reported_and_the_rest_loads() -> None:
    doc = small_plan(
        [
            resource("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}),
            resource("aws_subnet.a", {"cidr_block": "10.0.1.0/24"}),
            resource("aws_instance.x", {"instance_type": "t3.micro"}),
        ],
        {
            "aws_vpc.main": {"id": True},
            "aws_subnet.a": {"id": True, "vpc_id": True},
            "aws_instance.x": {"id": True, "subnet_id": True},
        },
        [
            config("aws_subnet.a", {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}),
            config("aws_instance.x", {"subnet_id": {"references": ["local.subnet_id"]}}),
        ],
    )
    result = load_terraform_document(doc, filename="plan.json")
    assert len(result.network.subnets) == 1 and result.network.instances == {}
    (problem,) = result.warnings
    assert problem.code == "VPCSIM_TF_UNRESOLVED" and "subnet_id" in problem.message
    assert (problem.location.file, problem.location.path) == (
        "plan.json",
        "$.planned_values.root_module.resources[2].values.subnet_id",
    )


def test_route_to_an_unresolvable_target_answers_unknown() -> None:
    doc = small_plan(
        [
            resource("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}),
            resource("aws_subnet.a", {"cidr_block": "10.0.1.0/24"}),
            resource("aws_route.out", {"destination_cidr_block": "0.0.0.0/0"}),
            resource("aws_instance.x", {"private_ip": "10.0.1.10"}),
        ],
        {
            "aws_vpc.main": {"id": True, "default_route_table_id": True},
            "aws_subnet.a": {"id": True, "vpc_id": True},
            "aws_route.out": {
                "id": True,
                "route_table_id": True,
                "nat_gateway_id": True,
                "network_interface_id": True,
            },
            "aws_instance.x": {"id": True, "subnet_id": True, "public_ip": True},
        },
        [
            config("aws_subnet.a", {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}),
            config(
                "aws_route.out",
                {
                    "route_table_id": {"references": ["aws_vpc.main.default_route_table_id", "aws_vpc.main"]},
                    "nat_gateway_id": {"references": ["local.nat"]},
                },
            ),
            config("aws_instance.x", {"subnet_id": {"references": ["aws_subnet.a.id", "aws_subnet.a"]}}),
        ],
    )
    result = load_terraform_document(doc)
    stand_in = placeholder_id("nat", "aws_route.out:nat_gateway_id")
    assert list(result.network.unknown_resources) == [stand_in]
    assert "VPCSIM_TF_UNRESOLVED" in codes(result)
    trace = vpcsim.trace(result.network, "10.0.1.10", "internet:8.8.8.8", port=443)
    assert trace.verdict == "unknown" and "UNKNOWN_RESOURCE" in trace.codes


def test_default_vpc_in_a_plan_is_built_as_aws_builds_it() -> None:
    doc = small_plan(
        [
            resource("aws_default_vpc.default", {"tags": {"Name": "default"}}),
            resource("aws_default_subnet.b", {"availability_zone": "eu-central-1b"}),
            resource("aws_instance.x", {"instance_type": "t3.micro"}),
        ],
        {
            "aws_default_vpc.default": {"id": True, "cidr_block": True, "default_route_table_id": True},
            "aws_default_subnet.b": {
                "id": True,
                "cidr_block": True,
                "vpc_id": True,
                "map_public_ip_on_launch": True,
            },
            "aws_instance.x": {
                "id": True,
                "private_ip": True,
                "public_ip": True,
                "associate_public_ip_address": True,
            },
        },
        [
            config(
                "aws_instance.x",
                {"subnet_id": {"references": ["aws_default_subnet.b.id", "aws_default_subnet.b"]}},
            )
        ],
    )
    result = load_terraform_document(doc)
    n = result.network
    (vpc,) = n.vpcs.values()
    assert vpc.is_default and vpc.cidr_block == "172.31.0.0/16" and n.region == "eu-central-1"
    (subnet,) = n.subnets.values()
    assert subnet.cidr_block == "172.31.16.0/20" and subnet.map_public_ip_on_launch  # zone b: the second /20
    assert subnet.tags[UNKNOWN_ADDRESS_TAG] == "cidr_block"
    eni = n.primary_network_interface(next(iter(n.instances)))
    assert eni.public_ip is not None  # a default subnet maps public addresses on launch
    # The default group only admits its own members.
    assert vpcsim.trace(n, "internet", next(iter(n.instances)), port=22).codes == ["ENI_SG_RULES_MISMATCH"]


def test_raw_tfstate_is_read() -> None:
    doc = {
        "version": 4,
        "terraform_version": "1.8.0",
        "serial": 7,
        "lineage": "6f1f7a1c-2d4e-4b1e-9a55-1e9c1e0f3a11",
        "outputs": {},
        "resources": [
            {"mode": "managed", "type": "aws_vpc", "name": "main", "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
             "instances": [{"schema_version": 1, "attributes": {"id": "vpc-0a0a0a0a0a0a0a0a0", "cidr_block": "10.9.0.0/16",
                                                                "default_route_table_id": "rtb-0a0a0a0a0a0a0a0a1",
                                                                "default_network_acl_id": "acl-0a0a0a0a0a0a0a0a2",
                                                                "default_security_group_id": "sg-0a0a0a0a0a0a0a0a3",
                                                                "main_route_table_id": "rtb-0a0a0a0a0a0a0a0a1", "tags": {"Name": "nine"}}}]},
            {"module": 'module.net["blue"]', "mode": "managed", "type": "aws_subnet", "name": "this",
             "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
             "instances": [{"index_key": 0, "schema_version": 1, "attributes": {"id": "subnet-0b0b0b0b0b0b0b0b0", "cidr_block": "10.9.1.0/24", "vpc_id": "vpc-0a0a0a0a0a0a0a0a0", "availability_zone": "ap-south-1a"}}]},
        ],
    }  # fmt: skip
    n = load_terraform_document(doc).network
    subnet = n.subnets["subnet-0b0b0b0b0b0b0b0b0"]
    assert subnet.tags[ADDRESS_TAG] == 'module.net["blue"].aws_subnet.this[0]'
    assert n.main_route_table("vpc-0a0a0a0a0a0a0a0a0").route_table_id == "rtb-0a0a0a0a0a0a0a0a1"  # type: ignore[union-attr]
    assert n.region == "ap-south-1"


# ---------------------------------------------------------------------------- bad input


def test_unsupported_format_version_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        load_terraform_document({"format_version": "2.0", "planned_values": {}}, filename="plan.json")
    (problem,) = info.value.problems
    assert problem.code == "VPCSIM_TF_FORMAT_VERSION" and problem.location.path == "$.format_version"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"format_version": "1.2", "planned_values": {', "VPCSIM_BAD_JSON"),
        (b"PK\x03\x04binary plan", "VPCSIM_TF_BINARY_PLAN"),
        (b"[1, 2]", "VPCSIM_TF_NOT_TERRAFORM"),
        (b'{"Vpcs": []}', "VPCSIM_TF_NOT_TERRAFORM"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_terraform(path)
    assert info.value.problems[0].code == code
    assert info.value.problems[0].location.file == str(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_terraform(tmp_path / "nope.json")
    assert info.value.problems[0].code == "VPCSIM_NOT_FOUND"
    with pytest.raises(InputError) as info:
        load_terraform(tmp_path)
    assert info.value.problems[0].code == "VPCSIM_TF_NOT_A_FILE"


def test_nothing_modelled_is_an_input_error_that_lists_what_was_skipped() -> None:
    doc = small_plan([resource("aws_s3_bucket.logs", {"bucket": "x"})], {}, [])
    with pytest.raises(InputError) as info:
        load_terraform_document(doc)
    assert info.value.problems[-1].code == "VPCSIM_NO_INPUT"
    assert "aws_s3_bucket x1" in info.value.problems[-1].message


def test_bad_values_drop_the_smallest_part_and_name_the_path() -> None:
    doc = small_plan(
        [
            resource("aws_vpc.main", {"cidr_block": "10.0.0.0/16", "id": "vpc-0123456789abcdef0"}),
            resource("aws_subnet.bad", {"cidr_block": "10.0.300.0/24", "vpc_id": "vpc-0123456789abcdef0"}),
            resource("aws_subnet.good", {"cidr_block": "10.0.2.0/24", "vpc_id": "vpc-0123456789abcdef0", "id": "subnet-0123456789abcdef0"}),
            resource("aws_network_acl.x", {"vpc_id": "vpc-0123456789abcdef0", "id": "acl-0123456789abcdef0", "ingress": [
                {"rule_no": 99999, "action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 1, "to_port": 2},
                {"rule_no": 10, "action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 80, "to_port": 80},
            ]}),
            {"address": "aws_subnet.broken", "values": {}},
        ],
        {},
        [],
    )  # fmt: skip
    result = load_terraform_document(doc, filename="plan.json")
    n = result.network
    assert list(n.subnets) == ["subnet-0123456789abcdef0"]
    assert [e.rule_number for e in n.network_acls["acl-0123456789abcdef0"].entries if not e.egress] == [
        10,
        32767,
    ]
    paths = {p.location.path for p in result.warnings if p.severity == "error"}
    assert "$.planned_values.root_module.resources[1].values.cidr_block" in paths
    assert "$.planned_values.root_module.resources[4]" in paths
    assert any("ingress[0].rule_no" in p.message for p in result.warnings)


def test_plan_without_planned_values_reads_the_changes() -> None:
    doc = small_plan(
        [
            resource("module.net.aws_vpc.this", {"cidr_block": "10.4.0.0/16", "id": "vpc-0a0a0a0a0a0a0a0a0"}),
            resource(
                "module.net.aws_subnet.a", {"cidr_block": "10.4.0.0/33", "vpc_id": "vpc-0a0a0a0a0a0a0a0a0"}
            ),
        ],
        {},
        [],
    )
    del doc["planned_values"]
    result = load_terraform_document(doc, filename="plan.json")
    (vpc,) = result.network.vpcs.values()
    assert vpc.tags[ADDRESS_TAG] == "module.net.aws_vpc.this"
    errors = [p for p in result.warnings if p.severity == "error"]
    assert [p.location.path for p in errors] == ["$.resource_changes[1].change.after.cidr_block"]


# ---------------------------------------------------------------------------- rule resources a plan deletes

VPC_ID, SG_ID, ACL_ID = "vpc-0123456789abcdef0", "sg-0aaaaaaaaaaaaaaa1", "acl-0aaaaaaaaaaaaaaa1"

RULES: dict[str, Callable[[str], dict[str, Any]]] = {
    "aws_security_group_rule": lambda cidr: {
        "id": "sgrule-1234",
        "security_group_id": SG_ID,
        "type": "ingress",
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": [cidr],
    },
    "aws_vpc_security_group_ingress_rule": lambda cidr: {
        "id": "sgr-0aaaaaaaaaaaaaaa1",
        "security_group_id": SG_ID,
        "ip_protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_ipv4": cidr,
    },
    "aws_network_acl_rule": lambda cidr: {
        "id": "nacl-1234",
        "network_acl_id": ACL_ID,
        "rule_number": 100,
        "egress": False,
        "protocol": "6",
        "rule_action": "allow",
        "cidr_block": cidr,
        "from_port": 22,
        "to_port": 22,
    },
}


def _rule_plan(rtype: str, action: str) -> dict[str, Any]:
    """A plan that deletes (``delete``) or narrows (``replace``) a rule resource whose rule the
    refreshed parent group and ACL still list inline, next to an inline https rule of their own."""
    ssh_group = {
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": ["0.0.0.0/0"],
        "self": False,
    }
    https_group = {**ssh_group, "from_port": 443, "to_port": 443}
    ssh_acl = {
        "rule_no": 100,
        "action": "allow",
        "protocol": "6",
        "cidr_block": "0.0.0.0/0",
        "from_port": 22,
        "to_port": 22,
    }
    https_acl = {**ssh_acl, "rule_no": 200, "from_port": 443, "to_port": 443}
    resources = [
        resource("aws_vpc.main", {"id": VPC_ID, "cidr_block": "10.0.0.0/16"}),
        resource(
            "aws_security_group.web",
            {"id": SG_ID, "vpc_id": VPC_ID, "name": "web", "ingress": [ssh_group, https_group], "egress": []},
        ),
        resource(
            "aws_network_acl.main",
            {"id": ACL_ID, "vpc_id": VPC_ID, "ingress": [ssh_acl, https_acl], "egress": []},
        ),
    ]
    doc = small_plan(resources, {}, [])
    for change in doc["resource_changes"]:
        change["change"]["actions"] = ["no-op"]
        change["change"]["before"] = change["change"]["after"]
    address = f"{rtype}.ssh"
    before = RULES[rtype]("0.0.0.0/0")
    if action == "delete":
        change = {"actions": ["delete"], "before": before, "after": None}
    else:
        after = RULES[rtype]("10.0.0.0/8")
        doc["planned_values"]["root_module"]["resources"].append(resource(address, after))
        change = {"actions": ["delete", "create"], "before": before, "after": after, "after_unknown": {}}
    doc["resource_changes"].append({"address": address, "type": rtype, "name": "ssh", "change": change})
    return doc


@pytest.mark.parametrize("action", ["delete", "replace"])
@pytest.mark.parametrize("rtype", sorted(RULES))
def test_a_rule_resource_the_plan_deletes_or_narrows_leaves_the_parent(rtype: str, action: str) -> None:
    result = load_terraform_document(_rule_plan(rtype, action), filename="plan.json")
    n = result.network
    if rtype == "aws_network_acl_rule":
        inbound = {(e.rule_number, e.cidr_block) for e in n.network_acls[ACL_ID].entries if not e.egress}
        ssh = {cidr for number, cidr in inbound if number == 100}
        assert (200, "0.0.0.0/0") in inbound  # the ACL's own inline rule stays
    else:
        rules = {(r.from_port, r.cidr_ipv4) for r in n.security_groups[SG_ID].ingress}
        ssh = {cidr for port, cidr in rules if port == 22}
        assert (443, "0.0.0.0/0") in rules  # the group's own inline rule stays
    assert ssh == (set() if action == "delete" else {"10.0.0.0/8"})
    # Reading the old rule to subtract it reports nothing.
    assert "VPCSIM_TF_UNRESOLVED" not in codes(result)


def test_mixing_inline_rules_and_rule_resources_is_warned_from_the_configuration() -> None:
    doc = _rule_plan("aws_vpc_security_group_ingress_rule", "replace")
    doc["configuration"]["root_module"]["resources"] = [
        config("aws_security_group.web", {"ingress": [{"from_port": {"constant_value": 443}}]}),
        config("aws_network_acl.main", {"vpc_id": {"constant_value": VPC_ID}}),
    ]
    result = load_terraform_document(doc, filename="plan.json")
    mixed = [p for p in result.warnings if p.code == "VPCSIM_TF_MIXED_RULES"]
    assert [p.message.split(":")[0] for p in mixed] == ["aws_security_group.web"]
    assert "aws_vpc_security_group_ingress_rule.ssh" in mixed[0].message
    assert mixed[0].location.path == "$.planned_values.root_module.resources[1]"


# ---------------------------------------------------------------------------- transit gateways and endpoints

APP_HOST, APP_FAR, DATA_HOST = "i-0a1a1a1a1a1a1a1e1", "i-0a1a1a1a1a1a1a1e3", "i-0b2b2b2b2b2b2b2e1"


@pytest.fixture(scope="module")
def transit() -> LoadResult:
    return load_terraform(FIXTURES / "state_transit.json")


def test_state_transit_gateway_resources(transit: LoadResult) -> None:
    net = transit.network
    assert not transit.warnings and not transit.skipped
    default = net.transit_gateway_route_tables["tgw-rtb-0c3c3c3c3c3c3c3c2"]
    isolated = net.transit_gateway_route_tables["tgw-rtb-0c3c3c3c3c3c3c3c5"]
    app, data, peer = (
        "tgw-attach-0c3c3c3c3c3c3c3c3",
        "tgw-attach-0c3c3c3c3c3c3c3c4",
        "tgw-attach-0c3c3c3c3c3c3c3c6",
    )
    # data's attachment opts out of the default association and is associated with "isolated"
    assert (default.associations, default.propagations) == ([app], [app, data])
    assert (isolated.associations, isolated.propagations) == ([data], [app])
    assert net.transit_gateway_attachments[data].appliance_mode_support
    assert net.transit_gateway_attachments[peer].state == "available"  # its accepter is in the input
    assert [(r.destination, r.blackhole) for r in default.routes] == [
        ("10.20.9.0/24", True),
        ("10.99.0.0/16", False),
    ]
    s3 = net.vpc_endpoints["vpce-0e5e5e5e5e5e5e5e1"]
    assert s3.route_table_ids == ["rtb-0a1a1a1a1a1a1a1a2"]
    main = net.route_tables["rtb-0a1a1a1a1a1a1a1a2"]
    assert ("pl-68a54001", "vpce-0e5e5e5e5e5e5e5e1") in [(r.destination, r.target) for r in main.routes]
    ssm = net.vpc_endpoints["vpce-0e5e5e5e5e5e5e5e2"]
    assert (ssm.vpc_endpoint_type, ssm.subnet_ids, ssm.group_ids) == (
        "Interface",
        ["subnet-0b2b2b2b2b2b2b2c1"],
        ["sg-0b2b2b2b2b2b2b2d1"],
    )


@pytest.mark.parametrize(
    ("src", "dst", "port", "verdict", "blockers"),
    [
        (APP_HOST, DATA_HOST, 22, "reachable", []),
        (DATA_HOST, APP_HOST, 22, "reachable", []),
        (APP_FAR, DATA_HOST, 22, "unreachable", ["TGW_ROUTE_AZ_RESTRICTION"]),
        (APP_HOST, "10.20.9.5", 22, "unreachable", ["TGW_RTB_MORE_SPECIFIC_ROUTE"]),
        (APP_HOST, "52.218.130.1", 443, "reachable", []),
        (DATA_HOST, "52.218.130.1", 443, "unreachable", ["NO_ROUTE_TO_DESTINATION"]),
    ],
)
def test_state_transit_traces(
    transit: LoadResult, src: str, dst: str, port: int, verdict: str, blockers: list[str]
) -> None:
    result = vpcsim.trace(transit.network, src, dst, port=port)
    assert (result.verdict, result.codes) == (verdict, blockers)
