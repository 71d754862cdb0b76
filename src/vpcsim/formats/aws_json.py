"""Finding and parsing the files of an AWS ``describe-*`` folder.

A folder follows ``[aws_configs/][ACCOUNT/][REGION/]*.json`` (Batfish's layout, and what
``vpcsim collect`` writes): folder names that look like an account id (12 digits) or a region
(``us-east-2``) say where the files' resources live; other folder names are ignored. File names
do not matter: the importer looks at each document's top-level keys.

Parsing uses orjson. A malformed or truncated file is not lost whole when it has the usual
``{"Key": [ ... ]`` shape: the complete items before the damage are recovered (with the slow
stdlib decoder, only on this error path) and the damage is reported with its line and column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .nesting import too_deep, too_deep_message
from .problems import LoadProblem, Location

ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_ZONE_RE = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)(?:[a-z]|-[a-z0-9-]+)$")
_ARN_REGION_RE = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+):")
_FIRST_KEY_RE = re.compile(rb'^\s*\{\s*"((?:[^"\\]|\\.)*)"')
_SALVAGE_RE = re.compile(r'^\s*\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*\[')


def region_of_zone(zone: object) -> str | None:
    """``us-east-2b`` -> ``us-east-2``; local zones (``us-west-2-lax-1a``) too."""
    if type(zone) is not str:
        return None
    match = _ZONE_RE.match(zone)
    return match.group(1) if match else None


def region_of_arn(arn: object) -> str | None:
    """``arn:aws:ec2:us-east-2:554773406868:subnet/...`` -> ``us-east-2``."""
    if type(arn) is not str:
        return None
    match = _ARN_REGION_RE.match(arn)
    return match.group(1) if match else None


@dataclass(slots=True)
class SourceFile:
    """One JSON file of a folder, with the account and region its folders name (if any)."""

    path: Path
    name: str
    """What problems call the file: its path as the user can open it."""
    account: str | None
    region: str | None
    directory: str
    """Files of one directory share the account and region inferred from their data."""


def discover(root: Path) -> list[SourceFile]:
    """Every ``*.json`` file under ``root`` (or ``root`` itself), in a stable order.

    A single file is placed by its two parent folders only (``ACCOUNT/REGION/file.json``), so
    that an unrelated ancestor folder cannot place it."""
    if root.is_file():
        return [_source(root, root.parent.parts[-2:])]
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix.lower() == ".json" and not _hidden(p, root)
    )
    return [_source(p, p.relative_to(root).parent.parts) for p in files]


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _source(path: Path, folders: tuple[str, ...]) -> SourceFile:
    account = region = None
    for part in folders:
        if ACCOUNT_RE.match(part):
            account = part
        elif REGION_RE.match(part):
            region = part
    return SourceFile(path=path, name=str(path), account=account, region=region, directory=str(path.parent))


def first_key(data: bytes) -> str | None:
    """The first top-level key of a JSON document, read from its first bytes (for ordering)."""
    match = _FIRST_KEY_RE.match(data[:4096])
    if not match:
        return None
    try:
        key = json.loads(b'"' + match.group(1) + b'"')
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def parse(name: str, data: bytes) -> tuple[Any, LoadProblem | None]:
    """Parse one file; on damage, recover what can safely be recovered and say what was lost."""
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark (PowerShell's redirection writes one)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        where = Location(file=name, line=exc.lineno, column=exc.colno)
        text = data.decode("utf-8", errors="replace")
        salvaged = _salvage(text)
        if salvaged is None:
            message = f"malformed JSON ({exc.msg}); the file was not read"
            return None, LoadProblem("error", "VPCSIM_MALFORMED_JSON", message, where)
        key, items = salvaged
        message = (
            f"malformed or truncated JSON ({exc.msg}); read the {len(items)} complete item(s) of "
            f"{key} before that point, the rest of the file was not read"
        )
        return {key: items}, LoadProblem("error", "VPCSIM_MALFORMED_JSON", message, where)
    deep = too_deep(document)
    if deep is not None:
        message = f"{too_deep_message()}; the file was not read"
        return None, LoadProblem("error", "VPCSIM_JSON_TOO_DEEP", message, Location(file=name, path=deep))
    return document, None


def _salvage(text: str) -> tuple[str, list[Any]] | None:
    """The complete items of a damaged ``{"Key": [item, item, ...`` document, if it has that shape."""
    match = _SALVAGE_RE.match(text)
    if not match:
        return None
    try:
        key = json.loads('"' + match.group(1) + '"')
    except ValueError:
        return None
    decoder = json.JSONDecoder()
    items: list[Any] = []
    index = match.end()
    length = len(text)
    while True:
        while index < length and text[index] in " \t\r\n":
            index += 1
        try:
            item, index = decoder.raw_decode(text, index)
            orjson.dumps(item)  # what orjson (the reader of sound files) would refuse: lone surrogates
        except (ValueError, RecursionError, TypeError):
            break
        if too_deep(item) is not None:
            break
        items.append(item)
        while index < length and text[index] in " \t\r\n":
            index += 1
        if index < length and text[index] == ",":
            index += 1
            continue
        break
    return key, items
