"""The documentation names the options the commands really have.

* ``docs/cli.md``'s "Options of every command" is generated from the commands (drift fails).
* Every ``vpcsim COMMAND ... --flag`` written in the README and in ``docs/`` (code spans, command
  blocks and console examples) names an option that command has.
* In the synopses (the first block of ``docs/cli.md`` and ``docs/lab.md``), an option written
  with a value takes one and an option written bare is a flag (``matrix --csv FILE`` was wrong).
* Every command of the app is in the synopsis of ``docs/cli.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.support.paths import DOCS

from vpcsim.cli.reference import commands, option_names, options_markdown, replace_section

ROOT = DOCS.parent
COMMANDS: dict[str, Any] = dict(commands())
TOP = {name.split()[0] for name in COMMANDS}
GROUPS = {name.split()[0] for name in COMMANDS if " " in name}
_FLAG = re.compile(r"^\[?(--?[a-z][a-z0-9-]*)(\]*)$")


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _mentions(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every ``vpcsim ...`` command written in a code span or a code block."""
    out: list[tuple[int, str]] = []
    in_block = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            text = line.removeprefix("$ ")
            if text.startswith("vpcsim "):
                out.append((number, text))
            continue
        out += [(number, span) for span in re.findall(r"`(vpcsim [^`]+)`", line)]
    return out


def _parse(text: str) -> tuple[list[str], list[tuple[str, str | None]]] | None:
    """(command names, [(flag, value or None)]) of one written command, None for prose."""
    tokens = text.replace("\\|", "|").split()
    words = tokens[1].split("|")
    if not set(words) <= TOP:
        return None
    rest = tokens[2:]
    if len(words) == 1 and words[0] in GROUPS:  # `vpcsim lab up|down`, `vpcsim cache info`
        if not rest:
            return None
        words = [f"{words[0]} {w}" for w in rest[0].split("|")]
        rest = rest[1:]
    flags: list[tuple[str, str | None]] = []
    for i, token in enumerate(rest):
        if token in ("|", "#", ">", "--", "&&") or token.startswith("#"):
            break
        match = _FLAG.match(token)
        if match is None:
            continue
        value = None
        if not match.group(2) and i + 1 < len(rest):
            following = rest[i + 1]
            if not following.startswith(("-", "[", "|", "#")) and following not in ("|", ">"):
                value = following
        flags.append((match.group(1), value))
    return words, flags


def test_the_generated_options_are_current() -> None:
    text = (DOCS / "cli.md").read_text()
    assert replace_section(text) == text, "run: python -m vpcsim.cli.reference docs/cli.md"
    assert options_markdown() in text


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_every_documented_flag_exists(path: Path) -> None:
    wrong = []
    for number, text in _mentions(path):
        parsed = _parse(text)
        if parsed is None:
            continue
        words, flags = parsed
        for word in words:
            if word not in COMMANDS:
                wrong.append(f"{path.name}:{number}: no command `vpcsim {word}`")
                continue
            known = option_names(COMMANDS[word]) | {"--help", "-h"}
            wrong += [
                f"{path.name}:{number}: `vpcsim {word}` has no {flag}"
                for flag, _ in flags
                if flag not in known
            ]
    assert not wrong, "\n".join(wrong)


def _synopsis(path: Path) -> list[str]:
    text = path.read_text()
    block = text.split("```", 2)[1]
    lines: list[str] = []
    for line in block.splitlines()[1:]:
        if line.startswith("vpcsim "):
            lines.append(line)
        elif line.startswith(" ") and lines:
            lines[-1] += " " + line.strip()
    # drop the description after the command: two spaces or more
    return [re.split(r"\s{2,}", line)[0] for line in lines]


@pytest.mark.parametrize("name", ["cli.md", "lab.md"])
def test_synopsis_values_match_the_options(name: str) -> None:
    wrong = []
    for line in _synopsis(DOCS / name):
        parsed = _parse(line)
        assert parsed is not None, line
        words, flags = parsed
        for word in words:
            params = {n: p for p in COMMANDS[word].params for n in [*p.opts, *p.secondary_opts]}
            for flag, value in flags:
                option = params.get(flag)
                if option is None:
                    wrong.append(f"`vpcsim {word}` has no {flag}")
                elif option.is_flag and value is not None:
                    wrong.append(f"`vpcsim {word} {flag}` is a flag, documented with a value {value!r}")
                elif not option.is_flag and value is None:
                    wrong.append(f"`vpcsim {word} {flag}` takes a value, documented without one")
    assert not wrong, "\n".join(wrong)


def test_every_command_is_in_the_synopsis() -> None:
    documented = set()
    for line in _synopsis(DOCS / "cli.md"):
        parsed = _parse(line)
        assert parsed is not None
        documented.update(parsed[0])
    assert documented == set(COMMANDS)
