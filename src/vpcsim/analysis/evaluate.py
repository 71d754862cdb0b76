"""Evaluate the atoms of a traffic space over the skeletons of one address pair.

Why: a skeleton (:mod:`vpcsim.analysis.skeleton`) says which filters a flow meets and which other
blockers stop it; this module decides every atom at once, with the engine's own rule functions
(``sg_decide``, ``acl_decide``), and sorts the atoms as ``reach`` reports them:

* ``allowed``: delivered, and the reply comes back for every client port;
* ``one_way``: delivered, and the reply fails for every client port (the stateless-NACL trap);
* ``partial``: delivered, and the reply comes back for part of the client ports (listed);
* ``unknown``: no blocker the model can prove, but the path crosses what is not modelled.

A request blocked on its way (a security group, an ACL, no route...) is in none of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine.compiled import PEER_CIDR, PEER_UNKNOWN, AclEntry, CompiledEni, SgRule
from ..engine.filters import Packet, acl_decide, peer_matches, sg_decide
from ..engine.flow import ICMP, ICMPV6, TCP, UDP, PortRanges
from ..model.addressing import FULL_MASK
from .atoms import WALK_TCP, WALK_UDP, Atom, TrafficSpace
from .intervals import Intervals, normalize
from .skeleton import MARK_SPORT, ROLE_CONST, ROLE_DPORT, ROLE_SPORT, FilterCall, Skeleton

_NO_PORTS: PortRanges = ((0, 0),)
PORT_MAX = 65535


class NeedsTracing(Exception):
    """The skeleton cannot be evaluated atom by atom (a VPC service checks ports itself)."""


@dataclass(slots=True)
class Outcome:
    """What happens to every atom between one pair of addresses."""

    allowed: int = 0
    one_way: int = 0
    partial: dict[int, Intervals] = field(default_factory=dict)
    """atom index -> the client ports whose reply comes back."""
    unknown: int = 0

    def key(self) -> tuple[object, ...]:
        return (self.allowed, self.one_way, tuple(sorted(self.partial.items())), self.unknown)

    @property
    def empty(self) -> bool:
        return not (self.allowed or self.one_way or self.partial or self.unknown)

    def delivered(self) -> int:
        """Atoms whose request is delivered (reply aside), unknown ones included."""
        bits = self.allowed | self.one_way | self.unknown
        for index in self.partial:
            bits |= 1 << index
        return bits


def request_packet(atom: Atom, dports: PortRanges | None = None) -> Packet:
    """The packet of an atom as a filter on the request's path sees it (addresses aside)."""
    if atom.protocol in (TCP, UDP):
        port = atom.port if atom.port is not None else 0
        return Packet(0, 0, atom.protocol, ((MARK_SPORT, MARK_SPORT),), dports or ((port, port),), -1, -1)
    if atom.protocol in (ICMP, ICMPV6) and atom.icmp_types is not None:
        return Packet(
            0,
            0,
            atom.protocol,
            _NO_PORTS,
            _NO_PORTS,
            atom.icmp_type if atom.icmp_type is not None else -1,
            atom.icmp_code if atom.icmp_code is not None else -1,
        )
    return Packet(0, 0, atom.protocol, _NO_PORTS, _NO_PORTS, -1, -1)


def reply_packet(atom: Atom, dports: PortRanges) -> Packet:
    """The reply of an atom as an ACL on the return path sees it."""
    if atom.protocol in (TCP, UDP):
        return Packet(0, 0, atom.protocol, _NO_PORTS, dports, -1, -1)
    if atom.protocol in (ICMP, ICMPV6) and atom.icmp_types is not None:
        reply = atom.reply_type
        return Packet(
            0,
            0,
            atom.protocol,
            _NO_PORTS,
            _NO_PORTS,
            reply if reply is not None else -1,
            atom.icmp_code if atom.icmp_code is not None else -1,
        )
    return Packet(0, 0, atom.protocol, _NO_PORTS, _NO_PORTS, -1, -1)


def _acl_passes(entries: list[AclEntry], pkt: Packet, remote: int) -> bool:
    return all(allowed for _, allowed, _ in acl_decide(entries, pkt, remote))


class Keyer:
    """How a filter's remote address enters cache keys. The default keys by the address itself;
    bulk analyses key by the address atom (and group memberships), which is exact when the atoms
    respect every CIDR of every rule (:mod:`vpcsim.analysis.bulk`).

    A keyer also holds what does not depend on a traffic space, shared by every evaluator that
    uses it (one per question's space, :mod:`~vpcsim.analysis.local_atoms`): an ENI's rule list
    cut into its groups' runs, and which rules of a run match a remote address."""

    def __init__(self) -> None:
        self._runs: dict[int, tuple[list[SgRule], tuple[list[SgRule], ...]]] = {}
        self._canonical_runs: dict[tuple[int, ...], list[SgRule]] = {}
        self._matches: dict[tuple[int, object], tuple[int, int]] = {}

    def runs(self, rules: list[SgRule]) -> tuple[list[SgRule], ...]:
        """``rules`` (an ENI's: its groups' rules one after another) as one list per group,
        the same list object wherever the same rules recur (the ENIs of a group share it)."""
        got = self._runs.get(id(rules))
        if got is not None:
            return got[1]
        out: list[list[SgRule]] = []
        i = 0
        while i < len(rules):
            j = i + 1
            while j < len(rules) and rules[j].group_id == rules[i].group_id:
                j += 1
            key = tuple(id(rule) for rule in rules[i:j])
            run = self._canonical_runs.get(key)
            if run is None:
                run = self._canonical_runs[key] = rules[i:j]
            out.append(run)
            i = j
        self._runs[id(rules)] = (rules, tuple(out))  # the list is kept: its id stays its own
        return self._runs[id(rules)][1]

    def matches(self, run: list[SgRule], remote: int) -> tuple[int, int]:
        """(rules of ``run`` whose peer covers ``remote``, rules whose peer is unknown), as bits
        over the run's positions -- the engine's ``peer_matches``, asked once per run and key."""
        key = (id(run), self.sg_key(run, remote))
        got = self._matches.get(key)
        if got is None:
            matched = maybe = 0
            for i, rule in enumerate(run):
                # peer_matches, with its common case inline: this runs once per rule and atom
                if rule.peer_kind == PEER_CIDR:
                    net, mask = rule.blocks[0]
                    if remote & mask == net:
                        matched |= 1 << i
                    continue
                hit = peer_matches(rule, remote)
                if hit is None:
                    maybe |= 1 << i
                elif hit:
                    matched |= 1 << i
            got = self._matches[key] = (matched, maybe)
        return got

    def acl_key(self, remote: int) -> object:
        return remote

    def acl_entries_key(self, entries: list[AclEntry], remote: int) -> object:
        """The key of ``remote`` for one ACL's entries (paired with the list's identity)."""
        return self.acl_key(remote)

    def sg_key(self, rules: list[SgRule], remote: int) -> object:
        return remote


@dataclass(slots=True)
class Subst:
    """Substitutions that turn a representative pair's skeleton into a class mate's: the ENIs
    whose security groups are consulted, and the addresses filters judge."""

    enis: dict[str, CompiledEni] = field(default_factory=dict)
    addresses: dict[int, int] = field(default_factory=dict)
    sg_results: dict[tuple[str, str, int], tuple[int, int]] = field(default_factory=dict)
    """Security-group results already computed for this pair, by (owner, direction, remote)."""

    def apply(self, call: FilterCall) -> tuple[list[SgRule] | list[AclEntry], int]:
        remote = self.addresses.get(call.remote, call.remote)
        if call.kind == "sg":
            eni = self.enis.get(call.owner)
            if eni is not None:
                if remote > FULL_MASK:
                    return (eni.egress6 if call.direction == "outbound" else eni.ingress6), remote
                return (eni.egress if call.direction == "outbound" else eni.ingress), remote
        return call.rules, remote


NO_SUBST = Subst()


class FilterEvaluator:
    """Decides filters over the atoms of one traffic space, with caches shared across pairs."""

    def __init__(self, space: TrafficSpace, keyer: Keyer | None = None) -> None:
        self.space = space
        self.keyer = keyer or Keyer()
        self._acl_forward: dict[tuple[object, ...], int] = {}
        self._sg_forward: dict[tuple[object, ...], tuple[int, int]] = {}
        self._rule_bits: dict[tuple[int, int, int], int] = {}
        self._reply_atoms: dict[tuple[object, ...], int] = {}
        self._reply_sports: dict[tuple[object, ...], int] = {}
        self._segment_cache: dict[tuple[int, int], list[tuple[int, int]] | None] = {}
        self._prepared: dict[int, list[int]] = {}
        self._run_bits: dict[tuple[int, int, int], tuple[int, int]] = {}
        self._by_protocol: dict[int, list[Atom]] | None = None

    # ---------------------------------------------------------------- security groups

    def rule_bits(self, rule: SgRule) -> int:
        """The atoms whose protocol, port or ICMP type/code a rule matches (peer aside), decided
        by the engine's ``sg_decide`` on the rule alone with a peer that matches."""
        key = (rule.protocol, rule.lo, rule.hi)
        bits = self._rule_bits.get(key)
        if bits is None and rule.protocol in (TCP, UDP):
            bits = self._port_rule_bits(rule)
            if bits is not None:
                self._rule_bits[key] = bits
        if bits is None:
            probe = [SgRule.from_anywhere(rule.protocol, rule.lo, rule.hi)]
            bits = 0
            # A rule names one protocol (or every one, -1): only atoms of that protocol are asked.
            atoms = self.space.atoms if rule.protocol == -1 else self._atoms_of(rule.protocol)
            for atom in atoms:
                allowed, _ = sg_decide(probe, request_packet(atom), 0)
                if allowed is not None:
                    bits |= 1 << atom.index
            self._rule_bits[key] = bits
        return bits

    def _atoms_of(self, protocol: int) -> list[Atom]:
        by_protocol = self._by_protocol
        if by_protocol is None:
            by_protocol = self._by_protocol = {}
            for atom in self.space.atoms:
                by_protocol.setdefault(atom.protocol, []).append(atom)
        return by_protocol.get(protocol, [])

    def _port_rule_bits(self, rule: SgRule) -> int | None:
        """A TCP/UDP rule's atoms without asking every atom: its ports are a run of consecutive
        port atoms of its protocol (the atoms are cut at every rule's ``lo`` and ``hi + 1``). The
        engine's ``sg_decide`` still decides: it must pass the run's first and last atoms and
        refuse their neighbours, or every atom is asked as usual."""
        run = self.space.port_run(rule.protocol, rule.lo, rule.hi)
        if run is None:
            return None
        first, stop = run
        start, _ = self.space.port_runs[rule.protocol]
        end = start + len(self.space.port_runs[rule.protocol][1])
        probe = [SgRule.from_anywhere(rule.protocol, rule.lo, rule.hi)]
        atoms = self.space.atoms

        def passes(index: int) -> bool:
            return sg_decide(probe, request_packet(atoms[index]), 0)[0] is not None

        inside = first < stop and passes(first) and passes(stop - 1)
        outside = (first == start or not passes(first - 1)) and (stop == end or not passes(stop))
        if not (inside and outside):
            return None
        return ((1 << (stop - first)) - 1) << first

    def sg(self, rules: list[SgRule], remote: int) -> tuple[int, int]:
        """(atoms some rule allows from/to ``remote``, atoms only a rule with an unknown peer might).

        Security-group rules only allow, so an ENI's result is the union of its groups': each
        group's run is judged once per key of ``remote`` for the whole analysis
        (:meth:`Keyer.matches`) and turned into atoms once per match (ENIs of a group share
        both, where an ENI's own list is met by its own questions only)."""
        key = (id(rules), self.keyer.sg_key(rules, remote))
        cached = self._sg_forward.get(key)
        if cached is not None:
            return cached
        passed = maybe = 0
        keyer = self.keyer
        run_bits = self._run_bits
        for run in keyer.runs(rules):
            matched, unknown = keyer.matches(run, remote)
            if not (matched or unknown):
                continue
            bkey = (id(run), matched, unknown)
            bits = run_bits.get(bkey)
            if bits is None:
                bits = run_bits[bkey] = self._run_atoms(run, matched, unknown)
            passed |= bits[0]
            maybe |= bits[1]
        result = (passed, maybe & ~passed)
        self._sg_forward[key] = result
        return result

    def _run_atoms(self, run: list[SgRule], matched: int, unknown: int) -> tuple[int, int]:
        """The atoms of the rules of ``run`` at positions ``matched`` and ``unknown``."""
        prepared = self._prepared.get(id(run))
        if prepared is None:
            prepared = self._prepared[id(run)] = [self.rule_bits(rule) for rule in run]
        passed = maybe = 0
        for i, bits in enumerate(prepared):
            if matched >> i & 1:
                passed |= bits
            elif unknown >> i & 1:
                maybe |= bits
        return passed, maybe

    # ---------------------------------------------------------------- network ACLs

    def acl(self, entries: list[AclEntry], remote: int, role: str, const: PortRanges, mask: int) -> int:
        key = (id(entries), self.keyer.acl_entries_key(entries, remote), role, const, mask)
        cached = self._acl_forward.get(key)
        if cached is not None:
            return cached
        dports = const if role == ROLE_CONST and const else None
        passed = self._by_segments(
            entries, mask, lambda atom: _acl_passes(entries, request_packet(atom, dports), remote)
        )
        self._acl_forward[key] = passed
        return passed

    def _by_segments(self, entries: list[AclEntry], mask: int, passes: Callable[[Atom], bool]) -> int:
        """The atoms of ``mask`` that ``passes`` (an ACL's decision on one atom) accepts, asking
        it once per segment of TCP/UDP ports between the ACL's own entry boundaries rather than
        once per atom: an ACL decides alike for every port of such a segment, however many atoms
        other rules of the network cut it into. Other atoms are asked one by one."""
        atoms = self.space.atoms
        passed = 0
        rest = mask
        for proto in (TCP, UDP):
            segments = self._segments(entries, proto)
            if segments is None:
                continue
            first, starts = self.space.port_runs[proto]
            whole = ((1 << len(starts)) - 1) << first
            if not mask & whole:
                continue
            rest &= ~whole
            for lo, stop in segments:
                run = ((1 << (stop - lo)) - 1) << lo
                if run & mask and passes(atoms[lo]):
                    passed |= run
        passed &= mask
        for atom in self.space.iter_bits(rest):
            if passes(atom):
                passed |= 1 << atom.index
        return passed

    def _segments(self, entries: list[AclEntry], proto: int) -> list[tuple[int, int]] | None:
        """The port atoms of ``proto`` as index ranges ``[lo, stop)`` cut at the ACL's own port
        boundaries; None when a boundary is not an atom boundary (then every atom is asked)."""
        key = (id(entries), proto)
        if key in self._segment_cache:
            return self._segment_cache[key]
        first, starts = self.space.port_runs[proto]
        cuts = {0}
        for entry in entries:
            if entry.protocol == proto:
                cuts.update((entry.lo, entry.hi + 1))
        indices: list[int] | None = []
        for b in sorted(c for c in cuts if c <= PORT_MAX):
            i = bisect_left(starts, b)
            if i == len(starts) or starts[i] != b:
                indices = None
                break
            indices.append(first + i)  # type: ignore[union-attr]
        result = (
            None if indices is None else list(zip(indices, [*indices[1:], first + len(starts)], strict=True))
        )
        self._segment_cache[key] = result
        return result

    def forward(self, call: FilterCall, mask: int, subst: Subst = NO_SUBST) -> tuple[int, int]:
        """(atoms the filter passes, atoms it might pass through an unknown peer), within ``mask``."""
        if call.role == ROLE_SPORT:
            raise NeedsTracing("a request filter that sees the client port")
        if call.kind == "sg":
            known = subst.sg_results.get((call.owner, call.direction, call.remote))
            if known is None:
                rules, remote = subst.apply(call)
                known = self.sg(rules, remote)  # type: ignore[arg-type]
            passed, maybe = known
            return passed & mask, maybe & mask
        rules, remote = subst.apply(call)
        return self.acl(rules, remote, call.role, call.const_ports, mask), 0  # type: ignore[arg-type]

    def reply_atoms(self, call: FilterCall, mask: int, subst: Subst = NO_SUBST) -> int:
        """Atoms whose reply the (return-path ACL) filter passes, for non-port protocols and for
        constant or request-port roles."""
        rules, remote = subst.apply(call)
        key = (id(rules), self._remote_key(call, rules, remote), call.role, call.const_ports, mask)
        cached = self._reply_atoms.get(key)
        if cached is not None:
            return cached

        def passes(atom: Atom) -> bool:
            if atom.protocol in (TCP, UDP):
                if call.role == ROLE_DPORT:
                    port = atom.port if atom.port is not None else 0
                    dports: PortRanges = ((port, port),)
                else:
                    dports = call.const_ports
                pkt = reply_packet(atom, dports)
            else:
                pkt = reply_packet(atom, _NO_PORTS)
            if call.kind == "acl":
                return _acl_passes(rules, pkt, remote)  # type: ignore[arg-type]
            return sg_decide(rules, pkt, remote)[0] is not None  # type: ignore[arg-type]

        if call.kind == "acl":
            passed = self._by_segments(rules, mask, passes)  # type: ignore[arg-type]
        else:
            passed = 0
            for atom in self.space.iter_bits(mask):
                if passes(atom):
                    passed |= 1 << atom.index
        self._reply_atoms[key] = passed
        return passed

    def _remote_key(self, call: FilterCall, rules: list[SgRule] | list[AclEntry], remote: int) -> object:
        if call.kind == "acl":
            return self.keyer.acl_entries_key(rules, remote)  # type: ignore[arg-type]
        return ("sg", self.keyer.sg_key(rules, remote))  # type: ignore[arg-type]

    def reply_sports(self, call: FilterCall, protocol: int, subst: Subst = NO_SUBST) -> int:
        """Client-port atoms (bits over ``space.sport_atoms[protocol]``) whose reply passes."""
        rules, remote = subst.apply(call)
        key = (id(rules), self._remote_key(call, rules, remote), protocol)
        cached = self._reply_sports.get(key)
        if cached is not None:
            return cached
        passed = 0
        for i, (lo, _) in enumerate(self.space.sport_atoms[protocol]):
            pkt = Packet(0, 0, protocol, _NO_PORTS, ((lo, lo),), -1, -1)
            if call.kind == "acl":
                ok = _acl_passes(rules, pkt, remote)  # type: ignore[arg-type]
            else:  # a middlebox's groups judging an untracked reply as new traffic
                ok = sg_decide(rules, pkt, remote)[0] is not None  # type: ignore[arg-type]
            if ok:
                passed |= 1 << i
        self._reply_sports[key] = passed
        return passed


def evaluate(
    space: TrafficSpace, skeletons: dict[str, Skeleton], ev: FilterEvaluator, subst: Subst = NO_SUBST
) -> Outcome:
    """Sort every atom of ``space`` for one address pair whose skeletons are given per walk class
    (with ``subst`` applied: a class mate of the pair the skeletons were walked for)."""
    out = Outcome()
    for walk, mask in space.walk_bits.items():
        sk = skeletons.get(walk)
        if sk is None or not mask:
            continue
        if sk.service and not (replies_never_return(sk) or _untracked_reply_judged(sk)):
            raise NeedsTracing(walk)
        if sk.forward_blocked or not (sk.delivered or sk.forward_unknown):
            continue
        passed, unknown = mask, 0
        returns: list[FilterCall] = []
        for call in sk.filters:
            if call.path == "return":
                returns.append(call)
                continue
            p, u = ev.forward(call, mask, subst)
            unknown = (unknown & (p | u)) | (passed & u)
            passed &= p
            if not (passed or unknown):
                break
        if sk.forward_unknown:
            unknown |= passed
            passed = 0
        if not (passed or unknown):
            continue
        if not sk.delivered:
            out.unknown |= unknown
            continue
        if not sk.has_reply:
            out.allowed |= passed
            out.unknown |= unknown
            continue
        out.unknown |= unknown
        if sk.return_blocked:
            out.one_way |= passed
            continue
        if sk.return_unknown:
            out.unknown |= passed
            continue
        _replies(space, ev, returns, passed, mask, out, subst)
    return out


def replies_never_return(sk: Skeleton) -> bool:
    """A skeleton marked ``service`` only because its reply crosses a middlebox untracked, whose
    return path a blocker that is not a filter stops (a routing loop, no route...): such a
    blocker holds for every flow of the walk class, so no atom's reply comes back, whatever the
    middlebox's groups say port by port. The request's filters are judged as usual."""
    return sk.untracked_reply and not sk.vpc_service and sk.return_blocked


def _untracked_reply_judged(sk: Skeleton) -> bool:
    """A skeleton marked ``service`` only because its reply crosses a middlebox untracked, whose
    groups on the return path name no unknown peer: they judge the reply as new traffic, by its
    protocol and the client's port (or ICMP reply type), like a return-path ACL -- so the atoms
    are judged filter by filter (:meth:`FilterEvaluator.reply_sports`, ``reply_atoms``)."""
    if not sk.untracked_reply or sk.vpc_service:
        return False
    return all(
        rule.peer_kind != PEER_UNKNOWN  # type: ignore[union-attr]
        for call in sk.filters
        if call.kind == "sg" and call.path == "return"
        for rule in call.rules
    )


def _replies(
    space: TrafficSpace,
    ev: FilterEvaluator,
    returns: list[FilterCall],
    passed: int,
    mask: int,
    out: Outcome,
    subst: Subst,
) -> None:
    """Sort delivered atoms (``passed``, within the walk class's ``mask``) by their replies,
    which ACLs judge again (security groups track the connection)."""
    for proto, walk in ((TCP, WALK_TCP), (UDP, WALK_UDP)):
        proto_mask = passed & space.walk_bits.get(walk, 0)
        if not proto_mask:
            continue
        passed &= ~proto_mask
        sport_atoms = space.sport_atoms[proto]
        full = (1 << len(sport_atoms)) - 1
        common = full
        per_atom = proto_mask
        for call in returns:
            if call.role == ROLE_SPORT:
                common &= ev.reply_sports(call, proto, subst)
            else:
                per_atom &= ev.reply_atoms(call, mask, subst)
        # Atoms that a request-port or constant-port filter fails get no reply at all.
        out.one_way |= proto_mask & ~per_atom
        if common == full:
            out.allowed |= per_atom
        elif common == 0:
            out.one_way |= per_atom
        else:
            ports = normalize(sport_atoms[i] for i in range(len(sport_atoms)) if common >> i & 1)
            bits = per_atom
            while bits:
                low = bits & -bits
                out.partial[low.bit_length() - 1] = ports
                bits ^= low
    if passed:
        ok = passed
        for call in returns:
            ok &= ev.reply_atoms(call, mask, subst)
        out.allowed |= ok
        out.one_way |= passed & ~ok


__all__ = ["FilterEvaluator", "Keyer", "NeedsTracing", "Outcome", "Subst", "evaluate"]
