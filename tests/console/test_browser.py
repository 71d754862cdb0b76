"""The console in a real browser (Debian's chromium through Playwright): every built-in example
opens with no overlapping boxes, click-to-trace shows what `vpcsim trace --json` says, a what-if
edit flips a verdict, hostile names stay text, everything works from the keyboard, and the map
follows a live network."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import vpcsim
from vpcsim.cli import main
from vpcsim.examples import EXAMPLES

from .conftest import LiveConsole


def open_console(page: Any, live: LiveConsole, network: vpcsim.Network) -> None:
    live.network = network
    page.goto(live.url)
    page.wait_for_selector("body[data-ready=true]", timeout=20000)


def cli_trace(
    capsys: pytest.CaptureFixture[str], example: str, src: str, dst: str, protocol: str, port: int | None
) -> Any:
    args = ["--no-cache", "trace", example, "--from", src, "--to", dst, "--protocol", protocol, "--json"]
    if port is not None:
        args += ["--port", str(port)]
    capsys.readouterr()
    main(args)
    return json.loads(capsys.readouterr().out)


def shoot(page: Any, path: Path) -> None:
    """A screenshot with the whole map in view."""
    page.evaluate("window.vpcsimConsole.map.cy.fit(undefined, 20)")
    page.screenshot(path=str(path))


def click_box(page: Any, box_id: str) -> None:
    """Click a box on the map's canvas, where cytoscape drew it."""
    point = page.evaluate(
        """(id) => {
            const cy = window.vpcsimConsole.map.cy;
            cy.stop(true, true);  // no viewport animation may move the box under the click
            const node = cy.getElementById(id);
            cy.fit(node, 200);
            const p = node.renderedPosition();
            const r = document.getElementById('map').getBoundingClientRect();
            return { x: r.left + p.x, y: r.top + p.y };
        }""",
        box_id,
    )
    page.mouse.click(point["x"], point["y"])


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_each_example_opens_without_overlapping_boxes(
    page: Any, live: LiveConsole, screenshots: Path, example: str
) -> None:
    open_console(page, live, vpcsim.load(example))
    boxes = page.evaluate("window.vpcsimConsole.map.boundingBoxes()")
    nodes = {n["id"]: n for n in page.evaluate("window.vpcsimConsole.topology.nodes")}
    assert {b["id"] for b in boxes} == set(nodes)
    drawn = {b["id"]: b for b in boxes}
    siblings: dict[str | None, list[dict[str, Any]]] = {}
    for node in nodes.values():
        siblings.setdefault(node["parent"], []).append(drawn[node["id"]])
    for group in siblings.values():
        for a, b in itertools.combinations(group, 2):
            apart = a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] or b["y2"] <= a["y1"]
            assert apart, f"{a['id']} overlaps {b['id']} on the page"
    network = live.network
    labels = page.evaluate("window.vpcsimConsole.map.cy.nodes().map((n) => n.data('text'))")
    for instance in network.instances.values():
        assert any((instance.name or instance.id) in text for text in labels)
    shoot(page, screenshots / f"map-{example}.png")


#: The tutorial's flows (the demo's story), by example.
FLOWS = [
    ("default-vpc", "internet", "instance-1", "tcp", 22),
    ("default-vpc", "instance-2", "instance-1", "icmp", None),
    ("custom-vpc", "tutorial-1", "tutorial-2", "icmp", None),
    ("custom-vpc", "tutorial-1", "internet:8.8.8.8", "icmp", None),
    ("custom-vpc", "internet", "tutorial-1", "tcp", 22),
    ("web-server", "internet", "app", "tcp", 80),
    ("web-server", "app", "internet:8.8.8.8", "tcp", 443),
    ("bastion-nat", "internet", "app", "tcp", 22),
    ("bastion-nat", "bastion", "app", "tcp", 22),
    ("bastion-nat", "app", "bastion", "tcp", 3389),
]


@pytest.mark.parametrize(("example", "src", "dst", "protocol", "port"), FLOWS)
def test_click_to_trace_shows_what_the_cli_says(
    page: Any,
    live: LiveConsole,
    capsys: pytest.CaptureFixture[str],
    screenshots: Path,
    example: str,
    src: str,
    dst: str,
    protocol: str,
    port: int | None,
) -> None:
    network = vpcsim.load(example)
    open_console(page, live, network)
    page.select_option("#trace-protocol", protocol)
    page.fill("#trace-port", "" if port is None else str(port))
    # pick the ends on the map when they are instances, type them otherwise (as in the CLI)
    for end, button in ((src, "Trace from here"), (dst, "Trace to here")):
        found = network.find_by_name(end)
        if found:
            click_box(page, found[0].id)
            expect(page.locator("#panel-component h2")).to_contain_text(end)
            page.get_by_role("button", name=button).click()
        else:
            page.fill("#trace-source" if button == "Trace from here" else "#trace-destination", end)
            if button == "Trace to here":
                page.click("#trace-go")
    page.wait_for_selector("[data-testid=verdict]")
    expected = cli_trace(capsys, example, src, dst, protocol, port)
    assert page.inner_text("[data-testid=verdict]").strip().endswith(expected["verdict"])
    hops = page.eval_on_selector_all(
        "[data-testid=forward-hops] > li", "(els) => els.map((e) => e.dataset.component)"
    )
    assert hops == [hop["component"] for hop in expected["forward"]]
    back = page.eval_on_selector_all(
        "[data-testid=return-hops] > li", "(els) => els.map((e) => e.dataset.component)"
    )
    assert back == [hop["component"] for hop in expected["return"]]
    shown = page.eval_on_selector_all(
        "[data-testid=blockers] .code", "(els) => els.map((e) => e.textContent)"
    )
    assert set(shown) >= {b["code"] for b in expected["blockers"]}
    if expected["blockers"]:
        red = page.evaluate("window.vpcsimConsole.map.cy.nodes('.blocked').map((n) => n.id())")
        assert red, "the blocking hop is red on the map"
        rows = page.eval_on_selector_all("[data-testid=checklist] tr.fail", "(els) => els.length")
        assert rows >= 1
    else:
        assert page.eval_on_selector_all("[data-testid=checklist] tr.fail", "(els) => els.length") == 0
    name = f"trace-{example}-{src}-{dst}".replace(":", "_").replace(".", "_")
    shoot(page, screenshots / f"{name}.png")


def test_whatif_edit_opens_a_blocked_path(page: Any, live: LiveConsole, screenshots: Path) -> None:
    network = vpcsim.load("bastion-nat")
    open_console(page, live, network)
    page.fill("#trace-source", "app")
    page.fill("#trace-destination", "bastion")
    page.fill("#trace-port", "3389")
    page.click("#trace-go")
    page.wait_for_selector("[data-testid=verdict]")
    assert "unreachable" in page.inner_text("[data-testid=verdict]")
    # edit the bastion's group in the side panel: add the inbound rule
    click_box(page, network.find_by_name("bastion")[0].id)
    expect(page.locator("#panel-component h2")).to_contain_text("bastion")
    page.get_by_role("button", name="Add inbound rule").click()
    form = page.get_by_role("form", name="Add an inbound rule to")
    form.get_by_label("Protocol").select_option("tcp")
    form.get_by_label("From port").fill("3389")
    form.get_by_label("To port").fill("3389")
    form.get_by_label("Source/destination (CIDR, sg-, pl-)").fill("10.0.2.0/24")
    form.get_by_role("button", name="Apply (what-if)").click()
    page.wait_for_selector("[data-testid=diff] ul.opened li")
    opened = page.inner_text("[data-testid=diff] ul.opened")
    assert "tcp 3389" in opened
    page.get_by_role("tab", name="Trace").click()
    expect(page.locator("[data-testid=verdict]")).to_have_text(re.compile(r"(^|\s)reachable$"))
    shoot(page, screenshots / "whatif-bastion-nat.png")
    assert (
        live.network is network
        and vpcsim.trace(network, "app", "bastion", port=3389).verdict == "unreachable"
    )


def test_exposure_overlay(page: Any, live: LiveConsole, screenshots: Path) -> None:
    network = vpcsim.load("web-server")
    open_console(page, live, network)
    page.check("#exposure-toggle")
    page.wait_for_selector("[data-testid=exposure] tbody tr")
    findings = vpcsim.exposure(network).findings
    rows = page.eval_on_selector_all("[data-testid=exposure] tbody tr", "(els) => els.length")
    assert rows == len(findings) and rows > 0
    labels = page.evaluate(
        "window.vpcsimConsole.map.cy.nodes('.exp-high, .exp-medium, .exp-low').map((n) => n.data('text'))"
    )
    assert labels and all("exposed" in text for text in labels), (
        "severity is in the label, not only the colour"
    )
    page.fill("#exposure-filter", "no-such-thing")
    assert page.inner_text("[data-testid=exposure] tbody").strip() == "No finding."
    page.fill("#exposure-filter", "")
    shoot(page, screenshots / "exposure-web-server.png")


HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 1">',
    "\"quoted' & <b>bold</b>",
    "x" * 5000,
]


def test_hostile_names_render_as_text(page: Any, live: LiveConsole) -> None:
    network = vpcsim.load("bastion-nat")
    subnet = network.find_by_name("private")[0].id
    for i, text in enumerate(HOSTILE):
        instance = network.run_instance(subnet, name=text)
        instance.tags["Owner"] = text
        network.security_groups[
            network.network_interfaces[instance.network_interface_ids[0]].groups[0]
        ].description = text
        if i == 0:
            first = instance.instance_id
    network.touch()
    open_console(page, live, network)
    page.fill("#search", "<img")
    page.keyboard.press("Enter")
    # one instance matches, so the console selects it at once: the result list it showed first
    # is replaced by the component's panel (waiting for the list raced with that)
    expect(page.locator("#panel-component h2")).to_contain_text(HOSTILE[1])  # as text
    click_box(page, first)
    expect(page.locator("#panel-component h2")).to_contain_text(HOSTILE[0])  # as text
    page.fill("#trace-source", "internet")
    page.fill("#trace-destination", first)
    page.click("#trace-go")
    page.wait_for_selector("[data-testid=verdict]")
    assert page.evaluate("window.__pwned") is None
    assert page.eval_on_selector_all("#side img, #tree img", "(els) => els.length") == 0
    assert page.eval_on_selector_all("body script", "(els) => els.length") == 0
    tree = page.inner_text("#tree")
    assert "<img src=x" in tree and "<script>" in tree


def test_keyboard_only(page: Any, live: LiveConsole) -> None:
    open_console(page, live, vpcsim.load("bastion-nat"))
    assert page.get_by_role("search", name="Search the network").count() == 1
    assert page.get_by_role("form", name="Trace a flow").count() == 1
    for name in ("Components", "Network map", "Details panel"):
        assert page.get_by_label(name).count() >= 1
    for tab in ("Component", "Trace", "What-if", "Exposure"):
        assert page.get_by_role("tab", name=tab).count() == 1
    page.locator("body").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("bastion")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel-component ul.matches button")
    page.keyboard.press("Tab")  # Find
    page.keyboard.press("Tab")  # From
    assert page.evaluate("document.activeElement.id") == "trace-source"
    page.keyboard.type("bastion")
    page.keyboard.press("Tab")
    page.keyboard.type("app")
    page.keyboard.press("Tab")  # protocol
    page.keyboard.press("Tab")  # port
    page.keyboard.press("Control+A")
    page.keyboard.type("22")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=verdict]")
    assert page.inner_text("[data-testid=verdict]").strip().endswith("reachable")
    # tabs move with the arrow keys, and the components list is a list of buttons
    page.get_by_role("tab", name="Trace").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-whatif"
    # a component picked from the list with the keyboard opens its panel
    app = page.locator("#tree-list button", has_text="app").first
    app.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#panel-component h2")).to_contain_text("app")
    page.get_by_role("button", name="Add inbound rule").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".edit-form :focus")).to_have_count(1)  # the form takes the focus


def test_map_follows_a_live_network(page: Any, live: LiveConsole) -> None:
    network = vpcsim.load("bastion-nat")
    open_console(page, live, network)
    vpc = network.find_by_name("bastion-vpc")[0].id
    subnet = network.create_subnet(vpc, "10.0.42.0/24", availability_zone="sa-east-1a", name="created-live")
    page.wait_for_selector(f"#tree-list button[data-id='{subnet.subnet_id}']", timeout=3000)
    assert "created-live" in page.inner_text("#tree")


def test_diff_overlay_of_two_networks(browser: Any, screenshots: Path) -> None:
    """``vpcsim console OLD --compare NEW``: the Compare tab lists what opened, and the map
    outlines the instances whose traffic changed (and only those), saying so in their labels."""
    import copy

    old = vpcsim.load("bastion-nat")
    new = copy.deepcopy(old)
    bastion, app = old.find_by_name("bastion")[0].id, old.find_by_name("app")[0].id
    app_group = new.network_interfaces[new.instances[app].network_interface_ids[0]].groups[0]
    new.authorize_security_group_ingress(app_group, ip_protocol="tcp", port=5432, cidr_ipv4="10.0.1.0/24")
    server = LiveConsole()
    server.network, server.compare = old, new
    server.start()
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        tab = page.get_by_role("tab", name="Compare")
        expect(tab).to_be_visible()
        tab.click()
        panel = page.locator("#panel-compare")
        expect(panel).to_contain_text("Compared network: changed")
        opened = panel.locator("h3:text-is('Opened') + ul li")
        expect(opened).to_have_count(1)
        expect(opened).to_contain_text(f"{bastion} → {app}")
        expect(opened).to_contain_text("5432")
        expect(panel.locator("h3:text-is('Closed') + ul li")).to_have_text(["none"])
        marked = page.evaluate("window.vpcsimConsole.map.cy.nodes('.diff').map((n) => n.id())")
        assert sorted(marked) == sorted([bastion, app])
        labelled = page.evaluate(
            "window.vpcsimConsole.map.cy.nodes().filter((n) => n.data('text').includes('traffic changed'))"
            ".map((n) => n.id())"
        )
        assert sorted(labelled) == sorted(marked), "the change is in the label, not only the colour"
        # both overlays at once: each says its own in the label
        page.check("#exposure-toggle")
        page.wait_for_selector("[data-testid=exposure] tbody tr")
        bastion_label = page.evaluate(f"window.vpcsimConsole.map.cy.getElementById('{bastion}').data('text')")
        assert "exposed" in bastion_label and "traffic changed" in bastion_label
        page.uncheck("#exposure-toggle")
        page.get_by_role("tab", name="Compare").click()
        shoot(page, screenshots / "compare-bastion-nat.png")
    finally:
        context.close()
        server.stop()
