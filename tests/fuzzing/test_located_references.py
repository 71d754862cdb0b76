"""Every dangling reference, of every resource kind, is reported with its file and place.

The campaign found problems about resources the AWS importer makes itself (a transit gateway
route table named only by an attachment's ``Association``, a NAT gateway's interface, the
placeholder of an absent resource) reported with a file but no JSON path: nothing located them.
Here every id in every file of every AWS fixture, and every id-valued attribute of every
Terraform fixture, is made to dangle (an id of the same kind that exists nowhere) in turn; each
file is read alone, and each file is left out of its folder: whatever is reported (a rejection,
or the warnings of an accepted input), every problem names the file and a JSON path in it
(:mod:`fuzz.oracle`, the campaign's own check).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz.oracle import check
from fuzz.runner import Outcome, run_reader
from tests.support.paths import FIXTURES

from vpcsim.formats.loader import load_network

ID = re.compile(r"^([a-z]+(?:-[a-z]+)*)-([0-9a-f]{8,17})$")

AWS = sorted(p.name for p in (FIXTURES / "aws").iterdir() if p.is_dir())
TERRAFORM = sorted(p.name for p in (FIXTURES / "terraform").glob("*.json"))


def _ids(document: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _ids(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _ids(value, (*path, index))
    elif isinstance(document, str) and ID.match(document):
        yield path, document


def _dangling(resource_id: str) -> str:
    match = ID.match(resource_id)
    assert match is not None
    return f"{match[1]}-{'0' * (len(match[2]) - 4)}dead"


def _set(document: Any, path: tuple[Any, ...], value: str) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _load(target: Path) -> Outcome:
    return run_reader(lambda: _warnings_as_problems(target))


def _warnings_as_problems(target: Path) -> None:
    """An accepted input's warnings must be located too: raise them as the rejection would."""
    from vpcsim.formats.problems import InputError

    result = load_network(target)
    if result.warnings:
        raise InputError(list(result.warnings))


def _unlocated(outcome: Outcome, target: Path) -> list[str]:
    assert outcome.status in (0, 2), outcome.err[-2000:]
    return [f"{f.kind}: {f.signature}: {f.detail}" for f in check(outcome, input_files=(str(target),))]


def _folder(fixture: str) -> Path:
    return next(p.parent for p in (FIXTURES / "aws" / fixture).rglob("Vpcs.json"))


@pytest.mark.parametrize("fixture", AWS)
def test_every_dangling_aws_reference_is_located(fixture: str, tmp_path: Path) -> None:
    source = _folder(fixture)
    work = tmp_path / "net"
    shutil.copytree(source, work)
    failures: list[str] = []
    for file in sorted(source.glob("*.json")):
        original = file.read_text(encoding="utf-8")
        for path, value in _ids(json.loads(original)):
            document = json.loads(original)
            _set(document, path, _dangling(value))
            (work / file.name).write_text(json.dumps(document), encoding="utf-8")
            failures += [f"{file.name} {path}: {f}" for f in _unlocated(_load(work), work)]
        (work / file.name).write_text(original, encoding="utf-8")
    assert failures == []


@pytest.mark.parametrize("fixture", AWS)
def test_every_aws_file_alone_or_missing_is_located(fixture: str, tmp_path: Path) -> None:
    """A file read alone leaves everything it names dangling; a file left out, everything that
    names what it describes."""
    source = _folder(fixture)
    failures: list[str] = []
    for file in sorted(source.glob("*.json")):
        failures += [f"{file.name} alone: {f}" for f in _unlocated(_load(file), file)]
        work = tmp_path / file.stem
        shutil.copytree(source, work)
        (work / file.name).unlink()
        failures += [f"{file.name} missing: {f}" for f in _unlocated(_load(work), work)]
    assert failures == []


@pytest.mark.parametrize("fixture", TERRAFORM)
def test_every_dangling_terraform_reference_is_located(fixture: str, tmp_path: Path) -> None:
    source = FIXTURES / "terraform" / fixture
    original = source.read_text(encoding="utf-8")
    target = tmp_path / fixture
    failures: list[str] = []
    for path, value in _ids(json.loads(original)):
        document = json.loads(original)
        _set(document, path, _dangling(value))
        target.write_text(json.dumps(document), encoding="utf-8")
        failures += [f"{path}: {f}" for f in _unlocated(_load(target), target)]
    assert failures == []


def test_a_route_table_named_only_by_an_attachment_is_located_there(tmp_path: Path) -> None:
    """The case the campaign found: ``TransitGatewayAttachments.json`` alone names its gateway's
    route table; the table is made from that, and a problem about it points at that name."""
    file = _folder("test-transit-gateway") / "TransitGatewayAttachments.json"
    outcome = _load(file)
    document = json.loads(outcome.out)
    tables = [p for p in document["error"]["details"] if p["message"].startswith("tgw-rtb-")]
    assert tables
    for problem in tables:
        assert (
            problem["location"]["path"]
            == "$.TransitGatewayAttachments[0].Association.TransitGatewayRouteTableId"
        )
