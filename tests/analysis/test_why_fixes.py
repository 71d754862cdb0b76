"""why's fixes are right: they name the traffic the user asked about, use what the network already
has, sit where the packet took the wrong turn, and -- applied from their published parameters --
open the path with every change needed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.support.builders import ANYWHERE, public_private_vpc, security_group
from tests.support.cli import CliRunner
from tests.support.transit import hub, reference_across
from tests.support.why_changes import assert_fix_opens_and_each_change_is_needed, trace_with

from vpcsim import Network
from vpcsim.analysis import why
from vpcsim.analysis.why import WhyResult
from vpcsim.engine import make_flow, trace
from vpcsim.model import Instance, RouteTable, Subnet

REAL_CLIENTS = ("8.8.8.8", "1.1.1.1", "203.0.113.77", "52.94.76.10")


def _locked_web_server() -> tuple[Network, Instance]:
    """A public instance whose group allows nothing in and whose subnet's ACL denies everything."""
    net = Network(seed="locked-web")
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    rt = net.create_route_table(vpc)
    net.create_route(rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(rt, subnet)
    acl = net.create_network_acl(vpc)
    net.replace_network_acl_association(subnet, acl)
    sg = security_group(net, vpc, "nothing-in")
    web = net.run_instance(subnet, name="web", groups=[sg], associate_public_ip_address=True)
    return net, web


# ---------------------------------------------------------------------------- item 4: the internet


@pytest.mark.parametrize("protocol, port", [("tcp", 443), ("udp", 53), ("icmp", None)])
def test_fixes_for_the_internet_name_the_internet(protocol: str, port: int | None) -> None:
    net, web = _locked_web_server()
    result = why(net, make_flow(net, "internet", web.instance_id, protocol=protocol, port=port))
    assert result.opens
    filters = [c for c in result.changes if c.code in ("ENI_SG_RULES_MISMATCH", "SUBNET_ACL_RESTRICTION")]
    assert {c.action for c in filters} == {"AuthorizeSecurityGroupIngress", "CreateNetworkAclEntry"}
    peers = {dict(c.parameters).get("CidrIp", dict(c.parameters).get("CidrBlock")) for c in filters}
    assert peers == {ANYWHERE}
    assert all("198.51.100.1" not in c.command for c in result.changes)
    # Applied from the published parameters, the fixes open the path for every real client.
    for client in REAL_CLIENTS:
        flow = make_flow(net, client, web.instance_id, protocol=protocol, port=port)
        fixed = trace_with(net, WhyResult(flow, "unreachable", flow_after=flow), result.changes)
        assert fixed is not None and fixed.reachable, client
    assert_fix_opens_and_each_change_is_needed(net, result)


def test_fixes_for_one_internet_host_name_that_host() -> None:
    net, web = _locked_web_server()
    result = why(net, make_flow(net, "internet:8.8.8.8", web.instance_id, protocol="tcp", port=443))
    peers = {dict(c.parameters).get("CidrIp", dict(c.parameters).get("CidrBlock")) for c in result.changes}
    assert peers == {"8.8.8.8/32"}
    assert_fix_opens_and_each_change_is_needed(net, result)


def test_trace_fix_text_names_the_internet() -> None:
    net, web = _locked_web_server()
    blocked = trace(net, make_flow(net, "internet", web.instance_id, protocol="tcp", port=443))
    assert blocked.blockers and all("198.51.100.1/32" not in b.fix for b in blocked.blockers)
    assert any("0.0.0.0/0" in b.fix for b in blocked.blockers)


# ---------------------------------------------------------------------------- item 5: public addresses


def test_a_public_address_the_instance_has_is_used_not_added() -> None:
    p = public_private_vpc()
    bastion_eni = p.net.primary_network_interface(p.bastion.instance_id)
    flow = make_flow(p.net, "internet", bastion_eni.private_ip_address, protocol="tcp", port=22)
    blocked = trace(p.net, flow)
    assert [b.code for b in blocked.blockers] == ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]
    assert f"public address {bastion_eni.public_ip}" in blocked.blockers[0].fix
    result = why(p.net, flow)
    assert [(c.action, c.verified) for c in result.changes] == [("UsePublicAddress", True)]
    assert dict(result.changes[0].parameters)["PublicIp"] == bastion_eni.public_ip
    assert result.flow_after is not None and result.flow_after.destination == bastion_eni.public_ip
    assert result.opens
    assert_fix_opens_and_each_change_is_needed(p.net, result)


@pytest.mark.parametrize("source, reply_route", [("internet", ANYWHERE), ("internet:8.8.8.8", "8.8.8.8/32")])
def test_a_private_instance_behind_a_nat_gateway_needs_the_reply_route_too(
    source: str, reply_route: str
) -> None:
    """An Elastic IP alone: the reply leaves through the NAT gateway (VPCSIM_ASYMMETRIC_REPLY). The
    fix routes the client to the internet gateway from the instance's subnet."""
    p = public_private_vpc()
    p.net.authorize_security_group_ingress(p.app_sg, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    app_ip = p.net.primary_network_interface(p.app.instance_id).private_ip_address
    result = why(p.net, make_flow(p.net, source, app_ip, protocol="tcp", port=22))
    assert result.opens
    actions = {c.action: c for c in result.changes}
    assert set(actions) == {"AssociateAddress", "ReplaceRoute" if reply_route == ANYWHERE else "CreateRoute"}
    route = actions.get("ReplaceRoute") or actions["CreateRoute"]
    params = dict(route.parameters)
    assert params["RouteTableId"] == p.private_rt.route_table_id
    assert params["DestinationCidrBlock"] == reply_route
    assert params["Target"] == p.igw.internet_gateway_id
    assert "VPCSIM_ASYMMETRIC_REPLY" in [f.blocker.code for f in result.blockers]
    assert_fix_opens_and_each_change_is_needed(p.net, result)
    # The Elastic IP alone leaves the reply asymmetric.
    alone = trace_with(p.net, result, [actions["AssociateAddress"]])
    assert alone is not None
    assert [b.code for b in alone.blockers] == ["VPCSIM_ASYMMETRIC_REPLY"]


# ---------------------------------------------------------------------------- item 11: where the fix goes


@dataclass(frozen=True)
class NatBehindMain:
    net: Network
    main: RouteTable
    nat_subnet: Subnet
    bystander: Subnet
    app: Instance


def _nat_gateway_on_a_main_table_without_internet_route() -> NatBehindMain:
    """The NAT gateway's subnet uses the main table, which has no route to the internet gateway;
    another subnet shares the main table; a second NAT gateway sits in a proper public subnet."""
    net = Network(seed="nat-behind-main")
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    nat_subnet = net.create_subnet(vpc, "10.0.1.0/24", name="nat-subnet")
    bystander = net.create_subnet(vpc, "10.0.9.0/24", name="bystander")
    public = net.create_subnet(vpc, "10.0.2.0/24", name="public")
    public_rt = net.create_route_table(vpc)
    net.create_route(public_rt, ANYWHERE, igw.internet_gateway_id)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(nat_subnet)
    net.create_nat_gateway(public)
    private = net.create_subnet(vpc, "10.0.3.0/24", name="private")
    private_rt = net.create_route_table(vpc)
    net.create_route(private_rt, ANYWHERE, nat.nat_gateway_id)
    net.associate_route_table(private_rt, private)
    sg = security_group(net, vpc, "out", egress=[{"ip_protocol": "-1", "cidr_ipv4": ANYWHERE}])
    app = net.run_instance(private, name="app", groups=[sg])
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    return NatBehindMain(net, main, nat_subnet, bystander, app)


def test_a_nat_gateway_without_internet_route_gets_an_internet_gateway_route() -> None:
    s = _nat_gateway_on_a_main_table_without_internet_route()
    result = why(s.net, make_flow(s.net, "app", "8.8.8.8", protocol="tcp", port=443))
    assert result.opens
    assert len(result.changes) == 1
    change = result.changes[0]
    params = dict(change.parameters)
    assert (change.action, params["RouteTableId"]) == ("CreateRoute", s.main.route_table_id)
    assert params["Target"].startswith("igw-"), "no chaining of NAT gateways"
    # The main table is shared: the change says which other subnets it alters.
    assert s.bystander.subnet_id in change.affects
    assert s.nat_subnet.subnet_id not in change.affects
    assert_fix_opens_and_each_change_is_needed(s.net, result)


@pytest.mark.parametrize("public_default_route", [True, False])
def test_a_wrong_turn_is_fixed_where_it_is_taken(public_default_route: bool) -> None:
    """The private subnet's default route sends traffic for a peered VPC to the NAT gateway: the
    peering route belongs in the private table, not the public one behind the NAT gateway."""
    p = public_private_vpc()
    if not public_default_route:
        p.net.delete_route(p.public_rt, ANYWHERE)
        p.net.create_route(p.public_rt, "8.8.8.0/24", p.igw.internet_gateway_id)
    vpc_b = p.net.create_vpc("10.1.0.0/16")
    subnet_b = p.net.create_subnet(vpc_b, "10.1.1.0/24")
    pcx = p.net.create_vpc_peering_connection(p.vpc, vpc_b, accept=True)
    main_b = p.net.main_route_table(vpc_b.vpc_id)
    assert main_b is not None
    p.net.create_route(main_b, "10.0.0.0/16", pcx.vpc_peering_connection_id)
    sg_b = security_group(p.net, vpc_b, "from-a", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "10.0.0.0/8"}])
    b = p.net.run_instance(subnet_b, name="b", groups=[sg_b])
    p.net.authorize_security_group_egress(p.app_sg, ip_protocol="-1", cidr_ipv4=ANYWHERE)
    result = why(p.net, make_flow(p.net, p.app.instance_id, b.instance_id, protocol="icmp"))
    assert result.opens
    routes = [dict(c.parameters) for c in result.changes if c.action in ("CreateRoute", "ReplaceRoute")]
    assert routes == [
        {
            "RouteTableId": p.private_rt.route_table_id,
            "DestinationCidrBlock": "10.1.0.0/16",
            "Target": pcx.vpc_peering_connection_id,
        }
    ]
    assert_fix_opens_and_each_change_is_needed(p.net, result)


# ---------------------------------------------------------------------------- the CLI


def test_cli_prints_verified_fixes_apart_from_advice(cli: CliRunner) -> None:
    run = cli("why", "bastion-nat", "--from", "internet", "--to", "app", "--port", "22", "--json")
    assert run.status == 1 and run.json["opens"] is True
    assert all(c["verified"] for c in run.json["changes"])
    assert run.json["flow_after"]["destination"] != run.json["flow"]["destination"]
    sg = [c for c in run.json["changes"] if c["action"] == "AuthorizeSecurityGroupIngress"]
    assert [c["parameters"]["CidrIp"] for c in sg] == ["0.0.0.0/0"]
    run = cli("why", "bastion-nat", "--from", "internet", "--to", "app", "--port", "22")
    assert "changes that open the path (applied to a copy and traced again; each one is needed):" in run.out
    assert "advice" not in run.out
    # What the model cannot try is advice, never a fix.
    run = cli("why", "bastion-nat", "--from", "internet", "--to", "203.0.113.100", "--port", "22")
    assert run.status == 1 and "advice (not verified: the path stays closed):" in run.out


def test_a_shared_network_acl_change_names_the_other_subnets() -> None:
    p = public_private_vpc()
    acl = p.net.create_network_acl(p.vpc)
    p.net.replace_network_acl_association(p.public, acl)
    p.net.replace_network_acl_association(p.private, acl)
    bastion_ip = p.net.primary_network_interface(p.bastion.instance_id).public_ip
    result = why(p.net, make_flow(p.net, "internet", bastion_ip, protocol="tcp", port=22))
    acl_changes = [c for c in result.changes if c.action == "CreateNetworkAclEntry"]
    assert acl_changes and all(c.affects == (p.private.subnet_id,) for c in acl_changes)
    assert_fix_opens_and_each_change_is_needed(p.net, result)


# ---------------------------------------------------------------------------- transit gateways


def test_a_group_reference_across_a_transit_gateway_is_fixed_by_its_options() -> None:
    """SG_REFERENCING_SUPPORT: the fix enables the option on every resource that lacks it (the
    gateway, an attachment), not a CIDR rule; applied from its parameters it opens the path."""
    h = hub()
    reference_across(h)
    a_att = h.a.attachment.transit_gateway_attachment_id
    h.a.attachment.security_group_referencing_support = False
    h.net.touch()
    flow = make_flow(h.net, h.a.instance.instance_id, h.b.instance.instance_id, protocol="tcp", port=22)
    result = why(h.net, flow)
    assert result.opens
    assert [(c.action, c.component) for c in result.fixes] == [
        ("ModifyTransitGateway", h.tgw.transit_gateway_id),
        ("ModifyTransitGatewayVpcAttachment", a_att),
    ]
    assert all(
        dict(c.parameters)["Options"] == {"SecurityGroupReferencingSupport": "enable"} for c in result.fixes
    )
    assert [f.blocker.code for f in result.blockers] == ["SG_REFERENCING_SUPPORT"] * 2
    assert {f.step for f in result.blockers} == {(1, "security groups")}
    assert_fix_opens_and_each_change_is_needed(h.net, result)


def test_no_return_route_to_the_transit_gateway_is_fixed_by_that_route() -> None:
    """The reply's missing route back to the gateway (the trace's detail
    RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY, blocker NO_ROUTE_TO_DESTINATION on the return
    path): the fix is the route for the client's VPC to the gateway in the destination's table."""
    h = hub()
    main_b = h.net.main_route_table(h.b.vpc.vpc_id)
    assert main_b is not None
    h.net.delete_route(main_b, "10.0.0.0/8")
    h.net.create_route(main_b, h.c.vpc.cidr_block, h.tgw.transit_gateway_id)
    flow = make_flow(h.net, h.a.instance.instance_id, h.b.instance.instance_id, protocol="tcp", port=22)
    result = why(h.net, flow)
    assert result.opens
    assert [(c.action, dict(c.parameters)) for c in result.fixes] == [
        (
            "CreateRoute",
            {
                "RouteTableId": main_b.route_table_id,
                "DestinationCidrBlock": h.a.vpc.cidr_block,
                "Target": h.tgw.transit_gateway_id,
            },
        )
    ]
    assert_fix_opens_and_each_change_is_needed(h.net, result)
