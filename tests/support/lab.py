"""Helpers shared by the lab tests: lab names of this process, the host's network state."""

from __future__ import annotations

import itertools
import os
import re
import subprocess

_counter = itertools.count()


def make_lab_name() -> str:
    """A lab name of this test process: ``t<pid>n<index>`` (leftovers are recognised by pid)."""
    return f"t{os.getpid()}n{next(_counter) % 1000}"


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


_VOLATILE = re.compile(r"(valid_lft|preferred_lft|expires)\s+\S+")


def host_snapshot() -> dict[str, str]:
    """The host's own interfaces, addresses, routes, rules and nftables ruleset (volatile
    lifetimes removed)."""
    return {
        "links": _run(["ip", "-d", "link", "show"]),
        "addresses": _VOLATILE.sub(r"\1 -", _run(["ip", "addr", "show"])),
        "routes": _VOLATILE.sub(r"\1 -", _run(["ip", "route", "show", "table", "all"])),
        "rules": _run(["ip", "rule", "show"]),
        "nftables": _run(["nft", "list", "ruleset"]),
        "forwarding": _run(["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv4/conf/all/rp_filter"]),
    }
