"""Running the app: :func:`run` for ``vpcsim serve`` (uvicorn, blocking) and
:class:`BackgroundServer` for tests and scripts (uvicorn in a thread on 127.0.0.1 and a free
port, stopped cleanly)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import ServerSettings, create_app
from .store import Store

__all__ = ["LOOPBACK", "BackgroundServer", "exposure_warning", "run"]

LOOPBACK = ("127.0.0.1", "::1", "localhost")
log = logging.getLogger("vpcsim.serve")


def exposure_warning(host: str, settings: ServerSettings) -> str | None:
    """What to warn about when the server listens beyond loopback without checking signatures."""
    if host in LOOPBACK or settings.verify_signatures:
        return None
    return (
        f"vpcsim serve is listening on {host} without --verify-signatures: anyone who can reach this "
        "address can read and change the state"
    )


def run(store: Store, host: str, port: int, settings: ServerSettings, *, log_level: str = "info") -> None:
    """Serve until interrupted."""
    warning = exposure_warning(host, settings)
    if warning:
        log.warning("%s", warning)
    listener = listen(host, port)
    config = uvicorn.Config(create_app(store, settings), log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[listener])


def listen(host: str, port: int) -> socket.socket:
    """A listening socket with ``TCP_NODELAY`` (inherited by every connection): uvicorn writes an
    answer's head and body separately, and with Nagle's algorithm the body then waits for the
    client's delayed ACK (40 ms a request on Linux)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(2048)
    return listener


class BackgroundServer:
    """``with BackgroundServer() as server: boto3.client("ec2", endpoint_url=server.url)``."""

    def __init__(
        self, store: Store | None = None, settings: ServerSettings | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.store = store or Store(":memory:")
        self.settings = settings or ServerSettings()
        self._socket = listen(host, 0)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            create_app(self.store, self.settings), log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("vpcsim serve did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
