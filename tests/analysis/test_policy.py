"""check: the policy grammar, its errors, the three kinds of assertion, JUnit and SARIF."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from tests.support.builders import public_private_vpc

from vpcsim.analysis import check
from vpcsim.analysis.policy import parse_flow
from vpcsim.analysis.reports import check_junit, check_sarif
from vpcsim.formats.policy import read_policy
from vpcsim.formats.problems import InputError
from vpcsim.model.policy import policy_json_schema

POLICY = """\
version: 1
endpoints:
  bastion: {instance: bastion}
  app: {instance: app}
  private: {subnet: private}
assertions:
  - name: bastion reaches app on ssh only
    from: bastion
    to: app
    allow: [tcp/22]
    only: [tcp/22]
  - name: nothing in private subnets is reachable from the internet
    from: internet
    to: private
    deny: all
  - name: only the bastion accepts SSH from the internet
    from: internet
    to: {all: true, except: bastion}
    deny: [tcp/22]
  - name: the app reaches the internet on https
    from: app
    to: internet
    allow: [tcp/443]
  - name: the app may not ping the bastion
    from: app
    to: bastion
    deny: [icmp/8]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_assertions_pass_and_fail(tmp_path: Path) -> None:
    p = public_private_vpc()
    policy, lines = read_policy(_write(tmp_path, POLICY))
    result = check(p.net, policy, policy_path="policy.yaml", lines=lines)
    assert [(a.name, a.status) for a in result.assertions] == [
        ("bastion reaches app on ssh only", "pass"),
        ("nothing in private subnets is reachable from the internet", "pass"),
        ("only the bastion accepts SSH from the internet", "pass"),
        ("the app reaches the internet on https", "pass"),
        ("the app may not ping the bastion", "pass"),
    ]
    assert [a.line for a in result.assertions] == [7, 12, 16, 20, 24]
    assert result.status == "pass"


def test_violations_name_pairs_and_traffic(tmp_path: Path) -> None:
    p = public_private_vpc(app_public_ip=True)
    net = p.net
    net.authorize_security_group_ingress(p.app_sg, ip_protocol="tcp", port=5432, cidr_ipv4="0.0.0.0/0")
    text = POLICY.replace("route", "route")
    policy, lines = read_policy(_write(tmp_path, text))
    result = check(net, policy, lines=lines)
    by_name = {a.name: a for a in result.assertions}
    only = by_name["bastion reaches app on ssh only"]
    assert only.status == "fail"
    assert [v.reason for v in only.violations] == ["outside-only"]
    assert [e.describe() for e in only.violations[0].entries] == ["tcp 5432"]
    private = by_name["nothing in private subnets is reachable from the internet"]
    # The app's subnet routes to the NAT gateway: a SYN to its public address lands, the reply dies.
    assert private.status == "fail"
    assert {e.describe() for v in private.violations for e in v.entries} == {"tcp 5432"}
    assert result.status == "fail"


def test_junit_and_sarif(tmp_path: Path) -> None:
    p = public_private_vpc()
    text = (
        POLICY
        + "  - name: app reaches bastion on rdp\n    from: app\n    to: bastion\n    allow: [tcp/3389]\n"
    )
    policy, lines = read_policy(_write(tmp_path, text))
    result = check(p.net, policy, policy_path="policy.yaml", lines=lines)
    xml = ElementTree.fromstring(check_junit(result, "policy.yaml"))
    suite = xml.find("testsuite")
    assert suite is not None and suite.get("tests") == "6" and suite.get("failures") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["app reaches bastion on rdp"]
    sarif = check_sarif(result, "policy.yaml")
    results = sarif["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 28


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("assertions: []\n", "1:13: assertions", "at least 1"),
        (
            "version: 1\nassertions:\n  - name: x\n    from: a\n    to: b\n",
            "3:5: assertions[0]",
            "allow, deny, only",
        ),
        (
            "assertions:\n  - name: x\n    from: a\n    to: {subnett: x}\n    deny: all\n",
            "4:19: assertions[0].to.subnett",
            "unknown key 'subnett'",
        ),
        (
            "assertions:\n  - name: x\n    from: a\n    to: b\n    allow: [tcp/70000]\n",
            "5:12: assertions[0].allow",
            "ports are 0-65535",
        ),
        # The spec's own YAML reader: the same syntax errors as a spec.
        ("assertions:\n  - name: x\n   from: a\n", "3:4", "YAML syntax error"),
        ("- 1\n", "1:1", "a policy is a mapping"),
        (
            "assertions:\n  - name: x\n    from: a\n    to: b\n    deny: some\n",
            "5:11: assertions[0].deny",
            "or the word all",
        ),
    ],
)
def test_malformed_policies_name_line_and_key(tmp_path: Path, text: str, where: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_policy(_write(tmp_path, text))
    shown = str(caught.value)
    assert where in shown and message in shown


def test_a_key_written_twice_is_an_error_naming_its_line(tmp_path: Path) -> None:
    # A plain YAML loader keeps the second `deny:` silently; the spec's reader refuses both.
    text = "assertions:\n  - name: x\n    from: a\n    to: b\n    deny: all\n    deny: [tcp/22]\n"
    with pytest.raises(InputError) as caught:
        read_policy(_write(tmp_path, text))
    (problem,) = caught.value.problems
    assert problem.code == "VPCSIM_POLICY"
    assert (problem.location.line, problem.location.column) == (6, 5)
    assert problem.location.path == "assertions[0].deny"
    assert "'deny' appears twice" in problem.message


def test_unknown_selector_is_an_input_error(tmp_path: Path) -> None:
    p = public_private_vpc()
    text = "assertions:\n  - name: x\n    from: nobody\n    to: app\n    deny: all\n"
    policy, lines = read_policy(_write(tmp_path, text))
    with pytest.raises(InputError) as caught:
        check(p.net, policy, policy_path="policy.yaml", lines=lines)
    assert "'nobody' names nothing" in str(caught.value)


def test_flow_specs_and_schema() -> None:
    assert parse_flow("tcp/1024-65535").ports == ((1024, 65535),)
    assert parse_flow("icmp/3:4").icmp_codes == ((4, 4),)
    assert parse_flow("all").protocols == ((0, 255),)
    schema = policy_json_schema()
    assert schema["title"] == "vpcsim policy" and "assertions" in schema["required"]
    assertion = schema["$defs"]["Assertion"]
    assert set(assertion["properties"]) >= {"name", "from", "to", "allow", "deny", "only", "client_ports"}


def test_a_selector_that_selects_nothing_is_an_error(tmp_path: Path) -> None:
    """Not a vacuous pass, whatever the assertion kind."""
    p = public_private_vpc()
    for kind in ("deny: all", "only: [tcp/22]", "allow: [tcp/22]"):
        for ends in (
            "from: internet\n    to: {tag: {Role: nobody}}",
            "from: {tag: {Role: nobody}}\n    to: app",
        ):
            text = f"assertions:\n  - name: x\n    {ends}\n    {kind}\n"
            policy, lines = read_policy(_write(tmp_path, text))
            with pytest.raises(InputError) as caught:
                check(p.net, policy, policy_path="policy.yaml", lines=lines)
            problem = caught.value.problems[0]
            assert problem.code == "VPCSIM_POLICY" and "selects no network interface" in problem.message
            assert problem.location.line == 2 and problem.location.path == (
                "assertions[0].to" if ends.startswith("from: internet") else "assertions[0].from"
            )


@pytest.mark.parametrize(
    ("selector", "hint"),
    [
        ("{instance: bastio}", "did you mean 'bastion'?"),
        ("{security_group: app-sgg}", "did you mean 'app-sg'?"),
    ],
)
def test_a_mistyped_selector_gets_the_closest_name(tmp_path: Path, selector: str, hint: str) -> None:
    p = public_private_vpc()
    text = f"assertions:\n  - name: x\n    from: {selector}\n    to: app\n    deny: all\n"
    policy, lines = read_policy(_write(tmp_path, text))
    with pytest.raises(InputError) as caught:
        check(p.net, policy, policy_path="policy.yaml", lines=lines)
    assert hint in str(caught.value)
