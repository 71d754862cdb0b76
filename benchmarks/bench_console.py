"""The web console (``docs/console.md``): what-if on the built-in examples through the app, and
the 50,000-ENI estate opened in Debian's chromium (map drawn, then one trace shown).

Targets: what-if <= 200 ms on the examples; the estate's map <= 5 s in the browser; a trace on it
<= 1 s once loaded. The browser part needs chromium (skipped, said so, without it).
"""

from __future__ import annotations

import shutil
import socket
import statistics
import threading
import time
from typing import Any

from starlette.testclient import TestClient

import vpcsim
from vpcsim.console import create_app
from vpcsim.examples import EXAMPLES
from vpcsim.testing import PRESETS, generate_network

WHATIF_TARGET, MAP_TARGET, TRACE_TARGET = 0.2, 5.0, 1.0


def whatif() -> None:
    for name in EXAMPLES:
        network = vpcsim.load(name)
        client = TestClient(create_app(lambda network=network: network))
        group = next(iter(network.security_groups))
        edit = {
            "Action": "AuthorizeSecurityGroupIngress",
            "GroupId": group,
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "CidrIp": "10.0.0.0/8",
        }
        flow = {
            "source": "internet",
            "destination": next(iter(network.instances)),
            "port": 5432,
            "edits": [edit],
        }
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert client.post("/api/whatif", json={"edits": [edit]}).status_code == 200
            assert client.post("/api/trace", json=flow).status_code == 200
            times.append(time.perf_counter() - start)
        print(
            f"what-if {name}: diff + exposure + trace with the edit, median {statistics.median(times) * 1000:.0f} ms "
            f"(target <= {WHATIF_TARGET * 1000:.0f} ms)"
        )


def estate() -> None:
    chromium = shutil.which("chromium")
    network = generate_network(1, PRESETS["estate"])
    running = [i.instance_id for i in network.instances.values() if i.state == "running"]
    client = TestClient(create_app(lambda: network))
    start = time.perf_counter()
    topology = client.get("/api/topology")
    print(
        f"estate ({len(network.network_interfaces)} ENIs, {len(network.subnets)} subnets): topology "
        f"{time.perf_counter() - start:.2f} s server side, {len(topology.content) // 1024} KiB, "
        f"{len(topology.json()['nodes'])} boxes"
    )
    if chromium is None:
        print("estate in the browser: skipped (no chromium)")
        return
    import uvicorn
    from playwright.sync_api import sync_playwright

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server: Any = uvicorn.Server(
        uvicorn.Config(create_app(lambda: network), log_level="warning", lifespan="off")
    )
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=120_000)
        opened = time.perf_counter() - start
        print(
            f"estate in the browser: map drawn {opened:.2f} s after navigation (target <= {MAP_TARGET:.0f} s)"
        )
        page.fill("#trace-source", running[0])
        page.fill("#trace-destination", running[-1])
        page.fill("#trace-port", "22")
        start = time.perf_counter()
        page.click("#trace-go")
        page.wait_for_selector("[data-testid=verdict]", timeout=120_000)
        print(
            f"estate in the browser: trace shown {time.perf_counter() - start:.2f} s after the click "
            f"(target <= {TRACE_TARGET:.0f} s; why and reach follow)"
        )
        browser.close()
    server.should_exit = True


def main() -> None:
    whatif()
    estate()


if __name__ == "__main__":
    main()
