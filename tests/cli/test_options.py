"""One set of option names across commands (docs/cli.md): the input format is ``--format``
everywhere (old names hidden and working), the shorthands take ``trace``'s options, and standard
output never carries two documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.support.cli import CliRunner

from vpcsim.cli.reference import commands, option_names

COMMANDS: dict[str, Any] = dict(commands())
#: What each shorthand fixes, so does not take: its ends are arguments, its protocol is its own.
FIXED = {
    "ping": {"--from", "--to", "--protocol", "-p", "--port", "--source-port", "--client-ports"},
    "ssh": {"--from", "--to", "--protocol", "-p", "--icmp-type", "--icmp-code"},
    "curl": {"--from", "--to", "--protocol", "-p", "--icmp-type", "--icmp-code"},
}


def _reads_a_network(command: Any) -> bool:
    return any(p.param_type_name == "argument" and p.name in ("network", "old") for p in command.params)


@pytest.mark.parametrize("shorthand", sorted(FIXED))
def test_the_shorthands_take_the_options_trace_takes(shorthand: str) -> None:
    expected = option_names(COMMANDS["trace"], hidden=False) - FIXED[shorthand]
    assert option_names(COMMANDS[shorthand], hidden=False) == expected


def test_every_command_that_reads_a_network_takes_format_and_no_other_visible_name() -> None:
    readers = [name for name, command in COMMANDS.items() if _reads_a_network(command)]
    assert {"validate", "trace", "reach", "diff", "export", "check", "lab up"} <= set(readers)
    for name in readers:
        visible = option_names(COMMANDS[name], hidden=False)
        assert "--format" in visible, name
        assert not visible & {"--input-format", "--old-format", "--new-format"}, name


@pytest.mark.parametrize(
    ("shorthand", "options", "trace_options"),
    [
        (
            "ssh",
            ["--port", "2222", "--source-port", "40000"],
            ["-p", "tcp", "--port", "2222", "--source-port", "40000"],
        ),
        ("curl", ["--client-ports", "windows"], ["-p", "tcp", "--port", "80", "--client-ports", "windows"]),
        ("ping", ["--icmp-type", "13"], ["-p", "icmp", "--icmp-type", "13"]),
    ],
)
def test_a_shorthand_is_the_trace_it_stands_for(
    cli: CliRunner, shorthand: str, options: list[str], trace_options: list[str]
) -> None:
    short = cli(shorthand, "bastion-nat", "bastion", "app", *options, "--json")
    full = cli("trace", "bastion-nat", "--from", "bastion", "--to", "app", *trace_options, "--json")
    assert short.status == full.status
    assert short.json == full.json


def test_a_shorthand_refuses_what_trace_refuses(cli: CliRunner) -> None:
    run = cli("ssh", "bastion-nat", "bastion", "app", "--source-port", "1", "--client-ports", "linux")
    assert run.status == 2 and "exclude each other" in run.err


@pytest.mark.parametrize(
    "args",
    [
        ("exposure", "bastion-nat", "--json", "--sarif", "-"),
        ("check", "bastion-nat", "POLICY", "--json", "--junit", "-"),
        ("check", "bastion-nat", "POLICY", "--json", "--sarif", "-"),
        ("check", "bastion-nat", "POLICY", "--junit", "-", "--sarif", "-"),
    ],
)
def test_one_document_on_standard_output(cli: CliRunner, tmp_path: Path, args: tuple[str, ...]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("assertions:\n  - name: ssh\n    allow: {from: bastion, to: app, flows: [tcp/22]}\n")
    run = cli(*[str(policy) if a == "POLICY" else a for a in args])
    assert run.status == 2
    assert "standard output" in (run.json["error"]["message"] if "--json" in args else run.err)


def test_export_takes_to_for_the_output_and_format_for_the_input(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "aws"
    assert cli("export", "bastion-nat", "--to", "aws", "-o", str(folder)).status == 0
    spec = tmp_path / "again.yaml"
    assert cli("export", str(folder), "--format", "aws", "--to", "yaml", "-o", str(spec)).status == 0
    hidden = tmp_path / "hidden.yaml"
    assert cli("export", str(folder), "--input-format", "aws", "--to", "yaml", "-o", str(hidden)).status == 0
    assert spec.read_text() == hidden.read_text()
    wrong = cli("export", str(folder), "--format", "yaml", "--to", "yaml", "-o", str(tmp_path / "x.yaml"))
    assert wrong.status == 2  # the folder forced as a spec


def test_export_format_alone_keeps_its_former_meaning(cli: CliRunner, tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    run = cli("export", "bastion-nat", "--format", "yaml", "-o", str(old))
    assert run.status == 0 and "taking --format yaml as --to yaml" in run.err
    assert cli("export", "bastion-nat", "--to", "yaml", "-o", str(new)).status == 0
    assert old.read_text() == new.read_text()
    missing = cli("export", "bastion-nat", "-o", str(new))
    assert missing.status == 2 and "--to" in missing.err


def test_diff_takes_format_for_both_and_the_per_side_names_hidden(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "aws"
    assert cli("export", "bastion-nat", "--to", "aws", "-o", str(folder)).status == 0
    assert cli("diff", str(folder), str(folder), "--format", "aws", "--json").json["status"] == "same"
    side = cli("diff", "bastion-nat", str(folder), "--new-format", "aws", "--json")
    assert side.status == 0 and side.json["status"] == "same"
    assert cli("diff", "bastion-nat", str(folder), "--format", "terraform").status == 2
