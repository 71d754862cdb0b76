"""A load balancer named as an end: ``trace`` takes its first node, ``reach`` and ``why`` every
node (each followed to the targets), and the policy grammar selects its nodes (by name, by ARN
or with ``load_balancer:``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.elb import alb_estate

import vpcsim
from vpcsim.analysis.endpoints import resolve_destination
from vpcsim.analysis.policy import Resolver, SelectorError
from vpcsim.model.policy import SelectorSpec


def test_trace_to_a_load_balancer_by_name_uses_its_first_node() -> None:
    e = alb_estate()
    t = vpcsim.trace(e.net, "internet", "web-lb", port=80)
    assert t.flow.destination == e.node_public("us-east-1a")
    assert t.verdict == "reachable"


def test_reach_to_a_load_balancer_covers_every_node() -> None:
    e = alb_estate()
    side = resolve_destination(e.net, e.lb.load_balancer_arn, from_internet=True)
    assert sorted(side.enis) == sorted([e.node("us-east-1a"), e.node("us-east-1b")])
    result = vpcsim.reach(e.net, "internet", "web-lb")
    assert [(a.traffic.protocol, a.traffic.ports) for a in result.allowed] == [("tcp", ((80, 80),))]


def test_why_names_the_target_group_rule_to_add() -> None:
    e = alb_estate(
        web_ingress=[{"ip_protocol": "tcp", "from_port": 9090, "to_port": 9090, "cidr_ipv4": "0.0.0.0/0"}]
    )
    result = vpcsim.why(e.net, "internet", e.node_public(), port=80)
    assert result.opens
    (change,) = result.fixes
    assert (change.component, dict(change.parameters)["FromPort"]) == (e.web_sg.group_id, 8080)


def test_policy_selects_load_balancer_nodes(tmp_path: Path) -> None:
    e = alb_estate()
    resolver = Resolver(e.net, {})
    nodes = {e.node("us-east-1a"), e.node("us-east-1b")}
    assert resolver.resolve("web-lb") == nodes
    assert resolver.resolve(e.lb.load_balancer_arn) == nodes
    assert resolver.resolve(SelectorSpec(load_balancer="web-lb")) == nodes
    with pytest.raises(SelectorError):
        resolver.resolve(SelectorSpec(load_balancer="nope"))
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "assertions:\n"
        "  - name: the load balancer serves HTTP\n"
        "    from: internet\n"
        "    to: web-lb\n"
        "    allow: [tcp/80]\n"
        "  - name: and nothing else\n"
        "    from: internet\n"
        "    to: {load_balancer: web-lb}\n"
        "    only: [tcp/80]\n"
    )
    result = vpcsim.check(e.net, policy)
    assert [a.status for a in result.assertions] == ["pass", "pass"]


def test_policy_fails_when_the_load_balancer_exposes_more(tmp_path: Path) -> None:
    e = alb_estate()
    e.net.authorize_security_group_ingress(
        e.lb_sg, ip_protocol="tcp", from_port=0, to_port=65535, cidr_ipv4="0.0.0.0/0"
    )
    e.net.create_listener(e.lb, port=8443, protocol="HTTPS", target_groups=[e.tg])
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "assertions:\n  - name: only HTTP\n    from: internet\n    to: web-lb\n    only: [tcp/80]\n"
    )
    (assertion,) = vpcsim.check(e.net, policy).assertions
    assert assertion.status == "fail"
