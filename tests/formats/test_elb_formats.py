"""Load balancers through every format: the YAML spec (load, dump, round trip), the AWS export
(round trip through the importer), and the spec's problems with AWS-shaped codes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tests.formats.test_aws_export import round_trip, snapshot
from tests.formats.test_spec import assert_round_trip, problems
from tests.support.elb import alb_estate

import vpcsim
from vpcsim.formats.aws import load_aws
from vpcsim.formats.spec import load_spec

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"

SPEC = """
vpcs:
  main:
    cidr: 10.0.0.0/16
    subnets:
      public-a: {cidr: 10.0.0.0/24, az: us-east-1a, route_table: public}
      public-b: {cidr: 10.0.1.0/24, az: us-east-1b, route_table: public}
      private-a: {cidr: 10.0.10.0/24, az: us-east-1a}
    route_tables:
      public:
        routes:
          0.0.0.0/0: igw
    security_groups:
      alb:
        ingress: [tcp 80 from 0.0.0.0/0]
      web:
        ingress: [tcp 8080 from alb]
    instances:
      web-1: {subnet: private-a, security_groups: [web]}
    target_groups:
      web:
        protocol: HTTP
        port: 8080
        targets: [web-1]
    load_balancers:
      web-alb:
        subnets: [public-a, public-b]
        security_groups: [alb]
        listeners:
          - {port: 80, protocol: HTTP, forward: [web]}
internet_gateways:
  igw: {vpc: main}
"""


def test_spec_alb_in_front_of_a_private_instance() -> None:
    net = load_spec(textwrap.dedent(SPEC), filename="alb.yaml").network
    (lb,) = net.load_balancers.values()
    assert (lb.load_balancer_name, lb.type, lb.scheme) == ("web-alb", "application", "internet-facing")
    nodes = [e for e in net.network_interfaces.values() if e.description == f"ELB {lb.node_key}"]
    assert len(nodes) == 2 and all(e.public_ip for e in nodes)
    (tg,) = net.target_groups.values()
    (web,) = [i for i in net.instances.values() if i.name == "web-1"]
    assert [(t.id, t.port) for t in tg.targets] == [(web.instance_id, None)]
    node = nodes[0].public_ip
    assert node is not None
    assert vpcsim.trace(net, "internet", node, port=80).verdict == "reachable"
    assert vpcsim.trace(net, "internet", node, port=8080).codes == [
        "ENI_SG_RULES_MISMATCH",
        "ELBV2_LISTENER_PORT_RESTRICTION",
    ]
    assert_round_trip(net)


def test_spec_unknown_target_group_is_a_located_problem() -> None:
    found = problems(SPEC.replace("forward: [web]", "forward: [nope]"))
    assert [(p.code, str(p.location).split(": ")[-1]) for p in found] == [
        ("TargetGroupNotFound", "vpcs.main.load_balancers.web-alb.listeners[0].forward[0]")
    ]


def test_spec_unknown_instance_target_is_a_located_problem() -> None:
    found = problems(SPEC.replace("targets: [web-1]", "targets: [web-9]"))
    assert [p.code for p in found] == ["InvalidInstanceID.NotFound"]


@pytest.mark.parametrize("kind", ["application", "network", "classic"])
def test_builder_load_balancers_round_trip_through_the_spec(kind: str) -> None:
    assert_round_trip(alb_estate(load_balancer_type=kind).net)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["application", "network", "classic"])
def test_builder_load_balancers_round_trip_through_aws_json(kind: str, tmp_path: Path) -> None:
    estate = alb_estate(load_balancer_type=kind, cross_zone=False if kind != "application" else None)  # type: ignore[arg-type]
    estate.tg.preserve_client_ip = False if kind == "network" else None
    estate.net.touch()
    back = round_trip(estate.net, tmp_path)
    assert snapshot(back) == snapshot(estate.net)


def test_batfish_load_balancer_round_trips_through_the_spec() -> None:
    network = load_aws(FIXTURES / "test-load-balancer").network
    from tests.support.networks import canonical, differences

    from vpcsim.formats.spec import dump_spec

    back = load_spec(dump_spec(network), filename="elsewhere.yaml").network
    assert differences(canonical(network), canonical(back)) == []


TERRAFORM = Path(__file__).parent.parent / "fixtures" / "terraform"


def test_terraform_state_with_an_alb_listener_target_group_and_attachment() -> None:
    loaded = vpcsim.load(TERRAFORM / "state_alb.json")
    lb_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/0123456789abcdef"
    lb = loaded.load_balancers[lb_arn]
    assert (lb.type, lb.scheme, lb.security_groups) == (
        "application",
        "internet-facing",
        ["sg-0a0000000000000a1"],
    )
    assert [(li.protocol, li.port, li.target_group_arns) for li in lb.listeners] == [
        (
            "HTTPS",
            443,
            ["arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"],
        )
    ]
    (tg,) = loaded.target_groups.values()
    assert [(t.id, t.port) for t in tg.targets] == [("i-0a0000000000000a1", 8080)]
    nodes = [e for e in loaded.network_interfaces.values() if e.description == "ELB app/web/0123456789abcdef"]
    assert sorted(e.subnet_id for e in nodes) == ["subnet-0a0000000000000a1", "subnet-0a0000000000000a2"]
    public = nodes[0].public_ip
    assert public is not None
    assert vpcsim.trace(loaded, "internet", public, port=443).verdict == "reachable"
    findings = vpcsim.exposure(loaded).findings
    assert {(f.eni, f.to_dict()["via"]) for f in findings} == {
        (e.network_interface_id, "load-balancer") for e in nodes
    }


def test_terraform_load_balancer_without_known_subnets_is_skipped() -> None:
    from vpcsim.formats.terraform import load_terraform

    state = load_terraform(TERRAFORM / "state_prod.json")
    assert state.skipped == {"aws_lb": 1}
    assert not state.network.load_balancers


# ------------------------------------------------------------------------- listener rules

RULES_SPEC = SPEC.replace(
    "          - {port: 80, protocol: HTTP, forward: [web]}",
    """          - port: 80
            protocol: HTTP
            forward: [web]
            rules:
              - priority: 10
                conditions:
                  - {field: source-ip, values: [203.0.113.0/24]}
                  - {field: path-pattern, values: ["/admin/*"]}
                forward: [web, api]
              - priority: 20
                conditions: [{field: host-header, values: [old.example.com]}]
                action: redirect""",
).replace(
    "    load_balancers:",
    """      api:
        protocol: HTTP
        port: 9090
        targets: [web-1]
    load_balancers:""",
)


def test_spec_listener_rules_build_and_round_trip() -> None:
    net = load_spec(textwrap.dedent(RULES_SPEC), filename="rules.yaml").network
    (lb,) = net.load_balancers.values()
    (listener,) = lb.listeners
    names = {tg.target_group_arn: tg.target_group_name for tg in net.target_groups.values()}
    assert [
        (
            r.priority,
            [(c.field, c.values) for c in r.conditions],
            [(a.type, [names[g] for g in a.target_group_arns]) for a in r.actions],
        )
        for r in listener.rules
    ] == [
        (
            10,
            [("source-ip", ["203.0.113.0/24"]), ("path-pattern", ["/admin/*"])],
            [("forward", ["web", "api"])],
        ),
        (20, [("host-header", ["old.example.com"])], [("redirect", [])]),
    ]
    assert (
        listener.rules[0].rule_arn.endswith("/10")
        and ":listener-rule/app/web-alb/" in listener.rules[0].rule_arn
    )
    assert_round_trip(net)


def test_spec_listener_rule_source_ip_must_be_a_cidr() -> None:
    found = problems(RULES_SPEC.replace("[203.0.113.0/24]", "[not-a-block]"))
    assert [(p.code, str(p.location).split(": ")[-1]) for p in found] == [
        (
            "VPCSIM_SPEC_VALUE",
            "vpcs.main.load_balancers.web-alb.listeners[0].rules[0].conditions[0].values[0]",
        )
    ]


def test_spec_listener_rule_unknown_target_group_is_a_located_problem() -> None:
    found = problems(RULES_SPEC.replace("forward: [web, api]", "forward: [web, nope]"))
    assert [(p.code, str(p.location).split(": ")[-1]) for p in found] == [
        ("TargetGroupNotFound", "vpcs.main.load_balancers.web-alb.listeners[0].rules[0].forward[1]")
    ]


def test_listener_rules_round_trip_through_aws_json(tmp_path: Path) -> None:
    net = load_spec(textwrap.dedent(RULES_SPEC), filename="rules.yaml").network
    back = round_trip(net, tmp_path)
    assert snapshot(back) == snapshot(net)
    assert "ListenerRules" in {p.stem for p in tmp_path.rglob("*.json")} or any(
        "ListenerRules" in p.read_text() for p in tmp_path.rglob("*.json")
    )


def test_aws_describe_rules_is_read_and_traced(tmp_path: Path) -> None:
    """A bare ``describe-rules`` output (``Rules``): each rule's listener from its ARN; the
    default rule is the listener's own default action."""
    import json

    net = load_spec(textwrap.dedent(SPEC), filename="alb.yaml").network
    (lb,) = net.load_balancers.values()
    (listener,) = lb.listeners
    (tg,) = net.target_groups.values()
    from vpcsim.formats.aws_export import export_aws

    export_aws(net, tmp_path / "in")
    rule_arn = listener.listener_arn.replace(":listener/", ":listener-rule/") + "/abc"
    rules = {
        "Rules": [
            {
                "RuleArn": rule_arn,
                "Priority": "5",
                "Conditions": [{"Field": "source-ip", "SourceIpConfig": {"Values": ["198.51.100.0/24"]}}],
                "Actions": [
                    {
                        "Type": "forward",
                        "ForwardConfig": {
                            "TargetGroups": [{"TargetGroupArn": tg.target_group_arn, "Weight": 3}]
                        },
                    }
                ],
                "IsDefault": False,
            },
            {
                "RuleArn": rule_arn + "def",
                "Priority": "default",
                "Conditions": [],
                "Actions": [{"Type": "forward", "TargetGroupArn": tg.target_group_arn}],
                "IsDefault": True,
            },
        ]
    }
    (tmp_path / "in" / "rules.json").write_text(json.dumps(rules))
    loaded = load_aws(tmp_path / "in")
    assert [str(p) for p in loaded.warnings] == []
    (back,) = loaded.network.load_balancers[lb.load_balancer_arn].listeners
    assert [
        (r.rule_arn, r.priority, r.conditions[0].values, r.actions[0].target_group_arns) for r in back.rules
    ] == [(rule_arn, 5, ["198.51.100.0/24"], [tg.target_group_arn])]


def test_aws_rule_of_an_unknown_listener_is_reported(tmp_path: Path) -> None:
    import json

    net = load_spec(textwrap.dedent(SPEC), filename="alb.yaml").network
    from vpcsim.formats.aws_export import export_aws

    export_aws(net, tmp_path)
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/x/0123/4567/89ab"
    (tmp_path / "rules.json").write_text(
        json.dumps({"ListenerRules": [{"ListenerArn": "nope", "Rules": [{"RuleArn": arn, "Priority": "1"}]}]})
    )
    loaded = load_aws(tmp_path)
    assert [p.code for p in loaded.warnings] == ["VPCSIM_MISSING_REFERENCE"]


def test_terraform_listener_rules(tmp_path: Path) -> None:
    """``aws_lb_listener_rule``: a source_ip rule forwarding through a ``forward`` block, and a
    fixed-response rule on a path (request conditions kept as read)."""
    import json

    state = json.loads((TERRAFORM / "state_alb.json").read_text())
    resources = state["values"]["root_module"]["resources"]
    listener_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/web/0123456789abcdef/1"
    tg_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"

    def rule(
        name: str, priority: int, condition: dict[str, object], action: dict[str, object]
    ) -> dict[str, object]:
        return {
            "address": f"aws_lb_listener_rule.{name}",
            "mode": "managed",
            "type": "aws_lb_listener_rule",
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
            "values": {
                "arn": listener_arn.replace(":listener/", ":listener-rule/") + f"/r{priority}",
                "listener_arn": listener_arn,
                "priority": priority,
                "condition": [condition],
                "action": [action],
            },
            "sensitive_values": {},
        }

    resources.append(
        rule(
            "office",
            10,
            {"source_ip": [{"values": ["198.51.100.0/24"]}]},
            {"type": "forward", "forward": [{"target_group": [{"arn": tg_arn, "weight": 1}]}]},
        )
    )
    resources.append(
        rule(
            "closed",
            20,
            {"path_pattern": [{"values": ["/closed/*"]}]},
            {"type": "fixed-response", "fixed_response": [{"status_code": "404"}]},
        )
    )
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    loaded = vpcsim.load(path)
    lb_arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/0123456789abcdef"
    (listener,) = loaded.load_balancers[lb_arn].listeners
    assert [
        (
            r.priority,
            [(c.field, c.values) for c in r.conditions],
            [(a.type, a.target_group_arns) for a in r.actions],
        )
        for r in listener.rules
    ] == [
        (10, [("source-ip", ["198.51.100.0/24"])], [("forward", [tg_arn])]),
        (20, [("path-pattern", ["/closed/*"])], [("fixed-response", [])]),
    ]
    assert_round_trip(loaded)


def test_aws_target_group_without_attributes_is_marked_missing_and_round_trips(tmp_path: Path) -> None:
    """No ``TargetGroupAttributes`` item: the attributes are missing (what a trace then assumes
    is RA's ``ASSUMPTION_PRESERVE_CLIENT_IP_IS_*``); an item, even one without
    ``preserve_client_ip.enabled`` (AWS's answer for an ALB's group), says they are known. The
    AWS export and the spec keep the difference."""
    missing = load_aws(FIXTURES / "test-load-balancer").network
    assert all(tg.attributes_missing for tg in missing.target_groups.values())
    known = alb_estate(load_balancer_type="network")
    back = round_trip(known.net, tmp_path / "known")
    assert not any(tg.attributes_missing for tg in back.target_groups.values())
    known.tg.attributes_missing = True
    known.net.touch()
    back = round_trip(known.net, tmp_path / "missing")
    assert [tg.attributes_missing for tg in back.target_groups.values()] == [True]
    assert_round_trip(known.net)
    from vpcsim.formats.spec import dump_spec

    assert "attributes_missing: true" in dump_spec(known.net)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), (None, None), ("true", True), ("false", False), (True, True), (False, False)],
)
def test_terraform_preserve_client_ip_empty_means_aws_default(
    tmp_path: Path, value: object, expected: bool | None
) -> None:
    """Terraform's ``preserve_client_ip`` is a string: ``""`` (or null) leaves it to AWS's default
    per target type -- never ``false``, which would change what an NLB's targets see."""
    import json

    state = json.loads((TERRAFORM / "state_alb.json").read_text())
    for res in state["values"]["root_module"]["resources"]:
        if res["type"] == "aws_lb_target_group":
            res["values"]["preserve_client_ip"] = value
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    loaded = vpcsim.load(path)
    (tg,) = loaded.target_groups.values()
    assert tg.preserve_client_ip is expected
    assert not tg.attributes_missing


def test_terraform_preserve_client_ip_other_text_is_refused(tmp_path: Path) -> None:
    import json

    state = json.loads((TERRAFORM / "state_alb.json").read_text())
    for res in state["values"]["root_module"]["resources"]:
        if res["type"] == "aws_lb_target_group":
            res["values"]["preserve_client_ip"] = "yes"
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    with pytest.raises(vpcsim.InputError) as info:
        vpcsim.load(path)
    text = str(info.value)
    assert "preserve_client_ip" in text and "'yes'" in text
