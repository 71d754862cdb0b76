"""Telling a subnet that an address has a new holder, as a host does when it takes one.

Addresses come back: the serve API hands out the lowest free address of a subnet, as AWS does,
so the instance launched after a terminated one often gets its address (a NAT gateway or a
load balancer's node made again gets its own back). The namespaces on the subnet's bridge --
the VPC's router, instances that talked to the old holder -- keep the old interface's MAC in
their neighbour caches: ``REACHABLE`` for up to 45 s, then ``STALE``, then 5 s of ``DELAY``
and unicast probes before the kernel asks again. What they send to the address meanwhile goes
to a MAC nobody has, while in AWS the VPC knows the new holder at once (the watchdog of
``vpcsim serve --lab`` saw this as "engine reachable, kernel not delivered" after
``TerminateInstances`` and ``RunInstances``).

So after a change the lab announces every address it added, from the interface that holds it:
a gratuitous ARP request (sender and target the address) for IPv4, an unsolicited neighbour
advertisement with the override flag to all nodes for IPv6. Linux updates an entry it has on
either, whatever its state and lock time, and creates none (``arp_accept`` is 0), so a cache
that never knew the address is left alone.
"""

from __future__ import annotations

import errno
import socket
import struct
from collections.abc import Iterable

from .errors import LabError
from .netns import entered
from .nft import IPV6

__all__ = ["added_addresses", "announce", "arp_announcement", "neighbour_advertisement"]

_ETH_P_ARP = 0x0806
_BROADCAST = b"\xff" * 6
_ALL_NODES = "ff02::1"
_NA_OVERRIDE = 0x20000000
#: What a device that is down, gone or without a carrier answers: nobody can hear it then.
_UNHEARD = {errno.ENETDOWN, errno.ENXIO, errno.ENODEV, errno.EADDRNOTAVAIL, errno.ENOBUFS}


def added_addresses(namespace: str, commands: Iterable[str]) -> list[tuple[str, str, str]]:
    """(namespace, device, address) of each ``addr add`` among ``commands`` (a plan's
    configuration or a change's additions), loopback's left out: no one else sees those."""
    out: list[tuple[str, str, str]] = []
    for command in commands:
        words = command.removeprefix(IPV6.ip_prefix).split()
        if words[:2] != ["addr", "add"] or "dev" not in words:
            continue
        device = words[words.index("dev") + 1]
        if device != "lo":
            out.append((namespace, device, words[2].split("/")[0]))
    return out


def arp_announcement(mac: bytes, address: str) -> bytes:
    """A gratuitous ARP request for ``address`` held at ``mac``, as an Ethernet frame."""
    ip = socket.inet_aton(address)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + bytes(6) + ip
    return (_BROADCAST + mac + struct.pack("!H", _ETH_P_ARP) + arp).ljust(60, b"\0")


def neighbour_advertisement(mac: bytes, address: str) -> bytes:
    """An unsolicited ICMPv6 neighbour advertisement (override set) for ``address`` at ``mac``
    (the kernel fills in the checksum)."""
    target = socket.inet_pton(socket.AF_INET6, address)
    return struct.pack("!BBHI", 136, 0, 0, _NA_OVERRIDE) + target + struct.pack("!BB", 2, 1) + mac


def announce(addresses: Iterable[tuple[str, str, str]]) -> int:
    """Announce each (namespace, device, address); the number of announcements sent.

    A device that is down or gone is skipped (nobody can hear it); any other failure is a
    :class:`LabError` naming the address.
    """
    sent = 0
    for namespace, device, address in addresses:
        try:
            sent += _announce_one(namespace, device, address)
        except OSError as exc:
            if exc.errno in _UNHEARD:
                continue
            raise LabError(
                f"{namespace}: announcing {address} on {device} failed: {exc.strerror or exc}"
            ) from None
    return sent


def _announce_one(namespace: str, device: str, address: str) -> int:
    ipv6 = ":" in address
    with entered(namespace):
        index = socket.if_nametoindex(device)  # the namespace's own interface
        link = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(_ETH_P_ARP))
        icmp6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) if ipv6 else None
    try:
        link.bind((device, _ETH_P_ARP))
        mac = bytes(link.getsockname()[4])
        if len(mac) != 6:
            return 0  # not an Ethernet device
        if icmp6 is None:
            link.send(arp_announcement(mac, address))
            return 1
        icmp6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        icmp6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        icmp6.bind((address, 0, 0, index))
        icmp6.sendto(neighbour_advertisement(mac, address), (_ALL_NODES, 0, 0, index))
        return 1
    finally:
        link.close()
        if icmp6 is not None:
            icmp6.close()
