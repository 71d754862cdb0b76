"""Every command takes the server's URL (or its state file) as NETWORK: a trace on a server
seeded from an example answers as a trace on the example."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner

from vpcsim.formats.loader import load_source
from vpcsim.serve import BackgroundServer, Store
from vpcsim.serve.seed import seed


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 100)


@pytest.mark.parametrize(
    ("source", "target", "port", "expected"), [("internet", "bastion", "22", 0), ("internet", "app", "22", 1)]
)
def test_trace_on_url_and_state_file_matches_the_example(
    cli: CliRunner, tmp_path: Path, source: str, target: str, port: str, expected: int
) -> None:
    state = tmp_path / "state.sqlite"
    store = Store(str(state))
    seed(store, load_source("bastion-nat").network)
    reference = cli("trace", "bastion-nat", "--from", source, "--to", target, "--port", port, "--json")
    assert reference.status == expected
    with BackgroundServer(store) as server:
        from_url = cli("trace", server.url, "--from", source, "--to", target, "--port", port, "--json")
    from_file = cli("trace", str(state), "--from", source, "--to", target, "--port", port, "--json")
    assert from_url.status == from_file.status == reference.status
    assert from_url.json["verdict"] == from_file.json["verdict"] == reference.json["verdict"]
    for key in ("forward", "return", "blockers", "flow"):
        assert from_url.json[key] == reference.json[key] == from_file.json[key], key


def test_unreachable_url_is_an_input_error(cli: CliRunner) -> None:
    run = cli("show", "http://127.0.0.1:9/")
    assert run.status == 2
    assert "cannot read the network of the vpcsim serve" in run.err
