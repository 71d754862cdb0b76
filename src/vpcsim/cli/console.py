"""``vpcsim console NETWORK``: the web console for one network, served on 127.0.0.1.

The network is loaded once (as every command loads it); the page's what-if edits are applied to
copies and never to it. ``--compare OTHER`` loads a second network for the diff overlay.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import webbrowser
from typing import Annotated

import typer

from .common import DebugOpt, FormatOpt, NetworkArg, load
from .errors import EXIT_OK, CliError

HOST = "127.0.0.1"
"""The console listens on the loopback address only: it answers questions about your network."""


def _free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            raise CliError(f"port {port} on {HOST} {reason}; choose another with --port") from None


def console_command(
    network: NetworkArg,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the console in the web browser.")
    ] = False,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="OTHER",
            help="A second network: the console shows what changes from NETWORK to it.",
        ),
    ] = None,
    fmt: FormatOpt = None,
    debug: DebugOpt = False,
) -> int:
    """Serve the web console on 127.0.0.1: the network as nested boxes, click-to-trace with every
    blocker, what-if edits of rules and routes (saved only as a YAML spec), exposure (docs/console.md)."""
    import uvicorn

    from ..console import create_app

    loaded = load(network, fmt).network
    other = load(compare, fmt).network if compare is not None else None
    _free(port)
    app = create_app(
        lambda: loaded,
        compare=(lambda: other) if other is not None else None,
        title=f"vpcsim console: {network}",
    )
    url = f"http://{HOST}:{port}/"
    sys.stderr.write(f"vpcsim console: {url} (Ctrl-C to stop)\n")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
    return EXIT_OK
