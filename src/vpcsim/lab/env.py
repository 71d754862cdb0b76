"""What the machine must offer before a lab may touch the kernel: root, ``ip`` and ``nft``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import LabEnvironmentError

REQUIRED_TOOLS = ("ip", "nft")
INSTALL_HINT = "run scripts/install-lab-deps.sh as root; on Debian: apt-get install iproute2 nftables"


_CAP_NET_ADMIN, _CAP_SYS_ADMIN = 12, 21


def _capabilities() -> int | None:
    """The process's effective capabilities (None when /proc does not say)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    except (OSError, ValueError):
        return None
    return None


def missing_requirements() -> list[str]:
    """What is missing, in words (empty when the lab can run)."""
    missing: list[str] = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN: run with sudo)")
    else:
        caps = _capabilities()
        if caps is not None and not (caps >> _CAP_NET_ADMIN & 1 and caps >> _CAP_SYS_ADMIN & 1):
            missing.append(
                "CAP_NET_ADMIN and CAP_SYS_ADMIN (root without them, as in an unprivileged container)"
            )
    tools = [f"`{tool}`" for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if tools:
        missing.append(f"the {' and '.join(tools)} command{'s' if len(tools) > 1 else ''} ({INSTALL_HINT})")
    if not os.path.exists("/proc/self/ns/net"):
        missing.append("network namespaces (/proc/self/ns/net is missing: a Linux kernel with CONFIG_NET_NS)")
    return missing


def require_environment() -> None:
    """Raise :class:`LabEnvironmentError` naming everything that is missing."""
    missing = missing_requirements()
    if missing:
        raise LabEnvironmentError("the live lab needs " + "; ".join(missing))
