"""``python -m vpcsim.resident FOLDER KEY...``: the resident process of cache folder FOLDER,
holding the estates of KEY... once their entries are on disk (started by the ``vpcsim`` command)."""

from __future__ import annotations

import sys
from pathlib import Path

from .server import run

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: python -m vpcsim.resident FOLDER [KEY...]\n")
        sys.exit(2)
    sys.exit(run(Path(sys.argv[1]), sys.argv[2:]))
