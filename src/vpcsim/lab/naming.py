"""Deterministic names for everything a lab creates, derived from the lab name and AWS ids.

Every namespace of lab ``N`` is called ``vs-N-<component>`` (``vs-N-i-0abc...``,
``vs-N-vpc-0123...``, ``vs-N-internet``), so that ``lab down`` can find and remove all of them
even when the state file is gone, and so that two labs (or two test runs) never collide. A
lab name is lower-case letters and digits only: with a dash, ``vs-a-`` would be a prefix of lab
``a-b``'s namespaces.

Interface names live inside their namespace, so they are short and local: ``eth0`` in an
instance, ``b3`` (subnet bridge) and ``p3x1`` (a port of it) in a VPC router, ``igw`` and ``x0``
(peering) legs, ``g2`` in the internet namespace. The kernel limits them to 15 characters.
"""

from __future__ import annotations

import hashlib
import re

from .errors import LabError

PREFIX = "vs-"
DEFAULT_LAB = "default"
LAB_NAME = re.compile(r"^[a-z0-9]{1,12}$")
IFNAME_MAX = 15
_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
INTERNET = "internet"


def check_lab_name(name: str) -> str:
    """The lab name, or :class:`LabError` saying what a name may be."""
    if not LAB_NAME.match(name):
        raise LabError(
            f"lab name {name!r}: use 1 to 12 lower-case letters and digits (no dashes), for example 'demo' or 't3'"
        )
    return name


def lab_prefix(lab: str) -> str:
    """The prefix of every namespace of lab ``lab``."""
    return f"{PREFIX}{check_lab_name(lab)}-"


def namespace_name(lab: str, component: str) -> str:
    """``vs-<lab>-<component>``; a component id that is not file-name safe is hashed."""
    if not _SAFE_COMPONENT.match(component):
        component = "h" + hashlib.sha256(component.encode()).hexdigest()[:16]
    return lab_prefix(lab) + component


def check_ifname(name: str) -> str:
    if not 0 < len(name) <= IFNAME_MAX:
        raise LabError(f"interface name {name!r} is longer than the kernel's {IFNAME_MAX} characters")
    return name


def bridge_name(subnet_index: int) -> str:
    return check_ifname(f"b{subnet_index}")


def bridge_address(subnet_index: int) -> str:
    """The fixed MAC address of subnet bridge ``b<subnet_index>`` (locally administered).

    A bridge without an address of its own takes the lowest MAC address of its ports, and
    takes another when that port goes or a lower one comes: its neighbours' ARP caches then
    point at an address nobody answers on, and what they send to the subnet's router is lost
    for seconds (the kernel re-resolves a cached neighbour only after ``delay_first_probe_time``
    and its probes). AWS's router keeps its address; so does the lab's.
    """
    if not 0 <= subnet_index < 1 << 24:
        raise LabError(f"subnet slot {subnet_index} is outside the lab's bridge addresses")
    octets = [0x02, 0x76, 0x73, subnet_index >> 16, (subnet_index >> 8) & 0xFF, subnet_index & 0xFF]
    return ":".join(f"{octet:02x}" for octet in octets)


def port_name(subnet_index: int, port_index: int) -> str:
    return check_ifname(f"p{subnet_index}x{port_index}")


def peering_name(index: int) -> str:
    return check_ifname(f"x{index}")


def internet_leg_name(vpc_index: int) -> str:
    return check_ifname(f"g{vpc_index}")


def eni_ifname(position: int) -> str:
    return check_ifname(f"eth{position}")


IGW_LEG = "igw"


def link_addresses(kind: str, index: int) -> tuple[str, str]:
    """The two ends (a /30 of 169.254.0.0/16) of an internet-gateway or peering link.

    Internet-gateway links use 169.254.0.0/17, peering links 169.254.128.0/17; flows never use
    link-local addresses, and these never leave their two namespaces.
    """
    base = 0 if kind == "igw" else 128
    if not 0 <= index < 128 * 64:
        raise LabError(f"too many {kind} links for the lab's address plan ({index})")
    third, fourth = base + index // 64, (index % 64) * 4
    return f"169.254.{third}.{fourth + 1}", f"169.254.{third}.{fourth + 2}"
