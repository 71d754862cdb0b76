"""Neighbour caches across changes: a subnet's router keeps its MAC address whatever ports come
and go, and an address that gets a new holder is announced (``vpcsim.lab.announce``).

Both were seen by the watchdog of ``vpcsim serve --lab`` as "engine reachable, kernel not
delivered" from the tutorial's app (10.0.2.4) after ``RunInstances`` and ``TerminateInstances``:

- a bridge without an address of its own takes the lowest MAC address of its ports, so a port
  launched with a lower one (or the removal of the lowest) changed the router's address under
  the instances that had it cached: what they sent to the router was lost for seconds;
- the serve API hands out the lowest free address, so the next instance launched takes a
  terminated one's address; the router (and any instance of the subnet that talked to the old
  holder) kept the old interface's MAC address and sent the new holder's packets nowhere.

The kernel tests need root, ``ip`` and ``nft`` (skipped otherwise, failing under CI=true); the
first tests run anywhere.
"""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from vpcsim.formats.loader import load_example
from vpcsim.lab import build_plan, lab_probe, lab_up, read_state
from vpcsim.lab.announce import added_addresses, arp_announcement, neighbour_advertisement
from vpcsim.lab.api import lab_apply
from vpcsim.lab.naming import bridge_address
from vpcsim.model import Instance, Network, SecurityGroup

# ---------------------------------------------------------------------------- pure


def test_every_bridge_has_its_own_fixed_address() -> None:
    network = load_example("bastion-nat").network
    plan = build_plan(network, "demo")
    (router,) = [ns for ns in plan.namespaces if ns.role == "router"]
    lines = [line.split() for line in router.create if line.endswith("type bridge")]
    addresses = [words[words.index("address") + 1] for words in lines]
    assert len(addresses) == 2 and len(set(addresses)) == 2
    for words, address in zip(lines, addresses, strict=True):
        assert address == bridge_address(int(words[2][1:]))  # b<slot>
        first = int(address.split(":")[0], 16)
        assert first & 0x02 and not first & 0x01  # locally administered, unicast
    # the same network, planned again after a launch: the bridges keep their addresses
    network.run_instance(next(iter(network.subnets)), name="extra")
    again = next(ns for ns in build_plan(network, "demo").namespaces if ns.role == "router")
    assert [line for line in again.create if line.endswith("type bridge")] == [
        " ".join(words) for words in lines
    ]


def test_the_addresses_a_change_adds_are_those_announced() -> None:
    commands = [
        "link set lo up",
        "addr add 10.0.1.5/24 dev eth0",
        "addr add 10.0.0.2/32 dev lo",
        "-6 addr add 2600:1f18::5/64 dev eth0 nodad",
        "route add default via 10.0.1.1 dev eth0",
    ]
    assert added_addresses("vs-x-i-1", commands) == [
        ("vs-x-i-1", "eth0", "10.0.1.5"),
        ("vs-x-i-1", "eth0", "2600:1f18::5"),
    ]


def test_announcements_are_gratuitous() -> None:
    mac = bytes.fromhex("0a0b0c0d0e0f")
    frame = arp_announcement(mac, "10.0.1.5")
    assert frame[:6] == b"\xff" * 6 and frame[6:12] == mac and frame[12:14] == b"\x08\x06"
    arp = frame[14:42]
    assert arp[6:8] == b"\x00\x01"  # a request
    assert arp[8:14] == mac and arp[14:18] == arp[24:28] == socket.inet_aton("10.0.1.5")
    advert = neighbour_advertisement(mac, "2600:1f18::5")
    assert advert[0] == 136 and advert[4] & 0x20 and not advert[4] & 0x40  # override, unsolicited
    assert advert[8:24] == socket.inet_pton(socket.AF_INET6, "2600:1f18::5") and advert[-6:] == mac


# ---------------------------------------------------------------------------- kernel


def _router(lab: str) -> str:
    (vpc,) = read_state(lab).vpcs.values()
    return vpc.namespace


def _links(namespace: str, kind: str) -> dict[str, str]:
    out = subprocess.run(
        ["ip", "-n", namespace, "-j", "link", "show", "type", kind],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {link["ifname"]: link["address"] for link in json.loads(out)}


def _terminate(network: Network, name: str) -> str:
    instance = network.resolve(name, Instance)
    del network.instances[instance.instance_id]
    for eni_id in instance.network_interface_ids:
        network.network_interfaces.pop(eni_id, None)
    return instance.instance_id


@pytest.mark.lab
@pytest.mark.usefixtures("lab_environment")
def test_the_router_keeps_its_address_when_ports_come_and_go(lab_name: str) -> None:
    network = load_example("bastion-nat").network
    lab_up(network, lab_name, responder=False)
    router = _router(lab_name)
    bridges = _links(router, "bridge")
    ports = set(_links(router, "veth"))
    network.run_instance(network.resolve("app", Instance).subnet_id, name="next", groups=["app-sg"])
    lab_apply(network, lab_name)
    (port,) = set(_links(router, "veth")) - ports
    # A new port whose address sorts first (a random veth address does, one time in a few):
    # a bridge without an address of its own would take it.
    subprocess.run(["ip", "-n", router, "link", "set", port, "address", "02:00:00:00:00:01"], check=True)
    app = read_state(lab_name).instances[network.resolve("app", Instance).instance_id].namespace
    subprocess.run(["ip", "-n", app, "neigh", "flush", "all"], check=True)  # the app asks for it now
    assert lab_probe(lab_name, "app", "10.0.1.10", "tcp", 22, 40001)["reachable"]
    assert _links(router, "bridge") == bridges
    # That port goes: a bridge would take another port's address, and the app's cached one
    # would belong to no one.
    _terminate(network, "next")
    lab_apply(network, lab_name)
    assert lab_probe(lab_name, "app", "10.0.1.10", "tcp", 22, 40002)["reachable"]
    assert _links(router, "bridge") == bridges


@pytest.mark.lab
@pytest.mark.usefixtures("lab_environment")
def test_an_address_taken_by_a_new_instance_is_reached_at_once(lab_name: str) -> None:
    network = load_example("bastion-nat").network
    public = network.resolve("bastion", Instance).subnet_id
    network.run_instance(public, name="peer", private_ip="10.0.1.11", groups=["bastion-sg"])
    lab_up(network, lab_name, responder=False)
    # the router (for the app) and a peer of the subnet cache the bastion's MAC address
    assert lab_probe(lab_name, "app", "10.0.1.10", "tcp", 22, 40000)["reachable"]
    assert lab_probe(lab_name, "peer", "10.0.1.10", "tcp", 22, 40000)["reachable"]
    old = _terminate(network, "bastion")
    group = network.resolve("bastion-sg", SecurityGroup).group_id
    new = network.run_instance(public, name="bastion2", private_ip="10.0.1.10", groups=[group])
    state, _ = lab_apply(network, lab_name)
    assert old not in state.instances and new.instance_id in state.instances
    # at once, not after the caches' reachable time and probes (seconds): one 1 s probe each
    assert lab_probe(lab_name, "app", "10.0.1.10", "tcp", 22, 40001)["reachable"]
    assert lab_probe(lab_name, "peer", "10.0.1.10", "tcp", 22, 40001)["reachable"]


@pytest.mark.lab
@pytest.mark.usefixtures("lab_environment")
def test_an_ipv6_address_taken_by_a_new_instance_is_reached_at_once(lab_name: str) -> None:
    network = load_example("dual-stack").network
    public = network.resolve("bastion", Instance).subnet_id
    network.run_instance(
        public,
        name="peer",
        private_ip="10.0.1.11",
        ipv6_addresses=["2600:1f1e:c00:ce01::11"],
        groups=["bastion-sg"],
    )
    lab_up(network, lab_name, responder=False)
    address = "2600:1f1e:c00:ce01::10"
    assert lab_probe(lab_name, "app", address, "tcp", 22, 40000)["reachable"]
    assert lab_probe(lab_name, "peer", address, "tcp", 22, 40000)["reachable"]
    _terminate(network, "bastion")
    group = network.resolve("bastion-sg", SecurityGroup).group_id
    network.run_instance(
        public, name="bastion2", private_ip="10.0.1.10", ipv6_addresses=[address], groups=[group]
    )
    lab_apply(network, lab_name)
    assert lab_probe(lab_name, "app", address, "tcp", 22, 40001)["reachable"]
    assert lab_probe(lab_name, "peer", address, "tcp", 22, 40001)["reachable"]
