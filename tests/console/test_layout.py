"""The map's layout: deterministic, no sibling boxes overlapping, every box inside its parent,
gateways on their VPC's top border, big subnets collapsed to a count until expanded."""

from __future__ import annotations

import itertools

import pytest

import vpcsim
from vpcsim.console.layout import Box, layout
from vpcsim.console.topology import topology
from vpcsim.examples import EXAMPLES
from vpcsim.testing.network_generator import GeneratorConfig, generate_network


def networks() -> list[tuple[str, vpcsim.Network]]:
    out = [(name, vpcsim.load(name)) for name in sorted(EXAMPLES)]
    for seed in range(6):
        out.append(
            (
                f"generated-{seed}",
                generate_network(seed, GeneratorConfig(vpcs=4, subnets_per_vpc=4, instances=40)),
            )
        )
    return out


def check_boxes(boxes: list[Box]) -> None:
    by_id = {box.id: box for box in boxes}
    assert len(by_id) == len(boxes), "every box once"
    siblings: dict[str | None, list[Box]] = {}
    for box in boxes:
        siblings.setdefault(box.parent, []).append(box)
        assert box.w > 0 and box.h > 0
        if box.parent is None:
            continue
        parent = by_id[box.parent]
        if box.on_edge:
            assert parent.kind == "vpc"
            assert box.y + box.h / 2 == pytest.approx(parent.y), (
                f"{box.id} straddles the top border of {parent.id}"
            )
            assert parent.x <= box.x and box.x + box.w <= parent.x + parent.w
        else:
            assert parent.x <= box.x and box.x + box.w <= parent.x + parent.w, f"{box.id} inside {parent.id}"
            assert parent.y <= box.y and box.y + box.h <= parent.y + parent.h, f"{box.id} inside {parent.id}"
    for group in siblings.values():
        for a, b in itertools.combinations(group, 2):
            assert not a.overlaps(b), f"{a.id} overlaps {b.id}"
    # a gateway never covers anything but its own VPC's border: no box other than its ancestors
    for gateway in (box for box in boxes if box.on_edge):
        ancestors = set()
        parent_id: str | None = gateway.parent
        while parent_id is not None:
            ancestors.add(parent_id)
            parent_id = by_id[parent_id].parent
        for other in boxes:
            if other.id not in ancestors and other.id != gateway.id:
                assert not gateway.overlaps(other), f"{gateway.id} overlaps {other.id}"


@pytest.mark.parametrize(("name", "network"), networks(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_overlapping_boxes(name: str, network: vpcsim.Network) -> None:
    boxes = layout(topology(network))
    check_boxes(boxes)
    assert boxes == layout(topology(network)), "the same network draws the same"


def test_tree_is_region_vpc_az_subnet_instance() -> None:
    network = vpcsim.load("bastion-nat")
    boxes = {box.id: box for box in layout(topology(network))}
    app = network.find_by_name("app")[0]
    chain = []
    current: str | None = app.id
    while current is not None:
        chain.append(boxes[current].kind)
        current = boxes[current].parent
    assert chain == ["instance", "subnet", "availability-zone", "vpc", "region"]
    igw = next(iter(network.internet_gateways))
    assert boxes[igw].on_edge and boxes[boxes[igw].parent].kind == "vpc"
    assert boxes["internet"].parent is None


def test_every_instance_eni_and_nat_gateway_is_drawn() -> None:
    network = generate_network(3, GeneratorConfig(vpcs=3, subnets_per_vpc=3, instances=30))
    topo = topology(network)
    drawn: set[str] = set()

    def walk(node: object) -> None:
        drawn.add(node.id)  # type: ignore[attr-defined]
        drawn.update(node.members)  # type: ignore[attr-defined]
        for child in (*node.children, *node.edge):  # type: ignore[attr-defined]
            walk(child)

    for root in topo.roots:
        walk(root)
    assert set(network.instances) <= drawn
    assert set(network.network_interfaces) <= drawn
    assert set(network.nat_gateways) <= drawn
    assert set(network.subnets) <= drawn


def test_big_subnet_collapses_until_expanded() -> None:
    network = vpcsim.load("bastion-nat")
    subnet = network.find_by_name("private")[0].id
    for i in range(12):
        network.run_instance(subnet, name=f"extra-{i}")
    collapsed = {box.id: box for box in layout(topology(network, collapse_over=5))}
    assert f"collapsed:{subnet}" in collapsed
    assert not any(box.kind == "instance" and box.parent == subnet for box in collapsed.values())
    expanded = layout(topology(network, collapse_over=5, expand=[subnet]))
    assert sum(box.kind == "instance" and box.parent == subnet for box in expanded) == 13
    check_boxes(expanded)
