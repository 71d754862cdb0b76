"""The tutorial's behaviours, each a scenario traced through ``vpcsim.trace``.

Every test asserts the verdict and the exact blockers (code, component, path, direction, ports),
so that a regression in what the user is told -- not only in the yes/no -- fails here.
"""

from __future__ import annotations

import pytest
from tests.support.builders import (
    ANYWHERE,
    INTERNET_HOST,
    LINUX_PORTS,
    NAT_PORTS,
    WINDOWS_PORTS,
    AclRule,
    B,
    acl_of,
    blockers,
    common_scenario,
    custom_acl,
    dual_homed,
    eni_of,
    hop_ids,
    locked_down,
    private_ip,
    public_ip,
    public_private_vpc,
    replace_rules,
    steps,
    tutorial_vpc,
    two_vpcs,
)

import vpcsim
from vpcsim import Network

INTERNET = f"internet:{INTERNET_HOST}"


# ---------------------------------------------------------------------------------- VPCs and subnets


def test_default_vpc_instance_gets_a_public_ip_and_reaches_the_internet() -> None:
    net = Network(seed="default-vpc")
    vpc = net.create_default_vpc(availability_zones=3)
    subnets = sorted((s for s in net.subnets.values() if s.vpc_id == vpc.vpc_id), key=lambda s: s.cidr_block)
    assert [s.cidr_block for s in subnets] == ["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]
    instance = net.run_instance(subnets[1], name="ec2")
    assert private_ip(net, instance) == "172.31.16.4"
    public_ip(net, instance)  # MapPublicIpOnLaunch: the default subnet gave it one

    result = vpcsim.trace(net, instance, INTERNET, port=443)
    assert result.verdict == "reachable"
    assert result.blockers == ()
    assert hop_ids(result)[-1] == "internet"


def test_two_instances_in_different_subnets_ping_by_private_ip() -> None:
    t = tutorial_vpc()
    net = t.net
    assert t.subnet_a.availability_zone != t.subnet_b.availability_zone
    result = vpcsim.trace(net, t.web1, private_ip(net, t.web2), protocol="icmp")
    assert result.verdict == "reachable"
    assert result.blockers == ()
    # The local route carries it: through public-a's route table, into public-b.
    route_steps = steps(result, "route")
    assert [s.rule for s in route_steps] == ["10.0.0.0/16 -> local"]
    assert hop_ids(result)[-1] == eni_of(net, t.web2).network_interface_id
    # The reply (an echo reply) comes back the same way.
    assert hop_ids(result, "return")[-1] == eni_of(net, t.web1).network_interface_id
    assert vpcsim.trace(net, t.web2, private_ip(net, t.web1), protocol="icmp").verdict == "reachable"


# ---------------------------------------------------------------------------------- internet gateway


def test_public_ip_plus_route_plus_attached_igw_reaches_the_internet() -> None:
    t = tutorial_vpc()
    net = t.net
    result = vpcsim.trace(net, t.web1, INTERNET, protocol="icmp")
    assert result.verdict == "reachable"
    assert result.reachable is True
    nat = steps(result, "nat")
    assert len(nat) == 1 and nat[0].component == t.igw.internet_gateway_id
    assert nat[0].before is not None and nat[0].after is not None
    assert (nat[0].before.source, nat[0].after.source) == (private_ip(net, t.web1), public_ip(net, t.web1))
    assert hop_ids(result)[-2:] == [t.igw.internet_gateway_id, "internet"]
    assert hop_ids(result, "return")[0] == "internet"


def test_without_a_public_ip_the_igw_drops_egress() -> None:
    t = tutorial_vpc(public_ips=False)
    result = vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [
        B("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", t.igw.internet_gateway_id, "forward")
    ]
    assert eni_of(t.net, t.web1).network_interface_id in result.blockers[0].fix


def test_without_a_route_to_the_igw_there_is_no_route() -> None:
    t = tutorial_vpc(igw_route=False)
    result = vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", t.public_rt.route_table_id, "forward")]


def test_with_the_igw_detached_the_route_is_a_bad_attachment() -> None:
    t = tutorial_vpc(attach_igw=False)
    result = vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("BAD_STATE_ATTACHMENT", t.igw.internet_gateway_id, "forward")]


def test_detaching_the_igw_later_also_breaks_egress() -> None:
    t = tutorial_vpc()
    t.net.detach_internet_gateway(t.igw)
    result = vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp")
    assert blockers(result) == [B("BAD_STATE_ATTACHMENT", t.igw.internet_gateway_id, "forward")]


def test_with_the_igw_deleted_its_route_is_a_blackhole() -> None:
    t = tutorial_vpc()
    del t.net.internet_gateways[t.igw.internet_gateway_id]
    t.net.touch()
    result = vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("BAD_STATE_ROUTE", t.public_rt.route_table_id, "forward")]


def test_the_three_internet_failures_have_three_different_codes() -> None:
    setups = (tutorial_vpc(public_ips=False), tutorial_vpc(igw_route=False), tutorial_vpc(attach_igw=False))
    codes = {tuple(vpcsim.trace(t.net, t.web1, INTERNET, protocol="icmp").codes) for t in setups}
    assert len(codes) == 3


def test_internet_reaches_a_public_instance_only_on_its_public_ip() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    assert vpcsim.trace(net, "internet", t.web1, port=22).verdict == "reachable"
    result = vpcsim.trace(net, "internet", private_ip(net, t.web1), port=22)
    assert blockers(result) == [
        B("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", t.igw.internet_gateway_id, "forward")
    ]


def test_internet_to_an_instance_without_public_ip_is_refused_at_the_igw() -> None:
    t = tutorial_vpc(public_ips=False, firewall="ssh")
    result = vpcsim.trace(t.net, "internet", t.web1, port=22)
    assert blockers(result) == [
        B("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", t.igw.internet_gateway_id, "forward")
    ]


def test_internet_to_a_public_ip_in_a_subnet_without_igw_route_fails_on_the_return() -> None:
    t = tutorial_vpc(igw_route=False, firewall="ssh")
    result = vpcsim.trace(t.net, "internet", t.web1, port=22)
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", t.public_rt.route_table_id, "return")]


# ---------------------------------------------------------------------------------- NAT gateway and bastion


def test_private_subnet_reaches_the_internet_through_the_nat_gateway() -> None:
    p = public_private_vpc()
    net = p.net
    result = vpcsim.trace(net, p.app, INTERNET, port=443)
    assert result.verdict == "reachable"
    ids = hop_ids(result)
    assert ids.index(p.nat.nat_gateway_id) < ids.index(p.igw.internet_gateway_id) < ids.index("internet")
    nat_steps = steps(result, "nat")
    assert [s.component for s in nat_steps] == [p.nat.nat_gateway_id, p.igw.internet_gateway_id]
    snat, igw_nat = nat_steps
    assert snat.before is not None and snat.after is not None
    assert snat.before.source == private_ip(net, p.app)
    assert snat.after.source == p.nat.private_ip
    assert snat.after.source_ports == (NAT_PORTS,)
    assert igw_nat.after is not None and igw_nat.after.source == p.nat.public_ip
    # The reply is translated back to the app's own address and client ports.
    back = steps(result, "nat", "return")
    assert back[-1].after is not None
    assert back[-1].after.destination == private_ip(net, p.app)
    assert back[-1].after.destination_ports == (LINUX_PORTS,)
    assert hop_ids(result, "return")[-1] == eni_of(net, p.app).network_interface_id


def test_private_subnet_without_the_nat_route_has_no_internet() -> None:
    p = public_private_vpc(nat_route=False)
    result = vpcsim.trace(p.net, p.app, INTERNET, port=443)
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", p.private_rt.route_table_id, "forward")]


def test_the_internet_cannot_reach_the_private_instance() -> None:
    p = public_private_vpc()
    result = vpcsim.trace(p.net, "internet", p.app, port=22)
    assert result.verdict == "unreachable"
    assert blockers(result) == [
        B("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", p.igw.internet_gateway_id, "forward")
    ]


def test_the_nat_gateway_accepts_no_connection_from_the_internet() -> None:
    p = public_private_vpc()
    assert p.nat.public_ip is not None
    result = vpcsim.trace(p.net, "internet", p.nat.public_ip, port=22)
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("VPCSIM_NAT_GATEWAY_NO_INBOUND", p.nat.nat_gateway_id, "forward")]


def test_bastion_reaches_the_private_instance_on_ssh() -> None:
    p = public_private_vpc()
    result = vpcsim.trace(p.net, p.bastion, p.app, port=22)
    assert result.verdict == "reachable"
    # Allowed by the group reference to the bastion's group.
    allows = [s for s in steps(result, "security-group") if s.direction == "inbound"]
    assert [s.component for s in allows] == [p.app_sg.group_id]


def test_the_internet_reaches_only_the_bastion() -> None:
    p = public_private_vpc()
    net = p.net
    assert vpcsim.trace(net, "internet", p.bastion, port=22).verdict == "reachable"
    assert vpcsim.trace(net, "internet", p.app, port=22).verdict == "unreachable"
    # SSH to the app is only for the bastion's group: not for other instances of the VPC either.
    other = net.run_instance(p.public, name="other", associate_public_ip_address=True)
    result = vpcsim.trace(net, other, p.app, port=22)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", p.app_sg.group_id, "forward", "inbound")]


def test_a_public_ip_in_a_private_subnet_does_not_make_it_reachable() -> None:
    """ "Resources are private even if they have a public IP address": the request arrives, but the
    reply follows 0.0.0.0/0 to the NAT gateway and leaves from the NAT's Elastic IP, which the
    client never connected to."""
    p = public_private_vpc(app_public_ip=True)
    net = p.net
    net.authorize_security_group_ingress(p.app_sg, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    result = vpcsim.trace(net, "internet", p.app, port=22)
    assert result.verdict == "unreachable"
    assert [b.path for b in result.blockers] == ["return"]


def test_a_public_ip_in_a_subnet_without_internet_route_fails_on_the_return() -> None:
    p = public_private_vpc(app_public_ip=True, nat_route=False)
    net = p.net
    net.authorize_security_group_ingress(p.app_sg, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    result = vpcsim.trace(net, "internet", p.app, port=22)
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", p.private_rt.route_table_id, "return")]


# ---------------------------------------------------------------------------------- network ACLs


def test_default_network_acl_allows_everything_both_ways() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = acl_of(net, t.subnet_a)
    assert acl.is_default
    result = vpcsim.trace(net, "internet", t.web1, port=22)
    assert result.verdict == "reachable"
    assert [(s.component, s.direction, s.rule, s.action) for s in steps(result, "network-acl")] == [
        (acl.network_acl_id, "inbound", "100", "allow")
    ]
    assert [(s.direction, s.rule, s.action) for s in steps(result, "network-acl", "return")] == [
        ("outbound", "100", "allow")
    ]


def test_outbound_deny_breaks_ssh_from_the_internet_on_the_return_path() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = acl_of(net, t.subnet_a)
    replace_rules(net, acl, egress=True, rules=[AclRule(100, "deny")])
    result = vpcsim.trace(net, "internet", t.web1, port=22)
    assert result.verdict == "unreachable"
    # Inbound is allowed: the SYN reaches the instance; the SYN-ACK is dropped leaving the subnet.
    assert [(s.direction, s.action) for s in steps(result, "network-acl")] == [("inbound", "allow")]
    assert hop_ids(result)[-1] == eni_of(net, t.web1).network_interface_id
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "return", "outbound", (LINUX_PORTS,))
    ]
    assert [(s.rule, s.action) for s in steps(result, "network-acl", "return")] == [("100", "deny")]


def test_lowest_numbered_matching_rule_wins() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = acl_of(net, t.subnet_a)
    replace_rules(
        net, acl, egress=False, rules=[AclRule(100, "deny", "tcp", ports=(22, 22)), AclRule(200, "allow")]
    )
    denied = vpcsim.trace(net, "internet", t.web1, port=22)
    assert blockers(denied) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]
    assert [s.rule for s in steps(denied, "network-acl")] == ["100"]
    # Other ports fall through to rule 200.
    assert vpcsim.trace(net, "internet", t.web1, port=80).verdict == "reachable"

    replace_rules(
        net,
        acl,
        egress=False,
        rules=[AclRule(100, "allow", "tcp", ports=(22, 22)), AclRule(200, "deny", "tcp", ports=(22, 22))],
    )
    allowed = vpcsim.trace(net, "internet", t.web1, port=22)
    assert allowed.verdict == "reachable"
    assert [s.rule for s in steps(allowed, "network-acl")] == ["100"]


def test_star_rule_denies_what_no_rule_matches() -> None:
    t = tutorial_vpc()
    net = t.net
    acl = custom_acl(
        net,
        t.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow", "tcp", ports=(1024, 65535))],
    )
    assert vpcsim.trace(net, "internet", t.web1, port=22).verdict == "reachable"
    result = vpcsim.trace(net, "internet", t.web1, port=80)
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl.network_acl_id, "forward", "inbound")]
    assert [(s.rule, s.action) for s in steps(result, "network-acl")] == [("*", "deny")]
    # A new custom ACL with no rules denies everything.
    empty = custom_acl(net, t.subnet_b)
    result = vpcsim.trace(net, "internet", t.web2, port=22)
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", empty.network_acl_id, "forward", "inbound"),
        B("SUBNET_ACL_RESTRICTION", empty.network_acl_id, "return", "outbound", (LINUX_PORTS,)),
    ]


@pytest.fixture
def narrow_return() -> tuple[Network, str, str]:
    """web-1's subnet allows SSH in, but replies out only to ports 32768-40000."""
    t = tutorial_vpc()
    acl = custom_acl(
        t.net,
        t.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", ports=(22, 22))],
        outbound=[AclRule(100, "allow", "tcp", ports=(32768, 40000))],
    )
    return t.net, t.web1.instance_id, acl.network_acl_id


def test_a_return_range_narrower_than_the_client_ports_fails_partly(
    narrow_return: tuple[Network, str, str],
) -> None:
    net, web1, acl_id = narrow_return
    result = vpcsim.trace(net, "internet", web1, port=22)
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("SUBNET_ACL_RESTRICTION", acl_id, "return", "outbound", ((40001, 60999),))]
    assert result.blockers[0].to_dict()["ports"] == [[40001, 60999]]
    assert "40001-60999" in result.blockers[0].fix
    # The return path shows both decisions: rule 100 for 32768-40000, `*` for the rest.
    assert [(s.rule, s.action) for s in steps(result, "network-acl", "return")] == [
        ("100", "allow"),
        ("*", "deny"),
    ]


def test_client_port_ranges_change_what_fails(narrow_return: tuple[Network, str, str]) -> None:
    net, web1, acl_id = narrow_return
    windows = vpcsim.trace(net, "internet", web1, port=22, client_ports="windows")
    assert blockers(windows) == [B("SUBNET_ACL_RESTRICTION", acl_id, "return", "outbound", (WINDOWS_PORTS,))]
    assert vpcsim.trace(net, "internet", web1, port=22, client_ports="32768-40000").verdict == "reachable"
    assert vpcsim.trace(net, "internet", web1, port=22, client_ports=(33000, 34000)).verdict == "reachable"


@pytest.mark.parametrize(
    ("source_port", "verdict"),
    [
        (32768, "reachable"),
        (35000, "reachable"),
        (40000, "reachable"),
        (40001, "unreachable"),
        (50000, "unreachable"),
    ],
)
def test_pinned_source_port_inside_or_outside_the_return_range(
    narrow_return: tuple[Network, str, str], source_port: int, verdict: str
) -> None:
    net, web1, acl_id = narrow_return
    result = vpcsim.trace(net, "internet", web1, port=22, source_port=source_port)
    assert result.verdict == verdict
    if verdict == "unreachable":
        assert [(b.code, b.component, b.path, b.direction) for b in result.blockers] == [
            ("SUBNET_ACL_RESTRICTION", acl_id, "return", "outbound")
        ]


# ---------------------------------------------------------------------------------- security groups


def test_security_group_inbound_is_denied_by_default() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    assert t.sg.ingress == [] and len(t.sg.egress) == 1
    for result in (
        vpcsim.trace(net, "internet", t.web1, port=22),
        vpcsim.trace(net, t.web2, t.web1, protocol="icmp"),
    ):
        assert result.verdict == "unreachable"
        assert blockers(result) == [B("SG_HAS_NO_RULES", t.sg.group_id, "forward", "inbound")]


def test_security_groups_only_allow_and_rules_of_all_groups_unite() -> None:
    t = tutorial_vpc(firewall="none")
    net = t.net
    ssh = net.create_security_group(t.vpc, "ssh")
    net.authorize_security_group_ingress(ssh, ip_protocol="tcp", port=22, cidr_ipv4=ANYWHERE)
    # A group with no rule cannot take away what another group of the same ENI allows.
    eni = eni_of(net, t.web1)
    eni.groups = [t.sg.group_id, ssh.group_id]
    net.touch()
    assert vpcsim.trace(net, "internet", t.web1, port=22).verdict == "reachable"
    result = vpcsim.trace(net, "internet", t.web1, port=80)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "inbound")]
    assert not hasattr(ssh.ingress[0], "rule_action")  # no deny rules exist


def test_without_outbound_rules_inbound_ssh_still_works_but_ping_out_fails() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    net.revoke_security_group_egress(t.sg)
    assert t.sg.egress == []
    ssh = vpcsim.trace(net, "internet", t.web1, port=22)
    assert ssh.verdict == "reachable"  # stateful: the reply is tracked, not judged by egress rules
    assert [s.kind for s in steps(ssh, "conntrack", "return")] == ["conntrack"]
    ping = vpcsim.trace(net, t.web1, INTERNET, protocol="icmp")
    assert ping.verdict == "unreachable"
    assert blockers(ping) == [B("SG_HAS_NO_RULES", t.sg.group_id, "forward", "outbound")]


def test_an_outbound_rule_for_icmp_echo_makes_ping_work_and_nothing_else() -> None:
    t = tutorial_vpc(firewall="ssh")
    net = t.net
    net.revoke_security_group_egress(t.sg)
    net.authorize_security_group_egress(t.sg, ip_protocol="icmp", from_port=8, to_port=-1, cidr_ipv4=ANYWHERE)
    assert vpcsim.trace(net, t.web1, INTERNET, protocol="icmp").verdict == "reachable"
    for kwargs in (
        {"port": 443},
        {"port": 80},
        {"protocol": "udp", "port": 53},
        {"protocol": "icmp", "icmp_type": 13},
    ):
        result = vpcsim.trace(net, t.web1, INTERNET, **kwargs)
        assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", t.sg.group_id, "forward", "outbound")], kwargs
    assert vpcsim.trace(net, "internet", t.web1, port=22).verdict == "reachable"


# ---------------------------------------------------------------------------------- the common scenario


def test_common_scenario_members_ping_each_other() -> None:
    c = common_scenario()
    net = c.net
    for src, dst in ((c.server, c.other), (c.other, c.server)):
        result = vpcsim.trace(net, src, private_ip(net, dst), protocol="icmp")
        assert result.verdict == "reachable"
        sg_steps = steps(result, "security-group")
        assert [(s.component, s.direction) for s in sg_steps] == [
            (c.common.group_id, "outbound"),
            (c.common.group_id, "inbound"),
        ]
    # Any protocol among members, through the self-reference.
    assert vpcsim.trace(net, c.other, c.server, port=5432).verdict == "reachable"


def test_common_scenario_only_ssh_from_the_internet() -> None:
    c = common_scenario()
    net = c.net
    assert vpcsim.trace(net, "internet", c.other, port=22).verdict == "reachable"
    for kwargs in ({"port": 80}, {"port": 3306}, {"protocol": "icmp"}):
        result = vpcsim.trace(net, "internet", c.other, **kwargs)
        assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", c.common.group_id, "forward", "inbound")], (
            kwargs
        )


def test_a_non_member_gets_nothing_from_the_self_reference() -> None:
    c = common_scenario()
    net = c.net
    outsider = net.run_instance("public-a", name="outsider", groups=[c.web])
    result = vpcsim.trace(net, outsider, private_ip(net, c.other), port=80)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", c.common.group_id, "forward", "inbound")]


# ---------------------------------------------------------------------------------- two security groups


def test_two_groups_merge_and_only_the_web_server_serves_http() -> None:
    c = common_scenario()
    net = c.net
    for port in (22, 80, 443):
        assert vpcsim.trace(net, "internet", c.server, port=port).verdict == "reachable", port
    for port in (80, 443):
        result = vpcsim.trace(net, "internet", c.other, port=port)
        assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", c.common.group_id, "forward", "inbound")], port
    served = vpcsim.trace(net, "internet", c.server, port=443)
    assert [s.component for s in steps(served, "security-group")] == [c.web.group_id]


def test_only_the_web_server_reaches_the_internet_on_80_and_443() -> None:
    c = common_scenario()
    net = c.net
    for port in (80, 443):
        assert vpcsim.trace(net, c.server, INTERNET, port=port).verdict == "reachable", port
        result = vpcsim.trace(net, c.other, INTERNET, port=port)
        assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", c.common.group_id, "forward", "outbound")], (
            port
        )
    # Nothing else leaves, even from the web server.
    result = vpcsim.trace(net, c.server, INTERNET, port=22)
    assert blockers(result) == [B("ENI_SG_RULES_MISMATCH", c.common.group_id, "forward", "outbound")]
    # Members still talk to each other.
    assert vpcsim.trace(net, c.server, c.other, protocol="icmp").verdict == "reachable"


# ---------------------------------------------------------------------------------- dual-homed instance


def test_dual_homed_instance_sends_from_the_eni_in_the_destination_subnet() -> None:
    d = dual_homed()
    net = d.net
    assert d.eth0.subnet_id != d.eth1.subnet_id
    assert net.instances[d.dual.instance_id].network_interface_ids == [
        d.eth0.network_interface_id,
        d.eth1.network_interface_id,
    ]
    direct = vpcsim.trace(net, d.dual, d.db, port=22, from_eni=d.eth1.network_interface_id)
    assert direct.verdict == "reachable"
    assert direct.flow.source == d.eth1.private_ip_address
    # Same subnet: no route table and no network ACL on the way.
    assert hop_ids(direct) == [d.eth1.network_interface_id, eni_of(net, d.db).network_interface_id]
    assert steps(direct, "network-acl") == [] and steps(direct, "network-acl", "return") == []


def test_dual_homed_instance_from_its_front_eni_crosses_the_back_acl() -> None:
    d = dual_homed()
    net = d.net
    result = vpcsim.trace(net, d.dual, d.db, port=22, from_eni=d.eth0.network_interface_id)
    assert result.flow.source == d.eth0.private_ip_address
    assert blockers(result) == [
        B("SUBNET_ACL_RESTRICTION", d.back_acl.network_acl_id, "forward", "inbound"),
        B("SUBNET_ACL_RESTRICTION", d.back_acl.network_acl_id, "return", "outbound", (LINUX_PORTS,)),
    ]


def test_dual_homed_instance_is_reached_on_each_eni_address() -> None:
    d = dual_homed()
    net = d.net
    assert vpcsim.trace(net, d.db, d.eth1.private_ip_address, port=22).verdict == "reachable"
    via_front = vpcsim.trace(net, d.db, d.eth0.private_ip_address, port=22)
    assert [(b.code, b.path, b.direction) for b in via_front.blockers] == [
        ("SUBNET_ACL_RESTRICTION", "forward", "outbound"),
        ("SUBNET_ACL_RESTRICTION", "return", "inbound"),
    ]
    # Internet: only eth0 is in a subnet routed to the internet gateway.
    assert (
        vpcsim.trace(net, d.dual, INTERNET, port=443, from_eni=d.eth0.network_interface_id).verdict
        == "reachable"
    )
    back = vpcsim.trace(net, d.dual, INTERNET, port=443, from_eni=d.eth1.network_interface_id)
    assert "NO_ROUTE_TO_DESTINATION" in back.codes
    assert vpcsim.trace(net, "internet", d.dual, port=22).verdict == "reachable"


def test_from_eni_must_belong_to_the_source() -> None:
    d = dual_homed()
    net = d.net
    with pytest.raises(ValueError, match="eni-"):
        vpcsim.trace(
            net, d.dual, d.eth1.private_ip_address, port=22, from_eni=eni_of(net, d.db).network_interface_id
        )


# ---------------------------------------------------------------------------------- two VPCs


def test_two_vpcs_without_peering_cannot_talk() -> None:
    v = two_vpcs(peering=False)
    result = vpcsim.trace(v.net, v.a, v.b, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("DISCONNECTED_VPCS", v.rt_a.route_table_id, "forward")]
    assert v.vpc_b.vpc_id in result.blockers[0].detail


def test_two_vpcs_with_peering_and_routes_both_ways_talk() -> None:
    v = two_vpcs()
    net = v.net
    assert v.pcx is not None
    pcx = v.pcx.vpc_peering_connection_id
    for src, dst in ((v.a, v.b), (v.b, v.a)):
        result = vpcsim.trace(net, src, dst, protocol="icmp")
        assert result.verdict == "reachable"
        assert pcx in hop_ids(result) and pcx in hop_ids(result, "return")
    assert vpcsim.trace(net, v.a, v.b, port=22).verdict == "reachable"


def test_two_vpcs_with_a_route_on_one_side_only_fail_on_the_return() -> None:
    v = two_vpcs(route_b=False)
    net = v.net
    result = vpcsim.trace(net, v.a, v.b, protocol="icmp")
    assert result.verdict == "unreachable"
    assert blockers(result) == [B("NO_ROUTE_TO_DESTINATION", v.rt_b.route_table_id, "return")]
    # The request itself arrived.
    assert hop_ids(result)[-1] == eni_of(net, v.b).network_interface_id
    # From B's side, the request has no route at all.
    assert blockers(vpcsim.trace(net, v.b, v.a, protocol="icmp")) == [
        B("NO_ROUTE_TO_DESTINATION", v.rt_b.route_table_id, "forward")
    ]


def test_two_vpcs_without_peering_still_talk_over_public_ips() -> None:
    """Without peering the private addresses are unreachable, but two public instances meet
    through their internet gateways, as on the internet."""
    net = Network(seed="public-pair")
    pair = []
    for block, subnet_block in (("10.0.0.0/16", "10.0.1.0/24"), ("10.1.0.0/16", "10.1.1.0/24")):
        vpc = net.create_vpc(block)
        igw = net.create_internet_gateway()
        net.attach_internet_gateway(igw, vpc)
        main = net.main_route_table(vpc.vpc_id)
        assert main is not None
        net.create_route(main, ANYWHERE, igw.internet_gateway_id)
        sg = net.create_security_group(vpc, "open")
        net.authorize_security_group_ingress(sg, ip_protocol="-1", cidr_ipv4=ANYWHERE)
        pair.append(
            net.run_instance(
                net.create_subnet(vpc, subnet_block), groups=[sg], associate_public_ip_address=True
            )
        )
    a, b = pair
    assert vpcsim.trace(net, a, public_ip(net, b), protocol="icmp").verdict == "reachable"
    assert vpcsim.trace(net, a, private_ip(net, b), protocol="icmp").verdict == "unreachable"


def test_peered_groups_can_be_referenced_across_the_peering() -> None:
    v = two_vpcs()
    net = v.net
    sg_b = net.find_by_name("sg-b")[0]
    sg_a_id = eni_of(net, v.a).groups[0]
    net.revoke_security_group_ingress(sg_b.id)
    net.authorize_security_group_ingress(sg_b.id, ip_protocol="tcp", port=22, referenced_group_id=sg_a_id)
    assert vpcsim.trace(net, v.a, v.b, port=22).verdict == "reachable"
    assert blockers(vpcsim.trace(net, v.a, v.b, port=80)) == [
        B("ENI_SG_RULES_MISMATCH", sg_b.id, "forward", "inbound")
    ]


# ---------------------------------------------------------------------------------- VPC-provided services


@pytest.mark.parametrize(
    ("destination", "protocol", "port"),
    [
        ("10.0.0.2", "udp", 53),  # the resolver: the primary block's base + 2
        ("10.0.0.2", "tcp", 53),
        ("169.254.169.253", "udp", 53),
        ("169.254.169.254", "tcp", 80),  # instance metadata
        ("169.254.169.123", "udp", 123),  # Amazon Time Sync
    ],
)
def test_vpc_services_work_when_sgs_and_nacls_deny_everything(
    destination: str, protocol: str, port: int
) -> None:
    lock = locked_down()
    net = lock.net
    assert lock.sg.ingress == [] and lock.sg.egress == []
    # Everything else is denied...
    assert vpcsim.trace(net, lock.instance, INTERNET, port=443).verdict == "unreachable"
    # ...but the VPC's own services answer.
    result = vpcsim.trace(net, lock.instance, destination, protocol=protocol, port=port)
    assert result.verdict == "reachable"
    assert result.blockers == ()
    assert steps(result, "security-group") == [] and steps(result, "network-acl") == []
    assert hop_ids(result)[0] == eni_of(net, lock.instance).network_interface_id
    assert hop_ids(result, "return")[-1] == eni_of(net, lock.instance).network_interface_id


def test_vpc_services_answer_only_on_their_ports() -> None:
    lock = locked_down()
    result = vpcsim.trace(lock.net, lock.instance, "169.254.169.254", port=443)
    assert blockers(result) == [B("VPCSIM_SERVICE_PORT_CLOSED", "instance-metadata-service", "forward")]
    result = vpcsim.trace(lock.net, lock.instance, "10.0.0.2", protocol="udp", port=5353)
    assert [b.code for b in result.blockers] == ["VPCSIM_SERVICE_PORT_CLOSED"]
