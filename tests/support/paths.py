"""Where the test data and the repository's files are, for every test folder alike."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
DOCS = ROOT / "docs"
