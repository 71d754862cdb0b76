"""One test per rule of Application Load Balancer listener rules (reference, Elastic Load
Balancing: "ALB listener rules (``describe-rules``) add conditions; ``source-ip`` is a
client-address filter"; "only ``forward`` actions reach targets").

The estate: ``alb_estate`` with its default target group holding ``web-a`` only, and a second
group holding ``web-b`` that only rules reach.
"""

from __future__ import annotations

from tests.support.builders import steps
from tests.support.elb import ElbEstate, alb_estate

from vpcsim.engine import codes as C
from vpcsim.engine import trace
from vpcsim.engine.flow import TCP, Flow
from vpcsim.engine.result import Trace
from vpcsim.model.elb import ListenerAction, ListenerRule, RuleCondition, TargetGroup

INSIDE = "8.8.8.8"
OUTSIDE = "1.1.1.1"


def _estate(*, default_targets: bool = True) -> tuple[ElbEstate, TargetGroup]:
    e = alb_estate(targets="a" if default_targets else "none")
    tg2 = e.net.create_target_group("web2-tg", vpc=e.vpc, protocol="HTTP", port=8080)
    e.net.register_targets(tg2, [e.web_b.instance_id])
    return e, tg2


def _rule(
    priority: int, actions: list[ListenerAction], source: list[str] | None = None, other: bool = False
) -> ListenerRule:
    conditions = []
    if source is not None:
        conditions.append(RuleCondition(field="source-ip", values=source))
    if other:
        conditions.append(RuleCondition(field="path-pattern", values=["/api/*"]))
    return ListenerRule(
        rule_arn=f"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web-lb/x/y/{priority}",
        priority=priority,
        conditions=conditions,
        actions=actions,
    )


def _add(e: ElbEstate, rule: ListenerRule) -> None:
    e.lb.listeners[0].rules.append(rule)
    e.net.touch()


def _from(e: ElbEstate, client: str) -> Trace:
    return trace(e.net, Flow(protocol=TCP, source=client, destination=e.node_public(), destination_port=80))


def _served(t: Trace) -> str:
    return [s.detail for s in steps(t, "target") if s.action == "forward"][-1]


def test_source_ip_rule_admits_a_client_inside_its_blocks() -> None:
    e, tg2 = _estate()
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["8.8.8.0/24"]))
    t = _from(e, INSIDE)
    assert t.verdict == "reachable", t.codes
    assert _served(t) == f"served by {e.web_a.instance_id}:8080, {e.web_b.instance_id}:8080"


def test_source_ip_rule_excludes_a_client_outside_its_blocks() -> None:
    e, tg2 = _estate()
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["8.8.8.0/24"]))
    t = _from(e, OUTSIDE)
    assert t.verdict == "reachable", t.codes
    assert _served(t) == f"served by {e.web_a.instance_id}:8080"


def test_only_a_rule_reaches_targets_for_the_admitted_client() -> None:
    e, tg2 = _estate(default_targets=False)
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["8.8.8.0/24"]))
    inside = _from(e, INSIDE)
    assert inside.verdict == "reachable", inside.codes
    assert _served(inside) == f"served by {e.web_b.instance_id}:8080"
    outside = _from(e, OUTSIDE)
    assert outside.verdict == "unreachable"
    assert C.ELBV2_LISTENER_HAS_NO_TG in outside.codes


def test_rule_without_address_condition_may_match_any_client() -> None:
    e, tg2 = _estate()
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], other=True))
    t = _from(e, OUTSIDE)
    assert _served(t) == f"served by {e.web_a.instance_id}:8080, {e.web_b.instance_id}:8080"


def test_weighted_forward_config_reaches_every_group() -> None:
    e, tg2 = _estate(default_targets=False)
    e.lb.listeners[0].default_actions = [ListenerAction(type="fixed-response")]
    tg1 = e.tg.target_group_arn
    e.net.register_targets(e.tg, [e.web_a.instance_id])
    _add(e, _rule(5, [ListenerAction(target_group_arns=[tg1, tg2.target_group_arn])], ["8.8.8.8/32"]))
    t = _from(e, INSIDE)
    assert t.verdict == "reachable", t.codes
    assert _served(t) == f"served by {e.web_a.instance_id}:8080, {e.web_b.instance_id}:8080"


def test_redirect_and_fixed_response_rules_end_at_the_load_balancer() -> None:
    e, _ = _estate()
    e.lb.listeners[0].default_actions = [ListenerAction(type="fixed-response")]
    _add(e, _rule(1, [ListenerAction(type="redirect")], ["8.8.8.0/24"]))
    e.net.touch()
    for client in (INSIDE, OUTSIDE):
        t = _from(e, client)
        assert t.verdict == "reachable", t.codes
        assert not [s for s in steps(t, "nat") if s.component == e.lb.load_balancer_arn], "no leg"
        answered = [s.detail for s in steps(t, "listener") if s.action == "deliver"]
        assert answered and "no target is involved" in answered[0]
    inside = next(s.detail for s in steps(_from(e, INSIDE), "listener") if s.action == "deliver")
    assert "redirect" in inside


def test_default_rule_applies_when_no_rule_admits_the_client() -> None:
    e, tg2 = _estate()
    _add(e, _rule(1, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["10.99.0.0/16"]))
    t = _from(e, OUTSIDE)
    assert _served(t) == f"served by {e.web_a.instance_id}:8080"


def test_rule_to_a_group_the_input_lacks_is_reported() -> None:
    e, _ = _estate(default_targets=False)
    missing = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/0123456789abcdef"
    _add(e, _rule(1, [ListenerAction(target_group_arns=[missing])], ["8.8.8.0/24"]))
    t = _from(e, INSIDE)
    assert C.ELBV2_LISTENER_REQUIRES_TG_ACCEPT in t.codes


# ------------------------------------------------------------------------- the analyses run the walk


def test_exposure_counts_only_the_clients_a_rule_admits() -> None:
    import vpcsim

    e, tg2 = _estate(default_targets=False)
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["8.8.8.0/24"]))
    findings = [f.to_dict() for f in vpcsim.exposure(e.net).findings]
    assert findings and all(f["via"] == "load-balancer" for f in findings)
    assert {tuple(f["sources"]) for f in findings} == {("8.8.8.0/24",)}  # type: ignore[arg-type]
    assert all(f["targets"] == [{"id": e.web_b.instance_id, "port": 8080}] for f in findings)


def test_exposure_lists_the_targets_of_rules_some_source_meets() -> None:
    import vpcsim

    e, tg2 = _estate()
    _add(e, _rule(10, [ListenerAction(target_group_arns=[tg2.target_group_arn])], ["8.8.8.0/24"]))
    findings = [f.to_dict() for f in vpcsim.exposure(e.net).findings]
    both = [{"id": e.web_a.instance_id, "port": 8080}, {"id": e.web_b.instance_id, "port": 8080}]
    assert findings and all(f["sources"] == ["0.0.0.0/0"] and f["targets"] == both for f in findings)
