"""The HTTP side: a Starlette app speaking the EC2 Query protocol (and STS's query protocol).

``POST /`` (or ``GET /?Action=...``): the form's ``Action`` is looked up in botocore's model of
the service the request was signed for, the form is parsed into the operation's input
(:mod:`.protocol`), ``DryRun`` is answered, the registered action runs in one store transaction
of the caller's account and region (from the SigV4 credential scope), and its answer is
serialised from the output shape. SSM's public AMI parameters (``X-Amz-Target: AmazonSSM.*``,
:mod:`.ssm`) are answered too, as scripts find their ``ImageId`` there. An :class:`ApiError` is AWS's error XML; anything else is
``InternalError`` with the request id, its traceback logged here and never sent.

Also ``POST /moto-api/reset`` (moto's reset, so suites written for moto run unchanged),
``GET /vpcsim-api/documents`` (the state as describe-* documents: a URL is a NETWORK) and the web
console at ``/console/`` over the live state (:mod:`.console_mount`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.routing import Route

from ..formats.aws_state import DOCUMENTS_PATH
from . import ssm
from .console_mount import console_mount
from .context import Request
from .defaults import ensure_scope
from .errors import ApiError, dry_run
from .protocol import parse_input, render_error, render_output
from .registry import load_actions
from .signatures import verify_signature
from .store import Store

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "ServerSettings", "create_app"]

log = logging.getLogger("vpcsim.serve")

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
MAX_BODY = 1 << 20  # bytes of a request's form; EC2's own limit is in the same range
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_ACCOUNT = re.compile(r"^\d{12}$")
_XML = "text/xml; charset=utf-8"
_JSON = "application/x-amz-json-1.1"
_SSM_TARGET = "AmazonSSM."


@dataclass
class ServerSettings:
    """``keys``: access key id -> secret key; when ``verify_signatures``, every request must be
    signed by one of them (SigV4)."""

    verify_signatures: bool = False
    keys: dict[str, str] = field(default_factory=dict)
    max_body: int = MAX_BODY
    default_account: str = DEFAULT_ACCOUNT
    default_region: str = DEFAULT_REGION
    after_commit: Callable[[str, str], None] | None = None
    """Called with (action, request id) after a mutating request's transaction committed,
    before the answer is sent (``vpcsim serve --lab`` applies the change to the kernel here)."""
    health: Callable[[], dict[str, Any]] | None = None
    """More of ``GET /vpcsim/health`` (the lab and its watchdog)."""


#: Actions that never change the state: no ``after_commit`` for them.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Search", "Export")


@cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@dataclass
class _Caller:
    access_key: str | None
    region: str | None
    service: str | None


def _caller(headers: Any, form: dict[str, str]) -> _Caller:
    authorization = headers.get("authorization", "")
    match = _CREDENTIAL.search(authorization) or _CREDENTIAL.search(
        "Credential=" + form.get("X-Amz-Credential", "")
    )
    if match is None:
        return _Caller(form.get("AWSAccessKeyId"), None, None)
    return _Caller(match.group(1), match.group(3), match.group(4))


def _service(caller: _Caller, action: str) -> str:
    if caller.service in ("ec2", "sts"):
        return caller.service
    if action in _model("sts").operation_names and action not in _model("ec2").operation_names:
        return "sts"
    return "ec2"


def create_app(store: Store, settings: ServerSettings | None = None) -> Starlette:
    """The ASGI app over ``store``."""
    settings = settings or ServerSettings()
    actions = load_actions()

    def error(code: str, message: str, status: int, request_id: str, service: str = "ec2") -> Response:
        model = _model(service)
        body = render_error(
            code,
            message,
            request_id,
            protocol=model.metadata["protocol"],
            namespace=model.metadata["xmlNamespace"],
        )
        return Response(body, status_code=status, media_type=_XML)

    async def api(http: HttpRequest) -> Response:
        request_id = str(uuid.uuid4())
        service = "ec2"
        try:
            declared = http.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > settings.max_body):
                return error(
                    "RequestEntityTooLarge",
                    f"The request is larger than {settings.max_body} bytes",
                    413,
                    request_id,
                )
            raw = b""
            async for chunk in http.stream():
                raw += chunk
                if len(raw) > settings.max_body:
                    return error(
                        "RequestEntityTooLarge",
                        f"The request is larger than {settings.max_body} bytes",
                        413,
                        request_id,
                    )
            target = http.headers.get("x-amz-target", "")
            if target.startswith(_SSM_TARGET):
                if settings.verify_signatures:
                    verify_signature(
                        http.method, http.url.path, http.url.query, http.headers, raw, settings.keys
                    )
                return ssm_response(
                    target.removeprefix(_SSM_TARGET), raw, _caller(http.headers, {}), request_id
                )
            try:
                pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                return error(
                    "MalformedQueryString", "The request body is not UTF-8 form data", 400, request_id
                )
            pairs += parse_qsl(http.url.query, keep_blank_values=True)
            form = dict(pairs)
            caller = _caller(http.headers, form)
            name = form.get("Action", "")
            service = _service(caller, name)
            if settings.verify_signatures:
                verify_signature(http.method, http.url.path, http.url.query, http.headers, raw, settings.keys)
            return handle(name, pairs, caller, service, request_id)
        except ApiError as exc:
            return error(exc.code, exc.message, exc.status, request_id, service)
        except Exception:
            log.exception("request %s failed", request_id)
            return error(
                "InternalError",
                f"An internal error has occurred (request {request_id})",
                500,
                request_id,
                service,
            )

    def ssm_response(operation: str, raw: bytes, caller: _Caller, request_id: str) -> Response:
        headers = {"x-amzn-RequestId": request_id}
        try:
            try:
                body = orjson.loads(raw or b"{}")
            except orjson.JSONDecodeError:
                raise ApiError("SerializationException", "The request body is not JSON") from None
            if not isinstance(body, dict):
                raise ApiError("SerializationException", "The request body is not a JSON object")
            document = ssm.answer(operation, body, caller.region or settings.default_region)
            return Response(orjson.dumps(document), media_type=_JSON, headers=headers)
        except ApiError as exc:
            error = {"__type": exc.code, "message": exc.message}
            return Response(orjson.dumps(error), status_code=exc.status, media_type=_JSON, headers=headers)

    def handle(
        name: str, pairs: list[tuple[str, str]], caller: _Caller, service: str, request_id: str
    ) -> Response:
        model = _model(service)
        if not name:
            raise ApiError("MissingAction", "The request must contain the parameter Action")
        try:
            operation = model.operation_model(name)
        except Exception:
            raise ApiError("InvalidAction", f"The action {name} is not valid for this web service.") from None
        handler = actions.get((service, name))
        if handler is None:
            raise ApiError("InvalidAction", f"The action {name} is not implemented by vpcsim serve.")
        protocol = model.metadata["protocol"]
        params = parse_input(pairs, operation.input_shape, protocol)
        key = caller.access_key or ""
        account = key if _ACCOUNT.match(key) else settings.default_account
        region = settings.default_region if service == "sts" else caller.region or settings.default_region
        with store.transaction(account, region) as tx:
            ensure_scope(tx)
            if params.get("DryRun"):
                raise dry_run()
            request = Request(name, params, account, region, request_id, tx, {"access_key": key})
            answer = handler(request)
        if settings.after_commit is not None and not name.startswith(READ_ONLY_PREFIXES):
            settings.after_commit(name, request_id)
        body = render_output(
            name,
            answer,
            operation.output_shape,
            request_id,
            protocol=protocol,
            namespace=model.metadata["xmlNamespace"],
        )
        return Response(body, media_type=_XML)

    async def reset(_: HttpRequest) -> Response:
        store.reset()
        if settings.after_commit is not None:
            settings.after_commit("moto-api/reset", "")
        return Response(orjson.dumps({"status": "ok"}), media_type="application/json")

    async def state(_: HttpRequest) -> Response:
        scopes = [
            {"account": account, "region": region, "documents": documents}
            for (account, region), documents in sorted(store.documents().items())
        ]
        return Response(orjson.dumps({"scopes": scopes}), media_type="application/json")

    async def health(_: HttpRequest) -> Response:
        document: dict[str, Any] = {"status": "ok"}
        if settings.health is not None:
            document.update(settings.health())
        return Response(orjson.dumps(document), media_type="application/json")

    def console_committed(action: str, request_id: str) -> None:
        """The console's saves, as a request's commit (read when called: set after the app)."""
        if settings.after_commit is not None:
            settings.after_commit(action, request_id)

    routes = [
        console_mount(
            store,
            actions,
            _model,
            writable=not settings.verify_signatures,
            after_commit=console_committed,
        ),
        Route("/vpcsim/health", health, methods=["GET"]),
        Route("/moto-api/reset", reset, methods=["POST"]),
        Route(DOCUMENTS_PATH, state, methods=["GET"]),
        Route("/", api, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes)
