"""Address allocation shared by the families: private addresses of subnets (the model's one
allocator, :class:`vpcsim.model.addressing.SubnetAddresses`, over the addresses ENIs hold) and
public IPv4 addresses (Elastic IPs, public IPs on launch) from one pool.

The public pool is ``44.192.0.0/11``, one of EC2's published ranges (us-east-1), so
addresses look like AWS's and are public as far as the engine is concerned; a public address is
unique across every account and region of the server (it is recorded in an internal row of the
empty scope)."""

from __future__ import annotations

import ipaddress
import secrets

from ..model.addressing import SubnetAddresses, ip_int, ip_str
from .errors import ApiError
from .store import Transaction

__all__ = ["PUBLIC_POOL", "allocate_private", "allocate_public", "private_taken", "release_public"]

PUBLIC_POOL = ipaddress.IPv4Network("44.192.0.0/11")
_PUBLIC = "_PublicIps"


def private_taken(tx: Transaction, subnet_id: str) -> set[str]:
    """Private IPv4 addresses ENIs of the subnet hold."""
    taken: set[str] = set()
    for eni in tx.all("NetworkInterfaces"):
        if eni.get("SubnetId") != subnet_id:
            continue
        if eni.get("PrivateIpAddress"):
            taken.add(eni["PrivateIpAddress"])
        for entry in eni.get("PrivateIpAddresses") or []:
            if entry.get("PrivateIpAddress"):
                taken.add(entry["PrivateIpAddress"])
    return taken


def allocate_private(tx: Transaction, subnet: dict[str, object], wanted: str | None = None) -> str:
    """A free private address of ``subnet`` (the lowest, as AWS hands them out), or ``wanted``
    checked: inside the subnet, not reserved, not taken (AWS's errors)."""
    cidr = str(subnet["CidrBlock"])
    taken = {ip_int(ip) for ip in private_taken(tx, str(subnet["SubnetId"]))}
    pool = SubnetAddresses(cidr, taken)
    if wanted is not None:
        value = ip_int(wanted)
        if not pool.first <= value <= pool.last:
            raise ApiError(
                "InvalidParameterValue",
                f"Address {wanted} does not fall within the subnet's address range"
                if ipaddress.IPv4Address(wanted) not in ipaddress.IPv4Network(cidr)
                else f"Address {wanted} is in subnet's reserved address range",
            )
        if value in taken:
            raise ApiError("InvalidIPAddress.InUse", f"Address {wanted} is in use.")
        return wanted
    address = pool.lowest()
    if address is None:
        raise ApiError(
            "InsufficientFreeAddressesInSubnet",
            f"There are not enough free addresses in subnet '{subnet['SubnetId']}'",
        )
    return ip_str(address)


def allocate_public(tx: Transaction, owner: str) -> str:
    """A public IPv4 address of the pool no one holds."""
    registry = tx.scoped("", "")
    span = PUBLIC_POOL.num_addresses
    base = int(PUBLIC_POOL.network_address)
    while True:
        candidate = ip_str(base + 1 + secrets.randbelow(span - 2))
        if registry.get(_PUBLIC, candidate) is None:
            registry.put(_PUBLIC, candidate, {"Owner": owner, "Region": tx.region})
            return candidate


def release_public(tx: Transaction, address: str) -> None:
    tx.scoped("", "").delete(_PUBLIC, address)
