"""The analyses through transit gateways and VPC endpoints: reach, matrix, check (with a policy
naming an endpoint), diff and exposure's completeness."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.builders import security_group
from tests.support.paths import FIXTURES
from tests.support.transit import hub

import vpcsim
from vpcsim.analysis import check, diff, matrix, reach
from vpcsim.analysis.incomplete import incomplete_of
from vpcsim.formats.aws import load_aws
from vpcsim.formats.policy import read_policy
from vpcsim.formats.problems import InputError


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_reach_follows_the_transit_gateway() -> None:
    h = hub()
    result = reach(h.net, h.a.instance.instance_id, h.b.instance.instance_id)
    assert [e.traffic for e in result.allowed] and not result.unknown
    h.net.disable_transit_gateway_route_table_propagation(h.table, h.b.attachment)
    assert not reach(h.net, h.a.instance.instance_id, h.b.instance.instance_id).allowed


def test_matrix_joins_vpcs_through_the_transit_gateway() -> None:
    h = hub()
    names = {i: h.net.instances[i].name for i in h.net.instances}
    cells = {(names[c.source], names[c.destination]) for c in matrix(h.net, by="instance").cells if c.allowed}
    assert {("a-host", "b-host"), ("b-host", "c-host"), ("c-host", "a-host")} <= cells


def test_diff_sees_a_transit_gateway_change() -> None:
    before = hub().net
    after = hub().net
    table = next(iter(after.transit_gateway_route_tables.values()))
    b_attachment = next(
        a for a in after.transit_gateway_attachments.values() if after.vpcs[a.resource_id].name == "b"
    )
    after.disable_transit_gateway_route_table_propagation(table, b_attachment)
    result = diff(before, after)
    assert result.status == "changed"
    b_host = next(i for i, inst in after.instances.items() if inst.name == "b-host")
    blocked = {(p.source, p.destination) for p in result.pairs if p.newly_blocked}
    # the instances of A and C lose B (their replies from B are lost too), nothing else changes
    others = sorted(i for i in after.instances if i != b_host)
    assert blocked == {(o, b_host) for o in others} | {(b_host, o) for o in others}


def test_check_a_policy_naming_an_interface_endpoint(tmp_path: Path) -> None:
    h = hub()
    group = security_group(
        h.net,
        h.b.vpc,
        "endpoint",
        ingress=[{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "10.1.0.0/16"}],
    )
    endpoint = h.net.create_vpc_endpoint(
        h.b.vpc,
        "com.amazonaws.us-east-1.ssm",
        vpc_endpoint_type="Interface",
        subnets=[h.b.work],
        groups=[group],
        name="ssm",
    )
    text = f"""\
version: 1
endpoints:
  ssm: {{endpoint: {endpoint.vpc_endpoint_id}}}
assertions:
  - name: A reaches SSM over the transit gateway
    from: {{vpc: a}}
    to: ssm
    allow: [tcp/443]
    only: [tcp/443]
  - name: C may not reach SSM
    from: {{vpc: c}}
    to: ssm
    deny: all
  - name: by Name tag
    from: a-host
    to: ssm
    allow: [tcp/443]
"""
    policy, lines = read_policy(_policy(tmp_path, text))
    result = check(h.net, policy, lines=lines)
    assert [(a.name, a.status) for a in result.assertions] == [
        ("A reaches SSM over the transit gateway", "pass"),
        ("C may not reach SSM", "pass"),
        ("by Name tag", "pass"),
    ]


def test_a_gateway_endpoint_has_no_interface_to_name(tmp_path: Path) -> None:
    h = hub()
    s3 = h.net.create_managed_prefix_list("com.amazonaws.us-east-1.s3", ["52.216.0.0/15"])
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    endpoint = h.net.create_vpc_endpoint(
        h.a.vpc, s3.prefix_list_name, route_tables=[main], prefix_list_id=s3.prefix_list_id
    )
    text = f"""\
version: 1
assertions:
  - name: x
    from: all
    to: {endpoint.vpc_endpoint_id}
    deny: all
"""
    policy, lines = read_policy(_policy(tmp_path, text))
    with pytest.raises(InputError) as info:
        check(h.net, policy, lines=lines)
    assert "Gateway endpoint: it has no network interface" in str(info.value)


@pytest.mark.parametrize("name", ["test-transit-gateway", "test-vpc-endpoint-gateway"])
def test_snapshots_with_transit_gateways_and_endpoints_are_complete(name: str) -> None:
    """Nothing about them is skipped any more, and the list of endpoint services (ServiceDetails:
    what an account could connect to, not endpoints it has) carries no traffic: exposure, diff
    and check call neither incomplete."""
    from vpcsim.analysis import exposure

    loaded = load_aws(FIXTURES / "aws" / name)
    items = incomplete_of(loaded.network, loaded.skipped)
    assert items == []
    assert exposure(loaded.network, skipped=loaded.skipped).incomplete == ()


def test_a_missing_route_to_a_vpc_on_the_same_gateway_is_fixed_with_a_route_to_it() -> None:
    """Not DISCONNECTED_VPCS: the two VPCs share a transit gateway; why adds the route and
    verifies it opens the flow."""
    h = hub()
    main = h.net.main_route_table(h.a.vpc.vpc_id)
    assert main is not None
    h.net.delete_route(main, "10.0.0.0/8")
    tgw = h.tgw.transit_gateway_id
    result = vpcsim.trace(h.net, h.a.instance.instance_id, h.b.instance.instance_id, port=22)
    assert [(b.code, b.fix) for b in result.blockers] == [
        ("NO_ROUTE_TO_DESTINATION", f"add a route {h.b.vpc.cidr_block} -> {tgw} to {main.route_table_id}")
    ]
    why = vpcsim.why(h.net, h.a.instance.instance_id, h.b.instance.instance_id, port=22)
    assert why.opens and [dict(c.parameters)["Target"] for c in why.changes] == [tgw]
    assert "--transit-gateway-id" in why.changes[0].command
