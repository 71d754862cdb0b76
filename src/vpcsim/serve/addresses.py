"""Private IPv4 addresses handed out in a subnet, as EC2 does: pure functions.

Why: ``CreateNetworkInterface``, ``AssignPrivateIpAddresses`` and ``RunInstances`` take an
address or a count; AWS refuses an address outside the subnet or among its five reserved ones
(``InvalidParameterValue``), one already held (``InvalidIPAddress.InUse`` /
``PrivateIpAddressInUse``), and a count the subnet cannot hold
(``InsufficientFreeAddressesInSubnet``), and otherwise hands out the lowest free address. The
facts (reserved addresses, the allocator) are the model's: :class:`SubnetAddresses`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from ..model.addressing import SubnetAddresses, ip_int, ip_str, reserved_address_reason
from .api_errors import ApiError


def allocate(
    subnet_cidr: str,
    taken: Iterable[str],
    *,
    requested: Sequence[str] = (),
    count: int = 0,
    in_use_code: str = "InvalidIPAddress.InUse",
) -> list[str]:
    """The requested addresses (checked), then ``count`` more, lowest free first."""
    network = ipaddress.IPv4Network(subnet_cidr)
    used = {ip_int(a) for a in taken}
    allocator = SubnetAddresses(subnet_cidr, set(used))
    chosen: list[str] = []
    for text in requested:
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            raise ApiError("InvalidParameterValue", f"Invalid value '{text}' for privateIpAddress") from None
        if address not in network:
            raise ApiError(
                "InvalidParameterValue", f"Address {text} does not fall within the subnet's address range"
            )
        if reserved_address_reason(network, address) is not None:
            raise ApiError("InvalidParameterValue", f"Address {text} is in subnet's reserved address range")
        if int(address) in allocator.taken:
            raise ApiError(in_use_code, f"Address {text} is in use.")
        allocator.take(int(address))
        chosen.append(str(address))
    if count < 0:
        raise ApiError("InvalidParameterValue", f"Invalid value '{count}' for secondaryPrivateIpAddressCount")
    if count > allocator.free:
        raise ApiError(
            "InsufficientFreeAddressesInSubnet",
            f"The specified subnet {subnet_cidr} does not have enough free addresses to satisfy the request.",
        )
    for _ in range(count):
        found = allocator.allocate()
        if found is None:  # pragma: no cover - free was checked above
            raise ApiError("InsufficientFreeAddressesInSubnet", "The subnet has no free addresses.")
        chosen.append(ip_str(found))
    return chosen
