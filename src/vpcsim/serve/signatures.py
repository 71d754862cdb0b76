"""SigV4 verification for ``vpcsim serve --verify-signatures``: the request's signature is
computed again with the secret key configured for its access key id, as AWS does, and a
mismatch, an unknown key or a stale date is refused with EC2's ``AuthFailure``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote

from .errors import ApiError

__all__ = ["verify_signature"]

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<scope>\d{8}/[^/,\s]+/[^/,\s]+/aws4_request),\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;._-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_SKEW = dt.timedelta(minutes=15)


def _fail(message: str) -> ApiError:
    return ApiError("AuthFailure", message, 401)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in parse_qsl(query, keep_blank_values=True)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


def verify_signature(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, keys: Mapping[str, str]
) -> None:
    """Raise ``AuthFailure`` unless the request carries a valid SigV4 ``Authorization`` header
    signed with one of ``keys`` (access key id -> secret access key)."""
    match = _AUTH.match(headers.get("authorization", "").strip())
    if match is None:
        raise _fail("AWS was not able to validate the provided access credentials (no SigV4 signature)")
    secret = keys.get(match["key"])
    if secret is None:
        raise _fail("AWS was not able to validate the provided access credentials")
    stamp = headers.get("x-amz-date", "")
    try:
        when = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise _fail("The request has no valid X-Amz-Date") from None
    if abs(dt.datetime.now(dt.UTC) - when) > _SKEW:
        raise ApiError("RequestExpired", f"Request has expired. Timestamp date is {stamp}", 400)
    scope = match["scope"]
    if not scope.startswith(stamp[:8]):
        raise _fail("The credential scope's date is not the request's date")
    signed = match["headers"].split(";")
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)
    payload = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method,
            quote(path or "/", safe="/-_.~"),
            _canonical_query(query),
            canonical_headers,
            match["headers"],
            payload,
        ]
    )
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    date, region, service, _ = scope.split("/")
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise _fail("AWS was not able to validate the provided access credentials (signature mismatch)")
