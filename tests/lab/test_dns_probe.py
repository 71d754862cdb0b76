"""Probing the VPC resolver for real: ``lab probe`` and ``demo --live`` ask the lab's dnsmasq a
question and report its answer (lab/dns_probe.py); metadata and Time Sync stay "not realised"."""

from __future__ import annotations

import json
import struct

import pytest

from vpcsim.cli.lab import run_live_demo
from vpcsim.formats.loader import load_example
from vpcsim.lab import lab_probe, lab_up
from vpcsim.lab.dns_probe import parse_answer, query, reverse_name


def _reply(ident: int, rcode: int, asked: str, ptr: str | None) -> bytes:
    """A resolver's reply to ``query(asked, ident)``: the question echoed, one compressed PTR."""
    question = query(asked, ident)[12:]
    answers = 0 if ptr is None else 1
    header = struct.pack(">HHHHHH", ident, 0x8180 | rcode, 1, answers, 0, 0)
    if ptr is None:
        return header + question
    target = b"".join(bytes([len(p)]) + p.encode() for p in ptr.split(".")) + b"\0"
    record = b"\xc0\x0c" + struct.pack(">HHIH", 12, 1, 0, len(target)) + target
    return header + question + record


def test_the_question_is_the_sources_reverse_name_and_answers_are_read() -> None:
    assert reverse_name("10.0.10.45") == "45.10.0.10.in-addr.arpa"
    asked = reverse_name("172.31.23.249")
    message = query(asked, 0x4242)
    assert message[:2] == b"\x42\x42" and message[-4:] == struct.pack(">HH", 12, 1)
    name = "ip-172-31-23-249.sa-east-1.compute.internal"
    assert parse_answer(_reply(0x4242, 0, asked, name), 0x4242) == ("NOERROR", [name])
    assert parse_answer(_reply(0x4242, 3, asked, None), 0x4242) == ("NXDOMAIN", [])
    assert parse_answer(_reply(0x4243, 0, asked, name), 0x4242) is None  # another question's
    assert parse_answer(query(asked, 0x4242), 0x4242) is None  # a question, not a reply
    assert parse_answer(b"\x42\x42\x81", 0x4242) is None  # truncated
    unanswered = _reply(0x4242, 0, asked, None)
    looped = unanswered[:6] + b"\x00\x01" + unanswered[8:] + bytes([0xC0, len(unanswered)])
    # a name pointing at itself: an answer (the resolver replied), read without hanging or crashing
    assert parse_answer(looped, 0x4242) == ("NOERROR", [])


@pytest.mark.lab
@pytest.mark.usefixtures("lab_environment")
def test_lab_probe_asks_the_vpc_resolver(lab_name: str) -> None:
    lab_up(load_example("default-vpc").network, lab_name, responder=False)
    own = reverse_name("172.31.23.249")
    name = "ip-172-31-23-249.sa-east-1.compute.internal"  # a default VPC: host names on
    for server in ("172.31.0.2", "169.254.169.253"):
        for protocol in ("udp", "tcp"):
            document = lab_probe(lab_name, "instance-1", server, protocol, 53, 40053)
            assert document["reachable"], document["lab"]["detail"]
            assert document["lab"]["detail"] == f"the VPC resolver answered {own}: NOERROR, PTR {name}"
            assert document["lab"]["client_port"] == 40053
    # port 53 of an address that is no resolver is an ordinary probe: nobody holds 172.31.0.3
    other = lab_probe(lab_name, "instance-1", "172.31.0.3", "udp", 53, None, 0.3)
    assert not other["reachable"] and "resolver" not in other["lab"]["detail"]


@pytest.mark.lab
@pytest.mark.usefixtures("lab_environment")
def test_demo_live_realises_the_dns_step(lab_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_live_demo("custom-vpc", as_json=True, name=lab_name) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["agree"] is True
    (dns,) = [s for s in document["steps"] if s["flow"]["dst"] == "10.0.0.2"]
    assert dns["engine"] == "reachable" and dns["kernel"] == "reachable"  # every SG and ACL denies
    assert [p["source_port"] for p in dns["probes"]] == [32768, 60999]
    for probe in dns["probes"]:
        assert probe["delivered"] is True
        # a custom VPC: enableDnsHostnames off, so the resolver answers without the private name
        assert probe["detail"] == "the VPC resolver answered 45.10.0.10.in-addr.arpa: NXDOMAIN"
    assert all(s["kernel"] != "not realised" for s in document["steps"])
