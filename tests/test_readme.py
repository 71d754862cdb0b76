"""The README's examples run as written from a fresh clone.

Every ``$ vpcsim ...`` line of its console blocks is run in-process, in an empty folder, in order
(a later example may use what an earlier one wrote). The exit status must be the one the README
documents: the ``$ echo $?`` that follows, else the verdict it shows (REACHABLE 0, UNREACHABLE
1), else 0. Every output line it shows (``...`` elides) must appear, in order, in the real output.
A ``| jq .FIELD`` is applied to the JSON. The Python block runs too.
"""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner
from tests.support.paths import DOCS

README = DOCS.parent / "README.md"


@dataclass
class Example:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)
    status: int | None = None


def _blocks(kind: str) -> list[tuple[int, list[str]]]:
    out: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(README.read_text().splitlines(), 1):
        if line.startswith("```"):
            if current is None and line == f"```{kind}":
                current = []
                out.append((number + 1, current))
            else:
                current = None
            continue
        if current is not None:
            current.append(line)
    return out


def examples() -> list[Example]:
    found: list[Example] = []
    for start, lines in _blocks("console"):
        last: Example | None = None
        expect_status = False
        for offset, line in enumerate(lines):
            if line.startswith("$ vpcsim "):
                last = Example(start + offset, line[2:])
                found.append(last)
            elif line == "$ echo $?":
                expect_status = True
            elif expect_status and last is not None:
                last.status = int(line)
                expect_status = False
            elif last is not None:
                last.shown.append(line)
    return found


def _expected_status(example: Example) -> int:
    if example.status is not None:
        return example.status
    verdicts = [line for line in example.shown if line in ("REACHABLE", "UNREACHABLE")]
    return {"REACHABLE": 0, "UNREACHABLE": 1}[verdicts[0]] if verdicts else 0


def _jq(text: str, program: str) -> str:
    value = json.loads(text)
    for key in program.strip(".").split("."):
        value = value[key]
    return json.dumps(value)


def test_the_readme_has_examples() -> None:
    assert len(examples()) >= 5
    assert any(e.status is not None for e in examples())


def test_every_readme_example_runs_as_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # a fresh clone's user: nothing but the README's commands
    cli: CliRunner = make_runner(capsys, monkeypatch, 100)
    for example in examples():
        command, _, pipe = example.command.partition(" | ")
        command = command.split(" > ")[0]
        argv = shlex.split(command)
        assert argv[0] == "vpcsim"
        run = cli(*argv[1:])
        where = f"README.md:{example.line}: {example.command}"
        assert run.status == _expected_status(example), f"{where}: exit {run.status}\n{run.out}{run.err}"
        output = run.out
        if pipe:
            assert pipe.startswith("jq "), where
            output = _jq(output, pipe.removeprefix("jq ").strip())
        actual = [line.rstrip() for line in output.splitlines()]
        position = 0
        for shown in example.shown:
            if shown.strip() in ("...", ""):
                continue
            try:
                position = actual.index(shown.rstrip(), position) + 1
            except ValueError:
                pytest.fail(f"{where}: shown line not in the output (in order): {shown!r}\n{output}")


def test_the_readme_python_example_runs() -> None:
    [(_, lines)] = _blocks("python")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile("\n".join(lines), str(README), "exec"), {})
    assert printed.getvalue() == "reachable []\n"
