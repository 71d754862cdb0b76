"""The one-line rule syntax of the YAML spec, read and written.

Security group rules read ``<protocol> [<ports>] from|to <peer>`` (``tcp 22 from 0.0.0.0/0``,
``all from internal``, ``icmp type 3 code 4 to 10.0.0.0/16``); network ACL rules add an action
first (``allow tcp 1024-65535 to 0.0.0.0/0``). One line per rule is what people write on a
whiteboard and what reviews read best; this module keeps the grammar and its inverse in one
place so that ``dump_spec`` writes exactly what ``load_spec`` reads.

Ports: ``22``, ``1024-65535``, or ``-1`` (AWS's "all", as some dumps spell it); nothing means all
ports. ICMP takes ``type T [code C]`` instead (``-1`` = any), nothing meaning every type. The peer
of a security group rule is a CIDR, a group (its key, ``VPC/group``, ``sg:key`` or an id) or a
prefix list (its key, ``pl:key`` or an id); resolving it is the loader's job.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from ..model.network import protocol_number

Direction = Literal["from", "to"]

SG_FORM = "<protocol> [<ports>] from|to <peer>"
NACL_FORM = "allow|deny <protocol> [<ports>] from|to <cidr>"

_SG = re.compile(r"^\s*(?P<proto>\S+)(?:\s+(?P<ports>.*?))?\s+(?P<dir>(?i:from|to))\s+(?P<peer>\S.*?)\s*$")
_NACL = re.compile(
    r"^\s*(?P<action>(?i:allow|deny))\s+(?P<proto>\S+)(?:\s+(?P<ports>.*?))?"
    r"\s+(?P<dir>(?i:from|to))\s+(?P<peer>\S+)\s*$"
)
_RANGE = re.compile(r"^(?P<lo>\d+)(?:\s*-\s*(?P<hi>\d+))?$")
_ICMP = re.compile(r"^(?i:type)\s+(?P<type>-?\d+)(?:\s+(?i:code)\s+(?P<code>-?\d+))?$")

ICMP, ICMPV6 = 1, 58
_SG_PROTOCOL_TEXT = {"-1": "all"}
_NACL_PROTOCOL_TEXT = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


class RuleSyntaxError(ValueError):
    """A rule that does not read; the message says what the form is."""


@dataclass(frozen=True, slots=True)
class SgRuleParts:
    ip_protocol: str
    """As the model stores it: ``-1``, ``tcp``, ``udp``, ``icmp``, ``icmpv6`` or a number."""
    from_port: int | None
    to_port: int | None
    direction: Direction
    peer: str


@dataclass(frozen=True, slots=True)
class NaclRuleParts:
    rule_action: Literal["allow", "deny"]
    protocol: str
    """As the model stores it: ``-1`` or a number as a string."""
    port_range: tuple[int, int] | None
    icmp_type_code: tuple[int, int] | None
    direction: Direction
    cidr: str


def _protocol(text: str, rule: str, form: str) -> int:
    try:
        return protocol_number(text)
    except ValueError:
        raise RuleSyntaxError(
            f"{rule!r}: unknown protocol {text!r}; use all, tcp, udp, icmp, icmpv6 or a number 0-255 "
            f"(the form is '{form}')"
        ) from None


def _ports(number: int, text: str | None, rule: str) -> tuple[int, int] | None:
    """Ports (or ICMP type and code) as the model's pair; None for "all"."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if number in (ICMP, ICMPV6):
        match = _ICMP.match(text)
        if match is None:
            raise RuleSyntaxError(
                f"{rule!r}: ICMP takes 'type T' or 'type T code C' (-1 = any), not {text!r}; "
                "leave it out for every type"
            )
        icmp_type = int(match["type"])
        icmp_code = int(match["code"]) if match["code"] is not None else -1
        for value in (icmp_type, icmp_code):
            if not -1 <= value <= 255:
                raise RuleSyntaxError(f"{rule!r}: ICMP type and code are -1 (any) or 0-255, not {value}")
        return icmp_type, icmp_code
    if text == "-1":
        return -1, -1
    if number not in (6, 17):
        raise RuleSyntaxError(
            f"{rule!r}: only tcp and udp rules take ports ({text!r} given); "
            "protocol 'all' covers every port -- write tcp or udp to open one port"
        )
    match = _RANGE.match(text)
    if match is None:
        raise RuleSyntaxError(f"{rule!r}: ports are 'N' or 'N-M' (like 22 or 1024-65535), not {text!r}")
    low = int(match["lo"])
    high = int(match["hi"]) if match["hi"] is not None else low
    if not 0 <= low <= high <= 65535:
        raise RuleSyntaxError(f"{rule!r}: ports {low}-{high} are not a range within 0-65535")
    return low, high


def parse_sg_rule(rule: str) -> SgRuleParts:
    """``tcp 22 from 0.0.0.0/0`` -> its parts; raises :class:`RuleSyntaxError`."""
    match = _SG.match(rule)
    if match is None:
        raise RuleSyntaxError(f"{rule!r} does not read as '{SG_FORM}', like 'tcp 22 from 0.0.0.0/0'")
    number = _protocol(match["proto"], rule, SG_FORM)
    ports = _ports(number, match["ports"], rule)
    protocol = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", -1: "-1"}.get(number, str(number))
    direction: Direction = "from" if match["dir"].lower() == "from" else "to"
    return SgRuleParts(
        protocol, ports[0] if ports else None, ports[1] if ports else None, direction, match["peer"]
    )


def parse_nacl_rule(rule: str) -> NaclRuleParts:
    """``allow tcp 22 from 0.0.0.0/0`` -> its parts; raises :class:`RuleSyntaxError`."""
    match = _NACL.match(rule)
    if match is None:
        raise RuleSyntaxError(f"{rule!r} does not read as '{NACL_FORM}', like 'allow tcp 22 from 0.0.0.0/0'")
    number = _protocol(match["proto"], rule, NACL_FORM)
    ports = _ports(number, match["ports"], rule)
    cidr = match["peer"]
    try:
        net: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise RuleSyntaxError(
            f"{rule!r}: {cidr!r} is not a CIDR block (network ACL rules name a CIDR)"
        ) from None
    if "/" not in cidr or net.network_address != ipaddress.ip_address(cidr.split("/")[0]):
        raise RuleSyntaxError(f"{rule!r}: write the block {cidr!r} as {net}")
    icmp = number in (ICMP, ICMPV6)
    direction: Direction = "from" if match["dir"].lower() == "from" else "to"
    action: Literal["allow", "deny"] = "allow" if match["action"].lower() == "allow" else "deny"
    return NaclRuleParts(
        action,
        str(number),
        None if icmp else ports,
        ports if icmp else None,
        direction,
        str(net),
    )


def _port_text(protocol: int, ports: tuple[int | None, int | None]) -> str | None:
    """The ports part of a rule ("" for all); None when the pair cannot be written."""
    low, high = ports
    if low is None and high is None:
        return ""
    if low is None or high is None:
        return None
    if protocol in (ICMP, ICMPV6):
        if not (-1 <= low <= 255 and -1 <= high <= 255):
            return None
        return f" type {low}" if high == -1 else f" type {low} code {high}"
    if low == high == -1:
        return " -1"
    if protocol not in (6, 17) or not 0 <= low <= high <= 65535:
        return None
    return f" {low}" if low == high else f" {low}-{high}"


def format_sg_rule(
    ip_protocol: str, from_port: int | None, to_port: int | None, direction: Direction, peer: str
) -> str | None:
    """The one-line form of a security group rule; None when it cannot be written as one."""
    try:
        number = protocol_number(ip_protocol)
    except ValueError:
        return None
    ports = _port_text(number, (from_port, to_port))
    if ports is None:
        return None
    protocol = _SG_PROTOCOL_TEXT.get(ip_protocol, ip_protocol)
    text = f"{protocol}{ports} {direction} {peer}"
    try:
        parsed = parse_sg_rule(text)
    except RuleSyntaxError:
        return None
    if (parsed.from_port, parsed.to_port, parsed.peer) != (from_port, to_port, peer):
        return None
    return text


def format_nacl_rule(
    rule_action: str,
    protocol: str,
    port_range: tuple[int, int] | None,
    icmp_type_code: tuple[int, int] | None,
    direction: Direction,
    cidr: str,
) -> str | None:
    """The one-line form of a network ACL entry; None when it cannot be written as one."""
    try:
        number = protocol_number(protocol)
    except ValueError:
        return None
    icmp = number in (ICMP, ICMPV6)
    if (port_range is not None and icmp) or (icmp_type_code is not None and not icmp):
        return None
    pair = icmp_type_code if icmp else port_range
    ports = _port_text(number, pair if pair is not None else (None, None))
    if ports is None:
        return None
    name = _NACL_PROTOCOL_TEXT.get(str(number), str(number))
    text = f"{rule_action} {name}{ports} {direction} {cidr}"
    try:
        parsed = parse_nacl_rule(text)
    except RuleSyntaxError:
        return None
    if (parsed.protocol, parsed.port_range, parsed.icmp_type_code, parsed.cidr) != (
        str(number),
        port_range,
        icmp_type_code,
        cidr,
    ):
        return None
    return text
