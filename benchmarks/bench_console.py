"""The web console (``docs/console.md``): what-if on the built-in examples through the app, and
the 50,000-ENI estate opened in Debian's chromium (map drawn, then one trace shown).

Targets: what-if <= 200 ms on the examples; the estate's map <= 5 s in the browser; a trace on it
<= 1 s once loaded. The browser part needs chromium (skipped, said so, without it).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
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


RUNS = 3


def _serve_process(network: vpcsim.Network) -> tuple[Any, str]:
    """The console over ``network`` in a forked process (the network is not built again)."""
    import multiprocessing

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"

    def serve() -> None:
        import uvicorn

        app = create_app(lambda: network)
        uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])

    process = multiprocessing.get_context("fork").Process(target=serve, daemon=True)
    process.start()
    sock.close()  # the child has it
    return process, url


_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, name, user + system CPU seconds) of every process (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def _cpu_snapshot(server_pid: int) -> dict[int, float]:
    """CPU seconds of the server process and of the browser's processes (chromium's, below this
    process: Playwright's driver starts them)."""
    table = _processes()
    mine, browser = {os.getpid()}, {}
    for pid in sorted(table):  # parents before children (pids grow; a reused low pid is rare)
        parent, name, _ = table[pid]
        if parent in mine:
            mine.add(pid)
            if "chrom" in name.lower():
                browser[pid] = table[pid][2]
    if server_pid in table:
        browser[server_pid] = table[server_pid][2]
    return browser


def _cpu_used(server_pid: int, before: dict[int, float]) -> tuple[float, float]:
    """CPU seconds used since ``before`` by the server and by the browser (a process started
    since counts whole): what the map costs whatever the machine's load, which stretches the
    wall time (docs/performance.md)."""
    after = _cpu_snapshot(server_pid)
    used = {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}
    return used.get(server_pid, 0.0), sum(v for pid, v in used.items() if pid != server_pid)


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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        opened: list[float] = []
        cpu: list[tuple[float, float]] = []
        trace_cpu: list[tuple[float, float]] = []
        compiled: list[float] = []
        traced: list[float] = []
        for _ in range(RUNS):
            # a new server process each run: nothing cached from the run before (the map, the
            # compiled rules), and nothing of it left running (why and reach of its trace take
            # minutes of CPU on the estate: they end with the process)
            process, url = _serve_process(network)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            before = _cpu_snapshot(process.pid)
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            opened.append(time.perf_counter() - start)
            cpu.append(_cpu_used(process.pid, before))
            # the page asks for the rules to be compiled once the map is drawn: "loaded"
            while not httpx.get(f"{url}api/network").json()["compiled"]:
                time.sleep(0.1)
            compiled.append(time.perf_counter() - start)
            page.fill("#trace-source", running[0])
            page.fill("#trace-destination", running[-1])
            page.fill("#trace-port", "22")
            before = _cpu_snapshot(process.pid)
            start = time.perf_counter()
            page.click("#trace-go")
            page.wait_for_selector("[data-testid=verdict]", timeout=120_000)
            traced.append(time.perf_counter() - start)
            trace_cpu.append(_cpu_used(process.pid, before))
            page.close()
            process.kill()
            process.join()
        browser.close()
    print(
        "estate in the browser: map drawn "
        + ", ".join(f"{t:.2f}" for t in opened)
        + f" s after navigation ({RUNS} runs, target <= {MAP_TARGET:.0f} s)"
    )
    print(
        "estate in the browser: CPU used until the map was drawn (server + browser) "
        + ", ".join(f"{a:.2f} + {b:.2f} s" for a, b in cpu)
        + " (what the wall time comes to on an idle machine, at most: the two run partly in parallel)"
    )
    print(
        "estate: the rules compiled (the page asks once the map is drawn) "
        + ", ".join(f"{t:.2f}" for t in compiled)
        + " s after navigation"
    )
    print(
        "estate in the browser: once compiled, trace shown "
        + ", ".join(f"{t:.2f}" for t in traced)
        + f" s after the click (target <= {TRACE_TARGET:.0f} s; why and reach follow)"
    )
    print(
        "estate in the browser: CPU used until the trace was shown (server + browser) "
        + ", ".join(f"{a:.2f} + {b:.2f} s" for a, b in trace_cpu)
        + " (the server's includes why and reach, which start with the trace)"
    )


def live() -> None:
    """``vpcsim serve`` with the console at /console: a subnet created with boto3, until it is
    on the page's map."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("live mode: skipped (no chromium)")
        return
    import boto3
    from playwright.sync_api import sync_playwright

    from vpcsim.serve import BackgroundServer, Store
    from vpcsim.serve.seed import seed

    network = vpcsim.load("bastion-nat")
    vpc = next(iter(network.vpcs.values()))
    store = Store(":memory:")
    seed(store, network)
    delays = []
    with BackgroundServer(store) as server, sync_playwright() as playwright:
        ec2 = boto3.client(
            "ec2",
            endpoint_url=server.url,
            region_name=vpc.region,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{server.url}/console/")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        for i in range(7):
            start = time.perf_counter()
            subnet = ec2.create_subnet(VpcId=vpc.vpc_id, CidrBlock=f"10.0.{200 + i}.0/24")["Subnet"][
                "SubnetId"
            ]
            page.wait_for_selector(f"#tree-list button[data-id='{subnet}']", timeout=30_000)
            delays.append(time.perf_counter() - start)
        browser.close()
    print(
        f"live mode (vpcsim serve, /console): a subnet created with boto3 is on the map "
        f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
        f"after the call ({len(delays)} subnets; target <= 1 s)"
    )


def main() -> None:
    whatif()
    live()
    estate()


if __name__ == "__main__":
    main()
