"""Policy errors are as polished as spec errors: every problem at once, each located, and none in
pydantic's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcsim.analysis.policy import check
from vpcsim.formats.loader import load_example
from vpcsim.formats.policy import read_policy
from vpcsim.model.problems import InputError

#: pydantic's own phrases, which a user must never read.
PYDANTIC = ("Field required", "Input should be", "validation error", "type=", "For further information")

BAD_GRAMMAR = """\
assertions:
  - name: ssh
    allow: {from: bastion, to: app}
    extra: 1
  - name: two
    from: bastion
    deny: [tcp/22]
  - from: bastion
    to: 7
    allow: tcp/22
"""


def test_every_grammar_problem_at_once_located_and_plain(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(BAD_GRAMMAR)
    with pytest.raises(InputError) as caught:
        read_policy(path)
    problems = caught.value.problems
    where = {p.location.path for p in problems}
    assert {
        "assertions[0].from",
        "assertions[0].to",
        "assertions[0].allow",
        "assertions[0].extra",
        "assertions[1].to",
        "assertions[2].name",
        "assertions[2].to",
        "assertions[2].allow",
    } <= where
    for problem in problems:
        assert problem.location.file == str(path) and problem.location.line, problem
        assert not any(phrase in problem.message for phrase in PYDANTIC), problem.message
    missing = next(p for p in problems if p.location.path == "assertions[2].name")
    assert missing.message == "missing required key 'name'; add `name: ...`"


def test_every_selector_that_names_nothing_at_once(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "assertions:\n"
        "  - {name: a, from: bastoin, to: app, allow: [tcp/22]}\n"
        "  - {name: b, from: bastion, to: aap, deny: [tcp/80]}\n"
        "  - {name: c, from: nobody, to: nothing, deny: [tcp/80]}\n"
    )
    policy, lines = read_policy(path)
    with pytest.raises(InputError) as caught:
        check(load_example("bastion-nat").network, policy, policy_path=str(path), lines=lines)
    found = [(p.location.path, p.location.line) for p in caught.value.problems]
    assert found == [
        ("assertions[0].from", 2),
        ("assertions[1].to", 3),
        ("assertions[2].from", 4),
        ("assertions[2].to", 4),
    ]
