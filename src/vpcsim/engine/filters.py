"""How a security group and a network ACL judge one packet: the one statement of those rules.

Why a module of its own: the reference walk (:mod:`vpcsim.engine.walk`) applies these functions
to the packets it forwards, and the analyses (:mod:`vpcsim.analysis.evaluate`, ``bulk``,
``matrix_fast``, ``why``) apply the same functions to the filters the walk met, so that a fix
here is a fix everywhere. Nothing outside this module decides whether a rule matches.

* :func:`peer_matches`: whether a security-group rule's peer (a CIDR, the members of a
  referenced group, the CIDRs of a prefix list) covers a remote address -- or None when the
  peer is not described in the input.
* :func:`sg_decide`: security groups are a union of allow rules; the first rule that allows
  the packet wins, and a rule with an unknown peer might.
* :func:`acl_decide`: network-ACL entries in rule-number order, first match wins, per part of
  the destination ports (a reply to a client's whole ephemeral range meets several entries).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.addressing import FULL_MASK
from .compiled import (
    PEER_CIDR,
    PEER_MEMBERS,
    PEER_PREFIX_LIST,
    AclEntry,
    CompiledAcl,
    CompiledEni,
    SgRule,
)
from .flow import ICMP, ICMPV6, TCP, UDP, PortRanges
from .ports import intersect_range, subtract_range

#: The ``*`` entry every network ACL ends with: it denies.
STAR_RULE = 32767


@dataclass(frozen=True, slots=True)
class Packet:
    """A packet as filters and routes see it: addresses as integers, ports as ranges."""

    src: int
    dst: int
    proto: int
    sports: PortRanges
    dports: PortRanges
    itype: int
    icode: int
    forwarded: bool = False
    """Forwarded by a middlebox ENI: security-group references no longer match it."""

    @property
    def has_ports(self) -> bool:
        return self.proto in (TCP, UDP)

    def rewritten(
        self,
        *,
        src: int | None = None,
        sports: PortRanges | None = None,
        dst: int | None = None,
        dports: PortRanges | None = None,
        forwarded: bool | None = None,
    ) -> Packet:
        """A copy with a translation (or the middlebox mark) applied: ``dataclasses.replace``
        without its introspection, which costs more than the rest of a hop."""
        return Packet(
            self.src if src is None else src,
            self.dst if dst is None else dst,
            self.proto,
            self.sports if sports is None else sports,
            self.dports if dports is None else dports,
            self.itype,
            self.icode,
            self.forwarded if forwarded is None else forwarded,
        )


def sg_rules(eni: CompiledEni, pkt: Packet, *, egress: bool) -> list[SgRule]:
    """The security-group rules of ``eni`` that judge ``pkt``, by its address family: IPv4 and
    IPv6 rules are compiled apart (``0.0.0.0/0`` never covers ``::/0``), so one matcher serves
    both and a packet never meets a rule of the other family."""
    if pkt.dst > FULL_MASK:
        return eni.egress6 if egress else eni.ingress6
    return eni.egress if egress else eni.ingress


def acl_entries(acl: CompiledAcl, pkt: Packet, *, inbound: bool) -> list[AclEntry]:
    """The network-ACL entries that judge ``pkt``, by its address family (IPv6 entries end with
    the ``*`` rule 32768, IPv4 ones with 32767)."""
    if pkt.dst > FULL_MASK:
        return acl.inbound6 if inbound else acl.outbound6
    return acl.inbound if inbound else acl.outbound


def peer_matches(rule: SgRule, remote: int) -> bool | None:
    """Whether ``rule``'s peer covers ``remote``: True when the address lies in one of the rule's
    ``blocks`` (a CIDR peer, a prefix list's CIDRs) or is one of its ``members`` (the addresses
    of a referenced group's ENIs); None when the peer is not in the input (it might)."""
    kind = rule.peer_kind
    if kind == PEER_CIDR:
        net, mask = rule.blocks[0]
        return remote & mask == net
    if kind == PEER_MEMBERS:
        return remote in rule.members
    if kind == PEER_PREFIX_LIST:
        return any(remote & mask == net for net, mask in rule.blocks)
    return None


def sg_decide(rules: list[SgRule], pkt: Packet, remote: int) -> tuple[SgRule | None, SgRule | None]:
    """(the first rule that allows the packet, or None; a rule that might, through an unknown peer).

    ``remote`` is the other end: the destination for outbound rules, the source for inbound.
    """
    proto = pkt.proto
    port = pkt.dports[0][0]
    unknown: SgRule | None = None
    for rule in rules:
        rule_proto = rule.protocol
        if rule_proto != -1:
            if rule_proto != proto:
                continue
            if proto in (TCP, UDP):
                if not rule.lo <= port <= rule.hi:
                    continue
            elif proto in (ICMP, ICMPV6) and not (
                (rule.lo == -1 or rule.lo == pkt.itype) and (rule.hi == -1 or rule.hi == pkt.icode)
            ):
                continue
        matched = peer_matches(rule, remote)
        if matched:
            return rule, None
        if matched is None and unknown is None:
            unknown = rule
    return None, unknown


def _acl_proto_match(entry: AclEntry, proto: int, itype: int, icode: int) -> bool:
    rule_proto = entry.protocol
    if rule_proto == -1:
        return True
    if rule_proto != proto:
        return False
    if proto in (ICMP, ICMPV6):
        return (entry.icmp_type == -1 or entry.icmp_type == itype) and (
            entry.icmp_code == -1 or entry.icmp_code == icode
        )
    return True


def acl_decide(
    entries: list[AclEntry], pkt: Packet, remote: int
) -> list[tuple[PortRanges | None, bool, int]]:
    """The ACL's decisions for the packet: (destination ports or None, allowed, rule number).

    For TCP/UDP the packet's destination ports may be a set of ranges (a reply to a client's
    whole ephemeral range); each part gets the first rule that matches it. ``remote`` is the
    other end: the source for inbound entries, the destination for outbound.
    """
    proto = pkt.proto
    if proto not in (TCP, UDP):
        for entry in entries:
            if remote & entry.mask == entry.net and _acl_proto_match(entry, proto, pkt.itype, pkt.icode):
                return [(None, entry.allow, entry.rule_number)]
        return [(None, False, STAR_RULE)]
    remaining = pkt.dports
    single = len(remaining) == 1 and remaining[0][0] == remaining[0][1]
    decisions: list[tuple[PortRanges | None, bool, int]] = []
    for entry in entries:
        if remote & entry.mask != entry.net:
            continue
        entry_proto = entry.protocol
        if entry_proto != -1 and entry_proto != proto:
            continue
        lo, hi = entry.lo, entry.hi
        if single:
            port = remaining[0][0]
            if lo <= port <= hi:
                return [(remaining, entry.allow, entry.rule_number)]
            continue
        hit = intersect_range(remaining, lo, hi)
        if hit:
            decisions.append((hit, entry.allow, entry.rule_number))
            remaining = subtract_range(remaining, lo, hi)
            if not remaining:
                return decisions
    if remaining:
        decisions.append((remaining, False, STAR_RULE))
    return decisions


__all__ = ["STAR_RULE", "Packet", "acl_decide", "acl_entries", "peer_matches", "sg_decide", "sg_rules"]
