"""Reading the CIDR blocks and addresses of requests, with AWS's errors. The rules themselves
(block sizes, secondary-block restrictions, reserved addresses) are the model's
(:mod:`vpcsim.model.validate`, :mod:`vpcsim.model.addressing`); this module only words the
refusal as the API does."""

from __future__ import annotations

import ipaddress

from .errors import ApiError

__all__ = ["parse_cidr4", "parse_cidr6", "parse_ip4"]


def parse_cidr4(text: str, parameter: str) -> ipaddress.IPv4Network:
    """``10.0.0.18/16`` -> ``10.0.0.0/16`` (AWS canonicalises); not a CIDR: InvalidParameterValue."""
    try:
        if "/" not in text:
            raise ValueError(text)
        return ipaddress.IPv4Network(text.strip(), strict=False)
    except ValueError:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({text}) for parameter {parameter} is invalid. This is not a valid CIDR block.",
        ) from None


def parse_cidr6(text: str, parameter: str) -> ipaddress.IPv6Network:
    try:
        if "/" not in text:
            raise ValueError(text)
        return ipaddress.IPv6Network(text.strip(), strict=False)
    except ValueError:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({text}) for parameter {parameter} is invalid. This is not a valid CIDR block.",
        ) from None


def parse_ip4(text: str, parameter: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(text.strip())
    except ValueError:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({text}) for parameter {parameter} is invalid. This is not a valid IP address.",
        ) from None
