"""Generated documentation must match the code it documents."""

from __future__ import annotations

import json

from tests.support.paths import DOCS

from vpcsim.contracts import OUTPUTS, output_schema
from vpcsim.engine.codes import CODES, codes_markdown

DOCS = DOCS


def test_explanation_codes_doc_is_current() -> None:
    assert (DOCS / "explanation-codes.md").read_text() == codes_markdown()


def test_every_code_is_aws_or_prefixed() -> None:
    for code, (source, _) in CODES.items():
        assert (source == "vpcsim") == code.startswith("VPCSIM_"), code


def test_output_schemas_are_current() -> None:
    for name in OUTPUTS:
        published = json.loads((DOCS / "schemas" / f"{name}.schema.json").read_text())
        assert published == output_schema(name), f"run: python -m vpcsim.contracts docs/schemas ({name})"
