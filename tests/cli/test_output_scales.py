"""Output that scales: matrix JSON and CSV written cell by cell (byte-identical to the whole
document), ``matrix --summary``, ``exposure --group``, and the progress display (on a terminal
only, never under --json or --quiet)."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from rich.console import Console
from tests.support.cli import CliRunner

from vpcsim.analysis.contracts import ANALYSIS_OUTPUTS
from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.exposure_groups import group_findings
from vpcsim.analysis.matrix import matrix
from vpcsim.cli import progress as cli_progress
from vpcsim.cli.common import emit_json, emit_json_stream
from vpcsim.formats.aws import export_aws
from vpcsim.progress import NO_PROGRESS
from vpcsim.testing import PRESETS, generate_network


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate") / "aws"
    export_aws(generate_network(11, PRESETS["small"]), folder)
    return folder


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"b": [1, {"c": None}], "a": "x"}, {}, [], 3]])
def test_a_streamed_document_is_the_whole_document(
    items: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    head = {"schema_version": 1, "z": [1, 2], "by": "subnet", "labels": []}
    emit_json({**head, "cells": items})
    whole = capsys.readouterr().out
    emit_json_stream(head, "cells", iter(items))
    assert capsys.readouterr().out == whole


@pytest.mark.parametrize("by", ["subnet", "security-group", "instance"])
def test_matrix_json_and_csv_stream_the_same_bytes(cli: CliRunner, estate: Path, by: str) -> None:
    from vpcsim.formats.loader import load_source

    result = matrix(load_source(str(estate)).network, by)  # type: ignore[arg-type]
    assert result.cells  # something to stream
    run = cli("matrix", str(estate), "--by", by, "--json")
    assert (
        run.out
        == orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
    )
    run = cli("matrix", str(estate), "--by", by, "--csv")
    assert run.out == result.to_csv()


def test_matrix_summary_counts(cli: CliRunner, estate: Path) -> None:
    from vpcsim.formats.loader import load_source

    result = matrix(load_source(str(estate)).network, "subnet")
    counts = result.summary()
    assert counts["cells"] == len(result.cells)
    assert counts["cells_allowed"] == sum(1 for c in result.cells if c.allowed)
    run = cli("matrix", str(estate), "--summary")
    assert run.status in (0, 3)
    assert "pairs with traffic" in run.out and f"{counts['cells']:,}" in run.out
    assert "{" not in run.out  # counts, not the cells
    assert cli("matrix", str(estate), "--summary", "--json").status == 2


def test_exposure_groups_hold_every_finding_once(cli: CliRunner, estate: Path) -> None:
    from vpcsim.formats.loader import load_source

    network = load_source(str(estate)).network
    result = exposure(network)
    groups = group_findings(network, result)
    assert sum(g.count for g in groups) == len(result.findings)
    assert len(groups) <= len(result.findings)
    for g in groups:  # alike but for ENI and address
        members = [f for f in result.findings if f.eni in g.enis and f.entry == g.example.entry]
        assert {f.severity for f in members} == {g.severity}
    plain = cli("exposure", str(estate), "--json")
    grouped = cli("exposure", str(estate), "--json", "--group")
    assert "groups" not in plain.json  # the contract as it was, unless asked
    assert grouped.json["findings"] == plain.json["findings"]  # every finding kept
    assert sum(g["count"] for g in grouped.json["groups"]) == len(plain.json["findings"])
    ANALYSIS_OUTPUTS["exposure"].model_validate(grouped.json)
    text = cli("exposure", str(estate), "--group")
    assert f"in {len(groups)} group(s)" in text.out


def test_alike_findings_make_one_group() -> None:
    """web-1 and web-2 share their group (ssh from anywhere): one group of two; a third
    instance with its own group is a group of its own."""
    from tests.support.builders import security_group, tutorial_vpc

    t = tutorial_vpc(firewall="ssh")
    other = security_group(
        t.net, t.vpc, "rdp", ingress=[{"ip_protocol": "tcp", "port": 3389, "cidr_ipv4": "0.0.0.0/0"}]
    )
    t.net.run_instance(t.subnet_a, name="win", groups=[other], associate_public_ip_address=True)
    result = exposure(t.net)
    groups = group_findings(t.net, result)
    assert len(result.findings) == 3
    assert [(g.count, g.security_groups) for g in groups] == [
        (2, (t.sg.group_id,)),
        (1, (other.group_id,)),
    ]
    assert groups[0].instances == tuple(sorted((t.web1.instance_id, t.web2.instance_id)))
    assert groups[0].to_dict()["ports"] == [[22, 22]]


# ---------------------------------------------------------------------------------- progress


def test_progress_is_off_unless_a_person_watches() -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True)
    plain = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(
        cli_progress.make_progress(as_json=False, quiet=False, console=terminal), cli_progress.RichProgress
    )
    assert cli_progress.make_progress(as_json=False, quiet=False, console=plain) is NO_PROGRESS
    assert cli_progress.make_progress(as_json=True, quiet=False, console=terminal) is NO_PROGRESS
    assert cli_progress.make_progress(as_json=False, quiet=True, console=terminal) is NO_PROGRESS
    dumb = Console(file=io.StringIO(), force_terminal=True, _environ={"TERM": "dumb"})
    assert cli_progress.make_progress(as_json=False, quiet=False, console=dumb) is NO_PROGRESS


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal: what the progress display draws lands here."""
    screen = io.StringIO()
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(
        cli_progress, "Console", lambda **_: Console(file=screen, force_terminal=True, width=100)
    )
    return screen


@pytest.mark.parametrize(
    ("command", "phase"),
    [
        (["exposure"], "exposure"),
        (["matrix", "--by", "subnet"], "matrix by subnet"),
    ],
)
def test_progress_shows_phases_on_a_terminal(
    cli: CliRunner, estate: Path, terminal: io.StringIO, command: list[str], phase: str
) -> None:
    run = cli(command[0], str(estate), *command[1:], "--no-cache")
    assert run.status in (0, 1, 3)
    drawn = terminal.getvalue()
    assert "loading" in drawn and "compiling" in drawn and phase in drawn
    assert "elapsed" in drawn and "eta" in drawn


def test_progress_of_diff_and_check(
    cli: CliRunner, estate: Path, terminal: io.StringIO, tmp_path: Path
) -> None:
    cli("diff", str(estate), str(estate))
    assert "diff: comparing pairs" in terminal.getvalue()
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "assertions:\n  - name: nothing from the internet to itself\n    from: internet\n    to: internet\n    deny: all\n"
    )
    terminal.seek(0)
    terminal.truncate(0)
    cli("check", str(estate), str(policy))
    assert "check (assertions)" in terminal.getvalue()
    assert "reading the cache" in terminal.getvalue()  # the estate was loaded by diff


@pytest.mark.parametrize("flag", ["--json", "--quiet"])
def test_no_progress_under_json_or_quiet(
    cli: CliRunner, estate: Path, terminal: io.StringIO, flag: str
) -> None:
    run = cli("exposure", str(estate), flag, "--no-cache")
    assert terminal.getvalue() == ""
    assert run.err == ""


def test_no_progress_when_stderr_is_not_a_terminal(cli: CliRunner, estate: Path) -> None:
    run = cli("exposure", str(estate), "--no-cache")
    assert run.err == ""  # captured: not a terminal
