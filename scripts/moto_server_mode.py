"""Run moto 5.2.5's own EC2 tests in server mode against ``vpcsim serve``; one command:

    .venv/bin/python scripts/moto_server_mode.py [FILE ...] [--cache DIR] [-- PYTEST-ARGS]

FILE is a test file name under moto's ``tests/test_ec2/`` (``test_vpcs.py``...); none means the
eleven VPC-area files (FILES). The moto source distribution is downloaded once with pip
(``pip download --no-deps --no-binary :all: moto==5.2.5``) into the cache folder
(``$VPCSIM_MOTO_CACHE``, else ``~/.cache/vpcsim/moto``) and unpacked there; ``freezegun``, which
the tests need, is installed with pip when missing. A fresh ``vpcsim serve --state :memory:`` is
started on 127.0.0.1 and a free port, the tests run with ``TEST_SERVER_MODE=true
TEST_SERVER_MODE_ENDPOINT=<url>``, and passed / failed / skipped are printed per file (exit 1
when any test failed or errored). ``--json PATH`` also writes each outcome's node ids
(``test_vpcs.py::test_create_vpc``) for tests/serve/test_moto_suite.py.

The failures expected on purpose (moto expects what AWS refuses) are listed, with the AWS
documentation that says so, in docs/serve-moto-disagreements.toml; ``--table`` prints the
Markdown table of docs/serve.md written from it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

VERSION = "5.2.5"
DISAGREEMENTS = Path(__file__).resolve().parent.parent / "docs" / "serve-moto-disagreements.toml"
FILES = (
    "test_vpcs.py",
    "test_subnets.py",
    "test_security_groups.py",
    "test_network_acls.py",
    "test_route_tables.py",
    "test_internet_gateways.py",
    "test_nat_gateway.py",
    "test_elastic_network_interfaces.py",
    "test_vpc_peering.py",
    "test_elastic_ip_addresses.py",
    "test_prefix_lists.py",
)


def sources(cache: Path) -> Path:
    """The unpacked moto source distribution (downloaded and unpacked when absent)."""
    root = cache / f"moto-{VERSION}"
    if (root / "tests" / "test_ec2").is_dir():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"moto-{VERSION}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"moto=={VERSION}",
                "-d",
                str(cache),
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return root


def ensure_freezegun() -> None:
    try:
        import freezegun  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "freezegun"], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-c",
        "import sys; from vpcsim.cli import main; sys.exit(main(sys.argv[1:]))",
        "serve",
        "--state",
        ":memory:",
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"vpcsim serve exited ({server.returncode}); see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/vpcsim-api/documents", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"vpcsim serve did not answer on port {port}; see {log}")


def outcomes(report: Path) -> dict[str, str]:
    """Node id (``test_vpcs.py::test_create_vpc[param]``) -> passed / failed / error / skipped."""
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")
        after = name[name.index("test_ec2") + 1 :] if "test_ec2" in name else name
        file = next((part + ".py" for part in after if part.startswith("test_")), "?")
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
            elif child.tag == "skipped":
                outcome = "skipped"
        found[f"{file}::{case.get('name', '?')}"] = outcome
    return found


def tally(found: dict[str, str]) -> dict[str, Counter[str]]:
    per_file: dict[str, Counter[str]] = {}
    for node, outcome in found.items():
        per_file.setdefault(node.split("::")[0], Counter())[outcome] += 1
    return per_file


def known() -> dict[str, object]:
    """docs/serve-moto-disagreements.toml, parsed."""
    with DISAGREEMENTS.open("rb") as handle:
        return tomllib.load(handle)


def table() -> str:
    """The Markdown table of docs/serve.md ("Where moto's tests and AWS disagree")."""
    lines = [
        "| tests | moto expects | AWS (and vpcsim) | source: what it says |",
        "| --- | --- | --- | --- |",
    ]
    for entry in known()["disagreement"]:  # type: ignore[attr-defined]
        tests = ", ".join(f"`{t}`" for t in entry["tests"])
        cells = [tests, entry["moto"], entry["aws"], f'{entry["source"]}: "{entry["quote"]}"']
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in args:
        at = args.index("--")
        args, extra = args[:at], args[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", default=list(FILES))
    default_cache = os.environ.get("VPCSIM_MOTO_CACHE") or str(Path.home() / ".cache" / "vpcsim" / "moto")
    parser.add_argument("--cache", default=default_cache)
    parser.add_argument("--json", help="write the node ids of each outcome to this file")
    parser.add_argument("--table", action="store_true", help="print docs/serve.md's table and exit")
    options = parser.parse_args(args)
    if options.table:
        print(table(), end="")
        return 0
    root = sources(Path(options.cache))
    ensure_freezegun()
    work = Path(tempfile.mkdtemp(prefix="vpcsim-moto-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, work / "server.log")
    try:
        env = dict(os.environ, TEST_SERVER_MODE="true", TEST_SERVER_MODE_ENDPOINT=url)
        env.pop("AWS_ENDPOINT_URL", None)
        report = work / "report.xml"
        paths = [f"tests/test_ec2/{name}" for name in options.files]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                "-o",
                "addopts=",
                f"--junitxml={report}",
                *paths,
                *extra,
            ],
            cwd=root,
            env=env,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    found = outcomes(report)
    if options.json:
        Path(options.json).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    per_file = tally(found)
    total: Counter[str] = Counter()
    print(f"\nmoto {VERSION} tests in server mode against vpcsim serve (server log: {work / 'server.log'})")
    for name in options.files:
        counts = per_file.get(name, Counter())
        total.update(counts)
        print(
            f"  {name:40} passed {counts['passed']:4}  failed {counts['failed']:4}  errors {counts['error']:3}  skipped {counts['skipped']:3}"
        )
    print(
        f"  {'total':40} passed {total['passed']:4}  failed {total['failed']:4}  errors {total['error']:3}  skipped {total['skipped']:3}"
    )
    return 1 if total["failed"] or total["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
