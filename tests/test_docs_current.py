"""Generated documentation must match the code it documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.paths import DOCS

from vpcsim.contracts import OUTPUTS, output_schema
from vpcsim.engine.codes import CODES, codes_markdown


def test_explanation_codes_doc_is_current() -> None:
    assert (DOCS / "explanation-codes.md").read_text() == codes_markdown()


def test_every_code_is_aws_or_prefixed() -> None:
    for code, (source, _) in CODES.items():
        assert (source == "vpcsim") == code.startswith("VPCSIM_"), code


def test_output_schemas_are_current() -> None:
    for name in OUTPUTS:
        published = json.loads((DOCS / "schemas" / f"{name}.schema.json").read_text())
        assert published == output_schema(name), f"run: python -m vpcsim.contracts docs/schemas ({name})"


_OUTSIDE_OR_TRACKER = re.compile(
    r"/work/|\.\./shared|shared/reference|\bissue ?#?\d|\(issue[: ]|\bPR ?#\d|§ ?\d",
    re.IGNORECASE,
)


def test_no_reference_outside_the_repository_or_to_an_issue_tracker() -> None:
    """Code and docs stand on their own: no path outside the checkout, no issue numbers."""
    root = DOCS.parent
    files = [root / "README.md", root / "Makefile", *root.glob("scripts/*")]
    for folder, pattern in (("src", "*.py"), ("docs", "*.md"), ("tests", "*.py"), ("benchmarks", "*.py")):
        files.extend((root / folder).rglob(pattern))
    files.extend((root / "tests" / "fixtures").glob("*/README.md"))
    found = []
    for path in files:
        if path.resolve() == Path(__file__).resolve():
            continue  # the pattern itself
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _OUTSIDE_OR_TRACKER.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
