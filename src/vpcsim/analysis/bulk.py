"""What all-pairs analyses share: one traffic space for the whole network, ENI address classes,
skeletons per class pair, and filter caches keyed by address atoms.

Why classes: the engine's walk between two addresses depends on the subnets (route table,
network ACL, VPC), on the state of the ENIs (running, source/destination check, filtered, a NAT
gateway's or a route target's) and on where the addresses fall among the network's CIDR
boundaries -- not on the security groups, which the skeleton only records. Two addresses that
agree on all of that (a *class*) walk the same skeleton, up to renaming: the sender's and the
receiver's ENIs (for their security groups) and their addresses (for what filters judge). So
``exposure`` and ``matrix`` walk the engine once per class (pair) and only evaluate filters per
member, never the engine per pair.

Why atom keys: a network ACL decides the same way for every remote address between two
consecutive CIDR boundaries, and a security group too, given which referenced groups' member
sets hold the address. Filter results are cached under those keys, so members that differ only
in address within an atom share every evaluation. The keys are exact because the boundaries
include every CIDR of every rule, prefix list and route of the network.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from ..engine.compiled import (
    PEER_MEMBERS,
    AclEntry,
    Compiled,
    CompiledEni,
    CompiledRouteTable,
    SgRule,
    compile_network,
)
from ..engine.elb_compiled import listener_ports
from ..engine.flow import LINUX_CLIENT_PORTS
from ..heap import quiet_gc
from ..model import Network
from ..model.addressing import FULL_MASK, NOT_INTERNET_BLOCKS
from .addresses import (
    InternetUniverse,
    _add_cidr,
    internet_universe,
    partition,
    route_table_bounds,
    skeleton_bounds,
)
from .atoms import RuleSet, TrafficSpace
from .endpoints import Host
from .evaluate import FilterEvaluator, Keyer, NeedsTracing, Outcome, Subst, evaluate
from .intervals import Interval, Intervals
from .local_atoms import LocalSpace, local_space, question_rules
from .naive import naive_outcome
from .reach import universe_contexts, walk_context
from .skeleton import FilterCall, Skeleton

HostKey = tuple[object, ...]


class EniClass(NamedTuple):
    """The class of an ENI address: everything the engine's walk looks at but security groups."""

    subnet_id: str
    running: bool
    source_dest_check: bool
    filtered: bool
    special: str | None
    """The ENI, when it has a role of its own on paths (a route target, a NAT gateway's)."""
    private_atom: int
    """The structure atom of its private address."""
    has_public: bool
    public_atom: int | None
    via_public: bool
    """The host is the ENI's public address."""


class AtomKeyer(Keyer):
    """Cache keys by address atom (and, for security groups, by which member sets of group
    references hold the address)."""

    def __init__(
        self,
        bounds: list[int],
        group_rules: dict[tuple[str, bool], list[SgRule]],
        acl_bounds: list[int] | None = None,
    ) -> None:
        super().__init__()
        self.bounds = bounds
        self.acl_bounds = acl_bounds if acl_bounds is not None else bounds
        # Every compiled rule that references a group holds that group's members: one member set
        # per referenced group, found from each group's own rules.
        canonical: dict[frozenset[int], int] = {}
        holders: dict[int, set[int]] = {}
        self._refs: dict[int, frozenset[int]] = {}
        for rules in group_rules.values():
            for rule in rules:
                if rule.peer_kind == PEER_MEMBERS:
                    peer = rule.members
                    if peer not in canonical:
                        index = canonical[peer] = len(canonical)
                        for ip in peer:
                            holders.setdefault(ip, set()).add(index)
        self.member_of: dict[int, frozenset[int]] = {ip: frozenset(v) for ip, v in holders.items()}
        self._canonical = canonical
        self._uncached: set[int] = set()
        self._bounds_of: dict[int, list[int]] = {}
        self._acl_points: dict[int, list[int]] = {}

    def register(self, rules: list[SgRule]) -> None:
        """Key a rule list of one's own (one group's rules) by member sets too, and by the list's
        own CIDR boundaries: its rules decide alike between two of them (given member sets), so
        addresses that the estate's other rules cut apart still share the list's results."""
        if id(rules) in self._refs:
            return
        points: set[int] = set()
        for rule in rules:
            for net, mask in rule.blocks:
                if net <= FULL_MASK:
                    _add_cidr(points, net, mask)
        self._bounds_of[id(rules)] = sorted(points)
        refs = set()
        for rule in rules:
            if rule.peer_kind == PEER_MEMBERS:
                index = self._canonical.get(rule.members)
                if index is None:
                    self._refs[id(rules)] = frozenset()
                    self._uncached.add(id(rules))
                    return
                refs.add(index)
        self._refs[id(rules)] = frozenset(refs)

    def atom(self, ip: int) -> int:
        return bisect_right(self.bounds, ip)

    def cidr_bounds(self, rules: list[SgRule]) -> list[int]:
        """The boundaries of a rule list's own IPv4 CIDRs and prefix lists: between two of them
        its CIDR and prefix-list rules match alike."""
        got = self._bounds_of.get(id(rules))
        if got is None:
            self.register(rules)
            got = self._bounds_of[id(rules)]
        return got

    def acl_key(self, remote: int) -> object:
        """ACLs decide alike between two consecutive boundaries of their own CIDRs."""
        return bisect_right(self.acl_bounds, remote)

    def acl_entries_key(self, entries: list[AclEntry], remote: int) -> object:
        """One ACL decides alike between two consecutive boundaries of its *own* CIDRs: keying
        by those rather than by every ACL's of the estate lets addresses that other ACLs cut
        apart share this ACL's results (and a class mate's memoised outcome)."""
        if remote > FULL_MASK:
            return remote  # the boundaries are IPv4: key an IPv6 address by itself
        points = self._acl_points.get(id(entries))
        if points is None:
            cuts: set[int] = set()
            for entry in entries:
                if entry.net <= FULL_MASK:
                    _add_cidr(cuts, entry.net, entry.mask)
            points = self._acl_points[id(entries)] = sorted(b for b in cuts if 0 < b < 2**32)
        return bisect_right(points, remote)

    def sg_key(self, rules: list[SgRule], remote: int) -> object:
        refs = self._refs.get(id(rules))
        if refs is None:
            self.register(rules)
            refs = self._refs[id(rules)]
        if id(rules) in self._uncached:
            return remote  # rules this keyer does not know: key by the address itself
        if remote > FULL_MASK:
            atom = bisect_right(self.bounds, remote)
        else:
            atom = bisect_right(self._bounds_of[id(rules)], remote)
        if not refs:
            return atom
        held = self.member_of.get(remote)
        return (atom, held & refs if held else frozenset())


@dataclass(slots=True)
class PairClass:
    """A class pair: the representative pair and its skeletons."""

    source: Host
    destination: Host
    skeletons: dict[str, Skeleton]
    blocked: bool
    """Every walk class is stopped on the forward path by a blocker that is not a filter."""


@dataclass(slots=True)
class InternetClass:
    """An ENI address class reached from (or reaching) the internet: the representative's
    partition of the internet and the skeletons per address atom."""

    host: Host
    bounds: frozenset[int]
    atom_starts: list[int] = field(default_factory=list)
    contexts: list[tuple[int, dict[str, Skeleton]]] = field(default_factory=list)
    """(representative internet address, skeletons) per atom of the class partition."""
    member_bounds: frozenset[int] = frozenset()
    """The class partition's cuts but the representative's own security groups' (a member's
    are cut instead): the walk looks at addresses through routes, blocks and ACLs, never
    through security groups, so a member's atom may span contexts that only those cut apart."""


class Bulk:
    """Evaluates many pairs of one network with shared skeletons and caches."""

    def __init__(
        self,
        network: Network,
        client_ports: Interval = LINUX_CLIENT_PORTS,
        *,
        space: TrafficSpace | None = None,
        also_public: frozenset[int] = frozenset(),
    ) -> None:
        """``also_public``: public addresses of a larger estate ``network`` is a shard of
        (:mod:`vpcsim.analysis.shards`): not the internet either."""
        self.network = network
        self.client_ports = client_ports
        self.c: Compiled = compile_network(network)
        self.universe: InternetUniverse = (
            InternetUniverse(self.c, also_public) if also_public else internet_universe(self.c)
        )
        bounds: set[int] = set()
        for net, mask in self.universe.shared_cidrs:
            _add_cidr(bounds, net, mask)
        self.group_rules = group_rules(self.c)
        for lst in self.group_rules.values():
            _sg_bounds(lst, bounds)
        self.service_ports = listener_ports(network)  # a load balancer answers on its listeners' ports
        acl_bounds: set[int] = set()
        acls_seen: set[str] = set()
        tables_seen: set[str] = set()
        for subnet in self.c.subnets.values():
            acl = subnet.acl
            if acl is not None and acl.acl_id not in acls_seen:
                acls_seen.add(acl.acl_id)
                for entries in (acl.inbound, acl.outbound):
                    for entry in entries:
                        _add_cidr(bounds, entry.net, entry.mask)
                        _add_cidr(acl_bounds, entry.net, entry.mask)
            table = subnet.route_table
            if table is not None and table.route_table_id not in tables_seen:
                tables_seen.add(table.route_table_id)
                route_table_bounds(table, bounds)
        for vpc in self.c.vpcs.values():
            if vpc.edge_route_table is not None:
                route_table_bounds(vpc.edge_route_table, bounds)
        self.bounds = sorted(b for b in bounds if 0 < b < 2**32)
        # The walk (filters aside) looks at addresses only through routes, VPC and subnet blocks,
        # peering blocks, owners of addresses and internet-routability: class keys use these.
        structure: set[int] = set()
        for net, mask in self.universe.shared_cidrs:
            _add_cidr(structure, net, mask)
        for net, mask, _ in NOT_INTERNET_BLOCKS:
            _add_cidr(structure, net, mask)
        for table_id in tables_seen:
            route_table_bounds(self._table(table_id), structure)
        for vpc in self.c.vpcs.values():
            if vpc.edge_route_table is not None:
                route_table_bounds(vpc.edge_route_table, structure)
        self.structure_bounds = sorted(b for b in structure if 0 < b < 2**32)
        self.space = (
            space
            if space is not None
            else TrafficSpace(_every_rule(self.c, self.group_rules, self.service_ports), client_ports)
        )
        self.keyer = AtomKeyer(self.bounds, self.group_rules, sorted(b for b in acl_bounds if 0 < b < 2**32))
        for lst in self.group_rules.values():
            self.keyer.register(lst)
        self.ev = FilterEvaluator(self.space, self.keyer)
        self.special = _special_enis(self.c)
        self._pair_classes: dict[tuple[HostKey, HostKey], PairClass] = {}
        self._internet_classes: dict[tuple[HostKey, bool], InternetClass] = {}
        self.traced = 0
        """Pairs that fell back to tracing every atom (a VPC service on the path)."""
        self._slots: dict[int, list[FilterCall]] = {}
        self._host_keys: dict[Host, HostKey] = {}
        self._pair_keys: dict[Host, HostKey] = {}
        self._memo: dict[tuple[object, ...], Outcome] = {}
        self.memo_hits = 0

    def use_space(self, space: TrafficSpace) -> None:
        """Evaluate over ``space`` from now on (a question's own, :mod:`~vpcsim.analysis.local_atoms`):
        its filter caches and memo start empty; classes and skeletons, which never depend on the
        traffic space, are kept. Exact only when every rule the evaluated paths meet is in it."""
        self.space = space
        self.ev = FilterEvaluator(space, self.keyer)
        self._memo = {}

    @contextmanager
    def keeping_space(self) -> Iterator[None]:
        """Restore the traffic space (and its caches) that was in use on entry, on exit."""
        saved = (self.space, self.ev, self._memo)
        try:
            yield
        finally:
            self.space, self.ev, self._memo = saved

    # ------------------------------------------------------------------ evaluation with a memo

    def evaluate(
        self, skeletons: dict[str, Skeleton], subst: Subst, local: LocalSpace | None = None
    ) -> Outcome:
        """``evaluate`` for a class mate, memoised on what differs between class mates: the
        results of the security groups that are substituted, and the address atoms that the
        substituted addresses fall in for the ACLs that judge them. ``local``: over a question's
        own traffic space (:mod:`~vpcsim.analysis.local_atoms`) rather than the network's."""
        space, ev, memo = (
            (self.space, self.ev, self._memo) if local is None else (local.space, local.ev, local.memo)
        )
        slots = self._slots.get(id(skeletons))
        if slots is None:
            slots = self._slots[id(skeletons)] = _member_slots(skeletons, subst)
        sig: list[object] = [id(skeletons)]
        for call in slots:
            rules, remote = subst.apply(call)
            if call.kind == "sg":
                result = ev.sg(rules, remote)  # type: ignore[arg-type]
                subst.sg_results[(call.owner, call.direction, call.remote)] = result
                sig.append(result)
            else:
                sig.append(self.keyer.acl_entries_key(rules, remote))  # type: ignore[arg-type]
        key = tuple(sig)
        out = memo.get(key)
        if out is not None:
            self.memo_hits += 1
            return out
        out = memo[key] = evaluate(space, skeletons, ev, subst)
        return out

    def _table(self, table_id: str) -> CompiledRouteTable:
        for subnet in self.c.subnets.values():
            if subnet.route_table is not None and subnet.route_table.route_table_id == table_id:
                return subnet.route_table
        raise KeyError(table_id)

    def structure_atom(self, ip: int) -> int:
        return bisect_right(self.structure_bounds, ip)

    # ------------------------------------------------------------------ classes

    def host_key(self, host: Host) -> HostKey:
        """The class of an endpoint address: everything the engine's walk looks at but SGs."""
        key = self._host_keys.get(host)
        if key is None:
            key = self._host_keys[host] = self._host_key(host)
        return key

    def pair_key(self, host: Host) -> HostKey:
        """The class of an address as one end of a pair of private addresses of the network.

        Coarser than :meth:`host_key`: an ENI that no route targets never forwards, so its
        source/destination check never matters; and when no VPC block is an internet address, a
        packet between private addresses never reaches an internet gateway's translation, so
        public addresses never matter either.
        """
        key = self._pair_keys.get(host)
        if key is None:
            full = self.host_key(host)
            coarse = (
                isinstance(full, EniClass)
                and full.special is None
                and not full.via_public  # a private address
                and not self.universe.routable_private
            )
            if isinstance(full, EniClass) and coarse:
                key = (full.subnet_id, full.running, full.filtered, full.private_atom)
            else:
                key = full
            self._pair_keys[host] = key
        return key

    def _host_key(self, host: Host) -> HostKey:
        if host.eni_id is None:
            return ("address", host.address)
        eni = self.c.enis[host.eni_id]
        if host.address in eni.addresses:
            private = host.address
            public = eni.public_of.get(private)
            via_public = False
        else:
            private = self.c.public[host.address].private
            public = host.address
            via_public = True
        special = eni.eni_id if eni.eni_id in self.special else None
        return EniClass(
            eni.subnet.subnet_id,
            eni.running,
            eni.source_dest_check,
            eni.filtered,
            special,
            self.structure_atom(private),
            public is not None,
            self.structure_atom(public) if public is not None else None,
            via_public,
        )

    def _subst(self, rep: Host, member: Host, subst: Subst) -> None:
        if rep.eni_id is not None and member.eni_id is not None:
            rep_eni, eni = self.c.enis[rep.eni_id], self.c.enis[member.eni_id]
            subst.enis[rep.eni_id] = eni
            rep_private, rep_public = _private_public(self.c, rep_eni, rep.address)
            private, public = _private_public(self.c, eni, member.address)
            subst.addresses[rep_private] = private
            if rep_public is not None and public is not None:
                subst.addresses[rep_public] = public
        elif rep.address != member.address:
            subst.addresses[rep.address] = member.address

    # ------------------------------------------------------------------ pairs

    def pair_class(self, source: Host, destination: Host) -> PairClass:
        key = (self.pair_key(source), self.pair_key(destination))
        pc = self._pair_classes.get(key)
        if pc is None:
            ctx = walk_context(
                self.c,
                source.address,
                source.eni_id,
                destination.address,
                ((source.address, source.address),),
                ((destination.address, destination.address),),
            )
            blocked = all(
                (sk.forward_blocked or not (sk.delivered or sk.forward_unknown)) and not sk.service
                for sk in ctx.skeletons.values()
            )
            pc = self._pair_classes[key] = PairClass(source, destination, ctx.skeletons, blocked)
        return pc

    def pair(self, source: Host, destination: Host) -> Outcome:
        """Every atom between two hosts of the network (or a host and one internet address)."""
        pc = self.pair_class(source, destination)
        if pc.blocked:
            return Outcome()
        subst = Subst()
        self._subst(pc.source, source, subst)
        self._subst(pc.destination, destination, subst)
        try:
            return self.evaluate(pc.skeletons, subst)
        except NeedsTracing:
            self.traced += 1
            return naive_outcome(self.network, self.space, source.address, destination.address, source.eni_id)

    # ------------------------------------------------------------------ the internet

    def internet_class(self, host: Host, *, internet_is_source: bool) -> InternetClass:
        key = (self.host_key(host), internet_is_source)
        ic = self._internet_classes.get(key)
        if ic is None:
            contexts, bounds = universe_contexts(
                self.c, self.universe, host, internet_is_source=internet_is_source, walks_only=True
            )
            ic = InternetClass(host, frozenset(bounds))
            for ctx in contexts:
                start = ctx.sources[0][0] if internet_is_source else ctx.destinations[0][0]
                rep = ctx.source if internet_is_source else ctx.destination
                ic.atom_starts.append(start)
                ic.contexts.append((rep, ctx.skeletons))
            points: set[int] = set(self.universe.shared_points)
            for ctx in contexts:
                for sk in ctx.skeletons.values():
                    skeleton_bounds(sk, self.universe, points, skip_groups_of=host.eni_id)
            ic.member_bounds = frozenset(points & ic.bounds)
            self._internet_classes[key] = ic
        return ic

    def internet(
        self, host: Host, *, internet_is_source: bool, local: LocalSpace | None = None
    ) -> list[tuple[Intervals, Outcome]]:
        """Every atom between the internet and ``host``: (internet address piece, outcome) per
        address atom of the host's own partition (its class's, cut by its own SG CIDRs).
        Outcomes are over the network's traffic space, or over ``local``'s
        (:meth:`internet_space`)."""
        ic = self.internet_class(host, internet_is_source=internet_is_source)
        bounds = set(ic.bounds if host.eni_id is None else ic.member_bounds)
        if host.eni_id is not None:
            eni = self.c.enis[host.eni_id]
            bounds |= self.universe.rule_points(eni.ingress, "sg")
            bounds |= self.universe.rule_points(eni.egress, "sg")
        out: list[tuple[Intervals, Outcome]] = []
        for atom in partition(self.universe, bounds):
            i = bisect_right(ic.atom_starts, atom.lo) - 1
            rep_address, skeletons = ic.contexts[i]
            subst = Subst()
            self._subst(ic.host, host, subst)
            subst.addresses[rep_address] = atom.representative
            try:
                outcome = self.evaluate(skeletons, subst, local)
            except NeedsTracing:
                self.traced += 1
                src, dst = (
                    (atom.representative, host.address)
                    if internet_is_source
                    else (host.address, atom.representative)
                )
                outcome = naive_outcome(
                    self.network,
                    self.space if local is None else local.space,
                    src,
                    dst,
                    None if internet_is_source else host.eni_id,
                )
            out.append((((atom.lo, atom.hi),), outcome))
        return out

    def internet_spaces(
        self,
        hosts: Iterable[Host],
        *,
        internet_is_source: bool,
        extra: Iterable[SgRule] = (),
        every: Callable[[], TrafficSpace] | None = None,
    ) -> dict[Host, LocalSpace]:
        """The traffic space of the questions "the internet and each of ``hosts``", one per
        class of hosts: cut only by the rules its paths meet and by the groups of the class's
        members among ``hosts`` (:mod:`~vpcsim.analysis.local_atoms`). Class mates share the
        space, its filter caches and its memo; a class's members carry a VPC's groups at most,
        so a space's atoms do not grow with the estate. ``extra``: rules that cut every space
        too (a policy's flows); ``every``: the space cut by every rule (default: this one's)."""
        extra = list(extra)
        members: dict[int, tuple[InternetClass, list[Host]]] = {}
        for host in hosts:
            ic = self.internet_class(host, internet_is_source=internet_is_source)
            members.setdefault(id(ic), (ic, []))[1].append(host)
        out: dict[Host, LocalSpace] = {}
        every_space: LocalSpace | None = None  # one for every class that needs it: shared caches
        for ic, mates in members.values():
            if any(sk.load_balancer for _, sks in ic.contexts for sk in sks.values()):
                # A load balancer's legs to its targets meet filters the skeletons do not list
                # (the engine walks them per atom): the network's own atoms are exact there.
                if every_space is None:
                    space = every() if every is not None else self.space
                    every_space = LocalSpace(space, FilterEvaluator(space, self.keyer))
                for host in mates:
                    out[host] = every_space
                continue
            rules = question_rules((sks for _, sks in ic.contexts), Subst(), self.service_ports)
            seen: set[int] = {id(lst) for lst in rules.lists}
            for host in mates:
                if host.eni_id is None:
                    continue
                eni = self.c.enis[host.eni_id]
                for lst in (eni.ingress, eni.egress):
                    if id(lst) not in seen:
                        seen.add(id(lst))
                        rules.add_sg(lst)
            rules.add_sg(extra)
            local = local_space(rules, self.client_ports, self.keyer)
            for host in mates:
                out[host] = local
        return out


def _member_slots(skeletons: dict[str, Skeleton], subst: Subst) -> list[FilterCall]:
    """The filters of a representative's skeletons whose rules or judged address change from one
    class mate to another (one per distinct filter and address)."""
    seen: set[tuple[object, ...]] = set()
    slots: list[FilterCall] = []
    for sk in skeletons.values():
        for call in sk.filters:
            if call.kind == "sg" and (call.owner in subst.enis or call.remote in subst.addresses):
                key: tuple[object, ...] = ("sg", call.owner, call.direction, call.remote)
            elif call.kind == "acl" and call.remote in subst.addresses:
                # per ACL: each keys the address by its own entries' boundaries
                key = ("acl", id(call.rules), call.remote)
            else:
                continue
            if key not in seen:
                seen.add(key)
                slots.append(call)
    return slots


def group_rules(c: Compiled) -> dict[tuple[str, bool], list[SgRule]]:
    """Each security group's compiled rules, (group id, egress) -> rules, taken from one ENI
    that carries the group (an ENI's compiled rules are its groups' rules, one after another)."""
    out: dict[tuple[str, bool], list[SgRule]] = {}
    for eni in c.enis.values():
        missing = [g for g in eni.group_ids if (g, False) not in out]
        if not missing:
            continue
        for egress, rules in ((False, eni.ingress), (True, eni.egress)):
            for group in missing:
                out[(group, egress)] = [r for r in rules if r.group_id == group]
    return out


def every_rule_space(
    networks: Iterable[Network], client_ports: Interval, extra: Iterable[SgRule] = ()
) -> TrafficSpace:
    """The traffic space cut by every rule of ``networks`` (both inputs of a diff) and by
    ``extra`` rules (a policy's flows): what :class:`Bulk` cuts one network's space by."""
    rules = RuleSet()
    for network in networks:
        c = compile_network(network)
        _every_rule(c, group_rules(c), listener_ports(network), rules)
    rules.add_sg(extra)
    return TrafficSpace(rules, client_ports)


def _every_rule(
    c: Compiled,
    groups: dict[tuple[str, bool], list[SgRule]],
    service_ports: set[tuple[int, int]],
    rules: RuleSet | None = None,
) -> RuleSet:
    """Every compiled security-group rule (``groups``: :func:`group_rules` of ``c``), network-ACL
    entry and load-balancer listener port (``service_ports``) of a network, added to ``rules``."""
    rules = rules if rules is not None else RuleSet()
    for lst in groups.values():
        rules.add_sg(lst)
    for acl_lists in {
        s.acl.acl_id: (s.acl.inbound, s.acl.outbound) for s in c.subnets.values() if s.acl
    }.values():
        for entries in acl_lists:
            rules.add_acl(entries)
    rules.add_service_ports(service_ports)
    return rules


def _private_public(c: Compiled, eni: CompiledEni, address: int) -> tuple[int, int | None]:
    if address in eni.addresses:
        return address, eni.public_of.get(address)
    return c.public[address].private, address


def _sg_bounds(rules: list[SgRule], bounds: set[int]) -> None:
    """The blocks rules' peers name (CIDRs and prefix lists; group members are keyed apart)."""
    for rule in rules:
        for net, mask in rule.blocks:
            _add_cidr(bounds, net, mask)


def _special_enis(c: Compiled) -> set[str]:
    """ENIs with a role of their own on paths: route targets, NAT gateways' ENIs and the other
    ENIs AWS manages for a service (no hosts: the walk stops there)."""
    special = {e.eni_id for e in c.enis.values() if e.nat_gateway is not None or e.managed is not None}
    tables = [s.route_table for s in c.subnets.values() if s.route_table is not None]
    tables += [v.edge_route_table for v in c.vpcs.values() if v.edge_route_table is not None]
    for table in tables:
        assert table is not None
        for _, level in table.levels:
            for route in level.values():
                if route.kind == "eni":
                    special.add(route.target)
        for shadowed in table.shadowed.values():
            for route in shadowed:
                if route.kind == "eni":
                    special.add(route.target)
    return special


__all__ = ["AtomKeyer", "Bulk", "every_rule_space", "group_rules", "quiet_gc"]
