"""exposure: findings through the real path only, severity, SARIF, incomplete components."""

from __future__ import annotations

from pathlib import Path

from tests.support.builders import (
    AclRule,
    custom_acl,
    public_private_vpc,
    security_group,
    tutorial_vpc,
)

from vpcsim.analysis import exposure
from vpcsim.analysis.contracts import ExposureOut
from vpcsim.analysis.entries import Traffic
from vpcsim.analysis.exposure import severity
from vpcsim.analysis.reports import exposure_sarif
from vpcsim.examples import example_file
from vpcsim.formats.spec import load_spec
from vpcsim.model import SecurityGroupRule


def test_bastion_ssh_is_high() -> None:
    p = public_private_vpc()
    result = exposure(p.net)
    assert [
        (f.eni, f.entry.traffic.describe(), f.entry.sources, f.severity, f.bidirectional)
        for f in result.findings
    ] == [
        (
            p.net.primary_network_interface(p.bastion.instance_id).network_interface_id,
            "tcp 22",
            ("0.0.0.0/0",),
            "high",
            True,
        )
    ]
    path = result.findings[0].path
    assert path[0] == "internet" and path[1] == p.igw.internet_gateway_id and path[-1].startswith("eni-")
    assert p.bastion_sg.group_id in path


def test_open_group_without_public_address_is_not_exposed() -> None:
    s = tutorial_vpc(firewall="open", public_ips=False)
    assert exposure(s.net).findings == ()


def test_group_attached_to_nothing_is_not_exposed() -> None:
    s = tutorial_vpc(firewall="ssh")
    security_group(s.net, s.vpc, "wide-open", ingress=[{"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}])
    assert {f.entry.traffic.describe() for f in exposure(s.net).findings} == {"tcp 22"}


def test_no_route_back_to_the_internet_gateway_is_one_way() -> None:
    s = tutorial_vpc(firewall="open", igw_route=False)
    result = exposure(s.net)
    # The SYN is delivered (the IGW translates inbound) but replies have no route back; only ICMP
    # messages that need no reply (destination unreachable...) count as working both ways.
    assert result.findings
    for f in result.findings:
        if f.bidirectional is True:
            assert f.entry.traffic.protocol == "icmp" and (8, -1) not in (f.entry.traffic.icmp or ())
        else:
            assert f.bidirectional is False


def test_detached_gateway_is_not_exposed() -> None:
    s = tutorial_vpc(firewall="open", attach_igw=False)
    assert exposure(s.net).findings == ()


def test_acl_narrows_the_sources_and_ports() -> None:
    s = tutorial_vpc(firewall="open")
    custom_acl(
        s.net,
        s.subnet_a,
        inbound=[AclRule(100, "allow", "tcp", cidr="198.51.100.0/24", ports=(443, 443))],
        outbound=[AclRule(100, "allow", "tcp", ports=(1024, 65535))],
    )
    web1_eni = s.net.primary_network_interface(s.web1.instance_id).network_interface_id
    findings = [f for f in exposure(s.net).findings if f.eni == web1_eni]
    assert [(f.entry.traffic.describe(), f.entry.sources, f.severity) for f in findings] == [
        ("tcp 443", ("198.51.100.0/24",), "low")
    ]


def test_severity_table() -> None:
    world = ("0.0.0.0/0",)
    part = ("198.51.100.0/24",)
    assert severity(Traffic("tcp", ((3389, 3389),)), world) == "high"
    assert severity(Traffic("tcp", ((5432, 5432),)), part) == "medium"
    assert severity(Traffic("tcp", ((443, 443),)), world) == "low"
    assert severity(Traffic("tcp", ((8080, 8080),)), world) == "medium"
    assert severity(Traffic("all"), world) == "high"
    assert severity(Traffic("icmp"), world) == "low"
    assert severity(Traffic("tcp", ((8080, 8080),)), part) == "low"


def test_json_and_sarif() -> None:
    p = public_private_vpc()
    result = exposure(p.net, skipped={"load_balancers": 2})
    doc = result.to_dict()
    finding = doc["findings"][0]
    assert set(finding) >= {
        "instance",
        "eni",
        "address",
        "protocol",
        "ports",
        "icmp",
        "sources",
        "bidirectional",
        "severity",
        "path",
    }
    assert (
        finding["protocol"] == "tcp" and finding["ports"] == [[22, 22]] and finding["bidirectional"] is True
    )
    assert doc["incomplete"] == [
        {
            "kind": "skipped",
            "component": "load_balancers",
            "count": 2,
            "detail": doc["incomplete"][0]["detail"],
        }
    ]
    sarif = exposure_sarif(result, "net.yaml")
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "vpcsim"
    assert [r["ruleId"] for r in run["results"]] == ["VPCSIM_EXPOSURE_HIGH"]
    assert run["results"][0]["level"] == "error"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "net.yaml"


def test_other_protocols_keep_their_numbers_in_json_and_sarif() -> None:
    """A finding of protocol ``other`` says which protocols."""
    s = tutorial_vpc(firewall="none")
    s.sg.ingress = [
        SecurityGroupRule(ip_protocol=p, cidr_ipv4="0.0.0.0/0") for p in ("47", "50", "51", "132")
    ]
    s.net.touch()
    result = exposure(s.net)
    found = [f.to_dict() for f in result.findings]
    assert found and all(f["protocol"] == "other" for f in found)
    assert found[0]["protocols"] == [[47, 47], [50, 51], [132, 132]]
    ExposureOut.model_validate(result.to_dict())
    sarif = exposure_sarif(result)
    assert sarif["runs"][0]["results"][0]["properties"]["protocols"] == [[47, 47], [50, 51], [132, 132]]


def test_sarif_results_point_at_the_line_defining_the_instance(tmp_path: Path) -> None:
    text = example_file("bastion-nat").read_text()
    path = tmp_path / "bastion-nat.yaml"
    path.write_text(text)
    loaded = load_spec(path)
    sarif = exposure_sarif(exposure(loaded.network), str(path), loaded.locations)
    [result] = sarif["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == path.as_posix()
    line = physical["region"]["startLine"]
    assert text.splitlines()[line - 1].strip() == "bastion:"
