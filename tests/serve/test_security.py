"""What a client can never get: a traceback, a 500 for bad input, a change without a valid
signature (when signatures are checked), an unbounded body."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.serve import BackgroundServer, ServerSettings
from vpcsim.serve.registry import ACTIONS
from vpcsim.serve.server import exposure_warning


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def error_of(text: str) -> tuple[str, str]:
    root = ET.fromstring(text)
    code = root.findtext("./Errors/Error/Code") or ""
    return code, root.findtext("./RequestID") or ""


def test_unknown_and_missing_actions(server: BackgroundServer) -> None:
    status, text = post(server.url, b"Action=LaunchRockets&Version=2016-11-15")
    assert (status, error_of(text)[0]) == (400, "InvalidAction")
    status, text = post(server.url, b"Version=2016-11-15")
    assert (status, error_of(text)[0]) == (400, "MissingAction")


def test_huge_body_is_refused(server: BackgroundServer) -> None:
    """Refused from its Content-Length, before the body is read. A client still sending may see
    the connection reset instead of the answer (the server stops reading): never a 500."""
    body = b"Action=DescribeVpcs&Filter.1.Name=" + b"x" * (2 << 20)
    host, port = server.url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        received = b""
        while b"</Response>" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        answer = received.decode()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "<Code>RequestEntityTooLarge</Code>" in answer


def test_internal_error_has_a_request_id_and_no_traceback(
    server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(request: Any) -> dict[str, Any]:
        raise RuntimeError("secret detail")

    monkeypatch.setitem(ACTIONS, ("ec2", "DescribeRegions"), boom)
    status, text = post(server.url, b"Action=DescribeRegions&Version=2016-11-15")
    code, request_id = error_of(text)
    assert (status, code) == (500, "InternalError")
    assert request_id and request_id in text
    assert "secret detail" not in text and "Traceback" not in text


FORM_KEYS = st.sampled_from(
    [
        "Action",
        "VpcId",
        "VpcId.1",
        "CidrBlock",
        "Filter.1.Name",
        "Filter.1.Value.1",
        "MaxResults",
        "DryRun",
        "TagSpecification.1.Tag.1.Key",
        "TagSpecification.1.Tag.1.Value",
        "NextToken",
        "Resources.1",
        "Tag.1.Key",
    ]
)
ACTIONS_TRIED = st.sampled_from(
    [
        "CreateVpc",
        "DescribeVpcs",
        "DeleteVpc",
        "CreateSubnet",
        "CreateTags",
        "DescribeRouteTables",
        "CreateRoute",
        "AllocateAddress",
        "Bogus",
        "",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    action=ACTIONS_TRIED,
    fields=st.lists(st.tuples(st.one_of(FORM_KEYS, st.text(max_size=12)), st.text(max_size=40)), max_size=6),
    raw=st.binary(max_size=64),
)
def test_any_request_gets_an_aws_answer_never_a_500(
    server: BackgroundServer, action: str, fields: list[tuple[str, str]], raw: bytes
) -> None:
    from urllib.parse import urlencode

    body = urlencode([("Action", action), ("Version", "2016-11-15"), *fields]).encode() + b"&" + raw
    status, text = post(server.url, body)
    assert status in (200, 400, 412), text
    ET.fromstring(text)  # well-formed XML either way
    if status != 200:
        code, request_id = error_of(text)
        assert code and request_id


def test_exposure_warning() -> None:
    assert exposure_warning("127.0.0.1", ServerSettings()) is None
    assert "without --verify-signatures" in (exposure_warning("0.0.0.0", ServerSettings()) or "")
    assert exposure_warning("0.0.0.0", ServerSettings(verify_signatures=True, keys={"a": "b"})) is None


@pytest.fixture(scope="module")
def signed_server() -> Iterator[BackgroundServer]:
    keys = {"AKIAVPCSIMEXAMPLE": "right-secret", "111122223333": "account-secret"}
    with BackgroundServer(settings=ServerSettings(verify_signatures=True, keys=keys)) as running:
        yield running


def _ec2(url: str, key: str, secret: str) -> Any:
    return boto3.client(
        "ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret
    )


def test_signatures_are_verified(signed_server: BackgroundServer) -> None:
    assert _ec2(signed_server.url, "AKIAVPCSIMEXAMPLE", "right-secret").describe_vpcs()["Vpcs"]
    vpc = _ec2(signed_server.url, "111122223333", "account-secret").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert vpc["OwnerId"] == "111122223333"
    for key, secret in (("AKIAVPCSIMEXAMPLE", "wrong-secret"), ("AKIAUNKNOWN", "right-secret")):
        with pytest.raises(ClientError) as excinfo:
            _ec2(signed_server.url, key, secret).create_vpc(CidrBlock="10.0.0.0/16")
        assert excinfo.value.response["Error"]["Code"] == "AuthFailure"
    status, text = post(signed_server.url, b"Action=DescribeVpcs&Version=2016-11-15")
    assert (status, error_of(text)[0]) == (401, "AuthFailure")
