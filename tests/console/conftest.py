"""Browser fixtures: the console served on 127.0.0.1 by uvicorn in a thread, and Debian's
chromium driven by Playwright (``executable_path``: browser downloads fail here).

Without chromium the browser tests skip, except under ``CI=true`` where they must run.
Screenshots go to ``$VPCSIM_CONSOLE_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.console import create_app

CHROMIUM = os.environ.get("VPCSIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class LiveConsole:
    """A console server whose network the test can swap or edit."""

    def __init__(self) -> None:
        self.network: vpcsim.Network = vpcsim.load("bastion-nat")
        self.compare: vpcsim.Network | None = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread: threading.Thread | None = None
        self.server: Any = None

    def start(self) -> None:
        import uvicorn

        # a network to compare with, when one is set before the server starts (--compare)
        compare = (lambda: self.compare) if self.compare is not None else None
        app = create_app(lambda: self.network, compare=compare)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the console server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def live() -> Iterator[LiveConsole]:
    server = LiveConsole()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing under CI=true: scripts/install-lab-deps.sh installs it")
        pytest.skip("chromium is not installed (apt-get install chromium; scripts/install-lab-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live: LiveConsole) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == [], f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("VPCSIM_CONSOLE_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("console-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
