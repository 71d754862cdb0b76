"""The console's web application: a Starlette app over a callable that returns the network.

``create_app(lambda: network)`` serves one loaded network (``vpcsim console``); ``vpcsim serve``
mounts the same app at ``/console`` with a callable returning its live state, so every request
sees the network as it is now. The page is static files (plain ES modules and the vendored
cytoscape, no CDN); every answer is JSON with ``schema_version``, the public API results'
``to_dict()`` where there is one. Questions are answered in worker threads, side by side (the
engine's caches are per network and replaced whole, never edited in place); the map's layout is
built once per network version (a lock), and saving is one at a time.

Endpoints (relative to where the app is mounted):

* ``GET /`` the page; ``GET /static/...`` its files
* ``GET /api/network`` a summary (counts, version, whether a compared network is loaded); cheap:
  the page polls it every second and reloads the map only when ``version`` moved
* ``GET /api/topology?expand=subnet-...`` the map: boxes with their places, links
* ``POST /api/owners`` ``{ids}``: the subnet of each instance, ENI or NAT gateway (the page
  finds the box of what a collapsed subnet hides)
* ``POST /api/warm``: compile the network's rules now (the page asks once its map is drawn)
* ``GET /api/search?q=`` components by id, Name tag or address
* ``GET /api/component/{id}?destination=IP`` the side panel: fields and rules
* ``POST /api/trace`` ``{source, destination, protocol, port, edits}``: trace, checklist, path
* ``POST /api/why`` and ``POST /api/reach`` (the same body): why and the full checklist; reach
* ``POST /api/exposure`` ``{edits}``: the exposure result
* ``POST /api/whatif`` ``{edits}``: the diff the edits make, and exposure after them
* ``POST /api/spec`` ``{edits}``: the edited network as a YAML spec (the "save")
* ``GET /api/compare`` the diff from this network to the compared one (``--compare``)
* ``POST /api/save`` ``{edits}``: the edits written back through ``save`` (when given)
* ``GET /api/resources`` the Build tab's pickers (VPCs, subnets, gateways... by kind); the Build
  tab itself posts EC2 Query requests to ``ec2_api`` (when given: ``vpcsim serve``)

``version`` is a token of the network as served: it moves when the source returns another
network object (a live state reloaded) or the network's own ``version`` moves (edited in place).
A source that cannot give a network now raises :class:`NetworkUnavailable`: the answer is a 503
with its message, and the page says so and keeps polling.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import vpcsim

from .. import _api  # noqa: F401  (vpcsim's questions: imported now, not by the first trace)
from ..engine.compiled import compile_network
from ..model import Network
from . import details
from .edits import EditError, edited
from .layout import layout
from .questions import SCHEMA_VERSION, FlowError, reach_answer, trace_answer, why_answer
from .resources import resources as resource_lists
from .search import search
from .topology import Node, subnets_of, topology

NetworkSource = Callable[[], Network]
Saver = Callable[[Sequence[Mapping[str, Any]]], None]
"""Writes what-if edits back to where the network lives (``vpcsim serve``: through its EC2 API);
raises ``ValueError`` (or ``ModelError``) to refuse them."""


class NetworkUnavailable(Exception):
    """Raised by a network source that cannot give the network now (a live state that cannot be
    read as a network): the console answers 503 with the message."""

    code = "VPCSIM_NETWORK_UNAVAILABLE"


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"schema_version": SCHEMA_VERSION, "error": {"code": code, "message": message, **extra}},
        status_code=status,
    )


class _Console:
    def __init__(
        self,
        network: NetworkSource,
        compare: NetworkSource | None,
        title: str,
        save: Saver | None,
        ec2_api: str | None,
    ) -> None:
        self.network = network
        self.compare = compare
        self.save = save
        self.ec2_api = ec2_api
        self.title = title
        self.lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self._warmed: str | None = None
        self._compiling = threading.Lock()
        self._compiled: str | None = None
        self._token_lock = threading.Lock()
        self._last: Network | None = None  # held, so its id is never reused while compared
        self._generation = 0

    def token(self, network: Network) -> str:
        """The version of the network as served (see the module's docstring)."""
        with self._token_lock:
            if network is not self._last:
                self._last = network
                self._generation += 1
            return f"{self._generation}.{network.version}"

    def cached(self, network: Network, key: str, build: Callable[[], Any]) -> Any:
        """One answer per network version and question (a live state changes version)."""
        full = (self.token(network), key)
        if full not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[full] = build()
        return self._cache[full]

    # ------------------------------------------------------------------ pages

    def index(self, request: Request) -> Response:
        page = resources.files(__package__).joinpath("static/index.html").read_text(encoding="utf-8")
        root = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(page.replace("__BASE__", f"{root}/"), headers={"Cache-Control": "no-store"})

    # ------------------------------------------------------------------ api

    def summary(self, request: Request) -> Response:
        network = self.network()
        counts = {
            "vpcs": len(network.vpcs),
            "subnets": len(network.subnets),
            "instances": len(network.instances),
            "network_interfaces": len(network.network_interfaces),
            "security_groups": len(network.security_groups),
        }
        return JSONResponse(
            {
                "schema_version": SCHEMA_VERSION,
                "title": self.title,
                "version": self.token(network),
                "compiled": self._compiled == self.token(network),
                "counts": counts,
                "compare": self.compare is not None,
                "can_save": self.save is not None,
                "ec2_api": self.ec2_api,
            }
        )

    def resources(self, request: Request) -> Response:
        network = self.network()
        return JSONResponse(
            {
                "schema_version": SCHEMA_VERSION,
                "version": self.token(network),
                **self.cached(network, "resources", lambda: resource_lists(network)),
            }
        )

    def topology(self, request: Request) -> Response:
        expand = tuple(sorted(x for x in request.query_params.get("expand", "").split(",") if x))
        with self.lock:
            network = self.network()
            token = self.token(network)
            # kept encoded (orjson): on a big estate the answer is megabytes
            body = self.cached(
                network,
                f"topology:{','.join(expand)}",
                lambda: orjson.dumps(_map(network, expand, token)),
            )
            return Response(body, media_type="application/json")

    def warm(self, request: Request) -> Response:
        """Compile the network's rules now (the page asks once its map is drawn, so the two do
        not compete for the cores): the first trace then answers at once (seconds saved on a
        big estate)."""
        network = self.network()
        token = self.token(network)
        with self.lock:
            start = self._warmed != token
            self._warmed = token
        if start:
            threading.Thread(target=self.compiled, args=(network,), daemon=True).start()
        return JSONResponse({"schema_version": SCHEMA_VERSION, "version": token, "started": start})

    def compiled(self, network: Network) -> None:
        """The network compiled, once: a question asked while it compiles waits for it rather
        than compiling it a second time."""
        with self._compiling:
            compile_network(network)
            self._compiled = self.token(network)

    async def owners(self, request: Request) -> Response:
        try:
            body = await self._body(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))
        ids = body.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return _error(400, "VPCSIM_BAD_REQUEST", "give ids, a list of strings")
        network = self.network()
        return JSONResponse(
            {
                "schema_version": SCHEMA_VERSION,
                "version": self.token(network),
                "owners": subnets_of(network, ids),
            }
        )

    def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        network = self.network()
        return JSONResponse(
            {"schema_version": SCHEMA_VERSION, "query": query, "matches": search(network, query)}
        )

    def component(self, request: Request) -> Response:
        component_id = request.path_params["component_id"]
        destination = request.query_params.get("destination") or None
        if destination is not None:
            try:
                ipaddress.IPv4Address(destination)
            except ValueError:
                return _error(400, "VPCSIM_BAD_ADDRESS", f"{destination!r} is not an IPv4 address")
        try:
            network = self._edited(request.query_params.get("edits"))
            return JSONResponse(details.component(network, component_id, destination=destination))
        except details.UnknownComponent:
            return _error(404, "VPCSIM_UNKNOWN_COMPONENT", f"no component {component_id!r} in the network")
        except EditError as exc:
            return JSONResponse({"schema_version": SCHEMA_VERSION, **exc.to_dict()}, status_code=400)

    def _edited(self, edits: Any) -> Network:
        if isinstance(edits, str):
            try:
                edits = orjson.loads(edits) if edits else []
            except orjson.JSONDecodeError:
                raise EditError(0, "edits must be a JSON list") from None
        if edits in (None, []):
            return self.network()
        if not isinstance(edits, list):
            raise EditError(0, "edits must be a list")
        return edited(self.network(), edits)

    async def _body(self, request: Request) -> Mapping[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise FlowError("the request body must be JSON") from None
        if not isinstance(body, Mapping):
            raise FlowError("the request body must be a JSON object")
        return body

    async def flow_question(self, request: Request) -> Response:
        """``trace``, ``why`` or ``reach`` for the flow in the body (the last part of the path)."""
        question = {"trace": trace_answer, "why": why_answer, "reach": reach_answer}[
            request.url.path.rsplit("/", 1)[-1]
        ]
        try:
            body = await self._body(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))
        return await self._answer(body, lambda network: question(network, body))

    async def exposure(self, request: Request) -> Response:
        try:
            body = await self._body_or_empty(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))
        return await self._answer(body, lambda network: vpcsim.exposure(network).to_dict())

    async def whatif(self, request: Request) -> Response:
        try:
            body = await self._body_or_empty(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))

        def answer(network: Network) -> dict[str, Any]:
            started = time.perf_counter()
            base = self.network()
            diff = vpcsim.diff(base, network).to_dict()
            return {
                "schema_version": SCHEMA_VERSION,
                "diff": diff,
                "exposure": vpcsim.exposure(network).to_dict(),
                "edits": len(body.get("edits") or []),
                "seconds": round(time.perf_counter() - started, 4),
            }

        return await self._answer(body, answer)

    async def spec(self, request: Request) -> Response:
        try:
            body = await self._body_or_empty(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))
        from ..formats.spec_dump import dump_spec

        with self.lock:
            try:
                network = self._edited(body.get("edits"))
            except EditError as exc:
                return JSONResponse({"schema_version": SCHEMA_VERSION, **exc.to_dict()}, status_code=400)
            text = dump_spec(network)
        return PlainTextResponse(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": 'attachment; filename="network.yaml"'},
        )

    async def save_edits(self, request: Request) -> Response:
        """Write the edits back through the ``save`` callable, after checking they apply to a copy."""
        if self.save is None:
            return _error(404, "VPCSIM_READ_ONLY", "this console saves edits only as a YAML spec")
        if not request.headers.get("content-type", "").startswith("application/json"):
            # a form another site posts is not JSON: no write from a page that is not this one
            return _error(415, "VPCSIM_BAD_REQUEST", "the edits to save are sent as application/json")
        try:
            body = await self._body_or_empty(request)
        except FlowError as exc:
            return _error(400, "VPCSIM_BAD_REQUEST", str(exc))
        edits = body.get("edits")
        if not isinstance(edits, list) or not edits:
            return _error(400, "VPCSIM_BAD_REQUEST", "give the edits to save, a non-empty list")
        with self.lock:
            try:
                self._edited(edits)  # refuses what AWS would refuse, before anything is written
                self.save(edits)
            except EditError as exc:
                return JSONResponse({"schema_version": SCHEMA_VERSION, **exc.to_dict()}, status_code=400)
            except ValueError as exc:
                return _error(400, getattr(exc, "code", None) or "VPCSIM_SAVE_REFUSED", str(exc))
            return JSONResponse({"schema_version": SCHEMA_VERSION, "saved": len(edits)})

    def compared(self, request: Request) -> Response:
        if self.compare is None:
            return _error(404, "VPCSIM_NO_COMPARE", "the console was started without a network to compare")
        with self.lock:
            old, new = self.network(), self.compare()
            return JSONResponse(vpcsim.diff(old, new).to_dict())

    async def _body_or_empty(self, request: Request) -> Mapping[str, Any]:
        if not await request.body():
            return {}
        return await self._body(request)

    async def _answer(
        self, body: Mapping[str, Any], question: Callable[[Network], dict[str, Any]]
    ) -> Response:
        """Answer in a worker thread: a long question (exposure, why or reach on a big estate)
        neither blocks the server nor makes a trace wait behind it."""

        def run() -> Response:
            try:
                self.compiled(self.network())
                network = self._edited(body.get("edits"))
                return JSONResponse(question(network))
            except EditError as exc:
                return JSONResponse({"schema_version": SCHEMA_VERSION, **exc.to_dict()}, status_code=400)
            except FlowError as exc:
                return _error(400, "VPCSIM_BAD_FLOW", str(exc))

        return await anyio.to_thread.run_sync(run)


def _node_dict(node: Node, boxes: dict[str, Any]) -> None:
    box = boxes.get(node.id)
    if box is not None:
        box.update(
            {
                "label": node.label,
                "sublabel": node.sublabel,
                "members": list(node.members),
                "addresses": list(node.addresses),
                "count": node.count,
            }
        )
    for child in (*node.children, *node.edge):
        _node_dict(child, boxes)


def _map(network: Network, expand: tuple[str, ...], token: str) -> dict[str, Any]:
    topo = topology(network, expand=expand)
    placed = layout(topo)
    boxes = {box.id: box.to_dict() for box in placed}
    for root in topo.roots:
        _node_dict(root, boxes)
    if "internet" in boxes:
        boxes["internet"].update(
            {"label": "internet", "sublabel": "0.0.0.0/0", "members": [], "addresses": [], "count": 0}
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "version": token,
        "nodes": [boxes[box.id] for box in placed],
        "links": [
            {"id": link.id, "source": link.source, "target": link.target, "kind": link.kind}
            for link in topo.links
            if link.source in boxes and link.target in boxes
        ],
        "width": max((b.x + b.w for b in placed), default=0),
        "height": max((b.y + b.h for b in placed), default=0),
    }


def create_app(
    network: NetworkSource,
    *,
    compare: NetworkSource | None = None,
    title: str = "vpcsim console",
    save: Saver | None = None,
    ec2_api: str | None = None,
) -> Starlette:
    """The console for the network ``network()`` returns (called on every request: a live
    state's changes show at once); ``compare`` gives a second network for the diff overlay;
    ``save`` lets the page write its what-if edits back (``vpcsim serve``: through its EC2 API;
    without it the edits are saved only as a YAML spec); ``ec2_api`` is the URL, relative to the
    page, of an EC2 Query API over the same network (``vpcsim serve``: ``../``): the page's Build
    tab posts its requests there (without it the tab is not shown)."""
    console = _Console(network, compare, title, save, ec2_api)
    static = resources.files(__package__).joinpath("static")
    routes = [
        Route("/", console.index),
        Route("/api/network", console.summary),
        Route("/api/topology", console.topology),
        Route("/api/search", console.search),
        Route("/api/component/{component_id}", console.component),
        Route("/api/trace", console.flow_question, methods=["POST"]),
        Route("/api/why", console.flow_question, methods=["POST"]),
        Route("/api/reach", console.flow_question, methods=["POST"]),
        Route("/api/exposure", console.exposure, methods=["GET", "POST"]),
        Route("/api/whatif", console.whatif, methods=["POST"]),
        Route("/api/spec", console.spec, methods=["POST"]),
        Route("/api/compare", console.compared),
        Route("/api/save", console.save_edits, methods=["POST"]),
        Route("/api/resources", console.resources),
        Route("/api/owners", console.owners, methods=["POST"]),
        Route("/api/warm", console.warm, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
    ]

    async def unavailable(request: Request, exc: Exception) -> Response:
        return _error(503, NetworkUnavailable.code, str(exc))

    return Starlette(routes=routes, exception_handlers={NetworkUnavailable: unavailable})
