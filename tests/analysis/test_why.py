"""why: every blocker along the checklist, over rounds, and the changes that open the path."""

from __future__ import annotations

from tests.support.builders import dual_homed, locked_down, public_private_vpc, tutorial_vpc, two_vpcs

from vpcsim.analysis import why
from vpcsim.engine import make_flow, trace


def test_missing_inbound_rule_gets_one_rule() -> None:
    s = tutorial_vpc(firewall="none")
    result = why(s.net, make_flow(s.net, "web-1", "web-2", protocol="tcp", port=22))
    assert [f.blocker.code for f in result.blockers] == ["SG_HAS_NO_RULES"]
    assert [(c.action, c.applied) for c in result.changes] == [("AuthorizeSecurityGroupIngress", True)]
    assert "--port 22 --cidr 10.0.0.4/32" in result.changes[0].command
    assert result.opens and result.verdict_after == "reachable"
    # The original network is untouched.
    assert not trace(s.net, make_flow(s.net, "web-1", "web-2", protocol="tcp", port=22)).reachable


def test_stateless_acl_both_directions() -> None:
    d = dual_homed()
    result = why(d.net, make_flow(d.net, "dual", "db", protocol="tcp", port=22))
    assert [(f.blocker.code, f.blocker.path) for f in result.blockers] == [
        ("SUBNET_ACL_RESTRICTION", "forward"),
        ("SUBNET_ACL_RESTRICTION", "return"),
    ]
    assert [c.action for c in result.changes] == ["CreateNetworkAclEntry", "CreateNetworkAclEntry"]
    assert "From=32768,To=60999" in result.changes[1].command
    assert result.opens


def test_blockers_hidden_behind_a_route_are_revealed() -> None:
    """No route back from VPC B hides nothing else here, but the route fix is tried and works."""
    t = two_vpcs(route_b=False)
    result = why(t.net, make_flow(t.net, "a", "b", protocol="icmp"))
    assert [f.blocker.code for f in result.blockers] == ["NO_ROUTE_TO_DESTINATION"]
    assert result.changes[0].action == "CreateRoute" and "pcx-" in result.changes[0].command
    assert result.opens


def test_checklist_order_and_revealed_blockers() -> None:
    p = public_private_vpc(nat_route=False)
    p.net.revoke_security_group_egress(p.app_sg)
    result = why(p.net, make_flow(p.net, "app", "8.8.8.8", protocol="tcp", port=443))
    steps = [f.step[0] for f in result.blockers]
    assert steps == sorted(steps)
    assert result.blockers[0].blocker.code == "SG_HAS_NO_RULES"
    assert {c.action for c in result.changes} == {"AuthorizeSecurityGroupEgress", "CreateRoute"}
    assert any("--nat-gateway-id" in c.command for c in result.changes)
    assert result.opens


def test_advice_when_the_model_cannot_try() -> None:
    lock = locked_down()
    result = why(lock.net, make_flow(lock.net, "internet", "locked-1", protocol="tcp", port=22))
    assert not result.opens
    assert [c.applied for c in result.changes] == [False]
    assert result.to_dict()["changes"][0]["action"] == "Manual"
