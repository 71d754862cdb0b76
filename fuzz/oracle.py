"""What every run must satisfy, whatever the input (the CLI contract of ``docs/cli.md``).

1. The exit status is one of 0, 1, 2, 3: never 70 (an internal error is a bug in vpcsim).
2. No Python traceback is shown (only ``--debug`` may show one, for an internal error).
3. A rejection (exit 2) of an input file names the file and where in it: a line, or a key or
   JSON path -- except for the few problems that concern a whole file (:data:`WHOLE_FILE`).
4. A rejection speaks the user's language, not Python's (``invalid literal for int()``,
   ``'NoneType' object ...``): :data:`PYTHON_INTERNALS`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .runner import Outcome

CONTRACT_STATUSES = frozenset({0, 1, 2, 3})

#: Problems about a file as a whole, which have no line or key to point at.
WHOLE_FILE = frozenset(
    {
        "VPCSIM_FILE_UNREADABLE",
        "VPCSIM_UNREADABLE",
        "VPCSIM_NOT_FOUND",
        "VPCSIM_NO_INPUT",
        "VPCSIM_AWS_NOTHING",
        "VPCSIM_SPEC_EMPTY",
        "VPCSIM_FORMAT_UNKNOWN",
        "VPCSIM_FORMAT_UNSUPPORTED",
        "VPCSIM_TF_NOT_A_FILE",
        "VPCSIM_TF_BINARY_PLAN",
        "VPCSIM_REGION_ASSUMED",  # a warning: no region anywhere in the input
    }
)

PYTHON_INTERNALS = re.compile(
    r"invalid literal for|object has no attribute|not subscriptable|unhashable type|NoneType"
    r"|unsupported operand|positional argument|object is not iterable|\[Errno \d+\]"
    r"|Traceback \(most recent call last\)|maximum recursion depth|Exceeds the limit \(\d+ digits\)"
    r"|object of type|can't multiply|not supported between instances|expected string or bytes"
)

TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Failure:
    """One broken promise: ``kind`` says which, ``signature`` groups inputs with one cause."""

    kind: str
    signature: str
    detail: str


def _json_document(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _internal_origin(err: str) -> str:
    """``ExcType at file.py:LINE in function``: the innermost vpcsim frame of a traceback."""
    frames = re.findall(r'File "([^"]*vpcsim/[^"]*)", line (\d+), in (\S+)', err)
    last = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt)\b)", err, flags=re.M)
    where = f"{frames[-1][0].split('vpcsim/')[-1]}:{frames[-1][1]} in {frames[-1][2]}" if frames else "?"
    return f"{last[-1] if last else 'Exception'} at {where}"


def _problems(document: Any) -> list[dict[str, Any]] | None:
    if not isinstance(document, dict) or not isinstance(document.get("error"), dict):
        return None
    details = document["error"].get("details")
    return details if isinstance(details, list) else []


def check(outcome: Outcome, *, input_files: tuple[str, ...] = ()) -> list[Failure]:
    """The broken promises of one run (``input_files``: the files whose problems must be located)."""
    failures: list[Failure] = []
    text = outcome.out + outcome.err
    if outcome.status not in CONTRACT_STATUSES:
        origin = _internal_origin(outcome.err)
        kind = "internal-error" if outcome.status == 70 else "exit-status"
        failures.append(Failure(kind, f"{outcome.status} {origin}", _last_lines(text)))
    elif TRACEBACK in text:
        failures.append(Failure("traceback", _internal_origin(text), _last_lines(text)))
    if outcome.status != 2:
        return failures
    document = _json_document(outcome.out)
    message = ""
    problems = _problems(document)
    if problems is not None:
        message = str(document["error"].get("message", ""))
        messages = [message, *(str(p.get("message", "")) for p in problems)]
    else:
        messages = [outcome.err]
    for found in messages:
        match = PYTHON_INTERNALS.search(found)
        if match:
            failures.append(Failure("python-message", match.group(0), found[:300]))
            break
    if input_files and problems is not None:
        code = str(document["error"].get("code", ""))
        if not problems and code not in WHOLE_FILE:
            failures.append(Failure("unlocated", f"{code} without details", message[:300]))
        for problem in problems:
            failure = _unlocated(problem, input_files)
            if failure:
                failures.append(failure)
                break
    return failures


def _unlocated(problem: dict[str, Any], input_files: tuple[str, ...]) -> Failure | None:
    code = str(problem.get("code", ""))
    location = problem.get("location") or {}
    file = location.get("file")
    if not file or not any(str(file).startswith(f) for f in input_files):
        return Failure("unlocated", f"{code} names no input file", str(problem)[:300])
    if code in WHOLE_FILE:
        return None
    if location.get("line") is None and not location.get("path"):
        return Failure("unlocated", f"{code} has no line or key", str(problem)[:300])
    return None


def _last_lines(text: str, count: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-count:])
