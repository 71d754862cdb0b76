"""The public API: the names ``vpcsim`` exports, what they do, and ``docs/api.md`` run as doctests."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import warnings
from pathlib import Path

import pytest

import vpcsim

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

PUBLIC = [
    "Blocker",
    "EndpointError",
    "Flow",
    "Hop",
    "InputError",
    "InputWarning",
    "ModelError",
    "Network",
    "Problem",
    "Step",
    "Trace",
    "ValidationError",
    "check",
    "diff",
    "exposure",
    "load",
    "make_flow",
    "matrix",
    "reach",
    "trace",
    "validate",
    "why",
]


def test_the_exported_names_are_pinned() -> None:
    # Adding or removing a public name is a decision: change this list and docs/api.md together.
    assert sorted(vpcsim.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(vpcsim, name).__module__ == "vpcsim", name
    documented = (ROOT / "docs" / "api.md").read_text()
    for name in PUBLIC:
        assert f"`{name}" in documented, f"{name} is not in docs/api.md"


def test_docs_api_runs_as_doctests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the programs name files of the repository (tests/fixtures)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vpcsim.InputWarning)
        failed, attempted = doctest.testfile(
            str(ROOT / "docs" / "api.md"), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
        )
    assert attempted >= 30
    assert failed == 0


def test_the_model_has_no_trace_method() -> None:
    """The model holds data only (``.importlinter``'s layers forbid it to import the engine);
    ``vpcsim.trace`` is the door to the engine."""
    assert not hasattr(vpcsim.Network, "trace")


# ---------------------------------------------------------------------------- load


def test_load_reads_every_format_and_the_examples() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vpcsim.InputWarning)
        folder = vpcsim.load(FIXTURES / "aws" / "test-public-subnet")
        plan = vpcsim.load(str(FIXTURES / "terraform" / "plan_web.json"))
        forced = vpcsim.load(FIXTURES / "terraform" / "plan_web.json", format="terraform")
    example = vpcsim.load("bastion-nat")
    assert folder.instances and plan.instances
    assert sorted(i.name for i in example.instances.values()) == ["app", "bastion"]
    assert sorted(forced.instances) == sorted(plan.instances)


def test_load_tells_what_it_did_not_model() -> None:
    with pytest.warns(
        vpcsim.InputWarning, match="read but not modelled: CustomerGateways x1, VpnConnections x1"
    ):
        vpcsim.load(FIXTURES / "aws" / "test-public-private-subnet")


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(vpcsim.InputError) as caught:
        vpcsim.load(tmp_path / "missing.yaml")
    assert caught.value.problems[0].code == "VPCSIM_FILE_UNREADABLE"
    bad = tmp_path / "bad.yaml"
    bad.write_text("vpcs:\n  main:\n    cidr: 10.0.0.0/16\n    cidr: 10.1.0.0/16\n")
    with pytest.raises(vpcsim.InputError) as caught:
        vpcsim.load(bad)
    assert caught.value.problems[0].location.line == 4


# ---------------------------------------------------------------------------- flows and traces


def test_trace_takes_a_flow_or_its_endpoints() -> None:
    network = vpcsim.load("bastion-nat")
    flow = vpcsim.make_flow(network, "bastion", "app", port=22)
    by_flow = vpcsim.trace(network, flow)
    by_names = vpcsim.trace(network, "bastion", "app", port=22)
    assert by_flow == by_names and by_flow.verdict == "reachable"
    bastion = next(i for i in network.instances.values() if i.name == "bastion")
    assert vpcsim.trace(network, bastion, "10.0.2.20", port=22) == by_flow
    brief = vpcsim.trace(network, flow, record=False)
    assert brief.verdict == "reachable" and brief.forward == ()
    with pytest.raises(TypeError):
        vpcsim.trace(network, flow, "app")
    with pytest.raises(TypeError):
        vpcsim.trace(network, flow, port=80)
    with pytest.raises(TypeError):
        vpcsim.trace(network, "bastion")


def test_flow_errors_are_value_errors() -> None:
    network = vpcsim.load("bastion-nat")
    with pytest.raises(vpcsim.EndpointError) as caught:
        vpcsim.trace(network, "nobody", "app", port=22)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(vpcsim.EndpointError) as caught:
        vpcsim.trace(network, "bastion", "app", port=22, from_eni="app")
    assert caught.value.parameter == "from_eni" and "--" not in str(caught.value)
    with pytest.raises(ValueError, match="needs a destination port"):
        vpcsim.trace(network, "bastion", "app")


def test_trace_builds_its_flow_as_the_cli_does() -> None:
    """One rule for the ends in the API and the CLI: a subnet holding one ENI stands for it, and a
    private address nobody holds is no source (``internet:IP`` is)."""
    network = vpcsim.load("bastion-nat")
    assert vpcsim.trace(network, "public", "app", port=22) == vpcsim.trace(network, "bastion", "app", port=22)
    with pytest.raises(vpcsim.EndpointError, match=r"internet:10\.9\.9\.9"):
        vpcsim.trace(network, "10.9.9.9", "app", port=22)
    assert vpcsim.trace(network, "internet:10.9.9.9", "bastion", port=22).verdict == "unreachable"


def test_validate_strict_raises_on_errors() -> None:
    network = vpcsim.load("bastion-nat")
    assert vpcsim.validate(network) == []
    subnet = next(iter(network.subnets.values()))
    subnet.cidr_block = "192.168.0.0/24"  # outside its VPC
    network.touch()
    problems = vpcsim.validate(network)
    assert any(p.severity == "error" for p in problems)
    with pytest.raises(vpcsim.ValidationError) as caught:
        vpcsim.validate(network, strict=True)
    assert caught.value.problems == problems


# ---------------------------------------------------------------------------- analyses


def test_analyses_take_names_and_client_port_names() -> None:
    network = vpcsim.load("bastion-nat")
    linux = vpcsim.reach(network, "bastion", "app")
    windows = vpcsim.reach(network, "bastion", "app", client_ports="windows")
    assert linux.client_ports == (32768, 60999) and windows.client_ports == (49152, 65535)
    pinned = vpcsim.reach(network, "bastion", "app", client_ports=(1024, 2048))
    assert pinned.client_ports == (1024, 2048)
    assert vpcsim.matrix(network, "instance").by == "instance"
    assert not vpcsim.diff(network, copy.deepcopy(network)).changed


def test_exposure_filters_by_severity_when_built() -> None:
    network = vpcsim.load("bastion-nat")
    network.authorize_security_group_ingress(
        "sg-8e92b8f2f672d939a", ip_protocol="icmp", from_port=-1, to_port=-1, cidr_ipv4="0.0.0.0/0"
    )
    every = vpcsim.exposure(network)
    high = vpcsim.exposure(network, min_severity="high")
    assert {f.severity for f in every.findings} == {"high", "low"}
    assert {f.severity for f in high.findings} == {"high"}
    assert high.findings == tuple(f for f in every.findings if f.severity == "high")
    assert high.exposed_enis == every.exposed_enis  # counted over every severity
    with pytest.raises(ValueError, match="use low, medium or high"):
        vpcsim.exposure(network, min_severity="severe")  # type: ignore[arg-type]


def test_exposure_after_load_knows_what_was_skipped(tmp_path: Path) -> None:
    from tests.support.paths import with_unmodelled_database

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vpcsim.InputWarning)
        network = vpcsim.load(with_unmodelled_database(tmp_path))
    result = vpcsim.exposure(network)
    skipped = [i for i in result.incomplete if i.kind == "skipped"]
    assert skipped, "what the import skipped makes the exposure incomplete"
    # Descriptions and the customer side of a VPN carry no internet traffic to an ENI.
    assert not any(i.component in ("AvailabilityZones", "Regions") for i in skipped)


def test_check_takes_a_file_or_a_mapping(tmp_path: Path) -> None:
    network = vpcsim.load("bastion-nat")
    policy = {"assertions": [{"name": "no way in", "from": "internet", "to": "app", "deny": "all"}]}
    path = tmp_path / "policy.yaml"
    path.write_text("assertions:\n  - name: no way in\n    from: internet\n    to: app\n    deny: all\n")
    from_file = vpcsim.check(network, path)
    from_mapping = vpcsim.check(network, policy)
    assert from_file.status == from_mapping.status == "pass"
    assert from_file.assertions[0].line == 2 and from_file.policy == str(path)
    with pytest.raises(vpcsim.InputError) as caught:
        vpcsim.check(network, {"assertions": [{"name": "x", "from": "a", "to": "b"}]})
    assert caught.value.problems[0].location.path == "assertions[0]"
    with pytest.raises(vpcsim.InputError, match="'nobody' names nothing"):
        vpcsim.check(network, {"assertions": [{"name": "x", "from": "nobody", "to": "app", "deny": "all"}]})


# ---------------------------------------------------------------------------- immutable results


def _results(network: vpcsim.Network) -> list[object]:
    changed = copy.deepcopy(network)
    changed.authorize_security_group_ingress(
        "sg-10f8eae483834c380", ip_protocol="tcp", from_port=5432, to_port=5432, cidr_ipv4="10.0.1.0/24"
    )
    policy = {"assertions": [{"name": "rdp", "from": "app", "to": "bastion", "allow": ["tcp/3389"]}]}
    return [
        vpcsim.trace(network, "bastion", "app", port=22),
        vpcsim.why(network, "app", "bastion", port=3389),
        vpcsim.reach(network, "bastion", "app"),
        vpcsim.exposure(network),
        vpcsim.matrix(network, "instance"),
        vpcsim.diff(network, changed),
        vpcsim.check(network, policy),
    ]


def _frozen_all_the_way(value: object, seen: set[int]) -> None:
    """Frozen dataclasses, tuples and scalars only: nothing a caller can change in place."""
    if id(value) in seen or isinstance(value, str | int | float | bool | type(None)):
        return
    seen.add(id(value))
    if isinstance(value, tuple | frozenset):
        for item in value:
            _frozen_all_the_way(item, seen)
        return
    assert dataclasses.is_dataclass(value), f"{type(value).__name__} is not a value object"
    params = getattr(type(value), "__dataclass_params__", None)
    assert params is not None and params.frozen, f"{type(value).__name__} is not frozen"
    for f in dataclasses.fields(value):
        _frozen_all_the_way(getattr(value, f.name), seen)


def test_results_are_immutable_values() -> None:
    network = vpcsim.load("bastion-nat")
    first = _results(network)
    for result in first:
        _frozen_all_the_way(result, set())
        field = dataclasses.fields(result)[0].name  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(result, field, None)
    # Values: the same question on the same network gives an equal answer.
    assert _results(network) == first
