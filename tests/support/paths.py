"""Where the test data and the repository's files are, for every test folder alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
DOCS = ROOT / "docs"


def with_unmodelled_database(tmp_path: Path) -> Path:
    """The Batfish load-balancer snapshot plus one RDS instance (``DBInstances``): a resource
    type vpcsim reads but does not model, which carries traffic -- so an answer is incomplete."""
    folder = tmp_path / "with-rds"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "aws" / "test-load-balancer", folder)
    configs = folder / "aws_configs"
    (configs / "DBInstances.json").write_text(
        json.dumps({"DBInstances": [{"DBInstanceIdentifier": "db-1", "Engine": "postgres"}]})
    )
    return folder
