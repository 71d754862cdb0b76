"""`vpcsim show NETWORK --html FILE`: one self-contained file with the map, the exposure table and
the findings; the network's text is escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import vpcsim
from vpcsim.cli import main
from vpcsim.console.report import html_report


def test_report_holds_the_map_exposure_and_findings() -> None:
    network = vpcsim.load("web-server")
    text = html_report(network, title="report")
    assert "<script" not in text and "http" not in text.replace("http-equiv", "").replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    for instance in network.instances.values():
        assert instance.instance_id in text
    findings = vpcsim.exposure(network).findings
    assert len(re.findall(r'<td class="sev-high">HIGH</td>', text)) == sum(
        f.severity == "high" for f in findings
    )
    assert text.count("⚠ HIGH exposed") == len({f.instance for f in findings if f.severity == "high"})
    assert "Findings of validation (0)" in text


def test_hostile_names_are_escaped() -> None:
    network = vpcsim.load("bastion-nat")
    subnet = network.find_by_name("private")[0].id
    network.run_instance(subnet, name='<script>alert(1)</script><img src=x onerror="alert(2)">')
    text = html_report(network, title="<b>title</b>")
    assert "<script>alert" not in text and "<img" not in text and "<b>title" not in text
    assert "&lt;script&gt;alert(1)" in text


def test_show_html_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["--no-cache", "show", "bastion-nat", "--html", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")
    assert capsys.readouterr().out == ""
    assert main(["--no-cache", "show", "bastion-nat", "--html", str(tmp_path / "missing" / "r.html")]) == 2
