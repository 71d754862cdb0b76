"""No tracked file holds a merge conflict's markers: one was once committed into docs/cli.md."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def test_no_tracked_text_file_holds_conflict_markers() -> None:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if listed.returncode != 0:  # not a git checkout (an sdist): nothing to check
        return
    offenders = []
    for name in listed.stdout.splitlines():
        path = ROOT / name
        if not path.is_file() or path.suffix not in {
            ".py",
            ".md",
            ".toml",
            ".yaml",
            ".yml",
            ".txt",
            ".sh",
            ".json",
            ".js",
            ".html",
            ".cfg",
            ".ini",
        }:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if line.startswith(MARKERS) or (line == "=======" and path.suffix == ".py"):
                offenders.append(f"{name}:{number}")
    assert offenders == [], f"conflict markers left in {offenders}"
